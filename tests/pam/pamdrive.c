/*
 * pamdrive: runs PAM operations for the shell tests through libpamtest (under pam_wrapper),
 * answering each prompt with one line of standard input. pamtester's misc_conv reads a pipe
 * with one read(), so several piped answers can arrive as one; this reads exactly a line per
 * prompt. End of input is a NULL reply, as a closed terminal gives.
 *
 *   pamdrive [-I rhost=HOST] SERVICE USER OPERATION...
 *
 * Prints every message and prompt ("[prompt] Verification code: ", "[error] ..."), then "pamdrive: OPERATION: RESULT" per operation with
 * pam_strerror's text; exits 0 only when every operation returned PAM_SUCCESS.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpamtest.h>
#include <security/pam_appl.h>

static const struct {
	const char *name;
	enum pamtest_ops op;
} pamdrive_ops[] = {
	{"authenticate", PAMTEST_AUTHENTICATE},
	{"acct_mgmt", PAMTEST_ACCOUNT},
	{"setcred", PAMTEST_SETCRED},
	{"open_session", PAMTEST_OPEN_SESSION},
	{"close_session", PAMTEST_CLOSE_SESSION},
	{"chauthtok", PAMTEST_CHAUTHTOK},
};
#define PAMDRIVE_NOPS (sizeof(pamdrive_ops) / sizeof(pamdrive_ops[0]))

static int
pamdrive_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	char *line = NULL;
	size_t cap = 0;

	(void)data;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		/* Tagged so that tests can compare conversations apart from any log output. */
		if (style == PAM_TEXT_INFO || style == PAM_ERROR_MSG) {
			printf("[%s] %s\n", style == PAM_TEXT_INFO ? "info" : "error", msg[i]->msg);
			continue;
		}
		printf("[%s] %s\n", style == PAM_PROMPT_ECHO_ON ? "prompt-echo" : "prompt",
		       msg[i]->msg);
		fflush(stdout);
		if (getline(&line, &cap, stdin) < 0) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			free(line);
			return PAM_CONV_ERR;
		}
		line[strcspn(line, "\n")] = '\0';
		r[i].resp = strdup(line);
	}
	free(line);
	fflush(stdout);
	*resp = r;
	return PAM_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct pam_testcase cases[8];
	struct pam_conv conv = {pamdrive_conv, NULL};
	pam_handle_t *pamh = NULL;
	const char *rhost = NULL;
	size_t n = 0;
	int failed = 0, a = 1;

	if (argc > 2 && strcmp(argv[1], "-I") == 0 && strncmp(argv[2], "rhost=", 6) == 0) {
		rhost = argv[2] + 6;
		a = 3;
	}
	if (argc - a < 3 || argc - a - 2 > 8) {
		fprintf(stderr, "usage: pamdrive [-I rhost=HOST] SERVICE USER OPERATION...\n");
		return 2;
	}
	for (int i = a + 2; i < argc; i++) {
		size_t k;
		for (k = 0; k < PAMDRIVE_NOPS && strcmp(argv[i], pamdrive_ops[k].name) != 0; k++)
			;
		if (k == PAMDRIVE_NOPS) {
			fprintf(stderr, "pamdrive: unknown operation %s\n", argv[i]);
			return 2;
		}
		memset(&cases[n], 0, sizeof(cases[n]));
		cases[n].pam_operation = pamdrive_ops[k].op;
		cases[n].op_rv = -1; /* libpamtest stops at the first failure: "not run" */
		cases[n++].expected_rv = PAM_SUCCESS;
	}
	if (pam_start(argv[a], argv[a + 1], &conv, &pamh) != PAM_SUCCESS) {
		fprintf(stderr, "pamdrive: pam_start failed\n");
		return 2;
	}
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	_pamtest_conv(argv[a], argv[a + 1], pamdrive_conv, NULL, cases, n, pamh);
	/* libpamtest has ended the handle; Linux-PAM's pam_strerror does not use it. */
	for (size_t i = 0; i < n; i++) {
		printf("pamdrive: %s: %s\n", argv[a + 2 + i],
		       cases[i].op_rv == PAM_SUCCESS ? "success"
		       : cases[i].op_rv < 0          ? "not run"
						     : pam_strerror(NULL, cases[i].op_rv));
		failed |= cases[i].op_rv != PAM_SUCCESS;
	}
	return failed ? 1 : 0;
}
