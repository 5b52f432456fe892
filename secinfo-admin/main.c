/*
 * secinfo-admin: edits the enrollment database (SPEC §7). main() finds the command in a table,
 * parses its options the same way for every command, and runs it; the commands live in
 * cmd_*.c and return the exit status themselves.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "error.h"
#include "crypto.h"
#include "otp.h"
#include "safefile.h"

#define SECINFO_ADMIN_ANY_WORDS (-1) /* the command reads its words itself: no option parsing */

struct secinfo_admin_command {
	const char *group, *name; /* "user", "show"; name is NULL for one-word commands */
	const char *usage;        /* the rest of the line; alternatives separated by '\n' */
	const char *summary;
	unsigned options;         /* SECINFO_OPT_* accepted */
	int min_words, max_words; /* positional arguments */
	int (*run)(struct secinfo_admin *admin, const struct secinfo_admin_args *args);
};

static const struct secinfo_admin_command secinfo_admin_commands[] = {
	{"init", NULL, "", "create database and key (idempotent)", 0, 0, 0, secinfo_admin_cmd_init},
	{"check", NULL, "", "validate configuration, database, key and permissions", 0, 0, 0,
	 secinfo_admin_cmd_check},
	{"user", "list", "[--json]", "list the enrolled users", SECINFO_OPT_JSON, 0, 0,
	 secinfo_admin_cmd_user_list},
	{"user", "show", "USER [--json]", "show a user's methods, default and lockout",
	 SECINFO_OPT_JSON, 1, 1, secinfo_admin_cmd_user_show},
	{"user", "delete", "USER [--yes]", "delete a user and all their methods", SECINFO_OPT_YES,
	 1, 1, secinfo_admin_cmd_user_delete},
	{"user", "unlock", "USER", "clear a user's failures and lockout", 0, 1, 1,
	 secinfo_admin_cmd_user_unlock},
	{"method", "add",
	 "USER app [--secret-file FILE|-] [--secret BASE32] [--hotp] [--no-verify]\n"
	 "USER sms|call PHONE [--no-verify]\n"
	 "USER email ADDRESS [--no-verify]\n"
	 "USER key (the key plugged in here: PIN and touch)\n"
	 "USER questions [--answers-file FILE]",
	 "register a method for a user",
	 SECINFO_OPT_SECRET | SECINFO_OPT_SECRET_FILE | SECINFO_OPT_HOTP | SECINFO_OPT_NO_VERIFY |
		 SECINFO_OPT_ANSWERS_FILE,
	 2, 3, secinfo_admin_cmd_method_add},
	{"method", "delete", "USER METHOD [--yes]", "delete a method (METHOD: id, or kind)",
	 SECINFO_OPT_YES, 2, 2, secinfo_admin_cmd_method_delete},
	{"method", "default", "USER METHOD", "make a method the user's default", 0, 2, 2,
	 secinfo_admin_cmd_method_default},
	{"question", "add", "TEXT", "add a security question (prints its id)", 0, 1, 1,
	 secinfo_admin_cmd_question_add},
	{"question", "list", "[--json]", "list the security questions", SECINFO_OPT_JSON, 0, 0,
	 secinfo_admin_cmd_question_list},
	{"question", "retire", "ID", "stop asking and offering a security question", 0, 1, 1,
	 secinfo_admin_cmd_question_retire},
	{"tap", "issue", "USER [--lifetime DURATION] [--uses N]",
	 "issue a temporary access pass (printed once; DURATION 10m..30d, N 1..10)",
	 SECINFO_OPT_LIFETIME | SECINFO_OPT_USES, 1, 1, secinfo_admin_cmd_tap_issue},
	{"tap", "revoke", "USER", "revoke a user's temporary access pass", 0, 1, 1,
	 secinfo_admin_cmd_tap_revoke},
	{"import", "google-authenticator", "USER FILE [--dry-run]",
	 "register USER's app from a ~/.google_authenticator FILE (scratch codes are not taken)",
	 SECINFO_OPT_DRY_RUN, 2, 2, secinfo_admin_cmd_import_ga},
	{"import", "oath", "FILE [--dry-run] [--skip-invalid]",
	 "register the app of every user in a pam_oath users FILE (lines with a PIN are refused; "
	 "a bad line fails the file unless --skip-invalid)",
	 SECINFO_OPT_DRY_RUN | SECINFO_OPT_SKIP_INVALID, 1, 1, secinfo_admin_cmd_import_oath},
	{"audit", NULL, "[--user USER] [--since WHEN] [--json]",
	 "show the audit trail (WHEN: 2026-11-22, 2026-11-22T10:00:00Z, 30m, 7d)",
	 SECINFO_OPT_USER | SECINFO_OPT_SINCE | SECINFO_OPT_JSON, 0, 0, secinfo_admin_cmd_audit},
	{"copy", NULL, "--to FILE",
	 "copy the whole store into the empty one that configuration FILE names (made by "
	 "'secinfo-admin -c FILE init' with the same key)",
	 SECINFO_OPT_TO, 0, 0, secinfo_admin_cmd_copy},
	{"send-test", NULL, "sms|call|email DESTINATION",
	 "send a test code and print what the gateway answered", 0, 2, 2,
	 secinfo_admin_cmd_send_test},
};
#define SECINFO_ADMIN_NCOMMANDS (sizeof(secinfo_admin_commands) / sizeof(secinfo_admin_commands[0]))

static char secinfo_admin_program[] = "secinfo-admin";

/* What --help says about --secret (secinfo-admin(8)). */
static const char secinfo_admin_secret_note[] =
	"\n--secret-file FILE reads the base32 secret from the first line of FILE ('-': standard\n"
	"input, whose next lines answer the prompts). --secret BASE32 is overwritten in the\n"
	"process's arguments at start, but other users can see it in ps until then: prefer\n"
	"--secret-file.\n";

/* Long options; val is the SECINFO_OPT_* bit's index plus this base. */
#define SECINFO_ADMIN_OPT_BASE 1000
static const struct option secinfo_admin_options[] = {
	{"json", no_argument, NULL, SECINFO_ADMIN_OPT_BASE + 0},
	{"yes", no_argument, NULL, SECINFO_ADMIN_OPT_BASE + 1},
	{"no-verify", no_argument, NULL, SECINFO_ADMIN_OPT_BASE + 2},
	{"hotp", no_argument, NULL, SECINFO_ADMIN_OPT_BASE + 3},
	{"secret", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 4},
	{"user", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 5},
	{"since", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 6},
	{"answers-file", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 7},
	{"secret-file", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 8},
	{"lifetime", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 9},
	{"uses", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 10},
	{"dry-run", no_argument, NULL, SECINFO_ADMIN_OPT_BASE + 11},
	{"skip-invalid", no_argument, NULL, SECINFO_ADMIN_OPT_BASE + 12},
	{"to", required_argument, NULL, SECINFO_ADMIN_OPT_BASE + 13},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* Prints one command's usage lines, each prefixed with PREFIX. */
static void
secinfo_admin_usage_command(const struct secinfo_admin_command *cmd, const char *prefix, FILE *out)
{
	const char *line = cmd->usage;

	do {
		size_t n = strcspn(line, "\n");
		fprintf(out, "%ssecinfo-admin [-c FILE] %s%s%s%s%.*s\n", prefix, cmd->group,
			cmd->name ? " " : "", cmd->name ? cmd->name : "", n ? " " : "", (int)n,
			line);
		line += n;
	} while (*line++ != '\0');
}

static void
secinfo_admin_usage(FILE *out)
{
	fputs("usage: secinfo-admin [-c FILE] COMMAND ...\n\n"
	      "Edits the secinfo enrollment database (secinfo-admin(8)).\n\n",
	      out);
	for (size_t i = 0; i < SECINFO_ADMIN_NCOMMANDS; i++) {
		fprintf(out, "  %s%s%s: %s\n", secinfo_admin_commands[i].group,
			secinfo_admin_commands[i].name ? " " : "",
			secinfo_admin_commands[i].name ? secinfo_admin_commands[i].name : "",
			secinfo_admin_commands[i].summary);
		secinfo_admin_usage_command(&secinfo_admin_commands[i], "    ", out);
	}
	fprintf(out,
		"\noptions:\n"
		"  -c FILE     configuration file (default %s)\n"
		"  -h, --help  show this text\n\n"
		"Answers (codes, confirmations) are read from standard input.\n%s"
		"Exit status: 0 done, 1 refused or failed, 2 usage error.\n",
		SECINFO_CONF_PATH, secinfo_admin_secret_note);
}

/* Finds the command named by WORDS; *used gets how many words named it. Prints why on failure. */
static const struct secinfo_admin_command *
secinfo_admin_find(int n, char **words, int *used)
{
	int group_known = 0;

	for (size_t i = 0; i < SECINFO_ADMIN_NCOMMANDS; i++) {
		const struct secinfo_admin_command *cmd = &secinfo_admin_commands[i];
		if (strcmp(words[0], cmd->group) != 0)
			continue;
		group_known = 1;
		if (cmd->name == NULL) {
			*used = 1;
			return cmd;
		}
		if (n > 1 && strcmp(words[1], cmd->name) == 0) {
			*used = 2;
			return cmd;
		}
	}
	if (!group_known) {
		secinfo_admin_usage_fail("unknown command '%s'; 'secinfo-admin --help' lists the "
					 "commands",
					 words[0]);
		return NULL;
	}
	if (n > 1)
		secinfo_admin_usage_fail("'%s' has no subcommand '%s'", words[0], words[1]);
	else
		secinfo_admin_usage_fail("'%s' needs a subcommand", words[0]);
	for (size_t i = 0; i < SECINFO_ADMIN_NCOMMANDS; i++)
		if (strcmp(words[0], secinfo_admin_commands[i].group) == 0)
			secinfo_admin_usage_command(&secinfo_admin_commands[i], "  ", stderr);
	return NULL;
}

/*
 * Moves --secret's VALUE out of the process's arguments: copies it to guarded memory (*copy)
 * and overwrites it in argv, so that ps and /proc/PID/cmdline no longer show it while the
 * command waits for a code. It was visible there from exec until now: --secret-file avoids
 * that. Returns 0 or SECINFO_ERR_NOMEM.
 */
static int
secinfo_admin_secret_take(char *value, char **copy)
{
	size_t n = strlen(value);

	*copy = secinfo_secret_alloc(n);
	if (*copy == NULL)
		return secinfo_admin_error(SECINFO_ERR_NOMEM, "out of memory");
	memcpy(*copy, value, n + 1);
	/* VALUE is in argv's strings, which are writable (C11 5.1.2.2.1). */
	memset(value, 'x', n);
	return SECINFO_OK;
}

/* Records one option in ARGS (--secret: moved out of argv). Returns 0, SECINFO_ERR_USAGE or
 * SECINFO_ERR_NOMEM. */
static int
secinfo_admin_option(const struct secinfo_admin_command *cmd, int index, char *value,
		     struct secinfo_admin_args *args)
{
	unsigned bit = 1u << index;
	const char **slot = NULL;

	if (!(cmd->options & bit))
		return secinfo_admin_usage_fail("--%s cannot be used with '%s%s%s'",
						secinfo_admin_options[index].name, cmd->group,
						cmd->name ? " " : "", cmd->name ? cmd->name : "");
	if (bit == SECINFO_OPT_USER)
		slot = &args->user;
	else if (bit == SECINFO_OPT_SINCE)
		slot = &args->since;
	else if (bit == SECINFO_OPT_ANSWERS_FILE)
		slot = &args->answers_file;
	else if (bit == SECINFO_OPT_SECRET_FILE)
		slot = &args->secret_file;
	else if (bit == SECINFO_OPT_LIFETIME)
		slot = &args->lifetime;
	else if (bit == SECINFO_OPT_USES)
		slot = &args->uses;
	else if (bit == SECINFO_OPT_TO)
		slot = &args->to;
	if (args->options & bit)
		return secinfo_admin_usage_fail("--%s is given twice",
						secinfo_admin_options[index].name);
	args->options |= bit;
	if (slot != NULL)
		*slot = value;
	if (bit == SECINFO_OPT_SECRET)
		return secinfo_admin_secret_take(value, &args->secret);
	return SECINFO_OK;
}

/*
 * Parses the options and words after the command words (ARGV[0] is the last command word).
 * Options may come before or after the words; "--" ends them. Returns 0 (*help set when
 * --help was asked for: nothing else is checked), SECINFO_ERR_USAGE or SECINFO_ERR_NOMEM.
 */
static int
secinfo_admin_parse(const struct secinfo_admin_command *cmd, int argc, char **argv,
		    struct secinfo_admin_args *args, int *help)
{
	int c, rc = SECINFO_OK;

	args->words = calloc((size_t)argc + 1, sizeof(*args->words));
	if (args->words == NULL)
		return secinfo_admin_error(SECINFO_ERR_NOMEM, "out of memory");
	if (cmd->max_words == SECINFO_ADMIN_ANY_WORDS) {
		for (int i = 1; i < argc; i++)
			args->words[args->n_words++] = argv[i];
		return SECINFO_OK;
	}
	argv[0] = secinfo_admin_program; /* getopt's messages start with it */
	optind = 0;                      /* glibc: start afresh */
	/* A leading '-' returns words in order (code 1) even under POSIXLY_CORRECT. */
	while (rc == SECINFO_OK &&
	       (c = getopt_long(argc, argv, "-h", secinfo_admin_options, NULL)) != -1) {
		if (c == 1)
			args->words[args->n_words++] = optarg;
		else if (c == 'h') {
			*help = 1;
			return 0;
		} else if (c >= SECINFO_ADMIN_OPT_BASE)
			rc = secinfo_admin_option(cmd, c - SECINFO_ADMIN_OPT_BASE, optarg, args);
		else
			rc = SECINFO_ERR_USAGE; /* getopt said why */
	}
	for (int i = optind; rc == SECINFO_OK && i < argc; i++)
		args->words[args->n_words++] = argv[i];
	if (rc == SECINFO_OK && (args->n_words < cmd->min_words || args->n_words > cmd->max_words))
		rc = secinfo_admin_usage_fail(
			args->n_words < cmd->min_words ? "missing argument" : "too many arguments");
	return rc;
}

/*
 * "secinfo-admin GROUP --help" (or -h) for a group of subcommands: prints the group's usage
 * lines on stdout. Returns 1 when it did, 0 when ARGV asks for something else.
 */
static int
secinfo_admin_group_help(int argc, char **argv)
{
	int found = 0;

	if (argc < 2 || (strcmp(argv[1], "--help") != 0 && strcmp(argv[1], "-h") != 0))
		return 0;
	for (size_t i = 0; i < SECINFO_ADMIN_NCOMMANDS; i++) {
		const struct secinfo_admin_command *cmd = &secinfo_admin_commands[i];
		if (cmd->name == NULL || strcmp(argv[0], cmd->group) != 0)
			continue;
		if (!found)
			printf("usage:\n");
		found = 1;
		secinfo_admin_usage_command(cmd, "  ", stdout);
		printf("      %s\n", cmd->summary);
	}
	return found;
}

/* Says that secinfo-admin must be run as root; the sentence names the program already, so it
 * goes without the usual "secinfo-admin: " prefix. Returns SECINFO_ERR_DENIED (exit 1). */
static int
secinfo_admin_not_root(void)
{
	fputs("secinfo-admin must be run as root\n", stderr);
	return SECINFO_ERR_DENIED;
}

/* Runs the command named by ARGV (everything after the global options). */
static int
secinfo_admin_dispatch(struct secinfo_admin *admin, int argc, char **argv)
{
	const struct secinfo_admin_command *cmd;
	struct secinfo_admin_args args = {0};
	char command[64];
	int used = 0, help = 0, rc;

	if (secinfo_admin_group_help(argc, argv))
		return SECINFO_OK;
	cmd = secinfo_admin_find(argc, argv, &used);
	if (cmd == NULL)
		return SECINFO_ERR_USAGE;
	snprintf(command, sizeof(command), "%s%s%s", cmd->group, cmd->name ? " " : "",
		 cmd->name ? cmd->name : "");
	args.command = command;
	rc = secinfo_admin_parse(cmd, argc - used + 1, argv + used - 1, &args, &help);
	if (rc == 0 && help) {
		secinfo_admin_usage_command(cmd, "usage: ", stdout);
		if (cmd->options & SECINFO_OPT_SECRET)
			fputs(secinfo_admin_secret_note, stdout);
	} else if (rc == 0 && !secinfo_file_owner_trusted(geteuid()))
		/* Every command reads or writes root's files; say so before any of them is judged
		 * unsafe. The same one rule as the files' owner check: the test build also trusts
		 * the user running the tests (libsecinfo/safefile.c). */
		rc = secinfo_admin_not_root();
	else if (rc == 0)
		rc = cmd->run(admin, &args);
	if (rc == SECINFO_ERR_USAGE)
		secinfo_admin_usage_command(cmd, "usage: ", stderr);
	secinfo_secret_free(args.secret);
	free(args.words);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option global[] = {
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct secinfo_admin admin = {.conf_path = SECINFO_CONF_PATH};
	int c, rc = 0;

	/* '+': stop at the command word, whose own options are parsed per command. */
	while ((c = getopt_long(argc, argv, "+c:h", global, NULL)) != -1) {
		if (c == 'c') {
			admin.conf_path = optarg;
		} else if (c == 'h') {
			secinfo_admin_usage(stdout);
			return 0;
		} else {
			fputs("Try 'secinfo-admin --help'.\n", stderr);
			return secinfo_admin_exit_status(SECINFO_ERR_USAGE);
		}
	}
	if (optind >= argc) {
		fputs("usage: secinfo-admin [-c FILE] COMMAND ...\n"
		      "'secinfo-admin --help' lists the commands.\n",
		      stderr);
		return secinfo_admin_exit_status(SECINFO_ERR_USAGE);
	}
	if (secinfo_crypto_init() != 0 || secinfo_otp_init() != 0)
		rc = secinfo_admin_error(SECINFO_ERR_CRYPTO, "cannot initialise libsodium or "
							     "liboath");
	admin.now = time(NULL);
	if (rc == 0)
		rc = secinfo_admin_dispatch(&admin, argc - optind, argv + optind);
	secinfo_admin_close(&admin);
	secinfo_otp_done();
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = secinfo_admin_error(SECINFO_ERR_IO, "cannot write the output");
	return secinfo_admin_exit_status(rc);
}
