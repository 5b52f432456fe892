/* secinfo delivery: the e-mail that carries a code (delivery/smtp.c sends it): the checks made
 * before any connection and the RFC 5322 message, composed without a clock, randomness or a
 * network so that tests and fuzzers (fuzz/fuzz_smtp.c) can call it. */
#ifndef SECINFO_DELIVERY_SMTP_MESSAGE_H
#define SECINFO_DELIVERY_SMTP_MESSAGE_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "conf.h"
#include "delivery.h"
#include "email.h"

/* The longest header value or body line accepted; RFC 5322 allows 998 octets a line
 * (SECINFO_SMTP_RFC_LINE_MAX), without its CRLF. */
#define SECINFO_SMTP_LINE_MAX     900
#define SECINFO_SMTP_RFC_LINE_MAX 998
/* Bytes of UTF-8 per RFC 2047 encoded-word: 45 become 60 base64 characters, and with
 * "=?UTF-8?B?" and "?=" the word stays within the 75 that RFC 2047 allows. */
#define SECINFO_SMTP_WORD_BYTES 45

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

/* Refuses, before any connection, what must not reach the mail server: a URL that is not
 * smtp:// or smtps://, a code that is not digits, a bad recipient, a From without an address,
 * a line break or control character in From or Subject, a From: line longer than RFC 5322
 * allows once its display name is quoted. Fills MAIL->from, MAIL->to,
 * MAIL->from_host and the display name. Returns 0, SECINFO_ERR_INVALID (the request) or
 * SECINFO_ERR_CONFIG ([email]), with RESULT->detail. */
int secinfo_smtp_check(const struct secinfo_conf *conf,
		       const struct secinfo_delivery_request *request,
		       struct secinfo_smtp_mail *mail, struct secinfo_delivery_result *result);

/* Appends the header block and body of the message for MAIL (checked by secinfo_smtp_check)
 * to MAIL->message, with DATE in its Date: header and ID as the left part of its Message-ID.
 * The same arguments give the same message. Returns 0, SECINFO_ERR_CONFIG ([codes] message or
 * [email] from) with RESULT->detail, or SECINFO_ERR_NOMEM. */
int secinfo_smtp_compose(const struct secinfo_conf *conf,
			 const struct secinfo_delivery_request *request,
			 struct secinfo_smtp_mail *mail, const char *date, const char *id,
			 struct secinfo_delivery_result *result);

/* Writes NOW in RFC 5322 form (UTC) into OUT: English names whatever the locale. */
void secinfo_smtp_date(time_t now, char *out, size_t size);

#endif
