#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "delivery_internal.h"
#include "email.h"
#include "error.h"
#include "smtp_message.h"

/* Returns 1 when TEXT is valid UTF-8 without control characters. */
static int
secinfo_smtp_utf8_ok(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	while (*p != '\0') {
		size_t more = *p < 0x80                  ? 0
			      : *p >= 0xc2 && *p <= 0xdf ? 1
			      : *p >= 0xe0 && *p <= 0xef ? 2
			      : *p >= 0xf0 && *p <= 0xf4 ? 3
							 : 4;
		if (more == 4 || (*p < 0x20 || *p == 0x7f))
			return 0;
		p++;
		for (; more > 0; more--, p++)
			if ((*p & 0xc0) != 0x80)
				return 0;
	}
	return 1;
}

/* Returns 1 when TEXT is all ASCII. */
static int
secinfo_smtp_ascii(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			return 0;
	return 1;
}

/* Appends LEN bytes of UTF-8 TEXT as RFC 2047 encoded-words ("=?UTF-8?B?...?="), folded onto
 * continuation lines and never splitting a character. */
static void
secinfo_smtp_append_encoded(struct secinfo_buf *out, const char *text, size_t len)
{
	char b64[sodium_base64_ENCODED_LEN(SECINFO_SMTP_WORD_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	size_t start = 0, n;

	while (start < len) {
		n = len - start < SECINFO_SMTP_WORD_BYTES ? len - start : SECINFO_SMTP_WORD_BYTES;
		while (start + n < len && ((unsigned char)text[start + n] & 0xc0) == 0x80)
			n--;
		sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)text + start, n,
				  sodium_base64_VARIANT_ORIGINAL);
		if (start > 0)
			secinfo_buf_append_str(out, "\r\n ");
		secinfo_buf_append_str(out, "=?UTF-8?B?");
		secinfo_buf_append_str(out, b64);
		secinfo_buf_append_str(out, "?=");
		start += n;
	}
}

/* Returns 1 when NAME (LEN bytes) is one well-formed quoted-string (RFC 5322 3.2.4): a quote
 * inside is escaped, and the closing quote is not. */
static int
secinfo_smtp_quoted_string(const char *name, size_t len)
{
	size_t i = 1;

	if (len < 2 || name[0] != '"' || name[len - 1] != '"')
		return 0;
	while (i < len - 1) {
		if (name[i] == '"')
			return 0;
		i += name[i] == '\\' ? 2 : 1;
	}
	return i == len - 1;
}

/* Appends the display name of [email] from (LEN bytes): as is when it is plain words or one
 * well-formed quoted-string, quoted when it holds specials (a stray quote too: otherwise a
 * comma after it would start another mailbox), encoded when it is not ASCII. */
static void
secinfo_smtp_append_display(struct secinfo_buf *out, const char *name, size_t len)
{
	if (!secinfo_smtp_ascii(name, len)) {
		secinfo_smtp_append_encoded(out, name, len);
	} else if (secinfo_smtp_quoted_string(name, len) ||
		   strcspn(name, "()<>[]:;@\\,.\"") >= len) {
		secinfo_buf_append(out, name, len);
	} else {
		secinfo_buf_append_str(out, "\"");
		for (size_t i = 0; i < len; i++) {
			if (name[i] == '"' || name[i] == '\\')
				secinfo_buf_append_str(out, "\\");
			secinfo_buf_append(out, name + i, 1);
		}
		secinfo_buf_append_str(out, "\"");
	}
}

/* Appends the From: header of MAIL, without its CRLF. */
static void
secinfo_smtp_append_from(struct secinfo_buf *out, const struct secinfo_smtp_mail *mail)
{
	secinfo_buf_append_str(out, "From: ");
	if (mail->name_len > 0) {
		secinfo_smtp_append_display(out, mail->name, mail->name_len);
		secinfo_buf_append_str(out, " ");
	}
	secinfo_buf_append_str(out, mail->from);
}

/* Returns the length of the longest line of TEXT (LEN bytes, lines ending in CRLF), without
 * its CRLF. */
static size_t
secinfo_smtp_longest_line(const char *text, size_t len)
{
	size_t longest = 0, start = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i < len && !(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n'))
			continue;
		if (i - start > longest)
			longest = i - start;
		start = i + 2;
		i++;
	}
	return longest;
}

/* Refuses a From: header with a line longer than RFC 5322 allows: quoting doubles every quote
 * and backslash of the display name, so one line of [email] from that fits can become one that
 * does not. Refused rather than cut or folded: a display name that long is a mistake, and a
 * quoted-string without spaces cannot be folded. Returns 0, SECINFO_ERR_CONFIG with
 * RESULT->detail, or SECINFO_ERR_NOMEM. */
static int
secinfo_smtp_from_fits(const struct secinfo_smtp_mail *mail, struct secinfo_delivery_result *result)
{
	struct secinfo_buf from = {0};
	size_t longest;
	int rc = 0;

	secinfo_smtp_append_from(&from, mail);
	longest = secinfo_smtp_longest_line(secinfo_buf_text(&from), from.len);
	if (from.failed) {
		rc = SECINFO_ERR_NOMEM;
	} else if (longest > SECINFO_SMTP_RFC_LINE_MAX) {
		snprintf(
			result->detail, sizeof(result->detail),
			"[email] from makes a From: header line of %zu characters once its display "
			"name is quoted; RFC 5322 allows %d: shorten the display name",
			longest, SECINFO_SMTP_RFC_LINE_MAX);
		rc = SECINFO_ERR_CONFIG;
	}
	secinfo_buf_free(&from);
	return rc;
}

/* Splits [email] from ("Name <user@example.org>" or "user@example.org") into its display name
 * (*NAME, *NAME_LEN; empty when none) and its checked addr-spec ADDR.
 * Returns 0 or SECINFO_ERR_CONFIG. */
static int
secinfo_smtp_from_parse(const char *from, const char **name, size_t *name_len,
			char addr[SECINFO_EMAIL_MAX + 1])
{
	size_t len = strlen(from);
	const char *open, *why = NULL;
	char spec[SECINFO_EMAIL_MAX + 1];

	*name = from;
	*name_len = 0;
	while (len > 0 && from[len - 1] == ' ')
		len--;
	if (len > 0 && from[len - 1] == '>') {
		open = memrchr(from, '<', len);
		if (open == NULL || (size_t)(from + len - 1 - open - 1) > SECINFO_EMAIL_MAX)
			return SECINFO_ERR_CONFIG;
		snprintf(spec, sizeof(spec), "%.*s", (int)(from + len - 1 - open - 1), open + 1);
		*name_len = (size_t)(open - from);
		while (*name_len > 0 && from[*name_len - 1] == ' ')
			(*name_len)--;
		while (*name_len > 0 && **name == ' ') {
			(*name)++;
			(*name_len)--;
		}
	} else if (len > SECINFO_EMAIL_MAX) {
		return SECINFO_ERR_CONFIG;
	} else {
		snprintf(spec, sizeof(spec), "%.*s", (int)len, from);
	}
	/* No blocked_domains for the sender: that rule is about the users' addresses. */
	return secinfo_email_normalize(NULL, spec, addr, &why) == 0 ? 0 : SECINFO_ERR_CONFIG;
}

void
secinfo_smtp_date(time_t now, char *out, size_t size)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL || tm.tm_wday < 0 || tm.tm_wday > 6 || tm.tm_mon < 0 ||
	    tm.tm_mon > 11) {
		snprintf(out, size, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Writes "This code expires in N minutes." for [codes] lifetime into OUT. */
static void
secinfo_smtp_expiry(const struct secinfo_conf *conf, char *out, size_t size)
{
	long s = conf->code_lifetime > 0 ? conf->code_lifetime : 300;
	long n = s % 3600 == 0 ? s / 3600 : s % 60 == 0 ? s / 60 : s;
	const char *unit = s % 3600 == 0 ? "hour" : s % 60 == 0 ? "minute" : "second";

	snprintf(out, size, "This code expires in %ld %s%s.", n, unit, n == 1 ? "" : "s");
}

/* Returns 1 when NOTICE is lines ("\n" between them) each of UTF-8 text without control
 * characters and at most SECINFO_SMTP_LINE_MAX bytes, and not too long in all. */
static int
secinfo_smtp_notice_ok(const char *notice)
{
	char line[SECINFO_SMTP_LINE_MAX + 1];

	if (notice[0] == '\0' || strlen(notice) > SECINFO_DELIVERY_NOTICE_MAX)
		return 0;
	for (const char *p = notice; *p != '\0';) {
		size_t len = strcspn(p, "\n");
		if (len > SECINFO_SMTP_LINE_MAX)
			return 0;
		memcpy(line, p, len);
		line[len] = '\0';
		if (!secinfo_smtp_utf8_ok(line))
			return 0;
		p += len;
		if (*p == '\n')
			p++;
	}
	return 1;
}

/* Appends NOTICE (checked by secinfo_smtp_notice_ok) as the body, with CRLF line ends. */
static void
secinfo_smtp_append_notice(struct secinfo_buf *m, const char *notice)
{
	for (const char *p = notice; *p != '\0';) {
		size_t len = strcspn(p, "\n");
		secinfo_buf_append(m, p, len);
		secinfo_buf_append_str(m, "\r\n");
		p += len;
		if (*p == '\n')
			p++;
	}
}

int
secinfo_smtp_compose(const struct secinfo_conf *conf,
		     const struct secinfo_delivery_request *request, struct secinfo_smtp_mail *mail,
		     const char *date, const char *id, struct secinfo_delivery_result *result)
{
	struct secinfo_buf *m = &mail->message, text = {0};
	const char *subject = request->notice != NULL       ? request->subject
			      : conf->email_subject != NULL ? conf->email_subject
							    : "Your verification code";
	char expiry[64];
	int rc;

	if (request->notice != NULL)
		; /* the body is the notice, checked by secinfo_smtp_check */
	else if ((rc = secinfo_delivery_message(conf, request, request->code, &text, result)) != 0)
		goto out;
	if (text.failed || text.len > SECINFO_SMTP_LINE_MAX) {
		rc = text.failed ? SECINFO_ERR_NOMEM : SECINFO_ERR_CONFIG;
		snprintf(result->detail, sizeof(result->detail), "[codes] message is too long");
		goto out;
	}
	secinfo_smtp_expiry(conf, expiry, sizeof(expiry));

	secinfo_buf_append_str(m, "Date: ");
	secinfo_buf_append_str(m, date);
	secinfo_buf_append_str(m, "\r\nMessage-ID: <");
	secinfo_buf_append_str(m, id);
	secinfo_buf_append_str(m, "@");
	secinfo_buf_append_str(m, mail->from_host);
	secinfo_buf_append_str(m, ">\r\n");
	secinfo_smtp_append_from(m, mail);
	secinfo_buf_append_str(m, "\r\nTo: ");
	secinfo_buf_append(m, mail->to + 1, strlen(mail->to) - 2);
	secinfo_buf_append_str(m, "\r\nSubject: ");
	if (secinfo_smtp_ascii(subject, strlen(subject)))
		secinfo_buf_append_str(m, subject);
	else
		secinfo_smtp_append_encoded(m, subject, strlen(subject));
	secinfo_buf_append_str(m, "\r\nMIME-Version: 1.0\r\n"
				  "Content-Type: text/plain; charset=UTF-8\r\n"
				  "Content-Transfer-Encoding: 8bit\r\n"
				  "Auto-Submitted: auto-generated\r\n\r\n");
	if (request->notice != NULL) {
		secinfo_smtp_append_notice(m, request->notice);
	} else {
		secinfo_buf_append(m, text.data, text.len);
		secinfo_buf_append_str(m, "\r\n\r\n");
		secinfo_buf_append_str(m, expiry);
		secinfo_buf_append_str(
			m, " If you did not ask for it, you can ignore this message.\r\n");
	}
	rc = m->failed ? SECINFO_ERR_NOMEM : 0;
out:
	secinfo_buf_free(&text);
	return rc;
}

int
secinfo_smtp_check(const struct secinfo_conf *conf, const struct secinfo_delivery_request *request,
		   struct secinfo_smtp_mail *mail, struct secinfo_delivery_result *result)
{
	size_t code_len = request->code != NULL ? strlen(request->code) : 0;
	char addr[SECINFO_EMAIL_MAX + 1];
	const char *why = NULL;
	int rc;

	if (request->notice != NULL) {
		if (request->code != NULL || !secinfo_smtp_notice_ok(request->notice) ||
		    request->subject == NULL || request->subject[0] == '\0' ||
		    !secinfo_smtp_utf8_ok(request->subject) ||
		    strlen(request->subject) > SECINFO_SMTP_LINE_MAX) {
			snprintf(result->detail, sizeof(result->detail),
				 "refused: a notice needs a subject and lines of UTF-8 text "
				 "without control characters");
			return SECINFO_ERR_INVALID;
		}
	} else if (code_len == 0 || code_len > 16 ||
		   strspn(request->code, "0123456789") != code_len) {
		snprintf(result->detail, sizeof(result->detail),
			 "refused: the code must be digits");
		return SECINFO_ERR_INVALID;
	}
	if (request->to == NULL || secinfo_email_normalize(NULL, request->to, addr, &why) != 0) {
		snprintf(result->detail, sizeof(result->detail),
			 "refused: not a valid e-mail address: %.150s",
			 why != NULL ? why : "no address");
		return SECINFO_ERR_INVALID;
	}
	snprintf(mail->to, sizeof(mail->to), "<%s>", addr);
	if (conf->smtp_url == NULL || (strncasecmp(conf->smtp_url, "smtp://", 7) != 0 &&
				       strncasecmp(conf->smtp_url, "smtps://", 8) != 0)) {
		snprintf(result->detail, sizeof(result->detail),
			 "[email] smtp_url must start with smtp:// or smtps://");
		return SECINFO_ERR_CONFIG;
	}
	if (conf->email_from == NULL || !secinfo_smtp_utf8_ok(conf->email_from) ||
	    strlen(conf->email_from) > SECINFO_SMTP_LINE_MAX ||
	    secinfo_smtp_from_parse(conf->email_from, &mail->name, &mail->name_len, addr) != 0) {
		snprintf(result->detail, sizeof(result->detail),
			 "[email] from must be one line with an address, such as "
			 "Security info <noreply@example.org>");
		return SECINFO_ERR_CONFIG;
	}
	snprintf(mail->from, sizeof(mail->from), "<%s>", addr);
	snprintf(mail->from_host, sizeof(mail->from_host), "%s", strchr(addr, '@') + 1);
	if ((rc = secinfo_smtp_from_fits(mail, result)) != 0)
		return rc;
	if (conf->email_subject != NULL && (!secinfo_smtp_utf8_ok(conf->email_subject) ||
					    strlen(conf->email_subject) > SECINFO_SMTP_LINE_MAX)) {
		snprintf(result->detail, sizeof(result->detail),
			 "[email] subject must be one line of UTF-8 text without control "
			 "characters");
		return SECINFO_ERR_CONFIG;
	}
	if (conf->smtp_username != NULL && conf->smtp_password_file == NULL) {
		snprintf(result->detail, sizeof(result->detail),
			 "[email] username needs password_file");
		return SECINFO_ERR_CONFIG;
	}
	return 0;
}
