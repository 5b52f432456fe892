/* Unit tests for libsecinfo/email.c: address rules, blocked work/school domains, masking. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "conf.h"
#include "email.h"
#include "error.h"

static void
check_ok(const struct secinfo_conf *conf, const char *address, const char *want)
{
	char out[SECINFO_EMAIL_MAX + 1];
	const char *why = NULL;
	int rc;

	memset(out, 'Z', sizeof(out));
	rc = secinfo_email_normalize(conf, address, out, &why);
	CHECK_INT(rc, 0, "\"%s\" accepted%s%s", address, why != NULL ? ": " : "",
		  why != NULL ? why : "");
	CHECK_STR(rc == 0 ? out : NULL, want, "\"%s\" normalised", address);
}

static void
check_refused(const struct secinfo_conf *conf, const char *address, int want_rc, const char *what)
{
	char out[SECINFO_EMAIL_MAX + 1];
	const char *why = NULL;
	int rc;

	memset(out, 'Z', sizeof(out));
	rc = secinfo_email_normalize(conf, address, out, &why);
	CHECK_INT(rc, want_rc, "%s refused", what);
	CHECK(why != NULL && why[0] != '\0', "%s refused with a reason (%s)", what,
	      why != NULL ? why : "none");
	CHECK(out[0] == '\0', "%s leaves OUT empty", what);
	if (want_rc == SECINFO_ERR_DENIED)
		CHECK(why != NULL && strstr(why, "work or school") != NULL,
		      "%s: the reason says \"work or school\"", what);
}

static void
test_valid(void)
{
	check_ok(NULL, "alice@example.net", "alice@example.net");
	check_ok(NULL, "Alice.Smith@Example.NET", "Alice.Smith@example.net");
	check_ok(NULL, "ALICE@EXAMPLE.ORG", "ALICE@example.org");
	check_ok(NULL, "a+tag@mail.example.co.uk", "a+tag@mail.example.co.uk");
	check_ok(NULL, "first_last-1@sub-domain.example.net",
		 "first_last-1@sub-domain.example.net");
	check_ok(NULL, "x@a.io", "x@a.io");
	check_ok(NULL, "o'brien@example.net", "o'brien@example.net");
}

static void
test_invalid(void)
{
	char local65[80], label64[80], long_address[300], many_a[70];

	memset(many_a, 'a', sizeof(many_a) - 1);
	many_a[sizeof(many_a) - 1] = '\0';
	check_refused(NULL, "alice.example.net", SECINFO_ERR_INVALID, "no @");
	check_refused(NULL, "alice@bob@example.net", SECINFO_ERR_INVALID, "two @");
	check_refused(NULL, "@example.net", SECINFO_ERR_INVALID, "an empty local part");
	check_refused(NULL, "alice@", SECINFO_ERR_INVALID, "an empty domain");
	check_refused(NULL, "", SECINFO_ERR_INVALID, "the empty string");
	check_refused(NULL, ".alice@example.net", SECINFO_ERR_INVALID, "a leading dot");
	check_refused(NULL, "alice.@example.net", SECINFO_ERR_INVALID, "a trailing dot");
	check_refused(NULL, "al..ice@example.net", SECINFO_ERR_INVALID, "\"..\" in the local part");
	check_refused(NULL, "alice@example..net", SECINFO_ERR_INVALID, "\"..\" in the domain");
	check_refused(NULL, "alice@.example.net", SECINFO_ERR_INVALID,
		      "a domain with a leading dot");
	check_refused(NULL, "alice@example.net.", SECINFO_ERR_INVALID,
		      "a domain with a trailing dot");
	check_refused(NULL, "al ice@example.net", SECINFO_ERR_INVALID, "a space");
	check_refused(NULL, " alice@example.net", SECINFO_ERR_INVALID, "a leading space");
	check_refused(NULL, "alice@example.net ", SECINFO_ERR_INVALID, "a trailing space");
	check_refused(NULL, "a@b.org\r\nBcc: x@y.org", SECINFO_ERR_INVALID,
		      "CR LF header injection");
	check_refused(NULL, "a@b.org\n", SECINFO_ERR_INVALID, "a trailing LF");
	check_refused(NULL, "a\tb@example.net", SECINFO_ERR_INVALID, "a tab");
	check_refused(NULL,
		      "a\x7f"
		      "b@example.net",
		      SECINFO_ERR_INVALID, "DEL");
	check_refused(NULL, "Alice <alice@example.net>", SECINFO_ERR_INVALID, "a display name");
	check_refused(NULL, "alice@example.net,bob@example.net", SECINFO_ERR_INVALID,
		      "two addresses");
	check_refused(NULL, "\"al\"@example.net", SECINFO_ERR_INVALID, "a quoted local part");
	check_refused(NULL, "alice@localhost", SECINFO_ERR_INVALID, "a missing TLD");
	check_refused(NULL, "alice@-example.net", SECINFO_ERR_INVALID, "a label starting with '-'");
	check_refused(NULL, "alice@mail.-example.net", SECINFO_ERR_INVALID,
		      "an inner label starting with '-'");
	check_refused(NULL, "alice@example-.net", SECINFO_ERR_INVALID, "a label ending with '-'");
	check_refused(NULL, "alice@exa_mple.net", SECINFO_ERR_INVALID,
		      "an underscore in the domain");
	check_refused(NULL, "alice@[192.0.2.1]", SECINFO_ERR_INVALID, "an address literal");
	check_refused(NULL, "alice@ex\xc3\xa4mple.net", SECINFO_ERR_INVALID, "UTF-8 in the domain");

	/* Lengths: local part at most 64, a label at most 63, the address at most 254. */
	snprintf(local65, sizeof(local65), "%.65s@example.net", many_a);
	check_refused(NULL, local65, SECINFO_ERR_INVALID, "a 65-character local part");
	snprintf(local65, sizeof(local65), "%.64s@example.net", many_a);
	check_ok(NULL, local65, local65);

	snprintf(label64, sizeof(label64), "a@%.64s.net", many_a);
	check_refused(NULL, label64, SECINFO_ERR_INVALID, "a 64-character label");
	snprintf(label64, sizeof(label64), "a@%.63s.net", many_a);
	check_ok(NULL, label64, label64);

	/* "a@" + 5 labels of 49 and a dot + "net": 2 + 5 * 50 + 3 = 255 characters. */
	snprintf(long_address, sizeof(long_address), "a@%.49s.%.49s.%.49s.%.49s.%.49s.net", many_a,
		 many_a, many_a, many_a, many_a);
	CHECK_INT(strlen(long_address), 255, "the long address has 255 characters");
	check_refused(NULL, long_address, SECINFO_ERR_INVALID, "a 255-character address");
	snprintf(long_address, sizeof(long_address), "a@%.48s.%.49s.%.49s.%.49s.%.49s.net", many_a,
		 many_a, many_a, many_a, many_a);
	CHECK_INT(strlen(long_address), 254, "one shorter: 254 characters");
	check_ok(NULL, long_address, long_address);
}

/* The local part may be UTF-8 (RFC 6531), but only valid UTF-8 without C1 control characters:
 * the address is shown in prompts and written into the message's To: header. Found by
 * fuzz/fuzz_email.c. */
static void
test_utf8(void)
{
	check_ok(NULL, "j\xc3\xb6rg@Example.net", "j\xc3\xb6rg@example.net");
	check_ok(NULL, "\xe2\x82\xac\xf0\x9f\x93\x9e@example.net",
		 "\xe2\x82\xac\xf0\x9f\x93\x9e@example.net");
	check_refused(NULL, "\xff@example.net", SECINFO_ERR_INVALID, "a byte that is never UTF-8");
	check_refused(NULL, "j\xc3@example.net", SECINFO_ERR_INVALID, "a cut UTF-8 character");
	check_refused(NULL, "j\xb6rg@example.net", SECINFO_ERR_INVALID,
		      "a stray continuation byte");
	check_refused(NULL, "\xc0\xaf@example.net", SECINFO_ERR_INVALID, "an overlong '/'");
	check_refused(NULL, "\xed\xa0\x80@example.net", SECINFO_ERR_INVALID, "a UTF-16 surrogate");
	check_refused(NULL, "\xf4\x90\x80\x80@example.net", SECINFO_ERR_INVALID,
		      "a code point past U+10FFFF");
	check_refused(NULL,
		      "a\xc2\x9b"
		      "31m@example.net",
		      SECINFO_ERR_INVALID, "a C1 control character (CSI)");
}

static void
test_blocked(void)
{
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	int rc;

	rc = secinfo_conf_parse("/etc/security/secinfo.conf",
				"[email]\nblocked_domains = example.org corp.example.net\n", &conf,
				&problems);
	CHECK_INT(rc, 0, "configuration with blocked_domains parses");
	CHECK_INT(problems.count, 0, "no problems in it");
	if (conf == NULL) {
		secinfo_problems_free(&problems);
		return;
	}
	check_refused(conf, "a@example.org", SECINFO_ERR_DENIED, "a blocked domain");
	check_refused(conf, "a@mail.example.org", SECINFO_ERR_DENIED,
		      "a subdomain of a blocked one");
	check_refused(conf, "a@x.y.mail.example.org", SECINFO_ERR_DENIED, "a deep subdomain");
	check_refused(conf, "A@EXAMPLE.ORG", SECINFO_ERR_DENIED, "a blocked domain in capitals");
	check_refused(conf, "a@corp.example.net", SECINFO_ERR_DENIED, "the second blocked domain");
	check_refused(conf, "a@eu.corp.example.net", SECINFO_ERR_DENIED,
		      "a subdomain of the second blocked domain");
	check_refused(conf, "a@b..example.org", SECINFO_ERR_INVALID,
		      "a malformed address in a blocked domain (invalid first)");

	check_ok(conf, "a@example.org.evil.net", "a@example.org.evil.net");
	check_ok(conf, "a@notexample.org", "a@notexample.org");
	check_ok(conf, "a@example.net", "a@example.net");
	check_ok(conf, "a@example.com", "a@example.com");
	check_ok(conf, "a@other.example.net", "a@other.example.net");
	check_ok(conf, "a@xcorp.example.net", "a@xcorp.example.net");
	check_ok(conf, "example.org@gmail.com", "example.org@gmail.com");

	CHECK_INT(secinfo_conf_domain_blocked(conf, "example.org"), 1, "example.org blocked");
	CHECK_INT(secinfo_conf_domain_blocked(conf, "Mail.Example.Org"), 1,
		  "domain match ignores case");
	CHECK_INT(secinfo_conf_domain_blocked(conf, "org"), 0, "the parent \"org\" is not blocked");
	CHECK_INT(secinfo_conf_domain_blocked(conf, "example.net"), 0,
		  "the parent of corp.example.net is not blocked");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

static void
test_mask(void)
{
	char out[64];

	secinfo_email_mask("alice@example.net", out, sizeof(out));
	CHECK_STR(out, "a***@example.net", "mask of alice@example.net");
	secinfo_email_mask("b@example.org", out, sizeof(out));
	CHECK_STR(out, "b***@example.org", "mask of a one-letter local part");
	secinfo_email_mask("nobody", out, sizeof(out));
	CHECK_STR(out, "***", "mask of text without @");
	secinfo_email_mask("@example.org", out, sizeof(out));
	CHECK_STR(out, "***", "mask of an empty local part");
	/* A whole first character, never a piece of one. */
	secinfo_email_mask("\xc3\xb6rjan@example.net", out, sizeof(out));
	CHECK_STR(out, "\xc3\xb6***@example.net", "mask of a local part starting with UTF-8");
	secinfo_email_mask("\xc3@example.net", out, sizeof(out));
	CHECK_STR(out, "***", "mask of a stored address that is not UTF-8");
	secinfo_email_mask("alice@example.net", out, 6);
	CHECK_STR(out, "a***@", "mask truncated to 6 bytes");
}

int
main(void)
{
	test_valid();
	test_invalid();
	test_utf8();
	test_blocked();
	test_mask();
	return check_summary();
}
