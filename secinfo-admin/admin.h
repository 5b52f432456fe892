/* secinfo-admin: what the commands share (secinfo-admin(8), SPEC §7). */
#ifndef SECINFO_ADMIN_H
#define SECINFO_ADMIN_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "change.h"
#include "conf.h"
#include "method.h"
#include "error.h"
#include "store.h"

/*
 * Every command returns 0 (done) or a negative SECINFO_ERR_* code after printing why;
 * SECINFO_ERR_USAGE means the command line is wrong (main then prints the usage).
 * secinfo_admin_exit_status is the one place where they become exit statuses.
 */

/* Returns the exit status for a command's result RC: 0 done, 2 usage error, 1 anything else
 * (refused or failed), as secinfo-admin(8) and SPEC 7 say. */
int secinfo_admin_exit_status(int rc);

/* Command-line options as bits: each command lists the ones it accepts. */
enum secinfo_admin_option {
	SECINFO_OPT_JSON = 1u << 0,
	SECINFO_OPT_YES = 1u << 1,
	SECINFO_OPT_NO_VERIFY = 1u << 2,
	SECINFO_OPT_HOTP = 1u << 3,
	SECINFO_OPT_SECRET = 1u << 4,
	SECINFO_OPT_USER = 1u << 5,
	SECINFO_OPT_SINCE = 1u << 6,
	SECINFO_OPT_ANSWERS_FILE = 1u << 7,
	SECINFO_OPT_SECRET_FILE = 1u << 8,
	SECINFO_OPT_LIFETIME = 1u << 9,
	SECINFO_OPT_USES = 1u << 10,
	SECINFO_OPT_DRY_RUN = 1u << 11,
	SECINFO_OPT_SKIP_INVALID = 1u << 12,
	SECINFO_OPT_TO = 1u << 13,
};

/* One command's arguments after the command words. */
struct secinfo_admin_args {
	unsigned options; /* SECINFO_OPT_* given */
	/* --secret is copied here (guarded memory, freed by main) and wiped from argv at once. */
	char *secret;
	const char *user, *since, *answers_file, *secret_file;
	const char *lifetime, *uses; /* tap issue */
	const char *to;              /* copy --to: the target's configuration */
	char **words;                /* positional arguments, in order */
	int n_words;
	const char *command; /* "user show", for messages */
};

/* What a command works with; secinfo_admin_close releases it. */
struct secinfo_admin {
	const char *conf_path;
	struct secinfo_conf *conf;
	struct secinfo_store *store;
	time_t now;
};

/* The commands (cmd_*.c): parsed arguments in, exit status out. */
int secinfo_admin_cmd_init(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_check(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_user_list(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_user_show(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_user_delete(struct secinfo_admin *admin,
				  const struct secinfo_admin_args *args);
int secinfo_admin_cmd_user_unlock(struct secinfo_admin *admin,
				  const struct secinfo_admin_args *args);
int secinfo_admin_cmd_method_add(struct secinfo_admin *admin,
				 const struct secinfo_admin_args *args);
int secinfo_admin_cmd_method_delete(struct secinfo_admin *admin,
				    const struct secinfo_admin_args *args);
int secinfo_admin_cmd_method_default(struct secinfo_admin *admin,
				     const struct secinfo_admin_args *args);
int secinfo_admin_cmd_audit(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_send_test(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_question_add(struct secinfo_admin *admin,
				   const struct secinfo_admin_args *args);
int secinfo_admin_cmd_question_list(struct secinfo_admin *admin,
				    const struct secinfo_admin_args *args);
int secinfo_admin_cmd_tap_issue(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_tap_revoke(struct secinfo_admin *admin,
				 const struct secinfo_admin_args *args);
/* import google-authenticator USER FILE, import oath FILE (cmd_import.c, SPEC 17). */
int secinfo_admin_cmd_import_ga(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
int secinfo_admin_cmd_import_oath(struct secinfo_admin *admin,
				  const struct secinfo_admin_args *args);
int secinfo_admin_cmd_question_retire(struct secinfo_admin *admin,
				      const struct secinfo_admin_args *args);
int secinfo_admin_cmd_copy(struct secinfo_admin *admin, const struct secinfo_admin_args *args);

/*
 * Stores what an enrollment proved as a new method of USER, in one transaction with its audit
 * row: refuses a duplicate (same kind and detail, or a second set of questions), records the
 * code used at enrollment so it cannot be used again. Then says what was added and what the
 * default is. Returns 0 or a negative SECINFO_ERR_* code.
 */
int secinfo_admin_method_store(struct secinfo_admin *admin, const char *user,
			       const struct secinfo_enrollment *enrollment);

/* --- notify.c ---------------------------------------------------------------------------- */

/* The change layer (change.h) acting as root through secinfo-admin. */
struct secinfo_change secinfo_admin_change(const struct secinfo_admin *admin);

/* After a committed change to user NAME: sends the notice of EVENT (SPEC 15) about method
 * METHOD_ID when [notify] events lists it, to USER's addresses (NULL: NAME as stored now; a
 * deletion passes the user as before it, so the removed address is told too). A failure is
 * printed as a warning and audited; the change stands. */
void secinfo_admin_notify(struct secinfo_admin *admin, const char *name,
			  const struct secinfo_user *user, enum secinfo_notify_event event,
			  long long method_id);

/* --- util.c ------------------------------------------------------------------------------ */

/* Prints "secinfo-admin: MESSAGE" on stderr. Returns SECINFO_ERR_DENIED (refused). */
int secinfo_admin_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "secinfo-admin: MESSAGE" on stderr. Returns ERR, the SECINFO_ERR_* code that failed. */
int secinfo_admin_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "secinfo-admin: MESSAGE" on stderr. Returns SECINFO_ERR_USAGE. */
int secinfo_admin_usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Loads the configuration, printing its errors. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_admin_load_conf(struct secinfo_admin *admin);

/* Loads the configuration and opens the database. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_admin_open(struct secinfo_admin *admin);

/* Closes what secinfo_admin_open opened; safe to call more than once. */
void secinfo_admin_close(struct secinfo_admin *admin);

/* Loads NAME, saying so when there is no such user. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_admin_user_load(struct secinfo_admin *admin, const char *name,
			    struct secinfo_user **user);

/* Refuses user names nobody can sign in with. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_admin_user_name_check(const char *name);

/* Writes into NAME (SIZE bytes) the name to enrol TYPED under: the name service's own spelling
 * (pw_name, as the module looks it up; said on stderr when it differs), or TYPED with a warning
 * when the name service does not know it (a typing mistake would otherwise enrol a user nobody
 * can sign in as) or cannot answer. */
void secinfo_admin_user_name_canonical(const char *typed, char *name, size_t size);

/* Appends an audit row for an administrator's action (inside the caller's transaction).
 * Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_admin_audit(struct secinfo_admin *admin, const char *user, const char *method,
			const char *event);

/* Ends the transaction of an administrator's change: when RC (the change's result) is 0,
 * appends the audit row and commits; otherwise, or when that fails, rolls back so nothing of
 * the change remains. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_admin_end(struct secinfo_admin *admin, int rc, const char *user, const char *method,
		      const char *event);

/* Writes time T (seconds since the epoch) as "2026-11-22T02:40:00Z" when ISO, else as
 * "2026-11-22 02:40:00 UTC". */
void secinfo_admin_time(long long t, int iso, char *out, size_t size);

/* Parses --since: an ISO date (2026-11-22, midnight UTC), an ISO time (2026-11-22T10:00:00Z)
 * or a duration ago (30m, 7d). Returns 0 and *since, or SECINFO_ERR_INVALID. */
int secinfo_admin_since_parse(const char *text, time_t now, long long *since);

/* Writes the kinds in PURPOSES as "2fa, reset" (or "-" for none). */
void secinfo_admin_purposes_text(unsigned purposes, char *out, size_t size);

/* Says which method is now USER's default, on stdout. */
void secinfo_admin_say_default(const struct secinfo_user *user);

/* --- table.c: aligned text tables for people ----------------------------------------------- */

struct secinfo_admin_table {
	size_t columns, rows;
	char **cells; /* rows * columns, escaped for the terminal */
	int failed;   /* out of memory while adding: print reports it */
};

/* Starts a table whose first row is the header HEADINGS (COLUMNS strings). */
void secinfo_admin_table_init(struct secinfo_admin_table *table, size_t columns,
			      const char *const *headings);

/* Adds a row of table->columns strings (NULL prints as "-"). */
void secinfo_admin_table_add(struct secinfo_admin_table *table, const char *const *cells);

/* Prints the table with aligned columns. Returns 0 or SECINFO_ERR_NOMEM. */
int secinfo_admin_table_print(const struct secinfo_admin_table *table, FILE *out);

/* Frees the table's cells. */
void secinfo_admin_table_free(struct secinfo_admin_table *table);

#endif
