/*
 * secinfo: the command a user runs to see and change their own security info (SPEC 12). It is
 * installed set-user-id root, like passwd: it acts only on the user of the real uid, ignores
 * the environment, and lets the user change nothing before they proved who they are through
 * the PAM service "secinfo". Root may name another configuration (-c) and user (--user).
 */
#include "config.h"

#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "error.h"
#include "secinfo.h"

static void
secinfo_cmd_usage(FILE *out)
{
	fputs("usage: secinfo [show] [--json]              your methods, default, lockout\n"
	      "       secinfo add app [--hotp]             QR code, then a current code\n"
	      "       secinfo add sms|call PHONE           sends a code, asks for it\n"
	      "       secinfo add email ADDRESS            sends a code, asks for it\n"
	      "       secinfo add key                      PIN and touch\n"
	      "       secinfo add questions                answers to security questions\n"
	      "       secinfo delete METHOD [--yes]        METHOD: an id, or a kind you have once\n"
	      "       secinfo default METHOD\n"
	      "root only: -c FILE (configuration), --user USER\n"
	      "See secinfo(1).\n",
	      out);
}

/* Parses the command line into CMD. Returns 0, 1 for --help, or a negative SECINFO_ERR_*. */
static int
secinfo_cmd_parse(struct secinfo_cmd *cmd, int argc, char **argv, const char **user)
{
	static const struct option options[] = {
		{"json", no_argument, NULL, 'j'}, {"yes", no_argument, NULL, 'y'},
		{"hotp", no_argument, NULL, 'o'}, {"user", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":c:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': cmd->conf_path = optarg; break;
		case 'u': *user = optarg; break;
		case 'j': cmd->options |= SECINFO_CMD_JSON; break;
		case 'y': cmd->options |= SECINFO_CMD_YES; break;
		case 'o': cmd->options |= SECINFO_CMD_HOTP; break;
		case 'h': return 1;
		case ':': return secinfo_cmd_usage_fail("%s needs a value", argv[optind - 1]);
		default: return secinfo_cmd_usage_fail("unknown option %s", argv[optind - 1]);
		}
	}
	cmd->words = argv + optind;
	cmd->n_words = argc - optind;
	return 0;
}

/* Checks the command word and the options it takes. Returns 0 or SECINFO_ERR_USAGE. */
static int
secinfo_cmd_check_words(const struct secinfo_cmd *cmd, const char *command)
{
	if (strcmp(command, "show") != 0 && strcmp(command, "add") != 0 &&
	    strcmp(command, "delete") != 0 && strcmp(command, "default") != 0)
		return secinfo_cmd_usage_fail("unknown command '%s': show, add, delete or default",
					      command);
	if (strcmp(command, "show") == 0 && cmd->n_words > 1)
		return secinfo_cmd_usage_fail("show takes nothing more");
	if (strcmp(command, "add") == 0 && cmd->n_words < 2)
		return secinfo_cmd_usage_fail("add needs a kind: app, sms, call, key, email or "
					      "questions");
	if ((cmd->options & SECINFO_CMD_JSON) && strcmp(command, "show") != 0)
		return secinfo_cmd_usage_fail("--json is only for show");
	if ((cmd->options & SECINFO_CMD_YES) && strcmp(command, "delete") != 0)
		return secinfo_cmd_usage_fail("--yes is only for delete");
	if ((cmd->options & SECINFO_CMD_HOTP) && strcmp(command, "add") != 0)
		return secinfo_cmd_usage_fail("--hotp is only for add app");
	return 0;
}

/* Finds the user: the real uid's name; root may name another with --user. */
static int
secinfo_cmd_user(struct secinfo_cmd *cmd, const char *user)
{
	struct passwd *pw;
	int known = 0, rc;

	if (user != NULL) {
		rc = secinfo_username_canonical(user, cmd->user, sizeof(cmd->user), &known);
		if (rc != 0 || !known)
			return secinfo_cmd_fail("there is no user '%s' in the name service; check "
						"the spelling",
						user);
		return 0;
	}
	pw = getpwuid(getuid());
	if (pw == NULL || secinfo_username_check(pw->pw_name) != 0 ||
	    strlen(pw->pw_name) >= sizeof(cmd->user))
		return secinfo_cmd_fail("your user id %u has no usable name in the name service; "
					"ask your administrator",
					(unsigned)getuid());
	snprintf(cmd->user, sizeof(cmd->user), "%s", pw->pw_name);
	return 0;
}

/* Loads the configuration, then (after PAM) opens the database. */
static int
secinfo_cmd_load_conf(struct secinfo_cmd *cmd)
{
	struct secinfo_problems problems = {0};
	int rc = secinfo_conf_load(cmd->conf_path, &cmd->conf, &problems);

	secinfo_problems_free(&problems);
	if (rc != 0)
		return secinfo_cmd_fail("the security info configuration cannot be used (%s); ask "
					"your administrator to run 'secinfo-admin check'",
					secinfo_strerror(rc));
	return 0;
}

static int
secinfo_cmd_open_store(struct secinfo_cmd *cmd)
{
	char why[1024] = "";
	int rc = secinfo_store_open(cmd->conf, 0, &cmd->store, why, sizeof(why));

	if (rc != 0)
		return secinfo_cmd_fail("the security info database cannot be used (%s); ask your "
					"administrator to run 'secinfo-admin check'",
					secinfo_strerror(rc));
	return 0;
}

/* Runs COMMAND for the authorised user. */
static int
secinfo_cmd_run(struct secinfo_cmd *cmd, const char *command)
{
	struct secinfo_user *user = NULL;
	int rc;

	rc = secinfo_store_user_get(cmd->store, cmd->user, &user);
	if (rc == SECINFO_ERR_NOT_FOUND)
		rc = 0; /* no methods yet */
	else if (rc != 0)
		return secinfo_cmd_fail("cannot read your security info: %s; ask your "
					"administrator",
					secinfo_strerror(rc));
	rc = secinfo_cmd_authorize(cmd, user, command);
	if (rc == 0 && strcmp(command, "show") == 0)
		rc = secinfo_cmd_show(cmd, user);
	else if (rc == 0 && strcmp(command, "add") == 0)
		rc = secinfo_cmd_add(cmd);
	else if (rc == 0 && strcmp(command, "delete") == 0)
		rc = secinfo_cmd_delete(cmd, user);
	else if (rc == 0)
		rc = secinfo_cmd_default(cmd, user);
	secinfo_user_free(user);
	return rc;
}

static int
secinfo_cmd_main(struct secinfo_cmd *cmd, int argc, char **argv)
{
	const char *user = NULL, *command;
	int rc;

	rc = secinfo_cmd_parse(cmd, argc, argv, &user);
	if (rc == 1) {
		secinfo_cmd_usage(stdout);
		return 0;
	}
	if (rc != 0)
		return rc;
	cmd->as_root = getuid() == 0;
	if (!cmd->as_root && cmd->conf_path != NULL)
		return secinfo_cmd_fail("-c is only for root; run secinfo as yourself");
	if (!cmd->as_root && user != NULL)
		return secinfo_cmd_fail("--user is only for root; run secinfo as yourself");
	if (cmd->conf_path == NULL)
		cmd->conf_path = SECINFO_CONF_PATH;
	command = cmd->n_words > 0 ? cmd->words[0] : "show";
	rc = secinfo_cmd_check_words(cmd, command);
	if (rc == 0)
		rc = secinfo_cmd_user(cmd, user);
	if (rc == 0 && secinfo_crypto_init() != 0)
		rc = secinfo_cmd_fail("cannot initialise libsodium");
	if (rc == 0)
		rc = secinfo_cmd_load_conf(cmd);
	if (rc == 0 && !cmd->as_root)
		rc = secinfo_cmd_authenticate(cmd);
	if (rc == 0)
		rc = secinfo_cmd_open_store(cmd);
	cmd->now = time(NULL);
	if (rc == 0)
		rc = secinfo_cmd_run(cmd, command);
	return rc;
}

int
main(int argc, char **argv)
{
	struct secinfo_cmd cmd = {0};
	int rc;

	/* Before anything else: no file we open may land on a closed 0, 1 or 2. */
	secinfo_setuid_fds();
	if (secinfo_setuid_environment() != 0) {
		fputs("secinfo: out of memory\n", stderr);
		return 1;
	}
	/* No core file of a process that holds the key and the decrypted details. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	umask(077);
	if (secinfo_setuid_limits() != 0) {
		fputs("secinfo: cannot set the resource limits and signals it needs\n", stderr);
		return 1;
	}
	rc = secinfo_cmd_main(&cmd, argc, argv);
	secinfo_store_close(cmd.store);
	secinfo_conf_free(cmd.conf);
	if (rc == SECINFO_ERR_USAGE)
		secinfo_cmd_usage(stderr);
	return rc == 0 ? 0 : rc == SECINFO_ERR_USAGE ? 2 : 1;
}
