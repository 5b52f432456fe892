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

#include "clock.h"
#include "crypto.h"
#include "delivery_internal.h"
#include "email.h"
#include "error.h"
#include "smtp_message.h"

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

/* libcurl sends QUIT from curl_easy_cleanup and waits for the answer for up to
 * SERVER_RESPONSE_TIMEOUT, which TIMEOUT_MS does not cover: a server that stalls would make
 * the send last up to twice [email] timeout. The wait gets what is left of the budget, and
 * with less than a second left the socket is shut down so that QUIT fails at once. */
static void
secinfo_smtp_bound_quit(CURL *curl, const struct secinfo_conf *conf, long long started_ms)
{
	long long budget_ms = (conf->email_timeout > 0 ? conf->email_timeout : 10) * 1000LL;
	long long left_ms = budget_ms - (secinfo_now_ms() - started_ms);
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
	long long started_ms = secinfo_now_ms();
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
	char date[64], id[33];
	unsigned char random[16];
	int rc;

	rc = secinfo_smtp_check(conf, request, &mail, result);
	if (rc == 0 && conf->smtp_username != NULL)
		rc = secinfo_delivery_read_secret(conf->smtp_password_file, "email",
						  "password_file", &mail.password, result);
	if (rc == 0) {
		secinfo_random(random, sizeof(random));
		if (sodium_bin2hex(id, sizeof(id), random, sizeof(random)) == NULL) {
			snprintf(result->detail, sizeof(result->detail),
				 "cannot make the message's Message-ID");
			rc = SECINFO_ERR_CRYPTO;
		}
	}
	if (rc == 0) {
		secinfo_smtp_date(time(NULL), date, sizeof(date));
		rc = secinfo_smtp_compose(conf, request, &mail, date, id, result);
	}
	if (rc == 0)
		rc = secinfo_smtp_perform(conf, &mail, request->code, result);
	secinfo_delivery_redact_one(result->detail, strlen(result->detail), request->code);
	secinfo_delivery_redact_one(result->detail, strlen(result->detail), mail.password);
	secinfo_secret_free(mail.password);
	secinfo_buf_free(&mail.message);
	return rc;
}
