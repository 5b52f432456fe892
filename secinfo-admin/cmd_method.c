/* secinfo-admin method add|delete|default. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "change.h"
#include "term.h"
#include "username.h"
#include "error.h"
#include "crypto.h"
#include "delivery.h"
#include "fido_key.h"
#include "kind.h"
#include "method.h"

/* Checks the options and words that only some kinds take. Returns 0 or SECINFO_ERR_USAGE. */
static int
secinfo_admin_add_usage(const struct secinfo_admin_args *args, const struct secinfo_method_ops *ops)
{
	if ((args->options & (SECINFO_OPT_SECRET | SECINFO_OPT_SECRET_FILE | SECINFO_OPT_HOTP)) &&
	    !(ops->enroll_options & (SECINFO_ENROLL_SECRET | SECINFO_ENROLL_HOTP)))
		return secinfo_admin_usage_fail(
			"--secret, --secret-file and --hotp are only for app");
	if ((args->options & SECINFO_OPT_SECRET) && (args->options & SECINFO_OPT_SECRET_FILE))
		return secinfo_admin_usage_fail("give --secret-file or --secret, not both");
	if ((args->options & SECINFO_OPT_ANSWERS_FILE) &&
	    !(ops->enroll_options & SECINFO_ENROLL_ANSWERS_FILE))
		return secinfo_admin_usage_fail("--answers-file is only for questions");
	if ((args->options & SECINFO_OPT_NO_VERIFY) && ops->enroll != NULL &&
	    !(ops->enroll_options & SECINFO_ENROLL_NO_VERIFY) &&
	    !(ops->enroll_options & SECINFO_ENROLL_ANSWERS_FILE))
		return secinfo_admin_usage_fail("--no-verify does not apply to %s methods: the %s "
						"itself must be present to be registered",
						ops->name, ops->noun);
	if ((args->options & SECINFO_OPT_NO_VERIFY) && ops->enroll != NULL &&
	    !(ops->enroll_options & SECINFO_ENROLL_NO_VERIFY))
		return secinfo_admin_usage_fail("%s are registered with --answers-file, not "
						"--no-verify",
						ops->name);
	if (ops->detail_word != NULL && args->n_words != 3)
		return secinfo_admin_usage_fail("method add USER %s needs the %s", ops->name,
						ops->detail_word);
	if (ops->detail_word == NULL && args->n_words != 2)
		return secinfo_admin_usage_fail("method add USER %s takes nothing after '%s'",
						ops->name, ops->name);
	return SECINFO_OK;
}

/* The enrollment options the command line asked for. */
static unsigned
secinfo_admin_enroll_options(const struct secinfo_admin_args *args)
{
	return (args->options & SECINFO_OPT_NO_VERIFY ? SECINFO_ENROLL_NO_VERIFY : 0) |
	       (args->options & SECINFO_OPT_HOTP ? SECINFO_ENROLL_HOTP : 0) |
	       (args->options & (SECINFO_OPT_SECRET | SECINFO_OPT_SECRET_FILE)
			? SECINFO_ENROLL_SECRET
			: 0) |
	       (args->options & SECINFO_OPT_ANSWERS_FILE ? SECINFO_ENROLL_ANSWERS_FILE : 0);
}

/* Most bytes a secret file's line may hold: far more than any base32 secret. */
#define SECINFO_ADMIN_SECRET_LINE 1024

/*
 * Reads the base32 secret from the first line of PATH ("-": standard input, whose next lines
 * then answer the prompts) into guarded memory (*secret), white space around it removed.
 * stdio's buffer for PATH is ours and wiped. Returns 0 or a negative SECINFO_ERR_* code
 * (message printed).
 */
static int
secinfo_admin_secret_read(const char *path, char **secret)
{
	char buffer[BUFSIZ];
	FILE *f = stdin;
	struct stat st;
	size_t n;
	char *start;
	int fd, rc = SECINFO_OK;

	*secret = secinfo_secret_alloc(SECINFO_ADMIN_SECRET_LINE);
	if (*secret == NULL)
		return secinfo_admin_error(SECINFO_ERR_NOMEM, "out of memory");
	if (strcmp(path, "-") != 0) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
		if (fd < 0)
			return secinfo_admin_fail("cannot open the secret file %s: %s", path,
						  errno == ELOOP ? "it is a symbolic link"
								 : strerror(errno));
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (f = fdopen(fd, "r")) == NULL) {
			close(fd);
			return secinfo_admin_fail("the secret file %s is not a regular file", path);
		}
		setvbuf(f, buffer, _IOFBF, sizeof(buffer));
	}
	if (fgets(*secret, SECINFO_ADMIN_SECRET_LINE, f) == NULL)
		rc = secinfo_admin_fail("the secret file %s is empty; it holds the base32 secret "
					"on its first line",
					path);
	else if (strchr(*secret, '\n') == NULL && !feof(f))
		rc = secinfo_admin_fail("the first line of the secret file %s is too long for a "
					"base32 secret",
					path);
	if (f != stdin) {
		fclose(f);
		secinfo_wipe(buffer, sizeof(buffer));
	}
	if (rc != SECINFO_OK)
		return rc;
	n = strlen(*secret);
	while (n > 0 && isspace((unsigned char)(*secret)[n - 1]))
		(*secret)[--n] = '\0';
	for (start = *secret; isspace((unsigned char)*start); start++)
		;
	memmove(*secret, start, strlen(start) + 1);
	if ((*secret)[0] == '\0')
		return secinfo_admin_fail("the first line of the secret file %s is empty; it holds "
					  "the base32 secret",
					  path);
	return SECINFO_OK;
}

int
secinfo_admin_cmd_method_add(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops_by_name(args->words[1]);
	struct secinfo_enrollment enrollment = {0};
	struct secinfo_change change;
	char why[1024] = "", *secret_file = NULL, name[SECINFO_USERNAME_MAX + 1];
	struct secinfo_enroll_request request = {
		.user = args->words[0],
		.detail = args->n_words > 2 ? args->words[2] : NULL,
		.secret = args->secret,
		.answers_file = args->answers_file,
		.options = secinfo_admin_enroll_options(args),
		.send = secinfo_term_send,
		.io = &secinfo_term_io,
		.fido_load = secinfo_fido_linked,
		.why = why,
		.why_size = sizeof(why),
	};
	int rc;

	if (ops == NULL)
		return secinfo_admin_usage_fail(
			"'%s' is not a kind of method: app, sms, call, key, "
			"email or questions",
			args->words[1]);
	if (ops->temporary)
		return secinfo_admin_usage_fail("a %s is not added as a method: issue one with "
						"'secinfo-admin %s issue %s'",
						ops->noun, ops->name, args->words[0]);
	rc = secinfo_admin_add_usage(args, ops);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_user_name_check(args->words[0]);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_open(admin);
	if (rc == SECINFO_OK && args->secret_file != NULL) {
		rc = secinfo_admin_secret_read(args->secret_file, &secret_file);
		request.secret = secret_file;
	}
	if (rc != SECINFO_OK)
		goto out;
	secinfo_admin_user_name_canonical(args->words[0], name, sizeof(name));
	request.user = name;
	if (secinfo_change_kind_allowed(admin->conf, ops->kind) != 0) {
		rc = secinfo_admin_fail("the organisation does not allow %s methods ([policy] "
					"methods in %s)",
					ops->name, admin->conf_path);
		goto out;
	}
	change = secinfo_admin_change(admin);
	rc = secinfo_change_enroll(&change, ops->kind, &request, &enrollment);
	if (rc == 0)
		rc = secinfo_admin_method_store(admin, name, &enrollment);
	else
		rc = secinfo_admin_fail("%s", why);
	secinfo_enrollment_clear(&enrollment);
out:
	secinfo_secret_free(secret_file);
	return rc;
}

/* Says what was added, and what the default is now. */
static int
secinfo_admin_report_added(struct secinfo_admin *admin, const char *name, long long id,
			   size_t n_answers)
{
	struct secinfo_user *user = NULL;
	const struct secinfo_method *m;
	char text[320], answers[64] = "";
	int rc;

	rc = secinfo_admin_user_load(admin, name, &user);
	if (rc != SECINFO_OK)
		return rc;
	m = secinfo_user_method(user, id);
	if (n_answers > 0)
		snprintf(answers, sizeof(answers), " (%zu answers)", n_answers);
	if (m != NULL) {
		secinfo_method_describe(m, 1, text, sizeof(text));
		printf("Added %s for %s%s: method id %lld.\n", text, name, answers, id);
	}
	if (user->default_method == id)
		printf("It is now the default method of %s.\n", name);
	else if (m != NULL && !(secinfo_kind_purposes(m->kind) & SECINFO_PURPOSE_2FA))
		printf("It can only be used for password reset, so it is never the default.\n");
	if (user->default_method != id)
		secinfo_admin_say_default(user);
	secinfo_user_free(user);
	return SECINFO_OK;
}

int
secinfo_admin_method_store(struct secinfo_admin *admin, const char *name,
			   const struct secinfo_enrollment *e)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(e->kind);
	long long id = 0, duplicate = 0;
	int rc;
	struct secinfo_change change = secinfo_admin_change(admin);

	rc = secinfo_change_method_add(&change, name, e, &id, &duplicate);
	if (rc == SECINFO_ERR_EXISTS && ops->same_secret != NULL)
		return secinfo_admin_fail("this %s is registered already (method id %lld): a "
					  "credential can be registered only once; nothing added",
					  ops->noun, duplicate);
	if (rc == SECINFO_ERR_EXISTS && ops->one_per_user)
		return secinfo_admin_fail("%s already has %s (method id %lld); nothing added", name,
					  ops->noun, duplicate);
	if (rc == SECINFO_ERR_EXISTS && e->detail == NULL)
		return secinfo_admin_fail("%s already has %s with this secret (method id %lld); "
					  "nothing added",
					  name, ops->noun, duplicate);
	if (rc == SECINFO_ERR_EXISTS)
		return secinfo_admin_fail("%s already has %s %s (method id %lld); nothing added",
					  name, ops->name, e->detail, duplicate);
	if (rc == SECINFO_ERR_NOT_FOUND && e->n_answers > 0)
		return secinfo_admin_fail("a question was retired meanwhile; nothing added");
	if (rc != 0)
		return secinfo_admin_fail("cannot add the method: %s; nothing added",
					  secinfo_strerror(rc));
	rc = secinfo_admin_report_added(admin, name, id, e->n_answers);
	secinfo_admin_notify(admin, name, NULL, SECINFO_NOTIFY_METHOD_ADDED, id);
	return rc;
}

/*
 * Finds the method WORD names: an id of USER's, or a kind USER has exactly one method of.
 * Returns 0 with *m, or a negative SECINFO_ERR_* code (message printed).
 */
static int
secinfo_admin_method_resolve(const struct secinfo_user *user, const char *word,
			     struct secinfo_method **m)
{
	size_t count = 0;
	char ids[256];
	int kind = secinfo_kind_parse(word), rc;

	rc = secinfo_change_method_find(user, word, m, &count);
	if (rc == SECINFO_ERR_USAGE)
		return secinfo_admin_usage_fail(
			"METHOD '%s' is neither a method id nor a kind (app, "
			"sms, call, key, email, questions)",
			word);
	if (rc == SECINFO_ERR_NOT_FOUND && kind >= 0)
		return secinfo_admin_fail("%s has no %s method", user->name, word);
	if (rc == SECINFO_ERR_NOT_FOUND)
		return secinfo_admin_fail("%s has no method with id %s; 'secinfo-admin user show "
					  "%s' lists them",
					  user->name, word, user->name);
	if (rc == SECINFO_ERR_EXISTS) {
		secinfo_change_method_ids(user, (enum secinfo_kind)kind, ids, sizeof(ids));
		return secinfo_admin_fail("%s has %zu %s methods (ids %s); say which one by its id",
					  user->name, count, word, ids);
	}
	return rc;
}

/* Opens the database and finds USER and the method METHOD names. */
static int
secinfo_admin_method_find(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
			  struct secinfo_user **user, struct secinfo_method **m)
{
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_user_load(admin, args->words[0], user);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_method_resolve(*user, args->words[1], m);
	return rc;
}

int
secinfo_admin_cmd_method_delete(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_user *user = NULL, *after = NULL;
	struct secinfo_method *m = NULL;
	struct secinfo_change change;
	char text[320], question[512];
	int rc;

	rc = secinfo_admin_method_find(admin, args, &user, &m);
	if (rc != SECINFO_OK)
		goto out;
	secinfo_method_describe(m, 1, text, sizeof(text));
	snprintf(question, sizeof(question),
		 "Delete %s (id %lld) of %s? This cannot be undone. "
		 "[y/N] ",
		 text, m->id, user->name);
	if (!(args->options & SECINFO_OPT_YES) && !secinfo_term_confirm(question)) {
		rc = secinfo_admin_fail("nothing deleted");
		goto out;
	}
	change = secinfo_admin_change(admin);
	rc = secinfo_change_method_delete(&change, user->name, m);
	if (rc != 0) {
		rc = secinfo_admin_fail("cannot delete method %lld: %s; nothing deleted", m->id,
					secinfo_strerror(rc));
		goto out;
	}
	printf("Deleted %s (id %lld) of %s.\n", text, m->id, user->name);
	rc = secinfo_admin_user_load(admin, user->name, &after);
	if (rc == SECINFO_OK)
		secinfo_admin_say_default(after);
	secinfo_admin_notify(admin, user->name, user, SECINFO_NOTIFY_METHOD_DELETED, m->id);
out:
	secinfo_user_free(after);
	secinfo_user_free(user);
	return rc;
}

int
secinfo_admin_cmd_method_default(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_user *user = NULL;
	struct secinfo_method *m = NULL;
	struct secinfo_change change;
	int rc;

	rc = secinfo_admin_method_find(admin, args, &user, &m);
	if (rc != SECINFO_OK)
		goto out;
	if (secinfo_kind_is_temporary(m->kind)) {
		rc = secinfo_admin_fail("a %s is never the default: it is offered first while it "
					"is active; choose an app, text message, call or security "
					"key method as the default",
					secinfo_method_ops(m->kind)->noun);
		goto out;
	}
	if (!(secinfo_kind_purposes(m->kind) & SECINFO_PURPOSE_2FA)) {
		rc = secinfo_admin_fail(
			"%s can only be used for password reset; choose an app, text "
			"message, call or security key method as the default",
			secinfo_method_ops(m->kind)->noun);
		goto out;
	}
	if (user->default_method == m->id) {
		secinfo_admin_say_default(user);
		goto out;
	}
	change = secinfo_admin_change(admin);
	rc = secinfo_change_default_set(&change, user, m);
	if (rc != 0) {
		rc = secinfo_admin_error(rc, "cannot change the default: %s", secinfo_strerror(rc));
		goto out;
	}
	user->default_method = m->id;
	secinfo_admin_say_default(user);
	if (!(admin->conf->methods & SECINFO_KIND_BIT(m->kind)))
		printf("Note: [policy] methods does not allow %s now; sign-in uses the next usable "
		       "method until it does.\n",
		       secinfo_kind_name(m->kind));
	secinfo_admin_notify(admin, user->name, user, SECINFO_NOTIFY_DEFAULT_CHANGED, m->id);
out:
	secinfo_user_free(user);
	return rc;
}
