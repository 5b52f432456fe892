/* pam_secinfo: registration at sign-in, the module argument register (SPEC 13). */
#ifndef SECINFO_REGISTER_H
#define SECINFO_REGISTER_H

#include "flow.h"

/*
 * Whether USER, who has no usable 2FA method here, is offered registration: the argument
 * register, purpose=2fa, no second factor of their own at all (of any kind, allowed here or
 * not; a temporary access pass is none), the app allowed in this service, and USER in
 * [registration] users.
 * Returns 1, 0 (the sign-in goes on as without register), or a negative SECINFO_ERR_* code
 * already logged (the name service could not answer).
 */
int secinfo_register_offered(struct secinfo_flow *flow, const char *user);

/*
 * Walks USER through adding an authenticator app inside the conversation: with
 * [registration] first_method = tap only when PASS_PROVEN (a temporary access pass was verified
 * in this sign-in; otherwise refused with what to do), the QR code and the otpauth:// URI as
 * text, then "Verification code: " up to [policy] tries times for the same secret (wrong codes
 * are not counted toward the lockout). Stores the app (the user's default, its accepted step
 * used up) with an audit row (actor pam_secinfo) and the decision's row in one transaction,
 * and sets flow->audited. Returns 0 (registered), SECINFO_ERR_WRONG (wrong codes, no answer or
 * a NULL reply: nothing stored), SECINFO_ERR_DENIED (no pass, or a method was added
 * meanwhile) or another negative SECINFO_ERR_* code already logged.
 */
int secinfo_register(struct secinfo_flow *flow, const char *user, int pass_proven);

/*
 * After a successful sign-in: returns 1 when it was a temporary access pass (SPEC 14) standing
 * in for a user who has no method of their own usable here, and registration is offered to
 * them (the pass is how a user who lost everything, or never had anything, gets a first
 * method); 0 otherwise; or a negative SECINFO_ERR_* code already logged.
 */
int secinfo_register_after_pass(struct secinfo_flow *flow, const char *user);

#endif
