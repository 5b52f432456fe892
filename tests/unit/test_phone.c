/* Unit tests for libsecinfo/phone.c: E.164 normalisation, extensions, masking. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "error.h"
#include "phone.h"

static void
check_ok(const char *input, unsigned default_country, const char *want, int want_extension)
{
	char out[SECINFO_PHONE_MAX + 1];
	const char *why = NULL;
	int extension = -1, rc;

	memset(out, 'Z', sizeof(out));
	rc = secinfo_phone_normalize(input, default_country, out, &extension, &why);
	CHECK_INT(rc, 0, "\"%s\" (default country %u) accepted%s%s", input, default_country,
		  why != NULL ? ": " : "", why != NULL ? why : "");
	CHECK_STR(rc == 0 ? out : NULL, want, "\"%s\" normalised", input);
	CHECK_INT(extension, want_extension, "\"%s\" extension_removed", input);
}

static void
check_refused(const char *input, unsigned default_country, const char *what)
{
	char out[SECINFO_PHONE_MAX + 1];
	const char *why = NULL;
	int extension = -1, rc;

	memset(out, 'Z', sizeof(out));
	rc = secinfo_phone_normalize(input, default_country, out, &extension, &why);
	CHECK_INT(rc, SECINFO_ERR_INVALID, "%s refused", what);
	CHECK(why != NULL && why[0] != '\0', "%s refused with a reason (%s)", what,
	      why != NULL ? why : "none");
	CHECK(out[0] == '\0', "%s leaves OUT empty", what);
}

static void
test_extensions(void)
{
	/* The seed's example: the extension is removed and the command says so. */
	check_ok("+1 4255551234X12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234x12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234 x12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234 ext 12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234 EXT 12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234 ext. 12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234;ext=12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234#12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234 extension 12345", 0, "+14255551234", 1);
	check_ok("+1 4255551234", 0, "+14255551234", 0);
}

static void
test_punctuation_and_countries(void)
{
	check_ok("+14255551234", 0, "+14255551234", 0);
	check_ok("+1 (425) 555-1234", 0, "+14255551234", 0);
	check_ok("+1.425.555.1234", 0, "+14255551234", 0);
	check_ok("+1 425/555 12 34", 0, "+14255551234", 0);
	check_ok("  +1 425 555 1234  ", 0, "+14255551234", 0);
	check_ok("+1\t425\t555\t1234", 0, "+14255551234", 0);

	/* Without '+': the default country, after one national trunk '0'. */
	check_ok("4255551234", 1, "+14255551234", 0);
	check_ok("(425) 555-1234", 1, "+14255551234", 0);
	check_ok("0612345678", 31, "+31612345678", 0);
	check_ok("06 12 34 56 78", 31, "+31612345678", 0);
	check_ok("0031612345678", 0, "+31612345678", 0);
	check_ok("0031612345678", 1, "+31612345678", 0);
	check_ok("00 31 6 12345678", 44, "+31612345678", 0);
	check_ok("+31612345678", 1, "+31612345678", 0); /* '+' wins over the default */

	/* Length limits of E.164: 7 to 15 digits after '+'. */
	check_ok("+1234567", 0, "+1234567", 0);
	check_ok("+123456789012345", 0, "+123456789012345", 0);
	check_ok("23456789012345", 1, "+123456789012345", 0);
	check_refused("234567890123456", 1, "16 digits with the default country");
	check_ok("234567", 1, "+1234567", 0);
	check_refused("23456", 1, "5 digits with the default country (6 in all)");
}

static void
test_malformed(void)
{
	check_refused("4255551234", 0, "no '+' and no default country");
	check_refused("+1 425 CALL NOW", 0, "letters");
	check_refused("++14255551234", 0, "two pluses");
	check_refused("+1425+5551234", 0, "a plus in the middle");
	check_refused("1425555123+4", 1, "a plus at the end");
	check_refused("+1234", 0, "too short (+1234)");
	check_refused("+123456", 0, "6 digits");
	check_refused("+1234567890123456", 0, "too long (16 digits)");
	check_refused("+12345678901234567890123456789012345678901234567890123456789012345678", 0,
		      "far too long (68 digits)");
	check_refused("+0123456789", 0, "country code 0");
	check_refused("00 0123456789", 0, "country code 0 after 00");
	check_refused("", 0, "empty");
	check_refused("", 1, "empty with a default country");
	check_refused("   ", 1, "blanks only");
	check_refused("()-", 0, "only punctuation");
	check_refused("()-", 1, "only punctuation with a default country");
	check_refused("+", 0, "a lone '+'");
	check_refused("+14255551234 ext", 0, "an extension marker with no number");
	check_refused("+14255551234 x", 0, "an 'x' with no number");
	check_refused("+14255551234 ext 12a", 0, "an extension with a letter");
	check_refused("+14255551234 x12 x34", 0, "two extensions");
	check_refused("x123", 1, "an extension alone");
	check_refused("ext 123", 1, "'ext 123' alone");
	check_refused("+1 425 555 1234 \xf0\x9f\x93\x9e", 0, "an emoji (UTF-8 bytes)");
	check_refused("+1 425 555 1234\xc2\xa0", 0, "a UTF-8 no-break space");
	check_refused("\t\x01", 1, "a control character");
	check_refused("+1 425 555\x01 1234", 0, "a control character inside");
	check_refused("+1 425 555 1234\r\n", 0, "CR LF");
	check_refused("+1_425_555_1234", 0, "underscores");
	check_refused("+1,425,555,1234", 0, "commas");
	check_refused("tel:+14255551234", 0, "a tel: URI");
	check_refused("+1 425 555 1234 ;ext=", 0, "';ext=' with no number");
}

static void
check_mask(const char *phone, const char *want)
{
	char out[64];

	memset(out, 'Z', sizeof(out));
	secinfo_phone_mask(phone, out, sizeof(out));
	CHECK_STR(out, want, "mask of \"%s\"", phone);
}

static void
test_mask(void)
{
	char out[32];
	int intact;

	check_mask("+14255551234", "+1 XXXXXXXX34");
	check_mask("+31612345678", "+31 XXXXXXX78");
	check_mask("+447700900123", "+44 XXXXXXXX23");
	check_mask("", "XXXX");
	check_mask("123456", "XXXX");

	/* A short buffer truncates and never writes past its end. */
	for (unsigned size = 0; size <= 14; size++) {
		memset(out, 'Z', sizeof(out));
		secinfo_phone_mask("+14255551234", out, size);
		intact = 1;
		for (size_t i = size; i < sizeof(out); i++)
			if (out[i] != 'Z')
				intact = 0;
		CHECK(intact, "mask into %u bytes writes nothing past them", size);
		if (size > 0)
			CHECK(memchr(out, '\0', size) != NULL, "mask into %u bytes is terminated",
			      size);
	}
	memset(out, 'Z', sizeof(out));
	secinfo_phone_mask("+14255551234", out, 8);
	CHECK_STR(out, "+1 XXXX", "mask truncated to 8 bytes");
}

int
main(void)
{
	test_extensions();
	test_punctuation_and_countries();
	test_malformed();
	test_mask();
	return check_summary();
}
