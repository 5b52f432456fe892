/* Unit tests for libsecinfo/kind.c and the method table (method.c): names, purposes, fallback
 * orders, kind lists, and that every kind has a complete row. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "error.h"
#include "kind.h"
#include "method.h"

static void
test_names(void)
{
	static const char *const names[SECINFO_KIND_COUNT] = {
		[SECINFO_KIND_APP] = "app",     [SECINFO_KIND_SMS] = "sms",
		[SECINFO_KIND_CALL] = "call",   [SECINFO_KIND_KEY] = "key",
		[SECINFO_KIND_EMAIL] = "email", [SECINFO_KIND_QUESTIONS] = "questions",
		[SECINFO_KIND_TAP] = "tap",
	};

	for (int k = 0; k < SECINFO_KIND_COUNT; k++) {
		CHECK_STR(secinfo_kind_name((enum secinfo_kind)k), names[k], "name of kind %d", k);
		CHECK_INT(secinfo_kind_parse(names[k]), k, "parse(\"%s\") round-trips", names[k]);
	}
	CHECK_STR(secinfo_kind_name(SECINFO_KIND_COUNT), "unknown", "out-of-range kind name");
	CHECK_STR(secinfo_kind_name((enum secinfo_kind) - 1), "unknown", "negative kind name");
	CHECK_INT(secinfo_kind_parse("fax"), -1, "parse(\"fax\") refused");
	CHECK_INT(secinfo_kind_parse(""), -1, "parse(\"\") refused");
	CHECK_INT(secinfo_kind_parse("APP"), -1, "parse is case-sensitive (\"APP\")");
	CHECK_INT(secinfo_kind_parse("app "), -1, "parse(\"app \") refused");
	CHECK_INT(secinfo_kind_parse("questionsx"), -1, "parse(\"questionsx\") refused");
}

static void
test_purposes(void)
{
	const unsigned both = SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET;

	CHECK_INT(secinfo_kind_purposes(SECINFO_KIND_APP), both, "app: 2fa and reset");
	CHECK_INT(secinfo_kind_purposes(SECINFO_KIND_SMS), both, "sms: 2fa and reset");
	CHECK_INT(secinfo_kind_purposes(SECINFO_KIND_CALL), both, "call: 2fa and reset");
	CHECK_INT(secinfo_kind_purposes(SECINFO_KIND_KEY), both, "key: 2fa and reset");
	CHECK_INT(secinfo_kind_purposes(SECINFO_KIND_EMAIL), SECINFO_PURPOSE_RESET,
		  "email: reset only");
	CHECK_INT(secinfo_kind_purposes(SECINFO_KIND_QUESTIONS), SECINFO_PURPOSE_RESET,
		  "questions: reset only");
	CHECK_INT(secinfo_kind_purposes(SECINFO_KIND_COUNT), 0, "out-of-range kind: no purpose");
}

static void
check_order(const int *got, const int *want, size_t n, const char *what)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!CHECK_INT(got[i], want[i], "%s order position %zu", what, i))
			return;
	CHECK_INT(got[n], -1, "%s order ends with -1 after %zu kinds", what, n);
}

static void
test_fallback_orders(void)
{
	static const int two_fa[] = {SECINFO_KIND_KEY, SECINFO_KIND_APP, SECINFO_KIND_SMS,
				     SECINFO_KIND_CALL};
	static const int reset[] = {SECINFO_KIND_KEY,  SECINFO_KIND_APP,   SECINFO_KIND_SMS,
				    SECINFO_KIND_CALL, SECINFO_KIND_EMAIL, SECINFO_KIND_QUESTIONS};

	check_order(secinfo_kind_fallback_order(SECINFO_PURPOSE_2FA), two_fa,
		    sizeof(two_fa) / sizeof(two_fa[0]), "2fa");
	check_order(secinfo_kind_fallback_order(SECINFO_PURPOSE_RESET), reset,
		    sizeof(reset) / sizeof(reset[0]), "reset");
}

static void
test_parse_list(void)
{
	const char *bad = NULL;
	unsigned mask = 12345;
	const char *list;

	CHECK_INT(secinfo_kind_parse_list("app key", &mask, &bad), 0, "\"app key\" parses");
	CHECK_INT(mask, SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_KEY),
		  "\"app key\" mask");

	CHECK_INT(secinfo_kind_parse_list(" app,sms , call\tkey,,email  questions ", &mask, &bad),
		  0, "spaces, tabs and commas mixed parse");
	CHECK_INT(mask, SECINFO_KINDS_ALL & ~SECINFO_KIND_BIT(SECINFO_KIND_TAP),
		  "all six registered kinds in the mask");
	CHECK_INT(secinfo_kind_parse_list("app tap", &mask, &bad), 0, "\"app tap\" parses");
	CHECK_INT(mask, SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_TAP),
		  "\"app tap\" mask");

	CHECK_INT(secinfo_kind_parse_list("sms,sms", &mask, &bad), 0, "a repeated kind parses");
	CHECK_INT(mask, SECINFO_KIND_BIT(SECINFO_KIND_SMS), "repeated kind gives one bit");

	CHECK_INT(secinfo_kind_parse_list("", &mask, &bad), 0, "empty list parses");
	CHECK_INT(mask, 0, "empty list gives an empty mask");
	CHECK_INT(secinfo_kind_parse_list(" , ", &mask, &bad), 0, "separators only parse");
	CHECK_INT(mask, 0, "separators only give an empty mask");

	list = "app, fax sms";
	bad = NULL;
	CHECK_INT(secinfo_kind_parse_list(list, &mask, &bad), SECINFO_ERR_CONFIG,
		  "\"app, fax sms\" refused");
	CHECK(bad == list + 5, "*bad points at \"fax\" (offset %td)",
	      bad != NULL ? bad - list : -1);

	list = "app,smsx";
	bad = NULL;
	CHECK_INT(secinfo_kind_parse_list(list, &mask, &bad), SECINFO_ERR_CONFIG,
		  "\"app,smsx\" refused");
	CHECK(bad == list + 4, "*bad points at \"smsx\"");

	list = "appappappappappappappappappappappappapp";
	CHECK_INT(secinfo_kind_parse_list(list, &mask, &bad), SECINFO_ERR_CONFIG,
		  "a word longer than the buffer is refused");
	CHECK(bad == list, "*bad points at the long word");

	CHECK_INT(secinfo_kind_parse_list("APP", &mask, NULL), SECINFO_ERR_CONFIG,
		  "upper case refused, NULL bad allowed");
}

/* Every kind has one row, at its own index, with what the flow, the CLI and the store ask of
 * it; kinds that serve sign-in are exactly those with a challenge or none yet (key). */
static void
test_method_table(void)
{
	for (int k = 0; k < SECINFO_KIND_COUNT; k++) {
		const struct secinfo_method_ops *ops = secinfo_method_ops((enum secinfo_kind)k);
		if (!CHECK(ops != NULL, "kind %d has a row", k))
			continue;
		CHECK_INT(ops->kind, k, "row %d is its own kind", k);
		CHECK(ops->name != NULL && ops->noun != NULL && ops->prompt != NULL &&
			      ops->wrong != NULL && ops->describe != NULL,
		      "row %s is complete", ops->name);
		CHECK(secinfo_method_ops_by_name(ops->name) == ops, "%s found by name", ops->name);
		CHECK((ops->challenge == NULL) == (ops->verify == NULL),
		      "%s: challenge and verify come together", ops->name);
		CHECK((ops->channel >= 0) == (ops->sends != NULL),
		      "%s: a kind that sends names what it sends", ops->name);
		CHECK((ops->detail_word != NULL) == (ops->parse_detail != NULL),
		      "%s: a kind that takes a detail parses it", ops->name);
	}
	CHECK(secinfo_method_ops(SECINFO_KIND_COUNT) == NULL, "no row past the last kind");
	CHECK(secinfo_method_ops_by_name("fax") == NULL, "no row for an unknown name");
}

/* What the flow may offer: allowed, serving the purpose, implemented. */
static void
test_usable_kinds(void)
{
	struct secinfo_conf conf = {.methods = SECINFO_KINDS_ALL};
	unsigned two_fa = SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_SMS) |
			  SECINFO_KIND_BIT(SECINFO_KIND_CALL) | SECINFO_KIND_BIT(SECINFO_KIND_KEY);

	CHECK_INT(secinfo_method_usable_kinds(&conf, SECINFO_KINDS_ALL, SECINFO_PURPOSE_2FA),
		  two_fa | SECINFO_KIND_BIT(SECINFO_KIND_TAP),
		  "2fa: key, app, sms, call, tap (never email or questions)");
	CHECK_INT(secinfo_method_usable_kinds(&conf, SECINFO_KINDS_ALL, SECINFO_PURPOSE_RESET),
		  two_fa | SECINFO_KIND_BIT(SECINFO_KIND_EMAIL) |
			  SECINFO_KIND_BIT(SECINFO_KIND_QUESTIONS),
		  "reset: every implemented kind");
	conf.methods = SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_EMAIL);
	CHECK_INT(secinfo_method_usable_kinds(&conf, SECINFO_KIND_BIT(SECINFO_KIND_EMAIL),
					      SECINFO_PURPOSE_RESET),
		  SECINFO_KIND_BIT(SECINFO_KIND_EMAIL), "policy and methods= intersect");

	/* A pass is issued by an administrator: [policy] methods does not govern it, a
	 * service's explicit methods= does; never for a reset. */
	conf.methods = SECINFO_KIND_BIT(SECINFO_KIND_APP);
	CHECK_INT(secinfo_method_usable_kinds(&conf, SECINFO_KINDS_ALL, SECINFO_PURPOSE_2FA),
		  SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_TAP),
		  "tap is usable for 2fa with [policy] methods = app");
	CHECK_INT(secinfo_method_usable_kinds(&conf, SECINFO_KIND_BIT(SECINFO_KIND_APP),
					      SECINFO_PURPOSE_2FA),
		  SECINFO_KIND_BIT(SECINFO_KIND_APP), "methods=app leaves tap out");
	CHECK_INT(secinfo_method_usable_kinds(&conf, SECINFO_KINDS_ALL, SECINFO_PURPOSE_RESET) &
			  SECINFO_KIND_BIT(SECINFO_KIND_TAP),
		  0, "tap is never usable for a reset");
	CHECK(secinfo_method_allowed(&conf, SECINFO_KIND_TAP) &&
		      !secinfo_method_allowed(&conf, SECINFO_KIND_SMS),
	      "allowed: tap always, sms only when listed");
	CHECK(!secinfo_kind_can_be_default(SECINFO_KIND_TAP) &&
		      secinfo_kind_can_be_default(SECINFO_KIND_APP) &&
		      !secinfo_kind_can_be_default(SECINFO_KIND_EMAIL),
	      "tap is never a default; app can be, email not");
}

int
main(void)
{
	test_method_table();
	test_usable_kinds();
	test_names();
	test_purposes();
	test_fallback_orders();
	test_parse_list();
	return check_summary();
}
