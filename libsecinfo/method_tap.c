/* The temporary access pass (SPEC 14): issued by an administrator (secinfo-admin tap issue),
 * typed at the prompt, checked against its keyed hash, used up and expiring. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "crypto.h"
#include "error.h"
#include "method.h"
#include "tap.h"

static void
secinfo_tap_describe(const struct secinfo_method *m, int full, char *out, size_t size)
{
	time_t expires = (time_t)m->expires;
	char when[32] = "?";
	struct tm tm;

	if (gmtime_r(&expires, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* The administrator's detail is what SPEC 14's JSON shows: "expires ISO-8601". */
	if (full)
		snprintf(out, size, "expires %s", when);
	else
		snprintf(out, size, "temporary access pass (expires %s)", when);
}

/* Nothing to send or show: the pass was handed over by the helpdesk. */
static int
secinfo_tap_challenge(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		      char *info, size_t info_size)
{
	if (info_size > 0)
		info[0] = '\0';
	return 0;
}

static int
secinfo_tap_verify(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		   const char *answer)
{
	char pass[SECINFO_TAP_LENGTH + 1];
	int rc;

	if (ctx->store == NULL)
		return SECINFO_ERR_WRONG; /* never a decoy */
	/* Something that cannot be a pass is a wrong answer like any other (it was counted). */
	if (secinfo_tap_normalize(answer, pass) != 0)
		return SECINFO_ERR_WRONG;
	rc = secinfo_store_tap_check(ctx->store, m->id, pass, ctx->now);
	secinfo_wipe(pass, sizeof(pass));
	return rc;
}

const struct secinfo_method_ops secinfo_method_tap = {
	.kind = SECINFO_KIND_TAP,
	.name = "tap",
	.noun = "temporary access pass",
	.purposes = SECINFO_PURPOSE_2FA, /* never a password reset */
	.detail_form = SECINFO_DETAIL_HASH,
	.one_per_user = 1,
	.temporary = 1,
	.channel = -1,
	.prompt = "Temporary access pass: ",
	.wrong = "Wrong temporary access pass, try again.",
	.describe = secinfo_tap_describe,
	.challenge = secinfo_tap_challenge,
	.verify = secinfo_tap_verify,
};
