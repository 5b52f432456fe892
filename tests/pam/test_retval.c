/*
 * The exact return code of every entry point of pam_secinfo.so in every situation of
 * SPEC §4.2 and §4.4, calling the built module's pam_sm_* directly with a real PAM handle
 * (as pam_faillock's tst-pam_faillock-retval does), so stack control flags cannot hide them.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_modules.h>

#include "check.h"
#include "pamtest_util.h"

typedef int (*pt_entry)(pam_handle_t *, int, int, const char **);

static void *pt_module;
static struct pt_env env;

/* Calls ENTRY of the module with FLAGS on the handle PAMH, with ARGS (space separated,
 * "config=..." added). Returns the PAM code. */
static int
pt_call_on(pam_handle_t *pamh, const char *entry, int flags, const char *args)
{
	char buf[1024], *w;
	const char *argv[16];
	int argc = 0;
	pt_entry fn = (pt_entry)(uintptr_t)dlsym(pt_module, entry);

	if (fn == NULL) {
		fprintf(stderr, "cannot call %s\n", entry);
		exit(99);
	}
	snprintf(buf, sizeof(buf), "config=%s %s", env.conf, args);
	/* Split ARGS at spaces in place, as libpam splits a service line. */
	for (w = buf; *w != '\0' && argc < 15;) {
		argv[argc++] = w;
		w += strcspn(w, " ");
		if (*w == ' ')
			*w++ = '\0';
		w += strspn(w, " ");
	}
	return fn(pamh, flags, argc, argv);
}

/* Starts a PAM transaction for USER with the conversation CONV. */
static pam_handle_t *
pt_start(const char *user, struct pt_conv *conv, struct pam_conv *pc)
{
	pam_handle_t *pamh = NULL;

	pc->conv = pt_conv_fn;
	pc->appdata_ptr = conv;
	if (pam_start("secinfo-retval", user, pc, &pamh) != PAM_SUCCESS)
		exit(99);
	pam_set_item(pamh, PAM_RHOST, "192.0.2.7");
	return pamh;
}

/* Calls ENTRY of the module for USER with ARGS and the conversation CONV, in a transaction
 * of its own. Returns the PAM code. */
static int
pt_call(const char *entry, const char *user, const char *args, struct pt_conv *conv)
{
	struct pam_conv pc;
	pam_handle_t *pamh = pt_start(user, conv, &pc);
	int rc = pt_call_on(pamh, entry, 0, args);

	pam_end(pamh, rc);
	return rc;
}

static void
pt_conv_init(struct pt_conv *c, const char *a1, const char *a2, const char *a3)
{
	memset(c, 0, sizeof(*c));
	c->answers[0] = a1;
	c->answers[1] = a2;
	c->answers[2] = a3;
	c->n_answers = 3;
}

static void
test_authenticate(void)
{
	struct pt_conv c, d;
	char code[16], old[16];

	pt_totp(0, code);
	pt_conv_init(&c, code, NULL, NULL);
	CHECK(pt_call("pam_sm_authenticate", "alice", "", &c) == PAM_SUCCESS,
	      "right code: PAM_SUCCESS");
	CHECK(strstr(c.transcript, "[off] Verification code: ") != NULL,
	      "code prompt echoes off by default");
	pt_conv_init(&c, code, code, NULL);
	CHECK(pt_call("pam_sm_authenticate", "alice", "", &c) == PAM_CONV_ERR && c.prompts == 3 &&
		      strstr(c.transcript, "Wrong code") != NULL,
	      "the same code again (replay) is wrong; then a NULL reply: PAM_CONV_ERR");
	pt_totp(-3, old);
	pt_conv_init(&c, "000000", "123456", old);
	CHECK(pt_call("pam_sm_authenticate", "dave", "", &c) == PAM_AUTH_ERR && c.prompts == 3,
	      "three wrong codes: PAM_AUTH_ERR after exactly [policy] tries = 3 prompts");
	pt_conv_init(&c, "000000", NULL, NULL);
	CHECK(pt_call("pam_sm_authenticate", "alice", "echo_code", &c) == PAM_CONV_ERR &&
		      strstr(c.transcript, "[on] Verification code: ") != NULL,
	      "echo_code prompts with echo on; a NULL reply: PAM_CONV_ERR");
	pt_conv_init(&c, NULL, NULL, NULL);
	c.fail = 1;
	CHECK(pt_call("pam_sm_authenticate", "alice", "", &c) == PAM_CONV_ERR,
	      "failing conversation: PAM_CONV_ERR");

	/* Users without a usable method see exactly what an app user sees. */
	pt_conv_init(&c, "000000", "111111", "222222");
	pt_conv_init(&d, "000000", "111111", "222222");
	CHECK(pt_call("pam_sm_authenticate", "carol", "", &c) == PAM_AUTH_ERR,
	      "app user, wrong codes: PAM_AUTH_ERR");
	CHECK(pt_call("pam_sm_authenticate", "nobody-here", "", &d) == PAM_AUTH_ERR,
	      "unknown user without nullok: PAM_AUTH_ERR");
	CHECK(strcmp(c.transcript, d.transcript) == 0,
	      "unknown user sees the same prompts and messages as an app user");
	pt_conv_init(&d, "000000", "111111", "222222");
	CHECK(pt_call("pam_sm_authenticate", "erin", "", &d) == PAM_AUTH_ERR &&
		      strcmp(c.transcript, d.transcript) == 0,
	      "email-only user is refused for 2FA with the same prompts");
	pt_conv_init(&c, NULL, NULL, NULL);
	CHECK(pt_call("pam_sm_authenticate", "nobody-here", "nullok", &c) == PAM_IGNORE &&
		      c.prompts == 0,
	      "unknown user with nullok: PAM_IGNORE without a prompt");
	pt_conv_init(&c, NULL, NULL, NULL);
	CHECK(pt_call("pam_sm_authenticate", "erin", "nullok", &c) == PAM_IGNORE,
	      "email-only user with nullok: PAM_IGNORE");
	pt_conv_init(&c, NULL, NULL, NULL);
	CHECK(pt_call("pam_sm_authenticate", "alice", "nullok methods=sms", &c) == PAM_IGNORE,
	      "methods=sms excludes the app: PAM_IGNORE with nullok");
}

static void
test_lockout(void)
{
	struct pt_conv c;
	char code[16];
	int rc = 0;

	/* max_failures = 5 in this configuration: two calls of 3 wrong codes lock at the 5th. */
	pt_conv_init(&c, "000000", "000001", "000002");
	pt_call("pam_sm_authenticate", "bob", "", &c);
	pt_conv_init(&c, "000003", "000004", "000005");
	rc = pt_call("pam_sm_authenticate", "bob", "", &c);
	CHECK(rc == PAM_MAXTRIES && c.prompts == 2 && strstr(c.transcript, "locked") != NULL,
	      "the 5th failure locks: PAM_MAXTRIES and a message with 'locked' (rc %d, %d "
	      "prompts)",
	      rc, c.prompts);
	pt_totp(0, code);
	pt_conv_init(&c, code, NULL, NULL);
	rc = pt_call("pam_sm_authenticate", "bob", "", &c);
	CHECK(rc == PAM_MAXTRIES && c.prompts == 0 && strstr(c.transcript, "locked") &&
		      strstr(c.transcript, "UTC"),
	      "locked user: PAM_MAXTRIES, no prompt, message says until when");
	pt_conv_init(&c, NULL, NULL, NULL);
	CHECK(pt_call("pam_sm_acct_mgmt", "bob", "", &c) == PAM_PERM_DENIED,
	      "account for a locked user: PAM_PERM_DENIED");
}

/* Runs SQL on the test database directly, as a parallel process would. */
static void
pt_sql(const void *sql)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "sqlite3 '%s/db/secinfo.db' \"%s\"", env.dir, (const char *)sql);
	if (system(cmd) != 0)
		fprintf(stderr, "sqlite3 failed: %s\n", cmd);
}

static void
test_changes_during_prompt(void)
{
	struct pt_conv c;
	char code[16];
	int rc;

	/* A lock set while this prompt is open (a parallel sign-in's failures) refuses the
	 * answer, even the right code: the lock is checked with every answer, not only at the
	 * start of the conversation. */
	pt_totp(0, code);
	pt_conv_init(&c, code, NULL, NULL);
	c.hook = pt_sql;
	c.hook_arg =
		"UPDATE users SET locked_until = strftime('%s','now') + 600 WHERE name = 'hank'";
	c.hook_at = 1;
	rc = pt_call("pam_sm_authenticate", "hank", "", &c);
	CHECK(rc == PAM_MAXTRIES && strstr(c.transcript, "locked") != NULL,
	      "a lock set while the prompt was open refuses even the right code (rc %d)", rc);

	/* The user's row deleted while the prompt is open is a database problem, never the
	 * nullok case. */
	pt_conv_init(&c, "000000", NULL, NULL);
	c.hook = pt_sql;
	c.hook_arg = "DELETE FROM users WHERE name = 'ivan'";
	c.hook_at = 1;
	rc = pt_call("pam_sm_authenticate", "ivan", "nullok", &c);
	CHECK(rc == PAM_AUTHINFO_UNAVAIL,
	      "user deleted during the prompt, with nullok: PAM_AUTHINFO_UNAVAIL, not "
	      "PAM_IGNORE (rc %d)",
	      rc);
}

/* SPEC §4.3: auth purpose=reset and the password stack's PRELIM_CHECK/UPDATE_AUTHTOK. */
static void
test_reset(void)
{
	struct pam_conv pc;
	struct pt_conv c, d;
	pam_handle_t *pamh;
	char code[16];
	int rc, rc2;

	/* (The successful sequences, auth then chauthtok in one transaction, need libpam's
	 * dispatch for pam_set_data: tests/pam/reset.sh runs them through a real stack.) */
	pt_conv_init(&c, "000000", "000001", "000002");
	pamh = pt_start("tina", &c, &pc);
	rc = pt_call_on(pamh, "pam_sm_chauthtok", PAM_PRELIM_CHECK, "");
	rc2 = pt_call_on(pamh, "pam_sm_chauthtok", PAM_UPDATE_AUTHTOK, "");
	CHECK(rc == PAM_AUTH_ERR && rc2 == PAM_AUTH_ERR,
	      "wrong codes: PRELIM_CHECK fails, and UPDATE_AUTHTOK fails too (%d, %d)", rc, rc2);
	pam_end(pamh, rc);
	pt_conv_init(&c, NULL, NULL, NULL);
	pamh = pt_start("tina", &c, &pc);
	rc = pt_call_on(pamh, "pam_sm_chauthtok", PAM_UPDATE_AUTHTOK, "");
	CHECK(rc == PAM_AUTH_ERR && c.prompts == 0,
	      "UPDATE_AUTHTOK without a verification: PAM_AUTH_ERR");
	pam_end(pamh, rc);

	/* [reset] deny_users (root by default): refused with the same prompts as anyone, even
	 * enrolled and even with nullok. */
	pt_totp(0, code);
	pt_conv_init(&c, code, "000001", "000002");
	pt_conv_init(&d, "000000", "000001", "000002");
	rc = pt_call("pam_sm_authenticate", "root", "purpose=reset nullok", &c);
	rc2 = pt_call("pam_sm_authenticate", "uma", "", &d);
	CHECK(rc == PAM_AUTH_ERR,
	      "root (deny_users) cannot reset, even with the right code and "
	      "nullok (%d)",
	      rc);
	CHECK(strcmp(c.transcript, d.transcript) == 0, "and sees the same prompts as anyone else");
	/* Email serves a reset (not sign-in): the module asks before sending; a NULL reply
	 * there (a closed terminal) ends it with nothing sent. */
	pt_conv_init(&c, NULL, NULL, NULL);
	rc = pt_call("pam_sm_authenticate", "erin", "purpose=reset nullok", &c);
	CHECK(rc == PAM_CONV_ERR && strstr(c.transcript, "code by email to e***@example.net"),
	      "email is offered for a reset, masked; a NULL reply at the send question: "
	      "PAM_CONV_ERR (%d)",
	      rc);
}

static void
test_other_entries(void)
{
	struct pt_conv c;
	char path[600];

	pt_conv_init(&c, NULL, NULL, NULL);
	CHECK(pt_call("pam_sm_acct_mgmt", "alice", "", &c) == PAM_SUCCESS,
	      "account for an enrolled user: PAM_SUCCESS");
	CHECK(pt_call("pam_sm_acct_mgmt", "nobody-here", "", &c) == PAM_IGNORE,
	      "account for a user not enrolled: PAM_IGNORE");
	CHECK(pt_call("pam_sm_setcred", "alice", "", &c) == PAM_SUCCESS, "setcred: PAM_SUCCESS");
	CHECK(pt_call("pam_sm_open_session", "alice", "", &c) == PAM_SUCCESS &&
		      pt_call("pam_sm_close_session", "alice", "", &c) == PAM_SUCCESS,
	      "open and close session: PAM_SUCCESS");

	pt_conv_init(&c, "000000", NULL, NULL);
	CHECK(pt_call("pam_sm_authenticate", "alice", "bogus_argument", &c) ==
			      PAM_AUTHINFO_UNAVAIL &&
		      c.prompts == 0,
	      "unknown argument: PAM_AUTHINFO_UNAVAIL");
	CHECK(pt_call("pam_sm_acct_mgmt", "alice", "bogus_argument", &c) == PAM_AUTHINFO_UNAVAIL,
	      "account with an unknown argument: PAM_AUTHINFO_UNAVAIL");
	CHECK(pt_call("pam_sm_authenticate", "alice", "nullok config=/nonexistent/secinfo.conf",
		      &c) == PAM_AUTHINFO_UNAVAIL,
	      "missing configuration, even with nullok: PAM_AUTHINFO_UNAVAIL");
	CHECK(pt_call("pam_sm_acct_mgmt", "alice", "config=/nonexistent/secinfo.conf", &c) ==
		      PAM_AUTHINFO_UNAVAIL,
	      "account with a missing configuration: PAM_AUTHINFO_UNAVAIL");
	snprintf(path, sizeof(path), "%s", env.conf);
	chmod(path, 0666);
	CHECK(pt_call("pam_sm_authenticate", "nobody-here", "nullok", &c) == PAM_AUTHINFO_UNAVAIL,
	      "world-writable configuration: PAM_AUTHINFO_UNAVAIL");
	chmod(path, 0644);
}

int
main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pt_setup(&env, "[policy]\nmax_failures = 5\nmethods = app key sms email\n"
		       "[sms]\nprovider = http\nurl = http://127.0.0.1:9/send\n"
		       "[email]\nsmtp_url = smtp://127.0.0.1:25\nfrom = a@example.net\n");
	pt_module = dlopen(env.module, RTLD_NOW | RTLD_LOCAL);
	if (pt_module == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 99;
	}
	pt_enroll_app(&env, "alice", 0);
	pt_enroll_app(&env, "bob", 0);
	pt_enroll_app(&env, "carol", 0);
	pt_enroll_app(&env, "dave", 0);
	pt_enroll_app(&env, "hank", 0);
	pt_enroll_app(&env, "ivan", 0);
	pt_enroll_app(&env, "tina", 0);
	pt_enroll_app(&env, "root", 0);
	pt_enroll_app(&env, "uma", 0);
	pt_enroll_detail(&env, "erin", "email", "erin@example.net");
	test_authenticate();
	test_lockout();
	test_changes_during_prompt();
	test_reset();
	test_other_entries();
	dlclose(pt_module);
	pt_cleanup(&env);
	return check_summary();
}
