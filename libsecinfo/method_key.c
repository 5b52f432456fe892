/* The FIDO2 security key (SPEC 11). This version registers nothing and challenges nothing: the
 * kind is known (configuration, database) but never offered and cannot be added yet. */
#include "config.h"

#include <stdio.h>

#include "method.h"

static void
secinfo_key_describe(const struct secinfo_method *m, int full, char *out, size_t size)
{
	if (full)
		snprintf(out, size, "the security key");
	else
		snprintf(out, size, "security key #%lld", m->id);
}

const struct secinfo_method_ops secinfo_method_key = {
	.kind = SECINFO_KIND_KEY,
	.name = "key",
	.noun = "security key",
	.purposes = SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET,
	.detail_form = SECINFO_DETAIL_SECRET,
	.channel = -1,
	.prompt = "PIN for your security key: ",
	.wrong = "Wrong PIN, try again.",
	.describe = secinfo_key_describe,
};
