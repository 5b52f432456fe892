/* secinfo: temporary access passes in the methods table, as keyed hashes (SPEC 14). */
#include "config.h"

#include "crypto.h"
#include "error.h"
#include "store_sql.h"
#include "tap.h"

int
secinfo_store_tap_issue(struct secinfo_store *store, const char *name, const char *pass,
			time_t expires, long long uses, time_t now, long long *id)
{
	unsigned char hash[SECINFO_TAP_HASH_BYTES];
	long long user_id = 0;
	int rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_user_ensure(store, name, now, &user_id);
	/* One pass per user: a new one replaces the old, active or not. */
	if (rc == 0)
		rc = secinfo_store_sql_exec(
			store, NULL, "DELETE FROM methods WHERE user_id = ?1 AND kind = 'tap'", "i",
			user_id);
	/* The hash binds the row's id, known once the row is there. */
	if (rc == 0)
		rc = secinfo_store_sql_int(
			store, id,
			"INSERT INTO methods (user_id, kind, expires, uses, created)"
			" VALUES (?1, 'tap', ?2, ?3, ?4) RETURNING id",
			"iiii", user_id, (long long)expires, uses, (long long)now);
	if (rc == 0)
		rc = secinfo_tap_hash(store->key, *id, pass, hash);
	if (rc == 0)
		rc = secinfo_store_sql_exec(store, NULL,
					    "UPDATE methods SET detail = ?1 WHERE id = ?2", "bi",
					    hash, sizeof(hash), *id);
	secinfo_wipe(hash, sizeof(hash));
	return rc;
}

int
secinfo_store_tap_revoke(struct secinfo_store *store, const char *name, time_t now)
{
	long long active = 0;
	int changes = 0, rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_sql_int(
		store, &active,
		"SELECT COUNT(*) FROM methods WHERE kind = 'tap' AND expires > ?2"
		" AND uses > 0 AND user_id = (SELECT id FROM users WHERE name = ?1)",
		"ti", name, (long long)now);
	if (rc == 0)
		rc = secinfo_store_sql_exec(store, &changes,
					    "DELETE FROM methods WHERE kind = 'tap' AND user_id ="
					    " (SELECT id FROM users WHERE name = ?1)",
					    "t", name);
	return rc != 0 ? rc : active > 0 ? 0 : SECINFO_ERR_NOT_FOUND;
}

int
secinfo_store_tap_check(struct secinfo_store *store, long long method_id, const char *pass,
			time_t now)
{
	unsigned char given[SECINFO_TAP_HASH_BYTES];
	struct secinfo_sql_hash_compare compare = {given, sizeof(given), 0};
	struct secinfo_sql query = {
		.sql = "SELECT detail FROM methods WHERE id = ?1 AND kind = 'tap'"
		       " AND expires > ?2 AND uses > 0 AND detail IS NOT NULL",
		.columns = "b",
		.row = secinfo_sql_hash_compare_row,
		.data = &compare,
	};
	int rc, changes = 0;

	rc = secinfo_tap_hash(store->key, method_id, pass, given);
	if (rc == 0)
		rc = secinfo_store_begin(
			store); /* only as many concurrent checks as uses succeed */
	if (rc != 0)
		goto out;
	rc = secinfo_store_sql(store, &query, "ii", method_id, (long long)now);
	/* Right: one use fewer, and the last use deletes the pass. A pass found expired or
	 * used up is deleted whatever was typed. */
	if (rc == 0 && compare.right)
		rc = secinfo_store_sql_exec(store, &changes,
					    "UPDATE methods SET uses = uses - 1 WHERE id = ?1"
					    " AND kind = 'tap' AND uses > 0",
					    "i", method_id);
	if (rc == 0)
		rc = secinfo_store_sql_exec(store, NULL,
					    "DELETE FROM methods WHERE id = ?1 AND kind = 'tap'"
					    " AND (uses <= 0 OR expires <= ?2)",
					    "ii", method_id, (long long)now);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	else if (!(compare.right && changes == 1))
		rc = SECINFO_ERR_WRONG;
out:
	secinfo_wipe(given, sizeof(given));
	return rc;
}
