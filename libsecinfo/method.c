/* secinfo: the table of method kinds, and what every kind shares: usability, the decoy,
 * storing what an enrollment proved. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto.h"
#include "error.h"
#include "method.h"
#include "otp.h"

/* One row per kind, in enum order. A kind whose challenge is NULL is registered and listed
 * but never offered until this version can challenge it. */
static const struct secinfo_method_ops *const secinfo_method_table[SECINFO_KIND_COUNT] = {
	[SECINFO_KIND_APP] = &secinfo_method_app,
	[SECINFO_KIND_SMS] = &secinfo_method_sms,
	[SECINFO_KIND_CALL] = &secinfo_method_call,
	[SECINFO_KIND_KEY] = &secinfo_method_key,
	[SECINFO_KIND_EMAIL] = &secinfo_method_email,
	[SECINFO_KIND_QUESTIONS] = &secinfo_method_questions,
	[SECINFO_KIND_TAP] = &secinfo_method_tap,
};

const struct secinfo_method_ops *
secinfo_method_ops(enum secinfo_kind kind)
{
	return (unsigned)kind < SECINFO_KIND_COUNT ? secinfo_method_table[kind] : NULL;
}

const struct secinfo_method_ops *
secinfo_method_ops_by_name(const char *name)
{
	for (int k = 0; name != NULL && k < SECINFO_KIND_COUNT; k++)
		if (strcmp(name, secinfo_method_table[k]->name) == 0)
			return secinfo_method_table[k];
	return NULL;
}

int
secinfo_method_allowed(const struct secinfo_conf *conf, enum secinfo_kind kind)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	return ops != NULL && (ops->temporary || (conf->methods & SECINFO_KIND_BIT(kind)));
}

unsigned
secinfo_method_usable_for(const struct secinfo_conf *conf, enum secinfo_kind kind)
{
	return secinfo_method_allowed(conf, kind) ? secinfo_kind_purposes(kind) : 0;
}

unsigned
secinfo_method_usable_kinds(const struct secinfo_conf *conf, unsigned args_kinds,
			    enum secinfo_purpose purpose)
{
	unsigned mask = 0;

	for (int k = 0; k < SECINFO_KIND_COUNT; k++)
		if (secinfo_method_allowed(conf, (enum secinfo_kind)k) &&
		    (args_kinds & SECINFO_KIND_BIT(k)) &&
		    (secinfo_method_table[k]->purposes & purpose) &&
		    secinfo_method_table[k]->challenge != NULL)
			mask |= SECINFO_KIND_BIT(k);
	return mask;
}

void
secinfo_method_describe(const struct secinfo_method *m, int full, char *out, size_t size)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(m->kind);

	if (ops == NULL)
		snprintf(out, size, "method of unknown kind");
	else
		ops->describe(m, full, out, size);
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

int
secinfo_enroll_refuse(const struct secinfo_enroll_request *request, int rc, const char *fmt, ...)
{
	va_list ap;

	if (request->why != NULL && request->why_size > 0) {
		va_start(ap, fmt);
		vsnprintf(request->why, request->why_size, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int
secinfo_method_enroll(enum secinfo_kind kind, const struct secinfo_enroll_request *request,
		      struct secinfo_enrollment *out)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->counter = -1;
	if (ops != NULL && ops->temporary)
		return secinfo_enroll_refuse(request, SECINFO_ERR_UNSUPPORTED,
					     "a %s is not added as a method: an administrator "
					     "issues one with 'secinfo-admin %s issue USER'",
					     ops->noun, ops->name);
	if (ops == NULL || ops->enroll == NULL)
		return secinfo_enroll_refuse(request, SECINFO_ERR_UNSUPPORTED,
					     "%s methods are not available in this version",
					     ops != NULL ? ops->name : "such");
	if (request->options & ~ops->enroll_options)
		return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID,
					     "an option was given that %s methods do not take",
					     ops->name);
	return ops->enroll(request, out);
}

void
secinfo_enrollment_clear(struct secinfo_enrollment *e)
{
	if (e == NULL)
		return;
	if (e->detail != NULL) {
		secinfo_wipe(e->detail, strlen(e->detail));
		free(e->detail);
	}
	secinfo_secret_free(e->secret);
	secinfo_wipe(e, sizeof(*e));
}

int
secinfo_user_has_own_2fa(const struct secinfo_user *user)
{
	for (size_t i = 0; user != NULL && i < user->n_methods; i++) {
		enum secinfo_kind kind = user->methods[i].kind;
		if ((secinfo_kind_purposes(kind) & SECINFO_PURPOSE_2FA) &&
		    !secinfo_kind_is_temporary(kind))
			return 1;
	}
	return 0;
}

const struct secinfo_method *
secinfo_user_temporary_method(const struct secinfo_user *user, unsigned kinds)
{
	for (size_t i = 0; user != NULL && i < user->n_methods; i++)
		if (secinfo_kind_is_temporary(user->methods[i].kind) &&
		    (kinds & SECINFO_KIND_BIT(user->methods[i].kind)))
			return &user->methods[i];
	return NULL;
}

long long
secinfo_user_method_find(const struct secinfo_user *user, enum secinfo_kind kind,
			 const char *detail)
{
	for (size_t i = 0; user != NULL && i < user->n_methods; i++) {
		const struct secinfo_method *m = &user->methods[i];
		if (m->kind != kind)
			continue;
		if (detail == NULL || (m->detail != NULL && strcmp(m->detail, detail) == 0))
			return m->id;
		/* One mailbox, however its name is capitalised (local parts are case-blind in
		 * practice; the domain is lower case already). */
		if (kind == SECINFO_KIND_EMAIL && m->detail != NULL &&
		    strcasecmp(m->detail, detail) == 0)
			return m->id;
	}
	return 0;
}

long long
secinfo_user_method_same(const struct secinfo_user *user, const struct secinfo_enrollment *e)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(e->kind);

	if (ops == NULL || user == NULL)
		return 0;
	if (ops->one_per_user)
		return secinfo_user_method_find(user, e->kind, NULL);
	if (e->detail != NULL)
		return secinfo_user_method_find(user, e->kind, e->detail);
	for (size_t i = 0; e->secret != NULL && i < user->n_methods; i++) {
		const struct secinfo_method *m = &user->methods[i];
		if (m->kind == e->kind && m->secret != NULL && m->secret_len == e->secret_len &&
		    secinfo_equal(m->secret, e->secret, e->secret_len))
			return m->id;
	}
	return 0;
}

/* The scan of secinfo_enroll_unique: one user's methods against the enrollment. */
struct secinfo_enroll_scan {
	struct secinfo_store *store;
	const struct secinfo_enrollment *e;
	long long duplicate;
};

static int
secinfo_enroll_scan_user(const char *name, void *data)
{
	struct secinfo_enroll_scan *scan = data;
	const struct secinfo_method_ops *ops = secinfo_method_ops(scan->e->kind);
	struct secinfo_user *user = NULL;
	int rc = secinfo_store_user_get(scan->store, name, &user);

	for (size_t i = 0; rc == 0 && scan->duplicate == 0 && i < user->n_methods; i++) {
		const struct secinfo_method *m = &user->methods[i];
		int same = m->kind == scan->e->kind && m->secret != NULL
				   ? ops->same_secret(m->secret, m->secret_len, scan->e->secret,
						      scan->e->secret_len)
				   : 0;
		if (same < 0)
			rc = same; /* a stored secret that cannot be read: no proof of uniqueness */
		else if (same)
			scan->duplicate = m->id;
	}
	secinfo_user_free(user);
	return rc == SECINFO_ERR_NOT_FOUND ? 0 : rc;
}

/* For a kind whose secret is unique in the store (a key's credential): decrypts every user's
 * methods of the kind and compares, inside the caller's transaction. Returns 0 and *DUPLICATE
 * (0 or the method holding the same secret), or a negative SECINFO_ERR_* code. */
static int
secinfo_enroll_unique(struct secinfo_store *store, const struct secinfo_enrollment *e,
		      long long *duplicate)
{
	struct secinfo_enroll_scan scan = {store, e, 0};
	int rc = secinfo_store_user_names(store, secinfo_enroll_scan_user, &scan);

	*duplicate = scan.duplicate;
	return rc;
}

int
secinfo_enroll_store(struct secinfo_store *store, const char *name,
		     const struct secinfo_enrollment *e, time_t now, long long *id,
		     long long *duplicate)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(e->kind);
	struct secinfo_user *user = NULL;
	int rc;

	*duplicate = 0;
	if (ops == NULL)
		return SECINFO_ERR_INVALID;
	/* Read inside the caller's transaction, so a concurrent add cannot slip in between. */
	rc = secinfo_store_user_get(store, name, &user);
	if (rc == SECINFO_ERR_NOT_FOUND)
		rc = 0;
	if (rc == 0)
		*duplicate = secinfo_user_method_same(user, e);
	if (rc == 0 && *duplicate == 0 && ops->same_secret != NULL && e->secret != NULL)
		rc = secinfo_enroll_unique(store, e, duplicate);
	if (rc == 0 && *duplicate != 0)
		rc = SECINFO_ERR_EXISTS;
	if (rc == 0)
		rc = secinfo_store_method_add(store, name, e->kind, e->detail, e->secret,
					      e->secret_len, ops->has_otp ? &e->otp : NULL, now,
					      id);
	/* The code that proved the app at enrollment cannot be used again to sign in. */
	if (rc == 0 && e->counter >= 0)
		rc = secinfo_store_counter_accept(store, *id, e->counter);
	/* A question retired since it was asked is refused here (NOT_FOUND). */
	for (size_t i = 0; rc == 0 && i < e->n_answers; i++)
		rc = secinfo_store_answer_add(store, *id, e->question_id[i], e->hash[i]);
	secinfo_user_free(user);
	return rc;
}
