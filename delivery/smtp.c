/* secinfo delivery: one-time codes by e-mail over SMTP with libcurl (smtp:// with STARTTLS as
 * [email] starttls says, or smtps://), as an RFC 5322 message, under the same transport rules
 * as the HTTP gateways (SPEC §9: no proxy, CA or key-log file from the environment, TLS
 * verified, the whole exchange bounded by [email] timeout). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sys/socket.h>

#include <curl/curl.h>
#include <sodium.h>

#include "crypto.h"
#include "delivery_internal.h"
#include "email.h"
#include "error.h"
#include "http_template.h"

/* The longest header value or body line accepted; RFC 5322 allows 998 octets a line. */
#define SECINFO_SMTP_LINE_MAX 900
/* Bytes of UTF-8 per RFC 2047 encoded-word: 45 become 60 base64 characters, and with
 * "=?UTF-8?B?" and "?=" the word stays within the 75 that RFC 2047 allows. */
#define SECINFO_SMTP_WORD_BYTES 45

/* The message being uploaded and how far libcurl has read it. */
struct secinfo_smtp_upload {
	const struct secinfo_buf *message;
	size_t offset;
};

/* The mail server's reply lines, as libcurl passes them to the header callback. */
struct secinfo_smtp_replies {
	char last[256];    /* the last reply line */
	char refusal[256]; /* the last 4xx or 5xx reply line */
};

/* One e-mail, checked and composed before any connection is made. Owns its secrets. */
struct secinfo_smtp_mail {
	char from[SECINFO_EMAIL_MAX + 3]; /* "<addr-spec of [email] from>", the envelope sender */
	char to[SECINFO_EMAIL_MAX + 3];   /* "<recipient>" */
	char from_host[SECINFO_EMAIL_MAX + 1]; /* the domain of the sender, for Message-ID */
	const char *name;                      /* the display name in [email] from (not copied) */
	size_t name_len;                       /* its length; 0 for none */
	char *password;                        /* guarded memory, or NULL */
	struct secinfo_buf message;            /* holds the code: wiped when freed */
};

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

/* Appends the display name of [email] from (LEN bytes): as is when it is plain words or
 * already quoted, quoted when it holds specials, encoded when it is not ASCII. */
static void
secinfo_smtp_append_display(struct secinfo_buf *out, const char *name, size_t len)
{
	if (!secinfo_smtp_ascii(name, len)) {
		secinfo_smtp_append_encoded(out, name, len);
	} else if ((len >= 2 && name[0] == '"' && name[len - 1] == '"') ||
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

/* Writes the current time in RFC 5322 form (UTC) into OUT: English names whatever the
 * locale of the program that loaded us. */
static void
secinfo_smtp_date(char *out, size_t size)
{
	static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t now = time(NULL);
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

/* Appends the header block and body of the message to MAIL->message.
 * Returns 0, SECINFO_ERR_CONFIG (the [codes] message) or SECINFO_ERR_NOMEM. */
static int
secinfo_smtp_compose(const struct secinfo_conf *conf,
		     const struct secinfo_delivery_request *request, struct secinfo_smtp_mail *mail,
		     struct secinfo_delivery_result *result)
{
	struct secinfo_buf *m = &mail->message, text = {0};
	const char *subject =
		conf->email_subject != NULL ? conf->email_subject : "Your verification code";
	char date[64], id[33], expiry[64];
	unsigned char random[16];
	int rc;

	if ((rc = secinfo_delivery_message(conf, request, request->code, &text, result)) != 0)
		goto out;
	if (text.failed || text.len > SECINFO_SMTP_LINE_MAX) {
		rc = text.failed ? SECINFO_ERR_NOMEM : SECINFO_ERR_CONFIG;
		snprintf(result->detail, sizeof(result->detail), "[codes] message is too long");
		goto out;
	}
	secinfo_random(random, sizeof(random));
	sodium_bin2hex(id, sizeof(id), random, sizeof(random));
	secinfo_smtp_date(date, sizeof(date));
	secinfo_smtp_expiry(conf, expiry, sizeof(expiry));

	secinfo_buf_append_str(m, "Date: ");
	secinfo_buf_append_str(m, date);
	secinfo_buf_append_str(m, "\r\nMessage-ID: <");
	secinfo_buf_append_str(m, id);
	secinfo_buf_append_str(m, "@");
	secinfo_buf_append_str(m, mail->from_host);
	secinfo_buf_append_str(m, ">\r\nFrom: ");
	if (mail->name_len > 0) {
		secinfo_smtp_append_display(m, mail->name, mail->name_len);
		secinfo_buf_append_str(m, " ");
	}
	secinfo_buf_append_str(m, mail->from);
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
	secinfo_buf_append(m, text.data, text.len);
	secinfo_buf_append_str(m, "\r\n\r\n");
	secinfo_buf_append_str(m, expiry);
	secinfo_buf_append_str(m, " If you did not ask for it, you can ignore this message.\r\n");
	rc = m->failed ? SECINFO_ERR_NOMEM : 0;
out:
	secinfo_buf_free(&text);
	return rc;
}

/* Refuses, before any connection, what must not reach the mail server: a URL that is not
 * smtp:// or smtps://, a code that is not digits, a bad recipient, a From without an address,
 * a line break or control character in From or Subject. Fills MAIL->from and MAIL->to.
 * Returns 0, SECINFO_ERR_INVALID (the request) or SECINFO_ERR_CONFIG ([email]). */
static int
secinfo_smtp_check(const struct secinfo_conf *conf, const struct secinfo_delivery_request *request,
		   struct secinfo_smtp_mail *mail, struct secinfo_delivery_result *result)
{
	size_t code_len = request->code != NULL ? strlen(request->code) : 0;
	char addr[SECINFO_EMAIL_MAX + 1];
	const char *why = NULL;

	if (code_len == 0 || code_len > 16 || strspn(request->code, "0123456789") != code_len) {
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

static size_t
secinfo_smtp_read(char *buffer, size_t size, size_t nitems, void *userdata)
{
	struct secinfo_smtp_upload *upload = userdata;
	size_t left = upload->message->len - upload->offset;
	size_t n = size * nitems < left ? size * nitems : left;

	memcpy(buffer, upload->message->data + upload->offset, n);
	upload->offset += n;
	return n;
}

/* Keeps the server's reply lines (libcurl passes SMTP replies to the header callback),
 * printable ASCII only. */
static size_t
secinfo_smtp_reply(char *data, size_t size, size_t nitems, void *userdata)
{
	struct secinfo_smtp_replies *replies = userdata;
	size_t n = size * nitems, len = 0;

	for (size_t i = 0; i < n && len < sizeof(replies->last) - 1; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\r' || c == '\n')
			break;
		replies->last[len++] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	replies->last[len] = '\0';
	if (len >= 3 && (replies->last[0] == '4' || replies->last[0] == '5'))
		memcpy(replies->refusal, replies->last, len + 1);
	return n;
}

/* The transport rules, the envelope and the upload. Returns 0 or SECINFO_ERR_INTERNAL. */
static int
secinfo_smtp_setopt(CURL *curl, const struct secinfo_conf *conf,
		    const struct secinfo_smtp_mail *mail, struct curl_slist *rcpt,
		    struct secinfo_smtp_upload *upload, struct secinfo_smtp_replies *replies,
		    char *errbuf)
{
	long timeout_ms = (conf->email_timeout > 0 ? conf->email_timeout : 10) * 1000L;
	long use_ssl = strncasecmp(conf->smtp_url, "smtps://", 8) == 0 ? (long)CURLUSESSL_ALL
		       : conf->starttls == SECINFO_STARTTLS_OFF        ? (long)CURLUSESSL_NONE
		       : conf->starttls == SECINFO_STARTTLS_OPTIONAL   ? (long)CURLUSESSL_TRY
								       : (long)CURLUSESSL_ALL;
	int bad = secinfo_delivery_setopt_safe(curl, timeout_ms, conf->email_ca_file) != 0;

#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps") != CURLE_OK;
#else
	bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
				(long)(CURLPROTO_SMTP | CURLPROTO_SMTPS)) != CURLE_OK;
#endif
	bad |= curl_easy_setopt(curl, CURLOPT_URL, conf->smtp_url) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout_ms / 1000) !=
	       CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, secinfo_smtp_reply) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_HEADERDATA, replies) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail->from) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_READFUNCTION, secinfo_smtp_read) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_READDATA, upload) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)mail->message.len) !=
	       CURLE_OK;
	if (conf->smtp_username != NULL && mail->password != NULL) {
		bad |= curl_easy_setopt(curl, CURLOPT_USERNAME, conf->smtp_username) != CURLE_OK;
		bad |= curl_easy_setopt(curl, CURLOPT_PASSWORD, mail->password) != CURLE_OK;
	}
	return bad ? SECINFO_ERR_INTERNAL : 0;
}

/* Turns libcurl's outcome into RESULT. Returns 0 when the server accepted the message (250),
 * else SECINFO_ERR_IO. */
static int
secinfo_smtp_outcome(CURLcode code, const struct secinfo_conf *conf,
		     const struct secinfo_smtp_replies *replies, const char *errbuf,
		     struct secinfo_delivery_result *result)
{
	const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
	char *detail = result->detail;
	size_t size = sizeof(result->detail);

	if (code == CURLE_OK && result->http_status == 250) {
		snprintf(detail, size, "mail server accepted the message");
		return 0;
	}
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(detail, size, "timed out after %ld s", conf->email_timeout);
		break;
	case CURLE_COULDNT_CONNECT:
		snprintf(detail, size, "could not connect to the mail server: %.200s", why);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(detail, size, "could not resolve the mail server's host name: %.180s",
			 why);
		break;
	case CURLE_USE_SSL_FAILED:
		snprintf(detail, size, "STARTTLS required but not offered by the mail server");
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(detail, size, "TLS verification failed: %.200s", why);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(detail, size, "TLS handshake failed: %.200s", why);
		break;
	case CURLE_LOGIN_DENIED:
		snprintf(detail, size, "mail server refused the login: %.200s",
			 replies->refusal[0] != '\0' ? replies->refusal : why);
		break;
	default:
		if (replies->refusal[0] != '\0')
			snprintf(detail, size, "mail server refused: %.200s", replies->refusal);
		else if (code == CURLE_OK)
			snprintf(detail, size, "mail server answered %ld", result->http_status);
		else
			snprintf(detail, size, "sending failed: %.200s", why);
		break;
	}
	return SECINFO_ERR_IO;
}

/* Milliseconds on the monotonic clock. */
static long long
secinfo_smtp_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* libcurl sends QUIT from curl_easy_cleanup and waits for the answer for up to
 * SERVER_RESPONSE_TIMEOUT, which TIMEOUT_MS does not cover: a server that stalls would make
 * the send last up to twice [email] timeout. The wait gets what is left of the budget, and
 * with less than a second left the socket is shut down so that QUIT fails at once. */
static void
secinfo_smtp_bound_quit(CURL *curl, const struct secinfo_conf *conf, long long started_ms)
{
	long long budget_ms = (conf->email_timeout > 0 ? conf->email_timeout : 10) * 1000LL;
	long long left_ms = budget_ms - (secinfo_smtp_now_ms() - started_ms);
	curl_socket_t fd = CURL_SOCKET_BAD;

	if (left_ms >= 1000 && curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT,
						(long)(left_ms / 1000)) == CURLE_OK)
		return;
	if (curl_easy_getinfo(curl, CURLINFO_ACTIVESOCKET, &fd) == CURLE_OK &&
	    fd != CURL_SOCKET_BAD)
		(void)shutdown(fd, SHUT_RDWR);
}

/* Sends MAIL; fills RESULT. Returns 0 when accepted, or a negative SECINFO_ERR_* code. */
static int
secinfo_smtp_perform(const struct secinfo_conf *conf, const struct secinfo_smtp_mail *mail,
		     const char *code_digits, struct secinfo_delivery_result *result)
{
	struct secinfo_smtp_upload upload = {.message = &mail->message};
	struct secinfo_smtp_replies replies = {{0}, {0}};
	struct curl_slist *rcpt = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *curl = NULL;
	long long started_ms = secinfo_smtp_now_ms();
	CURLcode code;
	int rc, initialised = 0;

	snprintf(result->detail, sizeof(result->detail), "could not set up libcurl");
	if ((rc = secinfo_delivery_global_init()) != 0)
		goto out;
	initialised = 1;
	rc = SECINFO_ERR_INTERNAL;
	if ((curl = curl_easy_init()) == NULL)
		goto out;
	if ((rcpt = curl_slist_append(NULL, mail->to)) == NULL) {
		rc = SECINFO_ERR_NOMEM;
		goto out;
	}
	if ((rc = secinfo_smtp_setopt(curl, conf, mail, rcpt, &upload, &replies, errbuf)) != 0)
		goto out;
	code = curl_easy_perform(curl);
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->http_status) != CURLE_OK)
		result->http_status = 0;
	secinfo_smtp_bound_quit(curl, conf, started_ms);
	/* The code and the password never leave in a result, even if a server echoes them. */
	for (char *text = errbuf; text != NULL; text = text == errbuf ? replies.last : NULL) {
		secinfo_delivery_redact_one(text, strlen(text), code_digits);
		secinfo_delivery_redact_one(text, strlen(text), mail->password);
	}
	secinfo_delivery_redact_one(replies.refusal, strlen(replies.refusal), code_digits);
	secinfo_delivery_redact_one(replies.refusal, strlen(replies.refusal), mail->password);
	rc = secinfo_smtp_outcome(code, conf, &replies, errbuf, result);
	snprintf(result->response, sizeof(result->response), "%s",
		 rc != 0 && replies.refusal[0] != '\0' ? replies.refusal : replies.last);
out:
	curl_easy_cleanup(curl);
	curl_slist_free_all(rcpt);
	secinfo_wipe(&replies, sizeof(replies));
	secinfo_wipe(errbuf, sizeof(errbuf));
	if (initialised)
		secinfo_delivery_global_cleanup();
	return rc;
}

int
secinfo_smtp_send(const struct secinfo_conf *conf, const struct secinfo_delivery_request *request,
		  struct secinfo_delivery_result *result)
{
	struct secinfo_smtp_mail mail = {.password = NULL};
	int rc;

	rc = secinfo_smtp_check(conf, request, &mail, result);
	if (rc == 0 && conf->smtp_username != NULL)
		rc = secinfo_delivery_read_secret(conf->smtp_password_file, "email",
						  "password_file", &mail.password, result);
	if (rc == 0)
		rc = secinfo_smtp_compose(conf, request, &mail, result);
	if (rc == 0)
		rc = secinfo_smtp_perform(conf, &mail, request->code, result);
	secinfo_delivery_redact_one(result->detail, strlen(result->detail), request->code);
	secinfo_delivery_redact_one(result->detail, strlen(result->detail), mail.password);
	secinfo_secret_free(mail.password);
	secinfo_buf_free(&mail.message);
	return rc;
}
