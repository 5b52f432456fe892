/*
 * Unit tests for libsecinfo/tap.c, store_tap.c and method_tap.c: the temporary access pass
 * (SPEC 14). Its format and alphabet, how a typed pass is normalised, its keyed hash; and in a
 * real sqlite store: issued only as a hash, replaced, used up, expired, revoked, never the
 * default, checked through the kind's verify operation.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "check.h"
#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "method.h"
#include "store.h"
#include "tap.h"

static char dir[64];

/* The format: four groups of four from the alphabet, joined by '-'; no look-alikes. */
static void
test_generate(void)
{
	unsigned seen[256] = {0};
	char pass[SECINFO_TAP_PRINTED + 1], other[SECINFO_TAP_PRINTED + 1];
	int ok = 1;

	CHECK_INT(SECINFO_TAP_PRINTED, 19, "a printed pass is 19 characters");
	CHECK(strpbrk(SECINFO_TAP_ALPHABET, "0O1IL") == NULL && strlen(SECINFO_TAP_ALPHABET) == 31,
	      "the alphabet has 31 characters and no 0, O, 1, I, L");
	for (int n = 0; n < 500; n++) {
		secinfo_tap_generate(pass);
		ok &= strlen(pass) == 19 && pass[4] == '-' && pass[9] == '-' && pass[14] == '-';
		for (int i = 0; i < 19; i++)
			if (i % 5 != 4) {
				ok &= strchr(SECINFO_TAP_ALPHABET, pass[i]) != NULL;
				seen[(unsigned char)pass[i]]++;
			}
	}
	CHECK(ok, "500 passes: XXXX-XXXX-XXXX-XXXX from the alphabet (last %s)", pass);
	ok = 1;
	for (const char *c = SECINFO_TAP_ALPHABET; *c != '\0'; c++)
		ok &= seen[(unsigned char)*c] > 0;
	CHECK(ok, "every character of the alphabet occurs");
	secinfo_tap_generate(other);
	CHECK(strcmp(pass, other) != 0, "two passes differ");
}

static void
test_normalize(void)
{
	char out[SECINFO_TAP_LENGTH + 1];

	CHECK_INT(secinfo_tap_normalize("ABCD-EFGH-JKMN-PQRS", out), 0, "as printed");
	CHECK_STR(out, "ABCDEFGHJKMNPQRS", "dashes dropped");
	CHECK_INT(secinfo_tap_normalize("abcdefghjkmnpqrs", out), 0, "lower case, no dashes");
	CHECK_STR(out, "ABCDEFGHJKMNPQRS", "upper-cased");
	CHECK_INT(secinfo_tap_normalize(" abcd efgh-JKmn pqrs ", out), 0, "spaces and mixed case");
	CHECK_STR(out, "ABCDEFGHJKMNPQRS", "the same pass");
	CHECK_INT(secinfo_tap_normalize("ABCD-EFGH-JKMN-PQR", out), SECINFO_ERR_INVALID,
		  "15 characters refused");
	CHECK_STR(out, "", "and nothing left in the output");
	CHECK_INT(secinfo_tap_normalize("ABCD-EFGH-JKMN-PQRST", out), SECINFO_ERR_INVALID,
		  "17 characters refused");
	CHECK_INT(secinfo_tap_normalize("ABCD-EFGH-JKMN-PQR0", out), SECINFO_ERR_INVALID,
		  "a 0 (not in the alphabet) refused");
	CHECK_INT(secinfo_tap_normalize("ABCD-EFGH-JKMN-PQRl", out), SECINFO_ERR_INVALID,
		  "an l refused");
	CHECK_INT(secinfo_tap_normalize("ABCD_EFGH_JKMN_PQRS", out), SECINFO_ERR_INVALID,
		  "other separators refused");
	CHECK_INT(secinfo_tap_normalize("", out), SECINFO_ERR_INVALID, "empty refused");
	CHECK_INT(secinfo_tap_normalize("?", out), SECINFO_ERR_INVALID, "? refused");
}

static void
test_hash(void)
{
	unsigned char key[32], other_key[32], a[SECINFO_TAP_HASH_BYTES], b[SECINFO_TAP_HASH_BYTES];

	memset(key, 7, sizeof(key));
	memset(other_key, 8, sizeof(other_key));
	CHECK_INT(secinfo_tap_hash(key, 5, "ABCDEFGHJKMNPQRS", a), 0, "hash");
	CHECK_INT(secinfo_tap_hash(key, 5, "ABCDEFGHJKMNPQRS", b), 0, "hash again");
	CHECK(memcmp(a, b, sizeof(a)) == 0, "the same input gives the same hash");
	CHECK(memmem(a, sizeof(a), "ABCDEFGH", 8) == NULL, "the hash does not hold the pass");
	secinfo_tap_hash(key, 6, "ABCDEFGHJKMNPQRS", b);
	CHECK(memcmp(a, b, sizeof(a)) != 0, "another method id gives another hash");
	secinfo_tap_hash(other_key, 5, "ABCDEFGHJKMNPQRS", b);
	CHECK(memcmp(a, b, sizeof(a)) != 0, "another key gives another hash");
	secinfo_tap_hash(key, 5, "ABCDEFGHJKMNPQRT", b);
	CHECK(memcmp(a, b, sizeof(a)) != 0, "another pass gives another hash");
}

/* Reads a text result of SQL from the database file directly into OUT. */
static int
raw_text(const char *db, const char *sql, char *out, size_t size)
{
	sqlite3 *handle = NULL;
	sqlite3_stmt *stmt = NULL;
	int rc;

	out[0] = '\0';
	rc = sqlite3_open_v2(db, &handle, SQLITE_OPEN_READWRITE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(stmt);
	sqlite3_close(handle);
	return rc;
}

/* Issues PASS (as printed) to NAME in its own transaction. */
static int
issue(struct secinfo_store *store, const char *name, const char *printed, time_t expires,
      long long uses, long long *id)
{
	char pass[SECINFO_TAP_LENGTH + 1];
	int rc;

	rc = secinfo_tap_normalize(printed, pass);
	if (rc == 0)
		rc = secinfo_store_begin(store);
	if (rc != 0)
		return rc;
	rc = secinfo_store_tap_issue(store, name, pass, expires, uses, time(NULL), id);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

static int
tap_revoke(struct secinfo_store *store, const char *name)
{
	int rc = secinfo_store_begin(store);

	if (rc != 0)
		return rc;
	rc = secinfo_store_tap_revoke(store, name, time(NULL));
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

/* Verifies TYPED for NAME's pass through the kind's own verify operation, as the flow does. */
static int
verify(struct secinfo_store *store, const struct secinfo_conf *conf, const char *name,
       const char *typed)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(SECINFO_KIND_TAP);
	struct secinfo_user *user = NULL;
	const struct secinfo_method *m;
	struct secinfo_method_ctx ctx = {.store = store, .conf = conf, .now = time(NULL)};
	int rc;

	rc = secinfo_store_user_get(store, name, &user);
	if (rc != 0)
		return rc;
	m = secinfo_user_temporary_method(user, SECINFO_KINDS_ALL);
	rc = m == NULL ? SECINFO_ERR_NOT_FOUND : ops->verify(&ctx, m, typed);
	secinfo_user_free(user);
	return rc;
}

/* Whether NAME has an active pass, and its uses and expiry. */
static int
pass_of(struct secinfo_store *store, const char *name, long long *uses, long long *expires)
{
	struct secinfo_user *user = NULL;
	const struct secinfo_method *m = NULL;

	if (secinfo_store_user_get(store, name, &user) == 0)
		m = secinfo_user_temporary_method(user, SECINFO_KINDS_ALL);
	if (m != NULL) {
		*uses = m->uses;
		*expires = m->expires;
	}
	secinfo_user_free(user);
	return m != NULL;
}

static void
test_store(struct secinfo_store *store, const struct secinfo_conf *conf, const char *db)
{
	time_t now = time(NULL);
	long long id = 0, id2 = 0, uses = 0, expires = 0;
	struct secinfo_user *user = NULL;
	char text[256], sql[256];

	CHECK_INT(issue(store, "tess", "ABCD-EFGH-JKMN-PQRS", now + 3600, 1, &id), 0,
		  "a pass issued to tess, who was not in the store");
	CHECK(pass_of(store, "tess", &uses, &expires) && uses == 1 && expires == now + 3600,
	      "it loads as tess's method with its uses and expiry");
	CHECK_INT(secinfo_store_user_get(store, "tess", &user), 0, "tess loads");
	if (user != NULL) {
		CHECK(user->n_methods == 1 && user->methods[0].kind == SECINFO_KIND_TAP &&
			      user->methods[0].id == id && user->methods[0].detail == NULL &&
			      user->methods[0].secret == NULL,
		      "one tap method, with nothing of the hash in memory");
		CHECK_INT(user->default_method, 0, "a pass is never the default");
		CHECK_INT(secinfo_store_method_set_default(store, "tess", id), SECINFO_ERR_DENIED,
			  "and cannot be made the default");
	}
	secinfo_user_free(user);
	user = NULL;
	snprintf(sql, sizeof(sql),
		 "SELECT count(*) FROM methods WHERE instr(detail, CAST('ABCDEFGHJKMNPQRS' AS "
		 "BLOB)) > 0 OR instr(detail, CAST('ABCD-EFGH' AS BLOB)) > 0 OR length(detail) <> "
		 "%d",
		 SECINFO_TAP_HASH_BYTES);
	CHECK_INT(raw_text(db, sql, text, sizeof(text)), SQLITE_OK, "methods read");
	CHECK_STR(text, "0", "the row holds a 32-byte hash, never the pass");

	CHECK_INT(verify(store, conf, "tess", "ABCD-EFGH-JKMN-PQRT"), SECINFO_ERR_WRONG,
		  "a wrong pass is refused");
	CHECK_INT(verify(store, conf, "tess", "not a pass"), SECINFO_ERR_WRONG,
		  "something that is no pass is refused");
	CHECK(pass_of(store, "tess", &uses, &expires) && uses == 1,
	      "wrong passes use up nothing (the lockout counts them)");
	CHECK_INT(verify(store, conf, "tess", "abcdefghjkmnpqrs"), 0,
		  "the right pass, lower case without dashes, is accepted");
	CHECK(!pass_of(store, "tess", &uses, &expires), "single use: it is gone");
	raw_text(db, "SELECT count(*) FROM methods WHERE kind = 'tap'", text, sizeof(text));
	CHECK_STR(text, "0", "its row is deleted");

	CHECK_INT(issue(store, "tess", "BCDE-FGHJ-KMNP-QRST", now + 3600, 2, &id), 0,
		  "a pass for two sign-ins");
	CHECK_INT(verify(store, conf, "tess", "BCDE-FGHJ-KMNP-QRST"), 0, "first use");
	CHECK(pass_of(store, "tess", &uses, &expires) && uses == 1, "one use left");
	CHECK_INT(verify(store, conf, "tess", "BCDE-FGHJ-KMNP-QRST"), 0, "second use");
	CHECK(!pass_of(store, "tess", &uses, &expires), "then it is gone");

	CHECK_INT(issue(store, "tess", "CDEF-GHJK-MNPQ-RSTU", now + 3600, 1, &id), 0, "pass A");
	CHECK_INT(issue(store, "tess", "DEFG-HJKM-NPQR-STUV", now + 3600, 1, &id2), 0,
		  "pass B replaces it");
	CHECK(id2 > id, "B has a new id");
	raw_text(db, "SELECT count(*) FROM methods WHERE kind = 'tap'", text, sizeof(text));
	CHECK_STR(text, "1", "one pass row");
	CHECK_INT(verify(store, conf, "tess", "CDEF-GHJK-MNPQ-RSTU"), SECINFO_ERR_WRONG,
		  "A no longer works");
	CHECK_INT(verify(store, conf, "tess", "DEFG-HJKM-NPQR-STUV"), 0, "B works");

	CHECK_INT(issue(store, "tess", "EFGH-JKMN-PQRS-TUVW", now + 3600, 1, &id), 0, "pass C");
	snprintf(sql, sizeof(sql), "UPDATE methods SET expires = %lld WHERE id = %lld RETURNING id",
		 (long long)now - 1, id);
	raw_text(db, sql, text, sizeof(text));
	CHECK(!pass_of(store, "tess", &uses, &expires), "an expired pass is not loaded");
	CHECK_INT(secinfo_store_user_confirm(store, "tess", NULL, NULL), SECINFO_ERR_CORRUPT,
		  "(the user row is there)");
	CHECK_INT(secinfo_store_user_get(store, "tess", &user), 0, "tess loads");
	CHECK_INT(secinfo_store_user_confirm(store, "tess", NULL, user), 0,
		  "the unindexed count agrees: an expired pass is no method");
	secinfo_user_free(user);
	user = NULL;
	CHECK_INT(secinfo_store_tap_check(store, id, "EFGHJKMNPQRSTUVW", now), SECINFO_ERR_WRONG,
		  "the expired pass is refused even when right");
	raw_text(db, "SELECT count(*) FROM methods WHERE kind = 'tap'", text, sizeof(text));
	CHECK_STR(text, "0", "and its row deleted when seen");

	CHECK_INT(issue(store, "tess", "FGHJ-KMNP-QRST-UVWX", now + 3600, 1, &id), 0, "pass D");
	CHECK_INT(tap_revoke(store, "tess"), 0, "revoked");
	CHECK(!pass_of(store, "tess", &uses, &expires), "gone");
	CHECK_INT(secinfo_store_tap_check(store, id, "FGHJKMNPQRSTUVWX", now), SECINFO_ERR_WRONG,
		  "a revoked pass is refused");
	CHECK_INT(tap_revoke(store, "tess"), SECINFO_ERR_NOT_FOUND, "nothing left to revoke");
	CHECK_INT(tap_revoke(store, "nobody"), SECINFO_ERR_NOT_FOUND, "nor for an unknown user");
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

int
main(void)
{
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = NULL;
	char text[1024], db[128], why[512] = "";
	const char *why_key = NULL;

	if (!CHECK_INT(secinfo_crypto_init(), 0, "libsodium initialises"))
		return check_summary();
	test_generate();
	test_normalize();
	test_hash();

	snprintf(dir, sizeof(dir), "/tmp/secinfo-tap.XXXXXX");
	if (!CHECK(mkdtemp(dir) != NULL && chmod(dir, 0700) == 0, "temporary directory"))
		return check_summary();
	snprintf(db, sizeof(db), "%s/secinfo.db", dir);
	snprintf(text, sizeof(text), "[database]\npath = %s\nkey_file = %s/secinfo.key\n", db, dir);
	CHECK_INT(secinfo_conf_parse("test.conf", text, &conf, &problems), 0, "configuration");
	secinfo_problems_free(&problems);
	snprintf(text, sizeof(text), "%s/secinfo.key", dir);
	if (conf != NULL && CHECK_INT(secinfo_key_create(text, &why_key), 0, "key created") &&
	    CHECK_INT(secinfo_store_open(conf, SECINFO_STORE_CREATE, &store, why, sizeof(why)), 0,
		      "store opens (%s)", why))
		test_store(store, conf, db);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return check_summary();
}
