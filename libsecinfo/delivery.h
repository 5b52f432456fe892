/* secinfo: sending one-time codes by text message and phone call through an HTTP gateway,
 * and by email over SMTP (libcurl). The code lives in delivery/; the PAM module loads it (secinfo-delivery.so, from
 * the module's own directory) only when a code is actually sent, so that a sign-in that
 * sends nothing never loads libcurl. secinfo-admin links it directly. */
#ifndef SECINFO_DELIVERY_H
#define SECINFO_DELIVERY_H

#include <stddef.h>

#include "conf.h"

/* How a code reaches its owner: the channel of the method kind that sends it. */
enum secinfo_channel {
	SECINFO_CHANNEL_SMS,   /* [sms] gateway */
	SECINFO_CHANNEL_CALL,  /* [call] gateway: the code is spoken */
	SECINFO_CHANNEL_EMAIL, /* [email] over SMTP */
};

/* What to send. */
struct secinfo_delivery_request {
	enum secinfo_channel channel;
	const char *to;   /* E.164 ("+14255551234") or an address; blocked_domains is the
				   caller's to check (secinfo_email_normalize with the conf) */
	const char *code; /* the digits; NULL for a notice */
	const char *user; /* for %{user} */
	/* A notice instead of a code (SPEC 15: notifications), by text message or email only:
	 * NOTICE is the whole text ([codes] message is not used; %{message} is the notice and
	 * %{code} is empty in gateway templates), one line for a text message, lines separated
	 * by "\n" for an email; SUBJECT is the email's subject ([email] subject is for codes). */
	const char *notice;
	const char *subject;
};

/* What happened, for the log, the audit trail and secinfo-admin send-test. Never holds the
 * code or the credentials. */
struct secinfo_delivery_result {
	long http_status;   /* the gateway's HTTP status (the last SMTP reply for email), 0: none */
	char detail[256];   /* e.g. "gateway answered 201", "timed out after 10 s" */
	char response[512]; /* the start of the gateway's answer (send-test prints it) */
};

/* The name of the plugin's entry point, looked up with dlsym. */
#define SECINFO_DELIVERY_SYMBOL "secinfo_delivery_send"

/*
 * Sends the code of REQUEST through the gateway that CONF configures for its kind ([sms] or
 * [call]): provider twilio (Messages or Calls API, form-encoded, HTTP basic auth; a call
 * speaks the code digit by digit, twice, with TwiML <Say>) or http (url, method,
 * content_type, body and header templates, each %{...} value escaped for where it lands,
 * CR/LF refused). TLS verified; no proxy, CA or key-log setting from the environment;
 * redirects not followed; the answer capped; the whole exchange bounded by timeout.
 * Returns 0 when the gateway accepted (2xx), or a negative SECINFO_ERR_* code
 * (SECINFO_ERR_IO for no answer, a refusal or a timeout; SECINFO_ERR_CONFIG for a template
 * or credential problem) with RESULT filled in either case.
 */
int secinfo_delivery_send(const struct secinfo_conf *conf,
			  const struct secinfo_delivery_request *request,
			  struct secinfo_delivery_result *result);

#endif
