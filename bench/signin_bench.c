/*
 * signin_bench: what a sign-in through pam_secinfo.so costs, side by side with
 * pam_permit.so, pam_google_authenticator.so and pam_oath.so, in one run, and whether the
 * project's targets are met. See bench/README.md.
 *
 * For each user count N it enrolls the same N users (one random 20-byte TOTP secret each) in
 * a fresh secinfo database (through libsecinfo's store API), in one google-authenticator
 * secret file per user and in one pam_oath usersfile, then signs in through each module: in
 * one process under pam_wrapper (signin_drive: pam_start + pam_authenticate + pam_end in a
 * loop; also under callgrind and under strace), as whole pamtester processes and as 50
 * processes at once (services in /etc/pam.d). Every right-code sign-in is a different user
 * with the code of the current TOTP step (each user signs in once per module, so that the
 * modules' replay protection and rate limits stay on), computed with liboath. secinfo has
 * three more rows: one user (the one in the middle, with an HOTP app) signing in again and
 * again, an unknown user (the decoy) and an enrolled user with 3 wrong codes.
 *
 * With a PostgreSQL server (SECINFO_TEST_PG_PORT, _CA, _PASSWORD in the environment, as
 * tests/pg/server.sh prints them; bench/run.sh starts one) the same users are also enrolled
 * in a fresh database on it, and "secinfo (pg)" signs in like the others; its concurrent
 * sign-ins are spread over two "hosts" (two configurations, two services) and every counter
 * is checked afterwards; and a store open and close alone (the connection each PAM call
 * makes) is timed beside the sign-in, for sqlite and PostgreSQL.
 *
 * usage: signin_bench -m MODULE [-b MODULE] -D DRIVER [-d PARENT_DIR] [-n N,N,...]
 *                     [-r REPS] [-w WARMUP] [-p PROCESS_REPS] [-c CALLGRIND_REPS]
 *                     [-f STRACE_REPS] [-C CONCURRENT] [-k] [-s]
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/un.h>
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

#define BENCH_UNKNOWN    "nosuchuser"
#define BENCH_MAX_COUNTS 16
#define BENCH_MAX_ROWS   128

/*
 * The modules compared, each with its PAM service: in the throw-away pam.d for pam_wrapper
 * (sign-ins in one process), and for the whole processes as /etc/pam.d/SERVICE-PID, which
 * the bench removes again (pam_wrapper sets itself up again in every process, copying
 * pam.d, and its set-up races when 50 processes start at once).
 */
enum bench_module {
	BENCH_PERMIT,
	BENCH_GA,    /* google-authenticator as its tool sets it up: reuse check, rate limit */
	BENCH_GA_RO, /* google-authenticator without them: it never writes the secret file */
	BENCH_OATH,
	BENCH_SECINFO,
	BENCH_SECINFO_B,  /* -b: another build of pam_secinfo.so on the same database */
	BENCH_SECINFO_PG, /* the same module and users on PostgreSQL (a server is given) */
	BENCH_MODULES
};

static const char *const bench_module_name[BENCH_MODULES] = {
	"pam_permit", "google-authenticator", "google-authenticator", "pam_oath",
	"secinfo",    "secinfo (-b)",         "secinfo (pg)"};
static const char *const bench_service[BENCH_MODULES] = {
	"permit-bench",  "ga-bench",        "ga-ro-bench",     "oath-bench",
	"secinfo-bench", "secinfo-b-bench", "secinfo-pg-bench"};

static const char *const bench_what[BENCH_MODULES] = {
	"",           "right code", "right code, no reuse check", "right code", "right code",
	"right code", "right code"};

/* The syslog sink this bench runs when the machine has no /dev/log, or 0. */
static pid_t bench_syslog_pid;

/* The services written to /etc/pam.d, removed at exit; the last one is PostgreSQL's second
 * "host" (its own configuration file on the same database). */
static char bench_etc_service[BENCH_MODULES + 1][64];
#define BENCH_PG_HOST2 BENCH_MODULES
#define BENCH_PG_DB    "secinfo_bench"

struct bench {
	char dir[256], conf[320], db[320], key[320], pamd[320], oath_file[320];
	char ga_dir[320], ga_ro_dir[320];
	const char *module, *module_b, *driver;
	int reps, warmup, process_reps, callgrind_reps, strace_reps, concurrent, keep;
	int with_sms; /* -s: text messages allowed, and the measured user also has one */
	/* PostgreSQL (from the environment, or NULL): port, CA file, password of role secinfo */
	const char *pg_port, *pg_ca, *pg_password, *pg_sslmode;
	char pg_conf[320], pg_conf2[320], pg_secret[320];
	unsigned char secret[SECINFO_OTP_SECRET_BYTES]; /* the HOTP user's secret */
	long long next_counter;                         /* its next unused HOTP counter */
	char user[32];
	long users;                                         /* users in the current databases */
	unsigned char (*secrets)[SECINFO_OTP_SECRET_BYTES]; /* every user's TOTP secret */
	long cursor[BENCH_MODULES]; /* the next user who has not signed in yet */
};

/* What signin_drive measured; instructions is -1 when not counted. */
struct bench_result {
	int bad;
	double prompts, mean, median, p10, p90, min, max;
	double instructions;
};

/* fsync and fdatasync calls per sign-in, by file. */
struct bench_fsyncs {
	double wal, db, other; /* the -wal file, the database (or -journal), anything else */
	double commits;        /* the -wal syncs that made newly written frames durable */
};

/* One row of the table; NAN where a column was not measured. */
struct bench_row {
	enum bench_module module;
	long users; /* -1: does not depend on it */
	const char *what;
	double p50, p90, prompts, process_p50, instructions;
	struct bench_fsyncs fsyncs;
	int fsyncs_counted;
	double concurrent_s;
	int concurrent, concurrent_bad; /* processes at once, how many of them failed */
	long audit_rows; /* secinfo: audit rows of the concurrent sign-ins; -1 elsewhere */
	/* PostgreSQL: methods whose counter moved, and failures counted, in the concurrent
	 * sign-ins (each user once: concurrent and 0 when every counter is exact); -1 elsewhere */
	long counters_moved, failures_added;
};

static struct bench_row bench_rows[BENCH_MAX_ROWS];
static int bench_n_rows;

/* What a connection per PAM call costs: store open + close alone, per user count. */
struct bench_conn {
	long users;
	double sqlite_us, pg_us; /* medians; NAN when not measured */
};
static struct bench_conn bench_conns[BENCH_MAX_COUNTS];
static int bench_n_conns;

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

/* A configuration at PATH: the shipped defaults with DATABASE as its [database] section. */
static void
bench_write_conf(const struct bench *b, const char *path, const char *database)
{
	char text[2048];

	/* The shipped defaults, except max_failures: the wrong-code rows must not lock the
	 * measured user out half-way. */
	snprintf(text, sizeof(text),
		 "[policy]\nmethods = app key%s\ntries = 3\nmax_failures = 1000\nlockout = 15m\n"
		 "%s[app]\nwindow = 1\n%s",
		 b->with_sms ? " sms" : "", database,
		 b->with_sms ? "[sms]\nprovider = http\nurl = http://127.0.0.1:9/send\n" : "");
	bench_write(path, text, 0644);
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
	snprintf(text, sizeof(text), "[database]\npath = %s\nkey_file = %s\n", b->db, b->key);
	bench_write_conf(b, b->conf, text);
	if (b->pg_port != NULL) {
		/* Two "hosts" of one fleet: two configuration files naming the one database
		 * and the same key, as SPEC 16 sets a fleet up (TLS verify-full, scram). */
		snprintf(b->pg_secret, sizeof(b->pg_secret), "%s/pg.secret", b->dir);
		snprintf(text, sizeof(text), "%s\n", b->pg_password);
		bench_write(b->pg_secret, text, 0600);
		snprintf(text, sizeof(text),
			 "[database]\nbackend = postgresql\nhost = 127.0.0.1\nport = %s\n"
			 "dbname = %s\nuser = secinfo\npassword_file = %s\nsslmode = %s\n"
			 "sslrootcert = %s\nkey_file = %s\n",
			 b->pg_port, BENCH_PG_DB, b->pg_secret, b->pg_sslmode, b->pg_ca, b->key);
		snprintf(b->pg_conf, sizeof(b->pg_conf), "%s/secinfo-pg.conf", b->dir);
		snprintf(b->pg_conf2, sizeof(b->pg_conf2), "%s/secinfo-pg2.conf", b->dir);
		bench_write_conf(b, b->pg_conf, text);
		bench_write_conf(b, b->pg_conf2, text);
	}
	if (secinfo_key_create(b->key, &why) != 0)
		bench_die("%s: %s", b->key, why != NULL ? why : "cannot create");
	/* google-authenticator: one secret file per user, owned by root (user=root) as the
	 * module checks; pam_oath: one usersfile. Both with a window of 3 codes, as secinfo. */
	snprintf(b->ga_dir, sizeof(b->ga_dir), "%s/ga", b->dir);
	snprintf(b->ga_ro_dir, sizeof(b->ga_ro_dir), "%s/ga-ro", b->dir);
	if (mkdir(b->ga_dir, 0700) != 0 || mkdir(b->ga_ro_dir, 0700) != 0)
		bench_die("%s: %s", b->ga_dir, strerror(errno));
	snprintf(b->oath_file, sizeof(b->oath_file), "%s/users.oath", b->dir);
	for (int m = 0; m < BENCH_MODULES; m++) {
		snprintf(path, sizeof(path), "%s/%s", b->pamd, bench_service[m]);
		if (m == BENCH_PERMIT)
			snprintf(text, sizeof(text), "auth required pam_permit.so\n");
		else if (m == BENCH_GA || m == BENCH_GA_RO)
			snprintf(text, sizeof(text),
				 "auth required pam_google_authenticator.so secret=%s/${USER} "
				 "user=root\n",
				 m == BENCH_GA ? b->ga_dir : b->ga_ro_dir);
		else if (m == BENCH_OATH)
			snprintf(text, sizeof(text),
				 "auth required pam_oath.so usersfile=%s window=1\n", b->oath_file);
		else if ((m == BENCH_SECINFO_B && b->module_b == NULL) ||
			 (m == BENCH_SECINFO_PG && b->pg_port == NULL))
			continue;
		else
			snprintf(text, sizeof(text), "auth required %s config=%s\n",
				 m == BENCH_SECINFO_B ? b->module_b : b->module,
				 m == BENCH_SECINFO_PG ? b->pg_conf : b->conf);
		bench_write(path, text, 0644);
		snprintf(bench_etc_service[m], sizeof(bench_etc_service[m]), "%s-%ld",
			 bench_service[m], (long)getpid());
		snprintf(path, sizeof(path), "/etc/pam.d/%s", bench_etc_service[m]);
		bench_write(path, text, 0644);
	}
	if (b->pg_port != NULL) { /* the second host, for the concurrent sign-ins */
		snprintf(text, sizeof(text), "auth required %s config=%s\n", b->module,
			 b->pg_conf2);
		snprintf(bench_etc_service[BENCH_PG_HOST2], sizeof(bench_etc_service[0]),
			 "secinfo-pg2-bench-%ld", (long)getpid());
		snprintf(path, sizeof(path), "/etc/pam.d/%s", bench_etc_service[BENCH_PG_HOST2]);
		bench_write(path, text, 0644);
	}
	snprintf(path, sizeof(path), "%s/other", b->pamd);
	bench_write(path, "auth required pam_deny.so\n", 0644);
}

/* Removes the services from /etc/pam.d (at exit, also when the bench dies). */
static void
bench_etc_remove(void)
{
	char path[400];

	for (int m = 0; m <= BENCH_PG_HOST2; m++) {
		if (bench_etc_service[m][0] == '\0')
			continue;
		snprintf(path, sizeof(path), "/etc/pam.d/%.63s", bench_etc_service[m]);
		if (unlink(path) != 0 && errno != ENOENT)
			fprintf(stderr, "could not remove %s\n", path);
	}
}

/* Stops the syslog sink and removes its /dev/log. */
static void
bench_syslog_stop(void)
{
	if (bench_syslog_pid <= 0)
		return;
	kill(bench_syslog_pid, SIGTERM);
	waitpid(bench_syslog_pid, NULL, 0);
	unlink("/dev/log");
	bench_syslog_pid = 0;
}

/*
 * Every module logs each sign-in to syslog; google-authenticator calls syslog() itself. On a
 * machine without a syslog daemon (a container), syslog() falls back to writing /dev/console,
 * which costs a slow terminal's time. This serves /dev/log and discards what it receives, as
 * a syslog daemon would take it. Returns what the header says about syslog.
 */
static const char *
bench_syslog_start(void)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	char buf[2048];
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		close(fd);
		return "syslog: the system's /dev/log";
	}
	if (fd >= 0)
		close(fd);
	/* a socket left by a killed run (or no daemon behind it) refuses: serve it again */
	if (unlink("/dev/log") != 0 && errno != ENOENT)
		bench_die("/dev/log: %s", strerror(errno));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		bench_die("/dev/log: %s", strerror(errno));
	chmod("/dev/log", 0666);
	fflush(NULL);
	bench_syslog_pid = fork();
	if (bench_syslog_pid < 0)
		bench_die("fork: %s", strerror(errno));
	if (bench_syslog_pid == 0) {
		while (recv(fd, buf, sizeof(buf), 0) >= 0 || errno == EINTR)
			;
		_exit(0);
	}
	close(fd);
	return "syslog: no daemon here, a sink at /dev/log that discards";
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
bench_store_open(const char *path, struct secinfo_conf **conf, int flags)
{
	struct secinfo_problems problems = {0};
	struct secinfo_store *store = NULL;
	char why[512] = "";

	if (secinfo_conf_load(path, conf, &problems) != 0) {
		for (size_t i = 0; i < problems.count; i++)
			fprintf(stderr, "%s\n", problems.text[i]);
		bench_die("cannot load %s", path);
	}
	secinfo_problems_free(&problems);
	if (secinfo_store_open(*conf, flags, &store, why, sizeof(why)) != 0)
		bench_die("store: %s", why);
	return store;
}

/* Runs psql on PostgreSQL's database DB with ARGS (already quoted for the shell); its
 * output goes to OUT (NULL: /dev/null). Returns psql's exit status. */
static int
bench_psql(const struct bench *b, const char *db, const char *args, char *out, size_t size)
{
	char cmd[2048];
	FILE *p;
	size_t used = 0;

	snprintf(cmd, sizeof(cmd),
		 "PGPASSWORD='%s' psql -X -q -A -t -v ON_ERROR_STOP=1 'host=127.0.0.1 port=%s "
		 "user=secinfo dbname=%s sslmode=verify-full sslrootcert=%s' %s 2>&1",
		 b->pg_password, b->pg_port, db, b->pg_ca, args);
	fflush(NULL);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	while (out != NULL && used + 1 < size && fgets(out + used, (int)(size - used), p) != NULL)
		used += strlen(out + used);
	if (out != NULL)
		out[used] = '\0';
	while (fgetc(p) != EOF)
		;
	return pclose(p);
}

/* One number that SQL selects from the bench's PostgreSQL database. */
static long
bench_pg_value(const struct bench *b, const char *sql)
{
	char args[1024], out[256];

	snprintf(args, sizeof(args), "-c \"%s\"", sql);
	if (bench_psql(b, BENCH_PG_DB, args, out, sizeof(out)) != 0)
		bench_die("psql: %s: %s", sql, out);
	return strtol(out, NULL, 10);
}

/* Users 0..N-1 (the secrets of b->secrets, the HOTP user b->secret) in the store that the
 * configuration PATH names, created fresh, in one transaction. */
static void
bench_enroll_store(struct bench *b, const char *path, long n)
{
	struct secinfo_otp_params totp = {SECINFO_OTP_SHA1, 6, 30, 0};
	struct secinfo_otp_params hotp = {SECINFO_OTP_SHA1, 6, 30, 1};
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store;
	time_t now = time(NULL);
	char name[32];

	store = bench_store_open(path, &conf, SECINFO_STORE_CREATE);
	if (secinfo_store_begin(store) != 0)
		bench_die("BEGIN failed");
	for (long i = 0; i < n; i++) {
		long long id = 0;
		int target = i == n / 2, rc;

		snprintf(name, sizeof(name), "user%07ld", i);
		rc = secinfo_store_method_add(
			store, name, SECINFO_KIND_APP, NULL, target ? b->secret : b->secrets[i],
			sizeof(b->secrets[i]), target ? &hotp : &totp, now, &id);
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
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/*
 * A fresh database with N users, each with one app method (TOTP, its own random secret, kept
 * in b->secrets for the other modules), all in one transaction. The user in the middle gets
 * an HOTP method instead, so that one user can sign in hundreds of times within a second (a
 * TOTP step is accepted only once). With a PostgreSQL server, the same users in a fresh
 * database there (its seconds in *PG_SECONDS). Returns the seconds the sqlite enrollment took.
 */
static double
bench_enroll(struct bench *b, long n, double *pg_seconds)
{
	static const char *const suffixes[] = {"", "-wal", "-shm"};
	char path[400], out[512];
	double t0, seconds;

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", b->db, suffixes[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			bench_die("%s: %s", path, strerror(errno));
	}
	secinfo_random(b->secret, sizeof(b->secret));
	snprintf(b->user, sizeof(b->user), "user%07ld", n / 2);
	b->next_counter = 0;
	free(b->secrets);
	b->secrets = calloc((size_t)n, sizeof(*b->secrets));
	if (b->secrets == NULL)
		bench_die("out of memory");
	for (long i = 0; i < n; i++)
		secinfo_random(b->secrets[i], sizeof(b->secrets[i]));
	t0 = bench_now();
	bench_enroll_store(b, b->conf, n);
	seconds = bench_now() - t0;
	*pg_seconds = NAN;
	if (b->pg_port != NULL) {
		if (bench_psql(b, "postgres",
			       "-c 'DROP DATABASE IF EXISTS " BENCH_PG_DB " WITH (FORCE)' "
			       "-c 'CREATE DATABASE " BENCH_PG_DB "'",
			       out, sizeof(out)) != 0)
			bench_die("cannot make the database %s: %s", BENCH_PG_DB, out);
		t0 = bench_now();
		bench_enroll_store(b, b->pg_conf, n);
		*pg_seconds = bench_now() - t0;
	}
	return seconds;
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
 * The same users for google-authenticator, configured as its own tool does by default
 * (google-authenticator -t -d -r 3 -R 30 -w 3): TOTP, DISALLOW_REUSE, at most 3 sign-ins in
 * 30 seconds, a window of 3 codes; one file per user. Again without DISALLOW_REUSE and
 * RATE_LIMIT (the module then never writes the file). For pam_oath one usersfile with TOTP
 * lines (HOTP/T30/6). Returns the seconds they took to write.
 */
static double
bench_enroll_others(struct bench *b)
{
	char path[400], name[32], hex[2 * SECINFO_OTP_SECRET_BYTES + 1];
	double t0 = bench_now();
	FILE *oath;

	oath = fopen(b->oath_file, "w");
	if (oath == NULL || fchmod(fileno(oath), 0600) != 0)
		bench_die("%s: %s", b->oath_file, strerror(errno));
	for (long i = 0; i < b->users; i++) {
		char *base32 = NULL;
		FILE *f;

		snprintf(name, sizeof(name), "user%07ld", i);
		snprintf(path, sizeof(path), "%s/%s", b->ga_dir, name);
		if (secinfo_base32_encode(b->secrets[i], sizeof(b->secrets[i]), &base32) != 0)
			bench_die("cannot encode a secret");
		f = fopen(path, "w");
		if (f == NULL || fchmod(fileno(f), 0600) != 0 ||
		    fprintf(f,
			    "%s\n\" RATE_LIMIT 3 30\n\" WINDOW_SIZE 3\n\" DISALLOW_REUSE\n"
			    "\" TOTP_AUTH\n",
			    base32) < 0 ||
		    fclose(f) != 0)
			bench_die("%s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "%s/%s", b->ga_ro_dir, name);
		f = fopen(path, "w");
		if (f == NULL || fchmod(fileno(f), 0600) != 0 ||
		    fprintf(f, "%s\n\" WINDOW_SIZE 3\n\" TOTP_AUTH\n", base32) < 0 ||
		    fclose(f) != 0)
			bench_die("%s: %s", path, strerror(errno));
		free(base32);
		sodium_bin2hex(hex, sizeof(hex), b->secrets[i], sizeof(b->secrets[i]));
		fprintf(oath, "HOTP/T30/6 %s - %s\n", name, hex);
	}
	if (fclose(oath) != 0)
		bench_die("%s: %s", b->oath_file, strerror(errno));
	return bench_now() - t0;
}

/*
 * Writes COUNT lines "USER CODE" to PATH: the next COUNT users of MODULE who have not signed
 * in yet, each with the code of the current TOTP step. The HOTP user is skipped.
 */
static void
bench_codes_totp(struct bench *b, enum bench_module module, const char *path, int count)
{
	struct secinfo_otp_params totp = {SECINFO_OTP_SHA1, 6, 30, 0};
	char code[SECINFO_OTP_MAX_DIGITS + 1];
	uint64_t step = secinfo_totp_step(time(NULL), 30);
	FILE *f = fopen(path, "w");

	if (f == NULL)
		bench_die("%s: %s", path, strerror(errno));
	for (int i = 0; i < count && module == BENCH_PERMIT; i++)
		fprintf(f, "%s 000000\n", BENCH_UNKNOWN);
	if (module == BENCH_SECINFO_B) /* the same database: the same users, once each */
		module = BENCH_SECINFO;
	for (int i = 0; i < count && module != BENCH_PERMIT; i++) {
		long u = b->cursor[module]++;

		if (u == b->users / 2)
			u = b->cursor[module]++;
		if (u >= b->users)
			bench_die("%ld users are too few for the sign-ins of one run: every right "
				  "code is a different user (use -n 1000 or more, or fewer -r)",
				  b->users);
		if (secinfo_otp_generate(b->secrets[u], sizeof(b->secrets[u]), &totp, step, code) !=
		    0)
			bench_die("cannot compute a TOTP code");
		fprintf(f, "user%07ld %s\n", u, code);
	}
	if (fclose(f) != 0)
		bench_die("%s: %s", path, strerror(errno));
}

/* The environment of every PAM client: pam_wrapper with the throw-away pam.d. */
static void
bench_pam_wrapper_env(const struct bench *b)
{
	setenv("LD_PRELOAD", "libpam_wrapper.so", 1);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", b->pamd, 1);
	setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	setenv("PAM_WRAPPER_USE_SYSLOG", "1", 1); /* pam_syslog lines too, as without it */
	unsetenv("PAM_WRAPPER_DEBUGLEVEL");
}

/*
 * Counts the fsync and fdatasync calls in an strace -y log, by file. A sync of the -wal file
 * after page-sized writes to it is a commit; the others sync a new WAL's header or precede a
 * checkpoint.
 */
static void
bench_fsyncs_count(const struct bench *b, const char *log, struct bench_fsyncs *out)
{
	char line[1024], db_tail[340];
	FILE *f = fopen(log, "r");
	int frames = 0;

	memset(out, 0, sizeof(*out));
	snprintf(db_tail, sizeof(db_tail), "%s>", b->db);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		char *call = strstr(line, "sync("), *result = strstr(line, ") = ");

		if (strstr(line, "pwrite64(") != NULL && strstr(line, "-wal>") != NULL &&
		    result != NULL && strtol(result + 4, NULL, 10) >= 512)
			frames = 1;
		if (call == NULL || strstr(line, "resumed>") != NULL)
			continue;
		if (strstr(call, "-wal>") != NULL) {
			out->wal++;
			out->commits += frames;
			frames = 0;
		} else if (strstr(call, db_tail) != NULL || strstr(call, "-journal>") != NULL)
			out->db++;
		else
			out->other++;
	}
	if (f != NULL)
		fclose(f);
}

/* How signin_drive runs: alone, under callgrind, under strace, or as concurrent processes. */
enum bench_mode { BENCH_PLAIN, BENCH_CALLGRIND, BENCH_STRACE, BENCH_CONCURRENT };

/*
 * Runs signin_drive under pam_wrapper in MODE, answering with the lines of CODEFILE, and
 * fills *R (and *FSYNCS under strace). Dies when the driver fails; returns how many sign-ins
 * ended otherwise than EXPECT (dies on any but for BENCH_CONCURRENT, which reports them).
 */
static int
bench_drive(struct bench *b, const char *service, const char *user, const char *codefile,
	    int warmup, int reps, const char *expect, enum bench_mode mode, struct bench_result *r,
	    struct bench_fsyncs *fsyncs)
{
	char warm[16], count[16], out[512] = "", log[400], cgout[400], trace[400];
	int fds[2], status = 0;
	ssize_t n, used = 0;
	pid_t pid;

	snprintf(warm, sizeof(warm), "%d", warmup);
	snprintf(count, sizeof(count), "%d", reps);
	snprintf(log, sizeof(log), "--log-file=%s/callgrind.log", b->dir);
	/* one profile per service, count, user and outcome, kept with -k for callgrind_annotate */
	snprintf(cgout, sizeof(cgout), "--callgrind-out-file=%s/callgrind.out.%ld.%s.%s.%s", b->dir,
		 b->users, service, user, expect);
	snprintf(trace, sizeof(trace), "%s/strace.log", b->dir);
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
		if (mode != BENCH_CONCURRENT) /* that one uses the service in /etc/pam.d */
			bench_pam_wrapper_env(b);
		if (mode == BENCH_CALLGRIND)
			execlp("valgrind", "valgrind", "--tool=callgrind", "--collect-atstart=no",
			       log, cgout, b->driver, service, user, codefile, warm, count, expect,
			       (char *)NULL);
		else if (mode == BENCH_STRACE)
			execlp("strace", "strace", "-f", "-qq", "-y", "-e",
			       "trace=fsync,fdatasync,pwrite64", "-o", trace, b->driver, service,
			       user, codefile, warm, count, expect, (char *)NULL);
		else if (mode == BENCH_CONCURRENT)
			execl(b->driver, b->driver, "-p", service, user, codefile, warm, count,
			      expect, (char *)NULL);
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
	if (r->bad != 0 && mode != BENCH_CONCURRENT)
		bench_die("%d of %d sign-ins through %s did not end in %s", r->bad, warmup + reps,
			  service, expect);
	r->instructions = -1;
	if (mode == BENCH_CALLGRIND) {
		snprintf(log, sizeof(log), "%s/callgrind.log", b->dir);
		r->instructions = bench_callgrind_collected(log);
		/* 0: the driver was built without valgrind/callgrind.h and toggled nothing */
		r->instructions = r->instructions > 0 ? r->instructions / reps : -1;
	}
	if (mode == BENCH_STRACE) {
		bench_fsyncs_count(b, trace, fsyncs);
		fsyncs->wal /= warmup + reps;
		fsyncs->db /= warmup + reps;
		fsyncs->other /= warmup + reps;
		fsyncs->commits /= warmup + reps;
	}
	return r->bad;
}

static int
bench_cmp(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;
	return a < c ? -1 : a > c;
}

/*
 * Whole processes: one pamtester per line of CODEFILE (the code on its standard input), as
 * a fresh sshd or sudo signs in. Returns the median microseconds of one process, fork to
 * exit; dies when one does not succeed.
 */
static double
bench_processes(const char *service, const char *codefile, int reps)
{
	char user[40], code[40];
	double *times = calloc((size_t)reps, sizeof(*times)), median;
	FILE *f = fopen(codefile, "r");

	if (f == NULL || times == NULL)
		bench_die("%s: %s", codefile, strerror(errno));
	for (int i = 0; i < reps; i++) {
		int in[2], status = 0;
		double t0;
		pid_t pid;

		if (fscanf(f, "%39s %39s", user, code) != 2)
			bench_die("%s: too short", codefile);
		if (pipe(in) != 0)
			bench_die("pipe: %s", strerror(errno));
		fflush(NULL);
		t0 = bench_now();
		pid = fork();
		if (pid < 0)
			bench_die("fork: %s", strerror(errno));
		if (pid == 0) {
			int null = open("/dev/null", O_WRONLY);

			close(in[1]);
			if (dup2(in[0], STDIN_FILENO) < 0 || null < 0 ||
			    dup2(null, STDOUT_FILENO) < 0 || dup2(null, STDERR_FILENO) < 0)
				_exit(127);
			/* the service in /etc/pam.d, without pam_wrapper */
			execlp("pamtester", "pamtester", service, user, "authenticate",
			       (char *)NULL);
			_exit(127);
		}
		close(in[0]);
		if (dprintf(in[1], "%s\n", code) < 0)
			bench_die("pipe: %s", strerror(errno));
		close(in[1]);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0)
			bench_die("pamtester %s %s failed (status %d)", service, user, status);
		times[i] = (bench_now() - t0) * 1e6;
	}
	fclose(f);
	qsort(times, (size_t)reps, sizeof(*times), bench_cmp);
	median = reps % 2 ? times[reps / 2] : (times[reps / 2 - 1] + times[reps / 2]) / 2;
	free(times);
	return median;
}

/* The highest audit row id, or with AFTER >= 0 how many distinct users have a successful
 * audit row after id AFTER; in PostgreSQL's database with PG. */
static long
bench_audit(const struct bench *b, long after, int pg)
{
	const char *sql = after < 0 ? "SELECT coalesce(max(id), 0) FROM audit"
				    : "SELECT count(DISTINCT user) FROM audit WHERE id > ?1 AND "
				      "result = 'success'";
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = NULL;
	long value = -1;
	char text[256];

	if (pg) {
		snprintf(text, sizeof(text), "%s", sql);
		if (after >= 0)
			snprintf(
				text, sizeof(text),
				"SELECT count(DISTINCT \\\"user\\\") FROM audit WHERE id > %ld AND "
				"result = 'success'",
				after);
		return bench_pg_value(b, text);
	}
	if (sqlite3_open_v2(b->db, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_busy_timeout(db, 5000) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    (after < 0 || sqlite3_bind_int64(stmt, 1, after) == SQLITE_OK) &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		value = (long)sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	if (value < 0)
		bench_die("%s: cannot read the audit table", b->db);
	return value;
}

static struct bench_row *
bench_row_new(enum bench_module module, long users, const char *what)
{
	struct bench_row *row;

	if (bench_n_rows == BENCH_MAX_ROWS)
		bench_die("too many rows");
	row = &bench_rows[bench_n_rows++];
	*row = (struct bench_row){module,       users, what, NAN, NAN, NAN, NAN, NAN,
				  {0, 0, 0, 0}, 0,     NAN,  0,   0,   -1,  -1,  -1};
	return row;
}

/* The median of N values (sorts them). */
static double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* REPS right-code sign-ins of MODULE in one process; sets ROW's p50, p90 and prompts. */
static void
bench_inprocess(struct bench *b, enum bench_module module, int warmup, int reps,
		struct bench_row *row)
{
	struct bench_result r;
	char codes[400];

	snprintf(codes, sizeof(codes), "%s/codes.%s", b->dir, bench_service[module]);
	bench_codes_totp(b, module, codes, warmup + reps);
	bench_drive(b, bench_service[module], BENCH_UNKNOWN, codes, warmup, reps, "success",
		    BENCH_PLAIN, &r, NULL);
	row->p50 = r.median;
	row->p90 = r.p90;
	row->prompts = r.prompts;
}

/*
 * The in-process and whole-process columns of the modules compared, measured in
 * BENCH_ROUNDS rounds that take turns (GA, GA without reuse check, pam_oath, secinfo,
 * secinfo -b, GA, ...), so that a burst of load from elsewhere on the machine hits all of
 * them; each row gets the median of its rounds' medians (and 90th percentiles).
 */
#define BENCH_ROUNDS 5
static void
bench_inprocess_rounds(struct bench *b, struct bench_row **rows)
{
	double p50[BENCH_MODULES][BENCH_ROUNDS], p90[BENCH_MODULES][BENCH_ROUNDS];
	double proc[BENCH_MODULES][BENCH_ROUNDS];
	int per_round = (b->reps + BENCH_ROUNDS - 1) / BENCH_ROUNDS;
	int proc_round = (b->process_reps + BENCH_ROUNDS - 1) / BENCH_ROUNDS;
	char codes[400];

	for (int round = 0; round < BENCH_ROUNDS; round++)
		for (int m = 0; m < BENCH_MODULES; m++) {
			if (rows[m] == NULL)
				continue;
			bench_inprocess(b, (enum bench_module)m, round == 0 ? b->warmup : 2,
					per_round, rows[m]);
			p50[m][round] = rows[m]->p50;
			p90[m][round] = rows[m]->p90;
			if (proc_round == 0)
				continue;
			snprintf(codes, sizeof(codes), "%s/codes.%s", b->dir, bench_service[m]);
			bench_codes_totp(b, (enum bench_module)m, codes, proc_round);
			proc[m][round] = bench_processes(bench_etc_service[m], codes, proc_round);
		}
	for (int m = 0; m < BENCH_MODULES; m++) {
		if (rows[m] == NULL)
			continue;
		rows[m]->p50 = bench_median(p50[m], BENCH_ROUNDS);
		rows[m]->p90 = bench_median(p90[m], BENCH_ROUNDS);
		if (proc_round > 0)
			rows[m]->process_p50 = bench_median(proc[m], BENCH_ROUNDS);
	}
}

/*
 * The other columns for MODULE's right-code sign-ins (a different user each) in ROW:
 * instructions, fsyncs and concurrent processes; for pam_permit (ROW NULL: a new row) also
 * in one process and as whole processes.
 */
static void
bench_module(struct bench *b, enum bench_module module, struct bench_row *row, int with_callgrind)
{
	const char *service = bench_service[module];

	int audited =
		module == BENCH_SECINFO || module == BENCH_SECINFO_B || module == BENCH_SECINFO_PG;
	int pg = module == BENCH_SECINFO_PG;
	struct bench_result r;
	char codes[400], services[160];
	long audit_before = 0, used_before = 0, failures_before = 0;

	if (row == NULL)
		row = bench_row_new(module, module == BENCH_PERMIT ? -1 : b->users,
				    bench_what[module]);

	snprintf(codes, sizeof(codes), "%s/codes.%s", b->dir, service);
	fprintf(stderr, "  %s\n", bench_module_name[module]);
	if (module == BENCH_PERMIT)
		bench_inprocess(b, module, b->warmup, b->reps, row);
	if (b->process_reps > 0 && module == BENCH_PERMIT) { /* the others: in rounds */
		bench_codes_totp(b, module, codes, b->process_reps);
		row->process_p50 =
			bench_processes(bench_etc_service[module], codes, b->process_reps);
	}
	if (with_callgrind) {
		bench_codes_totp(b, module, codes, 1 + b->callgrind_reps);
		bench_drive(b, service, BENCH_UNKNOWN, codes, 1, b->callgrind_reps, "success",
			    BENCH_CALLGRIND, &r, NULL);
		row->instructions = r.instructions >= 0 ? r.instructions : NAN;
	}
	/* PostgreSQL's syncs are the server's, not the signing-in process's: not counted */
	if (b->strace_reps > 0 && !pg) {
		bench_codes_totp(b, module, codes, b->strace_reps);
		bench_drive(b, service, BENCH_UNKNOWN, codes, 0, b->strace_reps, "success",
			    BENCH_STRACE, &r, &row->fsyncs);
		row->fsyncs_counted = 1;
	}
	if (b->concurrent > 0) {
		/* PostgreSQL: every other process signs in on the second "host" */
		snprintf(services, sizeof(services), "%s%s%s", bench_etc_service[module],
			 pg ? "," : "", pg ? bench_etc_service[BENCH_PG_HOST2] : "");
		if (audited)
			audit_before = bench_audit(b, -1, pg);
		if (pg) {
			used_before = bench_pg_value(
				b, "SELECT count(*) FROM methods WHERE counter <> -1");
			failures_before =
				bench_pg_value(b, "SELECT COALESCE(sum(failures), 0) FROM users");
		}
		bench_codes_totp(b, module, codes, b->concurrent);
		row->concurrent = b->concurrent;
		row->concurrent_bad =
			bench_drive(b, services, BENCH_UNKNOWN, codes, 0, b->concurrent, "success",
				    BENCH_CONCURRENT, &r, NULL);
		row->concurrent_s = r.median / 1e6;
		if (audited)
			row->audit_rows = bench_audit(b, audit_before, pg);
		if (pg) {
			row->counters_moved =
				bench_pg_value(b,
					       "SELECT count(*) FROM methods WHERE counter <> -1") -
				used_before;
			row->failures_added =
				bench_pg_value(b, "SELECT COALESCE(sum(failures), 0) FROM users") -
				failures_before;
		}
	}
}

/* secinfo's other rows: one HOTP user again and again, the decoy, 3 wrong codes. */
static void
bench_secinfo_more(struct bench *b, int with_callgrind)
{
	const char *service = bench_service[BENCH_SECINFO];
	struct bench_row *same, *decoy, *wrong;
	char right_codes[400], wrong_codes[400];
	struct bench_result r;

	snprintf(right_codes, sizeof(right_codes), "%s/codes.right", b->dir);
	snprintf(wrong_codes, sizeof(wrong_codes), "%s/codes.wrong", b->dir);
	same = bench_row_new(BENCH_SECINFO, b->users, "right code, same user (HOTP)");
	decoy = bench_row_new(BENCH_SECINFO, b->users, "unknown user (decoy), 3 tries");
	wrong = bench_row_new(BENCH_SECINFO, b->users, "3 wrong codes");

	bench_codes_right(b, right_codes, b->warmup + b->reps);
	bench_drive(b, service, b->user, right_codes, b->warmup, b->reps, "success", BENCH_PLAIN,
		    &r, NULL);
	same->p50 = r.median, same->p90 = r.p90, same->prompts = r.prompts;
	bench_drive(b, service, BENCH_UNKNOWN, right_codes, b->warmup, b->reps, "failure",
		    BENCH_PLAIN, &r, NULL);
	decoy->p50 = r.median, decoy->p90 = r.p90, decoy->prompts = r.prompts;
	bench_codes_wrong(b, wrong_codes);
	bench_drive(b, service, b->user, wrong_codes, b->warmup, b->reps, "failure", BENCH_PLAIN,
		    &r, NULL);
	wrong->p50 = r.median, wrong->p90 = r.p90, wrong->prompts = r.prompts;
	if (with_callgrind) {
		bench_codes_right(b, right_codes, 1 + b->callgrind_reps);
		bench_drive(b, service, b->user, right_codes, 1, b->callgrind_reps, "success",
			    BENCH_CALLGRIND, &r, NULL);
		same->instructions = r.instructions >= 0 ? r.instructions : NAN;
		bench_drive(b, service, BENCH_UNKNOWN, right_codes, 1, b->callgrind_reps, "failure",
			    BENCH_CALLGRIND, &r, NULL);
		decoy->instructions = r.instructions >= 0 ? r.instructions : NAN;
	}
	if (b->strace_reps > 0) {
		bench_codes_right(b, right_codes, b->strace_reps);
		bench_drive(b, service, b->user, right_codes, 0, b->strace_reps, "success",
			    BENCH_STRACE, &r, &same->fsyncs);
		same->fsyncs_counted = 1;
		bench_drive(b, service, BENCH_UNKNOWN, right_codes, 0, b->strace_reps, "failure",
			    BENCH_STRACE, &r, &decoy->fsyncs);
		decoy->fsyncs_counted = 1;
		bench_codes_wrong(b, wrong_codes); /* the counter has moved */
		bench_drive(b, service, b->user, wrong_codes, 0, b->strace_reps, "failure",
			    BENCH_STRACE, &r, &wrong->fsyncs);
		wrong->fsyncs_counted = 1;
	}
}

/* The row of MODULE for USERS, or NULL. */
static const struct bench_row *
bench_module_row(enum bench_module module, long users)
{
	for (int i = 0; i < bench_n_rows; i++)
		if (bench_rows[i].module == module && bench_rows[i].users == users)
			return &bench_rows[i];
	return NULL;
}

/* The google-authenticator row for USERS (its defaults), or NULL: the ratios' reference. */
static const struct bench_row *
bench_ga_row(long users)
{
	return bench_module_row(BENCH_GA, users);
}

/* "  1.234" in milliseconds from microseconds, or "-". */
static const char *
bench_ms(char *buf, size_t size, double us)
{
	if (isnan(us))
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.3f", us / 1e3);
	return buf;
}

static const char *
bench_ratio(char *buf, size_t size, double value, double ga)
{
	if (isnan(value) || isnan(ga) || ga <= 0)
		snprintf(buf, size, "-");
	else
		snprintf(buf, size, "%.1fx", value / ga);
	return buf;
}

static void
bench_table(void)
{
	printf("%-20s %6s %-29s %7s %7s %6s %8s %6s %12s %-30s %s\n", "module", "users", "sign-in",
	       "p50 ms", "p90 ms", "/GA", "proc ms", "/GA", "instructions",
	       "fsyncs = wal+db+other (commits)", "at once");
	for (int i = 0; i < bench_n_rows; i++) {
		const struct bench_row *r = &bench_rows[i];
		const struct bench_row *ga = bench_ga_row(r->users);
		char users[24] = "-", p50[16], p90[16], proc[16], ratio[16], pratio[16];
		char ir[24] = "-", fs[64] = "-", conc[128] = "-";

		if (r->users >= 0)
			snprintf(users, sizeof(users), "%ld", r->users);
		if (!isnan(r->instructions))
			snprintf(ir, sizeof(ir), "%.0f", r->instructions);
		if (r->fsyncs_counted)
			snprintf(fs, sizeof(fs), "%.1f = %.1f+%.1f+%.1f (%.1f)",
				 r->fsyncs.wal + r->fsyncs.db + r->fsyncs.other, r->fsyncs.wal,
				 r->fsyncs.db, r->fsyncs.other, r->fsyncs.commits);
		if (!isnan(r->concurrent_s)) {
			int n = snprintf(conc, sizeof(conc), "%d: %.3f s, %d failed", r->concurrent,
					 r->concurrent_s, r->concurrent_bad);
			if (r->audit_rows >= 0 && n > 0)
				n += snprintf(conc + n, sizeof(conc) - (size_t)n,
					      ", %ld audit rows", r->audit_rows);
			if (r->counters_moved >= 0 && n > 0)
				snprintf(conc + n, sizeof(conc) - (size_t)n,
					 ", 2 hosts, %ld counters moved, %+ld failures",
					 r->counters_moved, r->failures_added);
		}
		printf("%-20s %6s %-29s %7s %7s %6s %8s %6s %12s %-30s %s\n",
		       bench_module_name[r->module], users, r->what,
		       bench_ms(p50, sizeof(p50), r->p50), bench_ms(p90, sizeof(p90), r->p90),
		       bench_ratio(ratio, sizeof(ratio), r->p50, ga != NULL ? ga->p50 : NAN),
		       bench_ms(proc, sizeof(proc), r->process_p50),
		       bench_ratio(pratio, sizeof(pratio), r->process_p50,
				   ga != NULL ? ga->process_p50 : NAN),
		       ir, fs, conc);
	}
}

/* One target line: met, NOT met, or not measured when VALUE is NAN; NOTE may follow. */
static void
bench_target(const char *what, long users, int met, double value, const char *unit,
	     const char *note)
{
	if (isnan(value))
		printf("  %-58s %7ld users: not measured\n", what, users);
	else
		printf("  %-58s %7ld users: %-7s (%.3g%s)%s\n", what, users,
		       met ? "met" : "NOT met", value, unit, note);
}

/* The targets of the issue, for secinfo's right-code rows (a different user each). */
static void
bench_targets(void)
{
	printf("\ntargets (secinfo, right code, a different user each sign-in):\n");
	for (int i = 0; i < bench_n_rows; i++) {
		const struct bench_row *r = &bench_rows[i];
		const struct bench_row *ga = bench_ga_row(r->users);
		double fsyncs = r->fsyncs.wal + r->fsyncs.db + r->fsyncs.other;
		double ratio = ga != NULL ? r->p50 / ga->p50 : NAN;
		double pratio = ga != NULL ? r->process_p50 / ga->process_p50 : NAN;
		const struct bench_row *ro = bench_module_row(BENCH_GA_RO, r->users);
		char text[96], note[96] = "", pnote[96] = "";

		if (r->module != BENCH_SECINFO || strcmp(r->what, "right code") != 0)
			continue;
		if (ro != NULL) {
			snprintf(note, sizeof(note),
				 "; %.3gx google-authenticator without reuse check",
				 r->p50 / ro->p50);
			snprintf(pnote, sizeof(pnote),
				 "; %.3gx google-authenticator without reuse check",
				 r->process_p50 / ro->process_p50);
		}
		bench_target("in-process p50 <= 0.9 ms", r->users, r->p50 <= 900, r->p50 / 1e3,
			     " ms", "");
		bench_target("in-process p50 <= 9x google-authenticator", r->users, ratio <= 9,
			     ratio, "x", note);
		bench_target("whole process (pamtester) <= 1.6x google-authenticator", r->users,
			     pratio <= 1.6, pratio, "x", pnote);
		snprintf(text, sizeof(text),
			 "%d sign-ins at once <= 0.25 s, none failed, %d audit rows", r->concurrent,
			 r->concurrent);
		bench_target(text, r->users,
			     r->concurrent == 50 && r->concurrent_s <= 0.25 &&
				     r->concurrent_bad == 0 && r->audit_rows == r->concurrent,
			     r->concurrent_s, " s", "");
		bench_target("instructions per sign-in <= 1.2 M", r->users,
			     r->instructions <= 1.2e6, r->instructions / 1e6, " M", "");
		bench_target("fsync + fdatasync per sign-in <= 3", r->users, fsyncs <= 3,
			     r->fsyncs_counted ? fsyncs : NAN, "", "");
	}
}

/* PostgreSQL beside sqlite, and what the connection of every PAM call costs. */
static void
bench_pg_notes(const char *pg_sslmode)
{
	printf("\nPostgreSQL (secinfo (pg): the same module and users on the local server, "
	       "sslmode = %s, scram-sha-256) beside sqlite:\n",
	       pg_sslmode);
	for (int i = 0; i < bench_n_conns; i++) {
		const struct bench_conn *c = &bench_conns[i];
		const struct bench_row *lite = NULL, *pg = NULL;

		for (int k = 0; k < bench_n_rows; k++) {
			const struct bench_row *r = &bench_rows[k];

			if (r->users != c->users || strcmp(r->what, "right code") != 0)
				continue;
			if (r->module == BENCH_SECINFO)
				lite = r;
			if (r->module == BENCH_SECINFO_PG)
				pg = r;
		}
		if (lite != NULL && pg != NULL)
			printf("  %7ld users: right code in one process %.3f ms (%.1fx sqlite), "
			       "whole "
			       "process %.3f ms (%.1fx sqlite)\n",
			       c->users, pg->p50 / 1e3, pg->p50 / lite->p50, pg->process_p50 / 1e3,
			       pg->process_p50 / lite->process_p50);
		printf("  %7ld users: store open + close alone (the connection of each PAM call): "
		       "sqlite %.3f ms",
		       c->users, c->sqlite_us / 1e3);
		if (!isnan(c->pg_us))
			printf(", PostgreSQL %.3f ms (TCP, TLS unless sslmode = disable, scram, "
			       "schema version, key check)",
			       c->pg_us / 1e3);
		if (!isnan(c->pg_us) && pg != NULL)
			printf(" = %.0f%% of its sign-in in one process", 100 * c->pg_us / pg->p50);
		printf("\n");
	}
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
	fprintf(stderr,
		"usage: signin_bench -m MODULE [-b MODULE] -D DRIVER [-d PARENT_DIR] [-n N,N,...] "
		"[-r REPS] [-w WARMUP] [-p PROCESS_REPS] [-c CALLGRIND_REPS] "
		"[-f STRACE_REPS] [-C CONCURRENT] [-k] [-s]\n");
	exit(2);
}

#define BENCH_CONN_REPS 101

/* The median microseconds of secinfo_store_open + secinfo_store_close on the configuration
 * PATH, in this process (libpq, once loaded, stays: the module loads it again in every
 * process, which the sign-in rows include). */
static double
bench_open_cost(const char *path)
{
	double times[BENCH_CONN_REPS];
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store;

	secinfo_store_close(bench_store_open(path, &conf, 0)); /* warm-up, loads libpq */
	secinfo_conf_free(conf);
	for (int i = 0; i < BENCH_CONN_REPS; i++) {
		double t0;

		conf = NULL;
		t0 = bench_now();
		store = bench_store_open(path, &conf, 0);
		secinfo_store_close(store);
		times[i] = (bench_now() - t0) * 1e6;
		secinfo_conf_free(conf);
	}
	return bench_median(times, BENCH_CONN_REPS);
}

/* Measures every module for one user count. */
static void
bench_one(struct bench *b, long users, int with_callgrind)
{
	struct bench_row *rows[BENCH_MODULES] = {NULL};
	double seconds, others, pg_seconds;
	struct bench_conn *conn = &bench_conns[bench_n_conns++];
	struct stat st;

	b->users = users;
	memset(b->cursor, 0, sizeof(b->cursor));
	seconds = bench_enroll(b, users, &pg_seconds);
	if (stat(b->db, &st) != 0)
		bench_die("%s: %s", b->db, strerror(errno));
	others = bench_enroll_others(b);
	fprintf(stderr,
		"%ld users enrolled in %.1f s (%.1f MB database; PostgreSQL: %.1f s), their "
		"google-authenticator files and pam_oath usersfile written in %.1f s\n",
		users, seconds, (double)st.st_size / 1e6, pg_seconds, others);
	conn->users = users;
	conn->sqlite_us = bench_open_cost(b->conf);
	conn->pg_us = b->pg_port != NULL ? bench_open_cost(b->pg_conf) : NAN;
	for (int m = BENCH_GA; m < BENCH_MODULES; m++)
		rows[m] = (m == BENCH_SECINFO_B && b->module_b == NULL) ||
					  (m == BENCH_SECINFO_PG && b->pg_port == NULL)
				  ? NULL
				  : bench_row_new((enum bench_module)m, users, bench_what[m]);
	fprintf(stderr, "  in one process and as whole processes, %d rounds\n", BENCH_ROUNDS);
	bench_inprocess_rounds(b, rows);
	for (int m = BENCH_GA; m < BENCH_MODULES; m++)
		if (rows[m] != NULL)
			bench_module(b, (enum bench_module)m, rows[m], with_callgrind);
	bench_secinfo_more(b, with_callgrind);
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
	struct bench b = {
		.reps = 200, .warmup = 20, .process_reps = 30, .strace_reps = 20, .concurrent = 50};
	struct utsname host;
	const char *parent = "/var/tmp", *count_list = "1000,100000";
	long counts[BENCH_MAX_COUNTS];
	const char *syslog_text;
	int opt, n_counts;
	double t0 = bench_now();

	while ((opt = getopt(argc, argv, "m:b:D:d:n:r:w:p:c:f:C:ks")) != -1) {
		switch (opt) {
		case 'm': b.module = optarg; break;
		case 'b': b.module_b = optarg; break;
		case 'D': b.driver = optarg; break;
		case 'd': parent = optarg; break;
		case 'n': count_list = optarg; break;
		case 'r': b.reps = bench_count(optarg); break;
		case 'w': b.warmup = bench_count(optarg); break;
		case 'p': b.process_reps = bench_count(optarg); break;
		case 'c': b.callgrind_reps = bench_count(optarg); break;
		case 'f': b.strace_reps = bench_count(optarg); break;
		case 'C': b.concurrent = bench_count(optarg); break;
		case 'k': b.keep = 1; break;
		case 's': b.with_sms = 1; break;
		default: bench_usage();
		}
	}
	if (b.module == NULL || b.driver == NULL || b.reps < 1 || b.warmup < 0 ||
	    b.process_reps < 0 || b.callgrind_reps < 0 || b.strace_reps < 0 || b.concurrent < 0 ||
	    optind != argc)
		bench_usage();
	if (geteuid() != 0)
		bench_die("run as root: the module only trusts root-owned files");
	if (secinfo_crypto_init() != 0 || secinfo_otp_init() != 0)
		bench_die("cannot initialise libsodium or liboath");
	n_counts = bench_counts(count_list, counts);
	/* A PostgreSQL server as tests/pg/server.sh describes it: secinfo (pg) rows too. */
	b.pg_port = getenv("SECINFO_TEST_PG_PORT");
	b.pg_ca = getenv("SECINFO_TEST_PG_CA");
	b.pg_password = getenv("SECINFO_TEST_PG_PASSWORD");
	if (b.pg_port == NULL || b.pg_ca == NULL || b.pg_password == NULL)
		b.pg_port = NULL;
	/* disable: a PgBouncer on this host (bench/pgbouncer.sh), loopback only */
	b.pg_sslmode = getenv("SECINFO_BENCH_PG_SSLMODE");
	if (b.pg_sslmode == NULL)
		b.pg_sslmode = "verify-full";
	atexit(bench_etc_remove);
	atexit(bench_syslog_stop);
	syslog_text = bench_syslog_start();
	bench_setup(&b, parent);

	uname(&host);
	fprintf(stderr, "pam_permit\n");
	b.users = -1;
	bench_module(&b, BENCH_PERMIT, NULL, b.callgrind_reps > 0);
	for (int i = 0; i < n_counts; i++)
		bench_one(&b, counts[i], b.callgrind_reps > 0);

	printf("one sign-in = pam_start + pam_authenticate + pam_end under pam_wrapper\n"
	       "%s %s, %ld CPUs; sqlite %s, libsodium %s\nsecinfo: %s\n%s%s%s%s\n"
	       "files in %s (%s); in one process: %d sign-ins per row after %d warm-up; whole "
	       "processes: %d pamtester runs; callgrind: %d sign-ins; strace: %d sign-ins; "
	       "%d processes at once\n\n",
	       host.sysname, host.release, sysconf(_SC_NPROCESSORS_ONLN), sqlite3_libversion(),
	       sodium_version_string(), b.module, b.module_b != NULL ? "secinfo (-b): " : "",
	       b.module_b != NULL ? b.module_b : "", b.module_b != NULL ? "\n" : "", syslog_text,
	       b.dir, bench_fs_name(b.dir), b.reps, b.warmup, b.process_reps, b.callgrind_reps,
	       b.strace_reps, b.concurrent);
	bench_table();
	bench_targets();
	if (b.pg_port != NULL)
		bench_pg_notes(b.pg_sslmode);
	fflush(stdout);
	bench_cleanup(&b);
	free(b.secrets);
	fprintf(stderr, "total %.0f s\n", bench_now() - t0);
	return 0;
}
