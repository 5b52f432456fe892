/* secinfo: the users' own command (SPEC 12, secinfo(1)). What its files share. */
#ifndef SECINFO_CMD_H
#define SECINFO_CMD_H

#include <signal.h>
#include <time.h>

#include "change.h"
#include "conf.h"
#include "shield.h"
#include "store.h"
#include "username.h"

/*
 * Every function returns 0 (done) or a negative SECINFO_ERR_* code after printing why;
 * SECINFO_ERR_USAGE means the command line is wrong. main makes them exit statuses 0, 1, 2.
 */

/* Options as bits. */
enum secinfo_cmd_option {
	SECINFO_CMD_JSON = 1u << 0,
	SECINFO_CMD_YES = 1u << 1,
	SECINFO_CMD_HOTP = 1u << 2,
};

/* What a run works with. */
struct secinfo_cmd {
	const char *conf_path;
	char user[SECINFO_USERNAME_MAX + 1]; /* the real uid's name, or root's --user */
	int as_root;                         /* the real uid is 0: no PAM, -c and --user allowed */
	unsigned options;
	char **words; /* the command and its arguments */
	int n_words;
	struct secinfo_conf *conf;
	struct secinfo_store *store;
	time_t now;
	/* The kind the module verified in this PAM run (SECINFO_FACTOR), "" when none. */
	char factor[32];
	/* Only the password was proven (a user with no second factor of their own): the one
	 * change allowed is adding a first method, re-checked inside its transaction. */
	int first_only;
};

/* --- setuid.c: the hygiene of a set-user-id program ---------------------------------------- */

/* Makes sure descriptors 0, 1 and 2 are open (on /dev/null if they were closed), so that no
 * file this program opens can become one of them. Exits with status 1 when it cannot. */
void secinfo_setuid_fds(void);

/* Replaces the environment with a fixed PATH and the locale variables whose values are plain
 * locale names; everything else (LD_*, IFS, TMPDIR, SQLITE_TMPDIR, proxies ...) is dropped.
 * Returns 0 or SECINFO_ERR_NOMEM. */
int secinfo_setuid_environment(void);

/* Sets the resource limits a write to the store needs (no file size limit) and no core file,
 * puts back the default action of the signals a caller may have ignored and unblocks them all,
 * as a set-user-id program must not inherit them. Returns 0 or SECINFO_ERR_INTERNAL. */
int secinfo_setuid_limits(void);

/* What secinfo_setuid_guard_raise changed, for secinfo_setuid_guard_lower to give back. */
struct secinfo_setuid_guard {
	sigset_t saved;
	struct secinfo_shield shield;
};

/*
 * Around a change and its notice (SPEC 15): blocks the signals a person or a closed terminal
 * can send (INT, QUIT, TSTP, HUP, TERM, PIPE) and raises the shield of shield.h (the real and
 * saved uid root, so that the caller's own kill(2), SIGKILL included, fails with EPERM). The
 * person who made the change cannot end the process between the commit and the notice to the
 * user's addresses: an intruder in the user's session could otherwise add their own number
 * and suppress the notice that tells the user. The wait is bounded by the gateway's and the
 * mail server's timeouts. Returns 0, or SECINFO_ERR_INTERNAL with nothing changed.
 */
int secinfo_setuid_guard_raise(struct secinfo_setuid_guard *guard);

/* Gives back what secinfo_setuid_guard_raise changed; signals that came meanwhile are then
 * delivered. */
void secinfo_setuid_guard_lower(struct secinfo_setuid_guard *guard);

/* Prints "secinfo: MESSAGE" on stderr. Returns SECINFO_ERR_DENIED. */
int secinfo_cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Prints "secinfo: MESSAGE" on stderr. Returns SECINFO_ERR_USAGE. */
int secinfo_cmd_usage_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- auth.c: proving who the user is ------------------------------------------------------ */

/* Runs the PAM service "secinfo" for cmd->user on the terminal (pam_authenticate, then
 * pam_acct_mgmt) and keeps in cmd->factor the kind the module verified. Returns 0, or
 * SECINFO_ERR_DENIED after saying "verification failed". */
int secinfo_cmd_authenticate(struct secinfo_cmd *cmd);

/* Decides whether what PAM proved is enough for COMMAND ("show", "add", ...) given the user's
 * methods (USER may be NULL: none), and sets cmd->first_only when only the password was.
 * Returns 0, or SECINFO_ERR_DENIED after saying what to do. */
int secinfo_cmd_authorize(struct secinfo_cmd *cmd, const struct secinfo_user *user,
			  const char *command);

/* --- show.c -------------------------------------------------------------------------------- */

/* secinfo [show] [--json]: the user's methods, details masked. */
int secinfo_cmd_show(struct secinfo_cmd *cmd, const struct secinfo_user *user);

/* Says which method is the default now, on stdout. */
void secinfo_cmd_say_default(const struct secinfo_user *user);

/* --- cmd_change.c -------------------------------------------------------------------------- */

int secinfo_cmd_add(struct secinfo_cmd *cmd);
int secinfo_cmd_delete(struct secinfo_cmd *cmd, const struct secinfo_user *user);
int secinfo_cmd_default(struct secinfo_cmd *cmd, const struct secinfo_user *user);

/* The change layer, acting as the user through secinfo. */
struct secinfo_change secinfo_cmd_change(const struct secinfo_cmd *cmd);

#endif
