/* secinfo: users and their methods as the store reads them (decrypted), and user-wide edits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "store_sql.h"

static void
secinfo_method_clear(struct secinfo_method *m)
{
	if (m->detail != NULL) {
		secinfo_wipe(m->detail, strlen(m->detail));
		free(m->detail);
	}
	secinfo_secret_free(m->secret);
	memset(m, 0, sizeof(*m));
}

void
secinfo_user_free(struct secinfo_user *user)
{
	if (user == NULL)
		return;
	for (size_t i = 0; i < user->n_methods; i++)
		secinfo_method_clear(&user->methods[i]);
	free(user->methods);
	free(user->name);
	free(user);
}

struct secinfo_method *
secinfo_user_method(const struct secinfo_user *user, long long id)
{
	for (size_t i = 0; i < user->n_methods; i++)
		if (user->methods[i].id == id)
			return &user->methods[i];
	return NULL;
}

struct secinfo_method *
secinfo_user_first_method(const struct secinfo_user *user, enum secinfo_purpose purpose,
			  unsigned kinds)
{
	for (const int *k = secinfo_kind_fallback_order(purpose); *k >= 0; k++) {
		if (!(kinds & SECINFO_KIND_BIT(*k)))
			continue;
		/* methods are loaded oldest first */
		for (size_t i = 0; i < user->n_methods; i++)
			if ((int)user->methods[i].kind == *k)
				return &user->methods[i];
	}
	return NULL;
}

/* What a method row is decrypted with. */
struct secinfo_method_loader {
	struct secinfo_store *store;
	const char *user;
};

/* Decrypts a stored detail into M: a secret for app and key, text for the others. */
static int
secinfo_method_decrypt(struct secinfo_store *store, const char *user, struct secinfo_method *m,
		       const void *blob, size_t blob_len)
{
	unsigned char *plain = NULL;
	size_t plain_len = 0;
	char ad[512];
	int rc;

	/* A pass's keyed hash stays in the database: only its check reads it. */
	if (blob == NULL || secinfo_kind_detail_form(m->kind) == SECINFO_DETAIL_HASH)
		return 0;
	rc = secinfo_store_detail_ad(ad, sizeof(ad), user, m->kind);
	if (rc == 0)
		rc = secinfo_unseal(store->key, ad, blob, blob_len, &plain, &plain_len);
	if (rc != 0)
		return rc;
	if (secinfo_kind_detail_form(m->kind) == SECINFO_DETAIL_SECRET) {
		m->secret = plain;
		m->secret_len = plain_len;
		return 0;
	}
	m->detail = strdup((const char *)plain);
	secinfo_secret_free(plain);
	return m->detail == NULL ? SECINFO_ERR_NOMEM : 0;
}

/* One methods row (the columns of secinfo_store_methods_load) into ELEMENT. */
static int
secinfo_method_fill(const struct secinfo_sql_row *row, void *element, void *data)
{
	const struct secinfo_method_loader *loader = data;
	struct secinfo_method *m = element;
	int kind = secinfo_kind_parse(secinfo_sql_row_text(row, 1));
	const void *blob;
	size_t blob_len = 0;

	if (kind < 0)
		return SECINFO_ERR_CORRUPT;
	m->id = secinfo_sql_row_int(row, 0);
	m->kind = (enum secinfo_kind)kind;
	m->otp.algorithm = (int)secinfo_sql_row_int(row, 3);
	m->otp.digits = (unsigned)secinfo_sql_row_int(row, 4);
	m->otp.period = (unsigned)secinfo_sql_row_int(row, 5);
	m->otp.hotp = (int)secinfo_sql_row_int(row, 6);
	m->counter = secinfo_sql_row_int(row, 7);
	m->created = secinfo_sql_row_int(row, 8);
	m->last_used = secinfo_sql_row_int(row, 9);
	m->expires = secinfo_sql_row_int(row, 10);
	m->uses = secinfo_sql_row_int(row, 11);
	/* The OTP parameters are not encrypted: never trust them unchecked. */
	if (secinfo_kind_has_otp(m->kind) &&
	    (m->otp.algorithm < SECINFO_OTP_SHA1 || m->otp.algorithm > SECINFO_OTP_SHA512 ||
	     m->otp.digits < 6 || m->otp.digits > SECINFO_OTP_MAX_DIGITS ||
	     (m->otp.hotp != 0 && m->otp.hotp != 1) ||
	     (!m->otp.hotp && (m->otp.period < 1 || m->otp.period > 3600))))
		return SECINFO_ERR_CORRUPT;
	blob = secinfo_sql_row_blob(row, 2, &blob_len);
	return secinfo_method_decrypt(loader->store, loader->user, m, blob, blob_len);
}

/* Oldest first: by creation time, then by id. */
static int
secinfo_method_cmp(const void *a, const void *b)
{
	const struct secinfo_method *x = a, *y = b;

	if (x->created != y->created)
		return x->created < y->created ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
secinfo_store_methods_load(struct secinfo_store *store, struct secinfo_user *user)
{
	struct secinfo_method_loader loader = {store, user->name};
	struct secinfo_sql_array array = {.size = sizeof(struct secinfo_method),
					  .fill = secinfo_method_fill,
					  .data = &loader};
	int rc;

	/* Sorted here, not by ORDER BY: sqlite's sorter cost a sign-in 25,000 instructions
	 * (bench/README.md), for a user's few methods. */
	rc = secinfo_store_sql_array(
		store, &array,
		"SELECT id, kind, detail, otp_algorithm, otp_digits, otp_period, otp_hotp, counter,"
		" created, last_used, expires, uses FROM methods WHERE user_id = ?1"
		" AND " SECINFO_SQL_METHOD_ACTIVE("?2"),
		"itBIIIIiiIII", "ii", user->id, (long long)time(NULL));
	/* The user owns what was loaded, even on failure: secinfo_user_free wipes it. */
	user->methods = array.array;
	user->n_methods = array.count;
	if (rc == 0 && array.count > 1)
		qsort(user->methods, user->n_methods, sizeof(*user->methods), secinfo_method_cmp);
	return rc;
}

/* The users row (id, default_method, failures, locked_until) into the user. */
static int
secinfo_user_fill(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_user *user = data;

	user->id = secinfo_sql_row_int(row, 0);
	user->default_method = secinfo_sql_row_int(row, 1);
	user->failures = (unsigned)secinfo_sql_row_int(row, 2);
	user->locked_until = secinfo_sql_row_int(row, 3);
	return 0;
}

int
secinfo_store_user_get(struct secinfo_store *store, const char *name, struct secinfo_user **out)
{
	struct secinfo_sql query = {
		.sql = "SELECT id, default_method, failures, locked_until FROM users WHERE name = "
		       "?1",
		.columns = "iIiI",
		.row = secinfo_user_fill,
	};
	struct secinfo_user *user = NULL;
	int rc;

	*out = NULL;
	user = calloc(1, sizeof(*user));
	if (user == NULL || (user->name = strdup(name)) == NULL) {
		free(user);
		return SECINFO_ERR_NOMEM;
	}
	query.data = user;
	/* One shield around both statements (each would raise its own: 3 system calls). */
	rc = secinfo_store_shield(store);
	if (rc == 0) {
		rc = secinfo_store_sql(store, &query, "t", name);
		if (rc == 0 && query.rows == 0)
			rc = SECINFO_ERR_NOT_FOUND;
		if (rc == 0)
			rc = secinfo_store_methods_load(store, user);
		secinfo_store_unshield(store);
	}
	if (rc != 0) {
		secinfo_user_free(user);
		return rc;
	}
	*out = user;
	return 0;
}

/* What the scan of users without its index found: rows named exactly NAME, and rows of NAME in
 * other case or as typed. */
struct secinfo_user_rows {
	long long exact, spellings;
};

static int
secinfo_user_rows_fill(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_user_rows *rows = data;

	rows->exact = secinfo_sql_row_int(row, 0);
	rows->spellings = secinfo_sql_row_int(row, 1);
	return 0;
}

int
secinfo_store_user_confirm(struct secinfo_store *store, const char *name, const char *typed,
			   const struct secinfo_user *user)
{
	struct secinfo_user_rows rows = {0, 0};
	/* The scans per backend, in this one place: sqlite's read the tables past their indexes
	 * (NOT INDEXED), so that a damaged index cannot hide a row; PostgreSQL keeps its indexes
	 * whole itself. The other spelling is found on both: another case (ASCII, as sqlite's
	 * NOCASE; PostgreSQL's lower() folds more, which only refuses more) or the name as
	 * typed. */
	static const char *const users_sql[] = {
		[SECINFO_DB_SQLITE] = "SELECT COALESCE(SUM(name = ?1), 0),"
				      " COALESCE(SUM(name = ?1 COLLATE NOCASE OR name = ?2), 0)"
				      " FROM users NOT INDEXED",
		[SECINFO_DB_POSTGRESQL] =
			"SELECT COALESCE(SUM(CASE WHEN name = ?1 THEN 1 ELSE 0 END), 0),"
			" COALESCE(SUM(CASE WHEN lower(name) = lower(?1) OR name = ?2"
			" THEN 1 ELSE 0 END), 0) FROM users",
	};
	static const char *const methods_sql[] = {
		[SECINFO_DB_SQLITE] = "SELECT COUNT(*) FROM methods NOT INDEXED WHERE user_id = ?1"
				      " AND " SECINFO_SQL_METHOD_ACTIVE("?2"),
		[SECINFO_DB_POSTGRESQL] = "SELECT COUNT(*) FROM methods WHERE user_id = ?1"
					  " AND " SECINFO_SQL_METHOD_ACTIVE("?2"),
	};
	struct secinfo_sql scan = {
		.sql = users_sql[store->backend],
		.columns = "ii",
		.row = secinfo_user_rows_fill,
		.data = &rows,
	};
	long long methods = 0;
	int rc;

	rc = secinfo_store_sql(store, &scan, "tt", name, typed != NULL ? typed : name);
	if (rc == 0)
		rc = secinfo_store_sql_int(store, &methods, methods_sql[store->backend], "ii",
					   user != NULL ? user->id : -1, (long long)time(NULL));
	if (rc != 0)
		return rc;
	if (rows.exact != (user != NULL ? 1 : 0) ||
	    methods != (user != NULL ? (long long)user->n_methods : 0))
		return SECINFO_ERR_CORRUPT;
	return rows.spellings > rows.exact ? SECINFO_ERR_EXISTS : 0;
}

/* The caller's function and data, for the row callback that hands each name on. */
struct secinfo_name_each {
	int (*fn)(const char *name, void *data);
	void *data;
};

static int
secinfo_user_name_row(const struct secinfo_sql_row *row, void *data)
{
	const struct secinfo_name_each *each = data;

	return each->fn(secinfo_sql_row_text(row, 0), each->data);
}

int
secinfo_store_user_names(struct secinfo_store *store, int (*fn)(const char *name, void *data),
			 void *data)
{
	struct secinfo_name_each each = {fn, data};
	struct secinfo_sql query = {
		.sql = "SELECT name FROM users ORDER BY name",
		.columns = "t",
		.row = secinfo_user_name_row,
		.data = &each,
	};

	return secinfo_store_sql(store, &query, "");
}

int
secinfo_store_user_delete(struct secinfo_store *store, const char *name)
{
	int changes = 0, rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_sql_exec(store, &changes, "DELETE FROM users WHERE name = ?1", "t",
				    name);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_NOT_FOUND;
}

int
secinfo_store_user_unlock(struct secinfo_store *store, const char *name)
{
	int changes = 0, rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_sql_exec(
		store, &changes,
		"UPDATE users SET failures = 0, locked_until = NULL WHERE name = ?1", "t", name);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_NOT_FOUND;
}

struct secinfo_summary_each {
	int (*fn)(const struct secinfo_user_summary *summary, void *data);
	void *data;
};

static int
secinfo_user_summary_row(const struct secinfo_sql_row *row, void *data)
{
	const struct secinfo_summary_each *each = data;
	const char *kind = secinfo_sql_row_text(row, 2);
	struct secinfo_user_summary s;

	s.name = secinfo_sql_row_text(row, 0);
	s.n_methods = secinfo_sql_row_int(row, 1);
	s.default_kind = kind != NULL ? secinfo_kind_parse(kind) : -1;
	s.locked_until = secinfo_sql_row_int(row, 3);
	s.failures = (unsigned)secinfo_sql_row_int(row, 4);
	if (kind != NULL && s.default_kind < 0)
		return SECINFO_ERR_CORRUPT;
	return each->fn(&s, each->data);
}

int
secinfo_store_user_summaries(struct secinfo_store *store,
			     int (*fn)(const struct secinfo_user_summary *summary, void *data),
			     void *data)
{
	struct secinfo_summary_each each = {fn, data};
	struct secinfo_sql query = {
		.sql = "SELECT u.name, (SELECT COUNT(*) FROM methods m WHERE m.user_id = u.id"
		       " AND " SECINFO_SQL_METHOD_ACTIVE(
			       "?1") "),"
				     " (SELECT kind FROM methods d WHERE d.id = u.default_method"
				     " AND d.user_id = u.id), COALESCE(u.locked_until, 0), "
				     "u.failures"
				     " FROM users u ORDER BY u.name",
		.columns = "tiTii",
		.row = secinfo_user_summary_row,
		.data = &each,
	};

	return secinfo_store_sql(store, &query, "i", (long long)time(NULL));
}
