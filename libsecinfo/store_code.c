/* secinfo: one-time codes sent by sms, call and email (as keyed hashes), and send limits. */
#include "config.h"

#include "code.h"
#include "crypto.h"
#include "error.h"
#include "store_sql.h"

int
secinfo_store_code_set(struct secinfo_store *store, long long method_id, const char *code,
		       time_t expires)
{
	unsigned char hash[SECINFO_CODE_HASH_BYTES];
	int rc;

	rc = secinfo_code_hash(store->key, method_id, code, hash);
	/* One code per method: a new code replaces (invalidates) the previous one. */
	if (rc == 0)
		rc = secinfo_store_sql_exec(
			store, NULL,
			"INSERT INTO codes (method_id, hash, expires, attempts)"
			" VALUES (?1, ?2, ?3, 0) ON CONFLICT (method_id) DO UPDATE"
			" SET hash = excluded.hash, expires = excluded.expires,"
			" attempts = 0",
			"ibi", method_id, hash, sizeof(hash), (long long)expires);
	secinfo_wipe(hash, sizeof(hash));
	return rc;
}

int
secinfo_store_code_check(struct secinfo_store *store, long long method_id, const char *code,
			 time_t now, unsigned max_attempts)
{
	unsigned char given[SECINFO_CODE_HASH_BYTES];
	struct secinfo_sql_hash_compare compare = {given, sizeof(given), 0};
	struct secinfo_sql query = {
		.sql = "SELECT hash FROM codes WHERE method_id = ?1 AND expires > ?2"
		       " AND attempts < ?3",
		.columns = "b",
		.row = secinfo_sql_hash_compare_row,
		.data = &compare,
	};
	int rc, changes = 0;

	rc = secinfo_code_hash(store->key, method_id, code, given);
	if (rc == 0)
		rc = secinfo_store_begin(store); /* exactly one concurrent check can consume it */
	if (rc != 0)
		goto out;
	rc = secinfo_store_sql(store, &query, "iii", method_id, (long long)now,
			       (long long)max_attempts);
	/* Right: single use. Wrong (or expired, used up, none): one attempt more. */
	if (rc == 0 && compare.right)
		rc = secinfo_store_sql_exec(
			store, &changes, "DELETE FROM codes WHERE method_id = ?1", "i", method_id);
	else if (rc == 0)
		rc = secinfo_store_sql_exec(
			store, NULL,
			"UPDATE codes SET attempts = attempts + 1 WHERE method_id = ?1", "i",
			method_id);
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

int
secinfo_store_send_reserve(struct secinfo_store *store, long long user_id, const char *channel,
			   time_t now, unsigned max_per_hour)
{
	long long sent = 0;
	int rc;

	/* Count and record in one transaction: concurrent sign-ins cannot both slip under. */
	rc = secinfo_store_begin(store);
	if (rc != 0)
		return rc;
	rc = secinfo_store_sql_exec(store, NULL, "DELETE FROM sends WHERE time <= ?1", "i",
				    (long long)now - 3600);
	if (rc == 0)
		rc = secinfo_store_sql_int(store, &sent,
					   "SELECT count(*) FROM sends WHERE user_id = ?1 AND"
					   " channel = ?2 AND time > ?3",
					   "iti", user_id, channel, (long long)now - 3600);
	if (rc == 0 && sent >= (long long)max_per_hour)
		rc = SECINFO_ERR_DENIED;
	if (rc == 0)
		rc = secinfo_store_sql_exec(
			store, NULL,
			"INSERT INTO sends (user_id, channel, time) VALUES (?1, ?2, ?3)", "iti",
			user_id, channel, (long long)now);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

int
secinfo_store_send_reserve_name(struct secinfo_store *store, const char *name, const char *channel,
				time_t now, unsigned max_per_hour)
{
	long long user_id = 0;
	int rc = secinfo_store_begin(store);

	if (rc != 0)
		return rc;
	rc = secinfo_store_user_ensure(store, name, now, &user_id);
	if (rc == 0)
		rc = secinfo_store_send_reserve(store, user_id, channel, now, max_per_hour);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}
