/* secinfo: notices to a user about changes to their security info (SPEC 15). */
#ifndef SECINFO_NOTIFY_H
#define SECINFO_NOTIFY_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "method.h"
#include "store.h"

/* What happened, for one notice. */
struct secinfo_notice {
	enum secinfo_notify_event event; /* one SECINFO_NOTIFY_* bit */
	time_t when;
	const char *service; /* "secinfo-admin", or the PAM service */
	const char *rhost;   /* the remote host, or NULL or "" for none */
	/* The method concerned (added, deleted, the new default), or NULL: described masked. */
	const struct secinfo_method *method;
	const char *actor; /* who made the change, for the audit rows: NULL the user, "root" */
};

/* Most bytes a composed notice takes (delivery refuses a longer one). */
#define SECINFO_NOTIFY_TEXT_MAX 1000

/* Returns the event's name as in [notify] events ("method-added"), or NULL. */
const char *secinfo_notify_event_name(enum secinfo_notify_event event);

/* Returns the subject of the email that carries EVENT's notice ("Security info changed"). */
const char *secinfo_notify_subject(enum secinfo_notify_event event);

/*
 * Composes NOTICE to USER into OUT: what happened (the method masked, never a secret), when in
 * UTC, from which host (HOST, with the remote host when there is one) and service, and "If
 * this was not you, contact your administrator." For an email (FOR_EMAIL) lines separated by
 * "\n"; for a text message one line. Untrusted parts (user, service, rhost) are escaped.
 * Returns 0, or SECINFO_ERR_INVALID for an event that is not one bit.
 */
int secinfo_notify_compose(const char *user, const struct secinfo_notice *notice, const char *host,
			   int for_email, char *out, size_t size);

/*
 * Tells USER about NOTICE when CONF's [notify] events lists its event: by email to each of
 * USER's email addresses when [policy] methods allows email and [email] is configured, or else
 * by text message to USER's first sms method when sms is allowed and [sms] is configured.
 * Each send goes through SEND (bounded by the channel's timeout) and is audited in STORE (NULL:
 * no rows) as event "notify", method email or sms, result "success" or "failure", each row on
 * its own: call it after the change is committed, with no transaction open. The change is
 * never undone or blocked: the caller only reports a failure.
 * Returns 0 (sent to every address, or nothing to send), or SECINFO_ERR_IO when a send failed
 * (WHY says which and why), or another negative SECINFO_ERR_* code.
 */
int secinfo_notify_send(const struct secinfo_conf *conf, struct secinfo_store *store,
			const struct secinfo_user *user, const struct secinfo_notice *notice,
			secinfo_send_fn *send, void *sender, char *why, size_t why_size);

#endif
