/*
 * secinfo: the PostgreSQL path of the store (SPEC 16): the connection, taken from the
 * configuration alone, and every statement, with its waits bounded. The only file that
 * includes <libpq-fe.h>; store_sql.c chooses it, store.c opens and runs transactions with it.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "clock.h"
#include "crypto.h"
#include "error.h"
#include "safefile.h"
#include "store_sql.h"

/*
 * libpq, loaded by its soname when the first PostgreSQL store is opened (configure.ac): the
 * module does not link it, so that a sqlite sign-in never loads libpq and what it brings
 * (libssl, libcrypto, Kerberos, LDAP). Kept once loaded (RTLD_NODELETE), as libqrencode
 * (qr.c): libpq and OpenSSL keep state for the life of the process (libpq's BIO_METHOD
 * "libpq socket", OpenSSL's providers), which must not be unloaded with the module (linked
 * to it, pam_end's dlclose took libpq along, and LeakSanitizer reported that state). Every
 * libpq function this file calls is in this table, typed by <libpq-fe.h>.
 */
#define SECINFO_PQ_FUNCTIONS(X)                                                                    \
	X(PQclear)                                                                                 \
	X(PQcmdStatus)                                                                             \
	X(PQcmdTuples)                                                                             \
	X(PQconnectdbParams)                                                                       \
	X(PQconninfoFree)                                                                          \
	X(PQconninfoParse)                                                                         \
	X(PQconsumeInput)                                                                          \
	X(PQerrorMessage)                                                                          \
	X(PQfinish)                                                                                \
	X(PQflush)                                                                                 \
	X(PQfreemem)                                                                               \
	X(PQftype)                                                                                 \
	X(PQgetResult)                                                                             \
	X(PQgetisnull)                                                                             \
	X(PQgetlength)                                                                             \
	X(PQgetvalue)                                                                              \
	X(PQhost)                                                                                  \
	X(PQisBusy)                                                                                \
	X(PQnfields)                                                                               \
	X(PQntuples)                                                                               \
	X(PQresultErrorField)                                                                      \
	X(PQresultErrorMessage)                                                                    \
	X(PQresultStatus)                                                                          \
	X(PQsendQuery)                                                                             \
	X(PQsendQueryParams)                                                                       \
	X(PQsetNoticeProcessor)                                                                    \
	X(PQsetnonblocking)                                                                        \
	X(PQsocket)                                                                                \
	X(PQstatus)                                                                                \
	X(PQtransactionStatus)

static struct {
#define SECINFO_PQ_MEMBER(name) __typeof__(name) *name;
	SECINFO_PQ_FUNCTIONS(SECINFO_PQ_MEMBER)
#undef SECINFO_PQ_MEMBER
} secinfo_pq;
static int secinfo_pq_loaded; /* 1 loaded, -1 failed */
static pthread_once_t secinfo_pq_once = PTHREAD_ONCE_INIT;

/* The test build (Makefile.am: SECINFO_TEST_PQ_PRELOAD) takes a definition preloaded ahead of
 * libpq first: tests/fault/inject.c fails libpq's calls one at a time. The installed module
 * takes libpq's own, from the handle alone. */
static void *
secinfo_pq_symbol(void *handle, const char *name)
{
#ifdef SECINFO_TEST_PQ_PRELOAD
	void *preloaded = dlsym(RTLD_DEFAULT, name);

	if (preloaded != NULL)
		return preloaded;
#endif
	return dlsym(handle, name);
}

static void
secinfo_pq_load(void)
{
	void *handle = dlopen(SECINFO_PQ_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	void *sym;

	secinfo_pq_loaded = -1;
	if (handle == NULL)
		return;
#define SECINFO_PQ_RESOLVE(name)                                                                   \
	sym = secinfo_pq_symbol(handle, #name);                                                    \
	if (sym == NULL)                                                                           \
		return;                                                                            \
	memcpy(&secinfo_pq.name, &sym, sizeof(sym)); /* POSIX: a data-to-code pointer */
	SECINFO_PQ_FUNCTIONS(SECINFO_PQ_RESOLVE)
#undef SECINFO_PQ_RESOLVE
	secinfo_pq_loaded = 1;
}

/* The type oids (pg_type.h, which libpq does not install for clients; stable since 7.x). */
#define SECINFO_BYTEAOID 17
#define SECINFO_INT8OID  20
#define SECINFO_INT2OID  21
#define SECINFO_INT4OID  23
#define SECINFO_TEXTOID  25

/* The most results a script (the schema: one per statement) may answer with. */
#define SECINFO_PG_MAX_SCRIPT_RESULTS 1000

/* The most parameters a statement of the store takes. */
#define SECINFO_PG_MAX_PARAMS 16

/* What a statement may wait beyond busy_timeout: the server ends it at busy_timeout
 * (statement_timeout, lock_timeout); this is for the answer to travel. */
#define SECINFO_PG_MARGIN_MS 2000

/* The longest password file. */
#define SECINFO_PG_PASSWORD_MAX 1024

/*
 * The variables libpq reads besides those that its connection options name as envvar: the
 * service file and its directory, the message catalogue, and the settings it sends to the
 * server at startup (PGDATESTYLE, PGTZ, PGGEQO). They go before libpq is called at all.
 */
static const char *const secinfo_pg_more_env[] = {
	"PGSERVICE",   "PGSERVICEFILE", "PGSYSCONFDIR", "PGLOCALEDIR",
	"PGDATESTYLE", "PGTZ",          "PGGEQO",       NULL};

/* One removed variable: its name and value, put back after the connect. */
struct secinfo_pg_saved_env {
	char *name, *value;
};

/* The variables removed (at most), for secinfo_pg_env_restore. */
#define SECINFO_PG_MAX_ENV 96

struct secinfo_pg_env {
	struct secinfo_pg_saved_env saved[SECINFO_PG_MAX_ENV];
	size_t count;
	int failed;       /* out of memory or room: the connect must not go on */
	int require_auth; /* this libpq knows require_auth (16 and later) */
};

static void
secinfo_pg_env_remove(struct secinfo_pg_env *env, const char *name)
{
	const char *value = getenv(name);
	struct secinfo_pg_saved_env *s;

	if (value == NULL)
		return;
	for (size_t i = 0; i < env->count; i++)
		if (strcmp(env->saved[i].name, name) == 0)
			return;
	if (env->count == SECINFO_PG_MAX_ENV) {
		env->failed = 1;
		return;
	}
	s = &env->saved[env->count];
	s->name = strdup(name);
	s->value = strdup(value);
	if (s->name == NULL || s->value == NULL || unsetenv(name) != 0) {
		free(s->name);
		free(s->value);
		env->failed = 1;
		return;
	}
	env->count++;
}

/*
 * Removes every variable through which libpq would take a connection parameter from the
 * environment (the module runs in sudo and passwd, whose environment is the invoking user's):
 * secinfo_pg_more_env first, then every envvar of libpq's options, listed by
 * PQconninfoParse("") (which reads neither the environment nor a service file, unlike
 * PQconndefaults). Every parameter is given explicitly too; this also covers a parameter that
 * a later libpq adds. Notes which optional keywords this libpq knows. Returns 0, or
 * SECINFO_ERR_NOMEM (what was removed is put back by secinfo_pg_env_restore all the same).
 */
static int
secinfo_pg_env_clear(struct secinfo_pg_env *env)
{
	PQconninfoOption *options;
	char *err = NULL;

	for (size_t i = 0; secinfo_pg_more_env[i] != NULL; i++)
		secinfo_pg_env_remove(env, secinfo_pg_more_env[i]);
	options = secinfo_pq.PQconninfoParse("", &err);
	if (err != NULL)
		secinfo_pq.PQfreemem(err);
	if (options == NULL)
		return SECINFO_ERR_NOMEM;
	for (PQconninfoOption *o = options; o->keyword != NULL; o++) {
		if (o->envvar != NULL)
			secinfo_pg_env_remove(env, o->envvar);
		if (strcmp(o->keyword, "require_auth") == 0)
			env->require_auth = 1;
	}
	secinfo_pq.PQconninfoFree(options);
	/* libpq binds its message catalogue on its first translated message, reading
	 * PGLOCALEDIR then: that happens now, while the variable is gone, so that no later
	 * message (a lost connection, a DETAIL label) takes its format from the invoking
	 * user's catalogue. "x" is not a conninfo string: the error is a translated message. */
	err = NULL;
	options = secinfo_pq.PQconninfoParse("x", &err);
	if (options != NULL)
		secinfo_pq.PQconninfoFree(options);
	if (err != NULL)
		secinfo_pq.PQfreemem(err);
	return env->failed ? SECINFO_ERR_NOMEM : 0;
}

/* Puts every removed variable back exactly as it was. */
static void
secinfo_pg_env_restore(struct secinfo_pg_env *env)
{
	for (size_t i = 0; i < env->count; i++) {
		setenv(env->saved[i].name, env->saved[i].value, 1);
		free(env->saved[i].name);
		free(env->saved[i].value);
	}
	env->count = 0;
}

static void secinfo_pg_why(char *why, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
secinfo_pg_why(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	/* libpq's messages end in a newline: one line for the log */
	for (char *p = why; *p != '\0'; p++)
		if (*p == '\n')
			*p = (p[1] == '\0') ? '\0' : ' ';
}

/* Reads the password, checked like the key (root's, no access for group or others, no link,
 * a regular file): one line, the trailing newline dropped. Returns 0 and *password (guarded
 * memory: secinfo_secret_free), or a negative SECINFO_ERR_* code with WHY. */
static int
secinfo_pg_password(const struct secinfo_conf *conf, char **password, char *why, size_t size)
{
	const char *problem = NULL;
	size_t len = 0;
	int rc;

	rc = secinfo_file_read(conf->db_password_file, SECINFO_FILE_PRIVATE,
			       SECINFO_PG_PASSWORD_MAX, 1, password, &len, &problem);
	if (rc != 0) {
		secinfo_pg_why(why, size, "%s: %s", conf->db_password_file,
			       problem != NULL ? problem : secinfo_strerror(rc));
		return rc;
	}
	if (len > 0 && (*password)[len - 1] == '\n')
		(*password)[--len] = '\0';
	if (len == 0 || strchr(*password, '\n') != NULL || strlen(*password) != len) {
		secinfo_wipe(*password, len);
		secinfo_secret_free(*password);
		*password = NULL;
		secinfo_pg_why(why, size,
			       "%s: must hold the database password on one line (and nothing else)",
			       conf->db_password_file);
		return SECINFO_ERR_CONFIG;
	}
	return 0;
}

/* Checks sslrootcert like the configuration file (a CA that someone else may write lets them
 * stand in for the server): a regular file, root's, not writable by group or others, no
 * link. Returns 0 or a negative SECINFO_ERR_* code with WHY. */
static int
secinfo_pg_rootcert_check(const struct secinfo_conf *conf, char *why, size_t size)
{
	const char *problem = NULL;
	int rc = secinfo_file_check(conf->db_sslrootcert, SECINFO_FILE_PUBLIC_READ, NULL, &problem);

	if (rc != 0)
		secinfo_pg_why(
			why, size,
			"[database] sslrootcert %s: %s (it must be the database server's CA "
			"certificate: a regular file owned by root, not writable by group or "
			"others, not a symbolic link)",
			conf->db_sslrootcert, problem != NULL ? problem : secinfo_strerror(rc));
	return rc;
}

/* Drops a notice (NOTICE, WARNING from the server: "already exists, skipping"). */
static void
secinfo_pg_notice(void *data, const char *message)
{
	(void)data;
	(void)message;
}

int
secinfo_pg_connect(struct secinfo_store *store, char *why, size_t why_size)
{
	const struct secinfo_conf *conf = store->conf;
	struct secinfo_pg_env env;
	char timeout[24], options[256], tcp_timeout[24], *password = NULL;
	const char *keywords[32], *values[32];
	size_t n = 0;
	int rc;

	memset(&env, 0, sizeof(env));
	pthread_once(&secinfo_pq_once, secinfo_pq_load);
	if (secinfo_pq_loaded != 1) {
		secinfo_pg_why(
			why, why_size,
			"cannot load libpq (%s) for [database] backend = postgresql: install "
			"it (Debian package libpq5)",
			SECINFO_PQ_SONAME);
		return SECINFO_ERR_UNSUPPORTED;
	}
	if (conf->db_sslmode != SECINFO_SSL_DISABLE) {
		rc = secinfo_pg_rootcert_check(conf, why, why_size);
		if (rc != 0)
			return rc;
	}
	rc = secinfo_pg_password(conf, &password, why, why_size);
	if (rc != 0)
		return rc;
	snprintf(timeout, sizeof(timeout), "%ld", conf->db_connect_timeout);
	/* Once connected, busy_timeout bounds every statement and every wait for a lock on the
	 * server, and an unanswered send on the socket. The tables are public's, whatever the
	 * role's or the database's search_path says. */
	snprintf(options, sizeof(options),
		 "-c statement_timeout=%ld -c lock_timeout=%ld -c "
		 "idle_in_transaction_session_timeout=%ld -c search_path=public",
		 conf->busy_timeout * 1000, conf->busy_timeout * 1000,
		 conf->busy_timeout * 1000 + SECINFO_PG_MARGIN_MS);
	snprintf(tcp_timeout, sizeof(tcp_timeout), "%ld",
		 conf->busy_timeout * 1000 + SECINFO_PG_MARGIN_MS);
	/* libpq is first called here, with the environment cleared; what this libpq knows
	 * decides the optional keywords below. */
	rc = secinfo_pg_env_clear(&env);
#define SECINFO_PG_PARAM(k, v) (keywords[n] = (k), values[n] = (v), n++)
	SECINFO_PG_PARAM("host", conf->db_host);
	SECINFO_PG_PARAM("port", conf->db_port);
	SECINFO_PG_PARAM("dbname", conf->db_name);
	SECINFO_PG_PARAM("user", conf->db_user);
	SECINFO_PG_PARAM("password", password);
	/* No password file, client certificate or revocation list of whoever runs us (libpq
	 * looks in $HOME/.postgresql otherwise): a path that cannot exist (under a file, not a
	 * directory) is "none" to libpq. */
	SECINFO_PG_PARAM("passfile", "/dev/null/secinfo-none");
	SECINFO_PG_PARAM("sslcert", "/dev/null/secinfo-none");
	SECINFO_PG_PARAM("sslkey", "/dev/null/secinfo-none");
	SECINFO_PG_PARAM("sslmode", secinfo_db_sslmode_name(conf->db_sslmode));
	SECINFO_PG_PARAM("sslrootcert", conf->db_sslrootcert);
	/* Given, or libpq 15 reads $HOME/.postgresql/root.crl (HOME is the invoking user's in
	 * sudo; a FIFO there hung the sign-in) */
	SECINFO_PG_PARAM("sslcrl", "/dev/null/secinfo-none");
	SECINFO_PG_PARAM("sslcrldir", "/dev/null/secinfo-none");
	SECINFO_PG_PARAM("ssl_min_protocol_version", "TLSv1.2");
	SECINFO_PG_PARAM("sslsni", "1");
	/* The server proves it knows the password, bound to this TLS session (SCRAM-SHA-256-PLUS):
	 * no cleartext or md5 password, no "trust", no relay by someone else's certificate. */
	SECINFO_PG_PARAM("channel_binding",
			 conf->db_sslmode == SECINFO_SSL_DISABLE ? "disable" : "require");
	if (env.require_auth)
		SECINFO_PG_PARAM("require_auth", "scram-sha-256");
	SECINFO_PG_PARAM("gssencmode", "disable");
	SECINFO_PG_PARAM("krbsrvname", "postgres");
	SECINFO_PG_PARAM("connect_timeout", timeout);
	SECINFO_PG_PARAM("tcp_user_timeout", tcp_timeout);
	SECINFO_PG_PARAM("keepalives", "1");
	SECINFO_PG_PARAM("target_session_attrs", "read-write");
	SECINFO_PG_PARAM("application_name", "secinfo");
	SECINFO_PG_PARAM("client_encoding", "UTF8");
	SECINFO_PG_PARAM("options", options);
	SECINFO_PG_PARAM("replication", "false");
	keywords[n] = NULL;
	values[n] = NULL;
#undef SECINFO_PG_PARAM

	if (rc == 0)
		store->pg = secinfo_pq.PQconnectdbParams(keywords, values, 0);
	secinfo_pg_env_restore(&env);
	/* The password lives on in libpq's connection (it may reconnect to another host only
	 * within this call); our copy goes now. */
	secinfo_wipe(password, strlen(password));
	secinfo_secret_free(password);
	if (rc != 0)
		return rc;
	if (store->pg == NULL) {
		secinfo_pg_why(why, why_size, "%s: out of memory", conf->db_host);
		return SECINFO_ERR_NOMEM;
	}
	if (secinfo_pq.PQstatus(store->pg) != CONNECTION_OK) {
		secinfo_pg_why(why, why_size,
			       "cannot connect to the database at %s port %s: %s(check the server, "
			       "[database] host, port, sslmode and sslrootcert, and the password)",
			       conf->db_host, conf->db_port, secinfo_pq.PQerrorMessage(store->pg));
		secinfo_pg_close(store);
		return SECINFO_ERR_DB;
	}
	store->pg_host = secinfo_pq.PQhost(store->pg);
	/* libpq prints the server's notices on stderr: the terminal of whoever runs sudo or
	 * passwd. None of them is for that person. */
	secinfo_pq.PQsetNoticeProcessor(store->pg, secinfo_pg_notice, NULL);
	/* Sends never block: every wait is the poll() below, with its bound. */
	if (secinfo_pq.PQsetnonblocking(store->pg, 1) != 0) {
		secinfo_pg_why(why, why_size, "%s: %s", conf->db_host,
			       secinfo_pq.PQerrorMessage(store->pg));
		secinfo_pg_close(store);
		return SECINFO_ERR_DB;
	}
	return 0;
}

void
secinfo_pg_close(struct secinfo_store *store)
{
	if (store->pg != NULL)
		secinfo_pq.PQfinish(store->pg);
	store->pg = NULL;
	store->pg_host = NULL;
}

/*
 * Waits until the statement sent is answered, never beyond busy_timeout plus a margin from
 * now: the server ends a statement at busy_timeout itself, so only a dead, black-holed or
 * hostile server or network reaches the bound. Then collects the results, at most MAX: *out
 * gets the last one (the caller clears it). A result of any status but COMMAND_OK, TUPLES_OK
 * and FATAL_ERROR (COPY_IN/OUT/BOTH, PIPELINE_*, SINGLE_TUPLE: nothing the store asks for)
 * means the server does not answer what was sent. Returns 0 or SECINFO_ERR_DB (the
 * connection is dropped on a timeout, a broken socket or such an answer: nothing is left
 * half-read).
 */
static int
secinfo_pg_wait(struct secinfo_store *store, PGresult **out, int max)
{
	long long deadline =
		secinfo_now_ms() + store->conf->busy_timeout * 1000 + SECINFO_PG_MARGIN_MS;
	PGconn *conn = store->pg;
	PGresult *res, *last = NULL;
	int flushed = 0, results = 0;

	*out = NULL;
	for (;;) {
		struct pollfd fd = {secinfo_pq.PQsocket(conn), POLLIN, 0};
		long long left = deadline - secinfo_now_ms();
		ExecStatusType status;
		int ready;

		/* on every pass: a server that keeps answering must not keep us either */
		if (left <= 0 || fd.fd < 0)
			goto broken;
		if (!flushed) {
			int f = secinfo_pq.PQflush(conn);
			if (f < 0)
				goto broken;
			flushed = f == 0;
			if (!flushed)
				fd.events |= POLLOUT;
		}
		/* Read what came, also while the send is not done (libpq: the server may answer
		 * before it has read everything, and must not wait on our reading). */
		if (secinfo_pq.PQconsumeInput(conn) == 0)
			goto broken;
		if (flushed && !secinfo_pq.PQisBusy(conn)) {
			res = secinfo_pq.PQgetResult(conn);
			if (res == NULL)
				break;
			status = secinfo_pq.PQresultStatus(res);
			if ((status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK &&
			     status != PGRES_FATAL_ERROR) ||
			    ++results > max) {
				secinfo_pq.PQclear(res);
				goto broken;
			}
			secinfo_pq.PQclear(last);
			last = res;
			continue;
		}
		ready = poll(&fd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (ready < 0 && errno != EINTR)
			goto broken;
	}
	if (secinfo_pq.PQstatus(conn) != CONNECTION_OK) {
		secinfo_pq.PQclear(last);
		goto broken_quiet;
	}
	*out = last;
	return 0;
broken:
	secinfo_pq.PQclear(last);
broken_quiet:
	/* Nothing more can be read in step with what was sent: the connection goes, and every
	 * later statement of this store fails (closed). */
	secinfo_pg_close(store);
	return SECINFO_ERR_DB;
}

/* Keeps the last error for the log (libpq's goes with the connection). */
static void
secinfo_pg_note_error(struct secinfo_store *store, const PGresult *res)
{
	const char *msg = res != NULL ? secinfo_pq.PQresultErrorMessage(res) : NULL;

	const char *state =
		res != NULL ? secinfo_pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	snprintf(store->pg_sqlstate, sizeof(store->pg_sqlstate), "%s", state != NULL ? state : "");
	if ((msg == NULL || *msg == '\0') && store->pg != NULL)
		msg = secinfo_pq.PQerrorMessage(store->pg);
	secinfo_pg_why(store->pg_error, sizeof(store->pg_error), "%s",
		       msg != NULL && *msg != '\0'
			       ? msg
			       : "the database connection was lost or timed out");
}

/* An answer that does not fit the statement sent (rows for a command, none for a SELECT, a
 * row count that is not a number): the server is not one to trust; the connection goes.
 * Returns SECINFO_ERR_DB. */
static int
secinfo_pg_misfit(struct secinfo_store *store)
{
	snprintf(store->pg_error, sizeof(store->pg_error),
		 "the server's answer does not fit the statement sent (is it PostgreSQL? check "
		 "[database] host and port)");
	store->pg_sqlstate[0] = '\0';
	secinfo_pg_close(store);
	return SECINFO_ERR_DB;
}

const char *
secinfo_pg_error(const struct secinfo_store *store)
{
	return store->pg_error[0] != '\0' ? store->pg_error : "database error";
}

int
secinfo_pg_aborted(const struct secinfo_store *store)
{
	return store->depth > 0 &&
	       (store->pg == NULL || secinfo_pq.PQtransactionStatus(store->pg) != PQTRANS_INTRANS);
}

int
secinfo_pg_script(struct secinfo_store *store, const char *sql, char *status, size_t status_size)
{
	PGresult *res = NULL;
	int rc;

	if (status != NULL && status_size > 0)
		status[0] = '\0';
	if (store->pg == NULL)
		return SECINFO_ERR_DB;
	if (secinfo_pq.PQsendQuery(store->pg, sql) == 0) {
		secinfo_pg_note_error(store, NULL);
		return SECINFO_ERR_DB;
	}
	rc = secinfo_pg_wait(store, &res, SECINFO_PG_MAX_SCRIPT_RESULTS);
	if (rc == 0 && secinfo_pq.PQresultStatus(res) != PGRES_COMMAND_OK &&
	    secinfo_pq.PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = SECINFO_ERR_DB;
	if (rc != 0)
		secinfo_pg_note_error(store, res);
	else if (status != NULL && status_size > 0)
		snprintf(status, status_size, "%s", secinfo_pq.PQcmdStatus(res));
	secinfo_pq.PQclear(res);
	return rc;
}

/* Returns 1 when QUERY's statement returns rows: a SELECT or WITH, or one that RETURNING
 * (or a row callback) says does. */
static int
secinfo_pg_returns_rows(const struct secinfo_sql *query)
{
	const char *sql = query->sql + strspn(query->sql, " \t\n");

	return query->row != NULL || strncasecmp(sql, "SELECT", 6) == 0 ||
	       strncasecmp(sql, "WITH", 4) == 0 || strstr(sql, "RETURNING") != NULL;
}

/* Reads the row count of a command tag (PQcmdTuples): decimal digits, at most INT_MAX.
 * Returns 0 or SECINFO_ERR_DB (a server that answers something else). */
static int
secinfo_pg_count(const char *text, int *count)
{
	long long v = 0;

	if (text == NULL || *text == '\0' || strspn(text, "0123456789") != strlen(text) ||
	    strlen(text) > 10)
		return SECINFO_ERR_DB;
	for (const char *p = text; *p != '\0'; p++)
		v = v * 10 + (*p - '0');
	if (v > INT_MAX)
		return SECINFO_ERR_DB;
	*count = (int)v;
	return 0;
}

/* SQL with ?N written as $N. Returns a new string or NULL (out of memory). */
static char *
secinfo_pg_numbered(const char *sql)
{
	char *out = strdup(sql);

	if (out == NULL)
		return NULL;
	for (char *p = out; *p != '\0'; p++)
		if (*p == '?' && p[1] >= '1' && p[1] <= '9')
			*p = '$';
	return out;
}

/* Checks one result column against its letter (store_sql.h): 0 or SECINFO_ERR_CORRUPT. */
static int
secinfo_pg_column_check(const PGresult *res, int row, int column, char want)
{
	Oid type = secinfo_pq.PQftype(res, column);
	int len;

	if (secinfo_pq.PQgetisnull(res, row, column))
		return want == 'I' || want == 'T' || want == 'B' ? 0 : SECINFO_ERR_CORRUPT;
	len = secinfo_pq.PQgetlength(res, row, column);
	switch (want) {
	case 'i':
	case 'I':
		return (type == SECINFO_INT8OID && len == 8) ||
				       (type == SECINFO_INT4OID && len == 4) ||
				       (type == SECINFO_INT2OID && len == 2)
			       ? 0
			       : SECINFO_ERR_CORRUPT;
	case 't':
	case 'T':
		/* libpq ends every value with a NUL; text holds none of its own */
		return type == SECINFO_TEXTOID && strlen(secinfo_pq.PQgetvalue(res, row, column)) ==
							  (size_t)len
			       ? 0
			       : SECINFO_ERR_CORRUPT;
	case 'b':
	case 'B': return type == SECINFO_BYTEAOID ? 0 : SECINFO_ERR_CORRUPT;
	}
	return SECINFO_ERR_INTERNAL;
}

int
secinfo_pg_query(struct secinfo_store *store, struct secinfo_sql *query, const char *types,
		 va_list ap)
{
	const char *values[SECINFO_PG_MAX_PARAMS];
	Oid oids[SECINFO_PG_MAX_PARAMS];
	int lengths[SECINFO_PG_MAX_PARAMS], formats[SECINFO_PG_MAX_PARAMS];
	char ints[SECINFO_PG_MAX_PARAMS][24];
	size_t columns = query->columns != NULL ? strlen(query->columns) : 0;
	struct secinfo_sql_row row = {NULL, NULL, 0};
	PGresult *res = NULL;
	char *sql = NULL;
	int n = 0, rc = 0;

	if (store->pg == NULL)
		return SECINFO_ERR_DB;
	for (const char *t = types; *t != '\0'; t++, n++) {
		if (n == SECINFO_PG_MAX_PARAMS)
			return SECINFO_ERR_INTERNAL;
		lengths[n] = 0;
		formats[n] = 0;
		values[n] = NULL;
		if (*t == 'i') {
			snprintf(ints[n], sizeof(ints[n]), "%lld", va_arg(ap, long long));
			oids[n] = SECINFO_INT8OID;
			values[n] = ints[n];
		} else if (*t == 't' || *t == 'T') {
			values[n] = va_arg(ap, const char *);
			oids[n] = SECINFO_TEXTOID;
			if (values[n] == NULL && *t == 't')
				return SECINFO_ERR_DB;
		} else if (*t == 'b') {
			const void *p = va_arg(ap, const void *);
			size_t len = va_arg(ap, size_t);
			if (len > INT32_MAX)
				return SECINFO_ERR_DB;
			oids[n] = SECINFO_BYTEAOID;
			values[n] = len > 0 ? (const char *)p : ""; /* empty, not NULL */
			lengths[n] = (int)len;
			formats[n] = 1;
		} else if (*t == 'n') {
			oids[n] = 0; /* the server infers it from where it is used */
		} else {
			return SECINFO_ERR_DB;
		}
	}
	sql = secinfo_pg_numbered(query->sql);
	if (sql == NULL)
		return SECINFO_ERR_NOMEM;
	if (secinfo_pq.PQsendQueryParams(store->pg, sql, n, oids, values, lengths, formats, 1) ==
	    0) {
		secinfo_pg_note_error(store, NULL);
		free(sql);
		return SECINFO_ERR_DB;
	}
	free(sql);
	rc = secinfo_pg_wait(store, &res, 1); /* one statement, one result */
	/* A statement that returns rows is answered with rows (an empty SELECT too), any other
	 * without: a SELECT answered "done" is not "no rows". */
	if (rc == 0 && secinfo_pq.PQresultStatus(res) != PGRES_FATAL_ERROR &&
	    secinfo_pq.PQresultStatus(res) !=
		    (secinfo_pg_returns_rows(query) ? PGRES_TUPLES_OK : PGRES_COMMAND_OK)) {
		secinfo_pq.PQclear(res);
		return secinfo_pg_misfit(store);
	}
	if (rc == 0 && secinfo_pq.PQresultStatus(res) == PGRES_FATAL_ERROR)
		rc = SECINFO_ERR_DB;
	if (rc != 0) {
		secinfo_pg_note_error(store, res);
		secinfo_pq.PQclear(res);
		return rc;
	}
	if (query->row != NULL && secinfo_pq.PQresultStatus(res) == PGRES_TUPLES_OK &&
	    columns != (size_t)secinfo_pq.PQnfields(res)) {
		secinfo_pq.PQclear(res);
		return SECINFO_ERR_INTERNAL;
	}
	row.res = res;
	for (int r = 0; rc == 0 && r < secinfo_pq.PQntuples(res); r++) {
		query->rows++;
		if (query->row == NULL)
			continue;
		for (size_t c = 0; rc == 0 && c < columns; c++)
			rc = secinfo_pg_column_check(res, r, (int)c, query->columns[c]);
		row.index = r;
		if (rc == 0)
			rc = query->row(&row, query->data);
	}
	if (rc == 0) {
		const char *status = secinfo_pq.PQcmdStatus(res);
		if (strncmp(status, "INSERT ", 7) == 0 || strncmp(status, "UPDATE ", 7) == 0 ||
		    strncmp(status, "DELETE ", 7) == 0)
			if (secinfo_pg_count(secinfo_pq.PQcmdTuples(res), &query->changes) != 0)
				rc = secinfo_pg_misfit(store);
	}
	secinfo_pq.PQclear(res);
	return rc;
}

long long
secinfo_pg_row_int(const struct secinfo_sql_row *row, int column)
{
	const unsigned char *p;
	uint64_t v = 0;
	int len;

	if (secinfo_pq.PQgetisnull(row->res, row->index, column))
		return 0;
	p = (const unsigned char *)secinfo_pq.PQgetvalue(row->res, row->index, column);
	len = secinfo_pq.PQgetlength(row->res, row->index, column);
	for (int i = 0; i < len; i++)
		v = v << 8 | p[i];
	/* big-endian two's complement of LEN bytes, sign-extended */
	if (len > 0 && len < 8 && (p[0] & 0x80))
		v |= ~(uint64_t)0 << (8 * len);
	return (long long)v;
}

const char *
secinfo_pg_row_text(const struct secinfo_sql_row *row, int column)
{
	if (secinfo_pq.PQgetisnull(row->res, row->index, column))
		return NULL;
	return secinfo_pq.PQgetvalue(row->res, row->index, column);
}

const void *
secinfo_pg_row_blob(const struct secinfo_sql_row *row, int column, size_t *len)
{
	if (secinfo_pq.PQgetisnull(row->res, row->index, column)) {
		*len = 0;
		return NULL;
	}
	*len = (size_t)secinfo_pq.PQgetlength(row->res, row->index, column);
	return secinfo_pq.PQgetvalue(row->res, row->index, column);
}
