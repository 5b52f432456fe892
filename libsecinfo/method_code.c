/* The methods whose proof is a one-time code we send: sms and call through the [sms] or [call]
 * gateway, email over SMTP ([email]). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "code.h"
#include "crypto.h"
#include "delivery.h"
#include "email.h"
#include "error.h"
#include "escape.h"
#include "method.h"
#include "phone.h"

/* Where a code of M's kind goes, masked for the user's eyes. */
static void
secinfo_code_where(enum secinfo_kind kind, const char *detail, char *out, size_t size)
{
	if (kind == SECINFO_KIND_EMAIL)
		secinfo_email_mask(detail != NULL ? detail : "", out, (unsigned)size);
	else
		secinfo_phone_mask(detail != NULL ? detail : "", out, (unsigned)size);
}

/* How messages name what is sent. */
static const char *
secinfo_code_what(enum secinfo_kind kind)
{
	return kind == SECINFO_KIND_CALL    ? "call"
	       : kind == SECINFO_KIND_EMAIL ? "email"
					    : "text message";
}

static void
secinfo_code_describe(const struct secinfo_method *m, int full, char *out, size_t size)
{
	char masked[SECINFO_EMAIL_MAX + 1];
	const char *detail = m->detail != NULL ? m->detail : "";

	if (full) {
		snprintf(out, size, "%s to %s",
			 m->kind == SECINFO_KIND_CALL    ? "calls"
			 : m->kind == SECINFO_KIND_EMAIL ? "email"
							 : "text messages",
			 detail);
		return;
	}
	secinfo_code_where(m->kind, detail, masked, sizeof(masked));
	snprintf(out, size, "%s to %.200s",
		 m->kind == SECINFO_KIND_CALL ? "phone call" : secinfo_code_what(m->kind), masked);
}

/* [call] default_country falls back to [sms]'s: most sites set it once. */
static int
secinfo_phone_parse(const struct secinfo_conf *conf, unsigned country, const char *text, char *out,
		    size_t size, const char **why, const char **note)
{
	int extension = 0, rc;

	*note = NULL;
	if (size < SECINFO_PHONE_MAX + 1)
		return SECINFO_ERR_INVALID;
	rc = secinfo_phone_normalize(text, country, out, &extension, why);
	if (rc == 0 && extension)
		*note = "the extension was removed: security info does not support phone "
			"extensions";
	return rc;
}

static int
secinfo_sms_parse(const struct secinfo_conf *conf, const char *text, char *out, size_t size,
		  const char **why, const char **note)
{
	return secinfo_phone_parse(conf, conf->sms.default_country, text, out, size, why, note);
}

static int
secinfo_call_parse(const struct secinfo_conf *conf, const char *text, char *out, size_t size,
		   const char **why, const char **note)
{
	unsigned country = conf->call.default_country != 0 ? conf->call.default_country
							   : conf->sms.default_country;

	return secinfo_phone_parse(conf, country, text, out, size, why, note);
}

static int
secinfo_email_parse(const struct secinfo_conf *conf, const char *text, char *out, size_t size,
		    const char **why, const char **note)
{
	*note = NULL;
	if (size < SECINFO_EMAIL_MAX + 1)
		return SECINFO_ERR_INVALID;
	return secinfo_email_normalize(conf, text, out, why);
}

/*
 * Sends a fresh code to TO by KIND and asks for it back (the seeds: a number or address is
 * added only once its owner typed the code). Returns 0, or an error with request->why.
 */
static int
secinfo_code_prove(const struct secinfo_enroll_request *request, enum secinfo_kind kind,
		   const char *to)
{
	const char *what = secinfo_code_what(kind);
	struct secinfo_delivery_request send = {
		secinfo_method_ops(kind)->channel, to, NULL, request->user, NULL, NULL};
	struct secinfo_delivery_result result;
	char code[SECINFO_CODE_MAX + 1], masked[SECINFO_EMAIL_MAX + 1], text[320];
	char *answer = NULL;
	int rc, right;

	memset(&result, 0, sizeof(result));
	if (request->limit_sends) {
		rc = request->store != NULL
			     ? secinfo_store_send_reserve_name(request->store, request->user,
							       secinfo_kind_name(kind), time(NULL),
							       request->conf->max_sends_per_hour)
			     : SECINFO_ERR_INTERNAL;
		if (rc == SECINFO_ERR_DENIED)
			return secinfo_enroll_refuse(
				request, rc,
				"%u codes by %s were sent to you in the last hour, the most "
				"[codes] max_sends_per_hour allows; nothing added (try again "
				"later)",
				request->conf->max_sends_per_hour, what);
		if (rc != 0)
			return secinfo_enroll_refuse(
				request, rc,
				"cannot count the %s against the hourly limit: "
				"%s; nothing added",
				what, secinfo_strerror(rc));
	}
	rc = secinfo_code_generate(request->conf->code_length, code);
	send.code = code;
	if (rc == 0)
		rc = request->send != NULL
			     ? request->send(request->sender, request->conf, &send, &result)
			     : SECINFO_ERR_IO;
	if (rc != 0) {
		secinfo_wipe(code, sizeof(code));
		return secinfo_enroll_refuse(
			request, SECINFO_ERR_IO,
			"could not send the %s to %s: %s; nothing added (check "
			"the gateway with 'secinfo-admin send-test')",
			what, to, result.detail);
	}
	secinfo_code_where(kind, to, masked, sizeof(masked));
	snprintf(text, sizeof(text), "A code was sent by %s to %s.", what, masked);
	rc = request->io->say(request->io->data, text);
	if (rc == 0)
		rc = request->io->ask(request->io->data, 0,
				      "Enter the code you received: ", &answer);
	right = rc == 0 && answer != NULL && strlen(answer) == strlen(code) &&
		secinfo_equal(answer, code, strlen(code));
	secinfo_wipe(code, sizeof(code));
	if (answer != NULL) {
		secinfo_wipe(answer, strlen(answer));
		free(answer);
	}
	if (!right)
		return secinfo_enroll_refuse(request, rc != 0 ? rc : SECINFO_ERR_WRONG,
					     "the code was not right; nothing added (add it again "
					     "to get a new code)");
	return 0;
}

/* Parses the detail, says what the person should know about it, proves it unless told not
 * to, and fills OUT. */
static int
secinfo_code_enroll(const struct secinfo_enroll_request *request, struct secinfo_enrollment *out)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(out->kind);
	char detail[SECINFO_EMAIL_MAX + 1], escaped[300], text[400];
	const char *why = "", *note = NULL;
	int rc;

	rc = ops->parse_detail(request->conf, request->detail != NULL ? request->detail : "",
			       detail, sizeof(detail), &why, &note);
	secinfo_escape_text(request->detail != NULL ? request->detail : "", escaped,
			    sizeof(escaped));
	if (rc == SECINFO_ERR_DENIED)
		return secinfo_enroll_refuse(
			request, rc, "cannot add %s: %s ([email] blocked_domains)", escaped, why);
	if (rc != 0)
		return secinfo_enroll_refuse(
			request, rc, "cannot add the %s '%s': %s",
			out->kind == SECINFO_KIND_EMAIL ? "address" : "phone number", escaped, why);
	if (request->existing != NULL) {
		struct secinfo_enrollment same = {.kind = out->kind, .detail = detail};
		const struct secinfo_method *m = secinfo_user_method(
			request->existing, secinfo_user_method_same(request->existing, &same));
		if (m != NULL)
			rc = secinfo_enroll_refuse(request, SECINFO_ERR_EXISTS,
						   "%s already has %s %s (method id %lld); nothing "
						   "added",
						   request->user, ops->name,
						   m->detail != NULL ? m->detail : detail, m->id);
	}
	if (rc == 0 && note != NULL) {
		snprintf(text, sizeof(text), "Note: %s. The number is %s.", note, detail);
		rc = request->io->say(request->io->data, text);
	}
	if (rc == 0 && !(request->options & SECINFO_ENROLL_NO_VERIFY))
		rc = secinfo_code_prove(request, out->kind, detail);
	if (rc == 0 && (out->detail = strdup(detail)) == NULL)
		rc = secinfo_enroll_refuse(request, SECINFO_ERR_NOMEM, "out of memory");
	secinfo_wipe(detail, sizeof(detail));
	return rc;
}

static int
secinfo_code_challenge(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		       char *info, size_t info_size)
{
	const char *what = secinfo_code_what(m->kind);
	struct secinfo_delivery_request request = {
		secinfo_method_ops(m->kind)->channel, m->detail, NULL, ctx->user, NULL, NULL};
	char code[SECINFO_CODE_MAX + 1], masked[SECINFO_EMAIL_MAX + 1];
	int rc;

	if (ctx->store == NULL || ctx->send == NULL || m->detail == NULL)
		return SECINFO_ERR_INTERNAL;
	secinfo_code_where(m->kind, m->detail, masked, sizeof(masked));
	/* One commit, before anything leaves (the send itself holds no lock): the send is
	 * reserved, so a refused send still counts and the limit holds, and the code is stored,
	 * so it is valid the moment it arrives. */
	rc = secinfo_store_begin(ctx->store);
	if (rc != 0)
		return rc; /* a failed begin opened nothing to roll back */
	rc = secinfo_store_send_reserve(ctx->store, ctx->user_id, secinfo_kind_name(m->kind),
					ctx->now, ctx->conf->max_sends_per_hour);
	if (rc == 0)
		rc = secinfo_code_generate(ctx->conf->code_length, code);
	if (rc == 0)
		rc = secinfo_store_code_set(ctx->store, m->id, code,
					    ctx->now + ctx->conf->code_lifetime);
	if (rc == 0)
		rc = secinfo_store_commit(ctx->store);
	if (rc != 0)
		secinfo_store_rollback(ctx->store);
	if (rc == SECINFO_ERR_DENIED) {
		snprintf(info, info_size,
			 "No %s was sent: the limit of %u codes per hour is reached; "
			 "type ? to choose another way.",
			 what, ctx->conf->max_sends_per_hour);
		return rc;
	}
	if (rc == 0) {
		request.code = code;
		rc = ctx->send(ctx->sender, ctx->conf, &request, ctx->delivery);
		if (rc == 0 && m->kind == SECINFO_KIND_CALL)
			snprintf(info, info_size,
				 "Calling %.200s: answer the call to hear your code.", masked);
		else if (rc == 0)
			snprintf(info, info_size, "A code was sent by %s to %.200s.", what, masked);
		else if (rc == SECINFO_ERR_IO || rc == SECINFO_ERR_CONFIG)
			snprintf(info, info_size,
				 "could not send the %s; type ? to choose "
				 "another way",
				 what);
		if (rc == SECINFO_ERR_CONFIG)
			rc = SECINFO_ERR_IO; /* the user can still choose another way */
	}
	secinfo_wipe(code, sizeof(code));
	return rc;
}

static int
secinfo_code_verify(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		    const char *answer)
{
	if (ctx->store == NULL)
		return SECINFO_ERR_WRONG;
	return secinfo_store_code_check(ctx->store, m->id, answer, ctx->now, ctx->conf->tries);
}

#define SECINFO_CODE_OPS                                                                           \
	.detail_form = SECINFO_DETAIL_TEXT, .enroll_options = SECINFO_ENROLL_NO_VERIFY,            \
	.prompt = "Verification code: ", .wrong = "Wrong code, try again.",                        \
	.describe = secinfo_code_describe, .enroll = secinfo_code_enroll,                          \
	.challenge = secinfo_code_challenge, .verify = secinfo_code_verify

const struct secinfo_method_ops secinfo_method_sms = {
	SECINFO_CODE_OPS,
	.kind = SECINFO_KIND_SMS,
	.name = "sms",
	.purposes = SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET,
	.noun = "text message",
	.detail_word = "PHONE",
	.channel = SECINFO_CHANNEL_SMS,
	.sends = "the text message",
	.parse_detail = secinfo_sms_parse,
};

const struct secinfo_method_ops secinfo_method_call = {
	SECINFO_CODE_OPS,
	.kind = SECINFO_KIND_CALL,
	.name = "call",
	.purposes = SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET,
	.noun = "phone call",
	.detail_word = "PHONE",
	.channel = SECINFO_CHANNEL_CALL,
	.sends = "the call",
	.parse_detail = secinfo_call_parse,
};

/* Email proves a reset only: never a second factor (SPEC 2). */
const struct secinfo_method_ops secinfo_method_email = {
	SECINFO_CODE_OPS,
	.kind = SECINFO_KIND_EMAIL,
	.name = "email",
	.noun = "email",
	.purposes = SECINFO_PURPOSE_RESET,
	.detail_word = "ADDRESS",
	.channel = SECINFO_CHANNEL_EMAIL,
	.sends = "the email",
	.parse_detail = secinfo_email_parse,
};
