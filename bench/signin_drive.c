/*
 * signin_drive: times full sign-ins through PAM (pam_start + pam_authenticate + pam_end), run
 * by signin_bench under pam_wrapper. It links libpam and libc only, on purpose: like sshd,
 * which forks a process per connection, every pam_start then loads pam_secinfo.so with
 * libsodium, sqlite and liboath, and every pam_end unloads them again, so that cost is in
 * the figures. (A driver linked with those libraries would keep them resident and flatter
 * the module.)
 *
 * usage: signin_drive SERVICE USER CODEFILE WARMUP REPS EXPECT
 *   CODEFILE  one code per line; sign-in i answers every prompt with line i (the last line
 *             is reused when the file is shorter)
 *   EXPECT    "success" or "failure": what pam_authenticate must return every time
 *
 * Prints one line: "ok BAD PROMPTS MEAN MEDIAN P10 P90 MIN MAX" (times in microseconds per
 * sign-in, PROMPTS the prompts seen per sign-in) or "error TEXT". Under valgrind's callgrind
 * (--collect-atstart=no) only the measured sign-ins are collected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <security/pam_appl.h>

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define BENCH_HAVE_CALLGRIND 1
#endif
#endif
#ifndef BENCH_HAVE_CALLGRIND
#define CALLGRIND_TOGGLE_COLLECT
#endif

#define BENCH_MAX_SIGNINS 100000

struct bench_conv {
	const char *code;
	int prompts;
};

static int
bench_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct bench_conv *c = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		int style = msg[i]->msg_style;
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		c->prompts++;
		r[i].resp = strdup(c->code);
		if (r[i].resp == NULL) {
			for (int j = 0; j < i; j++)
				free(r[j].resp);
			free(r);
			return PAM_BUF_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

static double
bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* One whole sign-in, as a program such as sshd or sudo does it. Returns pam_authenticate's
 * result and adds the prompts seen to *prompts. */
static int
bench_signin(const char *service, const char *user, const char *code, int *prompts)
{
	struct bench_conv c = {code, 0};
	struct pam_conv pc = {bench_conv_fn, &c};
	pam_handle_t *pamh = NULL;
	int rc;

	rc = pam_start(service, user, &pc, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	*prompts += c.prompts;
	return rc;
}

static int
bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* Reads up to MAX lines of CODEFILE into CODES. Returns the count, or -1. */
static int
bench_codes_read(const char *path, char (*codes)[16], int max)
{
	FILE *f = fopen(path, "r");
	char line[64];
	int n = 0;

	if (f == NULL)
		return -1;
	while (n < max && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		snprintf(codes[n++], sizeof(codes[0]), "%.15s", line);
	}
	fclose(f);
	return n;
}

static long
bench_arg(const char *text, long min, long max)
{
	char *end = NULL;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
		printf("error bad number '%s'\n", text);
		exit(2);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static char codes[BENCH_MAX_SIGNINS][16];
	double *times = NULL, sum = 0;
	int warmup, reps, n_codes, want, bad = 0, prompts = 0;

	if (argc != 7) {
		fprintf(stderr, "usage: %s SERVICE USER CODEFILE WARMUP REPS success|failure\n",
			argv[0]);
		return 2;
	}
	warmup = (int)bench_arg(argv[4], 0, BENCH_MAX_SIGNINS / 2);
	reps = (int)bench_arg(argv[5], 1, BENCH_MAX_SIGNINS / 2);
	want = strcmp(argv[6], "success") == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
	n_codes = bench_codes_read(argv[3], codes, BENCH_MAX_SIGNINS);
	times = calloc((size_t)reps, sizeof(*times));
	if (n_codes <= 0 || times == NULL) {
		printf("error cannot read codes from %s\n", argv[3]);
		return 1;
	}
	for (int i = 0; i < warmup; i++) {
		int p = 0;
		bad += bench_signin(argv[1], argv[2], codes[i < n_codes ? i : n_codes - 1], &p) !=
		       want;
	}
	for (int i = 0; i < reps; i++) {
		int k = warmup + i;
		const char *code = codes[k < n_codes ? k : n_codes - 1];
		double t0;
		int rc;

		CALLGRIND_TOGGLE_COLLECT;
		t0 = bench_now_us();
		rc = bench_signin(argv[1], argv[2], code, &prompts);
		times[i] = bench_now_us() - t0;
		CALLGRIND_TOGGLE_COLLECT;
		bad += rc != want;
		sum += times[i];
	}
	qsort(times, (size_t)reps, sizeof(*times), bench_cmp);
	printf("ok %d %.2f %.1f %.1f %.1f %.1f %.1f %.1f\n", bad, (double)prompts / reps,
	       sum / reps, reps % 2 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2,
	       times[reps / 10], times[reps * 9 / 10], times[0], times[reps - 1]);
	free(times);
	return 0;
}
