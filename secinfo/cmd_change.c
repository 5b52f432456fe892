/* secinfo add|delete|default: the user's own changes, through the change layer (change.h),
 * each written with the terminal's signals held off. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "kind.h"
#include "fido_key.h"
#include "method.h"
#include "notify.h"
#include "secinfo.h"
#include "term.h"

struct secinfo_change
secinfo_cmd_change(const struct secinfo_cmd *cmd)
{
	struct secinfo_change change = {
		.store = cmd->store,
		.conf = cmd->conf,
		.now = cmd->now,
		.service = "secinfo",
		.actor = cmd->as_root ? "root" : NULL, /* NULL: the user themselves */
		.first_only = cmd->first_only,
	};
	return change;
}

/* What a change that cannot be guarded says (nothing is changed). */
#define SECINFO_CMD_UNGUARDED                                                                      \
	"cannot block signals and set the process's user ids around the change (an internal "      \
	"error); nothing changed: report this to your administrator"

/* After a committed change: the notice of EVENT (SPEC 15) to the user's addresses. A failure
 * is a warning: the change stands. */
static void
secinfo_cmd_notify(struct secinfo_cmd *cmd, const struct secinfo_user *user,
		   enum secinfo_notify_event event, long long method_id)
{
	struct secinfo_change change = secinfo_cmd_change(cmd);
	char why[512] = "";
	int rc;

	rc = secinfo_change_notify(&change, cmd->user, user, event, method_id, secinfo_term_send,
				   why, sizeof(why));
	if (rc != 0)
		fprintf(stderr,
			"secinfo: warning: the change is made, but %s; your administrator can see "
			"this in the audit trail\n",
			why[0] != '\0' ? why : secinfo_strerror(rc));
}

/* Writes the kinds the organisation allows into OUT ("app, sms"). */
static void
secinfo_cmd_allowed_kinds(const struct secinfo_conf *conf, char *out, size_t size)
{
	size_t pos = 0;

	out[0] = '\0';
	for (int k = 0; k < SECINFO_KIND_COUNT && pos < size; k++)
		if (!secinfo_kind_is_temporary((enum secinfo_kind)k) &&
		    secinfo_change_kind_allowed(conf, (enum secinfo_kind)k) == 0)
			pos += (size_t)snprintf(out + pos, size - pos, "%s%s", pos ? ", " : "",
						secinfo_kind_name((enum secinfo_kind)k));
}

/* Checks the words and options of 'add KIND'. Returns 0 or a negative SECINFO_ERR_* code. */
static int
secinfo_cmd_add_check(const struct secinfo_cmd *cmd, const struct secinfo_method_ops *ops)
{
	char allowed[128];

	if (ops->detail_word != NULL && cmd->n_words != 3)
		return secinfo_cmd_usage_fail("add %s needs the %s: secinfo add %s %s", ops->name,
					      ops->detail_word, ops->name, ops->detail_word);
	if (ops->detail_word == NULL && cmd->n_words != 2)
		return secinfo_cmd_usage_fail("add %s takes nothing after '%s'", ops->name,
					      ops->name);
	if ((cmd->options & SECINFO_CMD_HOTP) && !(ops->enroll_options & SECINFO_ENROLL_HOTP))
		return secinfo_cmd_usage_fail("--hotp is only for app");
	if (secinfo_change_kind_allowed(cmd->conf, ops->kind) != 0) {
		secinfo_cmd_allowed_kinds(cmd->conf, allowed, sizeof(allowed));
		return secinfo_cmd_fail("your organisation does not allow %s methods (%s); choose "
					"another method: %s",
					ops->name, ops->noun,
					allowed[0] ? allowed : "none is allowed");
	}
	return 0;
}

/* Says what was added and what the default is now. */
static void
secinfo_cmd_report_added(struct secinfo_cmd *cmd, long long id)
{
	struct secinfo_user *user = NULL;
	const struct secinfo_method *m;
	char text[320];

	if (secinfo_store_user_get(cmd->store, cmd->user, &user) != 0)
		return;
	m = secinfo_user_method(user, id);
	if (m != NULL) {
		secinfo_method_describe(m, 0, text, sizeof(text));
		printf("Added %s: method id %lld.\n", text, id);
	}
	if (user->default_method == id)
		printf("It is now your default method.\n");
	else if (m != NULL && !(secinfo_kind_purposes(m->kind) & SECINFO_PURPOSE_2FA))
		printf("It can only be used for password reset, so it is never the default.\n");
	if (user->default_method != id)
		secinfo_cmd_say_default(user);
	secinfo_user_free(user);
}

/* The message for a method that could not be stored. */
static int
secinfo_cmd_add_failed(const struct secinfo_enrollment *e, int rc, long long duplicate)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(e->kind);

	if (rc == SECINFO_ERR_EXISTS)
		return secinfo_cmd_fail("you already have %s%s%s (method id %lld); nothing added",
					ops->noun, e->detail != NULL ? " " : "",
					e->detail != NULL ? e->detail : "", duplicate);
	if (rc == SECINFO_ERR_NOT_FOUND && e->n_answers > 0)
		return secinfo_cmd_fail("a question was retired meanwhile; run secinfo add "
					"questions again. Nothing added");
	if (rc == SECINFO_ERR_DENIED)
		return secinfo_cmd_fail("a sign-in method was added to your security info while "
					"you were adding this one; run secinfo again (it will ask "
					"for that method). Nothing added");
	return secinfo_cmd_fail("cannot add the method: %s; nothing added", secinfo_strerror(rc));
}

int
secinfo_cmd_add(struct secinfo_cmd *cmd)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops_by_name(cmd->words[1]);
	struct secinfo_change change = secinfo_cmd_change(cmd);
	struct secinfo_enrollment enrollment = {0};
	char why[1024] = "";
	struct secinfo_enroll_request request = {
		.user = cmd->user,
		.detail = cmd->n_words > 2 ? cmd->words[2] : NULL,
		.options = cmd->options & SECINFO_CMD_HOTP ? SECINFO_ENROLL_HOTP : 0,
		.send = secinfo_term_send,
		.io = &secinfo_term_io,
		.fido_load = secinfo_fido_linked,
		.limit_sends = !cmd->as_root, /* codes to any number, at the user's will */
		.why = why,
		.why_size = sizeof(why),
	};
	long long id = 0, duplicate = 0;
	struct secinfo_setuid_guard guard;
	int rc;

	if (ops == NULL)
		return secinfo_cmd_usage_fail("'%s' is not a kind of method: app, sms, call, key, "
					      "email or questions",
					      cmd->words[1]);
	rc = secinfo_cmd_add_check(cmd, ops);
	if (rc != 0)
		return rc;
	rc = secinfo_change_enroll(&change, ops->kind, &request, &enrollment);
	if (rc != 0) {
		secinfo_enrollment_clear(&enrollment);
		return secinfo_cmd_fail("%s", why[0] ? why : secinfo_strerror(rc));
	}
	if (secinfo_setuid_guard_raise(&guard) != 0) {
		secinfo_enrollment_clear(&enrollment);
		return secinfo_cmd_fail("%s", SECINFO_CMD_UNGUARDED);
	}
	rc = secinfo_change_method_add(&change, cmd->user, &enrollment, &id, &duplicate);
	if (rc != 0) {
		rc = secinfo_cmd_add_failed(&enrollment, rc, duplicate);
	} else {
		secinfo_cmd_report_added(cmd, id);
		secinfo_cmd_notify(cmd, NULL, SECINFO_NOTIFY_METHOD_ADDED, id);
	}
	secinfo_setuid_guard_lower(&guard);
	secinfo_enrollment_clear(&enrollment);
	return rc;
}

/* Finds the method WORD names. Returns 0 with *m, or a negative SECINFO_ERR_* code (said). */
static int
secinfo_cmd_method_find(const struct secinfo_user *user, const char *word,
			struct secinfo_method **m)
{
	int kind = secinfo_kind_parse(word), rc;
	size_t count = 0;
	char ids[256];

	if (user == NULL)
		return secinfo_cmd_fail("you have no methods yet; 'secinfo add app' adds one");
	rc = secinfo_change_method_find(user, word, m, &count);
	if (rc == SECINFO_ERR_USAGE)
		return secinfo_cmd_usage_fail("METHOD '%s' is neither a method id nor a kind (app, "
					      "sms, call, key, email, questions)",
					      word);
	if (rc == SECINFO_ERR_NOT_FOUND && kind >= 0)
		return secinfo_cmd_fail("you have no %s method; 'secinfo' lists yours", word);
	if (rc == SECINFO_ERR_NOT_FOUND)
		return secinfo_cmd_fail("you have no method with id %s; 'secinfo' lists yours",
					word);
	if (rc == SECINFO_ERR_EXISTS) {
		secinfo_change_method_ids(user, (enum secinfo_kind)kind, ids, sizeof(ids));
		return secinfo_cmd_fail("you have %zu %s methods (ids %s); say which one by its id",
					count, word, ids);
	}
	return rc;
}

int
secinfo_cmd_delete(struct secinfo_cmd *cmd, const struct secinfo_user *user)
{
	struct secinfo_change change = secinfo_cmd_change(cmd);
	struct secinfo_user *after = NULL;
	struct secinfo_method *m = NULL;
	char text[320], question[512];
	struct secinfo_setuid_guard guard;
	int rc, was_default;

	if (cmd->n_words != 2)
		return secinfo_cmd_usage_fail("delete takes one METHOD: an id or a kind");
	rc = secinfo_cmd_method_find(user, cmd->words[1], &m);
	if (rc != 0)
		return rc;
	if (secinfo_kind_is_temporary(m->kind))
		return secinfo_cmd_fail("a %s ends by itself when it expires or is used up; your "
					"helpdesk can revoke it sooner",
					secinfo_method_ops(m->kind)->noun);
	secinfo_method_describe(m, 0, text, sizeof(text));
	snprintf(question, sizeof(question), "Delete %s (id %lld)? This cannot be undone. [y/N] ",
		 text, m->id);
	if (!(cmd->options & SECINFO_CMD_YES) && !secinfo_term_confirm(question))
		return secinfo_cmd_fail("nothing deleted");
	was_default = user->default_method == m->id;
	if (secinfo_setuid_guard_raise(&guard) != 0)
		return secinfo_cmd_fail("%s", SECINFO_CMD_UNGUARDED);
	rc = secinfo_change_method_delete(&change, user->name, m);
	if (rc != 0) {
		secinfo_setuid_guard_lower(&guard);
		return secinfo_cmd_fail("cannot delete method %lld: %s; nothing deleted", m->id,
					secinfo_strerror(rc));
	}
	printf("Deleted %s (id %lld).\n", text, m->id);
	if (was_default && secinfo_store_user_get(cmd->store, user->name, &after) == 0)
		secinfo_cmd_say_default(after);
	secinfo_user_free(after);
	/* The user as before: an address being deleted is told too. */
	secinfo_cmd_notify(cmd, user, SECINFO_NOTIFY_METHOD_DELETED, m->id);
	secinfo_setuid_guard_lower(&guard);
	return 0;
}

int
secinfo_cmd_default(struct secinfo_cmd *cmd, const struct secinfo_user *user)
{
	struct secinfo_change change = secinfo_cmd_change(cmd);
	struct secinfo_user *after = NULL;
	struct secinfo_method *m = NULL;
	struct secinfo_setuid_guard guard;
	int rc, changed;

	if (cmd->n_words != 2)
		return secinfo_cmd_usage_fail("default takes one METHOD: an id or a kind");
	rc = secinfo_cmd_method_find(user, cmd->words[1], &m);
	if (rc != 0)
		return rc;
	if (secinfo_kind_is_temporary(m->kind))
		return secinfo_cmd_fail(
			"a %s is never the default: it is offered first while it "
			"is active; choose an app, text message, call or security key "
			"method as the default",
			secinfo_method_ops(m->kind)->noun);
	if (!secinfo_kind_can_be_default(m->kind))
		return secinfo_cmd_fail("%s can only be used for password reset; choose an app, "
					"text message, call or security key method as the default",
					secinfo_method_ops(m->kind)->noun);
	if (secinfo_change_kind_allowed(cmd->conf, m->kind) != 0)
		return secinfo_cmd_fail("your organisation does not allow %s methods now; choose "
					"another method as the default",
					secinfo_kind_name(m->kind));
	changed = user->default_method != m->id;
	if (secinfo_setuid_guard_raise(&guard) != 0)
		return secinfo_cmd_fail("%s", SECINFO_CMD_UNGUARDED);
	rc = secinfo_change_default_set(&change, user, m);
	if (rc != 0) {
		secinfo_setuid_guard_lower(&guard);
		return secinfo_cmd_fail("cannot change the default: %s", secinfo_strerror(rc));
	}
	rc = secinfo_store_user_get(cmd->store, user->name, &after);
	if (rc == 0)
		secinfo_cmd_say_default(after);
	secinfo_user_free(after);
	if (changed)
		secinfo_cmd_notify(cmd, NULL, SECINFO_NOTIFY_DEFAULT_CHANGED, m->id);
	secinfo_setuid_guard_lower(&guard);
	return 0;
}
