/* secinfo: the kinds of security info (six a person registers, and the temporary access pass an
 * administrator issues) and what each may be used for. */
#ifndef SECINFO_KIND_H
#define SECINFO_KIND_H

enum secinfo_kind {
	SECINFO_KIND_APP,
	SECINFO_KIND_SMS,
	SECINFO_KIND_CALL,
	SECINFO_KIND_KEY,
	SECINFO_KIND_EMAIL,
	SECINFO_KIND_QUESTIONS,
	SECINFO_KIND_TAP, /* temporary access pass (SPEC 14): issued, never enrolled */
	SECINFO_KIND_COUNT
};

/* What a kind may be used for (bit flags). */
enum secinfo_purpose {
	SECINFO_PURPOSE_2FA = 1u << 0,
	SECINFO_PURPOSE_RESET = 1u << 1,
};

#define SECINFO_KIND_BIT(k) (1u << (unsigned)(k))
#define SECINFO_KINDS_ALL   ((1u << SECINFO_KIND_COUNT) - 1u)

/* Returns the kind's name as written in configuration and the database ("app", ...). */
const char *secinfo_kind_name(enum secinfo_kind kind);

/* Returns the kind for NAME, or -1 when NAME is not a kind. */
int secinfo_kind_parse(const char *name);

/* Returns the SECINFO_PURPOSE_* bits the kind may serve. */
unsigned secinfo_kind_purposes(enum secinfo_kind kind);

/* How the store keeps a kind's detail: a secret (app, key), text (sms, call, email), none
 * (questions, whose answers live in their own table), or a keyed hash that is never read back
 * into memory with the method (tap: only its check reads it). */
enum secinfo_detail_form {
	SECINFO_DETAIL_NONE,
	SECINFO_DETAIL_TEXT,
	SECINFO_DETAIL_SECRET,
	SECINFO_DETAIL_HASH,
};

/* Returns how a method of KIND keeps its detail. */
enum secinfo_detail_form secinfo_kind_detail_form(enum secinfo_kind kind);

/* Returns 1 when a method of KIND may be a user's default (2FA-capable and not temporary). */
int secinfo_kind_can_be_default(enum secinfo_kind kind);

/* Returns 1 when KIND is temporary: issued by an administrator with an expiry and a number of
 * uses (tap), never enrolled by a person, not governed by [policy] methods. */
int secinfo_kind_is_temporary(enum secinfo_kind kind);

/* Returns 1 when methods of KIND carry OTP parameters (algorithm, digits, period), else 0. */
int secinfo_kind_has_otp(enum secinfo_kind kind);

/* Returns the order in which kinds are tried when the default is not usable for PURPOSE
 * (key, app, sms, call; then email, questions for a reset), terminated by -1. */
const int *secinfo_kind_fallback_order(enum secinfo_purpose purpose);

/*
 * Parses a list of kind names separated by spaces or commas into a bit mask.
 * Returns 0, or SECINFO_ERR_CONFIG with *bad pointing into LIST at the first word that is not
 * a kind (it ends at the next space, tab, comma or NUL).
 */
int secinfo_kind_parse_list(const char *list, unsigned *mask, const char **bad);

#endif
