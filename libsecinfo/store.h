/* secinfo: the enrollment database (sqlite3, WAL). */
#ifndef SECINFO_STORE_H
#define SECINFO_STORE_H

#include <stddef.h>
#include <time.h>

#include "conf.h"
#include "kind.h"
#include "otp.h"

struct secinfo_store;

/* One registered method, decrypted. */
struct secinfo_method {
	long long id;
	enum secinfo_kind kind;
	char *detail;          /* E.164 number or address; NULL for app, key, questions */
	unsigned char *secret; /* TOTP/HOTP secret or FIDO2 credential (guarded memory) */
	size_t secret_len;
	struct secinfo_otp_params otp;
	long long counter;            /* last accepted TOTP step or HOTP counter, -1 for none */
	long long created, last_used; /* last_used 0: never */
	long long expires, uses;      /* a temporary access pass: expiry and uses left; else 0 */
};

/* A user and all of their methods, oldest first. */
struct secinfo_user {
	long long id;
	char *name;
	long long default_method; /* method id, 0 for none */
	unsigned failures;
	long long locked_until; /* 0: not locked */
	struct secinfo_method *methods;
	size_t n_methods;
};

/* One audit row. ACTOR is who made the change or took the step: the user themselves (NULL
 * when writing: the row's USER), "root" for secinfo-admin, "pam_secinfo" for the module at
 * registration. HOST is the machine the row was written on: NULL when writing takes this
 * host's name (gethostname), as SPEC 16 asks for a fleet's shared store. */
struct secinfo_audit_entry {
	long long time;
	const char *user, *service, *rhost, *method, *event, *result;
	const char *actor, *host;
};

enum secinfo_store_flags {
	SECINFO_STORE_CREATE = 1, /* create the database file (secinfo-admin init) */
};

/*
 * Opens the database and the key named by CONF after checking their owner, mode and type
 * and their directory; migrates the schema forward. Returns 0 and *store, or a negative
 * SECINFO_ERR_* code with *why naming the file and the problem (static or in *why_buf).
 */
int secinfo_store_open(const struct secinfo_conf *conf, int flags, struct secinfo_store **store,
		       char *why_buf, size_t why_size);

/* Closes the database and wipes the key; accepts NULL. */
void secinfo_store_close(struct secinfo_store *store);

/*
 * Transactions nest. secinfo_store_begin() starts a write transaction (taking the write lock
 * at once) when none is open, and a savepoint inside it otherwise; secinfo_store_commit()
 * commits or releases the innermost level (nothing is durable before the outermost commit);
 * secinfo_store_rollback() undoes the innermost level (nothing when none is open). begin and
 * commit return 0 or SECINFO_ERR_DB; a failed commit is followed by a rollback, a failed begin
 * is not (it opened no level: inside a caller's transaction the rollback would close that).
 */
int secinfo_store_begin(struct secinfo_store *store);
int secinfo_store_commit(struct secinfo_store *store);
void secinfo_store_rollback(struct secinfo_store *store);

/* Loads NAME with its methods, decrypted. Returns 0, SECINFO_ERR_NOT_FOUND, or another
 * negative SECINFO_ERR_* code (SECINFO_ERR_CORRUPT when a detail fails to decrypt). */
int secinfo_store_user_get(struct secinfo_store *store, const char *name,
			   struct secinfo_user **user);

/*
 * Before NAME is treated as "not enrolled" (PAM_IGNORE under nullok): proves, by reading the
 * tables without their indexes, that the store holds no user NAME (USER NULL) or exactly
 * USER's methods, so that a damaged index (which PRAGMA quick_check does not see) cannot make
 * an enrolled user look unenrolled; and that no user is enrolled under another spelling of the
 * name: TYPED (the name as given, before the name service's spelling replaced it) or NAME in
 * other (ASCII) case. It scans both tables: only the "not enrolled" decisions pay for it.
 * Returns 0, SECINFO_ERR_CORRUPT when the tables and the indexes disagree, SECINFO_ERR_EXISTS
 * when another spelling is enrolled, or another negative SECINFO_ERR_* code.
 */
int secinfo_store_user_confirm(struct secinfo_store *store, const char *name, const char *typed,
			       const struct secinfo_user *user);

/* PRAGMA integrity_check and foreign_key_check. Returns 0, or SECINFO_ERR_CORRUPT with the
 * first problem in WHY, or another negative SECINFO_ERR_* code. */
int secinfo_store_integrity(struct secinfo_store *store, char *why, size_t why_size);

/* Returns 1 when the open (SECINFO_STORE_CREATE) created the schema of a PostgreSQL store. */
int secinfo_store_created(const struct secinfo_store *store);

/* The host that a PostgreSQL store is connected to (as libpq names it), NULL for sqlite. */
const char *secinfo_store_host(const struct secinfo_store *store);

/* Frees a user and wipes the secrets; accepts NULL. */
void secinfo_user_free(struct secinfo_user *user);

/* Returns the method with id ID of USER, or NULL. */
struct secinfo_method *secinfo_user_method(const struct secinfo_user *user, long long id);

/* Returns USER's first method, in the fallback order for PURPOSE and oldest first within a
 * kind, among the kinds in the SECINFO_KIND_BIT mask KINDS; NULL when there is none. */
struct secinfo_method *secinfo_user_first_method(const struct secinfo_user *user,
						 enum secinfo_purpose purpose, unsigned kinds);

/* Calls FN once per user name in name order. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_store_user_names(struct secinfo_store *store, int (*fn)(const char *name, void *data),
			     void *data);

/* Deletes a user with all methods (inside the caller's transaction). */
int secinfo_store_user_delete(struct secinfo_store *store, const char *name);

/* Clears failures and lockout. Returns 0 or SECINFO_ERR_NOT_FOUND. */
int secinfo_store_user_unlock(struct secinfo_store *store, const char *name);

/*
 * Adds a method for NAME (creating the user), encrypting DETAIL and SECRET. The first
 * 2FA-capable method becomes the default. Run inside a transaction.
 * Returns 0 and *id, or a negative SECINFO_ERR_* code.
 */
int secinfo_store_method_add(struct secinfo_store *store, const char *name, enum secinfo_kind kind,
			     const char *detail, const unsigned char *secret, size_t secret_len,
			     const struct secinfo_otp_params *otp, time_t now, long long *id);

/* Deletes method ID of NAME and, if it was the default, chooses the next default
 * (key, app, sms, call; oldest first). Run inside a transaction. */
int secinfo_store_method_delete(struct secinfo_store *store, const char *name, long long id);

/* Makes method ID the default of NAME. Returns SECINFO_ERR_DENIED for email, questions and tap. */
int secinfo_store_method_set_default(struct secinfo_store *store, const char *name, long long id);

/*
 * Accepts counter COUNTER for method ID only if it is newer than every counter accepted
 * before, atomically (a single UPDATE under sqlite's write lock): of concurrent sign-ins with
 * the same code exactly one gets 0, the others SECINFO_ERR_WRONG.
 */
int secinfo_store_counter_accept(struct secinfo_store *store, long long id, long long counter)
	__attribute__((warn_unused_result));

/* As secinfo_store_counter_accept, for a security key's signature counter (SPEC 11): greater
 * than the stored one, or both zero (a key without a counter always reports 0). Returns 0,
 * SECINFO_ERR_WRONG (did not grow: a possible cloned key) or another error. */
int secinfo_store_signature_counter_accept(struct secinfo_store *store, long long id,
					   long long counter) __attribute__((warn_unused_result));

/*
 * Counts an attempt of user ID at NOW before its answer is checked, so that every guess is
 * counted even if the process dies mid-way. It is refused while the user is locked, and when
 * MAX_FAILURES attempts are counted already (parallel conversations still checking their
 * answers): that locks the user until NOW + LOCKOUT, so no guess beyond the limit is ever
 * checked. Both are decided in the counting statement, atomically.
 * Returns 0, SECINFO_ERR_LOCKED with *locked_until, or another negative SECINFO_ERR_* code.
 */
int secinfo_store_attempt(struct secinfo_store *store, long long user_id, unsigned max_failures,
			  long lockout, time_t now, long long *locked_until);

/*
 * After a wrong answer: locks user ID until NOW + LOCKOUT when the counted attempts have
 * reached MAX_FAILURES. Returns 0, SECINFO_ERR_LOCKED (with *locked_until) when the user is
 * now locked, or another negative SECINFO_ERR_* code.
 */
int secinfo_store_failure(struct secinfo_store *store, long long user_id, unsigned max_failures,
			  long lockout, time_t now, long long *locked_until);

/* Counts a wrong answer of someone without a usable method (the decoy path). It costs the
 * same write as secinfo_store_failure, so the time between prompts does not tell enrolled
 * users from others; the count is only a statistic. Returns 0 or SECINFO_ERR_DB. */
int secinfo_store_failure_unenrolled(struct secinfo_store *store);

/* Records a right answer in one transaction (or in the caller's, without a savepoint: after
 * an error other than SECINFO_ERR_LOCKED, which has written nothing, the caller rolls back):
 * unless a concurrent failure locked the user meanwhile (SECINFO_ERR_LOCKED, *locked_until),
 * clears the failures and sets the method's last use. Returns 0 or a negative SECINFO_ERR_*
 * code. */
int secinfo_store_success(struct secinfo_store *store, long long user_id, long long method_id,
			  time_t now, long long *locked_until);

/* Stores CODE as method ID's one-time code (only its keyed hash), valid until EXPIRES; a new
 * code replaces the previous one. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_store_code_set(struct secinfo_store *store, long long method_id, const char *code,
			   time_t expires);

/*
 * Checks CODE against method ID's one-time code at NOW, in one transaction (a savepoint inside
 * the caller's, whose rollback undoes the consumption): a right code that has not expired and
 * has had fewer than MAX_ATTEMPTS wrong answers is consumed (of concurrent checks exactly one
 * gets 0); a wrong answer counts against the code.
 * Returns 0, SECINFO_ERR_WRONG (wrong, expired, used up or none), or another error.
 */
int secinfo_store_code_check(struct secinfo_store *store, long long method_id, const char *code,
			     time_t now, unsigned max_attempts) __attribute__((warn_unused_result));

/* --- temporary access passes (SPEC 14) ----------------------------------------------------
 * A pass is a row of the methods table of kind tap holding only the keyed hash of the pass
 * (tap.h). The store loads only active passes (not expired, uses left): a spent or expired
 * pass is gone for every reader, and its row is deleted when it is next touched. */

/*
 * Issues PASS (normalised: tap.h) to NAME, creating the user, valid until EXPIRES for USES
 * sign-ins; any pass NAME had is deleted (replaced). Run inside a transaction.
 * Returns 0 and *id (the pass's method id), or a negative SECINFO_ERR_* code.
 */
int secinfo_store_tap_issue(struct secinfo_store *store, const char *name, const char *pass,
			    time_t expires, long long uses, time_t now, long long *id);

/* Deletes NAME's pass, active or not. Run inside a transaction. Returns 0,
 * SECINFO_ERR_NOT_FOUND (no user, or no active pass), or another SECINFO_ERR_* code. */
int secinfo_store_tap_revoke(struct secinfo_store *store, const char *name, time_t now);

/*
 * Checks PASS (normalised) against pass METHOD_ID at NOW in one transaction (a savepoint inside
 * the caller's): a right pass that has not expired and has uses left uses one up (the last use
 * deletes it; of concurrent checks only as many succeed as there were uses); an expired pass is
 * deleted. The hashes are compared in constant time.
 * Returns 0, SECINFO_ERR_WRONG (wrong, expired, used up or none), or another error.
 */
int secinfo_store_tap_check(struct secinfo_store *store, long long method_id, const char *pass,
			    time_t now) __attribute__((warn_unused_result));

/* As secinfo_store_send_reserve, for the user NAME, whose row is made when it is missing (the
 * send is counted even when the enrollment that asked for it then fails). */
int secinfo_store_send_reserve_name(struct secinfo_store *store, const char *name,
				    const char *channel, time_t now, unsigned max_per_hour);

/* Reserves one send on CHANNEL ("sms", "call", "email") for user ID, in one transaction (a
 * savepoint inside the caller's): SECINFO_ERR_DENIED when MAX_PER_HOUR sends were already
 * made in the hour before NOW. Returns 0 or an error. */
int secinfo_store_send_reserve(struct secinfo_store *store, long long user_id, const char *channel,
			       time_t now, unsigned max_per_hour);

/* Appends an audit row. */
int secinfo_store_audit(struct secinfo_store *store, const struct secinfo_audit_entry *entry);

/* Checks that the audit table is there with its columns, so that audit rows can be written.
 * Returns 0, or SECINFO_ERR_DB (no such table or column) or another SECINFO_ERR_* code. */
int secinfo_store_audit_check(struct secinfo_store *store);

/* Calls FN for each audit row, oldest first, optionally only for USER and since SINCE. */
int secinfo_store_audit_list(struct secinfo_store *store, const char *user, long long since,
			     int (*fn)(const struct secinfo_audit_entry *entry, void *data),
			     void *data);

/* The configuration the store was opened with. */
const struct secinfo_conf *secinfo_store_conf(const struct secinfo_store *store);

/* One user as 'secinfo-admin user list' shows it; nothing is decrypted. */
struct secinfo_user_summary {
	const char *name;
	long long n_methods;
	int default_kind;       /* enum secinfo_kind of the default method, -1 for none */
	long long locked_until; /* 0: not locked */
	unsigned failures;
};

/* Calls FN once per user in name order with a summary valid during the call. Returns 0, the
 * first non-zero value FN returns, or SECINFO_ERR_DB (SECINFO_ERR_CORRUPT for an unknown kind). */
int secinfo_store_user_summaries(struct secinfo_store *store,
				 int (*fn)(const struct secinfo_user_summary *summary, void *data),
				 void *data);

/* --- security questions and answers ------------------------------------------------------- */

/* One of the organisation's security questions. */
struct secinfo_question {
	long long id;
	char *text;
	int active; /* 0: retired */
};

/* Adds an active question with TEXT (checked by the caller). Returns 0 and *id, or
 * SECINFO_ERR_DB. */
int secinfo_store_question_add(struct secinfo_store *store, const char *text, long long *id);

/* Retires question ID: it is no longer asked or offered; stored answers stay but no longer
 * count. Returns 0 (also when it was already retired), SECINFO_ERR_NOT_FOUND or SECINFO_ERR_DB. */
int secinfo_store_question_retire(struct secinfo_store *store, long long id);

/* Loads the questions in id order, only the active ones when ACTIVE_ONLY, into a new array
 * (*questions may stay NULL when *count is 0). Returns 0, SECINFO_ERR_NOMEM or SECINFO_ERR_DB. */
int secinfo_store_questions_get(struct secinfo_store *store, int active_only,
				struct secinfo_question **questions, size_t *count);

/* Frees what secinfo_store_questions_get returned; accepts NULL. */
void secinfo_questions_free(struct secinfo_question *questions, size_t count);

/* Stores HASH as method METHOD_ID's answer to question QUESTION_ID, only if that question is
 * active (checked in the same statement). Run inside the transaction that added the method.
 * Returns 0, SECINFO_ERR_NOT_FOUND (no such active question), SECINFO_ERR_EXISTS (answered
 * twice) or SECINFO_ERR_DB. */
int secinfo_store_answer_add(struct secinfo_store *store, long long method_id,
			     long long question_id, const char *hash);

/* One registered answer: its question and the Argon2id hash of the normalised answer. */
struct secinfo_answer {
	long long question_id;
	char *question;
	char *hash;
};

/* Loads method METHOD_ID's answers whose question is still active, in question id order, into
 * a new array. Returns 0, SECINFO_ERR_NOMEM or SECINFO_ERR_DB. */
int secinfo_store_answers_get(struct secinfo_store *store, long long method_id,
			      struct secinfo_answer **answers, size_t *count);

/* Frees what secinfo_store_answers_get returned, wiping the hashes; accepts NULL. */
void secinfo_answers_free(struct secinfo_answer *answers, size_t count);

#endif
