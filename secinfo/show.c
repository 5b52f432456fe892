/* secinfo show [--json]: the user's own methods, with their details masked. */
#include "config.h"

#include <stdio.h>
#include <time.h>

#include "error.h"
#include "json.h"
#include "kind.h"
#include "method.h"
#include "secinfo.h"

/* The purposes a method of KIND serves under the current policy: none when disallowed. */
static unsigned
secinfo_cmd_usable_for(const struct secinfo_cmd *cmd, enum secinfo_kind kind)
{
	return secinfo_change_kind_allowed(cmd->conf, kind) == 0 ? secinfo_kind_purposes(kind) : 0;
}

static void
secinfo_cmd_time(long long t, char *out, size_t size)
{
	time_t when = (time_t)t;
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(out, size, "%lld", t);
}

static void
secinfo_cmd_method_json(const struct secinfo_cmd *cmd, const struct secinfo_method *m)
{
	unsigned usable = secinfo_cmd_usable_for(cmd, m->kind);
	char masked[320];

	secinfo_change_detail_masked(m, masked, sizeof(masked));
	printf("{\"id\": %lld, ", m->id);
	secinfo_json_key(stdout, "kind");
	secinfo_json_string(stdout, secinfo_kind_name(m->kind));
	fputs(", ", stdout);
	secinfo_json_key(stdout, "detail");
	secinfo_json_string(stdout, masked);
	printf(", \"usable_for\": [%s%s%s], ", usable & SECINFO_PURPOSE_2FA ? "\"2fa\"" : "",
	       usable == (SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET) ? ", " : "",
	       usable & SECINFO_PURPOSE_RESET ? "\"reset\"" : "");
	secinfo_json_key(stdout, "created");
	secinfo_json_time(stdout, m->created);
	fputs(", ", stdout);
	secinfo_json_key(stdout, "last_used");
	secinfo_json_time(stdout, m->last_used);
	fputc('}', stdout);
}

/* The shape of 'secinfo-admin user show --json' (SPEC 7), details masked. */
static void
secinfo_cmd_show_json(const struct secinfo_cmd *cmd, const struct secinfo_user *user)
{
	long long locked =
		user != NULL && user->locked_until > (long long)cmd->now ? user->locked_until : 0;
	size_t n = user != NULL ? user->n_methods : 0;

	fputc('{', stdout);
	secinfo_json_key(stdout, "user");
	secinfo_json_string(stdout, cmd->user);
	fputs(", ", stdout);
	secinfo_json_key(stdout, "locked_until");
	secinfo_json_time(stdout, locked);
	if (user != NULL && secinfo_user_method(user, user->default_method) != NULL)
		printf(", \"default\": %lld, \"methods\": [", user->default_method);
	else
		fputs(", \"default\": null, \"methods\": [", stdout);
	for (size_t i = 0; i < n; i++) {
		fputs(i == 0 ? "\n    " : ",\n    ", stdout);
		secinfo_cmd_method_json(cmd, &user->methods[i]);
	}
	fputs(n > 0 ? "\n  ]}\n" : "]}\n", stdout);
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
		unsigned usable = secinfo_cmd_usable_for(cmd, m->kind);

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
