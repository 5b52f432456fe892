/* secinfo: the audit trail (never a code, an answer or a secret). */
#include "config.h"

#include <unistd.h>

#include "error.h"
#include "store_sql.h"

/* This host's name for the audit trail, as the host reports it; "" when it cannot say. */
static void
secinfo_audit_host(char *out, size_t size)
{
	if (gethostname(out, size - 1) != 0)
		out[0] = '\0';
	out[size - 1] = '\0';
}

int
secinfo_store_audit(struct secinfo_store *store, const struct secinfo_audit_entry *e)
{
	char host[256];

	if (e->host == NULL)
		secinfo_audit_host(host, sizeof(host));
	return secinfo_store_sql_exec(
		store, NULL,
		"INSERT INTO audit (time, \"user\", service, rhost, method, event,"
		" result, actor, host) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
		"itttttttt", e->time, e->user, e->service ? e->service : "",
		e->rhost ? e->rhost : "", e->method ? e->method : "", e->event, e->result,
		e->actor != NULL ? e->actor : e->user, e->host != NULL ? e->host : host);
}

int
secinfo_store_audit_check(struct secinfo_store *store)
{
	struct secinfo_sql query = {
		.sql = "SELECT time, \"user\", service, rhost, method, event, result, actor, host"
		       " FROM audit LIMIT 0",
		.columns = "",
	};

	return secinfo_store_sql(store, &query, "");
}

struct secinfo_audit_each {
	int (*fn)(const struct secinfo_audit_entry *entry, void *data);
	void *data;
};

static int
secinfo_audit_row(const struct secinfo_sql_row *row, void *data)
{
	const struct secinfo_audit_each *each = data;
	struct secinfo_audit_entry e;

	e.time = secinfo_sql_row_int(row, 0);
	e.user = secinfo_sql_row_text(row, 1);
	e.service = secinfo_sql_row_text(row, 2);
	e.rhost = secinfo_sql_row_text(row, 3);
	e.method = secinfo_sql_row_text(row, 4);
	e.event = secinfo_sql_row_text(row, 5);
	e.result = secinfo_sql_row_text(row, 6);
	e.actor = secinfo_sql_row_text(row, 7);
	e.host = secinfo_sql_row_text(row, 8);
	return each->fn(&e, each->data);
}

int
secinfo_store_audit_list(struct secinfo_store *store, const char *user, long long since,
			 int (*fn)(const struct secinfo_audit_entry *entry, void *data), void *data)
{
	struct secinfo_audit_each each = {fn, data};
	struct secinfo_sql query = {
		.sql = "SELECT time, \"user\", service, rhost, method, event, result, actor, host"
		       " FROM audit WHERE (?1 IS NULL OR \"user\" = ?1) AND time >= ?2"
		       " ORDER BY time, id",
		.columns = "itttttttt",
		.row = secinfo_audit_row,
		.data = &each,
	};

	return secinfo_store_sql(store, &query, "Ti", user, since);
}
