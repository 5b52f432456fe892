/* secinfo: adding, deleting and choosing the default method, for secinfo-admin and secinfo. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "change.h"
#include "email.h"
#include "error.h"
#include "kind.h"
#include "notify.h"
#include "phone.h"

/* The kinds of change, with their audit event. */
enum secinfo_change_event {
	SECINFO_CHANGE_METHOD_ADDED,
	SECINFO_CHANGE_METHOD_DELETED,
	SECINFO_CHANGE_DEFAULT_CHANGED,
};

static const char *const secinfo_change_audit_event[] = {
	[SECINFO_CHANGE_METHOD_ADDED] = "method-add",
	[SECINFO_CHANGE_METHOD_DELETED] = "method-delete",
	[SECINFO_CHANGE_DEFAULT_CHANGED] = "method-default",
};

/*
 * Ends the transaction of a change to USER's method of KIND: when RC (the change's result) is
 * 0, appends the audit row and commits; otherwise, or when that fails, rolls back so nothing of
 * the change remains. Every change ends here, so what follows a successful change (the
 * notification of SPEC 15) has one place. Returns 0 or a negative SECINFO_ERR_* code.
 */
static int
secinfo_change_end(const struct secinfo_change *change, int rc, const char *user,
		   enum secinfo_kind kind, enum secinfo_change_event event)
{
	struct secinfo_audit_entry entry = {
		.time = (long long)change->now,
		.user = user,
		.service = change->service,
		.rhost = "",
		.method = secinfo_kind_name(kind),
		.event = secinfo_change_audit_event[event],
		.result = "success",
		.actor = change->actor,
	};

	if (rc == 0)
		rc = secinfo_store_audit(change->store, &entry);
	if (rc == 0)
		rc = secinfo_store_commit(change->store);
	if (rc != 0) {
		secinfo_store_rollback(change->store);
		return rc;
	}
	/* The change is durable. Its notice (SPEC 15) is sent by the caller with
	 * secinfo_change_notify, after it has said what it did: with no transaction open. */
	return 0;
}

int
secinfo_change_notify(const struct secinfo_change *change, const char *name,
		      const struct secinfo_user *user, enum secinfo_notify_event event,
		      long long method_id, secinfo_send_fn *send, char *why, size_t why_size)
{
	struct secinfo_user *loaded = NULL;
	struct secinfo_notice notice = {.event = event,
					.when = change->now,
					.service = change->service,
					.rhost = "",
					.actor = change->actor};
	int rc;

	if (!(change->conf->notify_events & (unsigned)event))
		return 0;
	if (user == NULL) {
		rc = secinfo_store_user_get(change->store, name, &loaded);
		if (rc != 0) {
			snprintf(why, why_size, "cannot read the user back: %s",
				 secinfo_strerror(rc));
			return rc;
		}
		user = loaded;
	}
	notice.method = secinfo_user_method(user, method_id);
	rc = secinfo_notify_send(change->conf, change->store, user, &notice, send, NULL, why,
				 why_size);
	secinfo_user_free(loaded);
	return rc;
}

int
secinfo_change_kind_allowed(const struct secinfo_conf *conf, enum secinfo_kind kind)
{
	return secinfo_method_allowed(conf, kind) ? 0 : SECINFO_ERR_DENIED;
}

int
secinfo_change_enroll(const struct secinfo_change *change, enum secinfo_kind kind,
		      struct secinfo_enroll_request *request, struct secinfo_enrollment *out)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(kind);
	struct secinfo_user *existing = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	out->counter = -1;
	if (ops == NULL)
		return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID, "no such kind");
	if (ops->temporary)
		return secinfo_enroll_refuse(request, SECINFO_ERR_DENIED,
					     "a %s is issued by an administrator "
					     "('secinfo-admin %s issue'), not added",
					     ops->noun, ops->name);
	if (secinfo_change_kind_allowed(change->conf, kind) != 0)
		return secinfo_enroll_refuse(request, SECINFO_ERR_DENIED,
					     "the organisation does not allow %s methods",
					     ops->name);
	/* Refuse a repeat before a code is sent or asked for (and again when storing). */
	rc = secinfo_store_user_get(change->store, request->user, &existing);
	if (rc != 0 && rc != SECINFO_ERR_NOT_FOUND)
		return secinfo_enroll_refuse(request, rc, "cannot read user '%s': %s",
					     request->user, secinfo_strerror(rc));
	request->store = change->store;
	request->conf = change->conf;
	request->existing = existing;
	rc = secinfo_method_enroll(kind, request, out);
	request->existing = NULL;
	secinfo_user_free(existing);
	return rc;
}

/* Inside the add's transaction: 0 while USER has no second factor of their own, else
 * SECINFO_ERR_DENIED (one was added since the person proved only their password). */
static int
secinfo_change_still_first(const struct secinfo_change *change, const char *user)
{
	struct secinfo_user *now = NULL;
	int rc = secinfo_store_user_get(change->store, user, &now);

	if (rc == SECINFO_ERR_NOT_FOUND)
		return 0;
	if (rc == 0 && secinfo_user_has_own_2fa(now))
		rc = SECINFO_ERR_DENIED;
	secinfo_user_free(now);
	return rc;
}

int
secinfo_change_method_add(const struct secinfo_change *change, const char *user,
			  const struct secinfo_enrollment *e, long long *id, long long *duplicate)
{
	int rc;

	*id = 0;
	*duplicate = 0;
	if (secinfo_kind_is_temporary(e->kind))
		return SECINFO_ERR_DENIED;
	rc = secinfo_change_kind_allowed(change->conf, e->kind);
	if (rc != 0)
		return rc;
	rc = secinfo_store_begin(change->store);
	if (rc != 0)
		return rc; /* a failed begin opened nothing to roll back */
	if (change->first_only)
		rc = secinfo_change_still_first(change, user);
	if (rc == 0)
		rc = secinfo_enroll_store(change->store, user, e, change->now, id, duplicate);
	return secinfo_change_end(change, rc, user, e->kind, SECINFO_CHANGE_METHOD_ADDED);
}

int
secinfo_change_method_delete(const struct secinfo_change *change, const char *user,
			     const struct secinfo_method *m)
{
	int rc;

	rc = secinfo_store_begin(change->store);
	if (rc != 0)
		return rc;
	rc = secinfo_store_method_delete(change->store, user, m->id);
	return secinfo_change_end(change, rc, user, m->kind, SECINFO_CHANGE_METHOD_DELETED);
}

int
secinfo_change_default_set(const struct secinfo_change *change, const struct secinfo_user *user,
			   const struct secinfo_method *m)
{
	int rc;

	if (!secinfo_kind_can_be_default(m->kind))
		return SECINFO_ERR_DENIED;
	if (user->default_method == m->id)
		return 0;
	rc = secinfo_store_begin(change->store);
	if (rc != 0)
		return rc;
	rc = secinfo_store_method_set_default(change->store, user->name, m->id);
	return secinfo_change_end(change, rc, user->name, m->kind, SECINFO_CHANGE_DEFAULT_CHANGED);
}

void
secinfo_change_method_ids(const struct secinfo_user *user, enum secinfo_kind kind, char *out,
			  size_t size)
{
	size_t pos = 0;

	out[0] = '\0';
	for (size_t i = 0; i < user->n_methods && pos < size; i++)
		if (user->methods[i].kind == kind)
			pos += (size_t)snprintf(out + pos, size - pos, "%s%lld", pos ? ", " : "",
						user->methods[i].id);
}

int
secinfo_change_method_find(const struct secinfo_user *user, const char *word,
			   struct secinfo_method **m, size_t *count)
{
	int kind = secinfo_kind_parse(word);
	long long id;

	*m = NULL;
	*count = 0;
	if (kind >= 0) {
		for (size_t i = 0; i < user->n_methods; i++)
			if ((int)user->methods[i].kind == kind && (*count)++ == 0)
				*m = &user->methods[i];
		if (*count == 1)
			return 0;
		*m = NULL;
		return *count == 0 ? SECINFO_ERR_NOT_FOUND : SECINFO_ERR_EXISTS;
	}
	if (secinfo_id_parse(word, &id) != 0)
		return SECINFO_ERR_USAGE;
	*m = secinfo_user_method(user, id);
	return *m != NULL ? 0 : SECINFO_ERR_NOT_FOUND;
}

void
secinfo_change_detail_masked(const struct secinfo_method *m, char *out, size_t size)
{
	out[0] = '\0';
	if (secinfo_kind_is_temporary(m->kind)) {
		secinfo_method_describe(m, 1, out, size); /* "expires ...": nothing secret */
		return;
	}
	if (m->detail == NULL || secinfo_kind_detail_form(m->kind) != SECINFO_DETAIL_TEXT)
		return;
	/* The text details are phone numbers (sms, call) and addresses (email). */
	if (m->kind == SECINFO_KIND_EMAIL)
		secinfo_email_mask(m->detail, out, (unsigned)size);
	else
		secinfo_phone_mask(m->detail, out, (unsigned)size);
}
