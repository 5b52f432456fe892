/*
 * SECINFO_FACTOR, the PAM environment variable through which pam_secinfo.so tells the
 * application which kind passed a 2FA verification (secinfo reads it: SPEC 12, 14). Calls the
 * built module's pam_sm_authenticate directly on one real PAM handle, as test_retval does:
 * set after a success (the kind's name), absent after a failure, after nullok and after a
 * reset verification, and cleared when authentication starts, so that a value put there
 * earlier (forged by another module, or left by an earlier success) never counts. A temporary
 * access pass followed by registration at sign-in (register) sets it to "tap": the pass is
 * what this sign-in proved.
 */
#include "config.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <security/pam_appl.h>
#include <security/pam_modules.h>

#include "check.h"
#include "crypto.h"
#include "otp.h"
#include "pamtest_util.h"
#include "store.h"
#include "tap.h"

typedef int (*pt_entry)(pam_handle_t *, int, int, const char **);

static void *pt_module;
static struct pt_env env;

/* Calls pam_sm_authenticate of the module on PAMH with "config=..." and ARG (or none). */
static int
pt_authenticate(pam_handle_t *pamh, const char *arg)
{
	pt_entry fn = (pt_entry)(uintptr_t)dlsym(pt_module, "pam_sm_authenticate");
	char config[400];
	const char *argv[2] = {config, arg};

	if (fn == NULL)
		exit(99);
	snprintf(config, sizeof(config), "config=%s", env.conf);
	return fn(pamh, 0, arg != NULL ? 2 : 1, argv);
}

/* The answers of the next conversation. */
static void
pt_answers(struct pt_conv *c, const char *a1)
{
	memset(c, 0, sizeof(*c));
	c->answers[0] = a1;
	c->n_answers = 1;
}

/* Issues USER a temporary access pass through the store; PASS gets it as printed. */
static void
pt_tap_issue(const char *user, char pass[SECINFO_TAP_PRINTED + 1])
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = pt_store(&env, &conf, 0);
	char normal[SECINFO_TAP_LENGTH + 1];
	time_t now = time(NULL);
	long long id = 0;

	secinfo_tap_generate(pass);
	if (secinfo_tap_normalize(pass, normal) != 0 || secinfo_store_begin(store) != 0 ||
	    secinfo_store_tap_issue(store, user, normal, now + 3600, 1, now, &id) != 0 ||
	    secinfo_store_commit(store) != 0)
		exit(99);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/* The registration's code, answered when its prompt comes: computed from the secret= of the
 * otpauth:// URI the module showed earlier in the same conversation. */
static char pt_register_code[16];

static void
pt_register_hook(const void *arg)
{
	const struct pt_conv *c = arg;
	const char *at = strstr(c->transcript, "secret=");
	char b32[128];
	unsigned char *secret = NULL;
	size_t len = 0, n;
	struct secinfo_otp_params otp = {0, 6, 30, 0};

	pt_register_code[0] = '\0';
	if (at == NULL)
		return; /* no URI shown: the empty answer fails the check below */
	at += strlen("secret=");
	n = strcspn(at, "&\n");
	if (n >= sizeof(b32))
		return;
	memcpy(b32, at, n);
	b32[n] = '\0';
	if (secinfo_base32_decode(b32, &secret, &len) == 0)
		secinfo_otp_generate(secret, len, &otp, (uint64_t)time(NULL) / 30,
				     pt_register_code);
	secinfo_secret_free(secret);
}

/* Returns the value of SECINFO_FACTOR on PAMH, or "(none)". */
static const char *
pt_factor(pam_handle_t *pamh)
{
	const char *value = pam_getenv(pamh, "SECINFO_FACTOR");

	return value != NULL ? value : "(none)";
}

int
main(int argc, char **argv)
{
	struct pt_conv c;
	struct pam_conv pc = {pt_conv_fn, &c};
	pam_handle_t *pamh = NULL;
	char code[16];

	(void)argc;
	(void)argv;
	pt_setup(&env, "[policy]\nmax_failures = 5\ntries = 1\nmethods = app\n");
	pt_module = dlopen(env.module, RTLD_NOW | RTLD_LOCAL);
	if (pt_module == NULL) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return 99;
	}
	pt_enroll_app(&env, "alice", 0);

	if (pam_start("secinfo-factor", "alice", &pc, &pamh) != PAM_SUCCESS)
		return 99;
	/* Forged before the module runs (as an earlier module of the stack could): */
	pam_putenv(pamh, "SECINFO_FACTOR=tap");
	pt_answers(&c, "000000");
	CHECK(pt_authenticate(pamh, NULL) == PAM_AUTH_ERR, "a wrong code fails");
	CHECK(strcmp(pt_factor(pamh), "(none)") == 0,
	      "a value set before the module is cleared when it starts (got %s)", pt_factor(pamh));

	pt_totp(0, code);
	pt_answers(&c, code);
	CHECK(pt_authenticate(pamh, NULL) == PAM_SUCCESS, "the right code succeeds");
	CHECK(strcmp(pt_factor(pamh), "app") == 0, "after an app code: SECINFO_FACTOR=app (got %s)",
	      pt_factor(pamh));

	pt_answers(&c, "000000");
	CHECK(pt_authenticate(pamh, NULL) == PAM_AUTH_ERR, "a wrong code fails again");
	CHECK(strcmp(pt_factor(pamh), "(none)") == 0,
	      "an earlier success does not count for a later failure (got %s)", pt_factor(pamh));
	pam_end(pamh, PAM_SUCCESS);

	/* nullok lets an unenrolled user through, with no factor. */
	if (pam_start("secinfo-factor", "nobody-here", &pc, &pamh) != PAM_SUCCESS)
		return 99;
	pam_putenv(pamh, "SECINFO_FACTOR=app");
	pt_answers(&c, NULL);
	CHECK(pt_authenticate(pamh, "nullok") == PAM_IGNORE,
	      "nullok: an unenrolled user is ignored");
	CHECK(strcmp(pt_factor(pamh), "(none)") == 0, "nullok sets no factor (got %s)",
	      pt_factor(pamh));
	pam_end(pamh, PAM_SUCCESS);

	/* A pass, then registration at sign-in: the factor is the pass. */
	{
		char pass[SECINFO_TAP_PRINTED + 1];

		pt_tap_issue("newbie", pass);
		memset(&c, 0, sizeof(c));
		c.answers[0] = pass;
		c.answers[1] = pt_register_code;
		c.n_answers = 2;
		c.hook = pt_register_hook;
		c.hook_arg = &c;
		c.hook_at = 2;
		if (pam_start("secinfo-factor", "newbie", &pc, &pamh) != PAM_SUCCESS)
			return 99;
		pam_putenv(pamh, "SECINFO_FACTOR=app");
		CHECK(pt_authenticate(pamh, "register") == PAM_SUCCESS,
		      "a pass, then an app registered at sign-in: PAM_SUCCESS (transcript: %s)",
		      c.transcript);
		CHECK(strcmp(pt_factor(pamh), "tap") == 0,
		      "after a pass and a registration: SECINFO_FACTOR=tap (got %s)",
		      pt_factor(pamh));
		pam_end(pamh, PAM_SUCCESS);
	}

	dlclose(pt_module);
	pt_cleanup(&env);
	return check_summary();
}
