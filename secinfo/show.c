/* secinfo show [--json]: the user's own methods, with their details masked. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "error.h"
#include "json.h"
#include "kind.h"
#include "method.h"
#include "secinfo.h"

static void
secinfo_cmd_time(long long t, char *out, size_t size)
{
	time_t when = (time_t)t;
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, size, "%lld", t);
}

/* The shape of 'secinfo-admin user show --json' (SPEC 7), details masked. */
static void
secinfo_cmd_show_json(const struct secinfo_cmd *cmd, const struct secinfo_user *user)
{
	secinfo_json_user(
		stdout, cmd->conf, cmd->user, user,
		user != NULL && user->locked_until > (long long)cmd->now ? user->locked_until : 0,
		0);
}

void
secinfo_cmd_say_default(const struct secinfo_user *user)
{
	const struct secinfo_method *m = secinfo_user_method(user, user->default_method);
	char text[320];

	if (m == NULL) {
		printf("You have no default method: add an app, text message, call or security key "
		       "method ('secinfo add app').\n");
		return;
	}
	secinfo_method_describe(m, 0, text, sizeof(text));
	printf("Your default method is id %lld: %s.\n", m->id, text);
}

/* What a method serves, in words. */
static const char *
secinfo_cmd_usable_text(unsigned usable)
{
	if (usable == (SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET))
		return "sign-in and password reset";
	if (usable == SECINFO_PURPOSE_2FA)
		return "sign-in only";
	if (usable == SECINFO_PURPOSE_RESET)
		return "password reset only";
	return "nothing: your organisation does not allow it now";
}

static void
secinfo_cmd_show_text(const struct secinfo_cmd *cmd, const struct secinfo_user *user)
{
	char text[320], created[64], used[64];

	printf("Security info of %s\n", cmd->user);
	if (user != NULL && user->locked_until > (long long)cmd->now) {
		secinfo_cmd_time(user->locked_until, text, sizeof(text));
		printf("Locked until %s after too many failed attempts; wait, or ask your "
		       "administrator to unlock you.\n",
		       text);
	}
	if (user == NULL || user->n_methods == 0) {
		printf("\nYou have no methods yet. Add one, for example an authenticator app: "
		       "secinfo add app\n");
		return;
	}
	secinfo_cmd_say_default(user);
	putchar('\n');
	for (size_t i = 0; i < user->n_methods; i++) {
		const struct secinfo_method *m = &user->methods[i];
		unsigned usable = secinfo_method_usable_for(cmd->conf, m->kind);

		secinfo_method_describe(m, 0, text, sizeof(text));
		secinfo_cmd_time(m->created, created, sizeof(created));
		if (m->last_used != 0)
			secinfo_cmd_time(m->last_used, used, sizeof(used));
		printf("  %lld%s %s\n      for %s; added %s; last used %s\n", m->id,
		       m->id == user->default_method ? " (default)" : "", text,
		       secinfo_cmd_usable_text(usable), created,
		       m->last_used != 0 ? used : "never");
	}
}

int
secinfo_cmd_show(struct secinfo_cmd *cmd, const struct secinfo_user *user)
{
	if (cmd->options & SECINFO_CMD_JSON)
		secinfo_cmd_show_json(cmd, user);
	else
		secinfo_cmd_show_text(cmd, user);
	if (fflush(stdout) != 0)
		return secinfo_cmd_fail("cannot write the output");
	return 0;
}
