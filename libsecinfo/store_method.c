/* secinfo: adding and deleting methods, the default method, and accepted OTP counters. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "store_sql.h"

int
secinfo_store_detail_ad(char *ad, size_t size, const char *user, enum secinfo_kind kind)
{
	int n = snprintf(ad, size, "secinfo/1\n%s\n%s", user, secinfo_kind_name(kind));
	return n < 0 || (size_t)n >= size ? SECINFO_ERR_INVALID : 0;
}

int
secinfo_store_user_ensure(struct secinfo_store *store, const char *name, time_t now,
			  long long *user_id)
{
	int rc;

	rc = secinfo_store_sql_exec(store, NULL,
				    "INSERT INTO users (name, created) VALUES (?1, ?2)"
				    " ON CONFLICT (name) DO NOTHING",
				    "ti", name, (long long)now);
	if (rc == 0)
		rc = secinfo_store_sql_int(store, user_id, "SELECT id FROM users WHERE name = ?1",
					   "t", name);
	return rc;
}

/* Makes the first 2FA-capable method the default of a user who has none. */
static int
secinfo_store_default_first(struct secinfo_store *store, long long user_id, long long id)
{
	long long default_method = 0;
	int rc;

	rc = secinfo_store_sql_int(store, &default_method,
				   "SELECT COALESCE(default_method, 0) FROM users WHERE id = ?1",
				   "i", user_id);
	if (rc == 0 && default_method == 0)
		rc = secinfo_store_sql_exec(store, NULL,
					    "UPDATE users SET default_method = ?1 WHERE id = ?2",
					    "ii", id, user_id);
	return rc;
}

int
secinfo_store_method_add(struct secinfo_store *store, const char *name, enum secinfo_kind kind,
			 const char *detail, const unsigned char *secret, size_t secret_len,
			 const struct secinfo_otp_params *otp, time_t now, long long *id)
{
	static const char sql[] =
		"INSERT INTO methods (user_id, kind, detail, otp_algorithm, otp_digits, otp_period,"
		" otp_hotp, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id";
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	long long user_id = 0;
	char ad[512];
	int rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_user_ensure(store, name, now, &user_id);
	if (rc == 0)
		rc = secinfo_store_detail_ad(ad, sizeof(ad), name, kind);
	if (rc == 0 && secret != NULL)
		rc = secinfo_seal(store->key, ad, secret, secret_len, &sealed, &sealed_len);
	else if (rc == 0 && detail != NULL)
		rc = secinfo_seal(store->key, ad, (const unsigned char *)detail, strlen(detail),
				  &sealed, &sealed_len);
	if (rc != 0)
		goto out;
	if (otp != NULL)
		rc = secinfo_store_sql_int(
			store, id, sql, "itbiiiii", user_id, secinfo_kind_name(kind), sealed,
			sealed_len, (long long)otp->algorithm, (long long)otp->digits,
			(long long)otp->period, (long long)otp->hotp, (long long)now);
	else if (sealed != NULL)
		rc = secinfo_store_sql_int(store, id, sql, "itbnnnni", user_id,
					   secinfo_kind_name(kind), sealed, sealed_len,
					   (long long)now);
	else
		rc = secinfo_store_sql_int(store, id, sql, "itnnnnni", user_id,
					   secinfo_kind_name(kind), (long long)now);
	if (rc != 0)
		goto out;
	if (secinfo_kind_can_be_default(kind))
		rc = secinfo_store_default_first(store, user_id, *id);
out:
	free(sealed);
	return rc;
}

int
secinfo_store_method_delete(struct secinfo_store *store, const char *name, long long id)
{
	struct secinfo_user *user = NULL;
	struct secinfo_method *next;
	int changes = 0, rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_sql_exec(store, &changes,
				    "DELETE FROM methods WHERE id = ?1 AND user_id ="
				    " (SELECT id FROM users WHERE name = ?2)",
				    "it", id, name);
	if (rc == 0 && changes != 1)
		rc = SECINFO_ERR_NOT_FOUND;
	if (rc == 0)
		rc = secinfo_store_user_get(store, name, &user);
	if (rc != 0 || user->default_method != id)
		goto out;
	/* The deleted method was the default: the next one in the fallback order, or none. */
	next = secinfo_user_first_method(user, SECINFO_PURPOSE_2FA, SECINFO_KINDS_ALL);
	rc = secinfo_store_sql_exec(store, NULL,
				    "UPDATE users SET default_method = NULLIF(?1, 0) WHERE id = ?2",
				    "ii", next != NULL ? next->id : 0LL, user->id);
out:
	secinfo_user_free(user);
	return rc;
}

int
secinfo_store_method_set_default(struct secinfo_store *store, const char *name, long long id)
{
	struct secinfo_user *user = NULL;
	struct secinfo_method *m;
	int rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_user_get(store, name, &user);
	if (rc != 0)
		return rc;
	m = secinfo_user_method(user, id);
	if (m == NULL)
		rc = SECINFO_ERR_NOT_FOUND;
	else if (!secinfo_kind_can_be_default(m->kind))
		rc = SECINFO_ERR_DENIED;
	else
		rc = secinfo_store_sql_exec(store, NULL,
					    "UPDATE users SET default_method = ?1 WHERE id = ?2",
					    "ii", id, user->id);
	secinfo_user_free(user);
	return rc;
}

int
secinfo_store_counter_accept(struct secinfo_store *store, long long id, long long counter)
{
	int changes = 0, rc;

	rc = secinfo_store_sql_exec(
		store, &changes, "UPDATE methods SET counter = ?1 WHERE id = ?2 AND counter < ?1",
		"ii", counter, id);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_WRONG;
}

int
secinfo_store_signature_counter_accept(struct secinfo_store *store, long long id, long long counter)
{
	int changes = 0, rc;

	rc = secinfo_store_sql_exec(store, &changes,
				    "UPDATE methods SET counter = ?1 WHERE id = ?2 AND "
				    "(counter < ?1 OR (?1 = 0 AND counter = 0))",
				    "ii", counter, id);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_WRONG;
}
