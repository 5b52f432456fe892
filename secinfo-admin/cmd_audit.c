/* secinfo-admin audit: the audit trail, for people or as JSON. */
#include "config.h"

#include <stdio.h>

#include "admin.h"
#include "error.h"
#include "json.h"

/* State of one listing while the store calls back once per row. */
struct secinfo_admin_audit_list {
	int json;
	size_t count;
	struct secinfo_admin_table table;
};

static void
secinfo_admin_audit_json(const struct secinfo_audit_entry *e)
{
	const char *const fields[][2] = {
		{"user", e->user},     {"service", e->service}, {"rhost", e->rhost},
		{"method", e->method}, {"event", e->event},     {"result", e->result},
		{"actor", e->actor},   {"host", e->host},
	};

	char when[32];

	/* Always a time, even for a row at the epoch (secinfo_json_time writes 0 as null). */
	secinfo_admin_time(e->time, 1, when, sizeof(when));
	fputc('{', stdout);
	secinfo_json_key(stdout, "time");
	secinfo_json_string(stdout, when);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		fputs(", ", stdout);
		secinfo_json_key(stdout, fields[i][0]);
		secinfo_json_string(stdout, fields[i][1] != NULL ? fields[i][1] : "");
	}
	fputc('}', stdout);
}

static int
secinfo_admin_audit_row(const struct secinfo_audit_entry *e, void *data)
{
	struct secinfo_admin_audit_list *list = data;
	char when[64];

	if (list->json) {
		fputs(list->count == 0 ? "\n  " : ",\n  ", stdout);
		secinfo_admin_audit_json(e);
	} else {
		secinfo_admin_time(e->time, 0, when, sizeof(when));
		/* Empty fields print as "-" so the columns stay readable. */
		secinfo_admin_table_add(
			&list->table,
			(const char *const[]){when, e->user && *e->user ? e->user : NULL,
					      e->service && *e->service ? e->service : NULL,
					      e->rhost && *e->rhost ? e->rhost : NULL,
					      e->method && *e->method ? e->method : NULL, e->event,
					      e->result, e->actor && *e->actor ? e->actor : NULL,
					      e->host && *e->host ? e->host : NULL});
	}
	list->count++;
	return 0;
}

int
secinfo_admin_cmd_audit(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	static const char *const headings[] = {"TIME",  "USER",   "SERVICE", "RHOST", "METHOD",
					       "EVENT", "RESULT", "ACTOR",   "HOST"};
	struct secinfo_admin_audit_list list = {.json = !!(args->options & SECINFO_OPT_JSON)};
	long long since = 0;
	int rc;

	if (args->since != NULL && secinfo_admin_since_parse(args->since, admin->now, &since) != 0)
		return secinfo_admin_usage_fail("--since '%s' is not a date (2026-11-22), a time "
						"(2026-11-22T10:00:00Z) or a duration (30m, 7d)",
						args->since);
	rc = secinfo_admin_open(admin);
	if (rc != SECINFO_OK)
		return rc;
	secinfo_admin_table_init(&list.table, 9, headings);
	if (list.json)
		fputc('[', stdout);
	rc = secinfo_store_audit_list(admin->store, args->user, since, secinfo_admin_audit_row,
				      &list);
	if (list.json)
		fputs(list.count > 0 ? "\n]\n" : "]\n", stdout);
	else if (rc == 0 && list.count == 0)
		printf("No audit entries%s.\n", args->user || args->since ? " match" : "");
	else if (rc == 0)
		rc = secinfo_admin_table_print(&list.table, stdout);
	secinfo_admin_table_free(&list.table);
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot read the audit trail: %s",
					   secinfo_strerror(rc));
	return SECINFO_OK;
}
