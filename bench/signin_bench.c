/*
 * signin_bench: does the cost of a sign-in grow with the number of enrolled users?
 *
 * For each user count N it builds a fresh root-owned throw-away database through the library
 * (libsecinfo's store API, in one transaction: real rows, secrets encrypted with the key),
 * then has signin_drive time whole sign-ins through the real pam_secinfo.so under
 * pam_wrapper: an enrolled user in the middle of the table with a right code, an unknown
 * user (the decoy path), and the enrolled user with wrong codes. Optionally it counts the
 * instructions per sign-in with valgrind's callgrind. See bench/README.md.
 *
 * usage: signin_bench -m MODULE -D DRIVER [-d PARENT_DIR] [-n N,N,...] [-r REPS] [-w WARMUP]
 *                     [-c CALLGRIND_REPS] [-k]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <sqlite3.h>

#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "otp.h"
#include "store.h"

#define BENCH_SERVICE    "secinfo-bench"
#define BENCH_BASELINE   "permit-bench"
#define BENCH_UNKNOWN    "nosuchuser"
#define BENCH_MAX_COUNTS 16

struct bench {
	char dir[256], conf[320], db[320], key[320], pamd[320];
	const char *module, *driver;
	int reps, warmup, callgrind_reps, keep;
	int with_sms; /* -s: text messages allowed, and the measured user also has one */
	unsigned char secret[SECINFO_OTP_SECRET_BYTES]; /* the measured user's HOTP secret */
	long long next_counter;                         /* its next unused HOTP counter */
	char user[32];
	long users; /* users in the current database */
};

/* What signin_drive measured; instructions is -1 when not counted. */
struct bench_result {
	int bad;
	double prompts, mean, median, p10, p90, min, max;
	double instructions;
};

static void __attribute__((noreturn, format(printf, 1, 2))) bench_die(const char *fmt, ...)
{
	va_list ap;

	fputs("signin_bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
bench_write(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

/* The root-owned 0700 directory with configuration, key, database directory and services. */
static void
bench_setup(struct bench *b, const char *parent)
{
	char path[512], text[2048];
	const char *why = NULL;

	snprintf(b->dir, sizeof(b->dir), "%s/secinfo-bench.XXXXXX", parent);
	if (mkdtemp(b->dir) == NULL || chmod(b->dir, 0700) != 0)
		bench_die("%s: %s", b->dir, strerror(errno));
	snprintf(path, sizeof(path), "%s/db", b->dir);
	if (mkdir(path, 0700) != 0)
		bench_die("%s: %s", path, strerror(errno));
	snprintf(b->pamd, sizeof(b->pamd), "%s/pam.d", b->dir);
	if (mkdir(b->pamd, 0700) != 0)
		bench_die("%s: %s", b->pamd, strerror(errno));
	snprintf(b->db, sizeof(b->db), "%s/db/secinfo.db", b->dir);
	snprintf(b->key, sizeof(b->key), "%s/secinfo.key", b->dir);
	snprintf(b->conf, sizeof(b->conf), "%s/secinfo.conf", b->dir);
	/* The shipped defaults, except max_failures: the wrong-code rows must not lock the
	 * measured user out half-way. */
	snprintf(text, sizeof(text),
		 "[policy]\nmethods = app key%s\ntries = 3\nmax_failures = 1000\nlockout = 15m\n"
		 "[database]\npath = %s\nkey_file = %s\n[app]\nwindow = 1\n%s",
		 b->with_sms ? " sms" : "", b->db, b->key,
		 b->with_sms ? "[sms]\nprovider = http\nurl = http://127.0.0.1:9/send\n" : "");
	bench_write(b->conf, text, 0644);
	if (secinfo_key_create(b->key, &why) != 0)
		bench_die("%s: %s", b->key, why != NULL ? why : "cannot create");
	snprintf(path, sizeof(path), "%s/%s", b->pamd, BENCH_SERVICE);
	snprintf(text, sizeof(text), "auth required %s config=%s\n", b->module, b->conf);
	bench_write(path, text, 0644);
	snprintf(path, sizeof(path), "%s/%s", b->pamd, BENCH_BASELINE);
	bench_write(path, "auth required pam_permit.so\n", 0644);
	snprintf(path, sizeof(path), "%s/other", b->pamd);
	bench_write(path, "auth required pam_deny.so\n", 0644);
}

static void
bench_cleanup(struct bench *b)
{
	char cmd[600];

	if (b->keep || b->dir[0] == '\0') {
		if (b->dir[0] != '\0')
			fprintf(stderr, "kept %s\n", b->dir);
		return;
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", b->dir);
}

static struct secinfo_store *
bench_store_open(struct bench *b, struct secinfo_conf **conf, int flags)
{
	struct secinfo_problems problems = {0};
	struct secinfo_store *store = NULL;
	char why[512] = "";

	if (secinfo_conf_load(b->conf, conf, &problems) != 0) {
		for (size_t i = 0; i < problems.count; i++)
			fprintf(stderr, "%s\n", problems.text[i]);
		bench_die("cannot load %s", b->conf);
	}
	secinfo_problems_free(&problems);
	if (secinfo_store_open(*conf, flags, &store, why, sizeof(why)) != 0)
		bench_die("store: %s", why);
	return store;
}

/*
 * A fresh database with N users, each with one app method (TOTP, its own random secret), all
 * in one transaction. The user in the middle gets an HOTP method instead, so that one user
 * can sign in hundreds of times within a second (a TOTP step is accepted only once).
 * Returns the seconds the enrollment took.
 */
static double
bench_enroll(struct bench *b, long n)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	struct secinfo_otp_params totp = {SECINFO_OTP_SHA1, 6, 30, 0};
	struct secinfo_otp_params hotp = {SECINFO_OTP_SHA1, 6, 30, 1};
	unsigned char secret[SECINFO_OTP_SECRET_BYTES];
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store;
	char path[400], name[32];
	time_t now = time(NULL);
	double t0;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", b->db, suffixes[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			bench_die("%s: %s", path, strerror(errno));
	}
	t0 = bench_now();
	store = bench_store_open(b, &conf, SECINFO_STORE_CREATE);
	secinfo_random(b->secret, sizeof(b->secret));
	snprintf(b->user, sizeof(b->user), "user%07ld", n / 2);
	b->next_counter = 0;
	if (secinfo_store_begin(store) != 0)
		bench_die("BEGIN failed");
	for (long i = 0; i < n; i++) {
		long long id = 0;
		int target = i == n / 2, rc;

		snprintf(name, sizeof(name), "user%07ld", i);
		if (!target)
			secinfo_random(secret, sizeof(secret));
		rc = secinfo_store_method_add(store, name, SECINFO_KIND_APP, NULL,
					      target ? b->secret : secret, sizeof(secret),
					      target ? &hotp : &totp, now, &id);
		/* With -s the measured user also has a text message method (the app, added
		 * first, stays the default): an app sign-in must not pay for delivery. */
		if (rc == 0 && target && b->with_sms)
			rc = secinfo_store_method_add(store, name, SECINFO_KIND_SMS, "+14255550100",
						      NULL, 0, NULL, now, &id);
		if (rc != 0)
			bench_die("enrolling %s: %s", name, secinfo_strerror(rc));
	}
	if (secinfo_store_commit(store) != 0)
		bench_die("COMMIT failed");
	secinfo_wipe(secret, sizeof(secret));
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	return bench_now() - t0;
}

/* Writes the next COUNT HOTP codes of the measured user to PATH and consumes them. */
static void
bench_codes_right(struct bench *b, const char *path, int count)
{
	struct secinfo_otp_params hotp = {SECINFO_OTP_SHA1, 6, 30, 1};
	char code[SECINFO_OTP_MAX_DIGITS + 1];
	FILE *f = fopen(path, "w");

	if (f == NULL)
		bench_die("%s: %s", path, strerror(errno));
	for (int i = 0; i < count; i++) {
		if (secinfo_otp_generate(b->secret, sizeof(b->secret), &hotp,
					 (uint64_t)b->next_counter++, code) != 0)
			bench_die("cannot compute an HOTP code");
		fprintf(f, "%s\n", code);
	}
	if (fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

/* Writes one code that the measured user's window does not accept now (HOTP look-ahead is
 * 2 x window + 1 = 3 counters; wrong answers do not move the counter). */
static void
bench_codes_wrong(struct bench *b, const char *path)
{
	struct secinfo_otp_params hotp = {SECINFO_OTP_SHA1, 6, 30, 1};
	char valid[3][SECINFO_OTP_MAX_DIGITS + 1], wrong[16];
	FILE *f;

	for (int i = 0; i < 3; i++)
		if (secinfo_otp_generate(b->secret, sizeof(b->secret), &hotp,
					 (uint64_t)(b->next_counter + i), valid[i]) != 0)
			bench_die("cannot compute an HOTP code");
	for (int d = 0; d < 10; d++) {
		memset(wrong, '0' + d, 6);
		wrong[6] = '\0';
		if (strcmp(wrong, valid[0]) && strcmp(wrong, valid[1]) && strcmp(wrong, valid[2]))
			break;
	}
	f = fopen(path, "w");
	if (f == NULL || fprintf(f, "%s\n", wrong) < 0 || fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

/* Parses "ok BAD PROMPTS MEAN MEDIAN P10 P90 MIN MAX". Returns 0 or -1. */
static int
bench_parse(const char *line, struct bench_result *r)
{
	double *fields[] = {&r->prompts, &r->mean, &r->median, &r->p10, &r->p90, &r->min, &r->max};
	char *end = NULL;
	const char *p;

	if (strncmp(line, "ok ", 3) != 0)
		return -1;
	r->bad = (int)strtol(line + 3, &end, 10);
	p = end;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		*fields[i] = strtod(p, &end);
		if (end == p)
			return -1;
		p = end;
	}
	return 0;
}

/* Reads "Collected : N" from a callgrind log. Returns N or -1. */
static double
bench_callgrind_collected(const char *log)
{
	char line[512], *at;
	double value = -1;
	FILE *f = fopen(log, "r");

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if ((at = strstr(line, "Collected :")) != NULL)
			value = strtod(at + strlen("Collected :"), NULL);
	if (f != NULL)
		fclose(f);
	return value;
}

/*
 * Runs signin_drive under pam_wrapper (and under callgrind when CALLGRIND), answering with the
 * codes in CODEFILE, and fills *R. Dies when the driver fails or a sign-in ends otherwise
 * than EXPECT says.
 */
static void
bench_drive(struct bench *b, const char *service, const char *user, const char *codefile,
	    int warmup, int reps, const char *expect, int callgrind, struct bench_result *r)
{
	char warm[16], count[16], out[512] = "", log[400], cgout[400];
	int fds[2], status = 0;
	ssize_t n, used = 0;
	pid_t pid;

	snprintf(warm, sizeof(warm), "%d", warmup);
	snprintf(count, sizeof(count), "%d", reps);
	snprintf(log, sizeof(log), "--log-file=%s/callgrind.log", b->dir);
	/* one profile per user and count, kept with -k for callgrind_annotate */
	snprintf(cgout, sizeof(cgout), "--callgrind-out-file=%s/callgrind.out.%ld.%s", b->dir,
		 b->users, user);
	if (pipe(fds) != 0)
		bench_die("pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(127);
		setenv("LD_PRELOAD", "libpam_wrapper.so", 1);
		setenv("PAM_WRAPPER", "1", 1);
		setenv("PAM_WRAPPER_SERVICE_DIR", b->pamd, 1);
		setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
		unsetenv("PAM_WRAPPER_DEBUGLEVEL");
		if (callgrind)
			execlp("valgrind", "valgrind", "--tool=callgrind", "--collect-atstart=no",
			       log, cgout, b->driver, service, user, codefile, warm, count, expect,
			       (char *)NULL);
		else
			execl(b->driver, b->driver, service, user, codefile, warm, count, expect,
			      (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	while ((n = read(fds[0], out + used, sizeof(out) - 1 - (size_t)used)) > 0)
		used += n;
	out[used] = '\0';
	close(fds[0]);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    bench_parse(out, r) != 0)
		bench_die("%s for %s failed (status %d): %s", service, user, status, out);
	if (r->bad != 0)
		bench_die("%d of %d sign-ins of %s did not end in %s", r->bad, warmup + reps, user,
			  expect);
	r->instructions = -1;
	if (callgrind) {
		snprintf(log, sizeof(log), "%s/callgrind.log", b->dir);
		r->instructions = bench_callgrind_collected(log);
		/* 0: the driver was built without valgrind/callgrind.h and toggled nothing */
		r->instructions = r->instructions > 0 ? r->instructions / reps : -1;
	}
}

static void
bench_row(long users, const char *what, const struct bench_result *r, double instructions)
{
	char users_text[24] = "-", ir[32] = "";

	if (users >= 0)
		snprintf(users_text, sizeof(users_text), "%ld", users);
	if (instructions >= 0)
		snprintf(ir, sizeof(ir), "%12.0f", instructions);
	printf("%8s  %-28s %8.0f %8.0f %8.0f %8.0f %7.1f %12s\n", users_text, what, r->mean,
	       r->median, r->p10, r->p90, r->prompts, ir);
	fflush(stdout);
}

/* Parses "10,1000,100000" into COUNTS. Returns how many. */
static int
bench_counts(const char *text, long *counts)
{
	int n = 0;

	while (*text != '\0' && n < BENCH_MAX_COUNTS) {
		char *end = NULL;
		long v = strtol(text, &end, 10);
		if (end == text || v < 1 || v > 9999999 || (*end != ',' && *end != '\0'))
			bench_die("bad user count list");
		counts[n++] = v;
		text = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* The file system under DIR: where the database is decides what an fsync costs. */
static const char *
bench_fs_name(const char *dir)
{
	static const struct {
		long magic;
		const char *name;
	} known[] = {
		{0xEF53, "ext4"},      {0x01021994, "tmpfs"},     {0x58465342, "xfs"},
		{0x9123683E, "btrfs"}, {0x794C7630, "overlayfs"}, {0x2FC12FC1, "zfs"},
	};
	struct statfs fs;

	if (statfs(dir, &fs) != 0)
		return "unknown";
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if ((long)fs.f_type == known[i].magic)
			return known[i].name;
	return "other";
}

static void
bench_usage(void)
{
	fprintf(stderr, "usage: signin_bench -m MODULE -D DRIVER [-d PARENT_DIR] [-n N,N,...] "
			"[-r REPS] [-w WARMUP] [-c CALLGRIND_REPS] [-k] [-s]\n");
	exit(2);
}

/* Measures everything for one user count; *OUT gets the right-code sign-ins. */
static void
bench_one(struct bench *b, long users, int with_callgrind, struct bench_result *out)
{
	struct bench_result right, unknown, wrong, cg;
	double ir_right = -1, ir_unknown = -1, seconds;
	char right_codes[400], wrong_codes[400];
	struct stat st;

	b->users = users;
	seconds = bench_enroll(b, users);
	if (stat(b->db, &st) != 0)
		bench_die("%s: %s", b->db, strerror(errno));
	fprintf(stderr, "  %ld users enrolled in %.1f s (%.1f MB database)\n", users, seconds,
		(double)st.st_size / 1e6);
	snprintf(right_codes, sizeof(right_codes), "%s/codes.right", b->dir);
	snprintf(wrong_codes, sizeof(wrong_codes), "%s/codes.wrong", b->dir);

	bench_codes_right(b, right_codes, b->warmup + b->reps);
	bench_drive(b, BENCH_SERVICE, b->user, right_codes, b->warmup, b->reps, "success", 0,
		    &right);
	bench_drive(b, BENCH_SERVICE, BENCH_UNKNOWN, right_codes, b->warmup, b->reps, "failure", 0,
		    &unknown);
	bench_codes_wrong(b, wrong_codes);
	bench_drive(b, BENCH_SERVICE, b->user, wrong_codes, b->warmup, b->reps, "failure", 0,
		    &wrong);
	if (with_callgrind) {
		bench_codes_right(b, right_codes, 1 + b->callgrind_reps);
		bench_drive(b, BENCH_SERVICE, b->user, right_codes, 1, b->callgrind_reps, "success",
			    1, &cg);
		ir_right = cg.instructions;
		bench_drive(b, BENCH_SERVICE, BENCH_UNKNOWN, right_codes, 1, b->callgrind_reps,
			    "failure", 1, &cg);
		ir_unknown = cg.instructions;
	}
	*out = right;
	out->instructions = ir_right;
	bench_row(users, "enrolled user, right code", &right, ir_right);
	bench_row(users, "unknown user (decoy), 3 tries", &unknown, ir_unknown);
	bench_row(users, "enrolled user, 3 wrong codes", &wrong, -1);
}

/* Parses a count option; -1 (refused by the caller) when it is not a number 0..1000000. */
static int
bench_count(const char *text)
{
	char *end = NULL;
	long n = strtol(text, &end, 10);

	return end != text && *end == '\0' && n >= 0 && n <= 1000000 ? (int)n : -1;
}

int
main(int argc, char **argv)
{
	struct bench b = {.reps = 200, .warmup = 20};
	struct bench_result base, first = {0}, last = {0};
	struct utsname host;
	const char *parent = "/var/tmp", *count_list = "10,1000,10000,100000";
	long counts[BENCH_MAX_COUNTS];
	char codes[400];
	int opt, n_counts;
	double t0 = bench_now();

	while ((opt = getopt(argc, argv, "m:D:d:n:r:w:c:ks")) != -1) {
		switch (opt) {
		case 'm': b.module = optarg; break;
		case 'D': b.driver = optarg; break;
		case 'd': parent = optarg; break;
		case 'n': count_list = optarg; break;
		case 'r': b.reps = bench_count(optarg); break;
		case 'w': b.warmup = bench_count(optarg); break;
		case 'c': b.callgrind_reps = bench_count(optarg); break;
		case 'k': b.keep = 1; break;
		case 's': b.with_sms = 1; break;
		default: bench_usage();
		}
	}
	if (b.module == NULL || b.driver == NULL || b.reps < 1 || b.warmup < 0 ||
	    b.callgrind_reps < 0 || optind != argc)
		bench_usage();
	if (geteuid() != 0)
		bench_die("run as root: the module only trusts root-owned files");
	if (secinfo_crypto_init() != 0 || secinfo_otp_init() != 0)
		bench_die("cannot initialise libsodium or liboath");
	n_counts = bench_counts(count_list, counts);
	bench_setup(&b, parent);

	uname(&host);
	printf("pam_start + pam_authenticate + pam_end through pam_secinfo.so under pam_wrapper\n"
	       "%s %s, %ld CPUs; sqlite %s, libsodium %s\n"
	       "database in %s (%s); %d sign-ins per row after %d warm-up; times in "
	       "microseconds\n\n",
	       host.sysname, host.release, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion(),
	       sodium_version_string(), b.dir, bench_fs_name(b.dir), b.reps, b.warmup);
	printf("%8s  %-28s %8s %8s %8s %8s %7s %12s\n", "users", "sign-in", "mean", "median", "p10",
	       "p90", "prompts", b.callgrind_reps ? "instructions" : "");
	snprintf(codes, sizeof(codes), "%s/codes.none", b.dir);
	bench_write(codes, "\n", 0600);
	bench_drive(&b, BENCH_BASELINE, BENCH_UNKNOWN, codes, b.warmup, b.reps, "success", 0,
		    &base);
	bench_row(-1, "pam_permit.so only (PAM)", &base, -1);
	for (int i = 0; i < n_counts; i++)
		bench_one(&b, counts[i], b.callgrind_reps > 0 && (i == 0 || i == n_counts - 1),
			  i == 0 ? &first : &last);
	if (n_counts > 1) {
		printf("\nenrolled user, right code, %ld users against %ld: median %+.0f us "
		       "(%+.1f%%)",
		       counts[n_counts - 1], counts[0], last.median - first.median,
		       100.0 * (last.median - first.median) / first.median);
		if (first.instructions > 0 && last.instructions > 0)
			printf(", instructions %+.0f (%+.2f%%)",
			       last.instructions - first.instructions,
			       100.0 * (last.instructions - first.instructions) /
				       first.instructions);
		printf("\n");
	}
	fflush(stdout);
	bench_cleanup(&b);
	fprintf(stderr, "total %.0f s\n", bench_now() - t0);
	return 0;
}
