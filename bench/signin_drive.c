/*
 * signin_drive: times full sign-ins through PAM (pam_start + pam_authenticate + pam_end), run
 * by signin_bench under pam_wrapper. It links libpam and libc only, on purpose: like sshd,
 * which forks a process per connection, every pam_start then loads pam_secinfo.so with
 * libsodium, sqlite and liboath, and every pam_end unloads them again, so that cost is in
 * the figures. (A driver linked with those libraries would keep them resident and flatter
 * the module.)
 *
 * usage: signin_drive [-p] SERVICE USER CODEFILE WARMUP REPS EXPECT
 *   CODEFILE  one line per sign-in, "CODE" or "USER CODE": sign-in i answers every prompt
 *             with the code of line i, as USER when the line names one (the last line is
 *             reused when the file is shorter)
 *   EXPECT    "success" or "failure": what pam_authenticate must return every time
 *   -p        concurrent: after WARMUP sign-ins in this process, fork REPS processes that
 *             wait for one signal and then each run one sign-in (lines WARMUP.. of CODEFILE)
 *             at once, as sshd's processes do; the times are those of the whole batch.
 *             SERVICE may then be a comma list: process i uses service i modulo its length
 *             (two "hosts" of a fleet: two services naming two configurations)
 *
 * Prints one line: "ok BAD PROMPTS MEAN MEDIAN P10 P90 MIN MAX" (times in microseconds per
 * sign-in, PROMPTS the prompts seen per sign-in) or "error TEXT". Under valgrind's callgrind
 * (--collect-atstart=no) only the measured sign-ins are collected.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

/* One line of CODEFILE: who signs in (empty: the USER argument) and with what. */
struct bench_line {
	char user[32];
	char code[16];
};

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

/* Reads up to MAX lines of CODEFILE into LINES. Returns the count, or -1. */
static int
bench_lines_read(const char *path, struct bench_line *lines, int max)
{
	FILE *f = fopen(path, "r");
	char text[64];
	int n = 0;

	if (f == NULL)
		return -1;
	while (n < max && fgets(text, sizeof(text), f) != NULL) {
		size_t len = strcspn(text, " \r\n");
		struct bench_line *l = &lines[n++];

		l->user[0] = '\0';
		if (text[len] == ' ') {
			snprintf(l->user, sizeof(l->user), "%.*s", (int)len, text);
			memmove(text, text + len + 1, strlen(text + len + 1) + 1);
		}
		text[strcspn(text, "\r\n")] = '\0';
		snprintf(l->code, sizeof(l->code), "%.15s", text);
	}
	fclose(f);
	return n;
}

/* Sign-in K with line K of LINES (or the last one). */
static int
bench_signin_line(const char *service, const char *user, const struct bench_line *lines,
		  int n_lines, int k, int *prompts)
{
	const struct bench_line *l = &lines[k < n_lines ? k : n_lines - 1];

	return bench_signin(service, l->user[0] != '\0' ? l->user : user, l->code, prompts);
}

/* The I-th name of the comma list LIST (cyclically) in OUT. */
static void
bench_service_of(const char *list, int i, char *out, size_t size)
{
	int n = 1;
	const char *p = list;

	for (const char *c = list; *c != '\0'; c++)
		n += *c == ',';
	for (i %= n; i > 0; i--)
		p = strchr(p, ',') + 1;
	snprintf(out, size, "%.*s", (int)strcspn(p, ","), p);
}

/*
 * REPS processes, each one sign-in, released at once through a pipe. Fills TIMES[0] with the
 * microseconds from the release to the end of the last one. Returns how many did not end
 * with WANT.
 */
static int
bench_concurrent(const char *service, const char *user, const struct bench_line *lines, int n_lines,
		 int first, int reps, int want, double *times)
{
	int gate[2], bad = 0;
	double t0;

	if (pipe(gate) != 0)
		return reps;
	fflush(NULL);
	for (int i = 0; i < reps; i++) {
		pid_t pid = fork();
		char go;

		if (pid < 0)
			return reps;
		if (pid == 0) {
			char name[128];
			int p = 0;

			close(gate[1]);
			bench_service_of(service, i, name, sizeof(name));
			if (read(gate[0], &go, 1) < 0)
				_exit(3);
			_exit(bench_signin_line(name, user, lines, n_lines, first + i, &p) == want
				      ? 0
				      : 1);
		}
	}
	close(gate[0]);
	t0 = bench_now_us();
	close(gate[1]); /* every child's read returns */
	for (int i = 0; i < reps; i++) {
		int status = 0;

		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	times[0] = bench_now_us() - t0;
	return bad;
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
	static struct bench_line lines[BENCH_MAX_SIGNINS];
	double *times = NULL, sum = 0;
	int warmup, reps, n_lines, want, bad = 0, prompts = 0, concurrent = 0;

	if (argc > 1 && strcmp(argv[1], "-p") == 0) {
		concurrent = 1;
		argv++;
		argc--;
	}
	if (argc != 7) {
		fprintf(stderr,
			"usage: %s [-p] SERVICE USER CODEFILE WARMUP REPS success|failure\n",
			argv[0]);
		return 2;
	}
	warmup = (int)bench_arg(argv[4], 0, BENCH_MAX_SIGNINS / 2);
	reps = (int)bench_arg(argv[5], 1, BENCH_MAX_SIGNINS / 2);
	want = strcmp(argv[6], "success") == 0 ? PAM_SUCCESS : PAM_AUTH_ERR;
	n_lines = bench_lines_read(argv[3], lines, BENCH_MAX_SIGNINS);
	times = calloc((size_t)reps, sizeof(*times));
	if (n_lines <= 0 || times == NULL) {
		printf("error cannot read codes from %s\n", argv[3]);
		return 1;
	}
	for (int i = 0; i < warmup; i++) {
		int p = 0;
		bad += bench_signin_line(argv[1], argv[2], lines, n_lines, i, &p) != want;
	}
	if (concurrent) {
		bad += bench_concurrent(argv[1], argv[2], lines, n_lines, warmup, reps, want,
					times);
		printf("ok %d 0 %.1f %.1f %.1f %.1f %.1f %.1f\n", bad, times[0], times[0], times[0],
		       times[0], times[0], times[0]);
		free(times);
		return 0;
	}
	for (int i = 0; i < reps; i++) {
		double t0;
		int rc;

		CALLGRIND_TOGGLE_COLLECT;
		t0 = bench_now_us();
		rc = bench_signin_line(argv[1], argv[2], lines, n_lines, warmup + i, &prompts);
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
