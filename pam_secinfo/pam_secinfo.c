/*
 * pam_secinfo: PAM entry points. Each call parses its arguments, reads the configuration,
 * opens the database, acts, and closes everything again (no state survives a call, so
 * nothing survives a fork()).
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "conf.h"
#include "conv.h"
#include "crypto.h"
#include "error.h"
#include "escape.h"
#include "flow.h"
#include "notify.h"
#include "otp.h"
#include "register.h"
#include "store.h"
#include "username.h"

#define SECINFO_EXPORT __attribute__((visibility("default")))

/* Everything one PAM call holds; secinfo_call_end releases it on every path. */
struct secinfo_call {
	pam_handle_t *pamh;
	const char *entry; /* "auth", "account" */
	struct secinfo_args args;
	struct secinfo_conf *conf;
	struct secinfo_store *store;
	struct secinfo_user *user;
	const char *username; /* the canonical name, in name */
	const char *typed;    /* the name as PAM gave it */
	char name[SECINFO_USERNAME_MAX + 1];
	int otp_ready;
	char log_user[128], service[64], rhost[128]; /* escaped, for the log */
};

/* The one place where SECINFO_ERR_* codes become PAM codes. No error becomes PAM_SUCCESS or
 * PAM_IGNORE: those two are returned only on purpose by the entry points. */
static int
secinfo_pam_code(int err, int for_account)
{
	switch (err) {
	case SECINFO_OK: return PAM_SUCCESS;
	case SECINFO_ERR_WRONG:
	case SECINFO_ERR_NOT_ENROLLED:
	case SECINFO_ERR_DENIED: return PAM_AUTH_ERR;
	case SECINFO_ERR_LOCKED: return for_account ? PAM_PERM_DENIED : PAM_MAXTRIES;
	case SECINFO_ERR_CONV: return PAM_CONV_ERR;
	case SECINFO_ERR_NOMEM: return PAM_BUF_ERR;
	default: return PAM_AUTHINFO_UNAVAIL;
	}
}

/* How a verification that cannot go on ends (RC: [policy] tries wrong answers, or locked out),
 * after secinfo_pam_code() gave PAM_RC. Without exhausted=, as SPEC §4.2 says: PAM_AUTH_ERR
 * and PAM_MAXTRIES. sshd asks for the password again after PAM_AUTH_ERR, and sudo after both
 * (its passwd_tries rounds, each with [policy] tries codes): exhausted=maxtries answers
 * PAM_MAXTRIES to both (sshd then ends the connection, login exits), exhausted=abort
 * PAM_ABORT (sudo stops). The decoy of users who are not enrolled ends the same way. */
static int
secinfo_pam_exhausted(pam_handle_t *pamh, const struct secinfo_args *args, int rc, int pam_rc)
{
	if (args->exhausted == SECINFO_EXHAUSTED_SPEC ||
	    (rc != SECINFO_ERR_WRONG && rc != SECINFO_ERR_LOCKED))
		return pam_rc;
	if (rc == SECINFO_ERR_WRONG) /* a lockout has said so already */
		secinfo_conv_say(pamh, 1, "Verification failed: too many wrong answers.");
	return args->exhausted == SECINFO_EXHAUSTED_ABORT ? PAM_ABORT : PAM_MAXTRIES;
}

/* Fills the fields of CALL's audit rows that do not change: user, service and remote host as
 * they are (bound parameters; secinfo-admin audit escapes them when it prints), and the entry
 * point as the event. The log gets them escaped (PAM items are untrusted) in CALL. */
static void
secinfo_call_fields(struct secinfo_call *call, struct secinfo_audit_entry *e)
{
	const void *service = NULL, *rhost = NULL;

	if (pam_get_item(call->pamh, PAM_SERVICE, &service) != PAM_SUCCESS)
		service = NULL;
	if (pam_get_item(call->pamh, PAM_RHOST, &rhost) != PAM_SUCCESS)
		rhost = NULL;
	secinfo_escape(call->username, call->log_user, sizeof(call->log_user));
	secinfo_escape(service, call->service, sizeof(call->service));
	secinfo_escape(rhost, call->rhost, sizeof(call->rhost));
	memset(e, 0, sizeof(*e));
	e->user = call->username != NULL ? call->username : "";
	e->service = service != NULL ? service : "";
	e->rhost = rhost != NULL ? rhost : "";
	e->event = call->entry;
}

/* One syslog line and one audit row per decision; AUDITED: the row was already written in the
 * transaction that decided (a sign-in commits once). */
static void
secinfo_call_record(struct secinfo_call *call, const char *method, const char *result, int audited)
{
	struct secinfo_audit_entry e;
	int prio = strcmp(result, "success") == 0 ? LOG_INFO : LOG_NOTICE;

	secinfo_call_fields(call, &e);
	pam_syslog(call->pamh, prio, "%s user=%s service=%s rhost=%s method=%s result=%s",
		   call->entry, call->log_user, call->service, call->rhost,
		   method[0] ? method : "-", result);
	if (call->store != NULL && !audited) {
		e.time = (long long)time(NULL);
		e.method = method;
		e.result = result;
		if (secinfo_store_audit(call->store, &e) != 0)
			secinfo_audit_lost(call->pamh, &e, "");
	}
}

/*
 * Replaces the user name PAM gave by the one it is enrolled under: refused when it has spaces at
 * an end or control characters (never "not enrolled"), and the name service's own spelling
 * (pw_name) when it knows the name, so that "ALICE" behind a name service that ignores case is
 * alice. Returns 0, or a negative SECINFO_ERR_* code already logged.
 */
static int
secinfo_call_name(struct secinfo_call *call)
{
	char escaped[128];
	int rc = secinfo_username_check(call->username);

	if (rc == 0)
		rc = secinfo_username_canonical(call->username, call->name, sizeof(call->name),
						NULL);
	if (rc == SECINFO_ERR_INVALID) {
		pam_syslog(call->pamh, LOG_NOTICE,
			   "refused the user name '%s': empty, too long, spaces at an end or "
			   "control characters",
			   secinfo_escape(call->username, escaped, sizeof(escaped)));
		return SECINFO_ERR_DENIED;
	}
	if (rc != 0) {
		pam_syslog(call->pamh, LOG_ERR, "cannot look up user '%s' in the name service: %s",
			   secinfo_escape(call->username, escaped, sizeof(escaped)),
			   secinfo_strerror(rc));
		return rc;
	}
	call->typed = call->username;
	call->username = call->name;
	return 0;
}

/*
 * Parses the arguments, gets the user, and opens configuration and database.
 * Returns 0, or a negative SECINFO_ERR_* code already logged.
 */
static int
secinfo_call_begin(struct secinfo_call *call, int argc, const char **argv)
{
	struct secinfo_problems problems = {0};
	const char *bad = NULL;
	char why[512] = "", escaped[128];
	int rc;

	if (secinfo_args_parse(argc, argv, &call->args, &bad) != 0) {
		if (bad != NULL && strcmp(bad, "register") == 0)
			pam_syslog(
				call->pamh, LOG_ERR,
				"the module argument 'register' is only for purpose=2fa: "
				"registration never proves a password reset; remove it from this "
				"PAM stack (denying until then)");
		else
			pam_syslog(call->pamh, LOG_ERR, "unknown or invalid module argument '%s'",
				   secinfo_escape(bad, escaped, sizeof(escaped)));
		return SECINFO_ERR_CONFIG;
	}
	rc = pam_get_user(call->pamh, &call->username, NULL);
	if (rc != PAM_SUCCESS || call->username == NULL || call->username[0] == '\0')
		return rc == PAM_CONV_ERR || rc == PAM_CONV_AGAIN ? SECINFO_ERR_CONV
								  : SECINFO_ERR_DENIED;
	rc = secinfo_call_name(call);
	if (rc != 0)
		return rc;
	if (secinfo_crypto_init() != 0 || secinfo_otp_init() != 0) {
		pam_syslog(call->pamh, LOG_ERR, "cannot initialise libsodium or liboath");
		return SECINFO_ERR_CRYPTO;
	}
	call->otp_ready = 1;
	rc = secinfo_conf_load(call->args.config, &call->conf, &problems);
	for (size_t i = 0; i < problems.count; i++)
		if (problems.is_error[i] || call->args.debug)
			pam_syslog(call->pamh, problems.is_error[i] ? LOG_ERR : LOG_WARNING, "%s",
				   problems.text[i]);
	secinfo_problems_free(&problems);
	if (rc != 0)
		return rc;
	rc = secinfo_store_open(call->conf, 0, &call->store, why, sizeof(why));
	if (rc != 0) {
		pam_syslog(call->pamh, LOG_ERR, "%s (%s)", why, secinfo_strerror(rc));
		return rc;
	}
	rc = secinfo_store_user_get(call->store, call->username, &call->user);
	if (rc == SECINFO_ERR_NOT_FOUND)
		return 0; /* call->user stays NULL */
	if (rc != 0)
		pam_syslog(call->pamh, LOG_ERR, "cannot read the enrollment of this user: %s",
			   secinfo_strerror(rc));
	return rc;
}

static void
secinfo_call_end(struct secinfo_call *call)
{
	secinfo_user_free(call->user);
	secinfo_store_close(call->store);
	secinfo_conf_free(call->conf);
	if (call->otp_ready)
		secinfo_otp_done();
	memset(call, 0, sizeof(*call));
}

/* Before "not enrolled" becomes PAM_IGNORE: the tables themselves, read without their indexes,
 * must agree that CALL's user has no row or no other methods than those loaded (a damaged
 * index must not skip the second factor). Returns 0, or a negative SECINFO_ERR_* code logged. */
static int
secinfo_call_confirm_unenrolled(struct secinfo_call *call)
{
	int rc = secinfo_store_user_confirm(call->store, call->username, call->typed, call->user);
	char user[128];

	if (rc == SECINFO_ERR_EXISTS)
		pam_syslog(
			call->pamh, LOG_ERR,
			"user %s is not enrolled, but another spelling of the name is (as typed, "
			"or in other case): refusing to pass over the second factor; "
			"'secinfo-admin check' lists such enrollments",
			secinfo_escape(call->username, user, sizeof(user)));
	else if (rc == SECINFO_ERR_CORRUPT)
		pam_syslog(call->pamh, LOG_CRIT,
			   "the database is damaged: its indexes disagree with its tables about "
			   "user %s; run 'secinfo-admin check'",
			   secinfo_escape(call->username, user, sizeof(user)));
	else if (rc != 0)
		pam_syslog(call->pamh, LOG_ERR, "cannot confirm that the user is not enrolled: %s",
			   secinfo_strerror(rc));
	return rc;
}

/* The word for the log and the audit trail. */
static const char *
secinfo_result_name(int rc, int enrolled)
{
	switch (rc) {
	case SECINFO_OK: return "success";
	case SECINFO_ERR_WRONG: return enrolled ? "failure" : "not-enrolled";
	case SECINFO_ERR_LOCKED: return "locked";
	case SECINFO_ERR_CONV: return "conversation-failed";
	/* Refused for another reason than a wrong answer: a security key that did not verify
	 * its user where that is required, answered for another credential, or cannot be used
	 * where the user is. */
	case SECINFO_ERR_DENIED: return "denied";
	default: return "error";
	}
}

/* Set when a reset verification succeeded (or was passed over with nullok) in this PAM
 * transaction, so the password stack does not ask a second time. */
#define SECINFO_RESET_DATA "pam_secinfo_reset"
enum { SECINFO_RESET_VERIFIED = 1, SECINFO_RESET_IGNORED = 2 }; /* the data's value */

/* The PAM environment variable that tells the application which kind passed a 2FA
 * verification (secinfo reads it: SPEC 12, 14). Cleared when authentication starts, so that
 * nothing set earlier in the stack or in an earlier run counts. */
#define SECINFO_FACTOR_ENV "SECINFO_FACTOR"

/* Sets SECINFO_FACTOR to KIND. Returns 0, or -1 when libpam cannot store it. */
static int
secinfo_factor_set(pam_handle_t *pamh, const char *kind)
{
	char entry[64];

	if (kind == NULL || kind[0] == '\0' ||
	    (size_t)snprintf(entry, sizeof(entry), SECINFO_FACTOR_ENV "=%s", kind) >= sizeof(entry))
		return -1;
	return pam_putenv(pamh, entry) == PAM_SUCCESS ? 0 : -1;
}

/* Sends USER the notice of EVENT about METHOD (or none) made by ACTOR (NULL: the user), after
 * the change or the decision is committed (SPEC 15). Whatever happens here never changes the
 * result: a failure is logged and audited. */
static void
secinfo_call_notice(struct secinfo_call *call, struct secinfo_flow *flow,
		    enum secinfo_notify_event event, const struct secinfo_user *user,
		    const struct secinfo_method *method, const char *actor)
{
	struct secinfo_notice notice = {.event = event,
					.when = time(NULL),
					.service = flow->audit.service,
					.rhost = flow->audit.rhost,
					.method = method,
					.actor = actor};
	char why[512] = "", escaped[600];

	if (secinfo_notify_send(call->conf, call->store, user, &notice, secinfo_plugin_send,
				&flow->plugin, why, sizeof(why)) != 0)
		pam_syslog(call->pamh, LOG_WARNING, "notice user=%s event=%s result=failure %s",
			   call->log_user, secinfo_notify_event_name(event),
			   secinfo_escape(why, escaped, sizeof(escaped)));
	secinfo_plugin_unload(&flow->plugin);
}

/* After a verification that ended with RC: tells the user of a lock their wrong answers set,
 * or of a reset verification that succeeded. */
static void
secinfo_call_notify(struct secinfo_call *call, struct secinfo_flow *flow, int rc,
		    enum secinfo_purpose purpose)
{
	if (rc == 0 && purpose == SECINFO_PURPOSE_RESET)
		secinfo_call_notice(call, flow, SECINFO_NOTIFY_PASSWORD_RESET, call->user, NULL,
				    NULL);
	else if (rc == SECINFO_ERR_LOCKED && flow->locked_now)
		secinfo_call_notice(call, flow, SECINFO_NOTIFY_LOCKED, call->user, NULL, NULL);
}

/* After a registration that ended with RC: a registered app is a method added (by the module),
 * told to the user's addresses as they are now. */
static void
secinfo_call_notify_registered(struct secinfo_call *call, struct secinfo_flow *flow, int rc)
{
	struct secinfo_user *now = NULL;

	if (rc != 0 || !(call->conf->notify_events & SECINFO_NOTIFY_METHOD_ADDED))
		return;
	if (secinfo_store_user_get(call->store, call->username, &now) != 0) {
		pam_syslog(call->pamh, LOG_WARNING,
			   "notice user=%s event=method-added result=failure cannot read the "
			   "user back",
			   call->log_user);
		return;
	}
	/* The method the registration stored (NULL when it is gone again: the notice then
	 * names no method). */
	secinfo_call_notice(call, flow, SECINFO_NOTIFY_METHOD_ADDED, now,
			    secinfo_user_method(now, flow->registered_id), "pam_secinfo");
	secinfo_user_free(now);
}

/* The result a registration's outcome RC is logged and audited with. */
static const char *
secinfo_register_result(int rc)
{
	return rc == 0                    ? "registered"
	       : rc == SECINFO_ERR_WRONG  ? "registration-failed"
	       : rc == SECINFO_ERR_DENIED ? "registration-refused"
					  : secinfo_result_name(rc, 1);
}

/* SPEC 13: a user with no usable method, offered registration (register.c), adds an app
 * instead of the decoy or nullok. Returns SECINFO_ERR_NOT_ENROLLED when not offered (the
 * sign-in goes on as without register); otherwise the outcome, recorded. */
static int
secinfo_verify_register(struct secinfo_call *call, struct secinfo_flow *flow)
{
	int rc = secinfo_register_offered(flow, call->username);

	if (rc == 0)
		return SECINFO_ERR_NOT_ENROLLED;
	/* As before PAM_IGNORE: the tables must agree that there is no method to pass over. */
	if (rc == 1 && (rc = secinfo_call_confirm_unenrolled(call)) == 0)
		rc = secinfo_register(flow, call->username, 0);
	secinfo_call_record(call, flow->method_name, secinfo_register_result(rc), flow->audited);
	secinfo_call_notify_registered(call, flow, rc);
	return rc;
}

/* Verifies the user of CALL for PURPOSE (SPEC §4.2, §4.3). Returns the PAM code. */
static int
secinfo_verify(struct secinfo_call *call, enum secinfo_purpose purpose)
{
	struct secinfo_flow flow = {0};
	int denied, rc;

	flow.pamh = call->pamh;
	flow.args = &call->args;
	flow.conf = call->conf;
	flow.store = call->store;
	flow.user = call->user;
	flow.purpose = purpose;
	flow.now = time(NULL);
	flow.method_name = "";
	secinfo_call_fields(call, &flow.audit);
	/* [reset] deny_users can never reset this way, enrolled or not, nullok or not. */
	denied = purpose == SECINFO_PURPOSE_RESET &&
		 secinfo_conf_reset_denied(call->conf, call->username);
	flow.audit.result = denied ? "reset-denied" : NULL;
	if (denied) {
		rc = SECINFO_ERR_NOT_ENROLLED;
	} else if (call->user != NULL && call->user->locked_until > (long long)flow.now) {
		secinfo_flow_say_locked(&flow, call->user->locked_until);
		rc = SECINFO_ERR_LOCKED;
	} else {
		rc = secinfo_flow_verify(&flow);
	}
	secinfo_flow_steps_write(&flow);     /* a code sent, then no answer: still audited */
	secinfo_plugin_unload(&flow.plugin); /* loaded only when a code is sent (plugin.c) */
	if (rc == 0 && purpose == SECINFO_PURPOSE_2FA &&
	    (rc = secinfo_register_after_pass(&flow, call->username)) == 1) {
		/* The pass is spent and its success recorded; the registration's outcome is the
		 * sign-in's (SPEC 13: once offered, it is not skipped). */
		flow.audited = 0;
		rc = secinfo_register(&flow, call->username, 1);
		secinfo_call_record(call, flow.method_name, secinfo_register_result(rc),
				    flow.audited);
		/* The factor this sign-in proved is the pass (secinfo reads it: SPEC 12, 14). */
		if (rc == 0 && secinfo_factor_set(call->pamh, secinfo_method_tap.name))
			rc = SECINFO_ERR_NOMEM;
		secinfo_call_notify_registered(call, &flow, rc);
		return secinfo_pam_exhausted(call->pamh, &call->args, rc, secinfo_pam_code(rc, 0));
	}
	if (rc == SECINFO_ERR_NOT_ENROLLED && !denied &&
	    (rc = secinfo_verify_register(call, &flow)) != SECINFO_ERR_NOT_ENROLLED)
		return secinfo_pam_exhausted(call->pamh, &call->args, rc, secinfo_pam_code(rc, 0));
	if (rc == SECINFO_ERR_NOT_ENROLLED && call->args.nullok && !denied &&
	    (rc = secinfo_call_confirm_unenrolled(call)) == 0) {
		secinfo_call_record(call, "", "ignored-not-enrolled", 0);
		if (purpose == SECINFO_PURPOSE_RESET)
			pam_set_data(call->pamh, SECINFO_RESET_DATA,
				     (void *)(uintptr_t)SECINFO_RESET_IGNORED, NULL);
		return PAM_IGNORE;
	}
	if (rc == SECINFO_ERR_NOT_ENROLLED) {
		rc = secinfo_flow_decoy(&flow); /* the same prompts; never a success */
		secinfo_call_record(call, "", denied ? "reset-denied" : secinfo_result_name(rc, 0),
				    flow.audited);
	} else {
		/* A security key's counter that did not grow names itself (SPEC 11). */
		secinfo_call_record(call, flow.method_name,
				    rc != 0 && flow.proof.cloned ? "cloned-key"
								 : secinfo_result_name(rc, 1),
				    flow.audited);
	}
	if (rc == 0 && purpose == SECINFO_PURPOSE_RESET &&
	    pam_set_data(call->pamh, SECINFO_RESET_DATA, (void *)(uintptr_t)SECINFO_RESET_VERIFIED,
			 NULL) != PAM_SUCCESS)
		rc = SECINFO_ERR_NOMEM;
	if (rc == 0 && purpose == SECINFO_PURPOSE_2FA &&
	    secinfo_factor_set(call->pamh, flow.method_name))
		rc = SECINFO_ERR_NOMEM;
	secinfo_call_notify(call, &flow, rc, purpose);
	return secinfo_pam_exhausted(call->pamh, &call->args, rc, secinfo_pam_code(rc, 0));
}

/* Begins a call for ENTRY and verifies the user for PURPOSE (-1: as the arguments say).
 * Returns the PAM code. */
static int
secinfo_entry_verify(pam_handle_t *pamh, const char *entry, int purpose, int argc,
		     const char **argv)
{
	struct secinfo_call call = {.pamh = pamh, .entry = entry};
	int rc, pam_rc;

	rc = secinfo_call_begin(&call, argc, argv);
	if (rc == 0) {
		pam_rc = secinfo_verify(&call, purpose < 0 ? (enum secinfo_purpose)call.args.purpose
							   : (enum secinfo_purpose)purpose);
	} else {
		secinfo_call_record(&call, "", secinfo_result_name(rc, 1), 0);
		pam_rc = secinfo_pam_code(rc, 0);
	}
	secinfo_call_end(&call);
	return pam_rc;
}

SECINFO_EXPORT int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	pam_putenv(pamh, SECINFO_FACTOR_ENV); /* no '=': removes it (none there is fine) */
	return secinfo_entry_verify(pamh, "auth", -1, argc, argv);
}

/*
 * The password stack (SPEC §4.3): PAM_PRELIM_CHECK performs the reset verification unless it
 * already succeeded with purpose=reset in this transaction; PAM_UPDATE_AUTHTOK does nothing
 * but report that outcome, so one password change asks once and sends one code.
 */
SECINFO_EXPORT int
pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	const void *done = NULL;

	if (pam_get_data(pamh, SECINFO_RESET_DATA, &done) != PAM_SUCCESS)
		done = NULL;
	if (flags & PAM_UPDATE_AUTHTOK)
		return (uintptr_t)done == SECINFO_RESET_VERIFIED  ? PAM_SUCCESS
		       : (uintptr_t)done == SECINFO_RESET_IGNORED ? PAM_IGNORE
								  : PAM_AUTH_ERR;
	if (!(flags & PAM_PRELIM_CHECK))
		return PAM_SERVICE_ERR;
	if ((uintptr_t)done == SECINFO_RESET_VERIFIED)
		return PAM_SUCCESS;
	return secinfo_entry_verify(pamh, "password", SECINFO_PURPOSE_RESET, argc, argv);
}

SECINFO_EXPORT int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct secinfo_call call = {.pamh = pamh, .entry = "account"};
	int rc, pam_rc;

	rc = secinfo_call_begin(&call, argc, argv);
	/* The lock first: a locked user is denied even with no method left. */
	if (rc == 0 && call.user != NULL && call.user->locked_until > (long long)time(NULL)) {
		struct secinfo_flow flow = {.pamh = pamh};
		secinfo_flow_say_locked(&flow, call.user->locked_until);
		rc = SECINFO_ERR_LOCKED;
	}
	if (rc == 0 && (call.user == NULL || call.user->n_methods == 0) &&
	    (rc = secinfo_call_confirm_unenrolled(&call)) == 0) {
		secinfo_call_record(&call, "", "ignored-not-enrolled", 0);
		secinfo_call_end(&call);
		return PAM_IGNORE;
	}
	secinfo_call_record(&call, "", secinfo_result_name(rc, 1), 0);
	pam_rc = secinfo_pam_code(rc, 1);
	secinfo_call_end(&call);
	return pam_rc;
}

SECINFO_EXPORT int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS; /* no credentials to establish */
}

SECINFO_EXPORT int
pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS; /* nothing to do for a session; listed so stacks may name us */
}

SECINFO_EXPORT int
pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}
