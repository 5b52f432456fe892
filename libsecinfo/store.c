/* secinfo: opening and closing the store, the key check, and transactions. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto.h"
#include "error.h"
#include "safefile.h"
#include "schema.h"
#include "store_sql.h"

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
#define SECINFO_KEY_CHECK_AD   "secinfo/1\nkey-check"

/* Unseals the stored check value; anything but the known text is the wrong key. */
static int
secinfo_store_key_check_row(const struct secinfo_sql_row *row, void *data)
{
	const unsigned char *key = data;
	unsigned char *plain = NULL;
	size_t sealed_len = 0, plain_len = 0;
	const void *sealed = secinfo_sql_row_blob(row, 0, &sealed_len);
	int rc;

	rc = secinfo_unseal(key, SECINFO_KEY_CHECK_AD, sealed, sealed_len, &plain, &plain_len);
	if (rc == 0 && (plain_len != strlen(SECINFO_KEY_CHECK_TEXT) ||
			memcmp(plain, SECINFO_KEY_CHECK_TEXT, plain_len) != 0))
		rc = SECINFO_ERR_CORRUPT;
	secinfo_secret_free(plain);
	return rc == 0 ? 0 : SECINFO_ERR_CORRUPT;
}

/*
 * Proves that the key file belongs to this database, so that a wrong key denies everyone at
 * once instead of only users whose details happen to be decrypted. init (CREATE) writes the
 * check value the first time. Returns 0, SECINFO_ERR_CORRUPT or SECINFO_ERR_DB.
 */
static int
secinfo_store_key_check(struct secinfo_store *store, int flags)
{
	struct secinfo_sql query = {
		.sql = "SELECT value FROM meta WHERE name = 'key_check'",
		.columns = "b",
		.row = secinfo_store_key_check_row,
		.data = store->key,
	};
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;
	int rc;

	rc = secinfo_store_sql(store, &query, "");
	if (rc != 0 || query.rows > 0)
		return rc;
	if (!(flags & SECINFO_STORE_CREATE))
		return SECINFO_ERR_CORRUPT;
	rc = secinfo_seal(store->key, SECINFO_KEY_CHECK_AD,
			  (const unsigned char *)SECINFO_KEY_CHECK_TEXT,
			  strlen(SECINFO_KEY_CHECK_TEXT), &sealed, &sealed_len);
	if (rc == 0)
		rc = secinfo_store_sql_exec(
			store, NULL, "INSERT INTO meta (name, value) VALUES ('key_check', ?1)", "b",
			sealed, sealed_len);
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
			 "PRAGMA journal_mode = WAL;"
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
		rc = secinfo_store_sql_int(store, &version, "PRAGMA user_version", "");
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
	/* Only now: a migration rebuilds tables with foreign keys off. */
	if (sqlite3_exec(store->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK) {
		secinfo_store_why(why_buf, why_size, conf->db_path, sqlite3_errmsg(store->db));
		rc = SECINFO_ERR_DB;
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

/*
 * sqlite ends a transaction by itself after some errors (out of memory, disk full, I/O
 * errors). Inside a level the caller opened, that must not go unnoticed: a savepoint or a
 * statement would otherwise run in a new transaction of its own, outside the caller's.
 */
int
secinfo_store_aborted(const struct secinfo_store *store)
{
	return store->depth > 0 && sqlite3_get_autocommit(store->db);
}

/*
 * The outermost level takes the write lock at once (BEGIN IMMEDIATE), so that what a
 * transaction reads cannot change before it writes; the levels inside it are savepoints.
 */
int
secinfo_store_begin(struct secinfo_store *store)
{
	const char *sql = store->depth == 0 ? "BEGIN IMMEDIATE" : "SAVEPOINT secinfo";

	if (secinfo_store_aborted(store) ||
	    sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return SECINFO_ERR_DB;
	store->depth++;
	return 0;
}

int
secinfo_store_commit(struct secinfo_store *store)
{
	const char *sql = store->depth == 1 ? "COMMIT" : "RELEASE secinfo";

	if (store->depth == 0 || secinfo_store_aborted(store))
		return SECINFO_ERR_DB; /* the caller's rollback closes the level */
	if (sqlite3_exec(store->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		/* A failed COMMIT that ended the transaction leaves nothing to roll back. */
		if (store->depth == 1 && sqlite3_get_autocommit(store->db))
			store->depth = 0;
		return SECINFO_ERR_DB;
	}
	store->depth--;
	return 0;
}

void
secinfo_store_rollback(struct secinfo_store *store)
{
	if (store->depth == 0)
		return;
	if (!sqlite3_get_autocommit(store->db)) {
		if (store->depth == 1)
			sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
		else if (sqlite3_exec(store->db, "ROLLBACK TO secinfo; RELEASE secinfo", NULL, NULL,
				      NULL) != SQLITE_OK)
			/* Never leave a level's writes in place for the levels around it to
			 * commit: undo everything; their commits then fail. */
			sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
	}
	store->depth--;
}
