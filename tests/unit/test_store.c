/*
 * Unit tests for libsecinfo/store*.c (with schema.c and crypto.c): a real sqlite file in a
 * fresh root-owned directory. Covers creation and reopening, WAL, the default-method rules,
 * replay protection, failures and lockout, encryption at rest, a wrong key, a newer schema,
 * the migration from schema 1, nested transactions, the busy handler against another process
 * holding the lock, what a sign-in does to the files, unsafe files, and the audit trail.
 * Runs as root or as an ordinary user (through the test build); a few checks need root.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "code.h"
#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "kind.h"
#include "schema.h"
#include "store_sql.h"
#include "store.h"

static char dir[64];

/* A path inside the test directory, in a static rotating buffer. */
static const char *
path_of(const char *name)
{
	static char buf[4][256];
	static unsigned next;
	char *p = buf[next++ % 4];

	snprintf(p, sizeof(buf[0]), "%s/%s", dir, name);
	return p;
}

/* A configuration whose database is DB and key KEY (names inside the test directory) and
 * whose [database] busy_timeout is BUSY_TIMEOUT. */
static struct secinfo_conf *
make_conf_busy(const char *db, const char *key, const char *busy_timeout)
{
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	char text[1024];

	snprintf(text, sizeof(text),
		 "[policy]\nmax_failures = 3\nlockout = 10m\n"
		 "[database]\npath = %s/%s\nkey_file = %s/%s\nbusy_timeout = %s\n",
		 dir, db, dir, key, busy_timeout);
	if (!CHECK_INT(secinfo_conf_parse("test.conf", text, &conf, &problems), 0,
		       "configuration for %s, %s parses", db, key))
		conf = NULL;
	secinfo_problems_free(&problems);
	return conf;
}

/* A configuration whose database is DB and key KEY, with a busy_timeout of 2 s. */
static struct secinfo_conf *
make_conf(const char *db, const char *key)
{
	return make_conf_busy(db, key, "2s");
}

static int
store_open(const struct secinfo_conf *conf, int flags, struct secinfo_store **store, char *why,
	   size_t why_size)
{
	why[0] = '\0';
	return secinfo_store_open(conf, flags, store, why, why_size);
}

static int
add(struct secinfo_store *store, const char *user, enum secinfo_kind kind, const char *detail,
    time_t now, long long *id)
{
	static const unsigned char secret[] = "12345678901234567890";
	struct secinfo_otp_params otp = {SECINFO_OTP_SHA1, 6, 30, 0};
	int rc;

	*id = 0;
	if (secinfo_store_begin(store) != 0)
		return SECINFO_ERR_DB;
	if (secinfo_kind_has_otp(kind))
		rc = secinfo_store_method_add(store, user, kind, NULL, secret, 20, &otp, now, id);
	else
		rc = secinfo_store_method_add(store, user, kind, detail, NULL, 0, NULL, now, id);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

static int
delete_method(struct secinfo_store *store, const char *user, long long id)
{
	int rc;

	if (secinfo_store_begin(store) != 0)
		return SECINFO_ERR_DB;
	rc = secinfo_store_method_delete(store, user, id);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

/* Returns the user's default method id, -1 when the user cannot be loaded. */
static long long
default_of(struct secinfo_store *store, const char *name)
{
	struct secinfo_user *user = NULL;
	long long id;

	if (secinfo_store_user_get(store, name, &user) != 0)
		return -1;
	id = user->default_method;
	secinfo_user_free(user);
	return id;
}

/* Runs SQL on the database file directly (not through the store). Returns the sqlite code. */
static int
raw_exec(const char *db, const char *sql)
{
	sqlite3 *handle = NULL;
	int rc;

	rc = sqlite3_open_v2(db, &handle, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(handle, 2000);
		rc = sqlite3_exec(handle, sql, NULL, NULL, NULL);
	}
	sqlite3_close(handle);
	return rc;
}

/* Reads a text result of SQL from the database file directly into OUT. */
static int
raw_text(const char *db, const char *sql, char *out, size_t size)
{
	sqlite3 *handle = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc;

	out[0] = '\0';
	rc = sqlite3_open_v2(db, &handle, SQLITE_OPEN_READONLY, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW) {
			snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(stmt);
	sqlite3_close(handle);
	return rc;
}

/* Returns 1 when the file at PATH contains NEEDLE, 0 when not, -1 when unreadable. A missing
 * file contains nothing. */
static int
file_contains(const char *path, const void *needle, size_t needle_len)
{
	char buf[65536];
	size_t len = 0, keep = needle_len - 1;
	ssize_t n;
	int fd, found = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	/* Keep the last needle_len - 1 bytes across reads so a match on a boundary is seen. */
	while (!found && (n = read(fd, buf + len, sizeof(buf) - len)) > 0) {
		len += (size_t)n;
		found = memmem(buf, len, needle, needle_len) != NULL;
		if (len > keep) {
			memmove(buf, buf + len - keep, keep);
			len = keep;
		}
	}
	close(fd);
	return found;
}

static void
test_open(void)
{
	struct secinfo_conf *conf = make_conf("secinfo.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	const char *why = NULL;
	char why_buf[512], text[64], want[512];
	struct stat st;

	if (conf == NULL)
		return;
	CHECK_INT(secinfo_key_create(path_of("secinfo.key"), &why), 0, "key created");
	CHECK(stat(path_of("secinfo.key"), &st) == 0 && (st.st_mode & 07777) == 0600 &&
		      st.st_size == SECINFO_KEY_BYTES,
	      "key file is 0600 and 32 bytes");
	CHECK_INT(secinfo_key_create(path_of("secinfo.key"), &why), SECINFO_ERR_EXISTS,
		  "a second key_create refuses to overwrite");

	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_NOT_FOUND,
		  "open without CREATE and no database: not found");
	CHECK(store == NULL, "no store returned");
	snprintf(want, sizeof(want), "%s: %s", path_of("secinfo.db"), strerror(ENOENT));
	CHECK_STR(why_buf, want, "the reason names the database file");

	CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		  "open with CREATE (%s)", why_buf);
	CHECK(store != NULL, "store returned");
	CHECK(store != NULL && secinfo_store_conf(store) == conf, "store keeps its configuration");
	secinfo_store_close(store);
	store = NULL;
	/* An open of the database in WAL mode, as at a sign-in: */
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "reopen (%s)", why_buf);
	if (store != NULL) {
		/* Set by a PRAGMA, or left out where this sqlite was built with them. */
		static const struct {
			const char *sql, *what;
			long long want;
		} settings[] = {
			{"PRAGMA synchronous", "synchronous = FULL", 2},
			{"PRAGMA secure_delete", "secure_delete = ON", 1},
			{"PRAGMA temp_store", "temp_store = MEMORY", 2},
		};

		for (size_t i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
			long long value = -1;
			int rc = secinfo_store_sql_int(store, &value, settings[i].sql, "");

			CHECK(rc == 0 && value == settings[i].want, "%s on the connection (%lld)",
			      settings[i].what, value);
		}
	}
	secinfo_store_close(store);
	store = NULL;
	CHECK(stat(path_of("secinfo.db"), &st) == 0 && (st.st_mode & 07777) == 0600 &&
		      st.st_uid == geteuid(),
	      "database file is its creator's (root's when installed) and 0600");

	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0,
		  "reopen without CREATE (%s)", why_buf);
	secinfo_store_close(store);
	store = NULL;
	CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		  "CREATE on an existing database is fine (%s)", why_buf);
	secinfo_store_close(store);
	secinfo_store_close(NULL);

	/* Checked through sqlite itself: WAL is a property of the file and survives the close. */
	CHECK_INT(raw_text(path_of("secinfo.db"), "PRAGMA journal_mode", text, sizeof(text)),
		  SQLITE_OK, "journal_mode readable");
	CHECK_STR(text, "wal", "the database is in WAL mode");
	CHECK_INT(raw_text(path_of("secinfo.db"), "PRAGMA user_version", text, sizeof(text)),
		  SQLITE_OK, "user_version readable");
	snprintf(want, sizeof(want), "%d", SECINFO_SCHEMA_VERSION);
	CHECK_STR(text, want, "user_version is the schema version");
	secinfo_conf_free(conf);
}

static void
test_defaults(struct secinfo_store *store)
{
	long long email, questions, app, sms, bob_app, id;
	struct secinfo_user *user = NULL;

	CHECK_INT(add(store, "alice", SECINFO_KIND_EMAIL, "alice@example.net", 1000, &email), 0,
		  "alice: email added");
	CHECK(email > 0, "email has an id");
	CHECK_INT(default_of(store, "alice"), 0, "an email added first does not become default");
	CHECK_INT(add(store, "alice", SECINFO_KIND_QUESTIONS, NULL, 1001, &questions), 0,
		  "alice: questions added");
	CHECK_INT(default_of(store, "alice"), 0, "questions added next do not become default");
	CHECK_INT(add(store, "alice", SECINFO_KIND_APP, NULL, 1002, &app), 0, "alice: app added");
	CHECK_INT(default_of(store, "alice"), app, "the first 2FA method (app) becomes default");
	CHECK_INT(add(store, "alice", SECINFO_KIND_SMS, "+14255551234", 1003, &sms), 0,
		  "alice: sms added");
	CHECK_INT(default_of(store, "alice"), app, "a later 2FA method does not take the default");
	CHECK_INT(add(store, "bob", SECINFO_KIND_APP, NULL, 1004, &bob_app), 0, "bob: app added");
	CHECK_INT(default_of(store, "bob"), bob_app, "bob's app is bob's default");

	CHECK_INT(secinfo_store_method_set_default(store, "alice", email), SECINFO_ERR_DENIED,
		  "email can never be the default");
	CHECK_INT(secinfo_store_method_set_default(store, "alice", questions), SECINFO_ERR_DENIED,
		  "questions can never be the default");
	CHECK_INT(secinfo_store_method_set_default(store, "alice", bob_app), SECINFO_ERR_NOT_FOUND,
		  "a method of another user cannot be alice's default");
	CHECK_INT(secinfo_store_method_set_default(store, "alice", 999999), SECINFO_ERR_NOT_FOUND,
		  "a method that does not exist cannot be the default");
	CHECK_INT(secinfo_store_method_set_default(store, "nobody", app), SECINFO_ERR_NOT_FOUND,
		  "an unknown user has no default to set");
	CHECK_INT(default_of(store, "alice"), app, "refusals left the default alone");
	CHECK_INT(secinfo_store_method_set_default(store, "alice", sms), 0, "sms made default");
	CHECK_INT(default_of(store, "alice"), sms, "the default is now sms");
	CHECK_INT(secinfo_store_method_set_default(store, "alice", app), 0, "app made default");

	/* A direct UPDATE cannot break the rule either: the schema's trigger refuses it. */
	{
		char sql[128];
		snprintf(sql, sizeof(sql),
			 "UPDATE users SET default_method = %lld WHERE name = "
			 "'alice'",
			 email);
		CHECK_INT(raw_exec(path_of("secinfo.db"), sql), SQLITE_CONSTRAINT,
			  "the trigger refuses email as default");
		snprintf(sql, sizeof(sql),
			 "UPDATE users SET default_method = %lld WHERE name = "
			 "'alice'",
			 bob_app);
		CHECK_INT(raw_exec(path_of("secinfo.db"), sql), SQLITE_CONSTRAINT,
			  "the trigger refuses another user's method as default");
	}

	CHECK_INT(secinfo_store_user_get(store, "alice", &user), 0, "alice loads");
	if (user != NULL) {
		CHECK_STR(user->name, "alice", "user name");
		CHECK_INT(user->n_methods, 4, "alice has four methods");
		if (user->n_methods == 4) {
			CHECK_INT(user->methods[0].id, email, "oldest first: email");
			CHECK_INT(user->methods[0].kind, SECINFO_KIND_EMAIL, "kind email");
			CHECK_STR(user->methods[0].detail, "alice@example.net", "email decrypted");
			CHECK_INT(user->methods[0].created, 1000, "created time");
			CHECK_INT(user->methods[0].last_used, 0, "never used");
			CHECK_INT(user->methods[1].kind, SECINFO_KIND_QUESTIONS, "kind questions");
			CHECK(user->methods[1].detail == NULL && user->methods[1].secret == NULL,
			      "questions have no detail");
			CHECK_INT(user->methods[2].kind, SECINFO_KIND_APP, "kind app");
			CHECK(user->methods[2].detail == NULL, "app has no text detail");
			CHECK(user->methods[2].secret_len == 20 &&
				      memcmp(user->methods[2].secret, "12345678901234567890", 20) ==
					      0,
			      "app secret decrypted");
			CHECK_INT(user->methods[2].otp.digits, 6, "otp digits kept");
			CHECK_INT(user->methods[2].otp.period, 30, "otp period kept");
			CHECK_INT(user->methods[2].counter, -1, "no counter accepted yet");
			CHECK_STR(user->methods[3].detail, "+14255551234", "sms decrypted");
		}
		CHECK(secinfo_user_method(user, sms) == &user->methods[3], "user_method finds sms");
		CHECK(secinfo_user_method(user, bob_app) == NULL, "user_method: not bob's method");
		CHECK(secinfo_user_first_method(user, SECINFO_PURPOSE_2FA, SECINFO_KINDS_ALL) ==
			      secinfo_user_method(user, app),
		      "first 2FA method: app before sms");
		CHECK(secinfo_user_first_method(user, SECINFO_PURPOSE_2FA,
						SECINFO_KINDS_ALL &
							~SECINFO_KIND_BIT(SECINFO_KIND_APP)) ==
			      secinfo_user_method(user, sms),
		      "first 2FA method without app: sms");
		CHECK(secinfo_user_first_method(user, SECINFO_PURPOSE_2FA,
						SECINFO_KIND_BIT(SECINFO_KIND_EMAIL)) == NULL,
		      "email is never a 2FA method");
		CHECK(secinfo_user_first_method(user, SECINFO_PURPOSE_RESET,
						SECINFO_KIND_BIT(SECINFO_KIND_EMAIL) |
							SECINFO_KIND_BIT(SECINFO_KIND_QUESTIONS)) ==
			      secinfo_user_method(user, email),
		      "first reset method among email and questions: email");
	}
	secinfo_user_free(user);
	user = NULL;
	secinfo_user_free(NULL);
	CHECK_INT(secinfo_store_user_get(store, "nobody", &user), SECINFO_ERR_NOT_FOUND,
		  "an unknown user is not found");
	CHECK(user == NULL, "and no user is returned");

	/* A rolled-back transaction leaves nothing behind. */
	CHECK_INT(secinfo_store_begin(store), 0, "begin");
	CHECK_INT(secinfo_store_method_add(store, "zed", SECINFO_KIND_SMS, "+31612345678", NULL, 0,
					   NULL, 1005, &id),
		  0, "add inside a transaction");
	secinfo_store_rollback(store);
	CHECK_INT(secinfo_store_user_get(store, "zed", &user), SECINFO_ERR_NOT_FOUND,
		  "after a rollback neither the user nor the method exists");
}

static void
test_default_on_delete(struct secinfo_store *store)
{
	long long call, sms_old, sms_new, app, email, key1, key2, other, extra;

	/* The newer sms is added first, so "oldest" must come from the time, not the id. */
	CHECK_INT(add(store, "carol", SECINFO_KIND_EMAIL, "carol@example.net", 50, &email), 0,
		  "carol: email");
	CHECK_INT(add(store, "carol", SECINFO_KIND_CALL, "+14255550001", 100, &call), 0,
		  "carol: call");
	CHECK_INT(add(store, "carol", SECINFO_KIND_SMS, "+14255550003", 300, &sms_new), 0,
		  "carol: sms (newer)");
	CHECK_INT(add(store, "carol", SECINFO_KIND_SMS, "+14255550002", 200, &sms_old), 0,
		  "carol: sms (older)");
	CHECK_INT(add(store, "carol", SECINFO_KIND_APP, NULL, 400, &app), 0, "carol: app");
	CHECK_INT(add(store, "dave", SECINFO_KIND_SMS, "+14255550009", 10, &other), 0, "dave: sms");
	CHECK_INT(default_of(store, "carol"), call, "call, the first 2FA method, is default");
	CHECK_INT(secinfo_store_method_set_default(store, "carol", call), 0, "call made default");

	CHECK_INT(delete_method(store, "carol", other), SECINFO_ERR_NOT_FOUND,
		  "carol cannot delete dave's method");
	CHECK_INT(default_of(store, "dave"), other, "dave keeps his method and default");
	CHECK_INT(delete_method(store, "carol", 999999), SECINFO_ERR_NOT_FOUND,
		  "deleting a method that does not exist");

	CHECK_INT(add(store, "carol", SECINFO_KIND_SMS, "+14255550004", 150, &extra), 0,
		  "carol: an extra sms (the oldest)");
	CHECK_INT(delete_method(store, "carol", extra), 0, "delete a non-default method");
	CHECK_INT(default_of(store, "carol"), call, "deleting a non-default keeps the default");

	CHECK_INT(delete_method(store, "carol", call), 0, "delete the default (call)");
	CHECK_INT(default_of(store, "carol"), app, "next default: app (before sms)");
	CHECK_INT(delete_method(store, "carol", app), 0, "delete the default (app)");
	CHECK_INT(default_of(store, "carol"), sms_old, "next default: the older sms");
	CHECK_INT(delete_method(store, "carol", sms_old), 0, "delete the default (older sms)");
	CHECK_INT(default_of(store, "carol"), sms_new, "next default: the newer sms");
	CHECK_INT(delete_method(store, "carol", sms_new), 0, "delete the last 2FA method");
	CHECK_INT(default_of(store, "carol"), 0,
		  "no 2FA method left: no default (email is not one)");
	CHECK_INT(delete_method(store, "carol", email), 0, "delete the email");
	CHECK_INT(default_of(store, "carol"), 0, "still no default");

	/* key comes before app; call comes last. */
	CHECK_INT(add(store, "erik", SECINFO_KIND_CALL, "+14255550010", 1, &call), 0, "erik: call");
	CHECK_INT(add(store, "erik", SECINFO_KIND_APP, NULL, 2, &app), 0, "erik: app");
	CHECK_INT(add(store, "erik", SECINFO_KIND_KEY, NULL, 3, &key1), 0, "erik: key");
	CHECK_INT(add(store, "erik", SECINFO_KIND_KEY, NULL, 4, &key2), 0, "erik: second key");
	CHECK_INT(secinfo_store_method_set_default(store, "erik", app), 0, "erik: app default");
	CHECK_INT(delete_method(store, "erik", app), 0, "erik: delete app");
	CHECK_INT(default_of(store, "erik"), key1, "next default: the older key, before call");
	CHECK_INT(delete_method(store, "erik", key1), 0, "erik: delete key");
	CHECK_INT(default_of(store, "erik"), key2, "next default: the other key");
	CHECK_INT(delete_method(store, "erik", key2), 0, "erik: delete the other key");
	CHECK_INT(default_of(store, "erik"), call, "next default: call");
	CHECK_INT(delete_method(store, "erik", call), 0, "erik: delete call");
	CHECK_INT(default_of(store, "erik"), 0, "erik: no method, no default");
}

static void
test_counter(struct secinfo_store *store)
{
	struct secinfo_user *user = NULL;
	long long id;

	CHECK_INT(add(store, "frank", SECINFO_KIND_APP, NULL, 1, &id), 0, "frank: app");
	CHECK_INT(secinfo_store_counter_accept(store, id, 5), 0, "counter 5 accepted");
	CHECK_INT(secinfo_store_counter_accept(store, id, 5), SECINFO_ERR_WRONG,
		  "counter 5 again refused (replay)");
	CHECK_INT(secinfo_store_counter_accept(store, id, 4), SECINFO_ERR_WRONG,
		  "counter 4 refused (older)");
	CHECK_INT(secinfo_store_counter_accept(store, id, 6), 0, "counter 6 accepted");
	CHECK_INT(secinfo_store_counter_accept(store, id, 6), SECINFO_ERR_WRONG,
		  "counter 6 again refused");
	CHECK_INT(secinfo_store_counter_accept(store, 999999, 7), SECINFO_ERR_WRONG,
		  "a method that does not exist accepts nothing");
	CHECK_INT(secinfo_store_user_get(store, "frank", &user), 0, "frank loads");
	if (user != NULL && user->n_methods == 1)
		CHECK_INT(user->methods[0].counter, 6, "the stored counter is 6");
	secinfo_user_free(user);

	CHECK_INT(add(store, "frank", SECINFO_KIND_APP, NULL, 2, &id), 0, "frank: second app");
	CHECK_INT(secinfo_store_counter_accept(store, id, 0), 0,
		  "counter 0 (HOTP's first) accepted on a fresh method");
	CHECK_INT(secinfo_store_counter_accept(store, id, 0), SECINFO_ERR_WRONG,
		  "counter 0 again refused");
}

static void
test_failures(struct secinfo_store *store)
{
	struct secinfo_user *user = NULL;
	long long id, user_id = 0, until = -1;

	CHECK_INT(add(store, "gina", SECINFO_KIND_APP, NULL, 1, &id), 0, "gina: app");
	CHECK_INT(secinfo_store_user_get(store, "gina", &user), 0, "gina loads");
	if (user == NULL)
		return;
	user_id = user->id;
	secinfo_user_free(user);
	user = NULL;

	/* A wrong answer: the attempt is counted first, then the failure decides on a lock.
	 * max_failures 3, lockout 10m. */
	for (int i = 0; i < 2; i++) {
		CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 10000 + i, &until), 0,
			  "attempt %d", i + 1);
		CHECK_INT(secinfo_store_failure(store, user_id, 3, 600, 10000 + i, &until), 0,
			  "failure %d does not lock", i + 1);
	}
	CHECK_INT(secinfo_store_user_get(store, "gina", &user), 0, "gina loads");
	if (user != NULL) {
		CHECK_INT(user->failures, 2, "two failures counted");
		CHECK_INT(user->locked_until, 0, "not locked after two");
	}
	secinfo_user_free(user);
	user = NULL;
	CHECK_INT(until, -1, "locked_until untouched while not locked");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 10002, &until), 0, "attempt 3");
	CHECK_INT(secinfo_store_failure(store, user_id, 3, 600, 10002, &until), SECINFO_ERR_LOCKED,
		  "failure 3 locks");
	CHECK_INT(until, 10602, "locked until now + lockout");
	CHECK_INT(secinfo_store_user_get(store, "gina", &user), 0, "gina loads");
	if (user != NULL) {
		CHECK_INT(user->locked_until, 10602, "locked_until stored");
		CHECK_INT(user->failures, 0, "the failure count restarts at the lockout");
	}
	secinfo_user_free(user);
	user = NULL;

	/* While locked no attempt is counted or allowed, and no success is recorded. */
	until = -1;
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 10300, &until), SECINFO_ERR_LOCKED,
		  "an attempt while locked is refused");
	CHECK_INT(until, 10602, "and says until when");
	until = -1;
	CHECK_INT(secinfo_store_success(store, user_id, id, 10301, &until), SECINFO_ERR_LOCKED,
		  "a right answer while locked (a concurrent sign-in locked) is refused");
	CHECK_INT(until, 10602, "and says until when");

	/* After the lock ends the count starts from 1 again. */
	until = -1;
	for (int i = 0; i < 2; i++) {
		CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 10602 + i, &until), 0,
			  "after the lockout: attempt %d", i + 1);
		CHECK_INT(secinfo_store_failure(store, user_id, 3, 600, 10602 + i, &until), 0,
			  "after the lockout: failure %d does not lock", i + 1);
	}
	CHECK_INT(until, -1, "locked_until untouched");
	/* Parallel conversations: with max_failures attempts counted and their answers still being
	 * checked, the next attempt is refused and locks; no guess beyond the limit is checked. */
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 20000, &until), 0,
		  "parallel attempt A (the third counted)");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 20000, &until), SECINFO_ERR_LOCKED,
		  "parallel attempt B, past max_failures, is refused");
	CHECK_INT(until, 20600, "and locks until now + lockout");
	until = -1;
	CHECK_INT(secinfo_store_failure(store, user_id, 3, 600, 20001, &until), 0,
		  "A's failure afterwards does not move the lock");
	CHECK_INT(until, -1, "locked_until untouched by A's failure");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 20002, &until), SECINFO_ERR_LOCKED,
		  "attempt C while locked is refused");
	CHECK_INT(until, 20600, "with the lock B set");

	CHECK_INT(secinfo_store_user_unlock(store, "gina"), 0, "unlock");
	CHECK_INT(secinfo_store_user_get(store, "gina", &user), 0, "gina loads");
	if (user != NULL) {
		CHECK_INT(user->locked_until, 0, "unlock clears locked_until");
		CHECK_INT(user->failures, 0, "unlock clears failures");
	}
	secinfo_user_free(user);
	user = NULL;
	CHECK_INT(secinfo_store_user_unlock(store, "nobody"), SECINFO_ERR_NOT_FOUND,
		  "unlocking an unknown user");
	CHECK_INT(secinfo_store_attempt(store, 999999, 3, 600, 1, &until), SECINFO_ERR_DB,
		  "an attempt for a user id that does not exist is a database error");

	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 30000, &until), 0, "attempt 1");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 30001, &until), 0, "attempt 2");
	CHECK_INT(secinfo_store_success(store, user_id, id, 30002, &until), 0, "success");
	CHECK_INT(secinfo_store_user_get(store, "gina", &user), 0, "gina loads");
	if (user != NULL) {
		CHECK_INT(user->failures, 0, "success clears the count");
		CHECK_INT(user->n_methods == 1 ? user->methods[0].last_used : -1, 30002,
			  "success records the method's last use");
	}
	secinfo_user_free(user);
	user = NULL;
}

/* Reads the integer SQL returns from the database FILE through another connection: what is
 * committed, nothing else. */
static long long
committed_int_in(const char *file, const char *sql)
{
	char text[64];

	if (raw_text(file, sql, text, sizeof(text)) != SQLITE_OK)
		return -1;
	return strtoll(text, NULL, 10);
}

static long long
committed_int(const char *sql)
{
	return committed_int_in(path_of("secinfo.db"), sql);
}

/* Returns the failure count of NAME as the store sees it (inside its transaction), -1 when
 * the user cannot be loaded; *last_used gets the last use of the user's method ID. */
static long long
failures_of(struct secinfo_store *store, const char *name, long long id, long long *last_used)
{
	struct secinfo_user *user = NULL;
	struct secinfo_method *m;
	long long failures;

	if (secinfo_store_user_get(store, name, &user) != 0)
		return -1;
	failures = user->failures;
	m = secinfo_user_method(user, id);
	if (last_used != NULL)
		*last_used = m != NULL ? m->last_used : -1;
	secinfo_user_free(user);
	return failures;
}

/*
 * Nested transactions: the functions that open their own transaction (success, code_check,
 * send_reserve) work inside a caller's, where they become savepoints; only the outermost
 * commit makes anything durable, and its rollback undoes everything.
 */
static void
test_transactions(struct secinfo_store *store)
{
	struct secinfo_audit_entry e = {40000,  "nora",    "sshd", "",  "sms",
					"auth", "success", NULL,   NULL};
	long long app = 0, sms = 0, user_id = 0, until = 0, last_used = -1;
	struct secinfo_user *user = NULL;
	char codes_sql[128], sql[128];

	CHECK_INT(add(store, "nora", SECINFO_KIND_APP, NULL, 1, &app), 0, "nora: app");
	CHECK_INT(add(store, "nora", SECINFO_KIND_SMS, "+14255550199", 2, &sms), 0, "nora: sms");
	if (secinfo_store_user_get(store, "nora", &user) == 0)
		user_id = user->id;
	secinfo_user_free(user);
	CHECK_INT(secinfo_store_code_set(store, sms, "123456", 50000), 0, "nora: a code");
	snprintf(codes_sql, sizeof(codes_sql), "SELECT count(*) FROM codes WHERE method_id = %lld",
		 sms);

	/* A whole sign-in try in one transaction, rolled back. */
	CHECK_INT(secinfo_store_begin(store), 0, "begin a sign-in try");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 40000, &until), 0,
		  "the attempt counted");
	CHECK_INT(secinfo_store_code_check(store, sms, "123456", 40000, 3), 0,
		  "the code is right and consumed (a savepoint)");
	CHECK_INT(secinfo_store_counter_accept(store, app, 7), 0, "a TOTP step accepted");
	CHECK_INT(secinfo_store_send_reserve(store, user_id, "sms", 40000, 1), 0,
		  "a send reserved (a savepoint)");
	CHECK_INT(secinfo_store_success(store, user_id, sms, 40000, &until), 0,
		  "the success recorded (a savepoint)");
	CHECK_INT(secinfo_store_audit(store, &e), 0, "the audit row written");
	CHECK_INT(failures_of(store, "nora", sms, &last_used), 0, "inside: the success cleared it");
	CHECK_INT(last_used, 40000, "inside: the last use is set");
	CHECK_INT(committed_int(codes_sql), 1,
		  "another connection still sees the code: nothing is committed yet");
	secinfo_store_rollback(store);
	CHECK_INT(failures_of(store, "nora", sms, &last_used), 0, "after the rollback: no failure");
	CHECK_INT(last_used, 0, "after the rollback: no last use");
	CHECK_INT(committed_int("SELECT count(*) FROM audit WHERE user = 'nora'"), 0,
		  "after the rollback: no audit row");
	CHECK_INT(secinfo_store_counter_accept(store, app, 7), 0,
		  "after the rollback: the TOTP step was never accepted");
	CHECK_INT(secinfo_store_send_reserve(store, user_id, "sms", 40001, 1), 0,
		  "after the rollback: the send was never counted (limit 1)");
	CHECK_INT(secinfo_store_commit(store), SECINFO_ERR_DB, "commit with no transaction: error");
	secinfo_store_rollback(store); /* with none open: nothing happens */

	/* The attempt alone, rolled back: the attempt is undone too. */
	CHECK_INT(secinfo_store_begin(store), 0, "begin");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 40010, &until), 0, "an attempt");
	CHECK_INT(failures_of(store, "nora", sms, NULL), 1, "inside: one failure counted");
	CHECK_INT(committed_int("SELECT failures FROM users WHERE name = 'nora'"), 0,
		  "another connection does not see it yet");
	secinfo_store_rollback(store);
	CHECK_INT(failures_of(store, "nora", sms, NULL), 0,
		  "the rollback undid the counted attempt");

	/* Committed: a wrong code counts against the code, then the right one is consumed. */
	CHECK_INT(secinfo_store_begin(store), 0, "begin");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 40020, &until), 0, "an attempt");
	CHECK_INT(secinfo_store_code_check(store, sms, "000000", 40020, 3), SECINFO_ERR_WRONG,
		  "a wrong code inside the transaction");
	CHECK_INT(secinfo_store_code_check(store, sms, "123456", 40020, 3), 0,
		  "the right code inside the same transaction");
	CHECK_INT(secinfo_store_commit(store), 0, "commit");
	CHECK_INT(committed_int("SELECT failures FROM users WHERE name = 'nora'"), 1,
		  "committed: the attempt");
	CHECK_INT(committed_int(codes_sql), 0, "committed: the code is used");
	CHECK_INT(secinfo_store_code_check(store, sms, "123456", 40021, 3), SECINFO_ERR_WRONG,
		  "and never accepted again");

	/* An inner level rolled back alone; the outer level goes on and commits. */
	CHECK_INT(secinfo_store_begin(store), 0, "begin (outer)");
	CHECK_INT(secinfo_store_attempt(store, user_id, 3, 600, 40030, &until), 0,
		  "outer: an attempt");
	CHECK_INT(secinfo_store_begin(store), 0, "begin (inner)");
	CHECK_INT(secinfo_store_counter_accept(store, app, 9), 0, "inner: step 9 accepted");
	CHECK_INT(secinfo_store_begin(store), 0, "begin (third level)");
	CHECK_INT(secinfo_store_counter_accept(store, app, 10), 0, "third: step 10 accepted");
	CHECK_INT(secinfo_store_commit(store), 0, "third level released");
	secinfo_store_rollback(store); /* the inner level, with the third inside it */
	CHECK_INT(secinfo_store_counter_accept(store, app, 8), 0,
		  "outer: step 8 is new again (9 and 10 were rolled back)");
	CHECK_INT(secinfo_store_commit(store), 0, "outer commit");
	CHECK_INT(committed_int("SELECT failures FROM users WHERE name = 'nora'"), 2,
		  "committed: the outer attempt");
	CHECK_INT(committed_int("SELECT counter FROM methods WHERE kind = 'app' AND user_id ="
				" (SELECT id FROM users WHERE name = 'nora')"),
		  8, "committed: the outer step, not the rolled back ones");

	/* A refusal inside: only its savepoint is undone, the caller's transaction goes on. */
	CHECK_INT(secinfo_store_failure(store, user_id, 2, 600, 40040, &until), SECINFO_ERR_LOCKED,
		  "nora locked (two attempts counted)");
	snprintf(sql, sizeof(sql), "SELECT IFNULL(last_used, 0) FROM methods WHERE id = %lld", app);
	last_used = committed_int(sql);
	CHECK_INT(secinfo_store_begin(store), 0, "begin");
	CHECK_INT(secinfo_store_success(store, user_id, app, 40041, &until), SECINFO_ERR_LOCKED,
		  "a success while locked is refused inside the transaction");
	CHECK_INT(secinfo_store_send_reserve(store, user_id, "sms", 40041, 1), SECINFO_ERR_DENIED,
		  "a send over the limit is refused inside the transaction");
	e.time = 40041;
	e.result = "locked";
	CHECK_INT(secinfo_store_audit(store, &e), 0, "the transaction still takes writes");
	CHECK_INT(secinfo_store_commit(store), 0, "and commits");
	CHECK_INT(committed_int("SELECT count(*) FROM audit WHERE user = 'nora'"), 1,
		  "committed: the audit row");
	CHECK_INT(committed_int("SELECT count(*) FROM sends WHERE user_id ="
				" (SELECT id FROM users WHERE name = 'nora')"),
		  1, "committed: no send beyond the limit");
	CHECK_INT(committed_int(sql), last_used, "committed: the refused success wrote nothing");
	CHECK(last_used != 40041, "(the method's last use is not the refused success's time)");
	CHECK_INT(secinfo_store_user_unlock(store, "nora"), 0, "nora unlocked");
}

static const char hanna_phone[] = "+14255551234", hanna_email[] = "hanna.private@example.net";
static const char hanna_secret[] = "12345678901234567890";

/* Neither the database nor its WAL file holds a detail or a secret in clear. */
static void
check_no_clear_text(const char *when)
{
	const char *files[2] = {path_of("secinfo.db"), path_of("secinfo.db-wal")};
	int name_found = 0;

	for (int f = 0; f < 2; f++) {
		CHECK_INT(file_contains(files[f], hanna_phone, strlen(hanna_phone)), 0,
			  "%s %s: the phone number is not in clear", files[f], when);
		CHECK_INT(file_contains(files[f], "4255551234", 10), 0,
			  "%s %s: not even its digits", files[f], when);
		CHECK_INT(file_contains(files[f], hanna_email, strlen(hanna_email)), 0,
			  "%s %s: the address is not in clear", files[f], when);
		CHECK_INT(file_contains(files[f], hanna_secret, 20), 0,
			  "%s %s: the TOTP secret is not in clear", files[f], when);
		name_found |= file_contains(files[f], "hanna", 5) == 1;
	}
	/* The user name is not secret and is stored in clear: proof that the search works. */
	CHECK(name_found, "%s: the user name is found, so the search itself works", when);
}

/* A value that is no secret (the key check) decrypts into the caller's buffer, and only with
 * the right key and AD into one large enough. */
static void
test_unseal_public(void)
{
	unsigned char key[SECINFO_KEY_BYTES], other[SECINFO_KEY_BYTES], out[32], *sealed = NULL;
	size_t sealed_len = 0, len = 99;
	const char *text = "secinfo key check";

	secinfo_random(key, sizeof(key));
	secinfo_random(other, sizeof(other));
	if (!CHECK_INT(secinfo_seal(key, "ad", (const unsigned char *)text, strlen(text), &sealed,
				    &sealed_len),
		       0, "a known text sealed"))
		return;
	CHECK(secinfo_unseal_public(key, "ad", sealed, sealed_len, out, sizeof(out), &len) == 0 &&
		      len == strlen(text) && memcmp(out, text, len) == 0,
	      "it decrypts into the caller's buffer");
	CHECK_INT(secinfo_unseal_public(other, "ad", sealed, sealed_len, out, sizeof(out), &len),
		  SECINFO_ERR_CORRUPT, "not with another key");
	CHECK_INT(secinfo_unseal_public(key, "other", sealed, sealed_len, out, sizeof(out), &len),
		  SECINFO_ERR_CORRUPT, "not with another AD");
	CHECK_INT(secinfo_unseal_public(key, "ad", sealed, sealed_len, out, strlen(text) - 1, &len),
		  SECINFO_ERR_CORRUPT, "not into a buffer too small for it");
	CHECK_INT(secinfo_unseal_public(key, "ad", sealed, 10, out, sizeof(out), &len),
		  SECINFO_ERR_CORRUPT, "not from a value shorter than a nonce and a tag");
	free(sealed);
}

static void
test_encryption(struct secinfo_store *store, const struct secinfo_conf *conf)
{
	const char *phone = hanna_phone, *email = hanna_email, *secret = hanna_secret;
	struct secinfo_conf *other_conf = NULL;
	struct secinfo_store *other = NULL;
	struct secinfo_user *user = NULL;
	long long sms_id, email_id, app_id, questions_id, ivo_sms;
	const char *why = NULL;
	char why_buf[512], sql[256];

	CHECK_INT(add(store, "hanna", SECINFO_KIND_SMS, phone, 1, &sms_id), 0, "hanna: sms");
	CHECK_INT(add(store, "hanna", SECINFO_KIND_EMAIL, email, 2, &email_id), 0, "hanna: email");
	CHECK_INT(add(store, "hanna", SECINFO_KIND_APP, NULL, 3, &app_id), 0, "hanna: app");
	CHECK_INT(add(store, "hanna", SECINFO_KIND_QUESTIONS, NULL, 4, &questions_id), 0,
		  "hanna: questions");

	/* Before a checkpoint the rows are in the WAL file; after the close, in the database. */
	check_no_clear_text("while open");
	secinfo_store_close(store);
	store = NULL;
	check_no_clear_text("after close");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "reopen (%s)", why_buf);
	if (store == NULL)
		return;
	CHECK_INT(secinfo_store_user_get(store, "hanna", &user), 0, "hanna loads");
	if (user != NULL && user->n_methods == 4) {
		CHECK_STR(user->methods[0].detail, phone, "the phone number decrypts");
		CHECK_STR(user->methods[1].detail, email, "the address decrypts");
		CHECK(user->methods[2].secret_len == 20 &&
			      memcmp(user->methods[2].secret, secret, 20) == 0,
		      "the TOTP secret decrypts");
	}
	secinfo_user_free(user);
	user = NULL;

	/* With another key the database does not open at all: the key check fails, so a wrong
	 * key denies every user, not only those whose details would be decrypted. */
	CHECK_INT(secinfo_key_create(path_of("other.key"), &why), 0, "second key created");
	other_conf = make_conf("secinfo.db", "other.key");
	if (other_conf != NULL) {
		CHECK_INT(store_open(other_conf, 0, &other, why_buf, sizeof(why_buf)),
			  SECINFO_ERR_CORRUPT, "open with another key is refused (%s)", why_buf);
		CHECK(other == NULL, "no store with another key");
		CHECK(strstr(why_buf, "does not match the database") != NULL,
		      "the reason says the key does not match");
		CHECK_INT(store_open(other_conf, SECINFO_STORE_CREATE, &other, why_buf,
				     sizeof(why_buf)),
			  SECINFO_ERR_CORRUPT,
			  "not even init accepts another key for an existing database");
		secinfo_store_close(other);
		secinfo_conf_free(other_conf);
	}
	/* A detail sealed under another key is corrupt even when the key check passes. */
	CHECK_INT(raw_exec(path_of("secinfo.db"),
			   "UPDATE methods SET detail = zeroblob(60) WHERE kind = 'email'"),
		  SQLITE_OK, "replace hanna's email with garbage");
	CHECK_INT(secinfo_store_user_get(store, "hanna", &user), SECINFO_ERR_CORRUPT,
		  "a detail that does not decrypt is corrupt");
	CHECK(user == NULL, "and the user is not returned");

	/* A detail moved to another user's row does not decrypt: it is bound to its owner. */
	CHECK_INT(add(store, "ivo", SECINFO_KIND_SMS, "+31612345678", 5, &ivo_sms), 0, "ivo: sms");
	CHECK_INT(secinfo_store_user_get(store, "ivo", &user), 0, "ivo loads before the swap");
	secinfo_user_free(user);
	user = NULL;
	snprintf(sql, sizeof(sql),
		 "UPDATE methods SET detail = (SELECT detail FROM methods WHERE id = %lld) "
		 "WHERE id = %lld",
		 sms_id, ivo_sms);
	CHECK_INT(raw_exec(path_of("secinfo.db"), sql), SQLITE_OK, "copy hanna's sms to ivo");
	CHECK_INT(secinfo_store_user_get(store, "ivo", &user), SECINFO_ERR_CORRUPT,
		  "a detail copied from another user is corrupt");

	/* ... and bound to its kind. */
	snprintf(sql, sizeof(sql),
		 "UPDATE methods SET detail = (SELECT detail FROM methods WHERE id = %lld) "
		 "WHERE id = %lld",
		 sms_id, email_id);
	CHECK_INT(raw_exec(path_of("secinfo.db"), sql), SQLITE_OK, "copy the sms over the email");
	CHECK_INT(secinfo_store_user_get(store, "hanna", &user), SECINFO_ERR_CORRUPT,
		  "a detail moved to another kind is corrupt");

	/* A flipped bit. */
	snprintf(sql, sizeof(sql),
		 "UPDATE methods SET detail = (SELECT detail FROM methods WHERE id = %lld) "
		 "WHERE id = %lld; UPDATE methods SET detail = zeroblob(40) WHERE id = %lld",
		 email_id, email_id, app_id);
	CHECK_INT(raw_exec(path_of("secinfo.db"), sql), SQLITE_OK, "overwrite the app secret");
	CHECK_INT(secinfo_store_user_get(store, "hanna", &user), SECINFO_ERR_CORRUPT,
		  "a tampered secret is corrupt");
	snprintf(sql, sizeof(sql), "UPDATE methods SET detail = x'00' WHERE id = %lld", app_id);
	CHECK_INT(raw_exec(path_of("secinfo.db"), sql), SQLITE_OK, "truncate the app secret");
	CHECK_INT(secinfo_store_user_get(store, "hanna", &user), SECINFO_ERR_CORRUPT,
		  "a truncated secret is corrupt");
	secinfo_store_close(store);
}

/* Appends " X'<hex of BYTES>'" (an SQL blob literal) to SQL. */
static void
append_blob(char *sql, size_t size, const unsigned char *bytes, size_t len)
{
	size_t used = strlen(sql);

	snprintf(sql + used, size - used, "X'");
	for (size_t i = 0; i < len; i++) {
		used = strlen(sql);
		snprintf(sql + used, size - used, "%02x", bytes[i]);
	}
	used = strlen(sql);
	snprintf(sql + used, size - used, "'");
}

/* Appends the blob literal of PLAIN sealed with KEY for associated data AD. */
static int
append_sealed(char *sql, size_t size, const unsigned char *key, const char *ad, const void *plain,
	      size_t len)
{
	unsigned char *sealed = NULL;
	size_t sealed_len = 0;

	if (secinfo_seal(key, ad, plain, len, &sealed, &sealed_len) != 0)
		return -1;
	append_blob(sql, size, sealed, sealed_len);
	free(sealed);
	return 0;
}

/*
 * Builds FILE as a version-1 database (as secinfo 0.1 wrote it, in rollback journal mode)
 * with rows in every table, the details sealed with the test key, ids with a gap (4 and 6
 * deleted long ago) and the highest method id (7) belonging to olaf.
 */
static int
build_v1(const char *file)
{
	/* user, kind, detail, and the row around the sealed detail */
	static const char *const methods[][5] = {
		{"lena", "email", "lena@example.net", "(1, 1, 'email', ",
		 ", NULL, NULL, NULL, NULL, -1, 100, NULL)"},
		{"lena", "app", "12345678901234567890", "(2, 1, 'app', ",
		 ", 1, 6, 30, 0, 1234, 101, 5000)"},
		{"lena", "sms", "+14255550123", "(3, 1, 'sms', ",
		 ", NULL, NULL, NULL, NULL, -1, 102, NULL)"},
		{"olaf", "call", "+14255550177", "(7, 2, 'call', ",
		 ", NULL, NULL, NULL, NULL, -1, 104, 6000)"},
	};
	unsigned char *key = NULL, hash[SECINFO_CODE_HASH_BYTES];
	const char *why = NULL;
	sqlite3 *db = NULL;
	char sql[8192], ad[128];
	int ok = 0;

	if (secinfo_key_load(path_of("secinfo.key"), &key, &why) != 0 ||
	    sqlite3_open_v2(file, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
		    SQLITE_OK ||
	    secinfo_schema_migrate_to(db, 1) != 0)
		goto out;
	snprintf(sql, sizeof(sql),
		 "INSERT INTO meta VALUES ('unenrolled_failures', 3),"
		 " ('key_check', ");
	append_sealed(sql, sizeof(sql), key, "secinfo/1\nkey-check", "secinfo key check", 17);
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		 ");"
		 "INSERT INTO users VALUES (1, 'lena', 2, 0, NULL, 100), (2, 'olaf', 7, 2, 7777, "
		 "101);"
		 "INSERT INTO methods (id, user_id, kind, detail, otp_algorithm, otp_digits,"
		 " otp_period, otp_hotp, counter, created, last_used) VALUES");
	for (int i = 0; i < 4; i++) {
		snprintf(ad, sizeof(ad), "secinfo/1\n%s\n%s", methods[i][0], methods[i][1]);
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), "%s%s", i > 0 ? ", " : " ",
			 methods[i][3]);
		append_sealed(sql, sizeof(sql), key, ad, methods[i][2], strlen(methods[i][2]));
		snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), "%s", methods[i][4]);
	}
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql),
		 ", (5, 1, 'questions', NULL, NULL, NULL, NULL, NULL, -1, 103, NULL);"
		 "INSERT INTO sends VALUES (1, 'sms', 1000);"
		 "INSERT INTO questions VALUES (1, 'What was the name of your first pet?', 1),"
		 " (2, 'In which city were you born?', 0), (4, 'What street did you grow up on?', "
		 "1);"
		 "INSERT INTO answers VALUES (5, 1, '$argon2id$first'), (5, 4, '$argon2id$street');"
		 "INSERT INTO audit VALUES (1, 900, 'lena', 'sshd', '203.0.113.9', 'app', 'auth',"
		 " 'success'), (2, 901, 'olaf', 'sudo', '', 'call', 'auth', 'failure');"
		 "INSERT INTO codes VALUES (3, ");
	if (secinfo_code_hash(key, 3, "424242", hash) != 0)
		goto out;
	append_blob(sql, sizeof(sql), hash, sizeof(hash));
	snprintf(sql + strlen(sql), sizeof(sql) - strlen(sql), ", 99999, 1);");
	ok = strlen(sql) < sizeof(sql) - 1 && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
out:
	sqlite3_close(db);
	secinfo_key_free(key);
	return ok;
}

static int
collect_audit_text(const struct secinfo_audit_entry *e, void *data)
{
	char *out = data;
	size_t used = strlen(out);

	snprintf(out + used, 512 - used, "%lld %s %s %s %s %s %s;", e->time, e->user, e->service,
		 e->rhost, e->method, e->event, e->result);
	return 0;
}

/* Schema 1 -> 4: every row survives, with its id, and ids are never used again; the audit
 * trail gains actor and host (empty for the old rows); methods gain expires and uses (tap). */
static void
test_migration(void)
{
	struct secinfo_conf *conf = make_conf("v1.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	struct secinfo_user *user = NULL;
	struct secinfo_question *questions = NULL;
	struct secinfo_answer *answers = NULL;
	size_t n_questions = 0, n_answers = 0;
	long long id = 0, until = 0;
	char why_buf[512], text[512], audit[512] = "";

	if (conf == NULL || !CHECK(build_v1(path_of("v1.db")), "a version-1 database built"))
		goto out;
	CHECK_INT(raw_text(path_of("v1.db"), "PRAGMA user_version", text, sizeof(text)), SQLITE_OK,
		  "user_version readable");
	CHECK_STR(text, "1", "it is version 1");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0,
		  "the store opens it (%s)", why_buf);
	if (store == NULL)
		goto out;
	raw_text(path_of("v1.db"), "PRAGMA user_version", text, sizeof(text));
	CHECK_STR(text, "4", "migrated to version 4");
	raw_text(
		path_of("v1.db"),
		"SELECT group_concat(name, ' ') FROM (SELECT name FROM pragma_table_info('methods')"
		" ORDER BY cid)",
		text, sizeof(text));
	CHECK_STR(text,
		  "id user_id kind detail otp_algorithm otp_digits otp_period otp_hotp counter "
		  "created last_used expires uses",
		  "methods has its columns, with expires and uses last");
	raw_text(path_of("v1.db"),
		 "SELECT count(*) FROM sqlite_schema WHERE name = 'methods'"
		 " AND sql LIKE '%''questions'',''tap''%'",
		 text, sizeof(text));
	CHECK_STR(text, "1", "methods' kind CHECK admits tap");
	raw_text(path_of("v1.db"), "SELECT count(*) FROM methods WHERE expires IS NOT NULL", text,
		 sizeof(text));
	CHECK_STR(text, "0", "the old methods have no expiry");
	raw_text(path_of("v1.db"),
		 "SELECT group_concat(id || ':' || actor || ':' || host, ' ') FROM audit", text,
		 sizeof(text));
	CHECK_STR(text, "1:: 2::", "the audit rows from before have no actor and no host");
	raw_text(path_of("v1.db"), "PRAGMA journal_mode", text, sizeof(text));
	CHECK_STR(text, "wal", "and in WAL mode");
	raw_text(path_of("v1.db"),
		 "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema"
		 " WHERE sql LIKE '%AUTOINCREMENT%' ORDER BY name)",
		 text, sizeof(text));
	CHECK_STR(text, "methods questions", "methods and questions have AUTOINCREMENT");
	raw_text(path_of("v1.db"),
		 "SELECT group_concat(type || ' ' || name, ', ') FROM (SELECT type, name FROM"
		 " sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name)",
		 text, sizeof(text));
	CHECK_STR(text,
		  "index audit_by_time, index audit_by_user, index methods_by_user, "
		  "index sends_by_user, table answers, table audit, table codes, table meta, "
		  "table methods, table questions, table sends, table users, "
		  "trigger users_default_check",
		  "every table, index and the trigger are there, and nothing else");
	raw_text(path_of("v1.db"), "SELECT count(*) FROM pragma_foreign_key_check", text,
		 sizeof(text));
	CHECK_STR(text, "0", "no dangling reference");
	raw_text(path_of("v1.db"), "PRAGMA integrity_check", text, sizeof(text));
	CHECK_STR(text, "ok", "integrity check passes");

	CHECK_INT(secinfo_store_user_get(store, "lena", &user), 0, "lena loads");
	if (user != NULL && CHECK_INT(user->n_methods, 4, "lena: four methods")) {
		CHECK(user->methods[0].id == 1 && user->methods[1].id == 2 &&
			      user->methods[2].id == 3 && user->methods[3].id == 5,
		      "lena: the ids are kept (1, 2, 3, 5)");
		CHECK_STR(user->methods[0].detail, "lena@example.net", "the address decrypts");
		CHECK(user->methods[1].secret_len == 20 &&
			      memcmp(user->methods[1].secret, "12345678901234567890", 20) == 0,
		      "the TOTP secret decrypts");
		CHECK(user->methods[1].otp.digits == 6 && user->methods[1].otp.period == 30 &&
			      user->methods[1].counter == 1234 &&
			      user->methods[1].last_used == 5000 && user->methods[1].created == 101,
		      "the OTP parameters, counter and times are kept");
		CHECK_STR(user->methods[2].detail, "+14255550123", "the number decrypts");
		CHECK_INT(user->methods[3].kind, SECINFO_KIND_QUESTIONS, "the questions method");
		CHECK_INT(user->default_method, 2, "lena: the default is kept");
	}
	secinfo_user_free(user);
	user = NULL;
	CHECK_INT(secinfo_store_user_get(store, "olaf", &user), 0, "olaf loads");
	if (user != NULL) {
		CHECK(user->failures == 2 && user->locked_until == 7777 && user->n_methods == 1 &&
			      user->methods[0].id == 7 && user->default_method == 7 &&
			      strcmp(user->methods[0].detail, "+14255550177") == 0,
		      "olaf: failures, lock, method and default are kept");
	}
	secinfo_user_free(user);
	user = NULL;

	CHECK_INT(secinfo_store_code_check(store, 3, "424242", 5000, 2), 0,
		  "the pending code survived, with its hash (one attempt of two used)");
	CHECK_INT(secinfo_store_send_reserve(store, 1, "sms", 1500, 1), SECINFO_ERR_DENIED,
		  "the send log survived (the send at 1000 counts)");
	CHECK_INT(secinfo_store_questions_get(store, 0, &questions, &n_questions), 0,
		  "questions load");
	CHECK(n_questions == 3 && questions[0].id == 1 && questions[1].id == 2 &&
		      !questions[1].active && questions[2].id == 4 &&
		      strcmp(questions[2].text, "What street did you grow up on?") == 0,
	      "the questions survived with their ids and states");
	secinfo_questions_free(questions, n_questions);
	CHECK_INT(secinfo_store_answers_get(store, 5, &answers, &n_answers), 0, "answers load");
	CHECK(n_answers == 2 && answers[0].question_id == 1 &&
		      strcmp(answers[0].hash, "$argon2id$first") == 0 &&
		      answers[1].question_id == 4 &&
		      strcmp(answers[1].hash, "$argon2id$street") == 0,
	      "the answers survived");
	secinfo_answers_free(answers, n_answers);
	CHECK_INT(secinfo_store_audit_list(store, NULL, 0, collect_audit_text, audit), 0,
		  "audit lists");
	CHECK_STR(audit,
		  "900 lena sshd 203.0.113.9 app auth success;901 olaf sudo  call auth failure;",
		  "the audit trail survived");
	raw_text(path_of("v1.db"), "SELECT value FROM meta WHERE name = 'unenrolled_failures'",
		 text, sizeof(text));
	CHECK_STR(text, "3", "the unenrolled failure count survived");

	/* The trigger still guards the default. */
	CHECK_INT(raw_exec(path_of("v1.db"), "UPDATE users SET default_method = 1 WHERE id = 1"),
		  SQLITE_CONSTRAINT, "the trigger refuses an email as the default");
	CHECK_INT(raw_exec(path_of("v1.db"), "UPDATE users SET default_method = 7 WHERE id = 1"),
		  SQLITE_CONSTRAINT, "and another user's method");
	/* Foreign keys are on again: deleting a method deletes its code and answers. */
	CHECK_INT(delete_method(store, "lena", 5), 0, "lena: delete the questions method");
	raw_text(path_of("v1.db"), "SELECT count(*) FROM answers", text, sizeof(text));
	CHECK_STR(text, "0", "its answers went with it");

	/* Ids are never used again. */
	CHECK_INT(delete_method(store, "olaf", 7), 0, "olaf: delete the method with the top id");
	CHECK_INT(add(store, "olaf", SECINFO_KIND_SMS, "+14255550178", 200, &id), 0, "olaf: add");
	CHECK_INT(id, 8, "the new method gets 8, not 7 again");
	CHECK_INT(delete_method(store, "olaf", id), 0, "olaf: delete it");
	CHECK_INT(add(store, "olaf", SECINFO_KIND_SMS, "+14255550179", 201, &id), 0, "olaf: add");
	CHECK_INT(id, 9, "then 9");
	CHECK_INT(secinfo_store_question_add(store, "Your favourite teacher?", &id), 0,
		  "a question added");
	CHECK_INT(id, 5, "questions go on after the highest id (4)");
	CHECK_INT(secinfo_store_attempt(store, 2, 3, 600, 8000, &until), 0,
		  "olaf's lock has ended");
	secinfo_store_close(store);
	store = NULL;
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "it opens again (%s)",
		  why_buf);
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/* Schema 3 -> 4 rebuilds methods: an id deleted while the file was at version 3 (the highest
 * one, above every id left) is still never handed out again after the step. */
static void
test_migration_sequence(void)
{
	struct secinfo_conf *conf = make_conf("v3.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	sqlite3 *db = NULL;
	long long id = 0;
	char why_buf[512], text[256];
	int built = 0;

	if (conf == NULL || !CHECK(build_v1(path_of("v3.db")), "a version-1 database built"))
		goto out;
	if (sqlite3_open_v2(path_of("v3.db"), &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	    secinfo_schema_migrate_to(db, 3) == 0 &&
	    sqlite3_exec(db,
			 "UPDATE users SET default_method = NULL WHERE id = 2;"
			 "DELETE FROM methods WHERE id = 7;",
			 NULL, NULL, NULL) == SQLITE_OK)
		built = 1;
	sqlite3_close(db);
	if (!CHECK(built, "migrated to version 3, and olaf's method 7 (the top id) deleted"))
		goto out;
	raw_text(path_of("v3.db"),
		 "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'methods') || ' ' ||"
		 " (SELECT max(id) FROM methods)",
		 text, sizeof(text));
	CHECK_STR(text, "7 5", "at version 3 the counter is 7, the highest id left 5");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0,
		  "the store opens it (%s)", why_buf);
	if (store == NULL)
		goto out;
	raw_text(path_of("v3.db"), "PRAGMA user_version", text, sizeof(text));
	CHECK_STR(text, "4", "migrated to version 4");
	raw_text(path_of("v3.db"),
		 "SELECT group_concat(name || '=' || seq, ' ') FROM (SELECT name, seq FROM"
		 " sqlite_sequence ORDER BY name)",
		 text, sizeof(text));
	CHECK_STR(text, "methods=7 questions=4", "the counter is carried over, under its name");
	CHECK_INT(add(store, "olaf", SECINFO_KIND_SMS, "+14255550178", 200, &id), 0, "olaf: add");
	CHECK_INT(id, 8, "the new method gets 8, not 6 or 7");
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/* A migration that would leave a dangling reference changes nothing. */
static void
test_migration_refused(void)
{
	struct secinfo_conf *conf = make_conf("v1bad.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	char why_buf[512], text[64];

	if (conf == NULL || !CHECK(build_v1(path_of("v1bad.db")), "a version-1 database built"))
		goto out;
	CHECK_INT(raw_exec(path_of("v1bad.db"),
			   "INSERT INTO answers VALUES (5, 99, '$argon2id$dangling')"),
		  SQLITE_OK, "an answer to a question that does not exist");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_CORRUPT,
		  "the migration refuses it");
	CHECK(store == NULL, "no store");
	raw_text(path_of("v1bad.db"), "PRAGMA user_version", text, sizeof(text));
	CHECK_STR(text, "1", "still version 1");
	raw_text(path_of("v1bad.db"), "SELECT count(*) FROM methods", text, sizeof(text));
	CHECK_STR(text, "5", "every method is still there");
	raw_text(path_of("v1bad.db"),
		 "SELECT count(*) FROM sqlite_schema WHERE name LIKE '%_v2' OR"
		 " sql LIKE '%AUTOINCREMENT%'",
		 text, sizeof(text));
	CHECK_STR(text, "0", "nothing of the new schema was left behind");
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

static double
monotonic_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1000.0 + (double)t.tv_nsec / 1e6;
}

/* A child process that holds the write lock of the database FILE, as a concurrent sign-in
 * would, for HOLD_MS. */
struct lock_holder {
	pid_t pid;
	int pipe; /* the child writes when it holds the lock and when it has committed */
};

static int
hold_write_lock(struct lock_holder *holder, const char *file, int hold_ms)
{
	struct timespec hold = {hold_ms / 1000, (long)(hold_ms % 1000) * 1000000L};
	int fds[2];
	char c;

	if (pipe(fds) != 0)
		return 0;
	holder->pid = fork();
	if (holder->pid == 0) {
		sqlite3 *db = NULL;
		double released;

		/* Its own connection: none survives a fork(). */
		close(fds[0]);
		if (sqlite3_open_v2(file, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK ||
		    sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK ||
		    write(fds[1], "L", 1) != 1)
			_exit(1);
		nanosleep(&hold, NULL);
		if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			_exit(1);
		released = monotonic_ms();
		if (write(fds[1], &released, sizeof(released)) != sizeof(released))
			_exit(1);
		sqlite3_close(db);
		_exit(0);
	}
	close(fds[1]);
	holder->pipe = fds[0];
	if (holder->pid < 0 || read(holder->pipe, &c, 1) != 1) {
		close(holder->pipe);
		return 0;
	}
	return 1;
}

/* Waits for the holder to end. Returns when it released the lock (monotonic ms), or -1. */
static double
holder_wait(struct lock_holder *holder)
{
	double released = -1;
	int status = 0;

	if (read(holder->pipe, &released, sizeof(released)) != sizeof(released))
		released = -1;
	close(holder->pipe);
	if (waitpid(holder->pid, &status, 0) != holder->pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		released = -1;
	return released;
}

/*
 * The busy handler: a writer that finds the lock taken gets it soon after it is released
 * (sqlite's own handler sleeps up to 100 ms between tries), and gives up with an error, never
 * hangs, once [database] busy_timeout has passed.
 */
static void
test_busy(void)
{
	struct secinfo_conf *conf = make_conf("busy.db", "secinfo.key");
	struct secinfo_conf *short_conf = make_conf_busy("busy.db", "secinfo.key", "1s");
	struct secinfo_store *store = NULL;
	struct lock_holder holder;
	double start, took, released, lag = 1e9;
	long long until = 0;
	char why_buf[512];

	if (conf == NULL || short_conf == NULL ||
	    !CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		       "busy.db created (%s)", why_buf))
		goto out;
	/* Three holds, so that a handler that sleeps coarsely cannot land just after each. */
	for (int hold = 20; hold <= 60; hold += 20) {
		if (!CHECK(hold_write_lock(&holder, path_of("busy.db"), hold),
			   "another process holds the write lock for %d ms", hold))
			goto out;
		start = monotonic_ms();
		CHECK_INT(secinfo_store_begin(store), 0, "begin waits for it and succeeds");
		took = monotonic_ms() - start;
		released = holder_wait(&holder);
		CHECK(released > 0, "the holder committed");
		CHECK(took >= hold / 2 && took < 1000, "begin waited %.1f ms for a %d ms hold",
		      took, hold);
		if (released > 0 && start + took - released < lag)
			lag = start + took - released;
		secinfo_store_rollback(store);
	}
	CHECK(lag < 5, "the lock was taken %.2f ms after its release (best of three)", lag);

	if (!CHECK(hold_write_lock(&holder, path_of("busy.db"), 20),
		   "another process holds the write lock for 20 ms"))
		goto out;
	CHECK_INT(secinfo_store_failure_unenrolled(store), 0,
		  "a single write (no transaction) waits for it too");
	holder_wait(&holder);
	secinfo_store_close(store);
	store = NULL;

	CHECK_INT(store_open(short_conf, 0, &store, why_buf, sizeof(why_buf)), 0,
		  "busy.db opens with busy_timeout = 1s (%s)", why_buf);
	if (store == NULL || !CHECK(hold_write_lock(&holder, path_of("busy.db"), 2500),
				    "another process holds the write lock for 2.5 s"))
		goto out;
	start = monotonic_ms();
	CHECK_INT(secinfo_store_begin(store), SECINFO_ERR_DB,
		  "begin gives up with an error once busy_timeout has passed");
	took = monotonic_ms() - start;
	CHECK(took >= 990 && took < 1500, "after %.0f ms: the timeout, not less, not much more",
	      took);
	start = monotonic_ms();
	CHECK_INT(secinfo_store_attempt(store, 1, 3, 600, 1, &until), SECINFO_ERR_DB,
		  "so does a single write");
	took = monotonic_ms() - start;
	CHECK(took >= 990 && took < 1500, "after %.0f ms", took);
	CHECK(holder_wait(&holder) > 0, "the holder committed");
	CHECK_INT(secinfo_store_begin(store), 0, "once the lock is free, begin succeeds");
	CHECK_INT(secinfo_store_failure_unenrolled(store), 0, "a write in it");
	CHECK_INT(secinfo_store_commit(store), 0,
		  "and it commits (the failed begin left no level open)");
	CHECK_INT(raw_text(path_of("busy.db"),
			   "SELECT value FROM meta WHERE name = 'unenrolled_failures'", why_buf,
			   sizeof(why_buf)),
		  SQLITE_OK, "read back");
	CHECK_STR(why_buf, "2", "both writes are committed");
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	secinfo_conf_free(short_conf);
}

static void
test_newer_schema(void)
{
	struct secinfo_conf *conf = make_conf("newer.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	char why_buf[512], want[600];

	if (conf == NULL)
		return;
	CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		  "newer.db created (%s)", why_buf);
	secinfo_store_close(store);
	store = NULL;
	CHECK_INT(raw_exec(path_of("newer.db"), "PRAGMA user_version = 99"), SQLITE_OK,
		  "user_version set to 99");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_UNSUPPORTED,
		  "a newer schema is refused");
	CHECK(store == NULL, "no store for a newer schema");
	snprintf(want, sizeof(want), "%s: database schema is newer than this version of secinfo",
		 path_of("newer.db"));
	CHECK_STR(why_buf, want, "the reason names the database");
	CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)),
		  SECINFO_ERR_UNSUPPORTED, "CREATE does not downgrade a newer schema either");
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/* One-time codes (sms, call, email): hashed, single use, expiring, limited attempts, and the
 * per-hour send limit. */
static void
test_codes(struct secinfo_store *store)
{
	long long id = 0, other = 0, user_id = 0;
	struct secinfo_user *user = NULL;
	char code[SECINFO_CODE_MAX + 1], sql[256], raw[64];
	int digits = 1;

	CHECK_INT(secinfo_code_generate(5, code), SECINFO_ERR_INVALID, "length 5 refused");
	CHECK_INT(secinfo_code_generate(11, code), SECINFO_ERR_INVALID, "length 11 refused");
	CHECK_INT(secinfo_code_generate(8, code), 0, "an 8-digit code");
	for (size_t i = 0; i < strlen(code); i++)
		digits &= code[i] >= '0' && code[i] <= '9';
	CHECK(strlen(code) == 8 && digits, "8 digits: %s", code);

	CHECK_INT(add(store, "kim", SECINFO_KIND_SMS, "+14255550101", 100, &id), 0, "kim: sms");
	CHECK_INT(add(store, "kim", SECINFO_KIND_CALL, "+14255550102", 101, &other), 0,
		  "kim: call");
	CHECK_INT(secinfo_store_code_set(store, id, "123456", 1000), 0,
		  "code set, valid until 1000");
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM codes WHERE hash = CAST('123456' AS BLOB)"
		 " OR instr(hash, CAST('123456' AS BLOB)) > 0");
	CHECK_INT(raw_text(path_of("secinfo.db"), sql, raw, sizeof(raw)), SQLITE_OK, "codes read");
	CHECK_STR(raw, "0", "the code itself is never stored");
	CHECK_INT(secinfo_store_code_check(store, other, "123456", 500, 3), SECINFO_ERR_WRONG,
		  "the code of one method is not valid for another");
	CHECK_INT(secinfo_store_code_check(store, id, "654321", 500, 3), SECINFO_ERR_WRONG,
		  "wrong code");
	CHECK_INT(secinfo_store_code_check(store, id, "123456", 500, 3), 0, "right code");
	CHECK_INT(secinfo_store_code_check(store, id, "123456", 501, 3), SECINFO_ERR_WRONG,
		  "single use: the same code again is refused");

	CHECK_INT(secinfo_store_code_set(store, id, "111111", 1000), 0, "first code");
	CHECK_INT(secinfo_store_code_set(store, id, "222222", 1000), 0, "a new code");
	CHECK_INT(secinfo_store_code_check(store, id, "111111", 500, 3), SECINFO_ERR_WRONG,
		  "a new code invalidates the previous one");
	CHECK_INT(secinfo_store_code_check(store, id, "222222", 1000, 3), SECINFO_ERR_WRONG,
		  "expired at its expiry time");

	CHECK_INT(secinfo_store_code_set(store, id, "333333", 1000), 0, "another code");
	for (int i = 0; i < 3; i++)
		CHECK_INT(secinfo_store_code_check(store, id, "000000", 500, 3), SECINFO_ERR_WRONG,
			  "wrong answer %d", i + 1);
	CHECK_INT(secinfo_store_code_check(store, id, "333333", 500, 3), SECINFO_ERR_WRONG,
		  "after 3 wrong answers even the right code is refused");

	CHECK_INT(secinfo_store_user_get(store, "kim", &user), 0, "kim loads");
	if (user != NULL)
		user_id = user->id;
	secinfo_user_free(user);
	for (int i = 0; i < 2; i++)
		CHECK_INT(secinfo_store_send_reserve(store, user_id, "sms", 5000 + i, 2), 0,
			  "send %d of 2 per hour", i + 1);
	CHECK_INT(secinfo_store_send_reserve(store, user_id, "sms", 5002, 2), SECINFO_ERR_DENIED,
		  "the third send within the hour is refused");
	CHECK_INT(secinfo_store_send_reserve(store, user_id, "call", 5002, 2), 0,
		  "the limit is per channel");
	CHECK_INT(secinfo_store_send_reserve(store, user_id, "sms", 5000 + 3600, 2), 0,
		  "an hour after the first send, one more is allowed");
}

static void
test_empty_database(void)
{
	struct secinfo_conf *conf = make_conf("empty.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	char why_buf[512];
	int fd;

	if (conf == NULL)
		return;
	fd = open(path_of("empty.db"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(fd >= 0, "empty database file created");
	if (fd >= 0)
		close(fd);
	/* A truncated database must not quietly become an empty one that enrolls nobody. */
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_CORRUPT,
		  "an empty database is refused without CREATE (%s)", why_buf);
	CHECK(strstr(why_buf, "secinfo-admin init") != NULL, "the reason says to run init");
	CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		  "init still initialises it");
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/* Reads the whole file at PATH into BUF (at most SIZE bytes). Returns its length, -1. */
static ssize_t
read_file(const char *path, unsigned char *buf, size_t size)
{
	ssize_t n, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	while ((size_t)len < size && (n = read(fd, buf + len, size - (size_t)len)) > 0)
		len += n;
	close(fd);
	return len;
}

/* Copies the database file alone, without its WAL, as a careless backup would. */
static int
copy_alone(const char *from, const char *to)
{
	static unsigned char buf[1 << 20];
	ssize_t len = read_file(from, buf, sizeof(buf));
	int fd, ok;

	unlink(to);
	fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || len < 0)
		return 0;
	ok = write(fd, buf, (size_t)len) == len;
	close(fd);
	return ok;
}

/*
 * What a sign-in does to the files: nothing but appending to the WAL (no checkpoint, the
 * -wal and -shm files stay); enrollment changes are checkpointed into the database file at
 * close; an empty file in the database's place is refused before sqlite can delete the WAL.
 */
static void
test_wal_files(void)
{
	struct secinfo_conf *conf = make_conf("files.db", "secinfo.key");
	static unsigned char before[1 << 20], after[1 << 20];
	struct secinfo_store *store = NULL;
	long long id = 0, until = 0;
	ssize_t before_len, after_len;
	char why_buf[512], text[64];
	struct stat st;

	if (conf == NULL ||
	    !CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		       "files.db created (%s)", why_buf))
		goto out;
	CHECK_INT(add(store, "paul", SECINFO_KIND_APP, NULL, 1, &id), 0, "paul: app");
	secinfo_store_close(store);
	store = NULL;
	CHECK(copy_alone(path_of("files.db"), path_of("files-copy.db")), "files.db copied alone");
	raw_text(path_of("files-copy.db"), "SELECT count(*) FROM users WHERE name = 'paul'", text,
		 sizeof(text));
	CHECK_STR(text, "1", "an enrollment change is in the database file itself after close");

	before_len = read_file(path_of("files.db"), before, sizeof(before));
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "open (%s)", why_buf);
	if (store == NULL)
		goto out;
	CHECK_INT(secinfo_store_attempt(store, 1, 3, 600, 100, &until), 0, "a sign-in's attempt");
	CHECK_INT(secinfo_store_counter_accept(store, id, 3), 0, "and its step");
	secinfo_store_close(store);
	store = NULL;
	after_len = read_file(path_of("files.db"), after, sizeof(after));
	CHECK(before_len > 0 && before_len == after_len && memcmp(before, after, before_len) == 0,
	      "a sign-in does not checkpoint: the database file is unchanged");
	CHECK(stat(path_of("files.db-wal"), &st) == 0 && st.st_size > 0 &&
		      stat(path_of("files.db-shm"), &st) == 0,
	      "the -wal and -shm files stay after the close");
	CHECK_INT(committed_int_in(path_of("files.db"), "SELECT failures FROM users"), 1,
		  "the attempt is committed (in the WAL)");

	/* An empty file in its place: refused before sqlite sees it and drops the WAL. */
	CHECK(rename(path_of("files.db"), path_of("files-real.db")) == 0, "files.db moved away");
	close(open(path_of("files.db"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_CORRUPT,
		  "an empty database file is refused");
	CHECK(strstr(why_buf, "not initialised") != NULL, "not initialised: %s", why_buf);
	CHECK(stat(path_of("files.db-wal"), &st) == 0 && st.st_size > 0, "the WAL is still there");
	CHECK(rename(path_of("files-real.db"), path_of("files.db")) == 0, "files.db put back");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "open (%s)", why_buf);
	CHECK_INT(store != NULL ? failures_of(store, "paul", id, NULL) : -1, 1,
		  "the attempt kept in the WAL is still there");
	secinfo_store_close(store);
	store = NULL;

	/* The -wal and -shm files stay between sign-ins: held to the database's rules. */
	CHECK(chmod(path_of("files.db-wal"), 0666) == 0, "files.db-wal made world-writable");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_UNSAFE,
		  "a world-writable -wal is refused");
	CHECK(strstr(why_buf, "files.db-wal: ") != NULL, "the reason names it: %s", why_buf);
	CHECK(chmod(path_of("files.db-wal"), 0600) == 0, "files.db-wal back to 0600");
	CHECK(rename(path_of("files.db-shm"), path_of("files-shm.real")) == 0 &&
		      symlink(path_of("files-shm.real"), path_of("files.db-shm")) == 0,
	      "files.db-shm replaced by a symlink");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_UNSAFE,
		  "a symlinked -shm is refused");
	CHECK(strstr(why_buf, "files.db-shm: ") != NULL, "the reason names it: %s", why_buf);
	CHECK(unlink(path_of("files.db-shm")) == 0 &&
		      rename(path_of("files-shm.real"), path_of("files.db-shm")) == 0,
	      "files.db-shm put back");
	/* Checked without being opened for reading (O_PATH): a FIFO never blocks the open. */
	CHECK(rename(path_of("files.db-wal"), path_of("files-wal.real")) == 0 &&
		      mkfifo(path_of("files.db-wal"), 0600) == 0,
	      "files.db-wal replaced by a FIFO");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_UNSAFE,
		  "a FIFO in place of the -wal is refused at once");
	CHECK(strstr(why_buf, "files.db-wal: not a regular file") != NULL, "the reason says so: %s",
	      why_buf);
	CHECK(unlink(path_of("files.db-wal")) == 0 &&
		      rename(path_of("files-wal.real"), path_of("files.db-wal")) == 0,
	      "files.db-wal put back");

	/* WAL mode is verified at every open, and set again when someone changed it. */
	CHECK_INT(raw_exec(path_of("files.db"), "PRAGMA journal_mode = DELETE"), SQLITE_OK,
		  "files.db switched to a rollback journal");
	raw_text(path_of("files.db"), "PRAGMA journal_mode", text, sizeof(text));
	CHECK_STR(text, "delete", "it is in rollback journal mode");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "open (%s)", why_buf);
	raw_text(path_of("files.db"), "PRAGMA journal_mode", text, sizeof(text));
	CHECK_STR(text, "wal", "the open put it back in WAL mode");
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

static void
expect_unsafe(const struct secinfo_conf *conf, int flags, int want_rc, const char *file,
	      const char *reason, const char *what)
{
	struct secinfo_store *store = NULL;
	char why_buf[512], want[600];

	CHECK_INT(store_open(conf, flags, &store, why_buf, sizeof(why_buf)), want_rc,
		  "%s: refused (%s)", what, why_buf);
	CHECK(store == NULL, "%s: no store", what);
	snprintf(want, sizeof(want), "%s: %s", file, reason);
	CHECK_STR(why_buf, want, "%s: the reason names the file", what);
	secinfo_store_close(store);
}

static void
expect_open(const struct secinfo_conf *conf, const char *what)
{
	struct secinfo_store *store = NULL;
	char why_buf[512];

	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "%s: opens (%s)", what,
		  why_buf);
	secinfo_store_close(store);
}

static void
test_unsafe_files(void)
{
	struct secinfo_conf *conf = make_conf("secinfo.db", "secinfo.key");
	struct secinfo_conf *linked = NULL;
	const char *db = path_of("secinfo.db"), *key = path_of("secinfo.key");
	char db_path[256], key_path[256];
	struct timespec start, end;
	double elapsed;
	int fd;

	if (conf == NULL)
		return;
	snprintf(db_path, sizeof(db_path), "%s", db);
	snprintf(key_path, sizeof(key_path), "%s", key);
	expect_open(conf, "the intact store");

	CHECK(chmod(db_path, 0666) == 0, "chmod database 0666");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, db_path, "writable by group or others",
		      "database mode 0666");
	CHECK(chmod(db_path, 0620) == 0, "chmod database 0620");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, db_path, "writable by group or others",
		      "database mode 0620");
	CHECK(chmod(db_path, 0644) == 0, "chmod database 0644");
	expect_open(conf, "database mode 0644 (readable, not writable, by others)");
	CHECK(chmod(db_path, 0600) == 0, "chmod database back to 0600");

	if (geteuid() == 0) {
		CHECK(chown(db_path, 65534, 65534) == 0, "chown database to nobody");
		expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, db_path, "not owned by root",
			      "database owned by nobody");
		CHECK(chown(db_path, 0, 0) == 0, "chown database back to root");
	}

	/* A symlink in place of the database, even to the real one. */
	CHECK(rename(db_path, path_of("real.db")) == 0, "move the database aside");
	CHECK(symlink(path_of("real.db"), db_path) == 0, "symlink in place of the database");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, db_path, "is a symbolic link",
		      "symlinked database");
	expect_unsafe(conf, SECINFO_STORE_CREATE, SECINFO_ERR_UNSAFE, db_path, "is a symbolic link",
		      "symlinked database with CREATE");
	CHECK(unlink(db_path) == 0, "remove the symlink");
	CHECK(mkdir(db_path, 0700) == 0, "a directory in place of the database");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, db_path, "not a regular file",
		      "directory as database");
	CHECK(rmdir(db_path) == 0, "remove that directory");
	CHECK(rename(path_of("real.db"), db_path) == 0, "move the database back");
	expect_open(conf, "database restored");

	/* The database's directory. */
	CHECK(chmod(dir, 0777) == 0, "chmod directory 0777");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, dir, "directory writable by group or others",
		      "world-writable directory");
	CHECK(chmod(dir, 0700) == 0, "chmod directory back to 0700");
	CHECK(symlink(dir, path_of("linkdir")) == 0, "a symlink to the directory");
	linked = make_conf("linkdir/secinfo.db", "secinfo.key");
	if (linked != NULL)
		expect_unsafe(linked, 0, SECINFO_ERR_UNSAFE, path_of("linkdir"),
			      "is not a directory (or is a symbolic link)",
			      "database reached through a symlinked directory");
	secinfo_conf_free(linked);

	/* The key. */
	CHECK(chmod(key_path, 0644) == 0, "chmod key 0644");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, key_path, "readable by group or others",
		      "key mode 0644");
	CHECK(chmod(key_path, 0640) == 0, "chmod key 0640");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, key_path, "readable by group or others",
		      "key mode 0640");
	CHECK(chmod(key_path, 0400) == 0, "chmod key 0400");
	expect_open(conf, "key mode 0400");
	CHECK(chmod(key_path, 0600) == 0, "chmod key back to 0600");
	if (geteuid() == 0) {
		CHECK(chown(key_path, 65534, 0) == 0, "chown key to nobody");
		expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, key_path, "not owned by root",
			      "key owned by nobody");
		CHECK(chown(key_path, 0, 0) == 0, "chown key back to root");
	}

	CHECK(rename(key_path, path_of("real.key")) == 0, "move the key aside");
	expect_unsafe(conf, 0, SECINFO_ERR_NOT_FOUND, key_path, strerror(ENOENT), "missing key");
	CHECK(symlink(path_of("real.key"), key_path) == 0, "symlink in place of the key");
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, key_path, "is a symbolic link", "symlinked key");
	CHECK(unlink(key_path) == 0, "remove the symlink");

	/* A FIFO must be refused at once, never waited on (the alarm turns a hang into a
	 * failure of this program). */
	CHECK(mkfifo(key_path, 0600) == 0, "a FIFO in place of the key");
	alarm(10);
	clock_gettime(CLOCK_MONOTONIC, &start);
	expect_unsafe(conf, 0, SECINFO_ERR_UNSAFE, key_path, "not a regular file", "FIFO as key");
	clock_gettime(CLOCK_MONOTONIC, &end);
	alarm(0);
	elapsed = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
	CHECK(elapsed < 1.0, "the FIFO is refused quickly (%.3f s)", elapsed);
	CHECK(unlink(key_path) == 0, "remove the FIFO");

	fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	CHECK(fd >= 0 && write(fd, "0123456789012345678901234567890", 31) == 31,
	      "a 31-byte key file");
	if (fd >= 0)
		close(fd);
	expect_unsafe(conf, 0, SECINFO_ERR_CRYPTO, key_path, "key file must hold exactly 32 bytes",
		      "a key of the wrong size");
	CHECK(unlink(key_path) == 0, "remove the short key");
	CHECK(rename(path_of("real.key"), key_path) == 0, "move the key back");
	expect_open(conf, "key restored");
	secinfo_conf_free(conf);
}

struct audit_rows {
	size_t count;
	char text[8][256];
};

static int
collect_audit(const struct secinfo_audit_entry *e, void *data)
{
	struct audit_rows *rows = data;

	if (rows->count < 8)
		snprintf(rows->text[rows->count], sizeof(rows->text[0]), "%lld|%s|%s|%s|%s|%s|%s",
			 e->time, e->user, e->service, e->rhost, e->method, e->event, e->result);
	rows->count++;
	return 0;
}

static int
collect_actor(const struct secinfo_audit_entry *e, void *data)
{
	struct audit_rows *rows = data;

	if (rows->count < 8)
		snprintf(rows->text[rows->count], sizeof(rows->text[0]), "%s@%s", e->actor,
			 e->host);
	rows->count++;
	return 0;
}

static int
stop_audit(const struct secinfo_audit_entry *e, void *data)
{
	(*(int *)data)++;
	return -99;
}

static int
collect_name(const char *name, void *data)
{
	struct audit_rows *rows = data;

	if (rows->count < 8)
		snprintf(rows->text[rows->count], sizeof(rows->text[0]), "%s", name);
	rows->count++;
	return 0;
}

static void
test_audit(struct secinfo_store *store)
{
	const struct secinfo_audit_entry entries[] = {
		{300, "alice", "sshd", "192.0.2.1", "app", "signin", "success", NULL, NULL},
		{100, "alice", "sshd", "192.0.2.1", "app", "signin", "wrong", NULL, NULL},
		{200, "bob", "sudo", NULL, "app", "signin", "success", NULL, NULL},
		{400, "alice", NULL, NULL, NULL, "unlock", "done", NULL, NULL},
		{400, "alice'; DROP TABLE audit; --", "x", "y", "z", "e", "r", NULL, NULL},
	};
	struct audit_rows rows;
	char want_row[300];
	int calls = 0;

	for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++)
		CHECK_INT(secinfo_store_audit(store, &entries[i]), 0, "audit row %zu written", i);

	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_audit_list(store, NULL, 0, collect_audit, &rows), 0, "list all");
	CHECK_INT(rows.count, 5, "five rows");
	CHECK_STR(rows.text[0], "100|alice|sshd|192.0.2.1|app|signin|wrong", "oldest first");
	CHECK_STR(rows.text[1], "200|bob|sudo||app|signin|success", "NULL rhost stored as empty");
	CHECK_STR(rows.text[2], "300|alice|sshd|192.0.2.1|app|signin|success", "third row");
	CHECK_STR(rows.text[3], "400|alice||||unlock|done", "NULL service and method as empty");
	CHECK_STR(rows.text[4], "400|alice'; DROP TABLE audit; --|x|y|z|e|r",
		  "a hostile user name is stored as data");

	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_audit_list(store, "alice", 0, collect_audit, &rows), 0,
		  "list alice");
	CHECK_INT(rows.count, 3, "three rows for alice");
	CHECK_STR(rows.text[0], "100|alice|sshd|192.0.2.1|app|signin|wrong", "alice's first");
	CHECK_STR(rows.text[2], "400|alice||||unlock|done", "alice's last");

	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_audit_list(store, "bob", 0, collect_audit, &rows), 0, "list bob");
	CHECK_INT(rows.count, 1, "one row for bob");
	CHECK_STR(rows.text[0], "200|bob|sudo||app|signin|success", "bob's row");

	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_audit_list(store, "nobody", 0, collect_audit, &rows), 0,
		  "list nobody");
	CHECK_INT(rows.count, 0, "no rows for nobody");

	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_audit_list(store, NULL, 300, collect_audit, &rows), 0,
		  "list since 300");
	CHECK_INT(rows.count, 3, "three rows since 300");
	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_audit_list(store, "alice", 301, collect_audit, &rows), 0,
		  "list alice since 301");
	CHECK_INT(rows.count, 1, "one row for alice since 301");

	CHECK_INT(secinfo_store_audit_list(store, NULL, 0, stop_audit, &calls), -99,
		  "a callback's error stops the listing and is returned");
	CHECK_INT(calls, 1, "the callback ran once");

	/* Who and where: NULL actor is the user, NULL host is this machine's name. */
	const struct secinfo_audit_entry who[] = {
		{500, "dana", "secinfo", "", "app", "method-added", "success", NULL, NULL},
		{501, "dana", "secinfo-admin", "", "sms", "method-deleted", "success", "root",
		 "admin-host"},
	};
	char host[256] = "";

	CHECK_INT(gethostname(host, sizeof(host) - 1), 0, "gethostname");
	for (size_t i = 0; i < sizeof(who) / sizeof(who[0]); i++)
		CHECK_INT(secinfo_store_audit(store, &who[i]), 0, "audit row with actor %zu", i);
	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_audit_list(store, "dana", 0, collect_actor, &rows), 0, "list dana");
	CHECK_INT(rows.count, 2, "two rows for dana");
	snprintf(want_row, sizeof(want_row), "dana@%s", host);
	CHECK_STR(rows.text[0], want_row, "no actor given: the user, on this host");
	CHECK_STR(rows.text[1], "root@admin-host", "the actor and host given are kept");

	memset(&rows, 0, sizeof(rows));
	CHECK_INT(secinfo_store_user_names(store, collect_name, &rows), 0, "list user names");
	CHECK(rows.count >= 3 && strcmp(rows.text[0], "alice") == 0 &&
		      strcmp(rows.text[1], "bob") == 0 && strcmp(rows.text[2], "carol") == 0,
	      "user names in name order (%s, %s, %s)", rows.text[0], rows.text[1], rows.text[2]);
}

static void
test_user_delete(struct secinfo_store *store)
{
	struct secinfo_user *user = NULL;
	long long app = 0;

	CHECK_INT(secinfo_store_user_get(store, "bob", &user), 0, "bob exists");
	if (user != NULL && user->n_methods == 1)
		app = user->methods[0].id;
	secinfo_user_free(user);
	user = NULL;
	CHECK_INT(secinfo_store_begin(store), 0, "begin");
	CHECK_INT(secinfo_store_user_delete(store, "bob"), 0, "delete bob");
	CHECK_INT(secinfo_store_commit(store), 0, "commit");
	CHECK_INT(secinfo_store_user_get(store, "bob", &user), SECINFO_ERR_NOT_FOUND,
		  "bob is gone");
	CHECK_INT(secinfo_store_counter_accept(store, app, 1), SECINFO_ERR_WRONG,
		  "bob's method went with him");
	CHECK_INT(secinfo_store_user_delete(store, "bob"), SECINFO_ERR_NOT_FOUND,
		  "deleting bob again");
}

#define CONCURRENT 12

/* One concurrent sign-in try in one transaction, as the module will make it: count the
 * attempt, accept the step or consume the code, audit. Exit status 0 accepted, 1 refused,
 * 2 an error. */
static int
concurrent_try(const struct secinfo_conf *conf, long long user_id, long long method_id, int by_code,
	       int gate)
{
	struct secinfo_audit_entry e = {60000,  "quinn",   "sshd", "",  "app",
					"auth", "success", NULL,   NULL};
	struct secinfo_store *store = NULL;
	long long until = 0;
	char why_buf[512], byte;
	int rc;

	if (secinfo_store_open(conf, 0, &store, why_buf, sizeof(why_buf)) != 0 ||
	    read(gate, &byte, 1) < 0 || secinfo_store_begin(store) != 0)
		return 2;
	rc = secinfo_store_attempt(store, user_id, 1000, 600, 60000, &until);
	if (rc == 0)
		rc = by_code ? secinfo_store_code_check(store, method_id, "777777", 60000, 100)
			     : secinfo_store_counter_accept(store, method_id, 2000);
	if (rc == SECINFO_ERR_WRONG)
		e.result = "failure";
	if (rc == 0 || rc == SECINFO_ERR_WRONG)
		rc = secinfo_store_audit(store, &e) != 0 ? SECINFO_ERR_DB : rc;
	if ((rc == 0 || rc == SECINFO_ERR_WRONG) && secinfo_store_commit(store) != 0)
		rc = SECINFO_ERR_DB;
	if (rc != 0 && rc != SECINFO_ERR_WRONG)
		secinfo_store_rollback(store);
	secinfo_store_close(store);
	return rc == 0 ? 0 : rc == SECINFO_ERR_WRONG ? 1 : 2;
}

/* Runs CONCURRENT tries at once; returns how many were accepted, -1 on an error. */
static int
concurrent_tries(const struct secinfo_conf *conf, long long user_id, long long method_id,
		 int by_code)
{
	int gate[2], accepted = 0, errors = 0, status;
	pid_t pid;

	if (pipe(gate) != 0)
		return -1;
	for (int i = 0; i < CONCURRENT; i++) {
		pid = fork();
		if (pid == 0) {
			close(gate[1]);
			_exit(concurrent_try(conf, user_id, method_id, by_code, gate[0]));
		}
		if (pid < 0)
			errors++;
	}
	close(gate[0]);
	close(gate[1]); /* opens the gate: every child's read returns at once */
	while ((pid = wait(&status)) > 0) {
		if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			accepted++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
			errors++;
	}
	return errors > 0 ? -1 : accepted;
}

/*
 * SPEC 9 with whole sign-in tries in one transaction each: of concurrent tries with the same
 * step or code exactly one is accepted, and every attempt and audit row is counted. Then the
 * durability of an accepted step when the process dies at once (no close, no checkpoint),
 * and the atomicity of a try whose process dies before its commit.
 */
static void
test_concurrent_transactions(void)
{
	struct secinfo_conf *conf = make_conf("concurrent.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	long long app = 0, sms = 0, user_id = 0, until = 0;
	struct secinfo_user *user = NULL;
	char why_buf[512];
	int status = 0;
	pid_t pid;

	if (conf == NULL ||
	    !CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		       "concurrent.db created (%s)", why_buf))
		goto out;
	CHECK_INT(add(store, "quinn", SECINFO_KIND_APP, NULL, 1, &app), 0, "quinn: app");
	CHECK_INT(add(store, "quinn", SECINFO_KIND_SMS, "+14255550133", 2, &sms), 0, "quinn: sms");
	if (secinfo_store_user_get(store, "quinn", &user) == 0)
		user_id = user->id;
	secinfo_user_free(user);
	user = NULL;
	CHECK_INT(secinfo_store_code_set(store, sms, "777777", 99999), 0, "quinn: a code");
	secinfo_store_close(store); /* no connection survives the fork */
	store = NULL;

	CHECK_INT(concurrent_tries(conf, user_id, app, 0), 1,
		  "%d concurrent tries with one TOTP step: exactly one accepted", CONCURRENT);
	CHECK_INT(concurrent_tries(conf, user_id, sms, 1), 1,
		  "%d concurrent tries with one code: exactly one accepted", CONCURRENT);
	CHECK_INT(committed_int_in(path_of("concurrent.db"), "SELECT failures FROM users"),
		  2 * CONCURRENT, "every attempt is counted");
	CHECK_INT(committed_int_in(path_of("concurrent.db"),
				   "SELECT count(*) FROM audit WHERE result = 'failure'"),
		  2 * CONCURRENT - 2, "every refusal is audited");

	/* The process dies right after the step is accepted: no close, no checkpoint. */
	pid = fork();
	if (pid == 0) {
		if (secinfo_store_open(conf, 0, &store, why_buf, sizeof(why_buf)) != 0 ||
		    secinfo_store_counter_accept(store, app, 3000) != 0)
			_exit(1);
		raise(SIGKILL);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
	      "a process accepts a step and is killed");
	/* It dies in the middle of a try: nothing of it stays. */
	pid = fork();
	if (pid == 0) {
		if (secinfo_store_open(conf, 0, &store, why_buf, sizeof(why_buf)) != 0 ||
		    secinfo_store_begin(store) != 0 ||
		    secinfo_store_counter_accept(store, app, 4000) != 0 ||
		    secinfo_store_attempt(store, user_id, 1000, 600, 60000, &until) != 0)
			_exit(1);
		raise(SIGKILL);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFSIGNALED(status),
	      "a process is killed inside a transaction");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "open (%s)", why_buf);
	if (store == NULL)
		goto out;
	CHECK_INT(secinfo_store_counter_accept(store, app, 3000), SECINFO_ERR_WRONG,
		  "the step accepted before the kill is never accepted again");
	CHECK_INT(secinfo_store_counter_accept(store, app, 3500), 0,
		  "the step of the killed transaction was never accepted");
	CHECK_INT(failures_of(store, "quinn", app, NULL), 2 * CONCURRENT,
		  "and its attempt was never counted");
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/*
 * The WAL stays bounded when every process commits once (a sign-in in one transaction) and
 * closes: a checkpoint empties it now and then, not at every sign-in.
 */
static void
test_wal_bounded(void)
{
	struct secinfo_conf *conf = make_conf("bounded.db", "secinfo.key");
	static unsigned char before[1 << 20], after[1 << 20];
	struct secinfo_audit_entry e = {1,      "sam",     "sshd", "203.0.113.9", "app",
					"auth", "success", NULL,   NULL};
	struct secinfo_store *store = NULL;
	long long id = 0, until = 0, user_id = 0, wal_max = 0;
	struct secinfo_user *user = NULL;
	int cycles = 120, checkpoints = 0, errors = 0;
	ssize_t before_len, after_len;
	char why_buf[512];
	struct stat st;

	if (conf == NULL ||
	    !CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		       "bounded.db created (%s)", why_buf))
		goto out;
	CHECK_INT(add(store, "sam", SECINFO_KIND_APP, NULL, 1, &id), 0, "sam: app");
	if (secinfo_store_user_get(store, "sam", &user) == 0)
		user_id = user->id;
	secinfo_user_free(user);
	secinfo_store_close(store);
	store = NULL;
	for (int i = 0; i < cycles; i++) {
		before_len = read_file(path_of("bounded.db"), before, sizeof(before));
		if (store_open(conf, 0, &store, why_buf, sizeof(why_buf)) != 0 ||
		    secinfo_store_begin(store) != 0 ||
		    secinfo_store_attempt(store, user_id, 1000, 600, 100 + i, &until) != 0 ||
		    secinfo_store_audit(store, &e) != 0 || secinfo_store_audit(store, &e) != 0 ||
		    secinfo_store_audit(store, &e) != 0 || secinfo_store_commit(store) != 0)
			errors++;
		secinfo_store_close(store);
		store = NULL;
		after_len = read_file(path_of("bounded.db"), after, sizeof(after));
		if (before_len != after_len || memcmp(before, after, (size_t)after_len) != 0)
			checkpoints++;
		if (stat(path_of("bounded.db-wal"), &st) == 0 && st.st_size > wal_max)
			wal_max = st.st_size;
	}
	CHECK_INT(errors, 0, "%d sign-ins, one transaction each", cycles);
	/* With sqlite's own checkpoint nearly every sign-in checkpointed (89 of 120); at 16
	 * pages, with 5 frames per sign-in here, every fourth does (30 of 120). */
	CHECK(checkpoints >= 1 && checkpoints <= cycles / 3,
	      "the WAL was checkpointed %d times in %d sign-ins", checkpoints, cycles);
	/* The threshold (16 pages) plus one sign-in's frames. */
	CHECK(wal_max < 32 * 4096, "the WAL stayed under 32 pages (at most %lld bytes)", wal_max);
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/* Row callbacks that use every field as the callers do (a NULL would crash them). */
static int
use_audit(const struct secinfo_audit_entry *e, void *data)
{
	*(size_t *)data += strlen(e->user) + strlen(e->service) + strlen(e->rhost) +
			   strlen(e->method) + strlen(e->event) + strlen(e->result);
	return 0;
}

static int
use_name(const char *name, void *data)
{
	*(size_t *)data += strlen(name);
	return 0;
}

static int
use_summary(const struct secinfo_user_summary *s, void *data)
{
	*(size_t *)data += strlen(s->name);
	return 0;
}

/* DAMAGE done to the database file, the REPAIR after it, and the READERS (digits) that
 * read the damaged value and must fail closed. */
struct damage {
	const char *what, *damage, *repair, *readers;
};

/*
 * A damaged row (NULL where the schema says NOT NULL, or a value of another type) read back
 * by any loader fails closed with SECINFO_ERR_CORRUPT and never crashes. The schema's NOT
 * NULL constraints are removed first (a damaged file need not honour them).
 */
static void
test_damaged_rows(void)
{
	/* The readers: 0 user_get, 1 user_names, 2 user_summaries, 3 questions_get,
	 * 4 answers_get, 5 audit_list, 6 code_check. */
	static const struct damage damages[] = {
		{"users.failures NULL", "UPDATE users SET failures = NULL",
		 "UPDATE users SET failures = 0", "0 2"},
		{"users.locked_until as text (would read as 0: not locked)",
		 "UPDATE users SET locked_until = 'soon'", "UPDATE users SET locked_until = NULL",
		 "0 2"},
		{"users.name NULL", "UPDATE users SET name = NULL",
		 "UPDATE users SET name = 'rita'", "1 2"},
		{"methods.kind NULL", "UPDATE methods SET kind = NULL WHERE kind = 'sms'",
		 "UPDATE methods SET kind = 'sms' WHERE kind IS NULL", "0"},
		{"methods.kind NULL (the default)",
		 "UPDATE methods SET kind = NULL WHERE kind = 'app'",
		 "UPDATE methods SET kind = 'app' WHERE kind IS NULL", "0"},
		{"methods.counter NULL", "UPDATE methods SET counter = NULL",
		 "UPDATE methods SET counter = -1", "0"},
		{"methods.created NULL", "UPDATE methods SET created = NULL WHERE kind = 'app'",
		 "UPDATE methods SET created = 1 WHERE created IS NULL", "0"},
		{"methods.detail as text", "UPDATE methods SET detail = 'x' WHERE kind = 'sms'",
		 NULL, "0"},
		{"questions.text NULL", "UPDATE questions SET text = NULL",
		 "UPDATE questions SET text = 'Your first school?'", "3 4"},
		{"questions.active NULL", "UPDATE questions SET active = NULL",
		 "UPDATE questions SET active = 1", "3"},
		{"answers.hash NULL", "UPDATE answers SET hash = NULL",
		 "UPDATE answers SET hash = '$argon2id$h'", "4"},
		{"audit.user NULL", "UPDATE audit SET user = NULL",
		 "UPDATE audit SET user = 'rita'", "5"},
		{"audit.time as text", "UPDATE audit SET time = 'x'", "UPDATE audit SET time = 1",
		 "5"},
		{"codes.hash NULL", "UPDATE codes SET hash = NULL", NULL, "6"},
	};
	struct secinfo_conf *conf = make_conf("damaged.db", "secinfo.key");
	struct secinfo_store *store = NULL;
	struct secinfo_user *user = NULL;
	struct secinfo_question *questions = NULL;
	struct secinfo_answer *answers = NULL;
	struct secinfo_audit_entry e = {1,      "rita",    "sshd", "",  "app",
					"auth", "success", NULL,   NULL};
	long long app = 0, sms = 0, questions_id = 0, question = 0;
	size_t n = 0, used = 0;
	char why_buf[512];

	if (conf == NULL ||
	    !CHECK_INT(store_open(conf, SECINFO_STORE_CREATE, &store, why_buf, sizeof(why_buf)), 0,
		       "damaged.db created (%s)", why_buf))
		goto out;
	CHECK_INT(add(store, "rita", SECINFO_KIND_APP, NULL, 1, &app), 0, "rita: app");
	CHECK_INT(add(store, "rita", SECINFO_KIND_SMS, "+14255550111", 2, &sms), 0, "rita: sms");
	CHECK_INT(add(store, "rita", SECINFO_KIND_QUESTIONS, NULL, 3, &questions_id), 0,
		  "rita: questions");
	CHECK_INT(secinfo_store_question_add(store, "Your first school?", &question), 0,
		  "a question");
	CHECK_INT(secinfo_store_answer_add(store, questions_id, question, "$argon2id$h"), 0,
		  "rita's answer");
	CHECK_INT(secinfo_store_audit(store, &e), 0, "an audit row");
	secinfo_store_close(store);
	store = NULL;
	CHECK_INT(raw_exec(path_of("damaged.db"),
			   "PRAGMA writable_schema = ON;"
			   " UPDATE sqlite_schema SET sql = replace(sql, 'NOT NULL', '')"
			   " WHERE type = 'table'"),
		  SQLITE_OK, "NOT NULL removed from the schema");
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0, "open (%s)", why_buf);
	if (store == NULL)
		goto out;
	for (size_t i = 0; i < sizeof(damages) / sizeof(damages[0]); i++) {
		const struct damage *d = &damages[i];
		int rc[7];

		CHECK_INT(secinfo_store_code_set(store, sms, "123456", 1000), 0, "a code");
		if (!CHECK_INT(raw_exec(path_of("damaged.db"), d->damage), SQLITE_OK, "damage: %s",
			       d->what))
			continue;
		rc[0] = secinfo_store_user_get(store, "rita", &user);
		secinfo_user_free(user);
		user = NULL;
		rc[1] = secinfo_store_user_names(store, use_name, &used);
		rc[2] = secinfo_store_user_summaries(store, use_summary, &used);
		rc[3] = secinfo_store_questions_get(store, 0, &questions, &n);
		secinfo_questions_free(questions, n);
		questions = NULL;
		rc[4] = secinfo_store_answers_get(store, questions_id, &answers, &n);
		secinfo_answers_free(answers, n);
		answers = NULL;
		rc[5] = secinfo_store_audit_list(store, NULL, 0, use_audit, &used);
		rc[6] = secinfo_store_code_check(store, sms, "123456", 500, 3);
		/* The readers of the damaged value fail closed; no reader crashed. */
		for (int r = 0; r < 7; r++)
			if (strchr(d->readers, '0' + r) != NULL)
				CHECK_INT(rc[r], SECINFO_ERR_CORRUPT, "%s: reader %d fails closed",
					  d->what, r);
		if (d->repair != NULL)
			CHECK_INT(raw_exec(path_of("damaged.db"), d->repair), SQLITE_OK,
				  "repaired: %s", d->what);
	}
	CHECK_INT(raw_exec(path_of("damaged.db"),
			   "UPDATE meta SET value = NULL WHERE name = 'key_check'"),
		  SQLITE_OK, "damage: the key check value NULL");
	secinfo_store_close(store);
	store = NULL;
	CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), SECINFO_ERR_CORRUPT,
		  "a NULL key check value: the store does not open");
out:
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

static int
remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

int
main(void)
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = NULL;
	char why_buf[512];

	/* As an ordinary user this runs against the test build of libsecinfo, which also trusts
	 * the user's own files (tests/testbuild); only giving files away needs root. */
	if (geteuid() != 0)
		printf("# not root: the checks that give files to another owner are skipped\n");
	if (!CHECK_INT(secinfo_crypto_init(), 0, "libsodium initialises"))
		return check_summary();
	snprintf(dir, sizeof(dir), "/tmp/secinfo-unit.XXXXXX");
	if (!CHECK(mkdtemp(dir) != NULL, "temporary directory created"))
		return check_summary();
	CHECK(chmod(dir, 0700) == 0, "directory is 0700");

	test_open();
	test_unseal_public();
	conf = make_conf("secinfo.db", "secinfo.key");
	if (conf != NULL && CHECK_INT(store_open(conf, 0, &store, why_buf, sizeof(why_buf)), 0,
				      "store opens (%s)", why_buf)) {
		test_defaults(store);
		test_default_on_delete(store);
		test_counter(store);
		test_failures(store);
		test_audit(store);
		test_codes(store);
		test_transactions(store);
		test_user_delete(store);
		test_encryption(store, conf); /* closes the store */
		store = NULL;
	}
	secinfo_conf_free(conf);
	test_newer_schema();
	test_migration();
	test_migration_sequence();
	test_migration_refused();
	test_busy();
	test_empty_database();
	test_wal_files();
	test_wal_bounded();
	test_damaged_rows();
	test_concurrent_transactions();
	test_unsafe_files();

	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return check_summary();
}
