/* secinfo: opening and closing the store, the key check, and transactions. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* Checks a file next to the database that sqlite opens on its own (-wal, -shm): they stay
 * between sign-ins and hold recent writes, so they are held to the database's rules. */
static int
secinfo_store_check_sidecar(const struct secinfo_conf *conf, const char *suffix, char *why_buf,
			    size_t why_size)
{
	const char *why = NULL;
	char path[4200];
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s%s", conf->db_path, suffix) >= sizeof(path))
		return SECINFO_ERR_CONFIG;
	rc = secinfo_file_check(path, SECINFO_FILE_PUBLIC_READ, NULL, &why);
	if (rc == SECINFO_ERR_NOT_FOUND)
		return 0;
	if (rc != 0)
		secinfo_store_why(why_buf, why_size, path, why);
	return rc;
}

/* Checks the database's directory and the file itself before sqlite touches them. */
static int
secinfo_store_check_files(const struct secinfo_conf *conf, int flags, char *why_buf,
			  size_t why_size)
{
	const char *why = NULL;
	struct stat st;
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
	rc = secinfo_file_check(conf->db_path, SECINFO_FILE_PUBLIC_READ, &st, &why);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->db_path, why);
		return rc;
	}
	/* sqlite deletes the WAL of an empty database file: a file truncated or replaced by
	 * mistake must not take the last writes of the real database with it. */
	if (st.st_size == 0 && !(flags & SECINFO_STORE_CREATE)) {
		secinfo_store_why(why_buf, why_size, conf->db_path,
				  "database is not initialised (run secinfo-admin init)");
		rc = SECINFO_ERR_CORRUPT;
	}
	if (rc == 0)
		rc = secinfo_store_check_sidecar(conf, "-wal", why_buf, why_size);
	if (rc == 0)
		rc = secinfo_store_check_sidecar(conf, "-shm", why_buf, why_size);
	return rc;
}

#define SECINFO_KEY_CHECK_TEXT "secinfo key check"
#define SECINFO_KEY_CHECK_AD   "secinfo/1\nkey-check"

/* Unseals the stored check value; anything but the known text is the wrong key. */
static int
secinfo_store_key_check_row(const struct secinfo_sql_row *row, void *data)
{
	const unsigned char *key = data;
	unsigned char plain[sizeof(SECINFO_KEY_CHECK_TEXT)]; /* a known text, no secret */
	size_t sealed_len = 0, plain_len = 0;
	const void *sealed = secinfo_sql_row_blob(row, 0, &sealed_len);
	int rc;

	rc = secinfo_unseal_public(key, SECINFO_KEY_CHECK_AD, sealed, sealed_len, plain,
				   sizeof(plain), &plain_len);
	if (rc == 0 && (plain_len != strlen(SECINFO_KEY_CHECK_TEXT) ||
			memcmp(plain, SECINFO_KEY_CHECK_TEXT, plain_len) != 0))
		rc = SECINFO_ERR_CORRUPT;
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
	int changes = 0, rc;

	rc = secinfo_store_sql(store, &query, "");
	if (rc != 0 || query.rows > 0)
		return rc;
	if (!(flags & SECINFO_STORE_CREATE))
		return SECINFO_ERR_CORRUPT;
	rc = secinfo_seal(store->key, SECINFO_KEY_CHECK_AD,
			  (const unsigned char *)SECINFO_KEY_CHECK_TEXT,
			  strlen(SECINFO_KEY_CHECK_TEXT), &sealed, &sealed_len);
	/* Another init may have written its check value meanwhile (two hosts of a fleet at
	 * once): then that one must match this key. */
	if (rc == 0)
		rc = secinfo_store_sql_exec(
			store, &changes,
			"INSERT INTO meta (name, value) VALUES ('key_check', ?1)"
			" ON CONFLICT (name) DO NOTHING",
			"b", sealed, sealed_len);
	free(sealed);
	if (rc == 0 && changes == 0) {
		rc = secinfo_store_sql(store, &query, "");
		if (rc == 0 && query.rows == 0)
			rc = SECINFO_ERR_CORRUPT;
	}
	return rc;
}

/*
 * The WAL size, in pages, at which a commit checkpoints. The first connection to open the
 * database (in a quiet system: every sign-in) rebuilds the WAL index by reading the whole WAL,
 * about 1.6 us per page here: with sqlite's default of 1000 pages that made a sign-in 2.5
 * times as costly in CPU as before. A sign-in writes 5 pages (the user, the method, the audit
 * row and its two indexes), so at 16 pages a checkpoint (3 fsyncs: the WAL before it, the
 * database, and a new WAL's header) comes about every fourth sign-in, and a rebuild reads 8
 * pages on average: bench/run.sh, 42,000 fewer instructions per sign-in than at 32 pages, 1.85
 * fsyncs per sign-in instead of 1.6 (the target of issue 8: at most 3).
 */
#define SECINFO_WAL_CHECKPOINT_PAGES 16

/* The busy handler's first pause and the longest, in microseconds. */
#define SECINFO_BUSY_FIRST_US 64
#define SECINFO_BUSY_MAX_US   1000

/*
 * Waits for a lock that another connection holds. A sign-in holds the write lock for well
 * under a millisecond, but sqlite's own handler sleeps 1, 2, 5, 10 ... up to 100 ms between
 * tries: 50 concurrent sign-ins took 1.8 s through the module, and 50 simulated through the
 * store API 0.9-1.3 s, against 70-90 ms with this handler. It retries after 64 us, doubling
 * up to 1 ms, each pause jittered by +-25% so that waiting processes do not retry in step,
 * until [database] busy_timeout has passed since the first try; then the statement fails with
 * SQLITE_BUSY. Returns 1 to retry, 0 to give up.
 */
static int
secinfo_store_busy(void *data, int tries)
{
	struct secinfo_store *store = data;
	struct timespec now, pause;
	long long waited, sleep_us;
	unsigned jitter = 0;

	if (store->busy_no_wait)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tries == 0) {
		store->busy_since = now;
		store->busy_pause_us = SECINFO_BUSY_FIRST_US;
	}
	waited = (now.tv_sec - store->busy_since.tv_sec) * 1000000LL +
		 (now.tv_nsec - store->busy_since.tv_nsec) / 1000;
	if (waited >= store->busy_timeout_us)
		return 0;
	secinfo_random(&jitter, sizeof(jitter));
	sleep_us = store->busy_pause_us * 3 / 4 + jitter % (store->busy_pause_us / 2 + 1);
	if (sleep_us > store->busy_timeout_us - waited)
		sleep_us = store->busy_timeout_us - waited;
	pause.tv_sec = (time_t)(sleep_us / 1000000);
	pause.tv_nsec = (long)(sleep_us % 1000000) * 1000;
	nanosleep(&pause, NULL); /* a signal only makes this try come sooner */
	store->busy_pause_us *= 2;
	if (store->busy_pause_us > SECINFO_BUSY_MAX_US)
		store->busy_pause_us = SECINFO_BUSY_MAX_US;
	return 1;
}

/*
 * Copies the WAL into the database file and empties it (TRUNCATE), never waiting for anyone:
 * when another connection writes or still reads from the WAL, it copies what it can (as
 * PASSIVE does) and leaves the rest to the next commit. sqlite's own automatic checkpoint is
 * PASSIVE and leaves the WAL to be restarted by the connection's next write; a process that
 * commits once after it (a sign-in in one transaction) never makes that write, and the next
 * process, which rebuilds the WAL index from the file, sees every frame as not yet copied:
 * 182 of 200 such sign-ins checkpointed again, 2 more fsyncs each.
 */
static void
secinfo_store_checkpoint(struct secinfo_store *store)
{
	store->busy_no_wait = 1;
	sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
	store->busy_no_wait = 0;
}

/* Called after every commit with the number of frames in the WAL. */
static int
secinfo_store_wal_hook(void *data, sqlite3 *db, const char *name, int frames)
{
	if (frames >= SECINFO_WAL_CHECKPOINT_PAGES)
		secinfo_store_checkpoint(data);
	return SQLITE_OK;
}

/* No memory statistics: they take a global mutex around every allocation, which a
 * short-lived connection pays for thousands of times (parsing the schema alone), and nothing
 * here reads them. sqlite takes this only before it initialises, and sqlite3_config is not
 * thread-safe: once per load of the module (which links its own copy of sqlite), even when a
 * threaded program starts two PAM transactions at once; a later call fails harmlessly. */
static pthread_once_t secinfo_store_sqlite_once = PTHREAD_ONCE_INIT;

/*
 * The VFS connections use: the platform's default one, except that an existing -wal is opened
 * without O_CREAT. sqlite opens the WAL with SQLITE_OPEN_CREATE every time, and the unix VFS
 * then syncs the directory at the file's first sync, so that a new file's name is durable:
 * once per connection, so one fsync more per sign-in now that the WAL persists. An existing
 * WAL's name was synced when it was created. A missing WAL is still created, and synced; one
 * removed between the check and the open makes the open fail (closed), never pass.
 */
static sqlite3_vfs secinfo_store_vfs, *secinfo_store_vfs_base;
static const char *secinfo_store_vfs_name;

static int
secinfo_store_vfs_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *file, int flags,
		       int *out_flags)
{
	sqlite3_vfs *base = secinfo_store_vfs_base;
	struct stat st;

	/* lstat, not the VFS's xAccess: that calls an empty file missing, and the WAL is empty
	 * after every checkpoint (TRUNCATE), so the connection after it synced the directory. */
	if ((flags & SQLITE_OPEN_WAL) && (flags & SQLITE_OPEN_CREATE) && name != NULL &&
	    lstat(name, &st) == 0 && S_ISREG(st.st_mode))
		flags &= ~SQLITE_OPEN_CREATE;
	return base->xOpen(base, name, file, flags, out_flags);
}

/* The VFS lives in this copy of the library: when it is unloaded (the module at pam_end) while
 * sqlite stays (linked with the shared libsqlite3), sqlite must not keep a pointer to it. */
__attribute__((destructor)) static void
secinfo_store_sqlite_unload(void)
{
	if (secinfo_store_vfs_name != NULL)
		sqlite3_vfs_unregister(&secinfo_store_vfs);
	secinfo_store_vfs_name = NULL;
}

/*
 * What every connection sets: synchronous = FULL (every commit synced), secure_delete = ON
 * (deleted rows overwritten), temp_store = MEMORY (no temporary files). Each PRAGMA costs a
 * connection about 8,000 instructions (bench/README.md); one that sets what this sqlite was
 * built to do anyway (Debian's: SECURE_DELETE, DEFAULT_WAL_SYNCHRONOUS=2) is left out.
 * tests/unit/test_store checks the three settings on an open store.
 */
static char secinfo_store_pragmas[128];

static void
secinfo_store_pragmas_choose(void)
{
	int temp_in_memory = sqlite3_compileoption_used("TEMP_STORE=2") ||
			     sqlite3_compileoption_used("TEMP_STORE=3");

	snprintf(secinfo_store_pragmas, sizeof(secinfo_store_pragmas), "%s%s%s",
		 sqlite3_compileoption_used("DEFAULT_WAL_SYNCHRONOUS=2")
			 ? ""
			 : "PRAGMA synchronous = FULL;",
		 sqlite3_compileoption_used("SECURE_DELETE") ? "" : "PRAGMA secure_delete = ON;",
		 temp_in_memory ? "" : "PRAGMA temp_store = MEMORY;");
}

static void
secinfo_store_sqlite_setup(void)
{
	sqlite3_vfs *base;

	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); /* before sqlite3_vfs_find initialises */
	base = sqlite3_vfs_find(NULL);
	secinfo_store_pragmas_choose();
	if (base == NULL)
		return;
	/* Every other method is the default VFS's own, with its own pAppData. */
	secinfo_store_vfs = *base;
	secinfo_store_vfs.pNext = NULL;
	secinfo_store_vfs.zName = "secinfo";
	secinfo_store_vfs.xOpen = secinfo_store_vfs_open;
	secinfo_store_vfs_base = base;
	if (sqlite3_vfs_register(&secinfo_store_vfs, 0) == SQLITE_OK)
		secinfo_store_vfs_name = secinfo_store_vfs.zName;
}

/*
 * Opens the connection and sets it up. A sign-in must neither create nor delete the -wal and
 * -shm files nor checkpoint when it closes: that cost 3 more fsyncs, 2 file creations and 2
 * unlinks per sign-in. The WAL stays bounded by the automatic checkpoint, which a commit
 * runs once the WAL has grown past SECINFO_WAL_CHECKPOINT_PAGES. Every commit still syncs the
 * WAL (synchronous = FULL): an accepted step or a counted failure survives a crash of the
 * process or of the machine.
 */
static int
secinfo_store_connect(struct secinfo_store *store)
{
	int one = 1;

	pthread_once(&secinfo_store_sqlite_once, secinfo_store_sqlite_setup);
	/* The directory is root's alone (checked before), so nobody can swap the file between
	 * the check and this open; NOFOLLOW still refuses a symlink. */
	if (sqlite3_open_v2(store->conf->db_path, &store->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
			    secinfo_store_vfs_name) != SQLITE_OK)
		return SECINFO_ERR_DB;
	store->busy_timeout_us = (long long)store->conf->busy_timeout * 1000000;
	sqlite3_wal_hook(store->db, secinfo_store_wal_hook, store); /* instead of sqlite's own */
	if (sqlite3_busy_handler(store->db, secinfo_store_busy, store) != SQLITE_OK ||
	    sqlite3_db_config(store->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) != SQLITE_OK ||
	    sqlite3_file_control(store->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one) != SQLITE_OK ||
	    /* No SQL function or virtual table named in the schema runs with our rights, and
	     * no SQL can write the schema or the pages directly. */
	    sqlite3_db_config(store->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL) != SQLITE_OK ||
	    sqlite3_db_config(store->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    (secinfo_store_pragmas[0] != '\0' &&
	     sqlite3_exec(store->db, secinfo_store_pragmas, NULL, NULL, NULL) != SQLITE_OK))
		return SECINFO_ERR_DB;
	return 0;
}

static int
secinfo_store_wal_row(const struct secinfo_sql_row *row, void *data)
{
	*(int *)data = strcmp(secinfo_sql_row_text(row, 0), "wal") == 0;
	return 0;
}

/* Returns 1 when the database file is in WAL mode. Once the schema version has been read
 * this is a question to sqlite's pager, not to the file. */
static int
secinfo_store_is_wal(struct secinfo_store *store)
{
	int wal = 0;
	struct secinfo_sql query = {
		.sql = "PRAGMA journal_mode",
		.columns = "t",
		.row = secinfo_store_wal_row,
		.data = &wal,
	};

	return secinfo_store_sql(store, &query, "") == 0 && wal;
}

/*
 * Reads the schema version once, makes sure the file is in WAL mode, migrates when the
 * version is old, and then turns foreign keys on (a migration rebuilds tables with them off).
 * WAL mode is a property of the file that init sets once; an open only verifies it and sets
 * it again when someone changed it. Only init may create the schema: an empty file where a
 * database should be (truncated, or a fresh disk) would otherwise make every user look
 * unenrolled. Returns 0 or a negative SECINFO_ERR_* code, with *why set when sqlite's own
 * message would not say what is wrong.
 */
static int
secinfo_store_prepare_schema(struct secinfo_store *store, int flags, const char **why)
{
	int version = 0, rc;

	*why = NULL;
	if (secinfo_schema_version(store->db, &version) != 0)
		return SECINFO_ERR_DB;
	if (version == 0 && !(flags & SECINFO_STORE_CREATE)) {
		*why = "database is not initialised (run secinfo-admin init)";
		return SECINFO_ERR_CORRUPT;
	}
	if (((flags & SECINFO_STORE_CREATE) || !secinfo_store_is_wal(store)) &&
	    sqlite3_exec(store->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL) != SQLITE_OK)
		return SECINFO_ERR_DB;
	if (version != SECINFO_SCHEMA_VERSION) {
		store->checkpoint_on_close = 1;
		rc = secinfo_schema_migrate(store->db);
		if (rc == SECINFO_ERR_UNSUPPORTED)
			*why = "database schema is newer than this version of secinfo";
		if (rc != 0)
			return rc;
	}
	return sqlite3_db_config(store->db, SQLITE_DBCONFIG_ENABLE_FKEY, 1, NULL) == SQLITE_OK
		       ? 0
		       : SECINFO_ERR_DB;
}

/* The fleet-wide write lock of a PostgreSQL store (issue 12): every transaction takes it
 * first, as sqlite's BEGIN IMMEDIATE takes the database's, and so does the schema's
 * creation. One fixed key ("seci"). */
#define SECINFO_PG_LOCK "SELECT pg_advisory_xact_lock(" SECINFO_PG_LOCK_KEY ")"

/* Reads the PostgreSQL schema version into *version: 0 when secinfo_schema does not exist
 * (never initialised: SQLSTATE 42P01, undefined_table; one round trip for every open, and
 * outside a transaction, which the error would end). Returns 0 or SECINFO_ERR_DB. */
static int
secinfo_store_pg_version(struct secinfo_store *store, int *version)
{
	long long v = 0;
	int rc;

	*version = 0;
	rc = secinfo_store_sql_int(store, &v, "SELECT version FROM secinfo_schema", "");
	if (rc == SECINFO_ERR_NOT_FOUND ||
	    (rc == SECINFO_ERR_DB && store->depth == 0 && store->pg != NULL &&
	     strcmp(store->pg_sqlstate, "42P01") == 0))
		return 0;
	*version = (int)v;
	return rc;
}

/* Creates or migrates the PostgreSQL schema in one transaction under the write lock (two hosts
 * running init at once: the second finds the work done). Returns 0, SECINFO_ERR_UNSUPPORTED
 * (a newer schema) or SECINFO_ERR_DB. */
static int
secinfo_store_pg_migrate(struct secinfo_store *store, int *found)
{
	char sql[128], status[32];
	int version = 0, rc;

	rc = secinfo_pg_script(store, "BEGIN; " SECINFO_PG_LOCK "; " SECINFO_PG_SCHEMA_TABLE, NULL,
			       0);
	if (rc == 0)
		rc = secinfo_store_pg_version(store, &version);
	if (rc == 0 && (version < 0 || version > SECINFO_PG_SCHEMA_VERSION))
		rc = SECINFO_ERR_UNSUPPORTED;
	*found = version; /* another host may have done it while we waited for the lock */
	for (; rc == 0 && version < SECINFO_PG_SCHEMA_VERSION; version++)
		rc = secinfo_pg_script(store, secinfo_pg_migrations[version], NULL, 0);
	if (rc == 0) {
		snprintf(sql, sizeof(sql),
			 "INSERT INTO secinfo_schema (version) VALUES (%d) ON CONFLICT (one)"
			 " DO UPDATE SET version = excluded.version",
			 version);
		rc = secinfo_pg_script(store, sql, NULL, 0);
	}
	if (rc == 0)
		rc = secinfo_pg_script(store, "COMMIT", status, sizeof(status));
	if (rc == 0 && strcmp(status, "COMMIT") != 0)
		rc = SECINFO_ERR_DB;
	if (rc != 0 && store->pg != NULL)
		secinfo_pg_script(store, "ROLLBACK", NULL, 0);
	return rc;
}

/*
 * Opens a PostgreSQL store (SPEC 16): the key, the connection (store_pg.c), the schema (init
 * creates or migrates it; an open migrates an old one, as sqlite's does, and refuses a
 * database never initialised) and the key check. Messages name the host.
 */
static int
secinfo_store_open_pg(const struct secinfo_conf *conf, int flags, struct secinfo_store **out,
		      char *why_buf, size_t why_size)
{
	struct secinfo_store *store = NULL;
	const char *why = NULL;
	int version = 0, rc;

	store = calloc(1, sizeof(*store));
	if (store == NULL)
		return SECINFO_ERR_NOMEM;
	store->conf = conf;
	store->backend = SECINFO_DB_POSTGRESQL;
	rc = secinfo_key_load(conf->key_file, &store->key, &why);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->key_file, why);
		goto fail;
	}
	rc = secinfo_pg_connect(store, why_buf, why_size);
	if (rc != 0)
		goto fail;
	rc = secinfo_store_pg_version(store, &version);
	if (rc == 0 && version == 0 && !(flags & SECINFO_STORE_CREATE)) {
		why = "database is not initialised (run secinfo-admin init)";
		rc = SECINFO_ERR_CORRUPT;
	} else if (rc == 0 && version > SECINFO_PG_SCHEMA_VERSION) {
		rc = SECINFO_ERR_UNSUPPORTED;
	} else if (rc == 0 && version != SECINFO_PG_SCHEMA_VERSION) {
		rc = secinfo_store_pg_migrate(store, &version);
		store->created = rc == 0 && version == 0;
	}
	if (rc == SECINFO_ERR_UNSUPPORTED)
		why = "database schema is newer than this version of secinfo";
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->db_host,
				  why != NULL ? why : secinfo_pg_error(store));
		goto fail;
	}
	rc = secinfo_store_key_check(store, flags);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->key_file,
				  rc == SECINFO_ERR_CORRUPT ? "this key does not match the database"
							    : secinfo_pg_error(store));
		goto fail;
	}
	*out = store;
	return 0;
fail:
	secinfo_store_close(store);
	return rc;
}

int
secinfo_store_created(const struct secinfo_store *store)
{
	return store->created;
}

const char *
secinfo_store_host(const struct secinfo_store *store)
{
	return store->backend == SECINFO_DB_POSTGRESQL && store->pg_host != NULL ? store->pg_host
										 : NULL;
}

int
secinfo_store_open(const struct secinfo_conf *conf, int flags, struct secinfo_store **out,
		   char *why_buf, size_t why_size)
{
	struct secinfo_store *store = NULL;
	const char *why = NULL;
	int rc;

	*out = NULL;
	if (conf->db_backend == SECINFO_DB_POSTGRESQL)
		return secinfo_store_open_pg(conf, flags, out, why_buf, why_size);
	rc = secinfo_store_check_files(conf, flags, why_buf, why_size);
	if (rc != 0)
		return rc;
	store = calloc(1, sizeof(*store));
	if (store == NULL)
		return SECINFO_ERR_NOMEM;
	store->conf = conf;
	rc = secinfo_store_shield(store);
	if (rc != 0) {
		free(store);
		return rc;
	}
	rc = secinfo_key_load(conf->key_file, &store->key, &why);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->key_file, why);
		goto fail;
	}
	rc = secinfo_store_connect(store);
	if (rc == 0)
		rc = secinfo_store_prepare_schema(store, flags, &why);
	if (rc != 0) {
		/* sqlite's message only when sqlite failed: a refused migration is no sqlite error
		 * ("not an error"), and the log must say why every sign-in now fails. */
		secinfo_store_why(why_buf, why_size, conf->db_path,
				  why != NULL ? why
				  : rc == SECINFO_ERR_DB && store->db != NULL
					  ? sqlite3_errmsg(store->db)
				  : rc == SECINFO_ERR_CORRUPT
					  ? "the database is damaged or a migration found data it "
					    "cannot carry over (sqlite3 secinfo.db 'PRAGMA "
					    "foreign_key_check')"
					  : secinfo_strerror(rc));
		goto fail;
	}
	rc = secinfo_store_key_check(store, flags);
	if (rc != 0) {
		secinfo_store_why(why_buf, why_size, conf->key_file,
				  rc == SECINFO_ERR_CORRUPT ? "this key does not match the database"
							    : sqlite3_errmsg(store->db));
		goto fail;
	}
	secinfo_store_unshield(store);
	*out = store;
	return 0;
fail:
	secinfo_store_unshield(store);
	secinfo_store_close(store);
	return rc;
}

int
secinfo_store_shield(struct secinfo_store *store)
{
	if (store->shielded == 0) {
		int rc = secinfo_shield_raise(&store->shield);
		if (rc != 0)
			return rc;
	}
	store->shielded++;
	return 0;
}

void
secinfo_store_unshield(struct secinfo_store *store)
{
	if (store->shielded > 0 && --store->shielded == 0)
		secinfo_shield_lower(&store->shield);
}

void
secinfo_store_close(struct secinfo_store *store)
{
	if (store == NULL)
		return;
	/* Sign-ins leave their writes in the WAL. Changes to the enrollment (secinfo-admin) are
	 * copied into the database file at once, so that the file alone, as a backup copies it,
	 * holds every user and method. */
	/* Without the shield the close must go on: the process is not left holding a lock. */
	int shielded = secinfo_store_shield(store) == 0;

	if (store->db != NULL && store->checkpoint_on_close)
		secinfo_store_checkpoint(store);
	sqlite3_close(store->db);
	secinfo_pg_close(store);
	if (shielded)
		secinfo_store_unshield(store);
	/* A level left open by a caller's bug must not leave a set-user-id process with a real
	 * uid of root: closing takes every level down. */
	if (store->shielded > 0) {
		store->shielded = 1;
		secinfo_store_unshield(store);
	}
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
	if (store->backend == SECINFO_DB_POSTGRESQL)
		return secinfo_pg_aborted(store);
	return store->depth > 0 && sqlite3_get_autocommit(store->db);
}

/* One statement (or several) of a transaction's control: sqlite's or PostgreSQL's. */
static int
secinfo_store_control(struct secinfo_store *store, const char *sql)
{
	if (store->backend == SECINFO_DB_POSTGRESQL)
		return secinfo_pg_script(store, sql, NULL, 0);
	return sqlite3_exec(store->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : SECINFO_ERR_DB;
}

/* 1 when no transaction is open on the connection (it ended by itself, or never began). */
static int
secinfo_store_autocommit(const struct secinfo_store *store)
{
	if (store->backend == SECINFO_DB_POSTGRESQL)
		return secinfo_pg_aborted(store);
	return sqlite3_get_autocommit(store->db);
}

/*
 * The outermost level takes the write lock at once (sqlite: BEGIN IMMEDIATE; PostgreSQL: the
 * fleet-wide advisory lock, in the same round trip), so that what a transaction reads cannot
 * change before it writes; the levels inside it are savepoints.
 */
int
secinfo_store_begin(struct secinfo_store *store)
{
	const char *sql = store->depth > 0                          ? "SAVEPOINT secinfo"
			  : store->backend == SECINFO_DB_POSTGRESQL ? "BEGIN; " SECINFO_PG_LOCK
								    : "BEGIN IMMEDIATE";
	int rc;

	if (secinfo_store_aborted(store))
		return SECINFO_ERR_DB;
	rc = secinfo_store_shield(store); /* each level holds one, lowered when it ends */
	if (rc != 0)
		return rc;
	if (secinfo_store_control(store, sql) != 0) {
		/* PostgreSQL: a BEGIN whose lock failed left a transaction open */
		if (store->depth == 0 && store->backend == SECINFO_DB_POSTGRESQL && store->pg)
			secinfo_pg_script(store, "ROLLBACK", NULL, 0);
		secinfo_store_unshield(store);
		return SECINFO_ERR_DB;
	}
	store->depth++;
	return 0;
}

int
secinfo_store_commit(struct secinfo_store *store)
{
	const char *sql = store->depth == 1 ? "COMMIT" : "RELEASE SAVEPOINT secinfo";
	char status[32] = "";
	int rc;

	if (store->depth == 0 || secinfo_store_aborted(store))
		return SECINFO_ERR_DB; /* the caller's rollback closes the level */
	if (store->backend == SECINFO_DB_POSTGRESQL)
		/* PostgreSQL answers COMMIT with ROLLBACK when the transaction had failed */
		rc = secinfo_pg_script(store, sql, status, sizeof(status)) != 0 ||
				     (store->depth == 1 && strcmp(status, "COMMIT") != 0)
			     ? SECINFO_ERR_DB
			     : 0;
	else
		rc = secinfo_store_control(store, sql);
	if (rc != 0) {
		/* A failed COMMIT that ended the transaction leaves nothing to roll back. */
		if (store->depth == 1 && secinfo_store_autocommit(store)) {
			store->depth = 0;
			secinfo_store_unshield(store);
		}
		return SECINFO_ERR_DB;
	}
	store->depth--;
	secinfo_store_unshield(store);
	return 0;
}

void
secinfo_store_rollback(struct secinfo_store *store)
{
	if (store->depth == 0)
		return;
	/* PostgreSQL: a failed statement leaves the transaction open but failed; ROLLBACK TO
	 * makes it whole again, as sqlite's statement rollback does. */
	if (store->backend == SECINFO_DB_POSTGRESQL ? store->pg != NULL
						    : !sqlite3_get_autocommit(store->db)) {
		if (store->depth == 1)
			secinfo_store_control(store, "ROLLBACK");
		else if (secinfo_store_control(store, "ROLLBACK TO SAVEPOINT secinfo; "
						      "RELEASE SAVEPOINT secinfo") != 0)
			/* Never leave a level's writes in place for the levels around it to
			 * commit: undo everything; their commits then fail. */
			secinfo_store_control(store, "ROLLBACK");
	}
	store->depth--;
	secinfo_store_unshield(store);
}

/* Where the integrity checks put their first problem. */
struct secinfo_integrity {
	char *why;
	size_t size;
	int problems;
};

static int
secinfo_integrity_row(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_integrity *check = data;
	const char *text = secinfo_sql_row_text(row, 0);

	if (check->problems++ == 0)
		snprintf(check->why, check->size, "integrity_check: %s", text);
	return 0;
}

static int
secinfo_foreign_key_row(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_integrity *check = data;

	if (check->problems++ == 0)
		snprintf(check->why, check->size,
			 "foreign_key_check: a row of %s refers to a missing row of %s",
			 secinfo_sql_row_text(row, 0), secinfo_sql_row_text(row, 2));
	return 0;
}

int
secinfo_store_integrity(struct secinfo_store *store, char *why, size_t why_size)
{
	struct secinfo_integrity check = {why, why_size, 0};
	struct secinfo_sql integrity = {
		/* one row "ok", or one row per problem */
		.sql = "SELECT integrity_check FROM pragma_integrity_check"
		       " WHERE integrity_check <> 'ok'",
		.columns = "t",
		.row = secinfo_integrity_row,
		.data = &check,
	};
	struct secinfo_sql foreign = {
		.sql = "SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check",
		.columns = "tItI",
		.row = secinfo_foreign_key_row,
		.data = &check,
	};
	int rc;

	why[0] = '\0';
	/* sqlite's only: PostgreSQL keeps its indexes and foreign keys whole itself (and has no
	 * integrity pragma; amcheck is the database administrator's). */
	if (store->backend == SECINFO_DB_POSTGRESQL)
		return 0;
	rc = secinfo_store_sql(store, &integrity, "");
	if (rc == 0 && check.problems == 0)
		rc = secinfo_store_sql(store, &foreign, "");
	if (rc == 0 && check.problems > 0)
		rc = SECINFO_ERR_CORRUPT;
	return rc;
}
