/* secinfo delivery internals: each provider prepares a request (delivery/twilio.c,
 * delivery/http_provider.c); delivery/delivery.c sends it with libcurl. */
#ifndef SECINFO_DELIVERY_INTERNAL_H
#define SECINFO_DELIVERY_INTERNAL_H

#include <curl/curl.h>

#include "buf.h"
#include "conf.h"
#include "delivery.h"

/* One HTTP request to a gateway. Owns its buffers and secrets (wiped when cleared). */
struct secinfo_delivery_job {
	const char *section;      /* "sms" or "call", for messages */
	const char *method;       /* "GET", "POST", "PUT" or "PATCH" */
	const char *content_type; /* of the body; NULL for none */
	const char *username;     /* HTTP basic auth user (not a secret), or NULL */
	char *password;           /* HTTP basic auth password (guarded memory), or NULL */
	char *secret;             /* the value of %{secret} (guarded memory), or NULL */
	struct secinfo_buf url, body;
	struct secinfo_buf header; /* one extra "Name: value" line, or empty */
	int has_body;
};

/* Fills JOB for the provider; on failure RESULT->detail says why (never a secret).
 * Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_twilio_prepare(const struct secinfo_conf *conf, const struct secinfo_gateway *gw,
			   const struct secinfo_delivery_request *request,
			   struct secinfo_delivery_job *job,
			   struct secinfo_delivery_result *result);
int secinfo_http_prepare(const struct secinfo_conf *conf, const struct secinfo_gateway *gw,
			 const struct secinfo_delivery_request *request,
			 struct secinfo_delivery_job *job, struct secinfo_delivery_result *result);

/* The longest notice (SPEC 15) a request may carry, in bytes. */
#define SECINFO_DELIVERY_NOTICE_MAX 1000

/* Renders [codes] message for REQUEST with %{code} = CODE_TEXT (the digits, or the digits as
 * spoken) into OUT, unescaped; for a notice, the notice itself. Returns 0 or a negative SECINFO_ERR_* code with RESULT->detail. */
int secinfo_delivery_message(const struct secinfo_conf *conf,
			     const struct secinfo_delivery_request *request, const char *code_text,
			     struct secinfo_buf *out, struct secinfo_delivery_result *result);

/* Reads a credential file (owner root, no access for group or others) into guarded memory
 * without its trailing line break; KEY names the setting for messages ("auth_token_file").
 * Returns 0 or SECINFO_ERR_CONFIG with RESULT->detail (never the file's content). */
int secinfo_delivery_read_secret(const char *path, const char *section, const char *key, char **out,
				 struct secinfo_delivery_result *result);

/* Sends REQUEST (channel SECINFO_CHANNEL_EMAIL, to an address) as an e-mail through [email]
 * smtp_url (delivery/smtp.c); checks everything before connecting. Returns 0 when the mail
 * server accepted the message (250), SECINFO_ERR_INVALID or SECINFO_ERR_CONFIG without a
 * connection, or SECINFO_ERR_IO; RESULT filled in every case (http_status = SMTP reply code). */
int secinfo_smtp_send(const struct secinfo_conf *conf,
		      const struct secinfo_delivery_request *request,
		      struct secinfo_delivery_result *result);

/* Overwrites every occurrence of SECRET (may be NULL) in TEXT (LEN bytes) with '*'. */
void secinfo_delivery_redact_one(char *text, size_t len, const char *secret);

/* Returns 1 when URL starts with http:// or https://. */
int secinfo_delivery_url_ok(const char *url);

/* libcurl's global state, set up without SSLKEYLOGFILE (see delivery.c); reference counted.
 * Returns 0 or SECINFO_ERR_INTERNAL. */
int secinfo_delivery_global_init(void);
void secinfo_delivery_global_cleanup(void);

/* The rules every transfer follows: no proxy from the environment, no signals, TIMEOUT_MS for
 * the whole exchange, TLS 1.2+ verified against CA_FILE or libcurl's built-in default (never
 * a CA from the environment). Returns 0 or SECINFO_ERR_INTERNAL. */
int secinfo_delivery_setopt_safe(CURL *curl, long timeout_ms, const char *ca_file);

#endif
