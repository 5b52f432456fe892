/*
 * secinfo: the changes a person makes to a user's security info, shared by secinfo-admin
 * (root, for any user) and secinfo (a user, for themselves): add a method, delete one, choose
 * the default. Each change is one transaction that ends with its audit row; nothing of a
 * change that fails remains. The same rules hold for both programs because they come from here.
 */
#ifndef SECINFO_CHANGE_H
#define SECINFO_CHANGE_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "method.h"
#include "store.h"

/* Who makes a change, and with what. */
struct secinfo_change {
	struct secinfo_store *store;
	const struct secinfo_conf *conf;
	time_t now;
	const char *service; /* for the audit row: "secinfo-admin", "secinfo" */
	const char *actor;   /* for the audit row: "root", or NULL for the user themselves */
	/* The person proved only their password (secinfo, [registration] first_method =
	 * password): a method is added only while the user still has no second factor of their
	 * own (secinfo_user_has_own_2fa), checked inside the change's transaction. */
	int first_only;
};

/* Returns 0 when the organisation allows methods of KIND ([policy] methods), else
 * SECINFO_ERR_DENIED. */
int secinfo_change_kind_allowed(const struct secinfo_conf *conf, enum secinfo_kind kind);

/*
 * Verifies a new method of KIND through its enroll operation (a code from the app, a code sent
 * and typed back, the answers): refuses a kind the policy does not allow (SECINFO_ERR_DENIED)
 * and a repeat of one of the user's methods before anything is sent or asked
 * (SECINFO_ERR_EXISTS). REQUEST's store, conf and existing are filled in here. OUT is cleared
 * first and must be cleared after with secinfo_enrollment_clear. Returns 0, or a negative
 * SECINFO_ERR_* code with request->why saying what was wrong and what to do.
 */
int secinfo_change_enroll(const struct secinfo_change *change, enum secinfo_kind kind,
			  struct secinfo_enroll_request *request, struct secinfo_enrollment *out);

/*
 * Stores what an enrollment proved as a new method of USER (the first 2FA-capable one becomes
 * the default), in one transaction with its audit row "method-add". Returns 0 and *id, or
 * SECINFO_ERR_EXISTS with *duplicate (a repeat), SECINFO_ERR_NOT_FOUND (a question was retired
 * meanwhile), or another negative SECINFO_ERR_* code; nothing is stored then.
 */
int secinfo_change_method_add(const struct secinfo_change *change, const char *user,
			      const struct secinfo_enrollment *enrollment, long long *id,
			      long long *duplicate);

/* Deletes method M of USER; when it was the default, the next 2FA-capable method in the order
 * of SPEC 6 becomes the default (or none). One transaction with its audit row "method-delete".
 * Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_change_method_delete(const struct secinfo_change *change, const char *user,
				 const struct secinfo_method *m);

/*
 * After a committed change to user NAME: sends the notice of EVENT (SPEC 15) about method
 * METHOD_ID through SEND when [notify] events lists it, to USER's addresses (NULL: NAME as
 * stored now; a deletion passes the user as before it, so that a removed address is told too).
 * Call it with no transaction open. Returns 0 (sent, or nothing to send), or a negative
 * SECINFO_ERR_* code with WHY; the change stands either way (the audit trail has the notify
 * rows).
 */
int secinfo_change_notify(const struct secinfo_change *change, const char *name,
			  const struct secinfo_user *user, enum secinfo_notify_event event,
			  long long method_id, secinfo_send_fn *send, char *why, size_t why_size);

/* Makes M the default method of USER, in one transaction with its audit row "method-default".
 * Returns 0 (also when M is the default already: nothing is written then), SECINFO_ERR_DENIED
 * when M's kind cannot be a default (email, questions, a temporary pass), or another negative
 * SECINFO_ERR_* code. */
int secinfo_change_default_set(const struct secinfo_change *change, const struct secinfo_user *user,
			       const struct secinfo_method *m);

/*
 * Finds the method WORD names among USER's: a method id, or a kind of which USER has exactly
 * one method. Returns 0 with *m; SECINFO_ERR_NOT_FOUND (no method with that id or kind);
 * SECINFO_ERR_EXISTS (*count methods of that kind: the id must be given); SECINFO_ERR_USAGE
 * (WORD is neither an id nor a kind).
 */
int secinfo_change_method_find(const struct secinfo_user *user, const char *word,
			       struct secinfo_method **m, size_t *count);

/* Writes the ids of USER's methods of KIND into OUT ("3, 5"). */
void secinfo_change_method_ids(const struct secinfo_user *user, enum secinfo_kind kind, char *out,
			       size_t size);

/* Writes M's detail as the user sees it into OUT: the number or address masked
 * ("+1 XXXXXXXX34", "a***@example.net"), a pass's expiry ("expires 2026-12-01T10:00:00Z"),
 * empty for kinds without one (app, key, questions). */
void secinfo_change_detail_masked(const struct secinfo_method *m, char *out, size_t size);

#endif
