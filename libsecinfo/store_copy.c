/*
 * secinfo: copies a whole store into another through the store's one SQL helper, so that it
 * runs the same between any two backends. Each table is read from the source (row by row from
 * sqlite; from PostgreSQL libpq holds a table's whole answer) and each row inserted into the
 * target as it comes, as stored: the ciphertext is bound to the user and the kind, not to the
 * database, so the same key decrypts it there. NULL columns are carried by a mask column that
 * the source computes and the insert reads, so that every value is bound with its own type on
 * either backend.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "store_copy.h"
#include "store_sql.h"

static const char *const secinfo_copy_table_names[SECINFO_COPY_TABLES] = {
	"users", "methods", "codes", "sends", "questions", "answers", "audit", "meta",
};

const char *
secinfo_store_copy_table_name(enum secinfo_store_copy_table table)
{
	return (unsigned)table < SECINFO_COPY_TABLES ? secinfo_copy_table_names[table] : "?";
}

/*
 * Where one SQL text cannot serve both backends, chosen in this one place.
 * SEQUENCE_GET (?1 the table) returns the highest id the table's allocator has handed out (no
 * row, NULL or 0: none); SEQUENCE_SET (?1 the table, ?2 the id) makes it hand out ids above ?2
 * (a NULL-terminated list run in order); SEQUENCE_TABLES are the tables whose ids such an
 * allocator hands out. META_GET returns the name and the integer value of each meta row
 * besides the key check (the count of unenrolled failures); META_SET (?1 name, ?2 value)
 * writes one.
 */
struct secinfo_copy_dialect {
	const char *sequence_get;
	const char *sequence_set[3];
	const char *sequence_tables[4];
	const char *meta_get, *meta_set;
};

static const struct secinfo_copy_dialect secinfo_copy_dialects[] = {
	/* sqlite: AUTOINCREMENT keeps the highest id ever used in sqlite_sequence, which has no
	 * unique name: SET updates the row or adds it. Users' ids are rowids, one above the
	 * highest row, which the copied rows carry. meta.value holds an integer. */
	[SECINFO_DB_SQLITE] =
		{
			.sequence_get = "SELECT seq FROM sqlite_sequence WHERE name = ?1",
			.sequence_set =
				{"UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1 AND seq < ?2",
				 "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 WHERE NOT"
				 " EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)",
				 NULL},
			.sequence_tables = {"methods", "questions", NULL},
			.meta_get =
				"SELECT name, value FROM meta WHERE name = 'unenrolled_failures'",
			.meta_set = "INSERT INTO meta (name, value) VALUES (?1, ?2)"
				    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
		},
	/* PostgreSQL: identity columns (BY DEFAULT, so the copy gives the ids) whose sequences
	 * an insert with an id does not move; last_value is NULL before the first. meta.value
	 * is bytea holding the count's decimal digits. */
	[SECINFO_DB_POSTGRESQL] =
		{
			.sequence_get = "SELECT COALESCE(pg_sequence_last_value(CAST("
					"pg_get_serial_sequence(?1, 'id') AS regclass)), 0)",
			.sequence_set = {"SELECT setval(CAST(pg_get_serial_sequence(?1, 'id') AS"
					 " regclass), GREATEST(?2, 1), ?2 > 0)",
					 NULL},
			.sequence_tables = {"users", "methods", "questions", NULL},
			.meta_get =
				"SELECT name, CAST(convert_from(value, 'UTF8') AS bigint) FROM meta"
				" WHERE name = 'unenrolled_failures'",
			.meta_set = "INSERT INTO meta (name, value)"
				    " VALUES (?1, convert_to(CAST(?2 AS text), 'UTF8'))"
				    " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
		},
};

/* The statements of STORE's backend. */
static const struct secinfo_copy_dialect *
secinfo_copy_dialect(const struct secinfo_store *store)
{
	return &secinfo_copy_dialects[store->backend == SECINFO_DB_POSTGRESQL
					      ? SECINFO_DB_POSTGRESQL
					      : SECINFO_DB_SQLITE];
}

/* One copy in progress: the row callbacks insert into TO and count. */
struct secinfo_copy {
	struct secinfo_store *from, *to;
	long long max_id;  /* the highest id copied in the current table */
	int target_failed; /* a statement on the target failed (not the source's reading) */
	char *why;
	size_t why_size;
};

/* Notes that RC, a statement's result on the target, failed there; returns RC. */
static int
secinfo_copy_target(struct secinfo_copy *copy, int rc)
{
	if (rc != 0)
		copy->target_failed = 1;
	return rc;
}

/* The database's own words about the last failure on STORE, for the administrator. */
static const char *
secinfo_copy_db_error(const struct secinfo_store *store)
{
	return store->backend == SECINFO_DB_POSTGRESQL ? secinfo_pg_error(store)
	       : store->db != NULL                     ? sqlite3_errmsg(store->db)
						       : "no connection";
}

static void
secinfo_copy_max(struct secinfo_copy *copy, long long id)
{
	if (id > copy->max_id)
		copy->max_id = id;
}

/* A blob that is there but empty must not become NULL (sqlite binds a NULL pointer as NULL). */
static const void *
secinfo_copy_blob(const struct secinfo_sql_row *row, int column, size_t *len)
{
	const void *blob = secinfo_sql_row_blob(row, column, len);

	return blob != NULL ? blob : "";
}

static int
secinfo_copy_user(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;

	secinfo_copy_max(copy, secinfo_sql_row_int(row, 0));
	/* The default comes later: it names a method, and methods name their user. */
	return secinfo_copy_target(
		copy, secinfo_store_sql_exec(
			      copy->to, NULL,
			      "INSERT INTO users (id, name, default_method, failures, "
			      "locked_until, created)"
			      " VALUES (?1, ?2, NULL, ?3, CASE WHEN ?6 = 0 THEN ?4 END, ?5)",
			      "itiiii", secinfo_sql_row_int(row, 0), secinfo_sql_row_text(row, 1),
			      secinfo_sql_row_int(row, 2), secinfo_sql_row_int(row, 3),
			      secinfo_sql_row_int(row, 4), secinfo_sql_row_int(row, 5)));
}

static int
secinfo_copy_default(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;
	int changes = 0;
	int rc = secinfo_copy_target(
		copy,
		secinfo_store_sql_exec(copy->to, &changes,
				       "UPDATE users SET default_method = ?2 WHERE id = ?1", "ii",
				       secinfo_sql_row_int(row, 0), secinfo_sql_row_int(row, 1)));

	return rc == 0 && changes != 1 ? SECINFO_ERR_INTERNAL : rc;
}

static int
secinfo_copy_method(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;
	size_t len = 0;
	const void *detail = secinfo_copy_blob(row, 3, &len);

	secinfo_copy_max(copy, secinfo_sql_row_int(row, 0));
	return secinfo_copy_target(
		copy,
		secinfo_store_sql_exec(
			copy->to, NULL,
			"INSERT INTO methods (id, user_id, kind, detail, otp_algorithm, otp_digits,"
			" otp_period, otp_hotp, counter, created, last_used, expires, uses) VALUES "
			"(?1, ?2,"
			" ?3, CASE WHEN (?14 & 1) = 0 THEN ?4 END, CASE WHEN (?14 & 2) = 0 THEN ?5 "
			"END,"
			" CASE WHEN (?14 & 4) = 0 THEN ?6 END, CASE WHEN (?14 & 8) = 0 THEN ?7 END,"
			" CASE WHEN (?14 & 16) = 0 THEN ?8 END, ?9, ?10, CASE WHEN (?14 & 32) = 0 "
			"THEN ?11 "
			"END,"
			" CASE WHEN (?14 & 64) = 0 THEN ?12 END, CASE WHEN (?14 & 128) = 0 THEN "
			"?13 END)",
			"iitbiiiiiiiiii", secinfo_sql_row_int(row, 0), secinfo_sql_row_int(row, 1),
			secinfo_sql_row_text(row, 2), detail, len, secinfo_sql_row_int(row, 4),
			secinfo_sql_row_int(row, 5), secinfo_sql_row_int(row, 6),
			secinfo_sql_row_int(row, 7), secinfo_sql_row_int(row, 8),
			secinfo_sql_row_int(row, 9), secinfo_sql_row_int(row, 10),
			secinfo_sql_row_int(row, 11), secinfo_sql_row_int(row, 12),
			secinfo_sql_row_int(row, 13)));
}

static int
secinfo_copy_code(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;
	size_t len = 0;
	const void *hash = secinfo_copy_blob(row, 1, &len);

	return secinfo_copy_target(
		copy,
		secinfo_store_sql_exec(copy->to, NULL,
				       "INSERT INTO codes (method_id, hash, expires, attempts)"
				       " VALUES (?1, ?2, ?3, ?4)",
				       "ibii", secinfo_sql_row_int(row, 0), hash, len,
				       secinfo_sql_row_int(row, 2), secinfo_sql_row_int(row, 3)));
}

static int
secinfo_copy_send(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;

	return secinfo_copy_target(
		copy, secinfo_store_sql_exec(
			      copy->to, NULL,
			      "INSERT INTO sends (user_id, channel, time) VALUES (?1, ?2, ?3)",
			      "iti", secinfo_sql_row_int(row, 0), secinfo_sql_row_text(row, 1),
			      secinfo_sql_row_int(row, 2)));
}

static int
secinfo_copy_question(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;

	secinfo_copy_max(copy, secinfo_sql_row_int(row, 0));
	return secinfo_copy_target(
		copy, secinfo_store_sql_exec(
			      copy->to, NULL,
			      "INSERT INTO questions (id, text, active) VALUES (?1, ?2, ?3)", "iti",
			      secinfo_sql_row_int(row, 0), secinfo_sql_row_text(row, 1),
			      secinfo_sql_row_int(row, 2)));
}

static int
secinfo_copy_answer(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;

	return secinfo_copy_target(
		copy,
		secinfo_store_sql_exec(
			copy->to, NULL,
			"INSERT INTO answers (method_id, question_id, hash) VALUES (?1, ?2, ?3)",
			"iit", secinfo_sql_row_int(row, 0), secinfo_sql_row_int(row, 1),
			secinfo_sql_row_text(row, 2)));
}

/* Audit rows get the target's next ids, after its own rows (init's): nothing refers to them,
 * and the trail is read in time order. */
static int
secinfo_copy_audit(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;

	return secinfo_copy_target(
		copy,
		secinfo_store_sql_exec(copy->to, NULL,
				       "INSERT INTO audit (time, \"user\", service, rhost, method, "
				       "event, result, actor,"
				       " host) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
				       "itttttttt", secinfo_sql_row_int(row, 0),
				       secinfo_sql_row_text(row, 1), secinfo_sql_row_text(row, 2),
				       secinfo_sql_row_text(row, 3), secinfo_sql_row_text(row, 4),
				       secinfo_sql_row_text(row, 5), secinfo_sql_row_text(row, 6),
				       secinfo_sql_row_text(row, 7), secinfo_sql_row_text(row, 8)));
}

/* The meta rows besides the key check (each store has its own): the count of failures of
 * unenrolled names, an integer. */
static int
secinfo_copy_meta(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_copy *copy = data;

	return secinfo_copy_target(
		copy, secinfo_store_sql_exec(
			      copy->to, NULL, secinfo_copy_dialect(copy->to)->meta_set, "ti",
			      secinfo_sql_row_text(row, 0), secinfo_sql_row_int(row, 1)));
}

/* Methods with the mask of their NULL columns (bit 1 detail ... 128 uses), as
 * secinfo_copy_method reads them. */
static const char secinfo_copy_methods_sql[] =
	"SELECT id, user_id, kind, detail, otp_algorithm, otp_digits, otp_period, otp_hotp,"
	" counter, created, last_used, expires, uses,"
	" (CASE WHEN detail IS NULL THEN 1 ELSE 0 END)"
	" + (CASE WHEN otp_algorithm IS NULL THEN 2 ELSE 0 END)"
	" + (CASE WHEN otp_digits IS NULL THEN 4 ELSE 0 END)"
	" + (CASE WHEN otp_period IS NULL THEN 8 ELSE 0 END)"
	" + (CASE WHEN otp_hotp IS NULL THEN 16 ELSE 0 END)"
	" + (CASE WHEN last_used IS NULL THEN 32 ELSE 0 END)"
	" + (CASE WHEN expires IS NULL THEN 64 ELSE 0 END)"
	" + (CASE WHEN uses IS NULL THEN 128 ELSE 0 END)"
	" FROM methods ORDER BY id";

/* One pass over a source table; TABLE is where its rows are counted (-1: not counted). */
struct secinfo_copy_step {
	int table;
	const char *sql, *columns;
	int (*row)(const struct secinfo_sql_row *row, void *data);
	const char *sequence; /* the table whose allocator must move past the copied ids */
};

static const struct secinfo_copy_step secinfo_copy_steps[] = {
	{SECINFO_COPY_USERS,
	 "SELECT id, name, failures, COALESCE(locked_until, 0), created,"
	 " CASE WHEN locked_until IS NULL THEN 1 ELSE 0 END FROM users ORDER BY id",
	 "itiiii", secinfo_copy_user, "users"},
	{SECINFO_COPY_METHODS, secinfo_copy_methods_sql, "iitBIIIIiiIIIi", secinfo_copy_method,
	 "methods"},
	{-1, "SELECT id, default_method FROM users WHERE default_method IS NOT NULL ORDER BY id",
	 "ii", secinfo_copy_default, NULL},
	{SECINFO_COPY_CODES,
	 "SELECT method_id, hash, expires, attempts FROM codes ORDER BY method_id", "ibii",
	 secinfo_copy_code, NULL},
	{SECINFO_COPY_SENDS,
	 "SELECT user_id, channel, time FROM sends ORDER BY user_id, channel, time", "iti",
	 secinfo_copy_send, NULL},
	{SECINFO_COPY_QUESTIONS, "SELECT id, text, active FROM questions ORDER BY id", "iti",
	 secinfo_copy_question, "questions"},
	{SECINFO_COPY_ANSWERS,
	 "SELECT method_id, question_id, hash FROM answers ORDER BY method_id, question_id", "iit",
	 secinfo_copy_answer, NULL},
	{SECINFO_COPY_AUDIT,
	 "SELECT time, \"user\", service, rhost, method, event, result, actor, host FROM audit"
	 " ORDER BY id",
	 "itttttttt", secinfo_copy_audit, NULL},
	{SECINFO_COPY_META, NULL /* the source's dialect's meta_get */, "ti", secinfo_copy_meta,
	 NULL},
};
#define SECINFO_COPY_NSTEPS (sizeof(secinfo_copy_steps) / sizeof(secinfo_copy_steps[0]))

/* The highest id STORE's allocator for TABLE has handed out, 0 for none. */
static int
secinfo_copy_sequence_get(struct secinfo_store *store, const char *table, long long *id)
{
	int rc = secinfo_store_sql_int(store, id, secinfo_copy_dialect(store)->sequence_get, "t",
				       table);

	if (rc == SECINFO_ERR_NOT_FOUND) {
		*id = 0;
		rc = 0;
	}
	return rc;
}

/*
 * Makes TO's allocator of each table whose ids were copied hand out ids above every id that
 * either store ever handed out (an id deleted in the source is never used again, as SPEC 6
 * promises), whatever backend each store is. COPIED has the highest id copied per step.
 */
static int
secinfo_copy_sequences(struct secinfo_copy *copy, const long long copied[])
{
	const struct secinfo_copy_dialect *to = secinfo_copy_dialect(copy->to);
	int rc = 0;

	for (size_t t = 0; rc == 0 && to->sequence_tables[t] != NULL; t++) {
		long long high = 0, from_high = 0, to_high = 0;

		for (size_t s = 0; s < SECINFO_COPY_NSTEPS; s++)
			if (secinfo_copy_steps[s].sequence != NULL &&
			    strcmp(secinfo_copy_steps[s].sequence, to->sequence_tables[t]) == 0 &&
			    copied[s] > high)
				high = copied[s];
		rc = secinfo_copy_sequence_get(copy->from, to->sequence_tables[t], &from_high);
		if (rc == 0)
			rc = secinfo_copy_sequence_get(copy->to, to->sequence_tables[t], &to_high);
		high = from_high > high ? from_high : high;
		high = to_high > high ? to_high : high;
		for (size_t i = 0; rc == 0 && to->sequence_set[i] != NULL; i++)
			rc = secinfo_store_sql_exec(copy->to, NULL, to->sequence_set[i], "ti",
						    to->sequence_tables[t], high);
		if (rc != 0)
			snprintf(copy->why, copy->why_size,
				 "moving the target's next %s id past %lld", to->sequence_tables[t],
				 high);
	}
	return rc;
}

/* Runs every step inside the open transactions; COUNTS and WHY as secinfo_store_copy. */
static int
secinfo_copy_rows(struct secinfo_copy *copy, long long counts[])
{
	long long copied[SECINFO_COPY_NSTEPS] = {0};
	int rc = 0;

	for (size_t s = 0; rc == 0 && s < SECINFO_COPY_NSTEPS; s++) {
		const struct secinfo_copy_step *step = &secinfo_copy_steps[s];
		struct secinfo_sql query = {
			.sql = step->sql != NULL ? step->sql
						 : secinfo_copy_dialect(copy->from)->meta_get,
			.columns = step->columns,
			.row = step->row,
			.data = copy};

		copy->max_id = 0;
		rc = secinfo_store_sql(copy->from, &query, "");
		copied[s] = copy->max_id;
		if (rc == 0 && step->table >= 0)
			counts[step->table] = query.rows;
		if (rc != 0)
			snprintf(
				copy->why, copy->why_size,
				"copying %s (row %lld): %s in the %s: %s",
				step->table >= 0 ? secinfo_copy_table_names[step->table]
						 : "the users' default methods",
				query.rows, secinfo_strerror(rc),
				copy->target_failed ? "target" : "source",
				secinfo_copy_db_error(copy->target_failed ? copy->to : copy->from));
	}
	if (rc == 0)
		rc = secinfo_copy_sequences(copy, copied);
	return rc;
}

/*
 * A PostgreSQL source is read in one snapshot taken under the fleet's write lock: the lock
 * first, for the session (the transaction's own lock, taken again by secinfo_store_begin, is
 * then granted at once, so the snapshot comes after every writer that held it), and its
 * transaction in REPEATABLE READ (single-statement writers, which take no lock, change
 * nothing it reads). The source sits idle in its transaction while the rows go into the
 * target: its idle_in_transaction_session_timeout (busy_timeout plus a margin, for the module)
 * is off for the copy. Returns 0 or SECINFO_ERR_DB; nothing to do for sqlite (BEGIN
 * IMMEDIATE: one snapshot, no writer).
 */
static int
secinfo_copy_source_prepare(struct secinfo_store *from)
{
	if (from->backend != SECINFO_DB_POSTGRESQL)
		return 0;
	return secinfo_pg_script(from,
				 "SET default_transaction_isolation = 'repeatable read'; "
				 "SET idle_in_transaction_session_timeout = 0; "
				 "SELECT pg_advisory_lock(" SECINFO_PG_LOCK_KEY ")",
				 NULL, 0);
}

/* Undoes secinfo_copy_source_prepare after the source's transaction ended (its failure
 * leaves the connection to be closed: the session lock goes with it). */
static void
secinfo_copy_source_done(struct secinfo_store *from)
{
	if (from->backend == SECINFO_DB_POSTGRESQL && from->pg != NULL && from->depth == 0)
		(void)secinfo_pg_script(from,
					"SELECT pg_advisory_unlock_all(); "
					"RESET default_transaction_isolation; "
					"RESET idle_in_transaction_session_timeout",
					NULL, 0);
}

int
secinfo_store_copy(struct secinfo_store *from, struct secinfo_store *to,
		   const struct secinfo_audit_entry *note, long long counts[SECINFO_COPY_TABLES],
		   char *why, size_t why_size)
{
	struct secinfo_copy copy = {.from = from, .to = to, .why = why, .why_size = why_size};
	long long users = 0;
	int rc;

	memset(counts, 0, SECINFO_COPY_TABLES * sizeof(counts[0]));
	snprintf(why, why_size, "%s", "");
	/* Both stores proved their key against their own key check when they were opened. */
	if (!secinfo_equal(from->key, to->key, SECINFO_KEY_BYTES)) {
		snprintf(why, why_size, "the target was made with another key");
		return SECINFO_ERR_CRYPTO;
	}
	rc = secinfo_copy_source_prepare(from);
	if (rc == 0)
		rc = secinfo_store_begin(from);
	if (rc != 0) {
		snprintf(why, why_size, "cannot lock the source store: %s", secinfo_strerror(rc));
		secinfo_copy_source_done(from);
		return rc;
	}
	rc = secinfo_store_begin(to);
	if (rc != 0) {
		snprintf(why, why_size, "cannot lock the target store: %s", secinfo_strerror(rc));
		secinfo_store_rollback(from);
		return rc;
	}
	/* Counted under the target's write lock: no enrollment can come in between. */
	rc = secinfo_store_sql_int(to, &users, "SELECT COUNT(*) FROM users", "");
	if (rc == 0 && users > 0) {
		snprintf(why, why_size, "the target holds %lld user%s already", users,
			 users == 1 ? "" : "s");
		rc = SECINFO_ERR_EXISTS;
	} else if (rc != 0)
		snprintf(why, why_size, "cannot count the target's users: %s",
			 secinfo_strerror(rc));
	if (rc == 0)
		rc = secinfo_copy_rows(&copy, counts);
	if (rc == 0 && note != NULL) {
		rc = secinfo_store_audit(to, note);
		if (rc != 0)
			snprintf(why, why_size, "writing the audit row: %s", secinfo_strerror(rc));
	}
	if (rc == 0) {
		rc = secinfo_store_commit(to); /* a failed commit rolls back */
		to->checkpoint_on_close = 1;   /* the whole enrollment: into the file at close */
		if (rc != 0)
			snprintf(why, why_size, "committing: %s", secinfo_strerror(rc));
	} else {
		secinfo_store_rollback(to);
	}
	secinfo_store_rollback(from); /* nothing was written there */
	secinfo_copy_source_done(from);
	if (rc != 0)
		memset(counts, 0, SECINFO_COPY_TABLES * sizeof(counts[0]));
	return rc;
}
