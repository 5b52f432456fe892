#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "method.h"
#include "otp.h"

static void
secinfo_app_describe(const struct secinfo_method *m, char *out, size_t size)
{
	char added[16] = "";
	time_t created = (time_t)m->created;
	struct tm tm;

	/* A user may register several apps (phone and tablet): the id and date tell them apart. */
	if (m->created > 0 && gmtime_r(&created, &tm) != NULL)
		strftime(added, sizeof(added), "%Y-%m-%d", &tm);
	snprintf(out, size, "authenticator app #%lld (added %s)", m->id, added);
}

static int
secinfo_app_challenge(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		      char *info, size_t info_size)
{
	return 0; /* the app shows the code; nothing to send */
}

static int
secinfo_app_verify(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		   const char *answer)
{
	unsigned window = ctx->conf->app_window;
	uint64_t first, last, matched = 0;
	int rc;

	if (m->secret == NULL || (!m->otp.hotp && m->otp.period == 0))
		return SECINFO_ERR_CORRUPT;
	if (m->otp.hotp) {
		/* The app may be ahead of us by as many codes as a TOTP window spans. */
		first = (uint64_t)(m->counter + 1);
		last = first + 2u * window;
	} else {
		uint64_t now = secinfo_totp_step(ctx->now, m->otp.period);
		first = now > window ? now - window : 0;
		last = now + window;
	}
	rc = secinfo_otp_find(m->secret, m->secret_len, &m->otp, first, last, answer, &matched);
	if (rc != 0)
		return rc;
	if (ctx->store == NULL)
		return SECINFO_ERR_WRONG; /* decoy: same work, never a success */
	/* An accepted step or counter is never accepted again, even by a concurrent sign-in. */
	return secinfo_store_counter_accept(ctx->store, m->id, (long long)matched);
}

const struct secinfo_method_ops secinfo_method_app = {
	.kind = SECINFO_KIND_APP,
	.prompt = "Verification code: ",
	.describe = secinfo_app_describe,
	.challenge = secinfo_app_challenge,
	.verify = secinfo_app_verify,
};
