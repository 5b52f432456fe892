/* Shared by the C PAM tests: a throw-away setup (configuration, key, database, service files)
 * for the test build of the module, and a scripted PAM conversation. */
#ifndef SECINFO_PAMTEST_UTIL_H
#define SECINFO_PAMTEST_UTIL_H

#include <security/pam_appl.h>

#include "conf.h"
#include "store.h"

#define PT_SECRET_B32 "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

struct pt_env {
	char dir[256];     /* the 0700 directory, owned by whoever runs the test */
	char conf[320];    /* its secinfo.conf */
	char module[1024]; /* the built pam_secinfo.so */
};

/* A conversation that answers prompts from a list and records what it was shown. */
struct pt_conv {
	const char *answers[16]; /* NULL entry: reply with a NULL response (Ctrl-D) */
	int n_answers, next;
	int fail;              /* make the conversation function itself fail */
	char transcript[8192]; /* every message and prompt, one per line, style-prefixed */
	int prompts;
	/* Called just before prompt number HOOK_AT (1-based) is answered: what a parallel sign-in
	 * or an administrator does while this conversation waits for the user. */
	void (*hook)(const void *arg);
	const void *hook_arg;
	int hook_at;
};

/* Creates the directory, the configuration (EXTRA appended), the key and the database. */
void pt_setup(struct pt_env *env, const char *extra);

/* Opens the test store with FLAGS (0, or SECINFO_STORE_CREATE) as a process of its own would,
 * its configuration in *CONF (the caller frees both). Exits 99 on failure. */
struct secinfo_store *pt_store(struct pt_env *env, struct secinfo_conf **conf, int flags);

/* Takes over the directory DIR that the first run of the program set up (after pt_wrap). */
void pt_adopt(struct pt_env *env, const char *dir);

/* Removes the directory (also done at exit). */
void pt_cleanup(struct pt_env *env);

/* Enrolls an app method for USER with PT_SECRET_B32 (HOTP when HOTP). */
void pt_enroll_app(struct pt_env *env, const char *user, int hotp);

/* Enrolls a method of KIND with DETAIL (sms, call, email) for USER, without verification. */
void pt_enroll_detail(struct pt_env *env, const char *user, const char *kind, const char *detail);

/* Writes the current TOTP code (STEPS periods away), computed by oathtool, into CODE. */
void pt_totp(int steps, char code[16]);

/* Writes a service file NAME with auth and account lines for the module plus ARGS. */
void pt_service(struct pt_env *env, const char *name, const char *args);

/* Re-executes the program under pam_wrapper with the service directory of ENV, unless that
 * is already the case. */
void pt_wrap(struct pt_env *env, int argc, char **argv);

/* The conversation function for struct pt_conv. */
int pt_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data);

/* The checks themselves: CHECK and check_summary() of tests/unit/check.h, as in the unit tests. */

#endif
