/* secinfo: the table of method kinds — how each is challenged and verified. */
#ifndef SECINFO_METHOD_H
#define SECINFO_METHOD_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "kind.h"
#include "store.h"

/* What a challenge or a verification may use. STORE is NULL for the decoy verification that
 * users without a usable method get, so that it does the same work and writes nothing. */
struct secinfo_delivery_request;
struct secinfo_delivery_result;

struct secinfo_method_ctx {
	struct secinfo_store *store;
	const struct secinfo_conf *conf;
	time_t now;
	long long user_id; /* for the send limit */
	const char *user;  /* for %{user} in gateway templates */
	/* How a code leaves the machine: the module loads the delivery plugin on first use, the
	 * CLI calls it directly. SENDER is passed back to SEND. NULL: nothing can be sent. */
	int (*send)(void *sender, const struct secinfo_conf *conf,
		    const struct secinfo_delivery_request *request,
		    struct secinfo_delivery_result *result);
	void *sender;
	struct secinfo_delivery_result *delivery; /* what the gateway said, for the log */
};

/* One kind of method, the way OpenSSH's KbdintDevice describes one device. */
struct secinfo_method_ops {
	enum secinfo_kind kind;
	const char *prompt; /* what the user is asked, e.g. "Verification code: " */
	/* The challenge sends something (text, call, email): ask before it leaves, unless
	 * autosend. "the text message", "the call": how messages name what is sent. */
	const char *sends;
	/* Describes M for menus and messages ("authenticator app", "text message to +1 XX..34"). */
	void (*describe)(const struct secinfo_method *m, char *out, size_t size);
	/* Prepares a challenge (sends a code for sms, call, email). May write a message for the
	 * user to INFO. Returns 0; SECINFO_ERR_IO when the code could not be sent or
	 * SECINFO_ERR_DENIED when the send limit is reached (INFO then says so and the user may
	 * choose another way); or another negative SECINFO_ERR_* code. */
	int (*challenge)(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
			 char *info, size_t info_size);
	/* For a method that asks its own questions (security questions): the whole exchange,
	 * prompting through ASK (CONV is passed back; ECHO: show what is typed; *answer is freed
	 * by the caller with secinfo_conv_free semantics: wiped, then free). When set, the flow
	 * calls it instead of prompting and calling verify; it counts as one try. Returns 0 (all
	 * right), SECINFO_ERR_WRONG (without saying which answer was wrong), or another error. */
	int (*converse)(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
			int (*ask)(void *conv, int echo, const char *prompt, char **answer),
			void *conv);
	/* Checks ANSWER; accepting consumes it. Returns 0, SECINFO_ERR_WRONG, or another
	 * negative SECINFO_ERR_* code. */
	int (*verify)(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		      const char *answer);
};

/* Returns the operations of KIND, or NULL when this version cannot yet challenge that kind. */
const struct secinfo_method_ops *secinfo_method_ops(enum secinfo_kind kind);

/*
 * Returns the SECINFO_KIND_BIT mask of kinds usable for PURPOSE here: allowed by the policy,
 * kept by the service's methods= mask ARGS_KINDS, able to serve PURPOSE, and implemented.
 */
unsigned secinfo_method_usable_kinds(const struct secinfo_conf *conf, unsigned args_kinds,
				     enum secinfo_purpose purpose);

/* Fills M with a throw-away app method with a random secret (for the decoy path).
 * Returns 0 or SECINFO_ERR_NOMEM; clear it with secinfo_method_decoy_clear. */
int secinfo_method_decoy(struct secinfo_method *m, const struct secinfo_conf *conf);
void secinfo_method_decoy_clear(struct secinfo_method *m);

/* The app method (method_app.c); text message, phone call and email (method_code.c). */
extern const struct secinfo_method_ops secinfo_method_app;
extern const struct secinfo_method_ops secinfo_method_sms;
extern const struct secinfo_method_ops secinfo_method_call;
extern const struct secinfo_method_ops secinfo_method_email;
extern const struct secinfo_method_ops secinfo_method_questions;

#endif
