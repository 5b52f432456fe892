/* secinfo-admin method add|delete|default. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "email.h"
#include "error.h"
#include "escape.h"
#include "kind.h"
#include "phone.h"

/* How 'method add' registers each kind; a kind without ADD comes in a later version. */
struct secinfo_admin_enroll {
	const char *detail_name; /* the word after the kind ("PHONE"), NULL when none */
	const char *channel;     /* how codes reach the user, for messages */
	int (*add)(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
		   enum secinfo_kind kind);
};

static int secinfo_admin_add_app(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
				 enum secinfo_kind kind);
static int secinfo_admin_add_phone(struct secinfo_admin *admin,
				   const struct secinfo_admin_args *args, enum secinfo_kind kind);
static int secinfo_admin_add_email(struct secinfo_admin *admin,
				   const struct secinfo_admin_args *args, enum secinfo_kind kind);
static int secinfo_admin_add_questions(struct secinfo_admin *admin,
				       const struct secinfo_admin_args *args,
				       enum secinfo_kind kind);

static const struct secinfo_admin_enroll secinfo_admin_enrollers[SECINFO_KIND_COUNT] = {
	[SECINFO_KIND_APP] = {NULL, "the authenticator app", secinfo_admin_add_app},
	[SECINFO_KIND_SMS] = {"PHONE", "text message", secinfo_admin_add_phone},
	[SECINFO_KIND_CALL] = {"PHONE", "phone call", secinfo_admin_add_phone},
	[SECINFO_KIND_KEY] = {NULL, "security key", NULL},
	[SECINFO_KIND_EMAIL] = {"ADDRESS", "email", secinfo_admin_add_email},
	[SECINFO_KIND_QUESTIONS] = {NULL, "security questions", secinfo_admin_add_questions},
};

static int
secinfo_admin_add_app(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
		      enum secinfo_kind kind)
{
	return secinfo_admin_method_add_app(admin, args);
}

static int
secinfo_admin_add_questions(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
			    enum secinfo_kind kind)
{
	return secinfo_admin_method_add_questions(admin, args);
}

static int
secinfo_admin_add_phone(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
			enum secinfo_kind kind)
{
	const struct secinfo_conf *conf = admin->conf;
	/* [call] default_country falls back to [sms]'s: most sites set it once. */
	unsigned country = kind == SECINFO_KIND_CALL && conf->call.default_country != 0
				   ? conf->call.default_country
				   : conf->sms.default_country;
	char e164[SECINFO_PHONE_MAX + 1], escaped[128];
	const char *why = "";
	int extension = 0, rc;

	if (secinfo_phone_normalize(args->words[2], country, e164, &extension, &why) != 0)
		return secinfo_admin_fail(
			"cannot add the phone number '%s': %s",
			secinfo_escape_text(args->words[2], escaped, sizeof(escaped)), why);
	if (extension)
		printf("Note: the extension was removed: security info does not support phone "
		       "extensions. The number is %s.\n",
		       e164);
	if (!(args->options & SECINFO_OPT_NO_VERIFY)) {
		rc = secinfo_admin_code_verify(admin, kind, e164, args->words[0]);
		if (rc != SECINFO_ADMIN_OK)
			return rc;
	}
	return secinfo_admin_method_store(admin, args->words[0], kind, e164, NULL, 0, NULL, -1);
}

static int
secinfo_admin_add_email(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
			enum secinfo_kind kind)
{
	char address[SECINFO_EMAIL_MAX + 1], escaped[300];
	const char *why = "";
	int rc;

	rc = secinfo_email_normalize(admin->conf, args->words[2], address, &why);
	if (rc == SECINFO_ERR_DENIED)
		return secinfo_admin_fail(
			"cannot add %s: %s ([email] blocked_domains)",
			secinfo_escape_text(args->words[2], escaped, sizeof(escaped)), why);
	if (rc != 0)
		return secinfo_admin_fail(
			"cannot add the address '%s': %s",
			secinfo_escape_text(args->words[2], escaped, sizeof(escaped)), why);
	if (!(args->options & SECINFO_OPT_NO_VERIFY)) {
		rc = secinfo_admin_code_verify(admin, kind, address, args->words[0]);
		if (rc != SECINFO_ADMIN_OK)
			return rc;
	}
	return secinfo_admin_method_store(admin, args->words[0], kind, address, NULL, 0, NULL, -1);
}

/* Checks the options and words that only some kinds take. Returns SECINFO_ADMIN_OK or _USAGE. */
static int
secinfo_admin_add_usage(const struct secinfo_admin_args *args, enum secinfo_kind kind)
{
	const struct secinfo_admin_enroll *e = &secinfo_admin_enrollers[kind];
	const char *name = secinfo_kind_name(kind);

	if ((args->options & (SECINFO_OPT_SECRET | SECINFO_OPT_HOTP)) && kind != SECINFO_KIND_APP)
		return secinfo_admin_usage_fail("--secret and --hotp are only for app");
	if ((args->options & SECINFO_OPT_ANSWERS_FILE) && kind != SECINFO_KIND_QUESTIONS)
		return secinfo_admin_usage_fail("--answers-file is only for questions");
	if ((args->options & SECINFO_OPT_NO_VERIFY) && kind == SECINFO_KIND_QUESTIONS)
		return secinfo_admin_usage_fail("questions are registered with --answers-file, "
						"not --no-verify");
	if (e->detail_name != NULL && args->n_words != 3)
		return secinfo_admin_usage_fail("method add USER %s needs the %s", name,
						e->detail_name);
	if (e->detail_name == NULL && args->n_words != 2)
		return secinfo_admin_usage_fail("method add USER %s takes nothing after '%s'", name,
						name);
	return SECINFO_ADMIN_OK;
}

int
secinfo_admin_cmd_method_add(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	int kind = secinfo_kind_parse(args->words[1]);
	int rc;

	if (kind < 0)
		return secinfo_admin_usage_fail(
			"'%s' is not a kind of method: app, sms, call, key, "
			"email or questions",
			args->words[1]);
	rc = secinfo_admin_add_usage(args, (enum secinfo_kind)kind);
	if (rc == SECINFO_ADMIN_OK)
		rc = secinfo_admin_user_name_check(args->words[0]);
	if (rc == SECINFO_ADMIN_OK)
		rc = secinfo_admin_open(admin);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	if (!(admin->conf->methods & SECINFO_KIND_BIT(kind)))
		return secinfo_admin_fail("the organisation does not allow %s methods ([policy] "
					  "methods in %s)",
					  args->words[1], admin->conf_path);
	if (secinfo_admin_enrollers[kind].add == NULL)
		return secinfo_admin_fail("%s methods are not available in this version",
					  args->words[1]);
	return secinfo_admin_enrollers[kind].add(admin, args, (enum secinfo_kind)kind);
}

/* Finds a method of USER with KIND and DETAIL. Returns its id, or 0. */
static long long
secinfo_admin_duplicate(const struct secinfo_user *user, enum secinfo_kind kind, const char *detail)
{
	for (size_t i = 0; user != NULL && detail != NULL && i < user->n_methods; i++)
		if (user->methods[i].kind == kind && user->methods[i].detail != NULL &&
		    strcmp(user->methods[i].detail, detail) == 0)
			return user->methods[i].id;
	return 0;
}

/* Says what was added, and what the default is now. */
static int
secinfo_admin_report_added(struct secinfo_admin *admin, const char *name, long long id)
{
	struct secinfo_user *user = NULL;
	const struct secinfo_method *m;
	char text[320];
	int rc;

	rc = secinfo_admin_user_load(admin, name, &user);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	m = secinfo_user_method(user, id);
	if (m != NULL) {
		secinfo_admin_method_describe(m, text, sizeof(text));
		printf("Added %s for %s: method id %lld.\n", text, name, id);
	}
	if (user->default_method == id)
		printf("It is now the default method of %s.\n", name);
	else if (m != NULL && !(secinfo_kind_purposes(m->kind) & SECINFO_PURPOSE_2FA))
		printf("It can only be used for password reset, so it is never the default.\n");
	if (user->default_method != id)
		secinfo_admin_say_default(user);
	secinfo_user_free(user);
	return SECINFO_ADMIN_OK;
}

int
secinfo_admin_method_store(struct secinfo_admin *admin, const char *name, enum secinfo_kind kind,
			   const char *detail, const unsigned char *secret, size_t secret_len,
			   const struct secinfo_otp_params *otp, long long counter)
{
	struct secinfo_user *user = NULL;
	long long id = 0, duplicate = 0;
	int rc;

	rc = secinfo_store_begin(admin->store);
	if (rc == 0) {
		/* Inside the transaction, so a concurrent add cannot slip in between. */
		rc = secinfo_store_user_get(admin->store, name, &user);
		if (rc == SECINFO_ERR_NOT_FOUND)
			rc = 0;
	}
	if (rc == 0 && (duplicate = secinfo_admin_duplicate(user, kind, detail)) != 0)
		rc = SECINFO_ERR_EXISTS;
	if (rc == 0)
		rc = secinfo_store_method_add(admin->store, name, kind, detail, secret, secret_len,
					      otp, admin->now, &id);
	if (rc == 0 && counter >= 0)
		rc = secinfo_store_counter_accept(admin->store, id, counter);
	secinfo_user_free(user);
	/* Also after a failed begin: the rollback then has nothing to undo. */
	rc = secinfo_admin_end(admin, rc, name, secinfo_kind_name(kind), "method-add");
	if (rc == SECINFO_ERR_EXISTS)
		return secinfo_admin_fail("%s already has %s %s (method id %lld); nothing added",
					  name, secinfo_kind_name(kind), detail, duplicate);
	if (rc != 0)
		return secinfo_admin_fail("cannot add the method: %s; nothing added",
					  secinfo_strerror(rc));
	return secinfo_admin_report_added(admin, name, id);
}

/* Lists the ids of USER's methods of KIND into OUT ("3, 5"). */
static void
secinfo_admin_ids(const struct secinfo_user *user, enum secinfo_kind kind, char *out, size_t size)
{
	size_t pos = 0;

	out[0] = '\0';
	for (size_t i = 0; i < user->n_methods && pos < size; i++)
		if (user->methods[i].kind == kind)
			pos += (size_t)snprintf(out + pos, size - pos, "%s%lld", pos ? ", " : "",
						user->methods[i].id);
}

/*
 * Finds the method WORD names: an id of USER's, or a kind USER has exactly one method of.
 * Returns SECINFO_ADMIN_OK with *m, _FAILED or _USAGE (message printed).
 */
static int
secinfo_admin_method_resolve(const struct secinfo_user *user, const char *word,
			     struct secinfo_method **m)
{
	int kind = secinfo_kind_parse(word);
	size_t count = 0;
	char *end = NULL, ids[256];
	long long id;

	if (kind >= 0) {
		for (size_t i = 0; i < user->n_methods; i++)
			if ((int)user->methods[i].kind == kind && count++ == 0)
				*m = &user->methods[i];
		secinfo_admin_ids(user, (enum secinfo_kind)kind, ids, sizeof(ids));
		if (count == 1)
			return SECINFO_ADMIN_OK;
		if (count == 0)
			return secinfo_admin_fail("%s has no %s method", user->name, word);
		return secinfo_admin_fail("%s has %zu %s methods (ids %s); say which one by its id",
					  user->name, count, word, ids);
	}
	errno = 0;
	id = isdigit((unsigned char)word[0]) ? strtoll(word, &end, 10) : 0;
	if (end == NULL || *end != '\0' || errno != 0 || id <= 0)
		return secinfo_admin_usage_fail(
			"METHOD '%s' is neither a method id nor a kind (app, "
			"sms, call, key, email, questions)",
			word);
	*m = secinfo_user_method(user, id);
	if (*m == NULL)
		return secinfo_admin_fail("%s has no method with id %lld; 'secinfo-admin user show "
					  "%s' lists them",
					  user->name, id, user->name);
	return SECINFO_ADMIN_OK;
}

/* Opens the database and finds USER and the method METHOD names. */
static int
secinfo_admin_method_find(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
			  struct secinfo_user **user, struct secinfo_method **m)
{
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc == SECINFO_ADMIN_OK)
		rc = secinfo_admin_user_load(admin, args->words[0], user);
	if (rc == SECINFO_ADMIN_OK)
		rc = secinfo_admin_method_resolve(*user, args->words[1], m);
	return rc;
}

/* Deletes method M of USER and records it, in one transaction. Returns 0 or SECINFO_ERR_*. */
static int
secinfo_admin_method_delete_one(struct secinfo_admin *admin, const struct secinfo_user *user,
				const struct secinfo_method *m)
{
	int rc;

	rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_store_method_delete(admin->store, user->name, m->id);
	return secinfo_admin_end(admin, rc, user->name, secinfo_kind_name(m->kind),
				 "method-delete");
}

int
secinfo_admin_cmd_method_delete(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_user *user = NULL, *after = NULL;
	struct secinfo_method *m = NULL;
	char text[320], question[512];
	int rc;

	rc = secinfo_admin_method_find(admin, args, &user, &m);
	if (rc != SECINFO_ADMIN_OK)
		goto out;
	secinfo_admin_method_describe(m, text, sizeof(text));
	snprintf(question, sizeof(question),
		 "Delete %s (id %lld) of %s? This cannot be undone. "
		 "[y/N] ",
		 text, m->id, user->name);
	if (!(args->options & SECINFO_OPT_YES) && !secinfo_admin_confirm(question)) {
		rc = secinfo_admin_fail("nothing deleted");
		goto out;
	}
	rc = secinfo_admin_method_delete_one(admin, user, m);
	if (rc != 0) {
		rc = secinfo_admin_fail("cannot delete method %lld: %s; nothing deleted", m->id,
					secinfo_strerror(rc));
		goto out;
	}
	printf("Deleted %s (id %lld) of %s.\n", text, m->id, user->name);
	rc = secinfo_admin_user_load(admin, user->name, &after);
	if (rc == SECINFO_ADMIN_OK)
		secinfo_admin_say_default(after);
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
	int rc;

	rc = secinfo_admin_method_find(admin, args, &user, &m);
	if (rc != SECINFO_ADMIN_OK)
		goto out;
	if (!(secinfo_kind_purposes(m->kind) & SECINFO_PURPOSE_2FA)) {
		rc = secinfo_admin_fail(
			"%s can only be used for password reset; choose an app, text "
			"message, call or security key method as the default",
			secinfo_admin_enrollers[m->kind].channel);
		goto out;
	}
	if (user->default_method == m->id) {
		secinfo_admin_say_default(user);
		goto out;
	}
	rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_store_method_set_default(admin->store, user->name, m->id);
	rc = secinfo_admin_end(admin, rc, user->name, secinfo_kind_name(m->kind), "method-default");
	if (rc != 0) {
		rc = secinfo_admin_fail("cannot change the default: %s", secinfo_strerror(rc));
		goto out;
	}
	user->default_method = m->id;
	secinfo_admin_say_default(user);
	if (!(admin->conf->methods & SECINFO_KIND_BIT(m->kind)))
		printf("Note: [policy] methods does not allow %s now; sign-in uses the next usable "
		       "method until it does.\n",
		       secinfo_kind_name(m->kind));
out:
	secinfo_user_free(user);
	return rc;
}
