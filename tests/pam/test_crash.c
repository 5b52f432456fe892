/*
 * SPEC §9 under crashes (issue 9, item 3): sign-ins through PAM (pam_wrapper, the test build of
 * the module) and secinfo-admin writes run at the same time and are killed with SIGKILL after a
 * random delay, hundreds of times. After every batch of kills the database must pass
 * integrity_check and foreign_key_check, and every try must have happened entirely or not at
 * all, as one transaction:
 *
 *   - a right code (HOTP, or TOTP at the current step) either advanced the method's counter to
 *     its own and cleared the failures, or changed nothing; a run that returned (the answer
 *     reached the application) must have done the first. Every such code is then tried again
 *     by a run that is not killed: refused if it was committed, accepted (once) if not;
 *   - a wrong code either counted one failure or changed nothing: one whose run returned is
 *     counted, one killed before the code was typed is not, and nothing but a success ever
 *     lowers the count;
 *   - an admin command either made its whole change or none, one that exited 0 made it, and a
 *     user's default is always one of their methods.
 *
 * Where the kills land is measured, not guessed: each sign-in writes a timestamped mark to a
 * pipe when it answers the prompt and when pam_authenticate returns, and a kill between the two
 * is told "before the commit" or "after" by the database itself; just before each kill the
 * process's system call is read (/proc/PID/syscall: a -wal or database sync, a write, a lock
 * wait); after each batch the -wal is read as sqlite's recovery reads it (a commit the -shm
 * index does not list yet; frames after the last commit frame). The delays are drawn from the
 * times the runs that were not killed took. Every other batch, the module is the first to open
 * the database after the kills. The counts are printed at the end.
 *
 * SECINFO_CRASH_KILLS sets the number of kills (default 400); SECINFO_CRASH_SEED the seed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <sqlite3.h>

#include "check.h"
#include "crypto.h"
#include "pamtest_util.h"

#define CR_SERVICE     "secinfo-crash"
#define CR_LANES       3  /* sign-ins at once, each on its own users */
#define CR_TOTP_USERS  64 /* a TOTP user takes one code per 30-second step */
#define CR_CHURN_USERS 4  /* the users secinfo-admin adds, changes and deletes */
#define CR_MAX_METHODS 6  /* per churn user */
#define CR_RUNS        (CR_LANES + 1)
#define CR_HANG_US     (60LL * 1000000) /* a run still alive after this has hung */
#define CR_TIME_CAP_US (240LL * 1000000)
#define CR_SAMPLES     64

enum cr_kind { CR_RIGHT, CR_WRONG, CR_ADMIN, CR_ACCOUNT };
enum cr_admin_op { CR_ADD_NEW, CR_ADD, CR_DELETE_METHOD, CR_DEFAULT, CR_DELETE_USER };
/* Where a kill landed. */
enum cr_phase {
	CR_BEFORE_ANSWER,  /* before the code was typed: nothing may have changed */
	CR_BEFORE_COMMIT,  /* after the answer, the try not (yet) committed */
	CR_AFTER_COMMIT,   /* committed, the result not yet returned to the application */
	CR_AFTER_RESULT,   /* pam_authenticate had returned */
	CR_ADMIN_NOT_DONE, /* secinfo-admin killed before its change was committed */
	CR_ADMIN_DONE,     /* ... after */
	CR_PHASES
};
static const char *const cr_phase_names[CR_PHASES] = {
	"sign-in killed before the answer was typed",
	"sign-in killed after the answer, before the commit",
	"sign-in killed after the commit, before pam_authenticate returned",
	"sign-in killed after pam_authenticate returned",
	"secinfo-admin killed before its commit",
	"secinfo-admin killed after its commit",
};

/* What a process was doing when it was killed, read from /proc/PID/syscall just before. */
enum cr_doing {
	CR_IN_WAL_SYNC, /* syncing the -wal: a commit's durable write */
	CR_IN_DB_SYNC,  /* syncing the database file: a checkpoint */
	CR_IN_WAL_WRITE,
	CR_IN_DB_WRITE,
	CR_IN_LOCK_WAIT, /* the busy handler's pause: another process holds the write lock */
	CR_IN_OTHER_CALL,
	CR_RUNNING,
	CR_UNKNOWN,
	CR_DOINGS
};
static const char *const cr_doing_names[CR_DOINGS] = {
	"syncing the -wal (a commit)",
	"syncing the database (a checkpoint)",
	"writing the -wal",
	"writing the database",
	"waiting for the write lock",
	"in another system call",
	"running",
	"not readable",
};

struct cr_user {
	char name[32];
	long long counter, failures; /* what the database must hold (the model) */
	int busy;                    /* a run of this batch uses the user */
};

struct cr_churn {
	int exists, n;
	long long ids[CR_MAX_METHODS + 1], def;
};

struct cr_run {
	int kind, op, slot, replay;
	struct cr_user *user;
	struct cr_churn *churn, before, expect;
	char churn_name[32];
	long long code_counter; /* the HOTP counter or TOTP step of a right code */
	long long target;       /* the method an admin command deletes */
	char code[16];
	char *argv[16];
	char args[16][64];
	pid_t pid;
	long long start, kill_at, answered, returned, ended, exited; /* us; -1: not seen */
	int rc, status, killed;
	enum cr_doing doing;
};

/* A timestamped event of a sign-in, written to a pipe (atomically: smaller than PIPE_BUF). */
struct cr_mark {
	int slot;
	char tag; /* 'A' answered, 'R' pam_authenticate returned, 'E' pam_end done */
	int rc;
	long long at;
};

static struct {
	struct pt_env env;
	char db[400], wal[420], admin[1024], admin_err[400];
	struct cr_user hotp[CR_LANES], totp[CR_TOTP_USERS];
	struct cr_churn churn[CR_CHURN_USERS];
	unsigned long long rng;
	int mark_fd, gate_fd[2];
	long long t_answer[CR_SAMPLES], t_return[CR_SAMPLES], t_end[CR_SAMPLES];
	long long t_admin[CR_SAMPLES];
	unsigned n_signin, n_admin;
	/* the counts */
	unsigned kills, kills_signin, kills_admin, phases[CR_PHASES], not_killed;
	unsigned doing[2][CR_DOINGS]; /* [0] sign-ins, [1] secinfo-admin */
	unsigned wal_sync_committed, module_first, unindexed;
	unsigned checks, wal_frames_left, cut_short, cut_short_frames, replays, replays_refused,
		replays_accepted;
	unsigned wrong_runs, wrong_counted, wrong_killed_uncounted, right_runs, sweeps;
	unsigned violations;
} cr;

/* ---- small helpers ------------------------------------------------------------------------ */

static long long
cr_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static unsigned long long
cr_random(void)
{
	cr.rng ^= cr.rng << 13;
	cr.rng ^= cr.rng >> 7;
	cr.rng ^= cr.rng << 17;
	return cr.rng;
}

/* A uniform value in [lo, hi]. */
static long long
cr_between(long long lo, long long hi)
{
	return hi <= lo ? lo : lo + (long long)(cr_random() % (unsigned long long)(hi - lo + 1));
}

static void __attribute__((format(printf, 1, 2))) cr_violation(const char *fmt, ...)
{
	va_list ap;

	cr.violations++;
	printf("# VIOLATION: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void
cr_die(const char *what)
{
	printf("Bail out! %s\n", what);
	exit(99);
}

static int
cr_cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long
cr_median(const long long *samples, unsigned n)
{
	long long sorted[CR_SAMPLES];
	unsigned k = n < CR_SAMPLES ? n : CR_SAMPLES;

	if (k == 0)
		return 0;
	memcpy(sorted, samples, k * sizeof(*sorted));
	qsort(sorted, k, sizeof(*sorted), cr_cmp);
	return sorted[k / 2];
}

/* ---- codes, computed by oathtool (not by the code under test) ----------------------------- */

#define CR_BLOCK 256
static struct {
	long long start;
	char codes[CR_BLOCK][8];
} cr_blocks[16];
static unsigned cr_n_blocks;

/* The HOTP code of COUNTER for PT_SECRET_B32; a TOTP step's code is the HOTP code of the step
 * (RFC 6238 with SHA1 and 6 digits, as pt_enroll_app enrolls). */
static const char *
cr_code(long long counter)
{
	char cmd[256], preload[1024];
	unsigned b;
	FILE *p;

	for (b = 0; b < cr_n_blocks; b++)
		if (counter >= cr_blocks[b].start && counter < cr_blocks[b].start + CR_BLOCK)
			return cr_blocks[b].codes[counter - cr_blocks[b].start];
	b = cr_n_blocks < 16 ? cr_n_blocks++ : (unsigned)(cr_random() % 16);
	cr_blocks[b].start = counter - counter % CR_BLOCK;
	snprintf(cmd, sizeof(cmd), "oathtool --hotp -b %s -c %lld -w %d", PT_SECRET_B32,
		 cr_blocks[b].start, CR_BLOCK - 1);
	/* Not even popen's shell under pam_wrapper: it would set up a /tmp/pam.X directory and
	 * exec without removing it. */
	snprintf(preload, sizeof(preload), "%s", getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "");
	unsetenv("LD_PRELOAD");
	unsetenv("PAM_WRAPPER");
	p = popen(cmd, "r");
	setenv("PAM_WRAPPER", "1", 1);
	if (preload[0] != '\0')
		setenv("LD_PRELOAD", preload, 1);
	if (p == NULL)
		cr_die("oathtool");
	for (int i = 0; i < CR_BLOCK; i++) {
		if (fgets(cr_blocks[b].codes[i], sizeof(cr_blocks[b].codes[i]), p) == NULL)
			cr_die("oathtool printed too few codes");
		cr_blocks[b].codes[i][strcspn(cr_blocks[b].codes[i], "\n")] = '\0';
	}
	pclose(p);
	return cr_blocks[b].codes[counter - cr_blocks[b].start];
}

/* ---- the database, read beside the module -------------------------------------------------- */

/* Opens the database for reading the outcome. It keeps the -wal file and does not checkpoint
 * when it closes, as the module does: the next sign-in finds what the killed one left. */
static sqlite3 *
cr_db_open(void)
{
	sqlite3 *db = NULL;
	int one = 1;

	if (sqlite3_open_v2(cr.db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 30000) != SQLITE_OK ||
	    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &one) != SQLITE_OK ||
	    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) != SQLITE_OK)
		cr_die(db != NULL ? sqlite3_errmsg(db) : "sqlite3_open_v2");
	return db;
}

static unsigned
cr_be32(const unsigned char *p)
{
	return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

/* Adds the checksum of N bytes (whole 8-byte groups) to SUM, as sqlite's WAL does: 32-bit
 * words in big-endian order when BIG (the header's magic ends in 1), else little-endian. */
static void
cr_wal_checksum(const unsigned char *p, size_t n, int big, unsigned sum[2])
{
	for (size_t i = 0; i + 8 <= n; i += 8) {
		unsigned a = big ? cr_be32(p + i)
				 : (unsigned)p[i] | (unsigned)p[i + 1] << 8 |
					     (unsigned)p[i + 2] << 16 | (unsigned)p[i + 3] << 24;
		unsigned b = big ? cr_be32(p + i + 4)
				 : (unsigned)p[i + 4] | (unsigned)p[i + 5] << 8 |
					     (unsigned)p[i + 6] << 16 | (unsigned)p[i + 7] << 24;
		sum[0] += a + sum[1];
		sum[1] += b + sum[0];
	}
}

/* What the killed writers left in the -wal, read as sqlite's recovery reads it (salts and the
 * checksum chain): *COMMITS_UNINDEXED is 1 when it holds a whole commit that the -shm index
 * does not list yet (a writer killed after writing its commit frame and before updating the
 * index, which sqlite does after the sync: the next connection that rebuilds the index must
 * read it back); returns the number of valid frames after the last commit frame (a commit cut
 * short while its frames were written). */
static unsigned
cr_wal_left(int *commits_unindexed)
{
	unsigned char header[32], frame[24], *page_buf = NULL, shm[20];
	unsigned page, frames = 0, last_commit = 0, sum[2] = {0, 0}, indexed = 0;
	FILE *f = fopen(cr.wal, "rb");
	char shm_path[440];
	int big;

	*commits_unindexed = 0;
	if (f == NULL)
		return 0;
	if (fread(header, 1, sizeof(header), f) != sizeof(header)) {
		fclose(f);
		return 0;
	}
	big = cr_be32(header) & 1;
	page = cr_be32(header + 8);
	page = page == 1 ? 65536 : page;
	page_buf = malloc(page);
	cr_wal_checksum(header, 24, big, sum);
	if (page_buf == NULL || cr_be32(header + 24) != sum[0] || cr_be32(header + 28) != sum[1])
		goto out;
	while (fread(frame, 1, sizeof(frame), f) == sizeof(frame) &&
	       fread(page_buf, 1, page, f) == page && memcmp(frame + 8, header + 16, 8) == 0) {
		cr_wal_checksum(frame, 8, big, sum);
		cr_wal_checksum(page_buf, page, big, sum);
		if (cr_be32(frame + 16) != sum[0] || cr_be32(frame + 20) != sum[1])
			break;
		frames++;
		if (cr_be32(frame + 4) != 0)
			last_commit = frames;
	}
	/* The index header's mxFrame: a native 32-bit number at byte 16 of the -shm. */
	snprintf(shm_path, sizeof(shm_path), "%s-shm", cr.db);
	{
		FILE *s = fopen(shm_path, "rb");
		if (s != NULL && fread(shm, 1, sizeof(shm), s) == sizeof(shm))
			memcpy(&indexed, shm + 16, sizeof(indexed));
		if (s != NULL)
			fclose(s);
	}
	*commits_unindexed = last_commit > indexed;
out:
	free(page_buf);
	fclose(f);
	return frames - last_commit;
}

/* PRAGMA integrity_check says ok and foreign_key_check finds nothing. */
static void
cr_db_verify(sqlite3 *db, const char *when)
{
	sqlite3_stmt *st = NULL;
	int rc;

	cr.checks++;
	if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		cr_die(sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
			cr_violation("%s: integrity_check: %s", when, sqlite3_column_text(st, 0));
	if (rc != SQLITE_DONE)
		cr_violation("%s: integrity_check failed: %s", when, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &st, NULL) != SQLITE_OK)
		cr_die(sqlite3_errmsg(db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		cr_violation("%s: foreign_key_check: table %s row %lld", when,
			     sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1));
	if (rc != SQLITE_DONE)
		cr_violation("%s: foreign_key_check failed: %s", when, sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

/* The counter and failures of a sign-in user (one method). */
static void
cr_db_user(sqlite3 *db, const char *name, long long *counter, long long *failures)
{
	sqlite3_stmt *st = NULL;

	*counter = *failures = -99;
	if (sqlite3_prepare_v2(db,
			       "SELECT m.counter, u.failures FROM users u JOIN methods m ON"
			       " m.user_id = u.id WHERE u.name = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		cr_die(sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*counter = sqlite3_column_int64(st, 0);
		*failures = sqlite3_column_int64(st, 1);
	}
	if (sqlite3_step(st) != SQLITE_DONE)
		cr_violation("%s: not exactly one method", name);
	sqlite3_finalize(st);
}

/* A churn user's methods and default. */
static void
cr_db_churn(sqlite3 *db, const char *name, struct cr_churn *c)
{
	sqlite3_stmt *st = NULL;
	long long id = 0;

	memset(c, 0, sizeof(*c));
	if (sqlite3_prepare_v2(db,
			       "SELECT id, IFNULL(default_method, 0) FROM users WHERE name = ?1",
			       -1, &st, NULL) != SQLITE_OK)
		cr_die(sqlite3_errmsg(db));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		c->exists = 1;
		id = sqlite3_column_int64(st, 0);
		c->def = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	if (!c->exists)
		return;
	if (sqlite3_prepare_v2(db, "SELECT id FROM methods WHERE user_id = ?1 ORDER BY id", -1, &st,
			       NULL) != SQLITE_OK)
		cr_die(sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW)
		if (c->n <= CR_MAX_METHODS)
			c->ids[c->n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
}

static int
cr_churn_equal(const struct cr_churn *a, const struct cr_churn *b)
{
	if (a->exists != b->exists)
		return 0;
	if (!a->exists)
		return 1;
	if (a->n != b->n || a->def != b->def)
		return 0;
	for (int i = 0; i < a->n; i++)
		if (a->ids[i] != b->ids[i])
			return 0;
	return 1;
}

/* ---- the runs ----------------------------------------------------------------------------- */

static void
cr_mark(int slot, char tag, int rc)
{
	struct cr_mark m = {slot, tag, rc, cr_now()};

	(void)!write(cr.mark_fd, &m, sizeof(m));
}

/* Waits in a child until the parent has started every run of the batch: the kill delays count
 * from that moment, and no pam_start or fork of the parent delays a kill. */
static void
cr_gate(void)
{
	char byte;

	close(cr.gate_fd[1]);
	if (read(cr.gate_fd[0], &byte, 1) < 0)
		_exit(126);
	close(cr.gate_fd[0]);
}

/* Answers the code prompt with the run's code, after saying so on the mark pipe. */
static int
cr_conv(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct cr_run *run = data;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));

	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		cr_mark(run->slot, 'A', 0);
		r[i].resp = strdup(run->code);
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* Starts a sign-in. pam_start runs here, so that the child (which only authenticates) never
 * sets pam_wrapper up again: a killed child would leave its /tmp/pam.X directory behind. */
static void
cr_spawn_signin(struct cr_run *run)
{
	struct pam_conv pc = {cr_conv, run};
	pam_handle_t *pamh = NULL;

	if (pam_start(CR_SERVICE, run->user->name, &pc, &pamh) != PAM_SUCCESS)
		cr_die("pam_start");
	run->pid = fork();
	if (run->pid < 0)
		cr_die("fork");
	if (run->pid == 0) {
		int rc;
		cr_gate();
		if (run->kind == CR_ACCOUNT) {
			rc = pam_acct_mgmt(pamh, 0);
			cr_mark(run->slot, 'R', rc);
			_exit(0);
		}
		rc = pam_authenticate(pamh, 0);
		cr_mark(run->slot, 'R', rc);
		if (rc == PAM_SUCCESS) /* as a login does next: the module reads the store again */
			pam_acct_mgmt(pamh, 0);
		pam_end(pamh, rc);
		cr_mark(run->slot, 'E', 0);
		_exit(0);
	}
	pam_end(pamh, PAM_SUCCESS); /* this process's copy: it authenticated nothing */
}

/* Starts secinfo-admin (the test build) on a churn user, outside pam_wrapper. */
static void
cr_spawn_admin(struct cr_run *run)
{
	run->pid = fork();
	if (run->pid < 0)
		cr_die("fork");
	if (run->pid == 0) {
		const char *preload = getenv("SECINFO_TEST_PRELOAD");
		int in = open("/dev/null", O_RDWR), err;

		cr_gate();

		err = open(cr.admin_err, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (in < 0 || err < 0 || dup2(in, 0) < 0 || dup2(in, 1) < 0 || dup2(err, 2) < 0)
			_exit(126);
		unsetenv("PAM_WRAPPER");
		if (preload != NULL && preload[0] != '\0')
			setenv("LD_PRELOAD", preload, 1);
		else
			unsetenv("LD_PRELOAD");
		execv(cr.admin, run->argv);
		_exit(127);
	}
}

/* Reads the marks the sign-ins of a batch wrote (they are all dead: the pipe ends). */
static void
cr_read_marks(int fd, struct cr_run *runs, int n)
{
	struct cr_mark m;

	while (read(fd, &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		if (m.slot < 0 || m.slot >= n)
			continue;
		if (m.tag == 'A')
			runs[m.slot].answered = m.at - runs[m.slot].start;
		else if (m.tag == 'R') {
			runs[m.slot].returned = m.at - runs[m.slot].start;
			runs[m.slot].rc = m.rc;
		} else if (m.tag == 'E')
			runs[m.slot].ended = m.at - runs[m.slot].start;
	}
}

/* What PID is doing: the system call it is in (/proc/PID/syscall) and on which file. */
static enum cr_doing
cr_doing(pid_t pid)
{
	char path[64], buf[256], target[512];
	long nr = -1, fd = -1;
	int wal, db;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return CR_UNKNOWN;
	n = (ssize_t)fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	if (n <= 0)
		return CR_UNKNOWN;
	buf[n] = '\0';
	if (strncmp(buf, "running", 7) == 0)
		return CR_RUNNING;
	nr = strtol(buf, NULL, 10);
	fd = strtol(strchr(buf, ' ') != NULL ? strchr(buf, ' ') : "-1", NULL, 16);
	target[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/fd/%ld", (int)pid, fd);
	n = readlink(path, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = '\0';
	n = (ssize_t)strlen(target);
	wal = n > 4 && strcmp(target + n - 4, "-wal") == 0;
	db = n > 3 && strcmp(target + n - 3, ".db") == 0;
	if (nr == SYS_fsync || nr == SYS_fdatasync)
		return wal ? CR_IN_WAL_SYNC : db ? CR_IN_DB_SYNC : CR_IN_OTHER_CALL;
	if (nr == SYS_pwrite64 || nr == SYS_write)
		return wal ? CR_IN_WAL_WRITE : db ? CR_IN_DB_WRITE : CR_IN_OTHER_CALL;
	if (nr == SYS_nanosleep || nr == SYS_clock_nanosleep)
		return CR_IN_LOCK_WAIT;
	return CR_IN_OTHER_CALL;
}

/* Runs the N runs at once, each killed at its kill_at (us after its start; -1: never), and
 * waits for all of them. */
static void
cr_batch_run(struct cr_run *runs, int n)
{
	int marks[2], alive = 0;

	long long start;

	if (pipe2(marks, O_CLOEXEC) != 0 || pipe2(cr.gate_fd, O_CLOEXEC) != 0)
		cr_die("pipe");
	cr.mark_fd = marks[1];
	for (int i = 0; i < n; i++) {
		runs[i].slot = i;
		runs[i].answered = runs[i].returned = runs[i].ended = runs[i].exited = -1;
		runs[i].rc = -1;
		runs[i].killed = 0;
		if (runs[i].kind == CR_ADMIN)
			cr_spawn_admin(&runs[i]);
		else
			cr_spawn_signin(&runs[i]);
		alive++;
	}
	close(marks[1]);
	close(cr.gate_fd[0]);
	start = cr_now();
	close(cr.gate_fd[1]); /* every run starts now */
	for (int i = 0; i < n; i++)
		runs[i].start = start;
	while (alive > 0) {
		long long now = cr_now(), next = now + 300;
		int status;
		pid_t pid;

		for (int i = 0; i < n; i++) {
			long long deadline;
			if (runs[i].pid <= 0)
				continue;
			deadline = runs[i].kill_at >= 0 ? runs[i].start + runs[i].kill_at
							: runs[i].start + CR_HANG_US;
			if (now >= deadline) {
				if (runs[i].kill_at < 0)
					cr_violation("a run hung: %s %s", runs[i].argv[0],
						     runs[i].user != NULL ? runs[i].user->name
									  : "");
				if (runs[i].kill_at >= 0)
					runs[i].doing = cr_doing(runs[i].pid);
				kill(runs[i].pid, SIGKILL);
				runs[i].kill_at = -2; /* sent */
			} else if (deadline < next)
				next = deadline;
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < n; i++) {
				if (runs[i].pid != pid)
					continue;
				runs[i].pid = 0;
				runs[i].status = status;
				runs[i].exited = cr_now() - runs[i].start;
				runs[i].killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
				alive--;
			}
		}
		if (alive == 0)
			break;
		now = cr_now();
		if (next > now) {
			struct timespec ts = {0, (long)(next - now) * 1000};
			nanosleep(&ts, NULL);
		}
	}
	cr_read_marks(marks[0], runs, n);
	close(marks[0]);
}

/* ---- choosing what a batch does ------------------------------------------------------------ */

/* A wrong code: none of the codes the user's HOTP window accepts. */
static void
cr_wrong_code(const struct cr_user *u, char code[16])
{
	for (;;) {
		int clash = 0;
		snprintf(code, 16, "%06u", (unsigned)(cr_random() % 1000000));
		for (long long c = u->counter + 1; c <= u->counter + 3; c++)
			clash |= strcmp(code, cr_code(c)) == 0;
		if (!clash)
			return;
	}
}

/* The kill delay of a sign-in, spread over the phases that the runs not killed showed: a tenth
 * not killed, the rest before the answer, between the answer and the result (the transaction
 * and its commit: half of the kills aim there), and after the result. */
static long long
cr_signin_delay(void)
{
	long long a = cr_median(cr.t_answer, cr.n_signin), r = cr_median(cr.t_return, cr.n_signin),
		  e = cr_median(cr.t_end, cr.n_signin);
	unsigned pick = (unsigned)(cr_random() % 20);

	if (cr.n_signin < 3 || pick < 2)
		return -1;
	if (pick < 7)
		return cr_between(0, a);
	if (pick < 17)
		return cr_between(a, r);
	return cr_between(r, e + (e - a) / 4);
}

/* secinfo-admin's delay: a tenth not killed; half of the rest anywhere in its run, half in its
 * second half, where it writes, commits and checkpoints. */
static long long
cr_admin_delay(void)
{
	long long t = cr_median(cr.t_admin, cr.n_admin);
	unsigned pick = (unsigned)(cr_random() % 20);

	if (cr.n_admin < 3 || pick < 2)
		return -1;
	if (pick < 11)
		return cr_between(0, t + t / 10);
	return cr_between(t / 2, t + t / 10);
}

static void
cr_args(struct cr_run *run, int n, ...)
{
	va_list ap;

	va_start(ap, n);
	for (int i = 0; i < n; i++) {
		snprintf(run->args[i], sizeof(run->args[i]), "%s", va_arg(ap, const char *));
		run->argv[i] = run->args[i];
	}
	va_end(ap);
	run->argv[n] = NULL;
}

/* An admin command on a random churn user, and the state it must leave when it is done. */
static void
cr_plan_admin(struct cr_run *run)
{
	int k = (int)(cr_random() % CR_CHURN_USERS);
	struct cr_churn *c = &cr.churn[k];
	char secret[40], id[32];
	unsigned pick = (unsigned)(cr_random() % 10);

	memset(run, 0, sizeof(*run));
	run->kind = CR_ADMIN;
	run->churn = c;
	run->before = run->expect = *c;
	snprintf(run->churn_name, sizeof(run->churn_name), "churn%d", k);
	for (int i = 0; i < 32; i++)
		secret[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[cr_random() % 32];
	secret[32] = '\0';
	if (!c->exists)
		run->op = CR_ADD_NEW;
	else if (pick < 4 && c->n < CR_MAX_METHODS)
		run->op = CR_ADD;
	else if (pick < 7 && c->n >= 2)
		run->op = CR_DELETE_METHOD;
	else if (pick < 9 && c->n >= 2)
		run->op = CR_DEFAULT;
	else
		run->op = CR_DELETE_USER;
	switch (run->op) {
	case CR_ADD_NEW:
	case CR_ADD:
		cr_args(run, 10, cr.admin, "-c", cr.env.conf, "method", "add", run->churn_name,
			"app", "--secret", secret, "--no-verify");
		if (cr_random() % 2) {
			run->argv[10] = run->args[10];
			snprintf(run->args[10], sizeof(run->args[10]), "--hotp");
			run->argv[11] = NULL;
		}
		run->expect.exists = 1;
		run->expect.n++; /* the new id and default are read back (see cr_admin_done) */
		break;
	case CR_DELETE_METHOD: {
		int i = (int)(cr_random() % (unsigned)c->n);
		run->target = c->ids[i];
		snprintf(id, sizeof(id), "%lld", c->ids[i]);
		cr_args(run, 8, cr.admin, "-c", cr.env.conf, "method", "delete", run->churn_name,
			id, "--yes");
		memmove(&run->expect.ids[i], &run->expect.ids[i + 1],
			(size_t)(c->n - i - 1) * sizeof(c->ids[0]));
		run->expect.n--;
		break;
	}
	case CR_DEFAULT: {
		int i = (int)(cr_random() % (unsigned)c->n);
		snprintf(id, sizeof(id), "%lld", c->ids[i]);
		cr_args(run, 7, cr.admin, "-c", cr.env.conf, "method", "default", run->churn_name,
			id);
		run->expect.def = c->ids[i];
		break;
	}
	default:
		cr_args(run, 7, cr.admin, "-c", cr.env.conf, "user", "delete", run->churn_name,
			"--yes");
		run->expect.exists = 0;
		break;
	}
	run->kill_at = cr_admin_delay();
}

/* A free TOTP user: one whose last accepted step is older than the current one. */
static struct cr_user *
cr_free_totp(long long step)
{
	unsigned first = (unsigned)(cr_random() % CR_TOTP_USERS);

	for (unsigned i = 0; i < CR_TOTP_USERS; i++) {
		struct cr_user *u = &cr.totp[(first + i) % CR_TOTP_USERS];
		if (!u->busy && u->counter < step)
			return u;
	}
	return NULL;
}

static void
cr_plan_signin(struct cr_run *run, int lane, int calibrating)
{
	long long step = (long long)time(NULL) / 30;
	unsigned pick = (unsigned)(cr_random() % 20);

	memset(run, 0, sizeof(*run));
	run->kind = CR_RIGHT;
	run->user = &cr.hotp[lane];
	run->code_counter = run->user->counter + 1;
	if (!calibrating && pick < 7 && cr_free_totp(step) != NULL) {
		run->user = cr_free_totp(step);
		run->code_counter = step;
	} else if (!calibrating && pick < 13)
		run->kind = CR_WRONG;
	if (run->kind == CR_WRONG)
		cr_wrong_code(run->user, run->code);
	else
		snprintf(run->code, sizeof(run->code), "%s", cr_code(run->code_counter));
	run->user->busy = 1;
	cr_args(run, 1, "sign-in");
	run->kill_at = calibrating ? -1 : cr_signin_delay();
}

/* ---- judging a batch ------------------------------------------------------------------------ */

static enum cr_phase
cr_signin_phase(const struct cr_run *run, int committed)
{
	if (run->answered < 0)
		return CR_BEFORE_ANSWER;
	if (run->returned < 0)
		return committed ? CR_AFTER_COMMIT : CR_BEFORE_COMMIT;
	return CR_AFTER_RESULT;
}

/* A sign-in against what the database now holds; updates the model. Returns 1 when the try
 * was committed. */
static int
cr_judge_signin(sqlite3 *db, struct cr_run *run)
{
	struct cr_user *u = run->user;
	const char *what = run->replay ? "replay" : run->kind == CR_WRONG ? "wrong code" : "code";
	long long counter, failures;
	int committed, unchanged;

	cr_db_user(db, u->name, &counter, &failures);
	unchanged = counter == u->counter && failures == u->failures;
	if (run->kind == CR_WRONG || (run->replay && run->code_counter <= u->counter))
		/* a wrong code, or a code already accepted: counted, nothing else changes */
		committed = counter == u->counter && failures == u->failures + 1;
	else
		committed = counter == run->code_counter && failures == 0;
	if (!committed && !unchanged)
		cr_violation("%s %s (counter %lld): neither all nor nothing: counter %lld -> %lld, "
			     "failures %lld -> %lld",
			     u->name, what, run->code_counter, u->counter, counter, u->failures,
			     failures);
	if (!run->killed && !WIFEXITED(run->status))
		cr_violation("%s %s: the run died (status %d)", u->name, what, run->status);
	if ((run->returned >= 0 || !run->killed) && !committed)
		cr_violation("%s %s: pam_authenticate returned %d but the try is not in the "
			     "database (counter %lld, failures %lld -> %lld)",
			     u->name, what, run->rc, counter, u->failures, failures);
	if (run->answered < 0 && committed)
		cr_violation("%s %s: counted although killed before the code was typed", u->name,
			     what);
	if (run->returned >= 0 && run->kind == CR_RIGHT && !run->replay && run->rc != PAM_SUCCESS)
		cr_violation("%s: a right code got %d", u->name, run->rc);
	if (run->returned >= 0 && run->kind == CR_WRONG && run->rc != PAM_AUTH_ERR)
		cr_violation("%s: a wrong code got %d", u->name, run->rc);
	u->counter = counter;
	u->failures = failures;
	return committed;
}

/* An admin command against what the database now holds: the state before it, or the whole
 * change it makes (an add: one more method and the old ones kept; a delete of a method: the
 * others kept, and a new default when the default went; a default; a user deleted). */
static void
cr_judge_admin(sqlite3 *db, struct cr_run *run)
{
	struct cr_churn now, want = run->expect;
	int done, unchanged;

	cr_db_churn(db, run->churn_name, &now);
	unchanged = cr_churn_equal(&now, &run->before);
	if (run->op == CR_ADD_NEW || run->op == CR_ADD) {
		done = now.exists && now.n == run->before.n + 1;
		for (int i = 0; done && i < run->before.n; i++)
			done = now.ids[i] == run->before.ids[i];
		done = done && (run->before.def == 0 || now.def == run->before.def);
	} else {
		if (run->op == CR_DELETE_METHOD && run->before.def == run->target && now.exists)
			for (int i = 0; i < now.n; i++)
				if (now.ids[i] == now.def)
					want.def = now.def; /* chosen again among the others */
		done = cr_churn_equal(&now, &want);
	}
	if (now.exists && now.def != 0) {
		int found = 0;
		for (int i = 0; i < now.n; i++)
			found |= now.ids[i] == now.def;
		if (!found)
			cr_violation("%s: the default %lld is none of the user's methods",
				     run->churn_name, now.def);
	}
	if (!done && !unchanged)
		cr_violation("secinfo-admin %s %s %s: neither all nor nothing (%d methods, default "
			     "%lld -> %d methods, default %lld)",
			     run->argv[3], run->argv[4], run->churn_name, run->before.n,
			     run->before.def, now.n, now.def);
	if (!run->killed && !(WIFEXITED(run->status) && WEXITSTATUS(run->status) == 0)) {
		char err[512] = "";
		FILE *f = fopen(cr.admin_err, "r");
		if (f != NULL) {
			size_t got = fread(err, 1, sizeof(err) - 1, f);
			err[got] = '\0';
			fclose(f);
		}
		cr_violation("secinfo-admin %s %s %s failed (status %d): %s", run->argv[3],
			     run->argv[4], run->churn_name, run->status, err);
	} else if (!run->killed && !done)
		cr_violation("secinfo-admin %s %s %s exited 0 but its change is not there",
			     run->argv[3], run->argv[4], run->churn_name);
	if (run->killed)
		cr.phases[done ? CR_ADMIN_DONE : CR_ADMIN_NOT_DONE]++;
	else if (WIFEXITED(run->status)) {
		cr.t_admin[cr.n_admin % CR_SAMPLES] = run->exited;
		cr.n_admin++;
	}
	*run->churn = now;
}

/* Counts and learns from a batch's sign-in; queues a replay of a right code. */
static void
cr_account_signin(struct cr_run *run, int committed, struct cr_run *replay)
{
	if (run->killed) {
		cr.kills++;
		cr.kills_signin++;
		cr.doing[0][run->doing]++;
		if (run->doing == CR_IN_WAL_SYNC && committed)
			cr.wal_sync_committed++;
		cr.phases[cr_signin_phase(run, committed)]++;
	} else {
		cr.not_killed++;
		if (run->answered >= 0 && run->returned >= 0 && run->ended >= 0) {
			cr.t_answer[cr.n_signin % CR_SAMPLES] = run->answered;
			cr.t_return[cr.n_signin % CR_SAMPLES] = run->returned;
			cr.t_end[cr.n_signin % CR_SAMPLES] = run->ended;
			cr.n_signin++;
		}
	}
	if (run->kind == CR_WRONG) {
		cr.wrong_runs++;
		if (committed)
			cr.wrong_counted++;
		else
			cr.wrong_killed_uncounted++;
		return;
	}
	cr.right_runs++;
	*replay = *run;
	replay->replay = 1;
	replay->kill_at = -1;
}

/* ---- the test ------------------------------------------------------------------------------ */

static void
cr_setup_users(void)
{
	for (int i = 0; i < CR_LANES; i++) {
		snprintf(cr.hotp[i].name, sizeof(cr.hotp[i].name), "hotp%d", i);
		pt_enroll_app(&cr.env, cr.hotp[i].name, 1);
		cr.hotp[i].counter = -1;
	}
	for (int i = 0; i < CR_TOTP_USERS; i++) {
		snprintf(cr.totp[i].name, sizeof(cr.totp[i].name), "totp%02d", i);
		pt_enroll_app(&cr.env, cr.totp[i].name, 0);
		cr.totp[i].counter = -1;
	}
}

/* One batch: the sign-in lanes and an admin command at once, each with its kill delay; then
 * the checks, then the replays of every right code (never killed), then the checks again. */
static void
cr_batch(int calibrating)
{
	struct cr_run runs[CR_RUNS], replays[CR_LANES];
	static unsigned batch_number;
	int n_replays = 0;
	unsigned uncommitted;
	int unindexed;
	sqlite3 *db;
	struct stat st;

	for (int i = 0; i < CR_LANES; i++)
		cr_plan_signin(&runs[i], i, calibrating);
	cr_plan_admin(&runs[CR_LANES]);
	if (calibrating)
		runs[CR_LANES].kill_at = -1;
	cr_batch_run(runs, CR_RUNS);

	/* What the killed ones left for the next to open the database: frames in the -wal, and
	 * maybe frames after its last commit frame. */
	if (stat(cr.wal, &st) == 0 && st.st_size > 32)
		cr.wal_frames_left++;
	uncommitted = cr_wal_left(&unindexed);
	if (uncommitted > 0) {
		cr.cut_short++;
		cr.cut_short_frames += uncommitted;
	}
	cr.unindexed += (unsigned)unindexed;
	/* Every other batch, the module opens it first (an account check, which writes nothing),
	 * else this test's own connection does. */
	if (batch_number++ % 2 == 1) {
		struct cr_run account = {.kind = CR_ACCOUNT, .user = &cr.hotp[0], .kill_at = -1};
		cr_args(&account, 1, "account");
		cr_batch_run(&account, 1);
		cr.module_first++;
		if (account.rc != PAM_SUCCESS)
			cr_violation("the first module to open the database after the kills: "
				     "pam_acct_mgmt returned %d",
				     account.rc);
	}
	db = cr_db_open();
	cr_db_verify(db, "after a batch of kills");
	for (int i = 0; i < CR_LANES; i++) {
		int committed = cr_judge_signin(db, &runs[i]);
		cr_account_signin(&runs[i], committed, &replays[n_replays]);
		if (runs[i].kind == CR_RIGHT)
			n_replays++;
		runs[i].user->busy = 0;
	}
	cr_judge_admin(db, &runs[CR_LANES]);
	if (runs[CR_LANES].killed) {
		cr.kills++;
		cr.kills_admin++;
		cr.doing[1][runs[CR_LANES].doing]++;
	} else
		cr.not_killed++;
	sqlite3_close(db);
	if (n_replays == 0)
		return;

	/* Every right code again, by a run that is not killed: refused when the first try was
	 * committed, else accepted once, and then refused. */
	for (int round = 0; round < 2 && n_replays > 0; round++) {
		int again = 0;
		cr_batch_run(replays, n_replays);
		db = cr_db_open();
		cr_db_verify(db, "after the replays");
		for (int i = 0; i < n_replays; i++) {
			int accepted,
				was_used = replays[i].code_counter <= replays[i].user->counter;
			cr_judge_signin(db, &replays[i]);
			accepted = replays[i].rc == PAM_SUCCESS;
			cr.replays++;
			if (was_used && accepted)
				cr_violation("%s: code %lld accepted again", replays[i].user->name,
					     replays[i].code_counter);
			if (!was_used && !accepted)
				cr_violation("%s: code %lld, never committed, refused (%d)",
					     replays[i].user->name, replays[i].code_counter,
					     replays[i].rc);
			if (accepted) {
				cr.replays_accepted++;
				replays[again++] = replays[i]; /* it must now be refused */
			} else
				cr.replays_refused++;
		}
		sqlite3_close(db);
		n_replays = again;
	}
}

/* At the end: a sample of the codes accepted during the test, tried once more. */
static void
cr_sweep(void)
{
	struct cr_run runs[CR_LANES];
	int n = 0;

	for (int k = 0; k < 4; k++) {
		n = 0;
		for (int i = 0; i < CR_LANES; i++) {
			struct cr_user *u =
				k == 0 ? &cr.hotp[i] : &cr.totp[(k * CR_LANES + i) % CR_TOTP_USERS];
			if (u->counter < 0)
				continue;
			memset(&runs[n], 0, sizeof(runs[n]));
			runs[n].kind = CR_RIGHT;
			runs[n].replay = 1;
			runs[n].user = u;
			runs[n].code_counter = u->counter - (long long)(cr_random() % 3);
			if (runs[n].code_counter < 0)
				runs[n].code_counter = u->counter;
			snprintf(runs[n].code, sizeof(runs[n].code), "%s",
				 cr_code(runs[n].code_counter));
			cr_args(&runs[n], 1, "sweep");
			runs[n++].kill_at = -1;
		}
		cr_batch_run(runs, n);
		sqlite3 *db = cr_db_open();
		cr_db_verify(db, "at the end");
		for (int i = 0; i < n; i++) {
			cr_judge_signin(db, &runs[i]);
			cr.sweeps++;
			if (runs[i].rc == PAM_SUCCESS)
				cr_violation("%s: code %lld accepted again at the end",
					     runs[i].user->name, runs[i].code_counter);
		}
		sqlite3_close(db);
	}
}

int
main(int argc, char **argv)
{
	const char *dir = getenv("SECINFO_TEST_DIR"), *top = getenv("top_builddir");
	const char *kills_env = getenv("SECINFO_CRASH_KILLS"), *seed = getenv("SECINFO_CRASH_SEED");
	unsigned target = kills_env != NULL ? (unsigned)strtoul(kills_env, NULL, 10) : 400;
	long long started;
	unsigned batches = 0;

	if (dir == NULL) {
		/* No lockout in the way of the counts: every failure stays counted. */
		pt_setup(&cr.env, "[policy]\ntries = 1\nmax_failures = 1000\n[app]\nwindow = 1\n");
		pt_service(&cr.env, CR_SERVICE, "");
		pt_wrap(&cr.env, argc, argv); /* does not return */
	}
	if (secinfo_crypto_init() != 0)
		return 99;
	pt_adopt(&cr.env, dir);
	snprintf(cr.env.module, sizeof(cr.env.module), "%s/tests/testbuild/.libs/pam_secinfo.so",
		 top != NULL ? top : ".");
	snprintf(cr.db, sizeof(cr.db), "%s/db/secinfo.db", dir);
	snprintf(cr.wal, sizeof(cr.wal), "%s-wal", cr.db);
	snprintf(cr.admin_err, sizeof(cr.admin_err), "%s/admin.err", dir);
	snprintf(cr.admin, sizeof(cr.admin), "%s/tests/testbuild/secinfo-admin",
		 top != NULL ? top : ".");
	cr.rng = seed != NULL ? strtoull(seed, NULL, 10) : (unsigned long long)cr_now() ^ getpid();
	if (cr.rng == 0)
		cr.rng = 1;
	printf("# seed %llu (SECINFO_CRASH_SEED), %u kills wanted (SECINFO_CRASH_KILLS)\n", cr.rng,
	       target);
	cr_setup_users();

	started = cr_now();
	for (int i = 0; i < 4; i++)
		cr_batch(1); /* not killed: how long each phase takes */
	printf("# not killed, a sign-in answered after %lld us, returned after %lld us, ended "
	       "after "
	       "%lld us; secinfo-admin took %lld us\n",
	       cr_median(cr.t_answer, cr.n_signin), cr_median(cr.t_return, cr.n_signin),
	       cr_median(cr.t_end, cr.n_signin), cr_median(cr.t_admin, cr.n_admin));
	while (cr.kills < target && cr_now() - started < CR_TIME_CAP_US && cr.violations < 20) {
		cr_batch(0);
		batches++;
	}
	cr_sweep();

	printf("# %u batches in %.1f s: %u kills (%u sign-ins, %u secinfo-admin), %u runs not "
	       "killed\n",
	       batches, (double)(cr_now() - started) / 1e6, cr.kills, cr.kills_signin,
	       cr.kills_admin, cr.not_killed);
	for (int i = 0; i < CR_PHASES; i++)
		printf("#   %4u %s\n", cr.phases[i], cr_phase_names[i]);
	for (int k = 0; k < 2; k++) {
		printf("# %s killed while:", k == 0 ? "sign-ins" : "secinfo-admin");
		for (int i = 0; i < CR_DOINGS; i++)
			if (cr.doing[k][i] > 0)
				printf(" %s %u;", cr_doing_names[i], cr.doing[k][i]);
		putchar('\n');
	}
	printf("# of the %u sign-ins killed while syncing the -wal, %u were found committed "
	       "afterwards, the others not: either is allowed, none had returned\n",
	       cr.doing[0][CR_IN_WAL_SYNC], cr.wal_sync_committed);
	printf("# %u times the -wal held a whole commit that its -shm index did not list: the next "
	       "open rebuilt the index from the -wal\n",
	       cr.unindexed);
	printf("# after %u batches the module opened the database first (pam_acct_mgmt: success), "
	       "after the others this test's connection\n",
	       cr.module_first);
	printf("# %u integrity and foreign key checks; the first open after a batch found frames "
	       "in the -wal %u times, and a commit cut short (%u frames written after the last "
	       "commit frame) %u times\n",
	       cr.checks, cr.wal_frames_left, cr.cut_short_frames, cr.cut_short);
	printf("# right codes: %u; tried again: %u (%u refused, %u accepted once: never "
	       "committed); "
	       "%u old codes tried at the end, all refused\n",
	       cr.right_runs, cr.replays, cr.replays_refused, cr.replays_accepted, cr.sweeps);
	printf("# wrong codes: %u, %u counted, %u killed before they were counted\n", cr.wrong_runs,
	       cr.wrong_counted, cr.wrong_killed_uncounted);
	printf("# timing now: answered %lld us, returned %lld us, ended %lld us; admin %lld us\n",
	       cr_median(cr.t_answer, cr.n_signin), cr_median(cr.t_return, cr.n_signin),
	       cr_median(cr.t_end, cr.n_signin), cr_median(cr.t_admin, cr.n_admin));

	CHECK(cr.violations == 0, "no violation of the crash rules (%u)", cr.violations);
	CHECK(cr.kills >= target, "%u kills (at least %u)", cr.kills, target);
	CHECK(cr.phases[CR_BEFORE_COMMIT] > 0 &&
		      cr.phases[CR_AFTER_COMMIT] + cr.phases[CR_AFTER_RESULT] > 0,
	      "sign-ins were killed both before and after their commit (%u, %u)",
	      cr.phases[CR_BEFORE_COMMIT], cr.phases[CR_AFTER_COMMIT] + cr.phases[CR_AFTER_RESULT]);
	CHECK(cr.phases[CR_ADMIN_NOT_DONE] > 0 && cr.phases[CR_ADMIN_DONE] > 0,
	      "secinfo-admin was killed both before and after its commit (%u, %u)",
	      cr.phases[CR_ADMIN_NOT_DONE], cr.phases[CR_ADMIN_DONE]);
	CHECK(cr.replays_refused > 0 && cr.wrong_counted > 0, "codes were replayed and refused, "
							      "failures counted");
	return check_summary();
}
