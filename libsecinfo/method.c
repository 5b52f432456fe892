#include "config.h"

#include <string.h>

#include "crypto.h"
#include "error.h"
#include "method.h"
#include "otp.h"

/* Kinds without operations are registered and listed but not yet challenged by this version:
 * their delivery comes with later releases, and until then they are never offered. */
static const struct secinfo_method_ops *const secinfo_method_table[SECINFO_KIND_COUNT] = {
	[SECINFO_KIND_APP] = &secinfo_method_app,
	[SECINFO_KIND_SMS] = &secinfo_method_sms,
	[SECINFO_KIND_CALL] = &secinfo_method_call,
	[SECINFO_KIND_EMAIL] = &secinfo_method_email,
	[SECINFO_KIND_QUESTIONS] = &secinfo_method_questions,
};

const struct secinfo_method_ops *
secinfo_method_ops(enum secinfo_kind kind)
{
	return (unsigned)kind < SECINFO_KIND_COUNT ? secinfo_method_table[kind] : NULL;
}

unsigned
secinfo_method_usable_kinds(const struct secinfo_conf *conf, unsigned args_kinds,
			    enum secinfo_purpose purpose)
{
	unsigned mask = 0;

	for (int k = 0; k < SECINFO_KIND_COUNT; k++)
		if ((conf->methods & args_kinds & SECINFO_KIND_BIT(k)) &&
		    (secinfo_kind_purposes((enum secinfo_kind)k) & purpose) &&
		    secinfo_method_table[k] != NULL)
			mask |= SECINFO_KIND_BIT(k);
	return mask;
}

int
secinfo_method_decoy(struct secinfo_method *m, const struct secinfo_conf *conf)
{
	memset(m, 0, sizeof(*m));
	m->kind = SECINFO_KIND_APP;
	m->secret = secinfo_secret_alloc(SECINFO_OTP_SECRET_BYTES);
	if (m->secret == NULL)
		return SECINFO_ERR_NOMEM;
	secinfo_random(m->secret, SECINFO_OTP_SECRET_BYTES);
	m->secret_len = SECINFO_OTP_SECRET_BYTES;
	m->otp.algorithm = conf->app_algorithm;
	m->otp.digits = conf->app_digits;
	m->otp.period = conf->app_period;
	m->counter = -1;
	return 0;
}

void
secinfo_method_decoy_clear(struct secinfo_method *m)
{
	secinfo_secret_free(m->secret);
	memset(m, 0, sizeof(*m));
}
