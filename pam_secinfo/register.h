/* pam_secinfo: registration at sign-in, the module argument register (SPEC 13). */
#ifndef SECINFO_REGISTER_H
#define SECINFO_REGISTER_H

#include "flow.h"

/*
 * Whether USER, who has no usable 2FA method, is offered registration here: the argument
 * register, purpose=2fa, the app allowed in this service, and USER in [registration] users.
 * Returns 1, 0 (the sign-in goes on as without register), or a negative SECINFO_ERR_* code
 * already logged (the name service could not answer).
 */
int secinfo_register_offered(struct secinfo_flow *flow, const char *user);

/*
 * Walks USER through adding an authenticator app inside the conversation: the proof
 * [registration] first_method asks for, the QR code and the otpauth:// URI as text, then
 * "Verification code: " up to [policy] tries times for the same secret (wrong codes are not
 * counted toward the lockout). Stores the app (the user's default, its accepted step used up)
 * with an audit row (actor pam_secinfo) and the decision's row in one transaction, and sets
 * flow->audited. Returns 0 (registered), SECINFO_ERR_WRONG (wrong codes, no answer or a NULL
 * reply: nothing stored), SECINFO_ERR_DENIED (the proof was refused) or another negative
 * SECINFO_ERR_* code already logged.
 */
int secinfo_register(struct secinfo_flow *flow, const char *user);

/*
 * [registration] first_method = tap: a temporary access pass (SPEC 14) must be proven before
 * registration. This version cannot check passes yet: it tells the user to ask their
 * helpdesk and returns SECINFO_ERR_DENIED. Returns 0 once the pass is proven.
 */
int secinfo_register_tap_proof(struct secinfo_flow *flow);

#endif
