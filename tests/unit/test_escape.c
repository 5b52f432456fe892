/* Unit tests for escape.c: untrusted text made safe for "key=value" log lines. */
#include "config.h"

#include <string.h>

#include "check.h"
#include "escape.h"

int
main(void)
{
	char out[64], tiny[8];

	CHECK_STR(secinfo_escape("alice", out, sizeof(out)), "alice", "plain name unchanged");
	CHECK_STR(secinfo_escape(NULL, out, sizeof(out)), "", "NULL becomes empty");
	CHECK_STR(secinfo_escape("a\nb\tc", out, sizeof(out)), "a\\x0ab\\x09c",
		  "control characters escaped");
	CHECK_STR(secinfo_escape("x method=app result=success", out, sizeof(out)),
		  "x\\x20method\\x3dapp\\x20result\\x3dsuccess",
		  "spaces and '=' cannot forge another field");
	CHECK_STR(secinfo_escape("q\"\\", out, sizeof(out)), "q\\x22\\x5c",
		  "quotes and backslashes escaped");
	CHECK_STR(secinfo_escape("\xc3\xa9", out, sizeof(out)), "\\xc3\\xa9",
		  "bytes >= 0x7f escaped");
	CHECK_STR(secinfo_escape("abcdefghij", tiny, sizeof(tiny)), "abcd...",
		  "a cut value ends in ...");
	CHECK_STR(secinfo_escape("abc\x01zzzz", tiny, sizeof(tiny)), "abc...",
		  "an escape that does not fit is cut whole");
	CHECK_STR(secinfo_escape("abcdefg", tiny, sizeof(tiny)), "abcdefg",
		  "exactly fitting value kept");
	CHECK(strlen(secinfo_escape("\x01\x02\x03", tiny, sizeof(tiny))) < sizeof(tiny),
	      "output always fits");
	CHECK_STR(secinfo_escape_text("2026-11-22 05:00:31 UTC", out, sizeof(out)),
		  "2026-11-22 05:00:31 UTC", "text for people keeps spaces");
	CHECK_STR(secinfo_escape_text("a=b \"c\"\n", out, sizeof(out)), "a=b \"c\"\\x0a",
		  "text for people keeps '=' and quotes, escapes control characters");
	return check_summary();
}
