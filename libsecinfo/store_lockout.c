/* secinfo: counted attempts, failures and lockouts, and the record of a success. */
#include "config.h"

#include "error.h"
#include "store_sql.h"

/* Reads when USER_ID is locked until (0: not locked). */
static int
secinfo_store_locked_until(struct secinfo_store *store, long long user_id, long long *until)
{
	int rc = secinfo_store_sql_int(store, until,
				       "SELECT COALESCE(locked_until, 0) FROM users WHERE id = ?1",
				       "i", user_id);

	return rc == SECINFO_ERR_NOT_FOUND ? SECINFO_ERR_DB : rc; /* the user vanished */
}

int
secinfo_store_attempt(struct secinfo_store *store, long long user_id, unsigned max_failures,
		      long lockout, time_t now, long long *locked_until)
{
	long long until = (long long)now + lockout;
	int changes = 0, rc;

	/* sqlite3_changes() says whether the row was counted: a RETURNING clause, which sqlite
	 * compiles as a trigger, made this statement cost twice as much to prepare. */
	rc = secinfo_store_sql_exec(
		store, &changes,
		"UPDATE users SET failures = failures + 1"
		" WHERE id = ?1 AND COALESCE(locked_until, 0) <= ?2 AND failures < ?3",
		"iii", user_id, (long long)now, (long long)max_failures);
	if (rc != 0 || changes == 1)
		return rc;
	/* Not counted: locked, or as many attempts as max_failures are counted already, their
	 * answers still being checked by parallel conversations. That is a lockout now: a guess
	 * beyond the limit is never checked. */
	rc = secinfo_store_sql_exec(store, &changes,
				    "UPDATE users SET locked_until = ?3, failures = 0"
				    " WHERE id = ?1 AND COALESCE(locked_until, 0) <= ?2",
				    "iii", user_id, (long long)now, until);
	if (rc != 0)
		return rc;
	if (changes == 1)
		*locked_until = until;
	else if ((rc = secinfo_store_locked_until(store, user_id, locked_until)) != 0)
		return rc;
	return SECINFO_ERR_LOCKED;
}

int
secinfo_store_failure(struct secinfo_store *store, long long user_id, unsigned max_failures,
		      long lockout, time_t now, long long *locked_until)
{
	long long until = (long long)now + lockout;
	int changes = 0, rc;

	/* The attempts already counted decide, including those of concurrent sign-ins. The count
	 * starts again at a lockout. */
	rc = secinfo_store_sql_exec(store, &changes,
				    "UPDATE users SET locked_until = ?2, failures = 0"
				    " WHERE id = ?1 AND failures >= ?3",
				    "iii", user_id, until, (long long)max_failures);
	if (rc != 0)
		return rc;
	if (changes == 1) {
		*locked_until = until;
		return SECINFO_ERR_LOCKED;
	}
	return 0;
}

int
secinfo_store_success(struct secinfo_store *store, long long user_id, long long method_id,
		      time_t now, long long *locked_until)
{
	int changes = 0, rc, own = store->depth == 0;

	/* One transaction: a lock set meanwhile by a concurrent sign-in's failure wins, and the
	 * success costs one write to disk. Inside the caller's it takes no savepoint (two
	 * statements more per sign-in): a refusal (SECINFO_ERR_LOCKED) has written nothing, and
	 * after any other error the caller rolls back its transaction (store.h). */
	rc = own ? secinfo_store_begin(store) : 0;
	if (rc != 0)
		return rc;
	rc = secinfo_store_sql_exec(store, &changes,
				    "UPDATE users SET failures = 0"
				    " WHERE id = ?1 AND COALESCE(locked_until, 0) <= ?2",
				    "ii", user_id, (long long)now);
	if (rc == 0 && changes != 1) {
		rc = secinfo_store_locked_until(store, user_id, locked_until);
		if (rc == 0)
			rc = SECINFO_ERR_LOCKED;
	}
	if (rc == 0)
		rc = secinfo_store_sql_exec(store, NULL,
					    "UPDATE methods SET last_used = ?1 WHERE id = ?2", "ii",
					    (long long)now, method_id);
	if (rc == 0 && own)
		rc = secinfo_store_commit(store);
	if (rc != 0 && own)
		secinfo_store_rollback(store);
	return rc;
}

int
secinfo_store_failure_unenrolled(struct secinfo_store *store)
{
	/* The one statement per backend of this file: sqlite's meta.value holds the count as an
	 * integer; PostgreSQL's is bytea, which holds its decimal digits. */
	static const char *const sql[] = {
		[SECINFO_DB_SQLITE] =
			"INSERT INTO meta (name, value) VALUES ('unenrolled_failures', 1)"
			" ON CONFLICT (name) DO UPDATE SET value = value + 1",
		[SECINFO_DB_POSTGRESQL] =
			"INSERT INTO meta (name, value)"
			" VALUES ('unenrolled_failures', convert_to('1', 'UTF8'))"
			" ON CONFLICT (name) DO UPDATE SET value = convert_to(CAST("
			"CAST(convert_from(meta.value, 'UTF8') AS bigint) + 1 AS text), 'UTF8')",
	};

	return secinfo_store_sql_exec(store, NULL, sql[store->backend], "");
}
