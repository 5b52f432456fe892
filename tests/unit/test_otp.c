/* Unit tests for libsecinfo/otp.c: RFC 6238 and RFC 4226 vectors, code search, base32. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "otp.h"

/* RFC 6238 Appendix B: the seed for each algorithm is "1234567890" repeated to its length. */
static const char seed_sha1[] = "12345678901234567890";
static const char seed_sha256[] = "12345678901234567890123456789012";
static const char seed_sha512[] =
	"1234567890123456789012345678901234567890123456789012345678901234";

static void
test_rfc6238(void)
{
	static const struct {
		long long time;
		const char *sha1, *sha256, *sha512;
	} vectors[] = {
		{59LL, "94287082", "46119246", "90693936"},
		{1111111109LL, "07081804", "68084774", "25091201"},
		{1111111111LL, "14050471", "67062674", "99943326"},
		{1234567890LL, "89005924", "91819424", "93441116"},
		{2000000000LL, "69279037", "90698825", "38618901"},
		{20000000000LL, "65353130", "77737706", "47863826"},
	};
	const struct {
		int algorithm;
		const char *name, *seed;
	} algorithms[] = {
		{SECINFO_OTP_SHA1, "SHA1", seed_sha1},
		{SECINFO_OTP_SHA256, "SHA256", seed_sha256},
		{SECINFO_OTP_SHA512, "SHA512", seed_sha512},
	};

	CHECK_INT(strlen(seed_sha1), 20, "SHA1 seed is 20 bytes");
	CHECK_INT(strlen(seed_sha256), 32, "SHA256 seed is 32 bytes");
	CHECK_INT(strlen(seed_sha512), 64, "SHA512 seed is 64 bytes");
	for (size_t v = 0; v < sizeof(vectors) / sizeof(vectors[0]); v++) {
		for (size_t a = 0; a < 3; a++) {
			struct secinfo_otp_params params = {algorithms[a].algorithm, 8, 30, 0};
			const char *want = a == 0   ? vectors[v].sha1
					   : a == 1 ? vectors[v].sha256
						    : vectors[v].sha512;
			char code[SECINFO_OTP_MAX_DIGITS + 1] = "";
			uint64_t step = secinfo_totp_step((time_t)vectors[v].time, 30);
			int rc;

			rc = secinfo_otp_generate((const unsigned char *)algorithms[a].seed,
						  strlen(algorithms[a].seed), &params, step, code);
			CHECK_INT(rc, 0, "RFC 6238 T=%lld %s generates", vectors[v].time,
				  algorithms[a].name);
			CHECK_STR(code, want, "RFC 6238 T=%lld %s code", vectors[v].time,
				  algorithms[a].name);
		}
	}
}

static void
test_totp_step_and_digits(void)
{
	struct secinfo_otp_params params = {SECINFO_OTP_SHA1, 7, 30, 0};
	char code[SECINFO_OTP_MAX_DIGITS + 1] = "";

	CHECK_INT(secinfo_totp_step(59, 30), 1, "step of T=59 is 1");
	CHECK_INT(secinfo_totp_step(60, 30), 2, "step of T=60 is 2");
	CHECK_INT(secinfo_totp_step(1111111109, 30), 37037036, "step of T=1111111109");
	CHECK_INT(secinfo_totp_step(20000000000LL, 30), 666666666, "step of T=20000000000");
	CHECK_INT(secinfo_totp_step(0, 30), 0, "step of T=0 is 0");
	CHECK_INT(secinfo_totp_step(-5, 30), 0, "a time before the epoch is step 0");
	CHECK_INT(secinfo_totp_step(119, 60), 1, "step of T=119 with period 60 is 1");

	/* Fewer digits are the low digits of the same truncated value. */
	CHECK_INT(secinfo_otp_generate((const unsigned char *)seed_sha1, 20, &params, 1, code), 0,
		  "7-digit code generates");
	CHECK_STR(code, "4287082", "7-digit code for T=59");
	params.digits = 6;
	CHECK_INT(secinfo_otp_generate((const unsigned char *)seed_sha1, 20, &params, 1, code), 0,
		  "6-digit code generates");
	CHECK_STR(code, "287082", "6-digit code for T=59");

	params.digits = 5;
	CHECK_INT(secinfo_otp_generate((const unsigned char *)seed_sha1, 20, &params, 1, code),
		  SECINFO_ERR_INVALID, "5 digits refused");
	params.digits = 9;
	CHECK_INT(secinfo_otp_generate((const unsigned char *)seed_sha1, 20, &params, 1, code),
		  SECINFO_ERR_INVALID, "9 digits refused");
}

static void
test_rfc4226(void)
{
	static const char *const want[10] = {"755224", "287082", "359152", "969429", "338314",
					     "254676", "287922", "162583", "399871", "520489"};
	struct secinfo_otp_params params = {SECINFO_OTP_SHA1, 6, 30, 1};

	for (uint64_t c = 0; c < 10; c++) {
		char code[SECINFO_OTP_MAX_DIGITS + 1] = "";
		int rc = secinfo_otp_generate((const unsigned char *)seed_sha1, 20, &params, c,
					      code);
		CHECK_INT(rc, 0, "RFC 4226 counter %llu generates", (unsigned long long)c);
		CHECK_STR(code, want[c], "RFC 4226 counter %llu code", (unsigned long long)c);
	}
}

static void
test_find(void)
{
	struct secinfo_otp_params params = {SECINFO_OTP_SHA1, 6, 30, 0};
	const unsigned char *secret = (const unsigned char *)seed_sha1;
	char code[SECINFO_OTP_MAX_DIGITS + 1] = "", longer[SECINFO_OTP_MAX_DIGITS + 2];
	uint64_t matched;
	int rc;

	/* Step 37037036 is T=1111111109, whose 8-digit SHA1 code is 07081804. */
	CHECK_INT(secinfo_otp_generate(secret, 20, &params, 37037036, code), 0, "code generates");
	CHECK_STR(code, "081804", "6-digit code for T=1111111109");

	matched = 0;
	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, code, &matched);
	CHECK_INT(rc, 0, "code found inside the range");
	CHECK_INT(matched, 37037036, "the matching counter is reported");

	matched = 0;
	rc = secinfo_otp_find(secret, 20, &params, 37037036, 37037036, code, &matched);
	CHECK_INT(rc, 0, "code found in a one-counter range");
	CHECK_INT(matched, 37037036, "one-counter range reports its counter");

	matched = 0;
	rc = secinfo_otp_find(secret, 20, &params, 37037035, 37037037, code, &matched);
	CHECK_INT(rc, 0, "code found at the middle of a window of 1");
	CHECK_INT(matched, 37037036, "window of 1 reports the right counter");

	rc = secinfo_otp_find(secret, 20, &params, 37037037, 37037050, code, &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "code refused in a range after its counter");
	rc = secinfo_otp_find(secret, 20, &params, 37037000, 37037035, code, &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "code refused in a range before its counter");
	rc = secinfo_otp_find(secret, 20, &params, 37037036, 37037035, code, &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "range with first > last finds nothing");

	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, "08180", &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "a 5-digit prefix of the code is refused");
	snprintf(longer, sizeof(longer), "%s4", code);
	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, longer, &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "the code with an extra digit is refused");
	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, "", &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "an empty code is refused");
	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, "08180a", &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "a code with a letter is refused");
	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, "999999", &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "a wrong code is refused");

	/* An 8-digit enrollment refuses the 6 digits that a 6-digit app would show. */
	params.digits = 8;
	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, code, &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "6-digit code refused by an 8-digit enrollment");
	matched = 0;
	rc = secinfo_otp_find(secret, 20, &params, 37037030, 37037040, "07081804", &matched);
	CHECK_INT(rc, 0, "8-digit code found");
	CHECK_INT(matched, 37037036, "8-digit code counter");

	/* HOTP: counters, not times. */
	params.digits = 6;
	params.hotp = 1;
	matched = 0;
	rc = secinfo_otp_find(secret, 20, &params, 3, 7, "254676", &matched);
	CHECK_INT(rc, 0, "HOTP counter 5 found in 3..7");
	CHECK_INT(matched, 5, "HOTP matched counter 5");
	rc = secinfo_otp_find(secret, 20, &params, 6, 9, "254676", &matched);
	CHECK_INT(rc, SECINFO_ERR_WRONG, "HOTP counter 5 not in 6..9");
	rc = secinfo_otp_find(secret, 20, &params, 0, 0, "755224", &matched);
	CHECK_INT(rc, 0, "HOTP counter 0 found in 0..0");
	CHECK_INT(matched, 0, "HOTP matched counter 0");
}

static void
check_encode(const char *data, const char *want)
{
	char *text = NULL;
	int rc = secinfo_base32_encode((const unsigned char *)data, strlen(data), &text);

	CHECK_INT(rc, 0, "base32 encode \"%s\" succeeds", data);
	CHECK_STR(text, want, "base32 encode \"%s\"", data);
	free(text);
}

static void
check_decode(const char *text, const char *want)
{
	unsigned char *data = NULL;
	size_t len = 12345;
	int rc = secinfo_base32_decode(text, &data, &len);

	CHECK_INT(rc, 0, "base32 decode \"%s\" succeeds", text);
	if (rc == 0) {
		CHECK_INT(len, strlen(want), "base32 decode \"%s\" length", text);
		CHECK(len == strlen(want) && memcmp(data, want, len) == 0,
		      "base32 decode \"%s\" gives \"%s\"", text, want);
		CHECK_INT(data[len], 0, "decoded data is NUL-terminated");
	}
	secinfo_secret_free(data);
}

static void
check_decode_refused(const char *text, const char *what)
{
	static unsigned char sentinel[1];
	unsigned char *data = sentinel;
	size_t len = 0;
	int rc = secinfo_base32_decode(text, &data, &len);

	CHECK_INT(rc, SECINFO_ERR_INVALID, "base32 decode refuses %s", what);
	CHECK(data == NULL, "no output for %s", what);
	if (rc == 0)
		secinfo_secret_free(data);
}

static void
test_base32(void)
{
	char *text = NULL;
	int rc;

	/* RFC 4648 section 10, written without '=' padding as otpauth:// URIs want. */
	/* Nothing encodes to the empty string (which decode then refuses: no secret is empty). */
	rc = secinfo_base32_encode((const unsigned char *)"", 0, &text);
	CHECK_INT(rc, 0, "base32 of nothing succeeds");
	CHECK_STR(text, "", "base32 of nothing is the empty string");
	free(text);
	check_encode("f", "MY");
	check_encode("fo", "MZXQ");
	check_encode("foo", "MZXW6");
	check_encode("foob", "MZXW6YQ");
	check_encode("fooba", "MZXW6YTB");
	check_encode("foobar", "MZXW6YTBOI");
	check_encode(seed_sha1, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");

	check_decode("MY", "f");
	check_decode("MZXQ", "fo");
	check_decode("MZXW6", "foo");
	check_decode("MZXW6YQ", "foob");
	check_decode("MZXW6YTB", "fooba");
	check_decode("MZXW6YTBOI", "foobar");
	check_decode("MZXW6YTBOI======", "foobar");
	check_decode("mzxw6ytboi", "foobar");
	check_decode("mZxW6yTbOi", "foobar");
	check_decode("MZXW 6YTB OI", "foobar");
	check_decode(" mzxw-6ytb-oi\t", "foobar");
	check_decode("gezd gnbv gy3t qojq gezd gnbv gy3t qojq", seed_sha1);

	check_decode_refused("0189!", "\"0189!\"");
	check_decode_refused("", "the empty string");
	check_decode_refused("   ", "spaces only");
	check_decode_refused("MZXW1YTB", "the digit 1");
	check_decode_refused("MZXW6YTB!", "a '!'");
	check_decode_refused("MZ=XW6YTB", "padding in the middle");
}

/* Hex as pam_oath's users file holds secrets (secinfo_hex_decode, liboath's oath_hex2bin). */
static void
test_hex(void)
{
	static const char *const refused[] = {"", "0", "123", "xy", "12 34", "3132g0", "0x31"};
	static unsigned char sentinel[1];
	unsigned char *data = NULL;
	size_t len = 0;
	int rc;

	rc = secinfo_hex_decode("3132333435363738393031323334353637383930", &data, &len);
	CHECK_INT(rc, 0, "hex decode of the RFC 4226 seed succeeds");
	CHECK(rc == 0 && len == 20 && memcmp(data, seed_sha1, 20) == 0,
	      "hex decode gives the RFC 4226 seed");
	secinfo_secret_free(data);
	data = NULL;
	rc = secinfo_hex_decode("aBcDeF", &data, &len);
	CHECK(rc == 0 && len == 3 && data[0] == 0xab && data[1] == 0xcd && data[2] == 0xef,
	      "hex decode takes either case");
	secinfo_secret_free(data);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		data = sentinel;
		rc = secinfo_hex_decode(refused[i], &data, &len);
		CHECK_INT(rc, SECINFO_ERR_INVALID, "hex decode refuses \"%s\"", refused[i]);
		CHECK(data == NULL, "no output for \"%s\"", refused[i]);
	}
}

int
main(void)
{
	if (!CHECK_INT(secinfo_crypto_init(), 0, "libsodium initialises") ||
	    !CHECK_INT(secinfo_otp_init(), 0, "liboath initialises"))
		return check_summary();
	test_rfc6238();
	test_totp_step_and_digits();
	test_rfc4226();
	test_find();
	test_base32();
	test_hex();
	secinfo_otp_done();
	return check_summary();
}
