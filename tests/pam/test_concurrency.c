/*
 * SPEC §9: concurrent sign-ins of one user keep every counter exact. Twenty processes sign in
 * at the same moment, through pam_wrapper and the real stack, with the same valid code:
 * exactly one succeeds, and every other one's failure is counted.
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "check.h"
#include "pamtest_util.h"
#include "store.h"

#define PT_PROCESSES 20

/* One child: starts PAM (which parses the service file), says it is ready, waits at the gate,
 * then authenticates. Returns 0 success, 1 PAM_AUTH_ERR, 2 anything else. */
static int
pt_child(const char *user, const char *code, int ready, int gate)
{
	struct pt_conv c = {.answers = {code}, .n_answers = 1};
	struct pam_conv pc = {pt_conv_fn, &c};
	pam_handle_t *pamh = NULL;
	char byte = 1;
	int rc;

	/* Ready is said even when PAM could not start: the parent waits for every child's byte,
	 * and a child gone without one would leave it waiting for ever; 99 counts as an error. */
	if (pam_start("secinfo-concurrency", user, &pc, &pamh) != PAM_SUCCESS) {
		(void)!write(ready, &byte, 1);
		return 99;
	}
	if (write(ready, &byte, 1) != 1 || read(gate, &byte, 1) < 0)
		return 99;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : rc == PAM_AUTH_ERR ? 1 : 2;
}

/* Waits for PT_PROCESSES children; counts their exit statuses 0, 1 and anything else. */
static void
pt_collect(int results[3])
{
	int status;

	for (int i = 0; i < PT_PROCESSES; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) > 2)
			results[2]++;
		else
			results[WEXITSTATUS(status)]++;
	}
}

/* Twenty processes check the same one-time code (what a text message or call delivered) at
 * the same moment, each with its own database connection: exactly one may consume it. */
static void
pt_code_round(struct pt_env *env, int results[3])
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = pt_store(env, &conf, 0);
	long long id = 0;
	int gate[2];
	char c;

	if (secinfo_store_begin(store) != 0 ||
	    secinfo_store_method_add(store, "carol", SECINFO_KIND_SMS, "+14255550123", NULL, 0,
				     NULL, time(NULL), &id) != 0 ||
	    secinfo_store_commit(store) != 0 ||
	    secinfo_store_code_set(store, id, "424242", time(NULL) + 300) != 0)
		exit(99);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	results[0] = results[1] = results[2] = 0;
	if (pipe(gate) != 0)
		exit(99);
	for (int i = 0; i < PT_PROCESSES; i++) {
		pid_t pid = fork();
		if (pid < 0)
			exit(99);
		if (pid == 0) {
			close(gate[1]);
			store = pt_store(env, &conf, 0);
			if (read(gate[0], &c, 1) < 0)
				_exit(99);
			int rc = secinfo_store_code_check(store, id, "424242", time(NULL), 1000);
			_exit(rc == 0 ? 0 : rc == SECINFO_ERR_WRONG ? 1 : 2);
		}
	}
	close(gate[0]);
	close(gate[1]);
	pt_collect(results);
}

static long long
pt_failures_of(struct pt_env *env, const char *user)
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = pt_store(env, &conf, 0);
	struct secinfo_user *u = NULL;
	long long n = -1;

	if (secinfo_store_user_get(store, user, &u) == 0)
		n = u->failures;
	secinfo_user_free(u);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	return n;
}

/* Starts PT_PROCESSES sign-ins of USER with CODE at the same moment; counts the outcomes
 * in RESULTS (success, PAM_AUTH_ERR, anything else). */
static void
pt_round(const char *user, const char *code, int results[3])
{
	int gate[2], ready[2];
	char c;

	results[0] = results[1] = results[2] = 0;
	if (pipe(gate) != 0 || pipe(ready) != 0)
		exit(99);
	for (int i = 0; i < PT_PROCESSES; i++) {
		pid_t pid = fork();
		if (pid < 0)
			exit(99);
		if (pid == 0) {
			close(gate[1]);
			_exit(pt_child(user, code, ready[1], gate[0]));
		}
		/* pam_wrapper sets itself up again in every child and copies the service files
		 * into its shared directory; one pam_start at a time keeps a child from reading a
		 * file another child is copying. The sign-ins themselves all run at once. */
		if (read(ready[0], &c, 1) != 1)
			exit(99);
	}
	close(gate[0]);
	close(gate[1]); /* every child wakes at once */
	pt_collect(results);
	close(ready[0]);
	close(ready[1]);
}

int
main(int argc, char **argv)
{
	struct pt_env env = {0};
	const char *dir = getenv("SECINFO_TEST_DIR");
	int results[3];
	char code[16];

	if (dir == NULL) {
		pt_setup(&env, "[policy]\ntries = 1\nmax_failures = 1000\n");
		pt_enroll_app(&env, "alice", 0);
		pt_enroll_app(&env, "bob", 0);
		pt_service(&env, "secinfo-concurrency", "");
		pt_wrap(&env, argc, argv); /* does not return */
	}
	/* Under pam_wrapper now, in the environment the first run prepared. */
	if (secinfo_crypto_init() != 0)
		return 99;
	pt_adopt(&env, dir);

	/* Far enough from a step boundary that every process checks the same step. */
	while (30 - time(NULL) % 30 < 6)
		sleep(1);
	pt_totp(0, code);
	pt_round("alice", code, results);
	CHECK(results[0] == 1,
	      "exactly one of %d concurrent sign-ins with one code succeeds "
	      "(got %d)",
	      PT_PROCESSES, results[0]);
	CHECK(results[1] == PT_PROCESSES - 1, "the other %d get PAM_AUTH_ERR (got %d, %d errors)",
	      PT_PROCESSES - 1, results[1], results[2]);
	code[5] = (char)(code[5] == '9' ? '0' : code[5] + 1); /* a wrong code */
	pt_round("bob", code, results);
	CHECK(results[1] == PT_PROCESSES, "%d concurrent wrong codes all fail (got %d)",
	      PT_PROCESSES, results[1]);
	CHECK(pt_failures_of(&env, "bob") == PT_PROCESSES,
	      "no concurrent failure is lost: count %lld", pt_failures_of(&env, "bob"));
	pt_code_round(&env, results);
	CHECK(results[0] == 1 && results[1] == PT_PROCESSES - 1,
	      "one-time code checked by %d processes at once: consumed exactly once (%d "
	      "successes, %d refused, %d errors)",
	      PT_PROCESSES, results[0], results[1], results[2]);
	pt_cleanup(&env);
	return check_summary();
}
