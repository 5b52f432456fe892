/*
 * pam_secinfo: registration at sign-in (SPEC 13). A user with no usable 2FA method adds an
 * authenticator app through the app method's own enrollment (libsecinfo/method_app.c), whose
 * prompts go through the PAM conversation; only the proven app is stored, after the last
 * prompt, so no write lock is held while a prompt is open.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "error.h"
#include "escape.h"
#include "qr.h"
#include "register.h"
#include "registration.h"

int
secinfo_register_offered(struct secinfo_flow *flow, const char *user)
{
	unsigned usable;
	char escaped[128];
	int rc;

	if (!flow->args->registration || flow->purpose != SECINFO_PURPOSE_2FA ||
	    secinfo_user_has_own_2fa(flow->user))
		return 0;
	usable = secinfo_method_usable_kinds(flow->conf, flow->args->methods, flow->purpose);
	if (!(usable & SECINFO_KIND_BIT(SECINFO_KIND_APP)))
		return 0; /* an app could not be used here afterwards */
	rc = secinfo_registration_offered(flow->conf, user);
	if (rc < 0)
		pam_syslog(flow->pamh, LOG_ERR,
			   "cannot tell whether %s is in [registration] users: the name service "
			   "did not answer (%s)",
			   secinfo_escape(user, escaped, sizeof(escaped)), secinfo_strerror(rc));
	return rc;
}

int
secinfo_register_after_pass(struct secinfo_flow *flow, const char *user)
{
	if (strcmp(flow->method_name, secinfo_method_ops(SECINFO_KIND_TAP)->name) != 0)
		return 0;
	/* A pass that stood in for a method the user still has leads to no registration
	 * (secinfo_register_offered asks). */
	return secinfo_register_offered(flow, user);
}

/* [registration] first_method = tap, and no pass was proven in this sign-in: refuses, saying
 * what to do. Returns SECINFO_ERR_DENIED. */
static int
secinfo_register_pass_missing(struct secinfo_flow *flow)
{
	pam_syslog(flow->pamh, LOG_NOTICE,
		   "registration refused: [registration] first_method = tap, and the user has no "
		   "temporary access pass");
	secinfo_conv_say(flow->pamh, 1,
			 "You have no verification method yet, and adding one at sign-in needs a "
			 "temporary access pass: ask your helpdesk for a temporary access pass.");
	return SECINFO_ERR_DENIED;
}

/* The enrollment's questions: code prompts echo as sign-in codes do (echo_code). */
static int
secinfo_register_ask(void *data, int echo, const char *prompt, char **answer)
{
	struct secinfo_flow *flow = data;

	(void)echo;
	return secinfo_conv_ask(flow->pamh, flow->args->echo_code, prompt, answer);
}

static int
secinfo_register_say(void *data, const char *text)
{
	struct secinfo_flow *flow = data;

	return secinfo_conv_say(flow->pamh, 0, text);
}

/* The QR code as plain UTF-8 text in one message (no colour codes: SSH shows it as it is). */
static int
secinfo_register_show_qr(void *data, const char *uri)
{
	struct secinfo_flow *flow = data;
	char *rendering = NULL;
	int rc = secinfo_qr_render(uri, 0, &rendering);

	if (rc == 0)
		rc = secinfo_conv_say(flow->pamh, 0, rendering);
	secinfo_qr_free(rendering);
	if (rc == SECINFO_ERR_UNSUPPORTED) {
		pam_syslog(flow->pamh, LOG_WARNING,
			   "cannot load %s to draw the QR code of a registration (is libqrencode "
			   "installed?); the key and the URI are shown instead",
			   SECINFO_QRENCODE_SONAME);
		rc = secinfo_conv_say(flow->pamh, 0,
				      "(The QR code cannot be drawn here: enter the key below by "
				      "hand, or open the URI.)");
	}
	return rc;
}

/* Inside the registration's transaction: returns 0 while USER still has no second factor of
 * their own (secinfo_user_has_own_2fa), SECINFO_ERR_DENIED when one was added since the offer,
 * or another error. */
static int
secinfo_register_still_unenrolled(struct secinfo_flow *flow, const char *user)
{
	struct secinfo_user *now = NULL;
	int rc = secinfo_store_user_get(flow->store, user, &now);

	if (rc == SECINFO_ERR_NOT_FOUND)
		return 0;
	if (rc == 0 && secinfo_user_has_own_2fa(now)) {
		pam_syslog(flow->pamh, LOG_NOTICE,
			   "registration refused: a method was added while the user was "
			   "registering");
		rc = SECINFO_ERR_DENIED;
	}
	secinfo_user_free(now);
	return rc;
}

/* Stores the proven app with its audit row and the decision's row, in one transaction.
 * Returns 0 or a negative SECINFO_ERR_* code (nothing stored). */
static int
secinfo_register_store(struct secinfo_flow *flow, const char *user,
		       const struct secinfo_enrollment *e)
{
	struct secinfo_audit_entry added = flow->audit, decision = flow->audit;
	long long id = 0, duplicate = 0;
	int rc;

	flow->now = time(NULL);
	added.time = decision.time = (long long)flow->now;
	added.method = decision.method = "app";
	added.event = "method-add";
	added.result = "success";
	added.actor = "pam_secinfo";
	decision.result = "registered";
	rc = secinfo_store_begin(flow->store);
	if (rc != 0)
		return rc;
	/* The offer was made before the prompts, without a lock: a method that was added
	 * meanwhile (by the user elsewhere, or an administrator) ends the registration, or a
	 * second, unproven app could join a user who has one now. */
	rc = secinfo_register_still_unenrolled(flow, user);
	if (rc == 0)
		rc = secinfo_enroll_store(flow->store, user, e, flow->now, &id, &duplicate);
	if (rc == 0 && (rc = secinfo_store_audit(flow->store, &added)) != 0)
		secinfo_audit_lost(flow->pamh, &added, "; the registration is refused");
	if (rc == 0 && (rc = secinfo_store_audit(flow->store, &decision)) != 0)
		secinfo_audit_lost(flow->pamh, &decision, "; the registration is refused");
	if (rc == 0)
		rc = secinfo_store_commit(flow->store);
	if (rc != 0) {
		secinfo_store_rollback(flow->store);
		return rc == SECINFO_ERR_NOT_FOUND || rc == SECINFO_ERR_EXISTS ? SECINFO_ERR_DB
									       : rc;
	}
	flow->audited = 1;
	flow->registered_id = id;
	return 0;
}

int
secinfo_register(struct secinfo_flow *flow, const char *user, int pass_proven)
{
	struct secinfo_method_io io = {secinfo_register_ask, secinfo_register_say,
				       secinfo_register_show_qr, flow};
	struct secinfo_enrollment e;
	char why[512] = "", escaped[128];
	struct secinfo_enroll_request request = {
		.conf = flow->conf,
		.user = user,
		.io = &io,
		.tries = flow->conf->tries,
		.prompt = secinfo_method_app.prompt,
		.existing = flow->user,
		.why = why,
		.why_size = sizeof(why),
	};
	int rc;

	flow->method_name = "app";
	if (flow->conf->registration_first_method == SECINFO_FIRST_METHOD_TAP && !pass_proven)
		return secinfo_register_pass_missing(flow);
	rc = secinfo_conv_say(flow->pamh, 0,
			      pass_proven ? "Your temporary access pass is accepted. Set up an "
					    "authenticator app now to finish signing in."
					  : "You have no verification method yet. Set up an "
					    "authenticator app now to finish signing in.");
	if (rc == 0)
		rc = secinfo_method_enroll(SECINFO_KIND_APP, &request, &e);
	else
		memset(&e, 0, sizeof(e));
	if (rc == 0)
		rc = secinfo_register_store(flow, user, &e);
	secinfo_enrollment_clear(&e);
	if (rc == 0) {
		/* Stored and audited: a conversation that fails now changes nothing. */
		secinfo_conv_say(flow->pamh, 0,
				 "The authenticator app is registered: sign in with its codes from "
				 "now on.");
		return 0;
	}
	if (rc == SECINFO_ERR_WRONG)
		secinfo_conv_say(flow->pamh, 1,
				 "Registration failed: the code was wrong. Nothing was added; sign "
				 "in again to start over with a new QR code.");
	if (rc == SECINFO_ERR_WRONG || rc == SECINFO_ERR_CONV)
		return SECINFO_ERR_WRONG; /* SPEC 13: no answer fails like wrong codes */
	pam_syslog(flow->pamh, LOG_ERR, "registration of an app for %s failed: %s%s%s",
		   secinfo_escape(user, escaped, sizeof(escaped)), secinfo_strerror(rc),
		   why[0] != '\0' ? ": " : "", why);
	return rc;
}
