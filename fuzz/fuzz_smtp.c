/* Fuzzes the e-mail that carries a code (delivery/smtp_message.c), composed as it would be
 * sent but without a mail server: every line ends in CRLF (no bare CR or LF) and has at most
 * 998 characters (RFC 5322), the header block holds each header once and nothing else (no
 * injected header), Subject and the From display name are ASCII (encoded-words otherwise),
 * the display name is a well-formed phrase, and the same inputs give the same message.
 * Input, NUL-separated: [email] from, [email] subject, [codes] message, [policy] issuer, the
 * recipient, the user, the code; a missing one takes a usual value. */
#include "config.h"

#include "delivery.h"
#include "error.h"
#include "fuzz.h"
#include "http_template.h"
#include "smtp_message.h"

static const char *const fuzz_headers[] = {
	"Date: ",          "Message-ID: ",   "From: ",         "To: ",
	"Subject: ",       "MIME-Version: ", "Content-Type: ", "Content-Transfer-Encoding: ",
	"Auto-Submitted: "};
#define FUZZ_NHEADERS (sizeof(fuzz_headers) / sizeof(fuzz_headers[0]))

/* Returns 1 when TEXT (LEN bytes) is ASCII. */
static int
fuzz_ascii(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			return 0;
	return 1;
}

/* Checks the display name in the unfolded From value NAME (LEN bytes, before " <addr>"):
 * encoded-words, one quoted-string, or words without specials. */
static void
fuzz_smtp_display(const char *name, size_t len)
{
	/* Encoded-words; an ASCII name that merely starts like one is checked as words. */
	if (len >= 12 && strncmp(name, "=?UTF-8?B?", 10) == 0 &&
	    strncmp(name + len - 2, "?=", 2) == 0)
		return;
	if (name[0] == '"') {
		size_t i = 1;
		while (i < len && name[i] != '"')
			i += name[i] == '\\' ? 2 : 1;
		FUZZ_ASSERT(i == len - 1, "the display name is not one quoted-string");
		return;
	}
	for (size_t i = 0; i < len; i++)
		FUZZ_ASSERT(strchr("()<>[]:;@\\,.\"", name[i]) == NULL,
			    "a special character outside quotes in the display name");
}

/* Checks one header FIELD (LEN bytes, continuation lines included, CRLF removed) and counts
 * it in SEEN. */
static void
fuzz_smtp_header(const char *field, size_t len, unsigned *seen)
{
	size_t h = 0;
	char unfolded[4096];
	size_t n = 0;

	while (h < FUZZ_NHEADERS && strncmp(field, fuzz_headers[h], strlen(fuzz_headers[h])) != 0)
		h++;
	FUZZ_ASSERT(h < FUZZ_NHEADERS, "a header line the composer does not write (injected?)");
	seen[h]++;
	for (size_t i = 0; i < len; i++) {
		if (field[i] == '\r' && i + 2 < len && field[i + 1] == '\n' &&
		    field[i + 2] == ' ') {
			i += 1; /* unfold: CRLF goes, the space stays */
			continue;
		}
		FUZZ_ASSERT((unsigned char)field[i] >= 0x20 && field[i] != 0x7f,
			    "a control character in a header");
		if (n < sizeof(unfolded) - 1)
			unfolded[n++] = field[i];
	}
	unfolded[n] = '\0';
	if (h == 4)
		FUZZ_ASSERT(fuzz_ascii(unfolded, n), "Subject is not ASCII");
	if (h == 2) {
		char *addr = strrchr(unfolded, '<');
		FUZZ_ASSERT(addr != NULL && unfolded[n - 1] == '>', "From has no <address>");
		if (addr > unfolded + 6) {
			FUZZ_ASSERT(addr[-1] == ' ', "no space before From's <address>");
			FUZZ_ASSERT(fuzz_ascii(unfolded, (size_t)(addr - unfolded)),
				    "the From display name is not ASCII");
			fuzz_smtp_display(unfolded + 6, (size_t)(addr - 1 - unfolded - 6));
		}
	}
}

/* Checks a composed MESSAGE. */
static void
fuzz_smtp_message(const struct secinfo_buf *message, const char *code)
{
	const char *m = message->data, *end = m + message->len, *body;
	const char *line = m, *field = m;
	unsigned seen[FUZZ_NHEADERS] = {0};

	FUZZ_ASSERT(m != NULL && strlen(m) == message->len, "a NUL byte in the message");
	body = strstr(m, "\r\n\r\n");
	FUZZ_ASSERT(body != NULL, "no empty line after the header block");
	body += 4;
	for (const char *p = m; p < end; p++) {
		FUZZ_ASSERT((*p != '\r' || p[1] == '\n') &&
				    (*p != '\n' || (p > m && p[-1] == '\r')),
			    "a bare CR or LF");
		if (*p != '\n')
			continue;
		FUZZ_ASSERT(p - 1 - line <= SECINFO_SMTP_RFC_LINE_MAX,
			    "a line longer than RFC 5322's 998 characters");
		line = p + 1;
		/* A header field ends where the next line does not start with a space. */
		if (line <= body - 2 && *line != ' ') {
			fuzz_smtp_header(field, (size_t)(p - 1 - field), seen);
			field = line;
		}
	}
	FUZZ_ASSERT(line == end, "the message does not end with CRLF");
	for (size_t h = 0; h < FUZZ_NHEADERS; h++)
		FUZZ_ASSERT(seen[h] == 1, "a header missing or written twice");
	FUZZ_ASSERT(code == NULL || strstr(body, code) != NULL, "the code is not in the body");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields fields;
	struct secinfo_conf conf;
	struct secinfo_delivery_request request = {.channel = SECINFO_CHANNEL_EMAIL};
	struct secinfo_delivery_result result;
	struct secinfo_smtp_mail mail, again;
	char *v[7], url[] = "smtp://127.0.0.1:25";
	char usual[7][48] = {"Security info <noreply@example.org>",
			     "Your verification code",
			     "Your %{issuer} verification code is %{code}",
			     "Example Org",
			     "bob@example.net",
			     "bob",
			     "123456"};
	int rc;

	fuzz_split(data, size, &fields);
	for (size_t i = 0; i < 7; i++)
		v[i] = fuzz_field(&fields, i) != NULL ? fields.field[i] : usual[i];
	/* What comes from secinfo.conf has no line break: the parser refuses CR, and LF ends a
	 * line. */
	for (size_t i = 0; i < 4; i++)
		if (strpbrk(v[i], "\r\n") != NULL)
			goto out;
	memset(&conf, 0, sizeof(conf));
	conf.smtp_url = url;
	conf.email_from = v[0];
	conf.email_subject = v[1];
	conf.code_message = v[2];
	conf.issuer = v[3];
	conf.code_lifetime = 300;
	request.to = v[4];
	request.user = v[5];
	request.code = v[6];

	memset(&mail, 0, sizeof(mail));
	rc = secinfo_smtp_check(&conf, &request, &mail, &result);
	FUZZ_ASSERT(rc == 0 || rc == SECINFO_ERR_INVALID || rc == SECINFO_ERR_CONFIG,
		    "check: an unexpected error code");
	if (rc != 0)
		goto out;
	again = mail;
	rc = secinfo_smtp_compose(&conf, &request, &mail, "Thu, 01 Jan 1970 00:00:00 +0000",
				  "0123456789abcdef0123456789abcdef", &result);
	FUZZ_ASSERT(rc == 0 || rc == SECINFO_ERR_CONFIG, "compose: an unexpected error code");
	if (rc == 0) {
		fuzz_smtp_message(&mail.message,
				  secinfo_template_uses(v[2], "code") ? request.code : NULL);
		FUZZ_ASSERT(secinfo_smtp_compose(
				    &conf, &request, &again, "Thu, 01 Jan 1970 00:00:00 +0000",
				    "0123456789abcdef0123456789abcdef", &result) == 0 &&
				    again.message.len == mail.message.len &&
				    memcmp(again.message.data, mail.message.data,
					   mail.message.len) == 0,
			    "the same inputs gave another message");
		secinfo_buf_free(&again.message);
	}
	secinfo_buf_free(&mail.message);
out:
	fuzz_fields_free(&fields);
	return 0;
}
