/* pam_secinfo: the verification conversation of SPEC §4.2 — method choice, tries, "?". */
#ifndef SECINFO_FLOW_H
#define SECINFO_FLOW_H

#include <time.h>

#include <security/pam_modules.h>

#include "conf.h"
#include "delivery.h"
#include "method.h"
#include "plugin.h"
#include "store.h"

/* Everything one verification needs; the entry point fills it and owns its parts. */
struct secinfo_flow {
	pam_handle_t *pamh;
	const struct secinfo_args *args;
	const struct secinfo_conf *conf;
	struct secinfo_store *store;
	struct secinfo_user *user; /* NULL: not in the database */
	enum secinfo_purpose purpose;
	time_t now;
	/* results, for the log and the audit trail */
	const char *method_name; /* kind used last, "" when none */
	long long locked_until;
	struct secinfo_delivery_result delivery; /* what the gateway said last */
	struct secinfo_plugin plugin;            /* loaded at the first send; unload at the end */
	unsigned used_kinds; /* kinds already verified in this reset (SECINFO_KIND_BIT mask) */
	/* Kinds that are not usable for this sign-in because of where it is (a security key:
	 * remote, or no device), asked once of the user's kinds that have an availability op. */
	unsigned unavailable_kinds;
	struct secinfo_method_proof proof; /* what a device proved (key) */
	char why[512];                     /* a method's sentence for the person */
	struct secinfo_method_io io;       /* how methods talk to the user: the conversation */
	unsigned methods_left;             /* methods still to verify (a reset may need two) */
	/* The decision's audit row: the entry point fills user, service, rhost and event; the
	 * try that decides writes it in its own transaction and sets AUDITED. */
	struct secinfo_audit_entry audit;
	int audited;
	int locked_now; /* a wrong answer of this verification set the lock: a notice goes */
	long long registered_id; /* the method a registration at sign-in stored, or 0 */
	/* Audit rows of steps (a code sent, a method switched with "?") waiting for the next
	 * transaction, so that they cost no commit of their own. */
	struct secinfo_flow_step {
		const char *event, *method;
		long long time;
	} steps[8];
	unsigned n_steps;
};

/*
 * Verifies the user. Returns 0 (verified), SECINFO_ERR_NOT_ENROLLED (no usable method: the
 * caller decides between nullok and the decoy, see secinfo_flow_decoy), SECINFO_ERR_WRONG,
 * SECINFO_ERR_LOCKED, SECINFO_ERR_CONV, or another negative SECINFO_ERR_* code.
 */
int secinfo_flow_verify(struct secinfo_flow *flow);

/* Runs the same prompts an app user sees against a throw-away secret, so that nobody can
 * tell from the conversation who is enrolled. Returns SECINFO_ERR_WRONG or another error;
 * never 0. */
int secinfo_flow_decoy(struct secinfo_flow *flow);

/* Appends the audit rows of the steps still waiting (see steps) to the open transaction, or
 * in one of their own when none is open; a row that cannot be written is logged as lost. */
void secinfo_flow_steps_write(struct secinfo_flow *flow);

/* Tells the user that verification is locked, and until when (UTC). */
void secinfo_flow_say_locked(struct secinfo_flow *flow, long long locked_until);

/* Says loudly in syslog (LOG_CRIT for a success, else LOG_ERR) that the audit row E could not
 * be written, and what it held: the trail lost it. CONSEQUENCE ("" for none) is appended. */
void secinfo_audit_lost(pam_handle_t *pamh, const struct secinfo_audit_entry *e,
			const char *consequence);

#endif
