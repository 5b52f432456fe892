/* The methods whose proof is a one-time code we send: sms and call through the [sms] or [call]
 * gateway, email over SMTP ([email]). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "code.h"
#include "crypto.h"
#include "delivery.h"
#include "error.h"
#include "method.h"
#include "email.h"
#include "phone.h"

/* Where a code of M's kind goes, masked for the user's eyes. */
static void
secinfo_code_where(const struct secinfo_method *m, char *out, size_t size)
{
	const char *detail = m->detail != NULL ? m->detail : "";

	if (m->kind == SECINFO_KIND_EMAIL)
		secinfo_email_mask(detail, out, (unsigned)size);
	else
		secinfo_phone_mask(detail, out, (unsigned)size);
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
secinfo_code_describe(const struct secinfo_method *m, char *out, size_t size)
{
	char masked[SECINFO_EMAIL_MAX + 1];

	secinfo_code_where(m, masked, sizeof(masked));
	snprintf(out, size, "%s to %.200s",
		 m->kind == SECINFO_KIND_CALL ? "phone call" : secinfo_code_what(m->kind), masked);
}

static int
secinfo_code_challenge(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		       char *info, size_t info_size)
{
	const char *what = secinfo_code_what(m->kind);
	struct secinfo_delivery_request request = {m->kind, m->detail, NULL, ctx->user};
	char code[SECINFO_CODE_MAX + 1], masked[SECINFO_EMAIL_MAX + 1];
	int rc;

	if (ctx->store == NULL || ctx->send == NULL || m->detail == NULL)
		return SECINFO_ERR_INTERNAL;
	secinfo_code_where(m, masked, sizeof(masked));
	/* Reserved before anything leaves: a refused send still counts, so the limit holds. */
	rc = secinfo_store_send_reserve(ctx->store, ctx->user_id, secinfo_kind_name(m->kind),
					ctx->now, ctx->conf->max_sends_per_hour);
	if (rc == SECINFO_ERR_DENIED) {
		snprintf(info, info_size,
			 "No %s was sent: the limit of %u codes per hour is reached; "
			 "type ? to choose another way.",
			 what, ctx->conf->max_sends_per_hour);
		return rc;
	}
	if (rc == 0)
		rc = secinfo_code_generate(ctx->conf->code_length, code);
	/* Stored before it is sent, so it is valid the moment it arrives. */
	if (rc == 0)
		rc = secinfo_store_code_set(ctx->store, m->id, code,
					    ctx->now + ctx->conf->code_lifetime);
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

const struct secinfo_method_ops secinfo_method_sms = {
	.kind = SECINFO_KIND_SMS,
	.prompt = "Verification code: ",
	.sends = "the text message",
	.describe = secinfo_code_describe,
	.challenge = secinfo_code_challenge,
	.verify = secinfo_code_verify,
};

const struct secinfo_method_ops secinfo_method_call = {
	.kind = SECINFO_KIND_CALL,
	.prompt = "Verification code: ",
	.sends = "the call",
	.describe = secinfo_code_describe,
	.challenge = secinfo_code_challenge,
	.verify = secinfo_code_verify,
};

const struct secinfo_method_ops secinfo_method_email = {
	.kind = SECINFO_KIND_EMAIL,
	.prompt = "Verification code: ",
	.sends = "the email",
	.describe = secinfo_code_describe,
	.challenge = secinfo_code_challenge,
	.verify = secinfo_code_verify,
};
