/*
 * SECINFO_FACTOR, the PAM environment variable through which pam_secinfo.so tells the
 * application which kind passed a 2FA verification (secinfo reads it: SPEC 12, 14). Calls the
 * built module's pam_sm_authenticate directly on one real PAM handle, as test_retval does:
 * set after a success (the kind's name), absent after a failure, after nullok and after a
 * reset verification, and cleared when authentication starts, so that a value put there
 * earlier (forged by another module, or left by an earlier success) never counts.
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
#include "pamtest_util.h"

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

	dlclose(pt_module);
	pt_cleanup(&env);
	return check_summary();
}
