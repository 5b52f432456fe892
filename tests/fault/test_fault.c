/*
 * Fault injection (issue 9): every scenario below runs once per injection point, with one
 * failure injected, and no run may fail open, crash, hang or leave a counter wrong.
 *
 * How. tests/fault/fault.sh sets up a configuration, a database (the template) and the
 * loopback SMS gateway and SMTP server, then runs this program with tests/fault/inject.c
 * preloaded. For each scenario and each class of calls (inject.h: memory,
 * file I/O, sqlite prepare/step/exec/open, a column read back as NULL, libsodium, liboath,
 * pam_get_item/pam_get_user/pam_get_data/pam_set_data, libfido2, the conversation failing,
 * the conversation giving no reply) it runs the scenario with the Nth call of that class failed,
 * N = 1, 2, ... until a run injects nothing (the class had fewer than N calls).
 *
 * The bound: memory calls are thousands per sign-in that sends a code (libcurl and OpenSSL
 * start in every run), so for the memory class N takes only the first call of each distinct
 * call stack (FAULT_SITE_DEPTH return addresses) of the uninjected run, then the number past
 * the last call (which must inject nothing); FAULT_MEM_ALL=1 fails every memory call instead
 * (22,413 runs, eleven minutes on two cores). Every other class is swept in full.
 * What is not injected, because no real system fails that way (inject.c says why): the calls
 * sqlite makes to its own API inside sqlite3_exec (the exec fails as a whole), the canary
 * check of libsodium's sodium_free, and NULL in locked_until, default_method and last_used,
 * where NULL is a value with a meaning, not damage.
 *
 * Against PostgreSQL (FAULT_BACKEND=postgresql: tests/fault/fault_pg.sh, the test server of
 * tests/pg/). The configuration is tests/pg/lib.sh's (TLS verify-full, scram) on a database of the
 * test's own; the scenarios marked .pg below (a right and a wrong app code, a code sent by SMS, a
 * locked account, a user not enrolled with and without nullok; FAULT_ONLY runs any other too:
 * chauthtok-sms-app and reset-email-questions pass, and would add 40 s) run with the classes pq
 * (inject.h: each libpq call of libsecinfo/store_pg.c as libpq fails, and the poll() on its
 * socket), null (PQgetisnull/PQgetvalue/PQgetlength of a column), memory (libpq and OpenSSL
 * allocate too), file I/O (the password file) and the conversation; the sqlite class is not swept
 * there, nor pq in the sqlite mode. Before each run the tables and sequences are put back from the
 * copy in the schema fault_saved (fault_pg_prepare: one transaction, 4.5 ms), and the rules below
 * read the database through libpq; a read for rule 4 is a SELECT whose result came back whole, and
 * rule 4 counts them (the failed call came after as many reads as the uninjected run made, or one
 * more read worked after it) instead of comparing call numbers, which vary (below). The memory
 * calls of libpq's connect (most of them OpenSSL's handshake: about 600 call stacks) are failed in
 * the first scenario only: every scenario connects the same way. A statement's wait (PQsocket,
 * PQflush, PQconsumeInput, poll) repeats as the server's answer arrives: each of its calls is
 * counted once per statement (inject.c), so that the Nth pq call is the same from run to run
 * (unless an answer is there before the first wait, which then needs no poll); the Nth memory call
 * may still differ now and then, as libpq allocates what arrives. Not injected: the memory calls of
 * libpq's BIO_set_ex_data, whose failure libpq 15 ignores and then crashes on (inject.c). A
 * scenario whose uninjected run counts no libpq call or read fails: the injector must reach the
 * store (store_pg.c loads libpq with dlopen; the test build takes a preloaded definition first). In
 * sanitizer builds (FAULT_PG_FEWER) only app-right, app-wrong, sms and unenrolled-nullok with pq
 * and null: a run takes three times as long there, and the memory class counts nothing (above).
 *
 * Each run is a child process (fork) that runs a real PAM transaction (pam_authenticate,
 * pam_acct_mgmt or pam_chauthtok) on a service whose only module is the injector's relay
 * (inject.h), which calls the test build's module and keeps its exact return code (no stack
 * control flag hides it). The service files are read from the test's directory by libpam's
 * own pam_start_confdir (Linux-PAM 1.4), which is what pam_wrapper does on this libpam: under
 * pam_wrapper every forked child would set up a /tmp/pam.X directory of its own (its fork
 * handler forgets the parent's), thousands per sweep, and two processes that pick the same
 * name share one (pam_wrapper ignores the failed mkdir) and read each other's services. Only the calls that the module's entry point makes
 * are counted and failed: the relay arms the injector around that call, in that thread.
 * Before each run the database is a fresh copy of the template and the gateways' logs are
 * empty, so runs are independent. In sanitizer builds every run is watched by ASan, UBSan
 * and LeakSanitizer at its exit (FAULT_LEAK_EVERY=K: the leak check in every K-th run only);
 * a run whose LeakSanitizer tracer itself fails ("Tracer caught signal 11") is repeated once
 * without the leak check, and the harness says how many were.
 *
 * The pass/fail rule of one run, with R its PAM code and B the scenario's outcome without
 * injection (the first run of each scenario, which must be B):
 *  1. The child ends by returning R (exit status 64 + R): a signal (a crash), a sanitizer's
 *     exit status or the time limit (FAULT_TIME_LIMIT seconds: a hang) fails.
 *  2. B is a failure (wrong code, locked account, not enrolled without nullok): R is neither
 *     PAM_SUCCESS nor PAM_IGNORE.
 *  3. B is PAM_SUCCESS: R = PAM_IGNORE fails (the user is enrolled: "not enrolled" with nullok
 *     would skip the second factor). R = PAM_SUCCESS passes only if the database proves that
 *     the success was real: the user's failures are 0, the method's last use is recorded, an
 *     audit row says "success", and what was accepted is spent: for the app, the method's
 *     counter is the accepted TOTP step; for codes sent, no code is left for the user.
 *  4. B is PAM_IGNORE (not enrolled, nullok): R = PAM_SUCCESS fails; R = PAM_IGNORE passes
 *     only if the "not enrolled" came from the database, not from the failure: the failed call
 *     came after the last database read of the uninjected run (a step of a read-only
 *     statement; the enrollment lookup is the last), or a read worked after the failed
 *     call. The app scenarios have nullok as well: for their enrolled user any PAM_IGNORE
 *     fails (rules 2 and 3), whatever the failure made the module read.
 *  5. Counters, every run: each answer the user was told was wrong ("Wrong code", "Not all
 *     answers were right") is counted in the user's failures; R = PAM_AUTH_ERR for an enrolled
 *     user after [policy] tries - 1 answers were told wrong (the last try decides) means every
 *     try was counted and an audit row says "failure" ("denied" when the last try was refused
 *     for another reason, such as a security key that did not verify its user; a PAM_AUTH_ERR
 *     of another cause, such as pam_get_user or pam_get_data failing, has no answer to count);
 *     R = PAM_MAXTRIES means the user is locked; a locked user stays locked; a code that
 *     reached the gateway or the mail server is counted toward max_sends_per_hour.
 * It prints, per scenario and class, the number of injection points exercised (runs that
 * failed a call), and the total. Exit 0 when every run passed, 1 otherwise.
 *
 * Environment (fault.sh sets it): FAULT_CONF, FAULT_DB, FAULT_TEMPLATE, FAULT_MODULE,
 * FAULT_INJECT, FAULT_GW_LOG, FAULT_SMTP_LOG, FAULT_PAM_DIR; against PostgreSQL FAULT_BACKEND and
 * FAULT_PG_CONNINFO (the harness's own connection) instead of FAULT_DB and FAULT_TEMPLATE.
 * Optional: FAULT_ONLY (a scenario) and FAULT_CLASS (a class) run a part, FAULT_N=N only the run
 * that fails call N, FAULT_VERBOSE=1 prints every run, FAULT_MEM_ALL=1 (above),
 * FAULT_BACKTRACE=1 prints a crash's backtrace on standard error (without a sanitizer),
 * FAULT_TRANSCRIPT=1 the conversation.
 */
#include "config.h"

#include <dlfcn.h>
#include <link.h>
#include <execinfo.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_modules.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include "inject.h"

#define FAULT_TIME_LIMIT 30
#define FAULT_TRIES      3 /* [policy] tries in fault.sh's configuration */
#define FAULT_SECRET     "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

static const char *const fault_class_names[FAULT_NCLASSES] = {
	"mem", "io", "sqlite", "pq", "null", "sodium", "oath", "pam", "fido", "conv", "conv-null"};

enum fault_entry { ENTRY_AUTH, ENTRY_ACCOUNT, ENTRY_CHAUTHTOK };

/* What a scenario's conversation answers and what its success must leave in the database. */
struct fault_scenario {
	const char *name;
	enum fault_entry entry;
	const char *user;
	const char *args; /* module arguments after config= */
	int expect;       /* the outcome without injection */
	int right_code;   /* answer code prompts with the right code (else a wrong one) */
	int enrolled;     /* the user has methods: AUTH_ERR must have counted every try */
	const char *kind; /* the method whose use a success must record */
	int sends;        /* the scenario sends a code (sms, email) */
	int local;        /* no PAM_RHOST: a security key is usable (key scenarios) */
	int pg; /* also run against the PostgreSQL store (FAULT_BACKEND=postgresql): 1, and 2 in
		 * sanitizer builds too (FAULT_PG_FEWER) */
};

static const struct fault_scenario fault_scenarios[] = {
	{"app-right", ENTRY_AUTH, "alice", "nullok", PAM_SUCCESS, 1, 1, "app", 0, 0, 2},
	{"app-wrong", ENTRY_AUTH, "alice", "nullok", PAM_AUTH_ERR, 0, 1, "app", 0, 0, 2},
	{"sms", ENTRY_AUTH, "bob", "", PAM_SUCCESS, 1, 1, "sms", 1, 0, 2},
	{"reset-email-questions", ENTRY_AUTH, "carol", "purpose=reset", PAM_SUCCESS, 1, 1,
	 "questions", 1, 0, 0},
	{"account-locked", ENTRY_ACCOUNT, "dave", "", PAM_PERM_DENIED, 0, 1, NULL, 0, 0, 1},
	{"chauthtok-sms-app", ENTRY_CHAUTHTOK, "erin", "", PAM_SUCCESS, 1, 1, "app", 1, 0, 0},
	{"unenrolled", ENTRY_AUTH, "nobody", "", PAM_AUTH_ERR, 0, 0, NULL, 0, 0, 1},
	{"unenrolled-nullok", ENTRY_AUTH, "nobody", "nullok", PAM_IGNORE, 0, 0, NULL, 0, 0, 2},
	/* A security key (SPEC 11), played by tests/fido/softfido.so when fault.sh found it
	 * (FAULT_KEY_STATE): the injected calls include libfido2's and the key's own. */
	{"key-right", ENTRY_AUTH, "frank", "nullok", PAM_SUCCESS, 1, 1, "key", 0, 1, 0},
	{"key-wrong", ENTRY_AUTH, "frank", "nullok", PAM_AUTH_ERR, 0, 1, "key", 0, 1, 0},
};

/* The PIN of frank's key (fault.sh), and the key's state file and its template. */
#define FAULT_KEY_PIN "1234"
static const char *fault_key_state, *fault_key_template;

/* The security questions of fault.sh and their answers. */
static const char *const fault_answers[][2] = {{"first pet", "Rex"},
					       {"city were you born", "Amsterdam"},
					       {"favourite animal", "Blue whale"}};

/* What the child's conversation saw; shared with the harness. */
struct fault_conv {
	const struct fault_scenario *scenario;
	int prompts, answers, wrong_told; /* answers: codes and answers typed */
	char right[16];                   /* the current TOTP code */
	char sent[16]; /* the sent code already typed: a second prompt is the app's */
};

/* The database's counters for a scenario's user after a run. */
struct fault_counters {
	long long failures, locked_until, counter, last_used;
	long long codes, sends, audit_success, audit_failure;
};

static struct fault_state *fault;
/* The injector's functions, found in the preload (the harness does not link it). */
static void (*inject_reset)(int, long);
static int (*inject_hit)(int, const char *);
static struct fault_conv *fault_conv_shared;
static void *fault_module;
static const char *fault_conf, *fault_db, *fault_template, *fault_gw_log, *fault_smtp_log;
/* FAULT_BACKEND=postgresql: the harness's connection to the store's database, and the
 * statement that puts it back as the template was (fault_pg_prepare). NULL: sqlite. */
static PGconn *fault_pg;
/* libpq, loaded by its soname as the store loads it (libsecinfo/store_pg.c; the sqlite mode
 * never loads it), its functions taken from it directly (not the injector's). */
#define FAULT_PQ_FUNCTIONS(X)                                                                      \
	X(PQclear)                                                                                 \
	X(PQconnectdb)                                                                             \
	X(PQerrorMessage)                                                                          \
	X(PQexec)                                                                                  \
	X(PQexecParams)                                                                            \
	X(PQfinish)                                                                                \
	X(PQgetisnull)                                                                             \
	X(PQgetvalue)                                                                              \
	X(PQntuples)                                                                               \
	X(PQresultStatus)                                                                          \
	X(PQstatus)
static struct {
#define FAULT_PQ_MEMBER(name) __typeof__(name) *name;
	FAULT_PQ_FUNCTIONS(FAULT_PQ_MEMBER)
#undef FAULT_PQ_MEMBER
} pq;
/* FAULT_PG_FEWER=1 (fault.sh sets it in sanitizer builds, where a run takes three times as
 * long): against PostgreSQL only the scenarios marked .pg = 2 and the classes pq and null; the
 * uninstrumented run covers the rest. */
static int fault_pg_fewer;
static char *fault_pg_reset;
static char fault_run_log[1100];  /* the standard error of the last run */
static const char *fault_pam_dir; /* the service files */
static int fault_verbose;
/* The last database read of the scenario's uninjected run (inject.h: last_read_seq). */
static long fault_baseline_read;
/* PostgreSQL: the reads of the scenario's uninjected run (inject.h: reads). */
static long fault_baseline_reads;
static long fault_failed_runs, fault_tool_retries;
static struct fault_counters fault_last_after; /* the counters after the last run */
static long long fault_last_step;              /* the TOTP step of the last run's code */
static int fault_no_leak_check;                /* the next run ends with _exit: no leak check */
/* FAULT_LEAK_EVERY=K: only every K-th run ends with exit (and a sanitizer build's leak check),
 * the others with _exit. */
static long fault_leak_every = 1, fault_runs, fault_leak_checked;

static void
fault_die(const char *what)
{
	fprintf(stderr, "test_fault: %s: %s\n", what, strerror(errno));
	exit(99);
}

static const char *
fault_env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL || v[0] == '\0') {
		fprintf(stderr, "test_fault: %s is not set (run tests/fault/fault.sh)\n", name);
		exit(99);
	}
	return v;
}

/* ---- files ------------------------------------------------------------------------------- */
static void
fault_copy(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY | O_CLOEXEC), out;

	if (in < 0)
		fault_die(from);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (out < 0)
		fault_die(to);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			fault_die(to);
	if (n < 0 || close(out) != 0)
		fault_die(to);
	close(in);
}

/* ---- the PostgreSQL store ----------------------------------------------------------------- */
/* Runs SQL (no parameters) on the harness's connection, or dies; returns the result. */
static PGresult *
fault_pg_exec(const char *sql)
{
	PGresult *res = pq.PQexec(fault_pg, sql);

	if (pq.PQresultStatus(res) != PGRES_COMMAND_OK &&
	    pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "test_fault: %.200s: %s", sql, pq.PQerrorMessage(fault_pg));
		exit(99);
	}
	return res;
}

/* The store's tables, each before those that refer to it. A table the schema has and this list
 * has not would keep what one run wrote for the next: fault_pg_prepare refuses to go on. */
static const char *const fault_pg_tables[] = {"meta",  "users",     "methods", "codes",
					      "sends", "questions", "answers", "audit"};
#define FAULT_PG_NTABLES (sizeof(fault_pg_tables) / sizeof(fault_pg_tables[0]))

static void fault_pg_append(char **sql, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fault_pg_append(char **sql, size_t *len, const char *fmt, ...)
{
	va_list ap;
	char piece[512];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(piece, sizeof(piece), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(piece))
		fault_die("a statement too long");
	*sql = realloc(*sql, *len + (size_t)n + 1);
	if (*sql == NULL)
		fault_die("realloc");
	memcpy(*sql + *len, piece, (size_t)n + 1);
	*len += (size_t)n;
}

/*
 * The template of the PostgreSQL mode: the database as fault.sh left it, dave locked, saved in
 * the schema fault_saved of the same database; fault_pg_reset puts every table and sequence
 * back in one transaction before each run. Measured on the test server (100 resets): deleting
 * and refilling the tables 4.5 ms a reset, TRUNCATE and refilling 77 ms, DROP DATABASE and
 * CREATE DATABASE ... TEMPLATE 120 ms.
 */
static void
fault_pg_prepare(void)
{
	char *sql = NULL, list[512];
	size_t len = 0, pos = 0;
	PGresult *res, *seqs;

	for (size_t i = 0; i < FAULT_PG_NTABLES; i++)
		pos += (size_t)snprintf(list + pos, sizeof(list) - pos, "%s'%s'", i ? ", " : "",
					fault_pg_tables[i]);
	fault_pg_append(&sql, &len,
			"SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename"
			" NOT IN ('secinfo_schema', %s)",
			list);
	res = fault_pg_exec(sql);
	if (pq.PQntuples(res) > 0) {
		fprintf(stderr,
			"test_fault: the table %s is not put back between runs: add it to "
			"fault_pg_tables\n",
			pq.PQgetvalue(res, 0, 0));
		exit(99);
	}
	pq.PQclear(res);
	len = 0;
	fault_pg_append(&sql, &len,
			"BEGIN; UPDATE users SET locked_until = CAST(extract(epoch FROM now()) AS"
			" bigint) + 86400 WHERE name = 'dave'; DROP SCHEMA IF EXISTS fault_saved"
			" CASCADE; CREATE SCHEMA fault_saved;");
	for (size_t i = 0; i < FAULT_PG_NTABLES; i++)
		fault_pg_append(&sql, &len, " CREATE TABLE fault_saved.%s AS SELECT * FROM %s;",
				fault_pg_tables[i], fault_pg_tables[i]);
	fault_pg_append(&sql, &len, " COMMIT");
	pq.PQclear(fault_pg_exec(sql));
	/* The reset: children emptied first, parents filled first, the sequences as they were. */
	len = 0;
	fault_pg_append(&sql, &len, "BEGIN;");
	for (size_t i = FAULT_PG_NTABLES; i-- > 0;)
		fault_pg_append(&sql, &len, " DELETE FROM %s;", fault_pg_tables[i]);
	for (size_t i = 0; i < FAULT_PG_NTABLES; i++)
		fault_pg_append(&sql, &len, " INSERT INTO %s SELECT * FROM fault_saved.%s;",
				fault_pg_tables[i], fault_pg_tables[i]);
	seqs = fault_pg_exec("SELECT quote_ident(relname) FROM pg_class WHERE relkind = 'S' AND"
			     " relnamespace = 'public'::regnamespace");
	for (int i = 0; i < pq.PQntuples(seqs); i++) {
		char query[256];
		snprintf(query, sizeof(query), "SELECT last_value, is_called FROM %s",
			 pq.PQgetvalue(seqs, i, 0));
		res = fault_pg_exec(query);
		fault_pg_append(&sql, &len, " SELECT setval('%s', %s, %s);",
				pq.PQgetvalue(seqs, i, 0), pq.PQgetvalue(res, 0, 0),
				strcmp(pq.PQgetvalue(res, 0, 1), "t") == 0 ? "true" : "false");
		pq.PQclear(res);
	}
	pq.PQclear(seqs);
	fault_pg_append(&sql, &len, " COMMIT");
	fault_pg_reset = sql;
}

/* A fresh database (the template, no WAL) and empty gateway logs. */
static void
fault_reset_files(void)
{
	char path[1024];

	if (fault_pg != NULL) {
		pq.PQclear(fault_pg_exec(fault_pg_reset));
	} else {
		snprintf(path, sizeof(path), "%s-wal", fault_db);
		unlink(path);
		snprintf(path, sizeof(path), "%s-shm", fault_db);
		unlink(path);
		fault_copy(fault_template, fault_db);
	}
	if (fault_key_state != NULL)
		fault_copy(fault_key_template, fault_key_state); /* the key as registered */
	if (truncate(fault_gw_log, 0) != 0 || truncate(fault_smtp_log, 0) != 0)
		fault_die("truncate the gateway logs");
}

/* The code in the last message that LOG received ("... code is 123456"), or "". */
static void
fault_code_from_log(const char *log, char *code, size_t size)
{
	char text[65536], *at = NULL, *p;
	ssize_t n;
	size_t len = 0;
	int fd = open(log, O_RDONLY | O_CLOEXEC);

	code[0] = '\0';
	if (fd < 0)
		return;
	while ((n = read(fd, text + len, sizeof(text) - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	text[len] = '\0';
	for (p = strstr(text, "code is "); p != NULL; p = strstr(p + 1, "code is "))
		at = p + strlen("code is ");
	if (at != NULL)
		snprintf(code, size, "%.*s", (int)strspn(at, "0123456789"), at);
}

/* Whether the last run's standard error contains TEXT. */
static int
fault_log_has(const char *text)
{
	char line[1024];
	FILE *f = fopen(fault_run_log, "r");
	int found = 0;

	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, text) != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

/* Prints the last run's standard error, without pam_wrapper's and LeakSanitizer's chatter. */
static void
fault_log_print(void)
{
	char line[1024];
	FILE *f = fopen(fault_run_log, "r");
	int n = 0;

	while (f != NULL && n < 40 && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "PWRAP_", 6) == 0 || strncmp(line, "---", 3) == 0 ||
		    strstr(line, "Suppressions used") != NULL || strstr(line, "count ") != NULL ||
		    strstr(line, "libpam_wrapper.so") != NULL || line[0] == '\n')
			continue;
		printf("    | %s", line);
		n++;
	}
	if (f != NULL)
		fclose(f);
}

/* Whether LOG received anything. */
static int
fault_log_used(const char *log)
{
	FILE *f = fopen(log, "r");
	int used = f != NULL && fgetc(f) != EOF;

	if (f != NULL)
		fclose(f);
	return used;
}

/* The TOTP code of STEP, from oathtool (cached: one per step). */
static void
fault_totp(long long step, char code[16])
{
	static long long cached_step = -1;
	static char cached[16];
	char cmd[256];
	FILE *p;

	if (step != cached_step) {
		snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD oathtool --totp -b %s --now @%lld",
			 FAULT_SECRET, step * 30);
		p = popen(cmd, "r");
		if (p == NULL || fgets(cached, sizeof(cached), p) == NULL)
			fault_die("oathtool");
		pclose(p);
		cached[strcspn(cached, "\n")] = '\0';
		cached_step = step;
	}
	snprintf(code, 16, "%s", cached);
}

/* ---- the conversation ------------------------------------------------------------------- */
/* The answer to PROMPT in the scenario; NULL: none (a NULL reply). */
static char *
fault_answer(struct fault_conv *c, const char *prompt)
{
	char code[16];

	c->prompts++;
	if (strstr(prompt, "Press Enter") != NULL)
		return strdup("");
	if (strstr(prompt, "Choose a number") != NULL)
		return strdup("1");
	for (size_t i = 0; i < sizeof(fault_answers) / sizeof(fault_answers[0]); i++)
		if (strstr(prompt, fault_answers[i][0]) != NULL) {
			c->answers++;
			return strdup(fault_answers[i][1]);
		}
	if (strstr(prompt, "PIN for your security key") != NULL) {
		c->answers++;
		return strdup(c->scenario->right_code ? FAULT_KEY_PIN : "0000");
	}
	if (strstr(prompt, "code") == NULL)
		return NULL;
	c->answers++;
	if (!c->scenario->right_code)
		return strdup(strcmp(c->right, "000000") == 0 ? "111111" : "000000");
	/* The code that was sent, else the app's. */
	fault_code_from_log(fault_gw_log, code, sizeof(code));
	if (code[0] == '\0')
		fault_code_from_log(fault_smtp_log, code, sizeof(code));
	if (code[0] != '\0' && strcmp(code, c->sent) != 0) {
		snprintf(c->sent, sizeof(c->sent), "%s", code);
		return strdup(code);
	}
	return strdup(c->right);
}

static int
fault_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct fault_conv *c = data;
	struct pam_response *r;

	if (inject_hit(FAULT_CONV, "conversation"))
		return PAM_CONV_ERR;
	if (inject_hit(FAULT_CONV_NULL, "conversation (no reply)")) {
		*resp = NULL;
		return PAM_SUCCESS;
	}
	fault->paused = 1; /* our own work is not the module's */
	r = calloc((size_t)n, sizeof(*r));
	for (int i = 0; r != NULL && i < n; i++) {
		int style = msg[i]->msg_style;
		if (getenv("FAULT_TRANSCRIPT") != NULL)
			fprintf(stderr, "conv[%d]: %s\n", style, msg[i]->msg);
		if (style == PAM_ERROR_MSG && (strncmp(msg[i]->msg, "Wrong", 5) == 0 ||
					       strncmp(msg[i]->msg, "Not all answers", 15) == 0))
			c->wrong_told++;
		if (style == PAM_PROMPT_ECHO_OFF || style == PAM_PROMPT_ECHO_ON)
			r[i].resp = fault_answer(c, msg[i]->msg);
	}
	fault->paused = 0;
	if (r == NULL)
		return PAM_BUF_ERR;
	*resp = r;
	return PAM_SUCCESS;
}

/* ---- one run ----------------------------------------------------------------------------- */
/* A crash in the child: where, on stderr (fault.sh shows it), then the signal as it was. */
static void
fault_crash_handler(int sig)
{
	void *frames[32];
	int n = backtrace(frames, 32);

	backtrace_symbols_fd(frames, n, 2);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* In the child: one PAM transaction through libpam and the relay (inject.h), the module's
 * code as the exit status. */
static void
fault_child(const struct fault_scenario *s)
{
	struct pam_conv pc = {fault_conv_fn, fault_conv_shared};
	pam_handle_t *pamh = NULL;
	int rc;

	int err = open(fault_run_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (err < 0 || dup2(err, 2) < 0)
		_exit(99);
	alarm(FAULT_TIME_LIMIT);
	if (getenv("FAULT_BACKTRACE") != NULL) {
		signal(SIGSEGV, fault_crash_handler);
		signal(SIGBUS, fault_crash_handler);
		signal(SIGABRT, fault_crash_handler);
	}
	/* As every PAM client does before it authenticates (sshd, sudo, login and passwd look the
	 * user up), and before injection: glibc's name service then has its configuration. A
	 * failed malloc while glibc first reads it asserts inside glibc (nss_database.c), a crash
	 * no caller of getpwnam_r can prevent; the module's own lookup is injected like any call. */
	(void)getpwnam(s->user);
	if (pam_start_confdir(s->name, s->user, &pc, fault_pam_dir, &pamh) != PAM_SUCCESS)
		_exit(99);
	if (!s->local)
		pam_set_item(pamh, PAM_RHOST, "198.51.100.7");
	rc = s->entry == ENTRY_AUTH      ? pam_authenticate(pamh, 0)
	     : s->entry == ENTRY_ACCOUNT ? pam_acct_mgmt(pamh, 0)
					 : pam_chauthtok(pamh, 0);
	pam_end(pamh, rc);
	/* exit, not _exit: a leak checker runs at exit. 63: the module was never called. */
	if (fault_no_leak_check)
		_exit(64 + fault->module_rc);
	exit(64 + fault->module_rc);
}

/* Writes the service file of each scenario: the relay, the module and its arguments. */
static void
fault_services(void)
{
	const char *dir = fault_pam_dir;
	const char *inject = fault_env("FAULT_INJECT"), *module = fault_env("FAULT_MODULE");
	char path[1024];
	FILE *f;

	for (size_t i = 0; i < sizeof(fault_scenarios) / sizeof(fault_scenarios[0]); i++) {
		const struct fault_scenario *s = &fault_scenarios[i];
		snprintf(path, sizeof(path), "%s/%s", dir, s->name);
		f = fopen(path, "w");
		if (f == NULL)
			fault_die(path);
		fprintf(f, "auth required %s module=%s config=%s %s\n", inject, module, fault_conf,
			s->args);
		fprintf(f, "account required %s module=%s config=%s %s\n", inject, module,
			fault_conf, s->args);
		fprintf(f, "password required %s module=%s config=%s %s\n", inject, module,
			fault_conf, s->args);
		if (fclose(f) != 0)
			fault_die(path);
	}
}

/* ---- the database's counters -------------------------------------------------------------- */
/* The first column of the first row of SQL, with ?1 the user: NULL is -1, no row -2. The SQL
 * is written once for both backends, as the store's is (?N is $N to PostgreSQL). */
static long long
fault_query(sqlite3 *db, const char *sql, const char *user)
{
	sqlite3_stmt *stmt = NULL;
	long long v = -2;

	if (fault_pg != NULL) {
		const char *values[1] = {user};
		char text[512];
		PGresult *res;

		snprintf(text, sizeof(text), "%s", sql);
		for (char *p = text; *p != '\0'; p++)
			if (*p == '?' && p[1] >= '1' && p[1] <= '9')
				*p = '$';
		res = pq.PQexecParams(fault_pg, text, 1, NULL, values, NULL, NULL, 0);
		if (pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "test_fault: %s: %s", text, pq.PQerrorMessage(fault_pg));
			exit(99);
		}
		if (pq.PQntuples(res) > 0)
			v = pq.PQgetisnull(res, 0, 0) ? -1
						      : strtoll(pq.PQgetvalue(res, 0, 0), NULL, 10);
		pq.PQclear(res);
		return v;
	}
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		fprintf(stderr, "test_fault: %s: %s\n", sql, sqlite3_errmsg(db));
		exit(99);
	}
	sqlite3_bind_text(stmt, 1, user, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? -1
								: sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
fault_counters(const char *path, const struct fault_scenario *s, struct fault_counters *c)
{
	sqlite3 *db = NULL;
	char sql[512];

	if (fault_pg == NULL) {
		if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
			fault_die("open the database");
		sqlite3_busy_timeout(db, 5000);
	}
	c->failures = fault_query(db, "SELECT failures FROM users WHERE name = ?1", s->user);
	c->locked_until =
		fault_query(db, "SELECT locked_until FROM users WHERE name = ?1", s->user);
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM methods m JOIN users u ON u.id = m.user_id WHERE u.name = ?1"
		 " AND m.kind = '%s'",
		 "counter", s->kind != NULL ? s->kind : "");
	c->counter = fault_query(db, sql, s->user);
	snprintf(sql, sizeof(sql),
		 "SELECT %s FROM methods m JOIN users u ON u.id = m.user_id WHERE u.name = ?1"
		 " AND m.kind = '%s'",
		 "last_used", s->kind != NULL ? s->kind : "");
	c->last_used = fault_query(db, sql, s->user);
	c->codes = fault_query(db,
			       "SELECT count(*) FROM codes c JOIN methods m ON m.id = c.method_id"
			       " JOIN users u ON u.id = m.user_id WHERE u.name = ?1",
			       s->user);
	c->sends = fault_query(
		db,
		"SELECT count(*) FROM sends s JOIN users u ON u.id = s.user_id WHERE u.name = ?1",
		s->user);
	/* The decisions' rows (the steps of a sign-in, such as wrong or code-sent, and the
	 * notices have rows of their own). */
	c->audit_success =
		fault_query(db,
			    "SELECT count(*) FROM audit WHERE \"user\" = ?1 AND result = "
			    "'success' AND event IN ('auth', 'password')",
			    s->user);
	/* A last try refused for another reason than a wrong answer (a security key that did
	 * not verify its user) is decided as denied. */
	c->audit_failure =
		fault_query(db,
			    "SELECT count(*) FROM audit WHERE \"user\" = ?1 AND result IN "
			    "('failure', 'denied') AND event IN ('auth', 'password')",
			    s->user);
	sqlite3_close(db);
}

/* ---- the rule ---------------------------------------------------------------------------- */
static const char *
fault_pam_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_IGNORE: return "PAM_IGNORE";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_MAXTRIES: return "PAM_MAXTRIES";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_BUF_ERR: return "PAM_BUF_ERR";
	case PAM_AUTHINFO_UNAVAIL: return "PAM_AUTHINFO_UNAVAIL";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	default: return "another PAM code";
	}
}

/* Checks one finished run against rules 2 to 5; returns NULL or what is wrong. */
static const char *
fault_judge(const struct fault_scenario *s, int rc, const struct fault_counters *before,
	    const struct fault_counters *after, long long step, int sent)
{
	const struct fault_conv *c = fault_conv_shared;
	int locked = after->locked_until > (long long)time(NULL);

	if (s->expect != PAM_SUCCESS && s->expect != PAM_IGNORE &&
	    (rc == PAM_SUCCESS || rc == PAM_IGNORE))
		return "fail-open: success or ignore where a failure was due";
	if (s->expect == PAM_SUCCESS && rc == PAM_IGNORE)
		return "fail-open: PAM_IGNORE for an enrolled user";
	if (s->expect == PAM_IGNORE && rc == PAM_SUCCESS)
		return "fail-open: PAM_SUCCESS for a user who is not enrolled";
	if (s->expect == PAM_IGNORE && rc == PAM_IGNORE && fault->injected_seq != 0 &&
	    (fault_pg != NULL ? fault->reads_at_injection < fault_baseline_reads &&
					fault->reads == fault->reads_at_injection
			      : fault->injected_seq <= fault_baseline_read &&
					fault->last_read_seq < fault->injected_seq))
		return "PAM_IGNORE, and the failed call came before the enrollment was read and "
		       "no read worked after it";
	if (rc == PAM_SUCCESS) {
		if (after->failures != 0)
			return "success left failures counted";
		if (after->last_used < 0)
			return "success did not record the method's last use";
		if (after->audit_success != before->audit_success + 1)
			return "success without its audit row";
		if (strcmp(s->kind, "app") == 0 && after->counter != step)
			return "success did not record the accepted TOTP step";
		if (strcmp(s->kind, "key") == 0 && after->counter <= before->counter)
			return "success did not record the key's grown signature counter";
		if (s->sends && after->codes != 0)
			return "success left the code unspent";
	}
	if (rc != PAM_SUCCESS && s->enrolled && !locked &&
	    after->failures < before->failures + c->wrong_told)
		return "an answer the user was told was wrong is not counted";
	if (rc == PAM_AUTH_ERR && s->enrolled && c->wrong_told == FAULT_TRIES - 1 && !locked &&
	    (after->failures < before->failures + FAULT_TRIES ||
	     after->audit_failure != before->audit_failure + 1))
		return "PAM_AUTH_ERR without every try counted and its audit row";
	if (rc == PAM_MAXTRIES && !locked)
		return "PAM_MAXTRIES but the user is not locked";
	if (before->locked_until > (long long)time(NULL) &&
	    after->locked_until != before->locked_until)
		return "a locked user's lock changed";
	if (sent && after->sends <= before->sends)
		return "a code left the machine without being counted toward max_sends_per_hour";
	return NULL;
}

/* Runs scenario S with the call number N of class TARGET failed (TARGET -1: none). Returns
 * the PAM code, or -1 when the run failed rule 1; *VERDICT gets what was wrong or NULL. */
static int
fault_run(const struct fault_scenario *s, int target, long n, const struct fault_counters *before,
	  const char **verdict)
{
	static char why[160];
	struct fault_counters after;
	long long step;
	int status, rc, sent, tool_retried = 0;
	pid_t pid;

again:
	fault_reset_files();
	if (!tool_retried) /* every FAULT_LEAK_EVERY-th run ends with the leak check */
		fault_no_leak_check = fault_runs % fault_leak_every != 0;
	step = (long long)time(NULL) / 30;
	memset(fault_conv_shared, 0, sizeof(*fault_conv_shared));
	fault_conv_shared->scenario = s;
	fault_totp(step, fault_conv_shared->right);
	inject_reset(target, n);
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		fault_die("fork");
	if (pid == 0)
		fault_child(s);
	if (waitpid(pid, &status, 0) != pid)
		fault_die("waitpid");
	*verdict = NULL;
	/* LeakSanitizer's own tracer fails at exit after some runs (it stops the threads to
	 * scan them; "Tracer caught signal 11"): not a finding about the module. The same run
	 * again, ending with _exit, so without the leak check (ASan and UBSan still watch it). */
	fault_runs++;
	fault_leak_checked += !fault_no_leak_check;
	if (!(WIFEXITED(status) && WEXITSTATUS(status) >= 64 && WEXITSTATUS(status) <= 127) &&
	    fault_log_has("LeakSanitizer has encountered a fatal error") && !tool_retried) {
		fault_leak_checked--;
		tool_retried = 1;
		fault_no_leak_check = 1;
		fault_tool_retries++;
		goto again;
	}
	if (WIFSIGNALED(status)) {
		snprintf(why, sizeof(why), "%s (signal %d)",
			 WTERMSIG(status) == SIGALRM ? "hang: over the time limit" : "crash",
			 WTERMSIG(status));
		*verdict = why;
		return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) < 64 || WEXITSTATUS(status) > 127) {
		snprintf(why, sizeof(why), "abnormal exit %d (%s)", WEXITSTATUS(status),
			 WEXITSTATUS(status) == 63 ? "the module was never called"
						   : "a sanitizer report?");
		*verdict = why;
		return -1;
	}
	rc = WEXITSTATUS(status) - 64;
	/* What left the machine was logged by the gateways before they answered. */
	sent = s->sends && (fault_log_used(fault_gw_log) || fault_log_used(fault_smtp_log));
	fault_counters(fault_db, s, &after);
	fault_last_after = after;
	fault_last_step = step;
	*verdict = fault_judge(s, rc, before, &after, step, sent);
	return rc;
}

/* ---- the sweep ----------------------------------------------------------------------------- */
static int
fault_wanted(const char *env, const char *name)
{
	const char *want = getenv(env);

	return want == NULL || want[0] == '\0' || strcmp(want, name) == 0;
}

static void
fault_report(const struct fault_scenario *s, int target, long n, int rc, const char *verdict)
{
	fault_failed_runs++;
	printf("FAIL: %s, %s call %ld (%s) failed: %s -> %s\n", s->name,
	       target < 0 ? "no" : fault_class_names[target], n,
	       fault->injected_name[0] ? fault->injected_name : "-",
	       rc < 0 ? "-" : fault_pam_name(rc), verdict);
	if (fault_failed_runs > 10)
		return;
	/* What the database held after the run, and what the run said (a sanitizer's report). */
	printf("    | after: failures %lld locked_until %lld counter %lld (step %lld) last_used "
	       "%lld "
	       "codes %lld sends %lld audit success %lld failure %lld; told wrong %d, prompts %d\n",
	       fault_last_after.failures, fault_last_after.locked_until, fault_last_after.counter,
	       fault_last_step, fault_last_after.last_used, fault_last_after.codes,
	       fault_last_after.sends, fault_last_after.audit_success,
	       fault_last_after.audit_failure, fault_conv_shared->wrong_told,
	       fault_conv_shared->prompts);
	fault_log_print();
}

/* The memory calls to fail: the first of each distinct call stack (inject.h, FAULT_SITE_DEPTH
 * return addresses) in the uninjected run, or all of them with FAULT_MEM_ALL=1. */
static long fault_mem_first[FAULT_SITES_MAX], fault_mem_n, fault_mem_calls;
static int fault_mem_all;
/* FAULT_N=N: only the run that fails call N (of FAULT_CLASS), its standard error shown with
 * FAULT_VERBOSE=1. Against PostgreSQL call N may differ from run to run (a wait on the socket
 * is one call or several, as the answer arrives). */
static long fault_only_n;

static int
fault_cmp_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* The call stacks of libpq's connect already failed in an earlier scenario (PostgreSQL): the
 * connection is made the same way, from the same configuration, at the start of every scenario,
 * so its memory calls (most of them OpenSSL's handshake) are failed in the first scenario only. */
static unsigned fault_connect_done[FAULT_SITES_MAX];
static size_t fault_connect_n, fault_connect_skipped;

static void
fault_mem_plan(long calls)
{
	static unsigned seen[FAULT_SITES_MAX], connect_new[FAULT_SITES_MAX];
	static unsigned skipped[FAULT_SITES_MAX];
	size_t n_seen = 0, n_new = 0, n_skipped = 0;

	fault_mem_calls = calls;
	fault_mem_n = 0;
	for (long i = 0; i < calls && i < FAULT_SITES_MAX; i++) {
		unsigned key = fault->sites[i];
		if (n_seen > 0 && bsearch(&key, seen, n_seen, sizeof(seen[0]), fault_cmp_unsigned))
			continue;
		if (fault->site_in_connect[i] && fault_connect_n > 0 &&
		    bsearch(&key, fault_connect_done, fault_connect_n, sizeof(key),
			    fault_cmp_unsigned)) {
			/* counted once per call stack */
			if (n_skipped == 0 ||
			    !bsearch(&key, skipped, n_skipped, sizeof(key), fault_cmp_unsigned)) {
				skipped[n_skipped++] = key;
				qsort(skipped, n_skipped, sizeof(key), fault_cmp_unsigned);
				fault_connect_skipped++;
			}
			continue;
		}
		if (fault->site_in_connect[i])
			connect_new[n_new++] = key;
		fault_mem_first[fault_mem_n++] = i + 1;
		seen[n_seen++] = key;
		qsort(seen, n_seen, sizeof(seen[0]), fault_cmp_unsigned);
	}
	for (size_t i = 0; i < n_new && fault_connect_n < FAULT_SITES_MAX; i++)
		fault_connect_done[fault_connect_n++] = connect_new[i];
	qsort(fault_connect_done, fault_connect_n, sizeof(unsigned), fault_cmp_unsigned);
}

/* Whether class K is swept: against sqlite every class but libpq's, as it always was; against
 * PostgreSQL the store's (pq, null) and those that reach it from around (memory: libpq and
 * OpenSSL allocate; file I/O: the password file; the conversation). */
static int
fault_class_swept(int k)
{
	if (fault_pg == NULL)
		return k != FAULT_PQ;
	if (fault_pg_fewer)
		return k == FAULT_PQ || k == FAULT_NULL;
	return k == FAULT_PQ || k == FAULT_NULL || k == FAULT_MEM || k == FAULT_IO ||
	       k == FAULT_CONV || k == FAULT_CONV_NULL;
}

/* Runs scenario S under every class; returns the number of injection points. */
static long
fault_scenario_sweep(const struct fault_scenario *s)
{
	struct fault_counters before;
	const char *verdict = NULL;
	long points[FAULT_NCLASSES] = {0}, total = 0;
	char line[512];
	size_t pos;
	int rc;

	fault_reset_files();
	fault_counters(fault_db, s, &before);
	fault->record_sites = 1;
	rc = fault_run(s, -1, 0, &before, &verdict);
	fault->record_sites = 0;
	if (rc != s->expect || verdict != NULL) {
		fault_report(s, -1, 0, rc, verdict != NULL ? verdict : "not the expected outcome");
		return 0;
	}
	/* Against PostgreSQL the store's calls must reach the injector, or the sweep proves
	 * nothing about them. */
	if (fault_pg != NULL && (fault->calls[FAULT_PQ] == 0 || fault->reads == 0)) {
		fault_report(s, -1, 0, rc,
			     "no libpq call or read reached the injector (inject.c; the test "
			     "build's SECINFO_TEST_PQ_PRELOAD, libsecinfo/store_pg.c)");
		return 0;
	}
	fault_baseline_read = fault->last_read_seq;
	fault_baseline_reads = fault->reads;
	fault_mem_plan(fault->calls[FAULT_MEM]);
	for (int k = 0; k < FAULT_NCLASSES; k++) {
		if (!fault_class_swept(k) || !fault_wanted("FAULT_CLASS", fault_class_names[k]))
			continue;
		for (long n = fault_only_n > 0 ? fault_only_n : 1, i = 0;; n++) {
			/* Memory: only the first call of each call stack (fault_mem_plan). */
			if (k == FAULT_MEM && !fault_mem_all && fault_only_n == 0)
				n = i < fault_mem_n ? fault_mem_first[i++] : fault_mem_calls + 1;
			int past_plan = k == FAULT_MEM && !fault_mem_all && i >= fault_mem_n &&
					n == fault_mem_calls + 1;
			rc = fault_run(s, k, n, &before, &verdict);
			if (fault->injected_seq == 0) {
				/* Nothing failed: the class has fewer than N calls. The run must
				 * then be the uninjected one. */
				if (rc != s->expect || verdict != NULL)
					fault_report(s, k, n, rc,
						     verdict ? verdict : "uninjected run differs");
				break;
			}
			points[k]++;
			if (fault_verbose)
				printf("    %s %s %ld %s: %s%s%s\n", s->name, fault_class_names[k],
				       n, fault->injected_name, rc < 0 ? "-" : fault_pam_name(rc),
				       verdict ? " FAIL " : "", verdict ? verdict : "");
			if (verdict != NULL)
				fault_report(s, k, n, rc, verdict);
			else if (fault_only_n > 0 && fault_verbose)
				fault_log_print();
			if (n > 100000 || past_plan || fault_only_n > 0)
				break; /* a run with more calls than planned, or the one asked for */
		}
		total += points[k];
	}
	pos = (size_t)snprintf(line, sizeof(line), "%-22s %6ld points:", s->name, total);
	for (int k = 0; k < FAULT_NCLASSES && pos < sizeof(line); k++)
		if (fault_class_swept(k))
			pos += (size_t)snprintf(line + pos, sizeof(line) - pos, " %s %ld",
						fault_class_names[k], points[k]);
	printf("fault: %s\n", line);
	fflush(stdout);
	return total;
}

/* Locks dave in the template (the account scenario). */
static void
fault_template_prepare(void)
{
	sqlite3 *db = NULL;

	if (sqlite3_open_v2(fault_template, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
	    sqlite3_exec(db,
			 "UPDATE users SET locked_until = CAST(strftime('%s', 'now') AS INTEGER)"
			 " + 86400 WHERE name = 'dave';",
			 NULL, NULL, NULL) != SQLITE_OK)
		fault_die("prepare the template");
	sqlite3_close(db);
}

/* Finds the code of the software key (tests/fido/softfido.so) for dl_iterate_phdr. */
static int
fault_key_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	if (info->dlpi_name == NULL || strstr(info->dlpi_name, "/softfido.so") == NULL)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		unsigned long lo = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X))
			continue;
		fault->device_lo = lo;
		fault->device_hi = lo + ph->p_memsz;
	}
	return 1;
}

/* The software key is a device, not our process's code: a real key computes on the key. What
 * its code calls (OpenSSL, libcbor, its state file) is neither counted nor failed (inject.h:
 * device_lo); libfido2's calls and the module's are. */
static void
fault_key_prepare(void)
{
	if (fault_key_state == NULL)
		return;
	dl_iterate_phdr(fault_key_object, NULL);
	if (fault->device_hi == 0)
		fault_die("the software key (softfido.so) is not loaded");
}

int
main(void)
{
	long total = 0, scenarios = 0;
	time_t started = time(NULL);

	fault_conf = fault_env("FAULT_CONF");
	fault_gw_log = fault_env("FAULT_GW_LOG");
	fault_smtp_log = fault_env("FAULT_SMTP_LOG");
	fault_pam_dir = fault_env("FAULT_PAM_DIR");
	if (getenv("FAULT_BACKEND") != NULL && strcmp(getenv("FAULT_BACKEND"), "postgresql") == 0) {
		/* The store's database: the configuration's, reached as the module does */
		void *libpq = dlopen(SECINFO_PQ_SONAME, RTLD_NOW | RTLD_LOCAL);
		if (libpq == NULL) {
			fprintf(stderr, "test_fault: %s\n", dlerror());
			return 99;
		}
#define FAULT_PQ_RESOLVE(name)                                                                     \
	if ((*(void **)&pq.name = dlsym(libpq, #name)) == NULL) {                                  \
		fprintf(stderr, "test_fault: %s\n", dlerror());                                    \
		return 99;                                                                         \
	}
		FAULT_PQ_FUNCTIONS(FAULT_PQ_RESOLVE)
#undef FAULT_PQ_RESOLVE
		fault_pg = pq.PQconnectdb(fault_env("FAULT_PG_CONNINFO"));
		if (pq.PQstatus(fault_pg) != CONNECTION_OK) {
			fprintf(stderr, "test_fault: cannot connect to the test database: %s",
				pq.PQerrorMessage(fault_pg));
			return 99;
		}
		snprintf(fault_run_log, sizeof(fault_run_log), "%s.stderr", fault_pam_dir);
		fault_pg_fewer = getenv("FAULT_PG_FEWER") != NULL;
	} else {
		fault_db = fault_env("FAULT_DB");
		fault_template = fault_env("FAULT_TEMPLATE");
		snprintf(fault_run_log, sizeof(fault_run_log), "%s.stderr", fault_template);
	}
	fault_key_state = getenv("FAULT_KEY_STATE");
	fault_key_template = getenv("FAULT_KEY_TEMPLATE");
	if (fault_key_template == NULL)
		fault_key_state = NULL;
	fault_verbose = getenv("FAULT_VERBOSE") != NULL;
	fault_mem_all = getenv("FAULT_MEM_ALL") != NULL;
	if (getenv("FAULT_N") != NULL)
		fault_only_n = strtol(getenv("FAULT_N"), NULL, 10);
	if (getenv("FAULT_LEAK_EVERY") != NULL && strtol(getenv("FAULT_LEAK_EVERY"), NULL, 10) > 1)
		fault_leak_every = strtol(getenv("FAULT_LEAK_EVERY"), NULL, 10);
	{
		void *frame[1];
		backtrace(frame, 1); /* loads what backtrace needs before any crash */
	}
	{
		struct fault_state *(*get)(void) = NULL;
		*(void **)&get = dlsym(RTLD_DEFAULT, "fault_state");
		*(void **)&inject_reset = dlsym(RTLD_DEFAULT, "fault_reset");
		*(void **)&inject_hit = dlsym(RTLD_DEFAULT, "fault_hit");
		if (get == NULL || inject_reset == NULL || inject_hit == NULL) {
			fprintf(stderr, "test_fault: the injector is not preloaded\n");
			return 99;
		}
		fault = get();
	}
	fault_conv_shared = mmap(NULL, sizeof(*fault_conv_shared), PROT_READ | PROT_WRITE,
				 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fault_conv_shared == MAP_FAILED)
		fault_die("mmap");
	fault_module = dlopen(fault_env("FAULT_MODULE"), RTLD_NOW);
	if (fault_module == NULL) {
		fprintf(stderr, "test_fault: %s\n", dlerror());
		return 99;
	}
	if (fault_pg != NULL)
		fault_pg_prepare();
	else
		fault_template_prepare();
	fault_services();
	for (size_t i = 0; i < sizeof(fault_scenarios) / sizeof(fault_scenarios[0]); i++) {
		/* Against PostgreSQL the scenarios marked .pg, or the one FAULT_ONLY names */
		if (!fault_wanted("FAULT_ONLY", fault_scenarios[i].name) ||
		    (fault_pg != NULL && getenv("FAULT_ONLY") == NULL &&
		     fault_scenarios[i].pg < (fault_pg_fewer ? 2 : 1)))
			continue;
		if (fault_scenarios[i].kind != NULL &&
		    strcmp(fault_scenarios[i].kind, "key") == 0 && fault_key_state == NULL) {
			printf("fault: %s skipped: the software FIDO2 key is not built\n",
			       fault_scenarios[i].name);
			continue;
		}
		/* The key's code is told apart (a backtrace per call) only where a key is used. */
		fault->device_lo = fault->device_hi = 0;
		if (fault_scenarios[i].kind != NULL && strcmp(fault_scenarios[i].kind, "key") == 0)
			fault_key_prepare();
		total += fault_scenario_sweep(&fault_scenarios[i]);
		scenarios++;
	}
	if (fault_leak_every > 1)
		printf("fault: %ld of %ld runs ended with the leak check (FAULT_LEAK_EVERY=%ld)\n",
		       fault_leak_checked, fault_runs, fault_leak_every);
	if (fault_connect_skipped > 0)
		printf("fault: %zu call stacks of memory calls in libpq's connect not failed again "
		       "after the first scenario (summed over the scenarios)\n",
		       fault_connect_skipped);
	if (fault_tool_retries > 0)
		printf("fault: %ld runs repeated without the leak check after LeakSanitizer's "
		       "tracer failed\n",
		       fault_tool_retries);
	printf("fault: %ld injection points in %ld scenarios%s, %ld failed runs, %lld s\n", total,
	       scenarios, fault_pg != NULL ? " (PostgreSQL)" : "", fault_failed_runs,
	       (long long)(time(NULL) - started));
	if (fault_pg != NULL)
		pq.PQfinish(fault_pg);
	return fault_failed_runs == 0 && scenarios > 0 ? 0 : 1;
}
