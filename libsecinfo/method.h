/*
 * secinfo: the table of method kinds. Everything about one kind lives in its struct
 * secinfo_method_ops (as OpenSSH's KbdintDevice holds a whole device): its name and purposes,
 * how its detail is parsed and described, how it is enrolled, challenged and verified. Adding
 * a kind is one method_*.c file and one row in method.c.
 */
#ifndef SECINFO_METHOD_H
#define SECINFO_METHOD_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "delivery.h"
#include "fido_key.h"
#include "kind.h"
#include "questions.h"
#include "store.h"

/* How a code leaves the machine: the module loads the delivery plugin on first use, the CLI
 * calls secinfo_delivery_send directly. SENDER is passed back. */
typedef int secinfo_send_fn(void *sender, const struct secinfo_conf *conf,
			    const struct secinfo_delivery_request *request,
			    struct secinfo_delivery_result *result);

/* How a method talks to the person at a prompt: the PAM conversation, or a terminal. ASK
 * returns 0 with *answer (malloc'd; the caller wipes and frees it), or a negative
 * SECINFO_ERR_* code (SECINFO_ERR_CONV: no answer, end of input). SAY shows TEXT. */
struct secinfo_method_io {
	int (*ask)(void *data, int echo, const char *prompt, char **answer);
	int (*say)(void *data, const char *text);
	/* Shows an otpauth:// URI as a QR code; NULL or an error: the text alone is shown. */
	int (*show_qr)(void *data, const char *uri);
	void *data;
};

/* What a challenge or a verification may use. STORE is NULL for the decoy verification that
 * users without a usable method get, so that it does the same work and writes nothing. */
struct secinfo_method_ctx {
	struct secinfo_store *store;
	const struct secinfo_conf *conf;
	time_t now;
	long long user_id;     /* for the send limit */
	const char *user;      /* for %{user} in gateway templates */
	secinfo_send_fn *send; /* NULL: nothing can be sent */
	void *sender;
	struct secinfo_delivery_result *delivery; /* what the gateway said, for the log */
	const struct secinfo_method_io *io;       /* for methods that converse */
	/* For the security key: the user's methods (one assertion over all of their keys; NULL
	 * for the decoy), the remote host (PAM_RHOST, NULL when none), and how to reach
	 * libfido2 (the module loads its plugin on first use). */
	const struct secinfo_user *owner;
	const char *rhost;
	secinfo_fido_load_fn *fido_load;
	void *fido_data;
	/* What a device operation proved (see device below), and its sentence for the person. */
	struct secinfo_method_proof *proof;
	char *why;
	size_t why_size;
};

/* What a method's device operation found out before the try is settled in the store. */
struct secinfo_method_proof {
	long long method_id;        /* the user's method whose credential answered */
	unsigned long long counter; /* the signature counter it reported */
	int cloned;                 /* set by verify: the counter did not grow */
};

/* Enrollment options (SPEC 7: method add). */
enum secinfo_enroll_option {
	SECINFO_ENROLL_NO_VERIFY = 1u << 0,    /* store without proof (not for questions) */
	SECINFO_ENROLL_HOTP = 1u << 1,         /* app: counter-based */
	SECINFO_ENROLL_SECRET = 1u << 2,       /* app: the given base32 secret */
	SECINFO_ENROLL_ANSWERS_FILE = 1u << 3, /* questions: answers from a file */
};

/* Most answers a questions enrollment may hold ([questions] register is 3..5). */
#define SECINFO_ENROLL_ANSWERS_MAX 8

/* What a new method is enrolled from. */
struct secinfo_enroll_request {
	struct secinfo_store *store; /* questions read the active questions */
	const struct secinfo_conf *conf;
	const char *user;
	const char *detail;       /* what was typed after the kind (phone, address), or NULL */
	const char *secret;       /* app with SECINFO_ENROLL_SECRET: base32 */
	const char *answers_file; /* questions with SECINFO_ENROLL_ANSWERS_FILE */
	unsigned options;         /* SECINFO_ENROLL_* */
	secinfo_send_fn *send;
	void *sender;
	const struct secinfo_method_io *io;
	secinfo_fido_load_fn *fido_load; /* key: how to reach libfido2 */
	void *fido_data;
	/* app: how many codes the person may type for the one secret (0: 3), and the prompt for
	 * them (NULL: "Enter the code shown by the app: "). The sign-in's registration asks
	 * [policy] tries times, as a sign-in does. */
	unsigned tries;
	const char *prompt;
	/* The user's methods as they are, or NULL: a repeat of one of them (same number,
	 * address or secret) is refused before anything is sent or asked (SECINFO_ERR_EXISTS).
	 * secinfo_enroll_store checks again inside its transaction. */
	const struct secinfo_user *existing;
	/* Each code an enrollment sends counts toward [codes] max_sends_per_hour of the user and
	 * channel, as at sign-in (secinfo: a person who is not root could otherwise have texts
	 * and calls sent to any number without end). Needs STORE. */
	int limit_sends;
	char *why; /* on refusal: what was wrong and what to do, for the person */
	size_t why_size;
};

/* What an enrollment proved, ready to store with secinfo_enroll_store. */
struct secinfo_enrollment {
	enum secinfo_kind kind;
	char *detail;          /* normalised (E.164, address), or NULL */
	unsigned char *secret; /* guarded memory, or NULL */
	size_t secret_len;
	struct secinfo_otp_params otp;
	long long counter; /* -1, or the step/counter accepted at enrollment: never again */
	size_t n_answers;
	long long question_id[SECINFO_ENROLL_ANSWERS_MAX];
	char hash[SECINFO_ENROLL_ANSWERS_MAX][SECINFO_ANSWER_HASH_SIZE];
};

/* One kind of method, the way OpenSSH's KbdintDevice describes one device. */
struct secinfo_method_ops {
	enum secinfo_kind kind;
	const char *name;  /* as in configuration and the database: "app" */
	const char *noun;  /* for messages: "the authenticator app", "text message" */
	unsigned purposes; /* SECINFO_PURPOSE_* it may serve */
	enum secinfo_detail_form detail_form;
	int has_otp;      /* carries OTP parameters */
	int one_per_user; /* a user has at most one method of this kind */
	/* Issued by an administrator, never enrolled by a person (tap): expires and is used up,
	 * is never the default, is offered first while it is active, and is not governed by
	 * [policy] methods (issuing it is the administrator's decision); a service's methods=
	 * still applies. */
	int temporary;
	const char *detail_word; /* what follows the kind in 'method add' ("PHONE"), or NULL */
	unsigned enroll_options; /* the SECINFO_ENROLL_* it accepts */
	/* The channel a code of this kind goes by, for methods that send one; -1 otherwise.
	 * "the text message": how the question before sending names it. */
	int channel;
	const char *sends;
	const char *prompt; /* what the user is asked, e.g. "Verification code: " */
	/*
	 * Parses and normalises a detail typed by a person into OUT (E.164, a checked address).
	 * *NOTE gets a remark for the person or NULL ("the extension was removed"). Returns 0, or
	 * SECINFO_ERR_INVALID / SECINFO_ERR_DENIED with *why. NULL: the kind takes no detail.
	 */
	int (*parse_detail)(const struct secinfo_conf *conf, const char *text, char *out,
			    size_t size, const char **why, const char **note);
	/* Describes M: masked for the user's eyes, or in full (FULL) for administrators. */
	void (*describe)(const struct secinfo_method *m, int full, char *out, size_t size);
	/*
	 * Enrolls a new method: the conversation that proves it (a code from the app, a sent code
	 * typed back, the answers to the questions). Fills OUT (cleared by the caller with
	 * secinfo_enrollment_clear). Returns 0, or a negative SECINFO_ERR_* code with request->why
	 * saying what went wrong and what to do. NULL: this version cannot enroll the kind.
	 */
	int (*enroll)(const struct secinfo_enroll_request *request, struct secinfo_enrollment *out);
	/* Prepares a challenge (sends a code for sms, call, email). May write a message for the
	 * user to INFO. Returns 0; SECINFO_ERR_IO when the code could not be sent or
	 * SECINFO_ERR_DENIED when the send limit is reached (INFO then says so and the user may
	 * choose another way); or another negative SECINFO_ERR_* code. NULL: this version cannot
	 * challenge the kind, which is then never offered. */
	int (*challenge)(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
			 char *info, size_t info_size);
	/* For a method that asks its own questions (security questions): the whole exchange
	 * through ctx->io. When set, the flow calls it instead of prompting and calling verify;
	 * it counts as one try. Returns 0 (all right), SECINFO_ERR_WRONG (without saying which
	 * answer was wrong), or another error. */
	int (*converse)(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m);
	/* For a method that is only usable where a device is (key): returns 1 when it is usable
	 * for this sign-in (not remote, a device present), 0 when not, or a negative
	 * SECINFO_ERR_* code. NULL: usable wherever the kind is allowed. */
	int (*available)(const struct secinfo_method_ctx *ctx);
	/* For a method whose answer goes to a device (key: the PIN): the exchange with the device,
	 * which may wait [key] timeout for a touch, so the flow counts the attempt and commits
	 * before, and holds no write lock meanwhile. Fills ctx->proof; then verify, called inside
	 * the try's transaction with the same ctx, settles what it proved. Returns 0,
	 * SECINFO_ERR_WRONG (a wrong PIN: a wrong answer), or another error with ctx->why for the
	 * person. NULL: verify does everything. */
	int (*device)(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		      const char *answer);
	/* For a kind whose secret must be unique in the whole store (a key's credential id):
	 * returns 1 when secrets A and B hold the same credential, 0 when not, or a negative
	 * SECINFO_ERR_* code when one cannot be read (registration is then refused). NULL: not
	 * checked. */
	int (*same_secret)(const unsigned char *a, size_t a_len, const unsigned char *b,
			   size_t b_len);
	/* Checks ANSWER; accepting consumes it. Returns 0, SECINFO_ERR_WRONG, or another
	 * negative SECINFO_ERR_* code. */
	int (*verify)(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		      const char *answer);
	/* The message after a wrong answer. */
	const char *wrong;
};

/* Returns the operations of KIND (every kind has a row), or NULL for a value out of range. */
const struct secinfo_method_ops *secinfo_method_ops(enum secinfo_kind kind);

/* Returns the operations of the kind named NAME, or NULL when NAME is not a kind. */
const struct secinfo_method_ops *secinfo_method_ops_by_name(const char *name);

/* Returns 1 when the organisation's policy allows KIND: listed in [policy] methods, or a
 * temporary kind (tap), which is allowed whenever an administrator issued one. */
int secinfo_method_allowed(const struct secinfo_conf *conf, enum secinfo_kind kind);

/* Returns the SECINFO_PURPOSE_* bits a method of KIND serves under CONF's policy: none when the
 * organisation does not allow the kind now ('usable_for' of user show --json). */
unsigned secinfo_method_usable_for(const struct secinfo_conf *conf, enum secinfo_kind kind);

/*
 * Returns the SECINFO_KIND_BIT mask of kinds usable for PURPOSE here: allowed by the policy
 * (secinfo_method_allowed), kept by the service's methods= mask ARGS_KINDS, able to serve
 * PURPOSE, and implemented.
 */
unsigned secinfo_method_usable_kinds(const struct secinfo_conf *conf, unsigned args_kinds,
				     enum secinfo_purpose purpose);

/* Describes M (see describe above). */
void secinfo_method_describe(const struct secinfo_method *m, int full, char *out, size_t size);

/* Fills M with a throw-away app method with a random secret (for the decoy path).
 * Returns 0 or SECINFO_ERR_NOMEM; clear it with secinfo_method_decoy_clear. */
int secinfo_method_decoy(struct secinfo_method *m, const struct secinfo_conf *conf);
void secinfo_method_decoy_clear(struct secinfo_method *m);

/*
 * Enrolls a new method of KIND through its enroll operation: OUT is cleared first (and must be
 * cleared after with secinfo_enrollment_clear). Returns 0, or a negative SECINFO_ERR_* code with
 * request->why (SECINFO_ERR_UNSUPPORTED: this version cannot enroll KIND).
 */
int secinfo_method_enroll(enum secinfo_kind kind, const struct secinfo_enroll_request *request,
			  struct secinfo_enrollment *out);

/* Writes a refusal for the person into request->why. Returns RC. */
int secinfo_enroll_refuse(const struct secinfo_enroll_request *request, int rc, const char *fmt,
			  ...) __attribute__((format(printf, 3, 4)));

/* Wipes and frees what an enrollment holds; accepts NULL. */
void secinfo_enrollment_clear(struct secinfo_enrollment *e);

/*
 * Stores enrollment E as a new method of USER inside the caller's transaction: refuses a
 * duplicate (same kind and detail, or a second method of a one-per-user kind: SECINFO_ERR_EXISTS
 * with *duplicate), adds the method (the first 2FA-capable one becomes the default), records
 * the counter accepted at enrollment and stores the answers (SECINFO_ERR_NOT_FOUND: a question
 * was retired meanwhile). Returns 0 and *id, or a negative SECINFO_ERR_* code.
 */
int secinfo_enroll_store(struct secinfo_store *store, const char *user,
			 const struct secinfo_enrollment *e, time_t now, long long *id,
			 long long *duplicate);

/* Returns 1 when USER (NULL: not in the store) has a second factor of their own: a method of a
 * kind that can serve 2FA and is not a temporary pass, whether or not the policy or a service
 * accepts it now. Only a user without one may add a first method on the strength of the
 * password alone (registration at sign-in, secinfo with [registration] first_method =
 * password): otherwise a method added through a service that does not accept theirs would
 * pass 2FA everywhere else. */
int secinfo_user_has_own_2fa(const struct secinfo_user *user);

/* Returns USER's temporary method (an issued pass) of a kind in the SECINFO_KIND_BIT mask
 * KINDS, or NULL: the store loads only passes that are still active, and one is offered
 * before the default. */
const struct secinfo_method *secinfo_user_temporary_method(const struct secinfo_user *user,
							   unsigned kinds);

/* Returns the id of USER's first method of KIND (with DETAIL when not NULL; an email address
 * in any case), or 0. */
long long secinfo_user_method_find(const struct secinfo_user *user, enum secinfo_kind kind,
				   const char *detail);

/* Returns the id of USER's method that enrollment E would repeat, or 0: the same kind with the
 * same detail (number, address) or the same secret (compared in constant time), or any method
 * of a one-per-user kind. USER may be NULL (no methods yet). */
long long secinfo_user_method_same(const struct secinfo_user *user,
				   const struct secinfo_enrollment *e);

/* The rows of the table (method_*.c). */
extern const struct secinfo_method_ops secinfo_method_app;
extern const struct secinfo_method_ops secinfo_method_sms;
extern const struct secinfo_method_ops secinfo_method_call;
extern const struct secinfo_method_ops secinfo_method_key;
extern const struct secinfo_method_ops secinfo_method_email;
extern const struct secinfo_method_ops secinfo_method_questions;
extern const struct secinfo_method_ops secinfo_method_tap;

#endif
