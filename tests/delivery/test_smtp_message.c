/* Unit tests for delivery/smtp_message.c: the e-mail that carries a code, composed without a
 * mail server. Each case here is one the fuzzer fuzz/fuzz_smtp.c found (fuzz/README.md). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "delivery.h"
#include "error.h"
#include "smtp_message.h"

#define DATE "Thu, 01 Jan 1970 00:00:00 +0000"
#define ID   "0123456789abcdef0123456789abcdef"

/* One message: the check and the composition as secinfo_smtp_send makes them. */
struct composed {
	int rc;
	char detail[256];
	char *text; /* the message, or NULL */
};

static struct composed
compose(const char *from, const char *message, const char *user)
{
	char url[] = "smtp://127.0.0.1:25", subject[] = "Your verification code";
	char issuer[] = "Example Org", *from_copy = strdup(from), *message_copy = strdup(message);
	struct secinfo_conf conf = {.smtp_url = url,
				    .email_from = from_copy,
				    .email_subject = subject,
				    .code_message = message_copy,
				    .issuer = issuer,
				    .code_lifetime = 300};
	struct secinfo_delivery_request request = {.channel = SECINFO_CHANNEL_EMAIL,
						   .to = "bob@example.net",
						   .code = "123456",
						   .user = user};
	struct secinfo_delivery_result result = {0};
	struct secinfo_smtp_mail mail = {0};
	struct composed out = {0};

	out.rc = secinfo_smtp_check(&conf, &request, &mail, &result);
	if (out.rc == 0)
		out.rc = secinfo_smtp_compose(&conf, &request, &mail, DATE, ID, &result);
	if (out.rc == 0)
		out.text = strdup(secinfo_buf_text(&mail.message));
	snprintf(out.detail, sizeof(out.detail), "%s", result.detail);
	secinfo_buf_free(&mail.message);
	free(from_copy);
	free(message_copy);
	return out;
}

/* Returns the From: line of TEXT (up to its CRLF) in a new string, or NULL. */
static char *
from_line(const char *text)
{
	const char *p = text != NULL ? strstr(text, "\r\nFrom: ") : NULL;

	return p != NULL ? strndup(p + 2, strcspn(p + 2, "\r\n")) : NULL;
}

/* Returns the length of the longest line of TEXT, without its CRLF. */
static size_t
longest_line(const char *text)
{
	size_t longest = 0, n;

	for (const char *p = text; *p != '\0'; p += n + (p[n] != '\0')) {
		n = strcspn(p, "\n");
		if ((n > 0 && p[n - 1] == '\r' ? n - 1 : n) > longest)
			longest = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
	}
	return longest;
}

/* A display name full of quotes and backslashes doubles when quoted: [email] from of up to
 * 900 bytes made a From: line of up to 1,800, past RFC 5322's 998. Refused, naming the key. */
static void
test_from_too_long_once_quoted(void)
{
	char from[901];
	struct composed c;
	size_t n = 870;

	for (size_t i = 0; i < n; i++)
		from[i] = i % 2 ? '"' : '\\';
	snprintf(from + n, sizeof(from) - n, " <noreply@example.org>");
	c = compose(from, "Your code is %{code}", "bob");
	CHECK_INT(c.rc, SECINFO_ERR_CONFIG, "a From: line over 998 characters is refused");
	CHECK(strstr(c.detail, "[email] from") != NULL && strstr(c.detail, "998") != NULL,
	      "the message names [email] from and the limit: %s", c.detail);
	CHECK(c.text == NULL || longest_line(c.text) <= SECINFO_SMTP_RFC_LINE_MAX,
	      "no line over 998 characters was composed");
	free(c.text);

	/* Just below the limit once quoted: accepted, and the line fits. */
	n = 480;
	memset(from, '"', n);
	snprintf(from + n, sizeof(from) - n, " <noreply@example.org>");
	c = compose(from, "Your code is %{code}", "bob");
	CHECK_INT(c.rc, 0, "a From: line of %zu characters is accepted",
		  strlen("From: \"\" <noreply@example.org>") + 2 * n);
	CHECK(c.text != NULL && longest_line(c.text) <= SECINFO_SMTP_RFC_LINE_MAX,
	      "every line is at most 998 characters");
	free(c.text);
}

/* A display name that starts and ends with a quote was sent as it was, although quotes inside
 * ended the quoted-string: the From: header then held several mailboxes. Only a well-formed
 * quoted-string goes as it is; anything else is quoted. */
static void
test_from_badly_quoted(void)
{
	static const struct {
		const char *from, *want;
	} cases[] = {
		{"\"Security, Info\" <noreply@example.org>",
		 "From: \"Security, Info\" <noreply@example.org>"},
		{"\"Security \\\"Info\\\"\" <noreply@example.org>",
		 "From: \"Security \\\"Info\\\"\" <noreply@example.org>"},
		{"\"Se\"Security, Info\" <noreply@example.org>",
		 "From: \"\\\"Se\\\"Security, Info\\\"\" <noreply@example.org>"},
		{"\"x\", evil@example.net, \"y\" <noreply@example.org>",
		 "From: \"\\\"x\\\", evil@example.net, \\\"y\\\"\" <noreply@example.org>"},
		{"\"Info\\\" <noreply@example.org>",
		 "From: \"\\\"Info\\\\\\\"\" <noreply@example.org>"},
		{"Security info <noreply@example.org>",
		 "From: Security info <noreply@example.org>"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct composed c = compose(cases[i].from, "Your code is %{code}", "bob");
		char *line = from_line(c.text);

		CHECK_INT(c.rc, 0, "[email] from = %s accepted", cases[i].from);
		CHECK_STR(line, cases[i].want, "[email] from = %s", cases[i].from);
		free(line);
		free(c.text);
	}
}

/* An empty [codes] message (the parser refuses one, the function did not) appended the
 * rendered text's NULL buffer: memcpy from NULL, undefined behaviour that the sanitizer build
 * of the tests (scripts/test.sh stage 2) reports. */
static void
test_empty_message(void)
{
	struct composed c = compose("noreply@example.org", "", "bob");

	CHECK_INT(c.rc, 0, "an empty [codes] message composes");
	CHECK(c.text != NULL &&
		      strstr(c.text, "\r\n\r\n\r\n\r\nThis code expires in 5 minutes.") != NULL,
	      "the body is the empty message and the expiry");
	free(c.text);
}

/* The same arguments give the same message, with the Date and Message-ID given. */
static void
test_deterministic(void)
{
	struct composed a = compose("Security info <noreply@example.org>", "Code %{code}", "bob");
	struct composed b = compose("Security info <noreply@example.org>", "Code %{code}", "bob");

	CHECK(a.text != NULL && b.text != NULL && strcmp(a.text, b.text) == 0,
	      "the same message twice");
	CHECK(a.text != NULL &&
		      strncmp(a.text, "Date: " DATE "\r\nMessage-ID: <" ID "@example.org>\r\n",
			      strlen("Date: " DATE "\r\nMessage-ID: <" ID "@example.org>\r\n")) ==
			      0,
	      "Date and Message-ID as given");
	free(a.text);
	free(b.text);
}

/* Composes a notice (SPEC 15) to bob: NOTICE as the body, SUBJECT its subject. */
static struct composed
compose_notice(const char *notice, const char *subject)
{
	char url[] = "smtp://127.0.0.1:25", code_subject[] = "Your verification code";
	char from[] = "Security info <noreply@example.org>", issuer[] = "Example Org";
	struct secinfo_conf conf = {.smtp_url = url,
				    .email_from = from,
				    .email_subject = code_subject,
				    .issuer = issuer,
				    .code_lifetime = 300};
	struct secinfo_delivery_request request = {.channel = SECINFO_CHANNEL_EMAIL,
						   .to = "bob@example.net",
						   .user = "bob",
						   .notice = notice,
						   .subject = subject};
	struct secinfo_delivery_result result = {0};
	struct secinfo_smtp_mail mail = {0};
	struct composed out = {0};

	out.rc = secinfo_smtp_check(&conf, &request, &mail, &result);
	if (out.rc == 0)
		out.rc = secinfo_smtp_compose(&conf, &request, &mail, DATE, ID, &result);
	if (out.rc == 0)
		out.text = strdup(secinfo_buf_text(&mail.message));
	snprintf(out.detail, sizeof(out.detail), "%s", result.detail);
	secinfo_buf_free(&mail.message);
	return out;
}

/* A notice: its own subject, its lines with CRLF, no code and no expiry line; a notice with a
 * control character or without a subject is refused before any connection. */
static void
test_notice(void)
{
	struct composed c = compose_notice("Hello bob,\n\nA method was added.\n\nIf this was "
					   "not you, contact your administrator.",
					   "Security info changed");
	char long_line[1200];

	CHECK_INT(c.rc, 0, "a notice is composed");
	CHECK(c.text != NULL && strstr(c.text, "\r\nSubject: Security info changed\r\n") != NULL,
	      "the notice's subject, not [email] subject");
	CHECK(c.text != NULL && strstr(c.text, "\r\n\r\nHello bob,\r\n\r\nA method was added."
					       "\r\n\r\nIf this was not you, contact your "
					       "administrator.\r\n") != NULL,
	      "the body is the notice, lines ending in CRLF");
	CHECK(c.text != NULL && strstr(c.text, "expires") == NULL &&
		      strstr(c.text, "verification code") == NULL,
	      "no code lines in a notice");
	free(c.text);
	c = compose_notice("A method was added.\001", "Security info changed");
	CHECK_INT(c.rc, SECINFO_ERR_INVALID, "a control character in a notice is refused");
	free(c.text);
	c = compose_notice("A method was added.\r\nBcc: eve@example.org", "Security info changed");
	CHECK_INT(c.rc, SECINFO_ERR_INVALID, "a CR in a notice is refused");
	free(c.text);
	c = compose_notice("A method was added.", NULL);
	CHECK_INT(c.rc, SECINFO_ERR_INVALID, "a notice without a subject is refused");
	free(c.text);
	c = compose_notice("A method was added.", "Changed\r\nBcc: eve@example.org");
	CHECK_INT(c.rc, SECINFO_ERR_INVALID, "a subject with a line break is refused");
	free(c.text);
	memset(long_line, 'a', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = '\0';
	c = compose_notice(long_line, "Security info changed");
	CHECK_INT(c.rc, SECINFO_ERR_INVALID, "a notice longer than a mail line allows is refused");
	free(c.text);
}

int
main(void)
{
	test_notice();
	test_from_too_long_once_quoted();
	test_from_badly_quoted();
	test_empty_message();
	test_deterministic();
	return check_summary();
}
