/*
 * Unit tests for the security key's stored side (libsecinfo/fido_credential.c, method_key.c's
 * rules in method.c and store_method.c), without a key: the versioned serialisation and its
 * refusal of damaged input, a credential id unique in the whole store (another user's too),
 * and the signature counter rule (greater than stored, or both zero), atomic. The key itself is
 * tested through the module in tests/pam/key.sh.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "fido_key.h"
#include "method.h"
#include "store.h"

static char dir[64];

static void
fill(struct secinfo_fido_credential *c, unsigned char seed)
{
	memset(c, 0, sizeof(*c));
	c->id_len = 48;
	c->id = malloc(c->id_len);
	c->pubkey_len = 64;
	c->pubkey = malloc(c->pubkey_len);
	for (size_t i = 0; c->id != NULL && i < c->id_len; i++)
		c->id[i] = (unsigned char)(seed + i);
	for (size_t i = 0; c->pubkey != NULL && i < c->pubkey_len; i++)
		c->pubkey[i] = (unsigned char)(seed * 3 + i);
	memset(c->aaguid, seed, sizeof(c->aaguid));
	c->cose_alg = -7;
}

static void
test_pack(void)
{
	struct secinfo_fido_credential c, back;
	unsigned char *packed = NULL, damaged[256];
	size_t len = 0;

	fill(&c, 1);
	c.cose_alg = -257; /* RS256: a negative number that needs all four bytes */
	CHECK_INT(secinfo_fido_credential_pack(&c, &packed, &len), 0, "a credential packs");
	CHECK_INT(len, 1 + 4 + 16 + 2 + 48 + 2 + 64, "version, alg, AAGUID, id, public key");
	CHECK_INT(secinfo_fido_credential_unpack(packed, len, &back), 0, "and unpacks");
	CHECK_INT(back.cose_alg, -257, "the algorithm comes back");
	CHECK(back.id_len == 48 && memcmp(back.id, c.id, 48) == 0, "the id comes back");
	CHECK(back.pubkey_len == 64 && memcmp(back.pubkey, c.pubkey, 64) == 0,
	      "the public key comes back");
	CHECK(memcmp(back.aaguid, c.aaguid, 16) == 0, "the AAGUID comes back");
	secinfo_fido_credential_clear(&back);
	if (len <= sizeof(damaged)) {
		memcpy(damaged, packed, len);
		damaged[0] = 2;
		CHECK_INT(secinfo_fido_credential_unpack(damaged, len, &back), SECINFO_ERR_CORRUPT,
			  "an unknown version is refused");
		memcpy(damaged, packed, len);
		CHECK_INT(secinfo_fido_credential_unpack(damaged, len - 1, &back),
			  SECINFO_ERR_CORRUPT, "a truncated credential is refused");
		CHECK_INT(secinfo_fido_credential_unpack(damaged, 10, &back), SECINFO_ERR_CORRUPT,
			  "a credential cut in its header is refused");
		damaged[len] = 0;
		CHECK_INT(secinfo_fido_credential_unpack(damaged, len + 1, &back),
			  SECINFO_ERR_CORRUPT, "trailing bytes are refused");
		damaged[1 + 4 + 16] = 0xff; /* the id's length beyond the end */
		CHECK_INT(secinfo_fido_credential_unpack(damaged, len, &back), SECINFO_ERR_CORRUPT,
			  "a length beyond the end is refused");
	}
	CHECK(back.id == NULL && back.pubkey == NULL, "a refusal leaves nothing allocated");
	secinfo_secret_free(packed);
	c.id_len = 0;
	CHECK_INT(secinfo_fido_credential_pack(&c, &packed, &len), SECINFO_ERR_INVALID,
		  "an empty credential id is not packed");
	secinfo_fido_credential_clear(&c);
}

/* An enrollment of a key holding credential C with counter COUNTER. */
static int
enrollment_of(const struct secinfo_fido_credential *c, long long counter,
	      struct secinfo_enrollment *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = SECINFO_KIND_KEY;
	e->counter = counter;
	return secinfo_fido_credential_pack(c, &e->secret, &e->secret_len);
}

static int
store_enrollment(struct secinfo_store *store, const char *user, const struct secinfo_enrollment *e,
		 long long *id, long long *duplicate)
{
	int rc = secinfo_store_begin(store);

	if (rc != 0)
		return rc;
	rc = secinfo_enroll_store(store, user, e, time(NULL), id, duplicate);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (rc != 0)
		secinfo_store_rollback(store);
	return rc;
}

static int
accept_counter(struct secinfo_store *store, long long id, long long counter)
{
	int rc = secinfo_store_begin(store);

	if (rc != 0)
		return rc;
	rc = secinfo_store_signature_counter_accept(store, id, counter);
	if (rc == 0)
		rc = secinfo_store_commit(store);
	else
		secinfo_store_rollback(store);
	return rc;
}

static void
test_unique_and_counter(struct secinfo_store *store)
{
	struct secinfo_fido_credential one, two;
	struct secinfo_enrollment e1, e2, again;
	long long id1 = 0, id2 = 0, id3 = 0, duplicate = 0;

	fill(&one, 10);
	fill(&two, 20);
	CHECK_INT(enrollment_of(&one, 0, &e1), 0, "enrollment 1");
	CHECK_INT(enrollment_of(&two, 7, &e2), 0, "enrollment 2");
	CHECK_INT(store_enrollment(store, "alice", &e1, &id1, &duplicate), 0, "alice's key stored");
	CHECK_INT(store_enrollment(store, "alice", &e2, &id2, &duplicate), 0,
		  "alice's second key stored (several keys per user)");
	CHECK_INT(store_enrollment(store, "bob", &e1, &id3, &duplicate), SECINFO_ERR_EXISTS,
		  "alice's credential refused for bob: a credential id is unique in the store");
	CHECK_INT(duplicate, id1, "and the duplicate named is alice's method");
	/* The same credential id with another public key (a forged copy) is refused too. */
	one.pubkey[0] ^= 0xff;
	CHECK_INT(enrollment_of(&one, 0, &again), 0, "a copy with another public key");
	CHECK_INT(store_enrollment(store, "carol", &again, &id3, &duplicate), SECINFO_ERR_EXISTS,
		  "the same credential id is refused whatever else differs");
	secinfo_enrollment_clear(&again);

	/* Registration recorded the counter; a key that never counts (0) passes while both are
	 * 0, a counter that grows passes once per value. */
	CHECK_INT(accept_counter(store, id1, 0), 0, "a counter of 0 after 0 at registration");
	CHECK_INT(accept_counter(store, id1, 0), 0, "and again (a key without a counter)");
	CHECK_INT(accept_counter(store, id1, 5), 0, "a counter that grew");
	CHECK_INT(accept_counter(store, id1, 5), SECINFO_ERR_WRONG, "the same counter again");
	CHECK_INT(accept_counter(store, id1, 0), SECINFO_ERR_WRONG,
		  "0 after a counter above 0 (a clone, or a reset key)");
	CHECK_INT(accept_counter(store, id2, 7), SECINFO_ERR_WRONG,
		  "the counter registration recorded (7) is not accepted again");
	CHECK_INT(accept_counter(store, id2, 8), 0, "one above it is");

	/* A stored key that cannot be read (damaged, or written by a newer version): no proof that
	 * a new credential is not the same, so registration is refused, for any user. */
	{
		static const unsigned char junk[] = "not a credential";
		long long bad = 0, id4 = 0;
		int rc = secinfo_store_begin(store);
		struct secinfo_fido_credential three;
		struct secinfo_enrollment e3;

		if (rc == 0)
			rc = secinfo_store_method_add(store, "dan", SECINFO_KIND_KEY, NULL, junk,
						      sizeof(junk), NULL, time(NULL), &bad);
		if (rc == 0)
			rc = secinfo_store_commit(store);
		CHECK_INT(rc, 0, "a damaged key row stored for dan");
		fill(&three, 30);
		CHECK_INT(enrollment_of(&three, 0, &e3), 0, "enrollment 3");
		CHECK_INT(store_enrollment(store, "erin", &e3, &id4, &duplicate),
			  SECINFO_ERR_CORRUPT,
			  "a new key is refused while a stored one cannot be read");
		secinfo_enrollment_clear(&e3);
		secinfo_fido_credential_clear(&three);
	}
	secinfo_enrollment_clear(&e1);
	secinfo_enrollment_clear(&e2);
	secinfo_fido_credential_clear(&one);
	secinfo_fido_credential_clear(&two);
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
main(void)
{
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = NULL;
	char text[512], why[512] = "", key_path[128];
	const char *why_key = NULL;

	if (!CHECK_INT(secinfo_crypto_init(), 0, "libsodium initialises"))
		return check_summary();
	test_pack();
	snprintf(dir, sizeof(dir), "/tmp/secinfo-key.XXXXXX");
	if (!CHECK(mkdtemp(dir) != NULL, "temporary directory created"))
		return check_summary();
	chmod(dir, 0700);
	snprintf(key_path, sizeof(key_path), "%s/s.key", dir);
	CHECK_INT(secinfo_key_create(key_path, &why_key), 0, "key created");
	snprintf(text, sizeof(text),
		 "[policy]\nmethods = app key\n[database]\npath = %s/s.db\nkey_file = %s/s.key\n",
		 dir, dir);
	if (CHECK_INT(secinfo_conf_parse("test.conf", text, &conf, &problems), 0, "conf parses") &&
	    CHECK_INT(secinfo_store_open(conf, SECINFO_STORE_CREATE, &store, why, sizeof(why)), 0,
		      "store created (%s)", why))
		test_unique_and_counter(store);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
	return check_summary();
}
