/*
 * secinfo-reset: self-service password reset for someone who forgot their password.
 * Asks for the user name, then runs the PAM service "secinfo-reset": auth (pam_secinfo
 * purpose=reset), account, then password to set the new password. Runs as root, for example
 * as the forced command of a dedicated SSH account or on a console. Whatever goes wrong, it
 * says only "verification failed"; the reason goes to syslog and every attempt to the audit
 * trail.
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_misc.h>

#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "escape.h"
#include "pamstack.h"
#include "safefile.h"
#include "store.h"

#define SECINFO_RESET_SERVICE  "secinfo-reset"
#define SECINFO_RESET_NAME_MAX 64

/* The directory of PAM services: /etc/pam.d; the test copy checks pam_wrapper's instead. */
static const char *
secinfo_reset_pam_dir(void)
{
#ifdef SECINFO_TEST_PAM_WRAPPER_DIR
	const char *dir = getenv("PAM_WRAPPER_SERVICE_DIR");

	if (dir != NULL && dir[0] == '/')
		return dir;
#endif
	return SECINFO_PAM_DIR;
}

/* Refuses to run unless the PAM service secinfo-reset verifies with pam_secinfo.so
 * purpose=reset: without the file libpam runs "other" (on Debian: the old password, then a
 * new one, with no proof from security info). Returns 0, or 1 after saying what is wrong. */
static int
secinfo_reset_check_service(void)
{
	const char *dir = secinfo_reset_pam_dir();
	char what[1024];

	if (secinfo_pam_reset_check(dir, SECINFO_RESET_SERVICE, what, sizeof(what)) == 0)
		return 0;
	fprintf(stderr,
		"secinfo-reset: refusing to run: %s.\n"
		"Install the shipped service: cp %s/%s %s/ (see secinfo-reset(8)).\n",
		what, SECINFO_PAM_EXAMPLES_DIR, SECINFO_RESET_SERVICE, SECINFO_PAM_DIR);
	syslog(LOG_AUTHPRIV | LOG_ERR, "refusing to run: %s", what);
	return 1;
}

/* Reads the user name from standard input. Returns 0, or -1 at end of input or for a name
 * that is empty, too long, or has characters no account name has. */
static int
secinfo_reset_ask_name(char *name, size_t size)
{
	size_t n;

	fputs("User name: ", stdout);
	fflush(stdout);
	if (fgets(name, (int)size, stdin) == NULL)
		return -1;
	n = strcspn(name, "\r\n");
	if (name[n] == '\0' && !feof(stdin))
		return -1; /* longer than the buffer */
	name[n] = '\0';
	return 0;
}

static int
secinfo_reset_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > SECINFO_RESET_NAME_MAX || name[0] == '-')
		return 0;
	for (const char *p = name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-' && *p != '@')
			return 0;
	return 1;
}

/* One audit row per attempt, in the database the configuration names. */
static void
secinfo_reset_audit(const char *conf_path, const char *user, const char *result)
{
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = NULL;
	char why[512], escaped[128];
	/* the user as it is: secinfo-admin audit escapes it when it prints */
	struct secinfo_audit_entry e = {.time = (long long)time(NULL),
					.user = user,
					.service = SECINFO_RESET_SERVICE,
					.rhost = "",
					.method = "",
					.event = "password-reset",
					.result = result};

	if (secinfo_crypto_init() != 0 || secinfo_conf_load(conf_path, &conf, &problems) != 0 ||
	    secinfo_store_open(conf, 0, &store, why, sizeof(why)) != 0 ||
	    secinfo_store_audit(store, &e) != 0)
		syslog(LOG_AUTHPRIV | (strcmp(result, "success") == 0 ? LOG_CRIT : LOG_ERR),
		       "AUDIT TRAIL NOT WRITTEN (%s): lost the row event=password-reset user=%s "
		       "result=%s",
		       conf_path, secinfo_escape(user, escaped, sizeof(escaped)), result);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

/*
 * Tells PAM where the person is, as sshd and login do for their sign-ins, so that a remote reset
 * never reaches a security key plugged into this machine (SPEC 11); without PAM_RHOST the
 * module would take the person for one at the console. PAM_RHOST is the client address sshd
 * puts first in SSH_CONNECTION (or SSH_CLIENT) when secinfo-reset is the forced command of an
 * SSH account; sshd sets these and the person cannot change them (PermitUserEnvironment is off
 * by default). Without them, a person on a pseudo-terminal (or on no terminal) may still be
 * remote: sudo's env_reset drops SSH_CONNECTION on the way here, and a terminal emulator is no
 * place for someone who forgot their password. Only a real terminal (a console, a virtual or
 * serial terminal through a getty) counts as local; anything else gets PAM_RHOST "unknown".
 * PAM_TTY is standard input's terminal. Returns a PAM code.
 */
static int
secinfo_reset_where(pam_handle_t *pamh)
{
	const char *ssh = getenv("SSH_CONNECTION"), *tty = ttyname(STDIN_FILENO);
	char rhost[64] = "";
	size_t n;
	int rc = PAM_SUCCESS;

	if (ssh == NULL || ssh[0] == '\0')
		ssh = getenv("SSH_CLIENT");
	if (ssh != NULL && ssh[0] != '\0') {
		n = strcspn(ssh, " ");
		if (n > 0 && n < sizeof(rhost))
			snprintf(rhost, sizeof(rhost), "%.*s", (int)n, ssh);
	}
	if (rhost[0] == '\0' &&
	    ((ssh != NULL && ssh[0] != '\0') || tty == NULL || strncmp(tty, "/dev/pts/", 9) == 0))
		snprintf(rhost, sizeof(rhost), "%s", "unknown");
	if (rhost[0] != '\0')
		rc = pam_set_item(pamh, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS && tty != NULL)
		rc = pam_set_item(pamh, PAM_TTY, tty);
	return rc;
}

/* Runs the PAM service for USER. Returns the first failing PAM code, or PAM_SUCCESS. */
static int
secinfo_reset_run(const char *user)
{
	struct pam_conv conv = {misc_conv, NULL};
	pam_handle_t *pamh = NULL;
	int rc;

	rc = pam_start(SECINFO_RESET_SERVICE, user, &conv, &pamh);
	if (rc != PAM_SUCCESS)
		return rc;
	rc = secinfo_reset_where(pamh);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, PAM_DISALLOW_NULL_AUTHTOK);
	if (rc == PAM_SUCCESS || rc == PAM_NEW_AUTHTOK_REQD)
		rc = pam_chauthtok(pamh, 0);
	if (rc != PAM_SUCCESS)
		syslog(LOG_AUTHPRIV | LOG_NOTICE, "password reset failed: %s",
		       pam_strerror(pamh, rc));
	pam_end(pamh, rc);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *conf_path = SECINFO_CONF_PATH;
	char name[SECINFO_RESET_NAME_MAX + 2] = "", escaped[128];
	int opt, rc;

	while ((opt = getopt(argc, argv, "c:h")) != -1) {
		if (opt == 'c') {
			conf_path = optarg;
		} else {
			fprintf(stderr, "usage: secinfo-reset [-c FILE] [USER]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "usage: secinfo-reset [-c FILE] [USER]\n");
		return 2;
	}
	if (!secinfo_file_owner_trusted(geteuid())) { /* root (test build: also its user) */
		fprintf(stderr, "secinfo-reset: must run as root\n");
		return 1;
	}
	openlog("secinfo-reset", LOG_PID, LOG_AUTHPRIV);
	if (secinfo_reset_check_service() != 0)
		return 1;
	if (optind < argc)
		snprintf(name, sizeof(name), "%s", argv[optind]);
	else if (secinfo_reset_ask_name(name, sizeof(name)) != 0)
		name[0] = '\0';
	rc = secinfo_reset_name_ok(name) ? secinfo_reset_run(name) : PAM_USER_UNKNOWN;
	secinfo_reset_audit(conf_path, name, rc == PAM_SUCCESS ? "success" : "failure");
	syslog(LOG_AUTHPRIV | LOG_NOTICE, "user=%s result=%s",
	       secinfo_escape(name, escaped, sizeof(escaped)),
	       rc == PAM_SUCCESS ? "success" : "failure");
	if (rc != PAM_SUCCESS) {
		/* Never why: who exists, who is enrolled, what was wrong stays in the log. */
		puts("verification failed");
		return 1;
	}
	puts("Your password has been changed.");
	return 0;
}
