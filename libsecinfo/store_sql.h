/*
 * secinfo: what the store's files share, and nothing outside them sees. The one place that
 * knows the backend (sqlite or PostgreSQL, SPEC 16): the connection, the key, and the one
 * helper through which every statement is prepared, bound, stepped and read. The statements
 * of the store_*.c files are written once, in SQL that both accept (see issue 12's design):
 * numbered parameters ?1 ?2 (the PostgreSQL path rewrites them to $1 $2; no '?' inside a
 * string literal), COALESCE, "user" quoted, <> instead of IS NOT, the time as a parameter,
 * RETURNING and ON CONFLICT.
 */
#ifndef SECINFO_STORE_SQL_H
#define SECINFO_STORE_SQL_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#include <sqlite3.h>

#include "shield.h"

#include "kind.h"
#include "store.h"

struct pg_conn;   /* libpq's PGconn: only store_pg.c includes <libpq-fe.h> */
struct pg_result; /* libpq's PGresult */

struct secinfo_store {
	int backend;         /* enum secinfo_db_backend */
	struct pg_conn *pg;  /* PostgreSQL: the connection, NULL once dropped */
	const char *pg_host; /* PostgreSQL: the host connected to (libpq's), for messages */
	char pg_error[256];  /* PostgreSQL: the last error, for the log */
	char pg_sqlstate[6]; /* PostgreSQL: its SQLSTATE, "" when none */
	int created;         /* PostgreSQL: this open created the schema */
	sqlite3 *db;
	unsigned char *key;
	const struct secinfo_conf *conf;
	unsigned depth;             /* open transaction levels: 1 BEGIN, more are SAVEPOINTs */
	long long busy_timeout_us;  /* [database] busy_timeout */
	struct timespec busy_since; /* when the current wait for a lock began */
	long long busy_pause_us;    /* the busy handler's next pause, before jitter */
	int busy_no_wait;           /* the busy handler gives up at once (checkpoints) */
	int checkpoint_on_close;    /* the enrollment or the schema changed */
	struct secinfo_shield shield;
	unsigned shielded; /* secinfo_store_shield levels */
};

/*
 * Raises the shield (shield.h) around what may take the database's locks: opening (sqlite
 * rebuilds the WAL index under an exclusive lock), every transaction, every statement outside
 * one, closing. Levels nest; the outermost raises and lowers. Returns 0 or
 * SECINFO_ERR_INTERNAL.
 */
int secinfo_store_shield(struct secinfo_store *store);
void secinfo_store_unshield(struct secinfo_store *store);

/* One result row, valid only during the callback that receives it. */
struct secinfo_sql_row {
	sqlite3_stmt *stmt;          /* sqlite */
	const struct pg_result *res; /* PostgreSQL: the result and the row in it */
	int index;
};

/*
 * A statement and what to do with its rows. COLUMNS has one letter per result column: 'i'
 * integer, 't' text, 'b' blob, in upper case where NULL is allowed too ("" or NULL: the
 * statement returns no rows, or they are not read). A row that does not match (a damaged row:
 * NULL where the schema forbids it, or a value of another type) fails closed with
 * SECINFO_ERR_CORRUPT before ROW sees it, so row callbacks read columns without checking.
 */
struct secinfo_sql {
	const char *sql;
	const char *columns;
	/* Called once per row; a non-zero return stops the statement and is returned. */
	int (*row)(const struct secinfo_sql_row *row, void *data);
	void *data;
	long long rows; /* out: the rows read */
	int changes;    /* out: the rows the statement inserted, updated or deleted */
};

/*
 * Runs QUERY with the parameters described by TYPES, one letter each: 'i' long long, 't' text
 * (const char *), 'T' text or NULL when the pointer is NULL, 'b' blob (const void *, size_t),
 * 'n' NULL (no argument). Steps to the end, so that an UPDATE ... RETURNING counts only once
 * its change is done. Refuses to run inside a transaction that sqlite has already rolled back
 * (secinfo_store_aborted). Returns 0, the first non-zero value of QUERY->row,
 * SECINFO_ERR_CORRUPT (a damaged row), SECINFO_ERR_NOMEM, SECINFO_ERR_INTERNAL (COLUMNS does
 * not match the statement: a bug) or SECINFO_ERR_DB.
 */
int secinfo_store_sql(struct secinfo_store *store, struct secinfo_sql *query, const char *types,
		      ...);

/* Runs SQL that returns no rows. Returns 0 or SECINFO_ERR_DB; *changes if not NULL. */
int secinfo_store_sql_exec(struct secinfo_store *store, int *changes, const char *sql,
			   const char *types, ...);

/* Runs SQL whose first row's first column is an integer (never NULL) into *value. Returns 0,
 * SECINFO_ERR_NOT_FOUND (no row), SECINFO_ERR_CORRUPT or SECINFO_ERR_DB. */
int secinfo_store_sql_int(struct secinfo_store *store, long long *value, const char *sql,
			  const char *types, ...);

/*
 * Rows into a growing array: each row gets a new zeroed element of SIZE bytes that FILL
 * completes. On failure ARRAY and COUNT still hold every element made so far (the last one
 * perhaps half filled) for the caller's own free function.
 */
struct secinfo_sql_array {
	size_t size;
	int (*fill)(const struct secinfo_sql_row *row, void *element, void *data);
	void *data;
	void *array;
	size_t count, capacity;
};

/* Runs SQL (result columns as COLUMNS) with TYPES as secinfo_store_sql, into ARRAY. Returns 0,
 * SECINFO_ERR_NOMEM, a non-zero value of ARRAY->fill, SECINFO_ERR_CORRUPT or SECINFO_ERR_DB. */
int secinfo_store_sql_array(struct secinfo_store *store, struct secinfo_sql_array *array,
			    const char *sql, const char *columns, const char *types, ...);

/* The value of COLUMN in ROW: 0, NULL, or NULL with *len 0 where it is NULL. */
long long secinfo_sql_row_int(const struct secinfo_sql_row *row, int column);
const char *secinfo_sql_row_text(const struct secinfo_sql_row *row, int column);
const void *secinfo_sql_row_blob(const struct secinfo_sql_row *row, int column, size_t *len);

/* A stored keyed hash (a one-time code's, a pass's) in column 0, compared with GIVEN (LEN
 * bytes) in constant time: secinfo_sql_hash_compare_row sets RIGHT. */
struct secinfo_sql_hash_compare {
	const unsigned char *given;
	size_t len;
	int right;
};
int secinfo_sql_hash_compare_row(const struct secinfo_sql_row *row, void *data);

/* Returns 1 when sqlite ended (rolled back) a transaction that a caller still has open. */
int secinfo_store_aborted(const struct secinfo_store *store);

/* Creates user NAME if it is new (inside the caller's transaction). Returns 0 and *user_id, or a
 * negative SECINFO_ERR_* code. */
int secinfo_store_user_ensure(struct secinfo_store *store, const char *name, time_t now,
			      long long *user_id);

/* The condition, on a methods row, that it is not a pass that expired or was used up: readers
 * see no such pass (SPEC 14: it is gone). NOW names the parameter that holds the time ("?2").
 * A damaged row with no kind stays in (COALESCE): its reader fails closed on it. */
#define SECINFO_SQL_METHOD_ACTIVE(now)                                                             \
	"(COALESCE(kind, '') <> 'tap' OR (expires > " now " AND uses > 0))"

/* The key of the fleet-wide write lock (pg_advisory_xact_lock; store.c, store_copy.c). */
#define SECINFO_PG_LOCK_KEY "1936024425"

/*
 * The PostgreSQL path (store_pg.c), which secinfo_store_sql and the transaction functions call
 * when store->backend is SECINFO_DB_POSTGRESQL.
 * secinfo_pg_connect: connects as CONF says, with libpq's environment removed for the time of
 * the connect and every parameter explicit; 0 or SECINFO_ERR_DB/IO/CONFIG with WHY filled.
 * secinfo_pg_query: runs QUERY as secinfo_store_sql does (typed parameters, binary results
 * checked against QUERY->columns), each wait bounded by busy_timeout plus a margin.
 * secinfo_pg_script: runs SQL without parameters or rows (several statements: BEGIN, the
 * schema), bounded likewise; *status gets the last command's tag when not NULL.
 * secinfo_pg_aborted: 1 when a transaction the caller opened is no longer open and whole (a
 * failed statement, a dropped connection).
 * secinfo_pg_error: libpq's last message, or a static text.
 */
int secinfo_pg_connect(struct secinfo_store *store, char *why, size_t why_size);
void secinfo_pg_close(struct secinfo_store *store);
int secinfo_pg_query(struct secinfo_store *store, struct secinfo_sql *query, const char *types,
		     va_list ap);
int secinfo_pg_script(struct secinfo_store *store, const char *sql, char *status,
		      size_t status_size);
int secinfo_pg_aborted(const struct secinfo_store *store);
const char *secinfo_pg_error(const struct secinfo_store *store);
long long secinfo_pg_row_int(const struct secinfo_sql_row *row, int column);
const char *secinfo_pg_row_text(const struct secinfo_sql_row *row, int column);
const void *secinfo_pg_row_blob(const struct secinfo_sql_row *row, int column, size_t *len);

/* Writes the associated data that binds an encrypted detail to its user and kind.
 * Returns 0 or SECINFO_ERR_INVALID (too long). */
int secinfo_store_detail_ad(char *ad, size_t size, const char *user, enum secinfo_kind kind);

#endif
