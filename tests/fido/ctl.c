/*
 * softfido-ctl: makes and changes the state of the software FIDO2 key (tests only).
 *
 *   softfido-ctl STATE init [--pin PIN] [--no-pin] [--no-uv] [--alg es256|eddsa|rs256[,...]]
 *   softfido-ctl STATE set KNOB=VALUE ...
 *   softfido-ctl STATE show
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "softfido.h"

static int
usage(void)
{
	fprintf(stderr, "usage: softfido-ctl STATE init [--pin PIN] [--no-pin] [--no-uv] "
			"[--alg es256|eddsa|rs256[,...]]\n"
			"       softfido-ctl STATE set KNOB=VALUE ...   (touch=auto|none|slow:MS "
			"absent=0|1 "
			"counter=grow|frozen|N uv=1|0 retries=N unplug=0|1 alg=...)\n"
			"       softfido-ctl STATE show\n");
	return 2;
}

static int
init(const char *path, int argc, char **argv)
{
	struct softfido_state st;
	const char *pin = NULL;
	int i, rc;

	if (softfido_state_new(&st) != 0)
		return 1;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--pin") == 0 && i + 1 < argc) {
			pin = argv[++i];
			if (strlen(pin) < 4 || strlen(pin) > 63) {
				fprintf(stderr, "softfido-ctl: a PIN has 4 to 63 characters\n");
				return 2;
			}
		} else if (strcmp(argv[i], "--no-pin") == 0)
			pin = NULL;
		else if (strcmp(argv[i], "--no-uv") == 0)
			st.uv = 0;
		else if (strcmp(argv[i], "--alg") == 0 && i + 1 < argc) {
			if (softfido_state_parse_algs(argv[++i], &st.algs) != 0) {
				fprintf(stderr,
					"softfido-ctl: --alg takes es256, eddsa, rs256 or a "
					"comma-separated list of them\n");
				return 2;
			}
		} else
			return usage();
	}
	if (pin != NULL && !st.uv) {
		fprintf(stderr, "softfido-ctl: --pin and --no-uv do not go together (a key "
				"without UV has no PIN)\n");
		return 2;
	}
	softfido_state_set_pin(&st, pin);
	rc = softfido_state_create(path, &st) == 0 ? 0 : 1;
	OPENSSL_cleanse(&st, sizeof(st));
	return rc;
}

static int
set(const char *path, int argc, char **argv)
{
	struct softfido_state st;
	int fd = -1, i, rc = 0;

	if (argc == 0)
		return usage();
	if (softfido_state_lock(path, &fd, &st) != 0)
		return 1;
	for (i = 0; i < argc && rc == 0; i++)
		if (softfido_state_set(&st, argv[i]) != 0)
			rc = 2;
	if (rc == 0 && st.pin_set && !st.uv) {
		fprintf(stderr, "softfido-ctl: uv=0 on a key with a PIN: init a new key with "
				"--no-uv instead\n");
		rc = 2;
	}
	if (rc == 0 && softfido_state_save(fd, &st) != 0)
		rc = 1;
	softfido_state_unlock(fd);
	OPENSSL_cleanse(&st, sizeof(st));
	return rc;
}

int
main(int argc, char **argv)
{
	struct softfido_state st;

	if (argc < 3)
		return usage();
	if (strcmp(argv[2], "init") == 0)
		return init(argv[1], argc - 3, argv + 3);
	if (strcmp(argv[2], "set") == 0)
		return set(argv[1], argc - 3, argv + 3);
	if (strcmp(argv[2], "show") == 0 && argc == 3) {
		if (softfido_state_read(argv[1], &st) != 0)
			return 1;
		softfido_state_print(&st, stdout);
		OPENSSL_cleanse(&st, sizeof(st));
		return 0;
	}
	return usage();
}
