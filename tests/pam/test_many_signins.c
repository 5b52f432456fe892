/*
 * SPEC §9: a thousand sign-ins in one process leave the descriptor count and memory where
 * they were. libpam loads and unloads the module at every pam_start/pam_end, so this also
 * shows that no library it loads leaks per load. HOTP codes keep every sign-in valid.
 */
#include "config.h"

#include <dirent.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "crypto.h"
#include "otp.h"
#include "check.h"
#include "pamtest_util.h"

#define PT_SIGNINS 1000
#define PT_WARMUP  100

static int
pt_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	if (d != NULL)
		closedir(d);
	return n - 1; /* the directory stream's own descriptor */
}

static int
pt_signin(unsigned long long counter)
{
	struct secinfo_otp_params otp = {0, 6, 30, 1};
	unsigned char *secret = NULL;
	size_t len = 0;
	char code[16] = "";
	struct pt_conv c = {.answers = {code}, .n_answers = 1};
	struct pam_conv pc = {pt_conv_fn, &c};
	pam_handle_t *pamh = NULL;
	int rc;

	if (secinfo_base32_decode(PT_SECRET_B32, &secret, &len) != 0 ||
	    secinfo_otp_generate(secret, len, &otp, counter, code) != 0)
		return PAM_SYSTEM_ERR;
	secinfo_secret_free(secret);
	if (pam_start("secinfo-many", "alice", &pc, &pamh) != PAM_SUCCESS)
		return PAM_SYSTEM_ERR;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

int
main(int argc, char **argv)
{
	struct pt_env env = {0};
	const char *dir = getenv("SECINFO_TEST_DIR");
	int fds_before, fds_after, ok = 0;
	size_t heap_before, heap_after;
	unsigned long long counter = 0;

	if (dir == NULL) {
		pt_setup(&env, NULL);
		pt_enroll_app(&env, "alice", 1);
		pt_service(&env, "secinfo-many", "");
		pt_wrap(&env, argc, argv); /* does not return */
	}
	pt_adopt(&env, dir);
	if (secinfo_crypto_init() != 0 || secinfo_otp_init() != 0)
		return 99;
	for (int i = 0; i < PT_WARMUP; i++)
		ok += pt_signin(counter++) == PAM_SUCCESS;
	fds_before = pt_count_fds();
	heap_before = mallinfo2().uordblks;
	for (int i = 0; i < PT_SIGNINS; i++)
		ok += pt_signin(counter++) == PAM_SUCCESS;
	fds_after = pt_count_fds();
	heap_after = mallinfo2().uordblks;
	CHECK(ok == PT_WARMUP + PT_SIGNINS, "%d of %d sign-ins succeeded", ok,
	      PT_WARMUP + PT_SIGNINS);
	CHECK(fds_after == fds_before, "open descriptors unchanged: %d before, %d after",
	      fds_before, fds_after);
	/* Exact: a leak of a single byte per sign-in would show as 1000 bytes here. */
	CHECK(heap_after == heap_before, "heap in use unchanged: %zu bytes before, %zu after",
	      heap_before, heap_after);
	pt_cleanup(&env);
	return check_summary();
}
