/* secinfo-admin user list|show|delete|unlock. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "error.h"
#include "json.h"
#include "term.h"
#include "kind.h"

/* State of one 'user list' while the store calls back once per user. */
struct secinfo_admin_list {
	struct secinfo_admin *admin;
	int json;
	size_t count;
	struct secinfo_admin_table table;
};

/* The lock time to show: none when it has passed. */
static long long
secinfo_admin_locked_until(const struct secinfo_admin *admin, long long locked_until)
{
	return locked_until > (long long)admin->now ? locked_until : 0;
}

static int
secinfo_admin_user_list_row(const struct secinfo_user_summary *s, void *data)
{
	struct secinfo_admin_list *list = data;
	long long locked = secinfo_admin_locked_until(list->admin, s->locked_until);
	const char *kind = s->default_kind >= 0 ? secinfo_kind_name(s->default_kind) : NULL;
	char methods[32], failures[32], until[64];

	if (list->json) {
		fputs(list->count == 0 ? "\n  {" : ",\n  {", stdout);
		secinfo_json_key(stdout, "user");
		secinfo_json_string(stdout, s->name);
		printf(", \"methods\": %lld, ", s->n_methods);
		secinfo_json_key(stdout, "default");
		secinfo_json_string(stdout, kind);
		fputs(", ", stdout);
		secinfo_json_key(stdout, "locked_until");
		secinfo_json_time(stdout, locked);
		fputc('}', stdout);
	} else {
		snprintf(methods, sizeof(methods), "%lld", s->n_methods);
		snprintf(failures, sizeof(failures), "%u", s->failures);
		if (locked != 0)
			secinfo_admin_time(locked, 0, until, sizeof(until));
		secinfo_admin_table_add(&list->table,
					(const char *const[]){s->name, methods, kind, failures,
							      locked != 0 ? until : NULL});
	}
	list->count++;
	return 0;
}

int
secinfo_admin_cmd_user_list(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	static const char *const headings[] = {"USER", "METHODS", "DEFAULT", "FAILURES",
					       "LOCKED UNTIL"};
	struct secinfo_admin_list list = {.admin = admin,
					  .json = !!(args->options & SECINFO_OPT_JSON)};
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc != SECINFO_OK)
		return rc;
	secinfo_admin_table_init(&list.table, 5, headings);
	if (list.json)
		fputc('[', stdout);
	rc = secinfo_store_user_summaries(admin->store, secinfo_admin_user_list_row, &list);
	if (list.json)
		fputs(list.count > 0 ? "\n]\n" : "]\n", stdout);
	else if (rc == 0 && list.count == 0)
		printf("No users are enrolled.\n");
	else if (rc == 0)
		rc = secinfo_admin_table_print(&list.table, stdout);
	secinfo_admin_table_free(&list.table);
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot list the users: %s", secinfo_strerror(rc));
	return SECINFO_OK;
}

static void
secinfo_admin_user_show_json(const struct secinfo_admin *admin, const struct secinfo_user *user)
{
	secinfo_json_user(stdout, admin->conf, user->name, user,
			  secinfo_admin_locked_until(admin, user->locked_until), 1);
}

/* What the DETAIL column shows: the number or address, or an app's code parameters. */
static void
secinfo_admin_method_detail(const struct secinfo_method *m, char *out, size_t size)
{
	static const char *const algorithms[] = {"SHA1", "SHA256", "SHA512"};
	char expires[64];

	if (m->detail != NULL) {
		snprintf(out, size, "%s", m->detail);
	} else if (secinfo_kind_is_temporary(m->kind)) {
		secinfo_method_describe(m, 1, expires, sizeof(expires));
		snprintf(out, size, "%s, %lld sign-in%s left", expires, m->uses,
			 m->uses == 1 ? "" : "s");
	} else if (secinfo_kind_has_otp(m->kind) && m->otp.hotp) {
		snprintf(out, size, "HOTP, %u digits", m->otp.digits);
	} else if (secinfo_kind_has_otp(m->kind) && m->otp.algorithm >= 0 &&
		   m->otp.algorithm <= 2) {
		snprintf(out, size, "TOTP, %s, %u digits, %u s", algorithms[m->otp.algorithm],
			 m->otp.digits, m->otp.period);
	} else {
		snprintf(out, size, "-");
	}
}

static int
secinfo_admin_user_show_text(const struct secinfo_admin *admin, const struct secinfo_user *user)
{
	static const char *const headings[] = {"ID",         "KIND",    "DETAIL",
					       "USABLE FOR", "CREATED", "LAST USED"};
	struct secinfo_admin_table table;
	const struct secinfo_method *def = secinfo_user_method(user, user->default_method);
	long long locked = secinfo_admin_locked_until(admin, user->locked_until);
	char id[32], detail[320], usable[32], created[64], used[64], text[320];
	int rc;

	printf("User:     %s\n", user->name);
	if (def != NULL) {
		secinfo_method_describe(def, 1, text, sizeof(text));
		printf("Default:  id %lld, %s\n", def->id, text);
	} else {
		printf("Default:  none\n");
	}
	if (locked != 0) {
		secinfo_admin_time(locked, 0, text, sizeof(text));
		printf("Locked:   until %s ('secinfo-admin user unlock' ends it)\n", text);
	} else {
		printf("Locked:   no (%u failure%s in a row)\n", user->failures,
		       user->failures == 1 ? "" : "s");
	}
	if (user->n_methods == 0) {
		printf("\nNo methods are registered.\n");
		return 0;
	}
	secinfo_admin_table_init(&table, 6, headings);
	for (size_t i = 0; i < user->n_methods; i++) {
		const struct secinfo_method *m = &user->methods[i];
		snprintf(id, sizeof(id), "%lld%s", m->id, m == def ? "*" : "");
		secinfo_admin_method_detail(m, detail, sizeof(detail));
		secinfo_admin_purposes_text(secinfo_method_usable_for(admin->conf, m->kind), usable,
					    sizeof(usable));
		secinfo_admin_time(m->created, 0, created, sizeof(created));
		if (m->last_used != 0)
			secinfo_admin_time(m->last_used, 0, used, sizeof(used));
		secinfo_admin_table_add(
			&table, (const char *const[]){id, secinfo_kind_name(m->kind), detail,
						      usable[0] == '-' ? "- (not allowed by policy)"
								       : usable,
						      created, m->last_used != 0 ? used : "never"});
	}
	fputc('\n', stdout);
	rc = secinfo_admin_table_print(&table, stdout);
	secinfo_admin_table_free(&table);
	if (rc == 0 && def != NULL)
		printf("(* the default method)\n");
	return rc;
}

int
secinfo_admin_cmd_user_show(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_user *user = NULL;
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_user_load(admin, args->words[0], &user);
	if (rc != SECINFO_OK)
		goto out;
	if (args->options & SECINFO_OPT_JSON)
		secinfo_admin_user_show_json(admin, user);
	else if (secinfo_admin_user_show_text(admin, user) != 0)
		rc = secinfo_admin_fail("out of memory");
out:
	secinfo_user_free(user);
	return rc;
}

int
secinfo_admin_cmd_user_delete(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_user *user = NULL;
	const char *name = args->words[0];
	char question[512];
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_user_load(admin, name, &user);
	if (rc != SECINFO_OK)
		goto out;
	snprintf(question, sizeof(question),
		 "Delete user %s and all %zu method%s? This cannot be "
		 "undone. [y/N] ",
		 name, user->n_methods, user->n_methods == 1 ? "" : "s");
	if (!(args->options & SECINFO_OPT_YES) && !secinfo_term_confirm(question)) {
		rc = secinfo_admin_fail("nothing deleted");
		goto out;
	}
	rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_store_user_delete(admin->store, name);
	rc = secinfo_admin_end(admin, rc, name, "", "user-delete");
	if (rc != 0) {
		rc = secinfo_admin_fail("cannot delete user %s: %s; nothing deleted", name,
					secinfo_strerror(rc));
		goto out;
	}
	printf("Deleted user %s and %zu method%s.\n", name, user->n_methods,
	       user->n_methods == 1 ? "" : "s");
out:
	secinfo_user_free(user);
	return rc;
}

int
secinfo_admin_cmd_user_unlock(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_user *user = NULL;
	const char *name = args->words[0];
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_user_load(admin, name, &user);
	if (rc != SECINFO_OK)
		goto out;
	rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_store_user_unlock(admin->store, name);
	rc = secinfo_admin_end(admin, rc, name, "", "user-unlock");
	if (rc != 0) {
		rc = secinfo_admin_error(rc, "cannot unlock user %s: %s", name,
					 secinfo_strerror(rc));
		goto out;
	}
	if (secinfo_admin_locked_until(admin, user->locked_until) != 0)
		printf("Unlocked %s: the lockout and the failure count are cleared.\n", name);
	else
		printf("%s was not locked; the failure count (%u) is cleared.\n", name,
		       user->failures);
out:
	secinfo_user_free(user);
	return rc;
}
