#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "code.h"
#include "crypto.h"
#include "error.h"
#include "safefile.h"
#include "schema.h"
#include "store.h"

struct secinfo_store {
	sqlite3 *db;
	unsigned char *key;
	const struct secinfo_conf *conf;
};

/* Associated data binding an encrypted detail to its user and kind. */
static int
secinfo_store_ad(char *ad, size_t size, const char *user, enum secinfo_kind kind)
{
	int n = snprintf(ad, size, "secinfo/1\n%s\n%s", user, secinfo_kind_name(kind));
	return n < 0 || (size_t)n >= size ? SECINFO_ERR_INVALID : 0;
}

/*
 * Prepares SQL and binds the arguments described by TYPES: 'i' long long, 't' text,
 * 'b' blob (pointer, size_t length), 'n' NULL. Returns the statement or NULL.
 */
static sqlite3_stmt *
secinfo_store_prepare(struct secinfo_store *store, const char *sql, const char *types, va_list ap)
{
	sqlite3_stmt *stmt = NULL;
	int rc = SQLITE_OK, i = 1;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return NULL;
	for (const char *t = types; rc == SQLITE_OK && *t != '\0'; t++, i++) {
		if (*t == 'i') {
			rc = sqlite3_bind_int64(stmt, i, va_arg(ap, long long));
		} else if (*t == 't') {
			rc = sqlite3_bind_text(stmt, i, va_arg(ap, const char *), -1,
					       SQLITE_STATIC);
		} else if (*t == 'b') {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = sqlite3_bind_blob(stmt, i, p, (int)n, SQLITE_STATIC);
		} else {
			rc = sqlite3_bind_null(stmt, i);
		}
	}
	if (rc != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/* Runs a statement that returns no rows. Returns 0 or SECINFO_ERR_DB; *changes if not NULL. */
static int
secinfo_store_exec(struct secinfo_store *store, int *changes, const char *sql, const char *types,
		   ...)
{
	sqlite3_stmt *stmt;
	va_list ap;
	int rc;

	va_start(ap, types);
	stmt = secinfo_store_prepare(store, sql, types, ap);
	va_end(ap);
	if (stmt == NULL)
		return SECINFO_ERR_DB;
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return SECINFO_ERR_DB;
	if (changes != NULL)
		*changes = sqlite3_changes(store->db);
	return 0;
}

/* Runs a query whose first row's first column is an integer. Returns 0,
 * SECINFO_ERR_NOT_FOUND (no row) or SECINFO_ERR_DB. */
static int
secinfo_store_int(struct secinfo_store *store, long long *value, const char *sql, const char *types,
		  ...)
{
	sqlite3_stmt *stmt;
	va_list ap;
	int rc;

	va_start(ap, types);
	stmt = secinfo_store_prepare(store, sql, types, ap);
	va_end(ap);
	if (stmt == NULL)
		return SECINFO_ERR_DB;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(stmt, 0);
	/* Step to the end: an UPDATE ... RETURNING commits only when it is done, and a failed
	 * commit must not pass for a counted failure. */
	for (int step = rc; step == SQLITE_ROW;)
		step = sqlite3_step(stmt);
	if (sqlite3_finalize(stmt) != SQLITE_OK)
		return SECINFO_ERR_DB;
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? SECINFO_ERR_NOT_FOUND : SECINFO_ERR_DB;
}

static void
secinfo_store_why(char *buf, size_t size, const char *path, const char *why)
{
	if (buf != NULL && size > 0)
		snprintf(buf, size, "%s: %s", path, why);
}

/* Checks the database's directory and the file itself before sqlite touches them. */
static int
secinfo_store_check_files(const struct secinfo_conf *conf, int flags, char *why_buf,
			  size_t why_size)
{
	const char *why = NULL;
	char dir[4096];
	char *slash;
	int fd, rc;

	snprintf(dir, sizeof(dir), "%s", conf->db_path);
	slash = strrchr(dir, '/');
	if (slash == NULL || strlen(conf->db_path) >= sizeof(dir)) {
		secinfo_store_why(why_buf, why_size, conf->db_path, "not an absolute path");
		return SECINFO_ERR_CONFIG;
	}
	*(slash == dir ? slash + 1 : slash) = '\0';
	rc = secinfo_dir_check(dir, &why);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, dir, why);
		return rc;
	}
	if (flags & SECINFO_STORE_CREATE) {
		fd = open(conf->db_path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			  0600);
		if (fd >= 0)
			close(fd);
		else if (errno != EEXIST) {
			secinfo_store_why(why_buf, why_size, conf->db_path, strerror(errno));
			return SECINFO_ERR_IO;
		}
	}
	fd = secinfo_file_open(conf->db_path, SECINFO_FILE_PUBLIC_READ, &why);
	if (fd < 0) {
		secinfo_store_why(why_buf, why_size, conf->db_path, why);
		return fd;
	}
	close(fd);
	return 0;
}

#define SECINFO_KEY_CHECK_TEXT "secinfo key check"

/*
 * Proves that the key file belongs to this database, so that a wrong key denies everyone at
 * once instead of only users whose details happen to be decrypted. init (CREATE) writes the
 * check value the first time. Returns 0, SECINFO_ERR_CORRUPT or SECINFO_ERR_DB.
 */
static int
secinfo_store_key_check(struct secinfo_store *store, int flags)
{
	static const char ad[] = "secinfo/1\nkey-check";
	unsigned char *sealed = NULL, *plain = NULL;
	size_t sealed_len = 0, plain_len = 0;
	sqlite3_stmt *stmt = NULL;
	int rc, step;

	if (sqlite3_prepare_v2(store->db, "SELECT value FROM meta WHERE name = 'key_check'", -1,
			       &stmt, NULL) != SQLITE_OK)
		return SECINFO_ERR_DB;
	step = sqlite3_step(stmt);
	if (step == SQLITE_ROW) {
		rc = secinfo_unseal(store->key, ad, sqlite3_column_blob(stmt, 0),
				    (size_t)sqlite3_column_bytes(stmt, 0), &plain, &plain_len);
		if (rc == 0 && (plain_len != strlen(SECINFO_KEY_CHECK_TEXT) ||
				memcmp(plain, SECINFO_KEY_CHECK_TEXT, plain_len) != 0))
			rc = SECINFO_ERR_CORRUPT;
		secinfo_secret_free(plain);
		sqlite3_finalize(stmt);
		return rc == 0 ? 0 : SECINFO_ERR_CORRUPT;
	}
	sqlite3_finalize(stmt);
	if (step != SQLITE_DONE)
		return SECINFO_ERR_DB;
	if (!(flags & SECINFO_STORE_CREATE))
		return SECINFO_ERR_CORRUPT;
	rc = secinfo_seal(store->key, ad, (const unsigned char *)SECINFO_KEY_CHECK_TEXT,
			  strlen(SECINFO_KEY_CHECK_TEXT), &sealed, &sealed_len);
	if (rc == 0)
		rc = secinfo_store_exec(store, NULL,
					"INSERT INTO meta (name, value) VALUES ('key_check', ?1)",
					"b", sealed, sealed_len);
	free(sealed);
	return rc;
}

int
secinfo_store_open(const struct secinfo_conf *conf, int flags, struct secinfo_store **out,
		   char *why_buf, size_t why_size)
{
	struct secinfo_store *store = NULL;
	const char *why = NULL;
	int rc;

	*out = NULL;
	rc = secinfo_store_check_files(conf, flags, why_buf, why_size);
	if (rc != 0)
		return rc;
	store = calloc(1, sizeof(*store));
	if (store == NULL)
		return SECINFO_ERR_NOMEM;
	store->conf = conf;
	rc = secinfo_key_load(conf->key_file, &store->key, &why);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->key_file, why);
		goto fail;
	}
	/* The directory is root's alone (checked above), so nobody can swap the file between the
	 * check and this open; NOFOLLOW still refuses a symlink. */
	if (sqlite3_open_v2(conf->db_path, &store->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		secinfo_store_why(why_buf, why_size, conf->db_path,
				  store->db != NULL ? sqlite3_errmsg(store->db) : "cannot open");
		rc = SECINFO_ERR_DB;
		goto fail;
	}
	sqlite3_busy_timeout(store->db, (int)(conf->busy_timeout * 1000));
	if (sqlite3_exec(store->db,
			 "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;"
			 "PRAGMA secure_delete = ON; PRAGMA trusted_schema = OFF;"
			 "PRAGMA temp_store = MEMORY;",
			 NULL, NULL, NULL) != SQLITE_OK) {
		secinfo_store_why(why_buf, why_size, conf->db_path, sqlite3_errmsg(store->db));
		rc = SECINFO_ERR_DB;
		goto fail;
	}
	/* Only init may create the schema: an empty file where a database should be (truncated,
	 * or a fresh disk) would otherwise make every user look unenrolled. */
	if (!(flags & SECINFO_STORE_CREATE)) {
		long long version = 0;
		rc = secinfo_store_int(store, &version, "PRAGMA user_version", "");
		if (rc == 0 && version == 0) {
			secinfo_store_why(why_buf, why_size, conf->db_path,
					  "database is not initialised (run secinfo-admin init)");
			rc = SECINFO_ERR_CORRUPT;
		}
		if (rc != 0)
			goto fail;
	}
	rc = secinfo_schema_migrate(store->db);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->db_path,
				  rc == SECINFO_ERR_UNSUPPORTED
					  ? "database schema is newer than this version of secinfo"
					  : sqlite3_errmsg(store->db));
		goto fail;
	}
	rc = secinfo_store_key_check(store, flags);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->key_file,
				  rc == SECINFO_ERR_CORRUPT ? "this key does not match the database"
							    : sqlite3_errmsg(store->db));
		goto fail;
	}
	*out = store;
	return 0;
fail:
	secinfo_store_close(store);
	return rc;
}

void
secinfo_store_close(struct secinfo_store *store)
{
	if (store == NULL)
		return;
	sqlite3_close(store->db);
	secinfo_key_free(store->key);
	free(store);
}

const struct secinfo_conf *
secinfo_store_conf(const struct secinfo_store *store)
{
	return store->conf;
}

int
secinfo_store_begin(struct secinfo_store *store)
{
	return sqlite3_exec(store->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK
		       ? 0
		       : SECINFO_ERR_DB;
}

int
secinfo_store_commit(struct secinfo_store *store)
{
	return sqlite3_exec(store->db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? 0
										: SECINFO_ERR_DB;
}

void
secinfo_store_rollback(struct secinfo_store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

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

/* Decrypts a stored detail into M: a secret for app and key, text for the others. */
static int
secinfo_method_decrypt(struct secinfo_store *store, const char *user, struct secinfo_method *m,
		       const void *blob, size_t blob_len)
{
	unsigned char *plain = NULL;
	size_t plain_len = 0;
	char ad[512];
	int rc;

	if (blob == NULL)
		return 0;
	rc = secinfo_store_ad(ad, sizeof(ad), user, m->kind);
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

static int
secinfo_store_methods_load(struct secinfo_store *store, struct secinfo_user *user)
{
	static const char sql[] =
		"SELECT id, kind, detail, otp_algorithm, otp_digits, otp_period, otp_hotp, counter,"
		" created, last_used FROM methods WHERE user_id = ?1 ORDER BY created, id";
	sqlite3_stmt *stmt = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, user->id) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return SECINFO_ERR_DB;
	}
	while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct secinfo_method *grown, *m;
		int kind = secinfo_kind_parse((const char *)sqlite3_column_text(stmt, 1));

		if (kind < 0) {
			rc = SECINFO_ERR_CORRUPT;
			break;
		}
		grown = realloc(user->methods, (user->n_methods + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = SECINFO_ERR_NOMEM;
			break;
		}
		user->methods = grown;
		m = &user->methods[user->n_methods++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(stmt, 0);
		m->kind = (enum secinfo_kind)kind;
		m->otp.algorithm = sqlite3_column_int(stmt, 3);
		m->otp.digits = (unsigned)sqlite3_column_int(stmt, 4);
		m->otp.period = (unsigned)sqlite3_column_int(stmt, 5);
		m->otp.hotp = sqlite3_column_int(stmt, 6);
		m->counter = sqlite3_column_int64(stmt, 7);
		m->created = sqlite3_column_int64(stmt, 8);
		m->last_used = sqlite3_column_int64(stmt, 9);
		/* The OTP parameters are not encrypted: never trust them unchecked. */
		if (secinfo_kind_has_otp((enum secinfo_kind)kind) &&
		    (m->otp.algorithm < SECINFO_OTP_SHA1 || m->otp.algorithm > SECINFO_OTP_SHA512 ||
		     m->otp.digits < 6 || m->otp.digits > SECINFO_OTP_MAX_DIGITS ||
		     (m->otp.hotp != 0 && m->otp.hotp != 1) ||
		     (!m->otp.hotp && (m->otp.period < 1 || m->otp.period > 3600)))) {
			rc = SECINFO_ERR_CORRUPT;
			break;
		}
		rc = secinfo_method_decrypt(store, user->name, m, sqlite3_column_blob(stmt, 2),
					    (size_t)sqlite3_column_bytes(stmt, 2));
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = SECINFO_ERR_DB;
	sqlite3_finalize(stmt);
	return rc;
}

int
secinfo_store_user_get(struct secinfo_store *store, const char *name, struct secinfo_user **out)
{
	static const char sql[] =
		"SELECT id, default_method, failures, locked_until FROM users WHERE name = ?1";
	struct secinfo_user *user = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc, step;

	*out = NULL;
	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return SECINFO_ERR_DB;
	}
	step = sqlite3_step(stmt);
	if (step != SQLITE_ROW) {
		sqlite3_finalize(stmt);
		return step == SQLITE_DONE ? SECINFO_ERR_NOT_FOUND : SECINFO_ERR_DB;
	}
	user = calloc(1, sizeof(*user));
	if (user == NULL || (user->name = strdup(name)) == NULL) {
		sqlite3_finalize(stmt);
		free(user);
		return SECINFO_ERR_NOMEM;
	}
	user->id = sqlite3_column_int64(stmt, 0);
	user->default_method = sqlite3_column_int64(stmt, 1);
	user->failures = (unsigned)sqlite3_column_int(stmt, 2);
	user->locked_until = sqlite3_column_int64(stmt, 3);
	sqlite3_finalize(stmt);
	rc = secinfo_store_methods_load(store, user);
	if (rc != 0) {
		secinfo_user_free(user);
		return rc;
	}
	*out = user;
	return 0;
}

int
secinfo_store_user_names(struct secinfo_store *store, int (*fn)(const char *name, void *data),
			 void *data)
{
	sqlite3_stmt *stmt = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(store->db, "SELECT name FROM users ORDER BY name", -1, &stmt,
			       NULL) != SQLITE_OK)
		return SECINFO_ERR_DB;
	while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW)
		rc = fn((const char *)sqlite3_column_text(stmt, 0), data);
	if (rc == 0 && step != SQLITE_DONE)
		rc = SECINFO_ERR_DB;
	sqlite3_finalize(stmt);
	return rc;
}

int
secinfo_store_user_delete(struct secinfo_store *store, const char *name)
{
	int changes = 0, rc;

	rc = secinfo_store_exec(store, &changes, "DELETE FROM users WHERE name = ?1", "t", name);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_NOT_FOUND;
}

int
secinfo_store_user_unlock(struct secinfo_store *store, const char *name)
{
	int changes = 0, rc;

	rc = secinfo_store_exec(
		store, &changes,
		"UPDATE users SET failures = 0, locked_until = NULL WHERE name = ?1", "t", name);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_NOT_FOUND;
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

int
secinfo_store_method_add(struct secinfo_store *store, const char *name, enum secinfo_kind kind,
			 const char *detail, const unsigned char *secret, size_t secret_len,
			 const struct secinfo_otp_params *otp, time_t now, long long *id)
{
	static const char sql[] =
		"INSERT INTO methods (user_id, kind, detail, otp_algorithm, otp_digits, otp_period,"
		" otp_hotp, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	long long user_id = 0, default_method = 0;
	char ad[512];
	int rc;

	rc = secinfo_store_exec(store, NULL,
				"INSERT INTO users (name, created) VALUES (?1, ?2)"
				" ON CONFLICT (name) DO NOTHING",
				"ti", name, (long long)now);
	if (rc == 0)
		rc = secinfo_store_int(store, &user_id, "SELECT id FROM users WHERE name = ?1", "t",
				       name);
	if (rc == 0)
		rc = secinfo_store_ad(ad, sizeof(ad), name, kind);
	if (rc == 0 && secret != NULL)
		rc = secinfo_seal(store->key, ad, secret, secret_len, &sealed, &sealed_len);
	else if (rc == 0 && detail != NULL)
		rc = secinfo_seal(store->key, ad, (const unsigned char *)detail, strlen(detail),
				  &sealed, &sealed_len);
	if (rc != 0)
		goto out;
	if (otp != NULL)
		rc = secinfo_store_exec(
			store, NULL, sql, "itbiiiii", user_id, secinfo_kind_name(kind), sealed,
			sealed_len, (long long)otp->algorithm, (long long)otp->digits,
			(long long)otp->period, (long long)otp->hotp, (long long)now);
	else if (sealed != NULL)
		rc = secinfo_store_exec(store, NULL, sql, "itbnnnni", user_id,
					secinfo_kind_name(kind), sealed, sealed_len,
					(long long)now);
	else
		rc = secinfo_store_exec(store, NULL, sql, "itnnnnni", user_id,
					secinfo_kind_name(kind), (long long)now);
	if (rc != 0)
		goto out;
	*id = sqlite3_last_insert_rowid(store->db);
	/* The first 2FA-capable method becomes the default. */
	if (secinfo_kind_purposes(kind) & SECINFO_PURPOSE_2FA) {
		rc = secinfo_store_int(store, &default_method,
				       "SELECT IFNULL(default_method, 0) FROM users WHERE id = ?1",
				       "i", user_id);
		if (rc == 0 && default_method == 0)
			rc = secinfo_store_exec(
				store, NULL, "UPDATE users SET default_method = ?1 WHERE id = ?2",
				"ii", *id, user_id);
	}
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

	rc = secinfo_store_exec(store, &changes,
				"DELETE FROM methods WHERE id = ?1 AND user_id ="
				" (SELECT id FROM users WHERE name = ?2)",
				"it", id, name);
	if (rc == 0 && changes != 1)
		rc = SECINFO_ERR_NOT_FOUND;
	if (rc == 0)
		rc = secinfo_store_user_get(store, name, &user);
	if (rc != 0 || user->default_method != id)
		goto out;
	next = secinfo_user_first_method(user, SECINFO_PURPOSE_2FA, SECINFO_KINDS_ALL);
	if (next != NULL)
		rc = secinfo_store_exec(store, NULL,
					"UPDATE users SET default_method = ?1 WHERE id = ?2", "ii",
					next->id, user->id);
	else
		rc = secinfo_store_exec(store, NULL,
					"UPDATE users SET default_method = NULL WHERE id = ?1", "i",
					user->id);
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

	rc = secinfo_store_user_get(store, name, &user);
	if (rc != 0)
		return rc;
	m = secinfo_user_method(user, id);
	if (m == NULL)
		rc = SECINFO_ERR_NOT_FOUND;
	else if (!(secinfo_kind_purposes(m->kind) & SECINFO_PURPOSE_2FA))
		rc = SECINFO_ERR_DENIED;
	else
		rc = secinfo_store_exec(store, NULL,
					"UPDATE users SET default_method = ?1 WHERE id = ?2", "ii",
					id, user->id);
	secinfo_user_free(user);
	return rc;
}

int
secinfo_store_counter_accept(struct secinfo_store *store, long long id, long long counter)
{
	int changes = 0, rc;

	rc = secinfo_store_exec(store, &changes,
				"UPDATE methods SET counter = ?1 WHERE id = ?2 AND counter < ?1",
				"ii", counter, id);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_WRONG;
}

/* Reads when USER_ID is locked until (0: not locked). */
static int
secinfo_store_locked_until(struct secinfo_store *store, long long user_id, long long *until)
{
	int rc = secinfo_store_int(store, until,
				   "SELECT IFNULL(locked_until, 0) FROM users WHERE id = ?1", "i",
				   user_id);

	return rc == SECINFO_ERR_NOT_FOUND ? SECINFO_ERR_DB : rc; /* the user vanished */
}

int
secinfo_store_attempt(struct secinfo_store *store, long long user_id, time_t now,
		      long long *locked_until)
{
	long long failures = 0;
	int rc;

	rc = secinfo_store_int(
		store, &failures,
		"UPDATE users SET failures = failures + 1"
		" WHERE id = ?1 AND IFNULL(locked_until, 0) <= ?2 RETURNING failures",
		"ii", user_id, (long long)now);
	if (rc != SECINFO_ERR_NOT_FOUND)
		return rc;
	rc = secinfo_store_locked_until(store, user_id, locked_until);
	return rc != 0 ? rc : SECINFO_ERR_LOCKED;
}

int
secinfo_store_failure(struct secinfo_store *store, long long user_id, unsigned max_failures,
		      long lockout, time_t now, long long *locked_until)
{
	long long until = (long long)now + lockout;
	int changes = 0, rc;

	/* The attempts already counted decide, including those of concurrent sign-ins. The count
	 * starts again at a lockout. */
	rc = secinfo_store_exec(store, &changes,
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
	int changes = 0, rc;

	/* One transaction: a lock set meanwhile by a concurrent sign-in's failure wins, and the
	 * success costs one write to disk. */
	rc = secinfo_store_begin(store);
	if (rc == 0)
		rc = secinfo_store_exec(store, &changes,
					"UPDATE users SET failures = 0"
					" WHERE id = ?1 AND IFNULL(locked_until, 0) <= ?2",
					"ii", user_id, (long long)now);
	if (rc == 0 && changes != 1) {
		rc = secinfo_store_locked_until(store, user_id, locked_until);
		if (rc == 0)
			rc = SECINFO_ERR_LOCKED;
	}
	if (rc == 0)
		rc = secinfo_store_exec(store, NULL,
					"UPDATE methods SET last_used = ?1 WHERE id = ?2", "ii",
					(long long)now, method_id);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

int
secinfo_store_failure_unenrolled(struct secinfo_store *store)
{
	return secinfo_store_exec(store, NULL,
				  "INSERT INTO meta (name, value) VALUES ('unenrolled_failures', 1)"
				  " ON CONFLICT (name) DO UPDATE SET value = value + 1",
				  "");
}

int
secinfo_store_audit(struct secinfo_store *store, const struct secinfo_audit_entry *e)
{
	return secinfo_store_exec(store, NULL,
				  "INSERT INTO audit (time, user, service, rhost, method, event,"
				  " result) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				  "itttttt", e->time, e->user, e->service ? e->service : "",
				  e->rhost ? e->rhost : "", e->method ? e->method : "", e->event,
				  e->result);
}

int
secinfo_store_audit_list(struct secinfo_store *store, const char *user, long long since,
			 int (*fn)(const struct secinfo_audit_entry *entry, void *data), void *data)
{
	static const char sql[] =
		"SELECT time, user, service, rhost, method, event, result FROM audit"
		" WHERE (?1 IS NULL OR user = ?1) AND time >= ?2 ORDER BY time, id";
	struct secinfo_audit_entry e;
	sqlite3_stmt *stmt = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
	    (user != NULL ? sqlite3_bind_text(stmt, 1, user, -1, SQLITE_STATIC)
			  : sqlite3_bind_null(stmt, 1)) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, since) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return SECINFO_ERR_DB;
	}
	while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		e.time = sqlite3_column_int64(stmt, 0);
		e.user = (const char *)sqlite3_column_text(stmt, 1);
		e.service = (const char *)sqlite3_column_text(stmt, 2);
		e.rhost = (const char *)sqlite3_column_text(stmt, 3);
		e.method = (const char *)sqlite3_column_text(stmt, 4);
		e.event = (const char *)sqlite3_column_text(stmt, 5);
		e.result = (const char *)sqlite3_column_text(stmt, 6);
		rc = fn(&e, data);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = SECINFO_ERR_DB;
	sqlite3_finalize(stmt);
	return rc;
}

int
secinfo_store_user_summaries(struct secinfo_store *store,
			     int (*fn)(const struct secinfo_user_summary *summary, void *data),
			     void *data)
{
	static const char sql[] =
		"SELECT u.name, (SELECT COUNT(*) FROM methods m WHERE m.user_id = u.id),"
		" (SELECT kind FROM methods d WHERE d.id = u.default_method AND d.user_id = u.id),"
		" IFNULL(u.locked_until, 0), u.failures FROM users u ORDER BY u.name";
	struct secinfo_user_summary s;
	sqlite3_stmt *stmt = NULL;
	int rc = 0, step;

	if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return SECINFO_ERR_DB;
	while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const unsigned char *kind = sqlite3_column_text(stmt, 2);

		s.name = (const char *)sqlite3_column_text(stmt, 0);
		s.n_methods = sqlite3_column_int64(stmt, 1);
		s.default_kind = kind != NULL ? secinfo_kind_parse((const char *)kind) : -1;
		s.locked_until = sqlite3_column_int64(stmt, 3);
		s.failures = (unsigned)sqlite3_column_int(stmt, 4);
		if (s.name == NULL || (kind != NULL && s.default_kind < 0))
			rc = SECINFO_ERR_CORRUPT;
		else
			rc = fn(&s, data);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = SECINFO_ERR_DB;
	sqlite3_finalize(stmt);
	return rc;
}

int
secinfo_store_code_set(struct secinfo_store *store, long long method_id, const char *code,
		       time_t expires)
{
	unsigned char hash[SECINFO_CODE_HASH_BYTES];
	int rc;

	rc = secinfo_code_hash(store->key, method_id, code, hash);
	/* One code per method: a new code replaces (invalidates) the previous one. */
	if (rc == 0)
		rc = secinfo_store_exec(store, NULL,
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
	sqlite3_stmt *stmt = NULL;
	int rc, right = 0, changes = 0;

	rc = secinfo_code_hash(store->key, method_id, code, given);
	if (rc == 0)
		rc = secinfo_store_begin(store); /* exactly one concurrent check can consume it */
	if (rc != 0)
		goto out;
	if (sqlite3_prepare_v2(store->db,
			       "SELECT hash FROM codes WHERE method_id = ?1 AND"
			       " expires > ?2 AND attempts < ?3",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, method_id) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 2, (long long)now) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 3, (long long)max_attempts) != SQLITE_OK) {
		rc = SECINFO_ERR_DB;
		goto out;
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		right = sqlite3_column_bytes(stmt, 0) == SECINFO_CODE_HASH_BYTES &&
			secinfo_equal(sqlite3_column_blob(stmt, 0), given, sizeof(given));
	rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : SECINFO_ERR_DB;
	sqlite3_finalize(stmt);
	stmt = NULL;
	/* Right: single use. Wrong (or expired, used up, none): one attempt more. */
	if (rc == 0 && right)
		rc = secinfo_store_exec(store, &changes, "DELETE FROM codes WHERE method_id = ?1",
					"i", method_id);
	else if (rc == 0)
		rc = secinfo_store_exec(
			store, NULL,
			"UPDATE codes SET attempts = attempts + 1 WHERE method_id = ?1", "i",
			method_id);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc == 0 && !(right && changes == 1))
		rc = SECINFO_ERR_WRONG;
out:
	sqlite3_finalize(stmt);
	if (rc != 0 && rc != SECINFO_ERR_WRONG)
		secinfo_store_rollback(store);
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
	if (rc == 0)
		rc = secinfo_store_exec(store, NULL, "DELETE FROM sends WHERE time <= ?1", "i",
					(long long)now - 3600);
	if (rc == 0)
		rc = secinfo_store_int(store, &sent,
				       "SELECT count(*) FROM sends WHERE user_id = ?1 AND"
				       " channel = ?2 AND time > ?3",
				       "iti", user_id, channel, (long long)now - 3600);
	if (rc == 0 && sent >= (long long)max_per_hour)
		rc = SECINFO_ERR_DENIED;
	if (rc == 0)
		rc = secinfo_store_exec(
			store, NULL,
			"INSERT INTO sends (user_id, channel, time) VALUES (?1, ?2, ?3)", "iti",
			user_id, channel, (long long)now);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

/* --- security questions and answers ------------------------------------------------------- */

int
secinfo_store_question_add(struct secinfo_store *store, const char *text, long long *id)
{
	int rc = secinfo_store_exec(
		store, NULL, "INSERT INTO questions (text, active) VALUES (?1, 1)", "t", text);

	if (rc == 0)
		*id = sqlite3_last_insert_rowid(store->db);
	return rc;
}

int
secinfo_store_question_retire(struct secinfo_store *store, long long id)
{
	int changes = 0, rc;

	rc = secinfo_store_exec(store, &changes, "UPDATE questions SET active = 0 WHERE id = ?1",
				"i", id);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_NOT_FOUND;
}

void
secinfo_questions_free(struct secinfo_question *questions, size_t count)
{
	for (size_t i = 0; questions != NULL && i < count; i++)
		free(questions[i].text);
	free(questions);
}

int
secinfo_store_questions_get(struct secinfo_store *store, int active_only,
			    struct secinfo_question **out, size_t *count)
{
	struct secinfo_question *list = NULL, *grown;
	sqlite3_stmt *stmt = NULL;
	size_t n = 0;
	int rc = 0, step;

	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(store->db,
			       "SELECT id, text, active FROM questions"
			       " WHERE ?1 = 0 OR active = 1 ORDER BY id",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int(stmt, 1, active_only ? 1 : 0) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return SECINFO_ERR_DB;
	}
	while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 1);

		grown = realloc(list, (n + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = SECINFO_ERR_NOMEM;
			break;
		}
		list = grown;
		list[n].id = sqlite3_column_int64(stmt, 0);
		list[n].active = sqlite3_column_int(stmt, 2) != 0;
		list[n].text = strdup(text != NULL ? text : "");
		if (list[n++].text == NULL)
			rc = SECINFO_ERR_NOMEM;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = SECINFO_ERR_DB;
	sqlite3_finalize(stmt);
	if (rc != 0) {
		secinfo_questions_free(list, n);
		return rc;
	}
	*out = list;
	*count = n;
	return 0;
}

int
secinfo_store_answer_add(struct secinfo_store *store, long long method_id, long long question_id,
			 const char *hash)
{
	long long active = 0;
	int changes = 0, rc;

	rc = secinfo_store_exec(store, &changes,
				"INSERT INTO answers (method_id, question_id, hash)"
				" SELECT ?1, id, ?3 FROM questions WHERE id = ?2 AND active = 1"
				" ON CONFLICT (method_id, question_id) DO NOTHING",
				"iit", method_id, question_id, hash);
	if (rc != 0 || changes == 1)
		return rc;
	rc = secinfo_store_int(store, &active, "SELECT active FROM questions WHERE id = ?1", "i",
			       question_id);
	if (rc == SECINFO_ERR_NOT_FOUND || (rc == 0 && active == 0))
		return SECINFO_ERR_NOT_FOUND;
	return rc != 0 ? rc : SECINFO_ERR_EXISTS;
}

void
secinfo_answers_free(struct secinfo_answer *answers, size_t count)
{
	for (size_t i = 0; answers != NULL && i < count; i++) {
		free(answers[i].question);
		if (answers[i].hash != NULL)
			secinfo_wipe(answers[i].hash, strlen(answers[i].hash));
		free(answers[i].hash);
	}
	free(answers);
}

int
secinfo_store_answers_get(struct secinfo_store *store, long long method_id,
			  struct secinfo_answer **out, size_t *count)
{
	struct secinfo_answer *list = NULL, *grown;
	sqlite3_stmt *stmt = NULL;
	size_t n = 0;
	int rc = 0, step;

	*out = NULL;
	*count = 0;
	if (sqlite3_prepare_v2(store->db,
			       "SELECT q.id, q.text, a.hash FROM answers a"
			       " JOIN questions q ON q.id = a.question_id"
			       " WHERE a.method_id = ?1 AND q.active = 1 ORDER BY q.id",
			       -1, &stmt, NULL) != SQLITE_OK ||
	    sqlite3_bind_int64(stmt, 1, method_id) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return SECINFO_ERR_DB;
	}
	while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *text = (const char *)sqlite3_column_text(stmt, 1);
		const char *hash = (const char *)sqlite3_column_text(stmt, 2);

		grown = realloc(list, (n + 1) * sizeof(*grown));
		if (grown == NULL) {
			rc = SECINFO_ERR_NOMEM;
			break;
		}
		list = grown;
		list[n].question_id = sqlite3_column_int64(stmt, 0);
		list[n].question = strdup(text != NULL ? text : "");
		list[n].hash = strdup(hash != NULL ? hash : "");
		if (list[n].question == NULL || list[n].hash == NULL)
			rc = SECINFO_ERR_NOMEM;
		n++;
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = SECINFO_ERR_DB;
	sqlite3_finalize(stmt);
	if (rc != 0) {
		secinfo_answers_free(list, n);
		return rc;
	}
	*out = list;
	*count = n;
	return 0;
}
