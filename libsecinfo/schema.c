#include "config.h"

#include <stddef.h>

#include "error.h"
#include "schema.h"

/*
 * migrations[i] brings version i to version i + 1. Never edit a released step: add one.
 * Times are seconds since the epoch (UTC). Encrypted columns hold nonce||ciphertext
 * (see crypto.h), bound to the user name and the kind.
 */
static const char *const secinfo_migrations[SECINFO_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE meta (" /* key_check: proves the key file matches */
	"  name TEXT PRIMARY KEY,"
	"  value BLOB NOT NULL);"
	"CREATE TABLE users ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  default_method INTEGER,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  locked_until INTEGER,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE methods ("
	"  id INTEGER PRIMARY KEY,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('app','sms','call','key','email','questions')),"
	"  detail BLOB," /* encrypted: TOTP secret, E.164 number, address,
					          FIDO2 credential */
	"  otp_algorithm INTEGER, otp_digits INTEGER, otp_period INTEGER, otp_hotp INTEGER,"
	"  counter INTEGER NOT NULL DEFAULT -1," /* last accepted TOTP step / HOTP counter */
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER);"
	"CREATE INDEX methods_by_user ON methods(user_id, kind, created);"
	/* The default is always one of the user's own 2FA-capable methods. */
	"CREATE TRIGGER users_default_check BEFORE UPDATE OF default_method ON users"
	"  WHEN NEW.default_method IS NOT NULL AND NOT EXISTS (SELECT 1 FROM methods"
	"    WHERE id = NEW.default_method AND user_id = NEW.id"
	"    AND kind IN ('key','app','sms','call'))"
	"  BEGIN SELECT RAISE(ABORT, 'default method must be a 2FA method of the user'); END;"
	"CREATE TABLE codes (" /* one-time codes for sms, call, email */
	"  method_id INTEGER PRIMARY KEY REFERENCES methods(id) ON DELETE CASCADE,"
	"  hash BLOB NOT NULL," /* keyed hash, never the code */
	"  expires INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE sends (" /* delivery log for max_sends_per_hour */
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  channel TEXT NOT NULL,"
	"  time INTEGER NOT NULL);"
	"CREATE INDEX sends_by_user ON sends(user_id, channel, time);"
	"CREATE TABLE questions ("
	"  id INTEGER PRIMARY KEY,"
	"  text TEXT NOT NULL,"
	"  active INTEGER NOT NULL DEFAULT 1);"
	"CREATE TABLE answers (" /* Argon2id hashes of normalised answers */
	"  method_id INTEGER NOT NULL REFERENCES methods(id) ON DELETE CASCADE,"
	"  question_id INTEGER NOT NULL REFERENCES questions(id),"
	"  hash TEXT NOT NULL,"
	"  PRIMARY KEY (method_id, question_id));"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  time INTEGER NOT NULL,"
	"  user TEXT NOT NULL,"
	"  service TEXT NOT NULL DEFAULT '',"
	"  rhost TEXT NOT NULL DEFAULT '',"
	"  method TEXT NOT NULL DEFAULT '',"
	"  event TEXT NOT NULL,"
	"  result TEXT NOT NULL);"
	"CREATE INDEX audit_by_time ON audit(time);"
	"CREATE INDEX audit_by_user ON audit(user, time);",

	/* 1 -> 2: method and question ids are never used again after a delete, so that an id
	 * in an audit row or a log always means one method. sqlite cannot add AUTOINCREMENT to
	 * a table: each is rebuilt (with foreign keys off, or dropping methods would delete
	 * every code and answer) and renamed back. The trigger, which names methods, is dropped
	 * first (a rename checks every trigger against the schema) and made again unchanged. */
	"DROP TRIGGER users_default_check;"
	"CREATE TABLE methods_v2 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('app','sms','call','key','email','questions')),"
	"  detail BLOB,"
	"  otp_algorithm INTEGER, otp_digits INTEGER, otp_period INTEGER, otp_hotp INTEGER,"
	"  counter INTEGER NOT NULL DEFAULT -1,"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER);"
	"INSERT INTO methods_v2 (id, user_id, kind, detail, otp_algorithm, otp_digits,"
	"  otp_period, otp_hotp, counter, created, last_used)"
	"  SELECT id, user_id, kind, detail, otp_algorithm, otp_digits, otp_period, otp_hotp,"
	"  counter, created, last_used FROM methods;"
	"DROP TABLE methods;"
	"ALTER TABLE methods_v2 RENAME TO methods;"
	"CREATE INDEX methods_by_user ON methods(user_id, kind, created);"
	"CREATE TABLE questions_v2 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  text TEXT NOT NULL,"
	"  active INTEGER NOT NULL DEFAULT 1);"
	"INSERT INTO questions_v2 (id, text, active) SELECT id, text, active FROM questions;"
	"DROP TABLE questions;"
	"ALTER TABLE questions_v2 RENAME TO questions;"
	"CREATE TRIGGER users_default_check BEFORE UPDATE OF default_method ON users"
	"  WHEN NEW.default_method IS NOT NULL AND NOT EXISTS (SELECT 1 FROM methods"
	"    WHERE id = NEW.default_method AND user_id = NEW.id"
	"    AND kind IN ('key','app','sms','call'))"
	"  BEGIN SELECT RAISE(ABORT, 'default method must be a 2FA method of the user'); END;",

	/* 2 -> 3: who made each change (the user, root through secinfo-admin, the module at
	 * registration), and on which host it was made (a fleet's shared store, SPEC 16).
	 * Rows written before this step have neither: ''. */
	"ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE audit ADD COLUMN host TEXT NOT NULL DEFAULT '';",

	/* 3 -> 4: the temporary access pass (SPEC 14) is a method of kind tap: its keyed hash in
	 * detail, its expiry and the uses it has left. sqlite cannot change a CHECK: methods is
	 * rebuilt as in the 1 -> 2 step, and this time its AUTOINCREMENT counter is carried over
	 * (the copy's counter only reaches the highest id left; one deleted above it would be
	 * handed out again). Dropping methods deletes its counter, renaming the copy renames the
	 * copy's. */
	"DROP TRIGGER users_default_check;"
	"CREATE TABLE methods_v4 ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL"
	"    CHECK (kind IN ('app','sms','call','key','email','questions','tap')),"
	"  detail BLOB," /* encrypted; for tap the keyed hash of the pass */
	"  otp_algorithm INTEGER, otp_digits INTEGER, otp_period INTEGER, otp_hotp INTEGER,"
	"  counter INTEGER NOT NULL DEFAULT -1,"
	"  created INTEGER NOT NULL,"
	"  last_used INTEGER,"
	"  expires INTEGER," /* tap: valid before this time */
	"  uses INTEGER,"    /* tap: sign-ins left */
	"  CHECK (kind <> 'tap' OR (typeof(expires) = 'integer' AND typeof(uses) = 'integer')));"
	"INSERT INTO methods_v4 (id, user_id, kind, detail, otp_algorithm, otp_digits,"
	"  otp_period, otp_hotp, counter, created, last_used)"
	"  SELECT id, user_id, kind, detail, otp_algorithm, otp_digits, otp_period, otp_hotp,"
	"  counter, created, last_used FROM methods;"
	"UPDATE sqlite_sequence SET seq = (SELECT seq FROM sqlite_sequence WHERE name = 'methods')"
	"  WHERE name = 'methods_v4'"
	"  AND seq < (SELECT seq FROM sqlite_sequence WHERE name = 'methods');"
	"INSERT INTO sqlite_sequence (name, seq)"
	"  SELECT 'methods_v4', seq FROM sqlite_sequence WHERE name = 'methods'"
	"  AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'methods_v4');"
	"DROP TABLE methods;"
	"ALTER TABLE methods_v4 RENAME TO methods;"
	"CREATE INDEX methods_by_user ON methods(user_id, kind, created);"
	"CREATE TRIGGER users_default_check BEFORE UPDATE OF default_method ON users"
	"  WHEN NEW.default_method IS NOT NULL AND NOT EXISTS (SELECT 1 FROM methods"
	"    WHERE id = NEW.default_method AND user_id = NEW.id"
	"    AND kind IN ('key','app','sms','call'))"
	"  BEGIN SELECT RAISE(ABORT, 'default method must be a 2FA method of the user'); END;",
};

int
secinfo_schema_version(sqlite3 *db, int *version)
{
	sqlite3_stmt *stmt = NULL;
	int rc = SECINFO_ERR_DB;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW) {
		*version = sqlite3_column_int(stmt, 0);
		rc = 0;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* A migration that rebuilds a table runs with foreign keys off: proves that it left every
 * reference whole. Returns 0, SECINFO_ERR_CORRUPT (a dangling reference) or SECINFO_ERR_DB. */
static int
secinfo_schema_foreign_key_check(sqlite3 *db)
{
	sqlite3_stmt *stmt = NULL;
	int rc = SECINFO_ERR_DB, step;

	if (sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &stmt, NULL) == SQLITE_OK) {
		step = sqlite3_step(stmt);
		rc = step == SQLITE_DONE  ? 0
		     : step == SQLITE_ROW ? SECINFO_ERR_CORRUPT
					  : SECINFO_ERR_DB;
	}
	sqlite3_finalize(stmt);
	return rc;
}

/* Runs the steps from *VERSION up to TARGET inside the open transaction. */
static int
secinfo_schema_steps(sqlite3 *db, int *version, int target)
{
	char pragma[64];
	int rc = 0;

	for (; rc == 0 && *version < target; ++*version)
		if (sqlite3_exec(db, secinfo_migrations[*version], NULL, NULL, NULL) != SQLITE_OK)
			rc = SECINFO_ERR_DB;
	if (rc == 0)
		rc = secinfo_schema_foreign_key_check(db);
	if (rc == 0) {
		sqlite3_snprintf(sizeof(pragma), pragma, "PRAGMA user_version = %d", *version);
		if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK)
			rc = SECINFO_ERR_DB;
	}
	return rc;
}

int
secinfo_schema_migrate_to(sqlite3 *db, int target)
{
	int version = 0, rc;

	if (target < 0 || target > SECINFO_SCHEMA_VERSION)
		return SECINFO_ERR_INVALID;
	if (secinfo_schema_version(db, &version) != 0)
		return SECINFO_ERR_DB;
	if (version > SECINFO_SCHEMA_VERSION || version < 0)
		return SECINFO_ERR_UNSUPPORTED;
	if (version >= target)
		return 0;
	/* foreign_keys cannot change inside a transaction; with them on, rebuilding a table
	 * would cascade deletes into the tables that refer to it. */
	if (sqlite3_exec(db, "PRAGMA foreign_keys = OFF", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return SECINFO_ERR_DB;
	/* Another process may have migrated while we waited for the write lock. */
	rc = secinfo_schema_version(db, &version);
	if (rc == 0 && (version > SECINFO_SCHEMA_VERSION || version < 0))
		rc = SECINFO_ERR_UNSUPPORTED;
	else if (rc == 0 && version < target)
		rc = secinfo_schema_steps(db, &version, target);
	if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc != 0 ? rc : SECINFO_ERR_DB;
}

int
secinfo_schema_migrate(sqlite3 *db)
{
	return secinfo_schema_migrate_to(db, SECINFO_SCHEMA_VERSION);
}

/*
 * The PostgreSQL schema: sqlite's version 4, with bigint identity ids (never handed out twice,
 * as AUTOINCREMENT; BY DEFAULT so that a copy keeps its ids), bytea for blobs, and the default
 * method's check as a plpgsql trigger. Never edit a released step: add one.
 */
const char *const secinfo_pg_migrations[SECINFO_PG_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE meta ("
	"  name text PRIMARY KEY,"
	"  value bytea NOT NULL);"
	"CREATE TABLE users ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  name text NOT NULL UNIQUE,"
	"  default_method bigint,"
	"  failures bigint NOT NULL DEFAULT 0,"
	"  locked_until bigint,"
	"  created bigint NOT NULL);"
	"CREATE TABLE methods ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  kind text NOT NULL"
	"    CHECK (kind IN ('app','sms','call','key','email','questions','tap')),"
	"  detail bytea,"
	"  otp_algorithm bigint, otp_digits bigint, otp_period bigint, otp_hotp bigint,"
	"  counter bigint NOT NULL DEFAULT -1,"
	"  created bigint NOT NULL,"
	"  last_used bigint,"
	"  expires bigint,"
	"  uses bigint,"
	"  CHECK (kind <> 'tap' OR (expires IS NOT NULL AND uses IS NOT NULL)));"
	"CREATE INDEX methods_by_user ON methods(user_id, kind, created);"
	"CREATE FUNCTION users_default_check() RETURNS trigger LANGUAGE plpgsql AS $f$"
	"  BEGIN"
	"    IF NEW.default_method IS NOT NULL AND NOT EXISTS (SELECT 1 FROM methods"
	"        WHERE id = NEW.default_method AND user_id = NEW.id"
	"        AND kind IN ('key','app','sms','call')) THEN"
	"      RAISE EXCEPTION 'default method must be a 2FA method of the user';"
	"    END IF;"
	"    RETURN NEW;"
	"  END $f$;"
	"CREATE TRIGGER users_default_check BEFORE UPDATE OF default_method ON users"
	"  FOR EACH ROW EXECUTE FUNCTION users_default_check();"
	"CREATE TABLE codes ("
	"  method_id bigint PRIMARY KEY REFERENCES methods(id) ON DELETE CASCADE,"
	"  hash bytea NOT NULL,"
	"  expires bigint NOT NULL,"
	"  attempts bigint NOT NULL DEFAULT 0);"
	"CREATE TABLE sends ("
	"  user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  channel text NOT NULL,"
	"  time bigint NOT NULL);"
	"CREATE INDEX sends_by_user ON sends(user_id, channel, time);"
	"CREATE TABLE questions ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  text text NOT NULL,"
	"  active bigint NOT NULL DEFAULT 1);"
	"CREATE TABLE answers ("
	"  method_id bigint NOT NULL REFERENCES methods(id) ON DELETE CASCADE,"
	"  question_id bigint NOT NULL REFERENCES questions(id),"
	"  hash text NOT NULL,"
	"  PRIMARY KEY (method_id, question_id));"
	"CREATE TABLE audit ("
	"  id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	"  time bigint NOT NULL,"
	"  \"user\" text NOT NULL,"
	"  service text NOT NULL DEFAULT '',"
	"  rhost text NOT NULL DEFAULT '',"
	"  method text NOT NULL DEFAULT '',"
	"  event text NOT NULL,"
	"  result text NOT NULL,"
	"  actor text NOT NULL DEFAULT '',"
	"  host text NOT NULL DEFAULT '');"
	"CREATE INDEX audit_by_time ON audit(time);"
	"CREATE INDEX audit_by_user ON audit(\"user\", time);",
};
