/* secinfo: the one way the store runs SQL: prepare, bind, step, check and read each row. The
 * sqlite path is here; the PostgreSQL path is store_pg.c, chosen in secinfo_store_sql_v. */
#include "config.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "store_sql.h"

/* Binds the arguments described by TYPES (see store_sql.h) to STMT. Returns the sqlite code. */
static int
secinfo_sql_bind(sqlite3_stmt *stmt, const char *types, va_list ap)
{
	int rc = SQLITE_OK, i = 1;

	for (const char *t = types; rc == SQLITE_OK && *t != '\0'; t++, i++) {
		if (*t == 'i') {
			rc = sqlite3_bind_int64(stmt, i, va_arg(ap, long long));
		} else if (*t == 't' || *t == 'T') {
			const char *text = va_arg(ap, const char *);
			rc = text != NULL ? sqlite3_bind_text(stmt, i, text, -1, SQLITE_STATIC)
			     : *t == 'T'  ? sqlite3_bind_null(stmt, i)
					  : SQLITE_MISUSE;
		} else if (*t == 'b') {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			rc = n <= INT32_MAX ? sqlite3_bind_blob(stmt, i, p, (int)n, SQLITE_STATIC)
					    : SQLITE_TOOBIG;
		} else if (*t == 'n') {
			rc = sqlite3_bind_null(stmt, i);
		} else {
			rc = SQLITE_MISUSE;
		}
	}
	return rc;
}

/*
 * Checks that the current row of STMT holds what COLUMNS says, and makes sqlite convert every
 * text and blob now, so that a failed conversion (out of memory) is an error here and never a
 * NULL pointer in a row callback. Returns 0, SECINFO_ERR_CORRUPT or SECINFO_ERR_NOMEM.
 */
static int
secinfo_sql_row_check(sqlite3_stmt *stmt, const char *columns)
{
	for (int i = 0; columns[i] != '\0'; i++) {
		int type = sqlite3_column_type(stmt, i);
		char want = columns[i];

		if (type == SQLITE_NULL && (want == 'I' || want == 'T' || want == 'B'))
			continue;
		if (want == 'i' || want == 'I') {
			if (type != SQLITE_INTEGER)
				return SECINFO_ERR_CORRUPT;
		} else if (want == 't' || want == 'T') {
			if (type != SQLITE_TEXT)
				return SECINFO_ERR_CORRUPT;
			if (sqlite3_column_text(stmt, i) == NULL)
				return SECINFO_ERR_NOMEM;
		} else if (want == 'b' || want == 'B') {
			if (type != SQLITE_BLOB)
				return SECINFO_ERR_CORRUPT;
			if (sqlite3_column_blob(stmt, i) == NULL &&
			    sqlite3_column_bytes(stmt, i) > 0)
				return SECINFO_ERR_NOMEM;
		} else {
			return SECINFO_ERR_INTERNAL;
		}
	}
	return 0;
}

/* Prepares QUERY and binds its arguments. Returns 0 and *stmt, SECINFO_ERR_INTERNAL (a row
 * callback without the matching column letters) or SECINFO_ERR_DB. */
static int
secinfo_sql_prepare(struct secinfo_store *store, const struct secinfo_sql *query, const char *types,
		    va_list ap, sqlite3_stmt **out)
{
	sqlite3_stmt *stmt = NULL;
	size_t columns = query->columns != NULL ? strlen(query->columns) : 0;

	*out = NULL;
	if (sqlite3_prepare_v2(store->db, query->sql, -1, &stmt, NULL) != SQLITE_OK)
		return SECINFO_ERR_DB;
	if (query->row != NULL && columns != (size_t)sqlite3_column_count(stmt)) {
		sqlite3_finalize(stmt);
		return SECINFO_ERR_INTERNAL;
	}
	if (secinfo_sql_bind(stmt, types, ap) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return SECINFO_ERR_DB;
	}
	*out = stmt;
	return 0;
}

static int
secinfo_store_sql_v(struct secinfo_store *store, struct secinfo_sql *query, const char *types,
		    va_list ap)
{
	struct secinfo_sql_row row = {NULL, NULL, 0};
	sqlite3_stmt *stmt = NULL;
	int rc, step = SQLITE_DONE;

	query->rows = 0;
	query->changes = 0;
	if (secinfo_store_aborted(store))
		return SECINFO_ERR_DB;
	rc = secinfo_store_shield(store); /* a statement outside a transaction takes its locks */
	if (rc != 0)
		return rc;
	if (store->backend == SECINFO_DB_POSTGRESQL) {
		rc = secinfo_pg_query(store, query, types, ap);
		secinfo_store_unshield(store);
		return rc;
	}
	rc = secinfo_sql_prepare(store, query, types, ap, &stmt);
	row.stmt = stmt;
	while (rc == 0 && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		query->rows++;
		if (query->row == NULL)
			continue;
		rc = secinfo_sql_row_check(stmt, query->columns);
		if (rc == 0)
			rc = query->row(&row, query->data);
	}
	if (rc == 0 && step != SQLITE_DONE)
		rc = SECINFO_ERR_DB;
	/* sqlite3_changes() still counts the last write after a read: a read changed nothing. */
	if (rc == 0 && !sqlite3_stmt_readonly(stmt))
		query->changes = sqlite3_changes(store->db);
	sqlite3_finalize(stmt);
	secinfo_store_unshield(store);
	return rc;
}

int
secinfo_store_sql(struct secinfo_store *store, struct secinfo_sql *query, const char *types, ...)
{
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = secinfo_store_sql_v(store, query, types, ap);
	va_end(ap);
	return rc;
}

int
secinfo_store_sql_exec(struct secinfo_store *store, int *changes, const char *sql,
		       const char *types, ...)
{
	struct secinfo_sql query = {.sql = sql};
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = secinfo_store_sql_v(store, &query, types, ap);
	va_end(ap);
	if (rc == 0 && changes != NULL)
		*changes = query.changes;
	return rc;
}

/* The first row's value; later rows are stepped over. */
struct secinfo_sql_first {
	long long value;
	int seen;
};

static int
secinfo_sql_first_row(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_sql_first *first = data;

	if (!first->seen)
		first->value = secinfo_sql_row_int(row, 0);
	first->seen = 1;
	return 0;
}

int
secinfo_store_sql_int(struct secinfo_store *store, long long *value, const char *sql,
		      const char *types, ...)
{
	struct secinfo_sql_first first = {0, 0};
	struct secinfo_sql query = {
		.sql = sql, .columns = "i", .row = secinfo_sql_first_row, .data = &first};
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = secinfo_store_sql_v(store, &query, types, ap);
	va_end(ap);
	if (rc != 0)
		return rc;
	if (!first.seen)
		return SECINFO_ERR_NOT_FOUND;
	*value = first.value;
	return 0;
}

/* Appends a zeroed element to the array and lets the caller fill it from ROW. */
static int
secinfo_sql_array_row(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_sql_array *array = data;
	unsigned char *element;

	if (array->count == array->capacity) {
		size_t capacity = array->capacity > 0 ? array->capacity * 2 : 4;
		void *grown;

		if (capacity > SIZE_MAX / array->size)
			return SECINFO_ERR_NOMEM;
		grown = realloc(array->array, capacity * array->size);
		if (grown == NULL)
			return SECINFO_ERR_NOMEM;
		array->array = grown;
		array->capacity = capacity;
	}
	element = (unsigned char *)array->array + array->count * array->size;
	memset(element, 0, array->size);
	array->count++;
	return array->fill(row, element, array->data);
}

int
secinfo_store_sql_array(struct secinfo_store *store, struct secinfo_sql_array *array,
			const char *sql, const char *columns, const char *types, ...)
{
	struct secinfo_sql query = {
		.sql = sql, .columns = columns, .row = secinfo_sql_array_row, .data = array};
	va_list ap;
	int rc;

	va_start(ap, types);
	rc = secinfo_store_sql_v(store, &query, types, ap);
	va_end(ap);
	return rc;
}

long long
secinfo_sql_row_int(const struct secinfo_sql_row *row, int column)
{
	if (row->res != NULL)
		return secinfo_pg_row_int(row, column);
	return sqlite3_column_int64(row->stmt, column);
}

const char *
secinfo_sql_row_text(const struct secinfo_sql_row *row, int column)
{
	if (row->res != NULL)
		return secinfo_pg_row_text(row, column);
	return (const char *)sqlite3_column_text(row->stmt, column);
}

const void *
secinfo_sql_row_blob(const struct secinfo_sql_row *row, int column, size_t *len)
{
	const void *blob;

	if (row->res != NULL)
		return secinfo_pg_row_blob(row, column, len);
	blob = sqlite3_column_blob(row->stmt, column);

	*len = blob != NULL ? (size_t)sqlite3_column_bytes(row->stmt, column) : 0;
	return blob;
}

int
secinfo_sql_hash_compare_row(const struct secinfo_sql_row *row, void *data)
{
	struct secinfo_sql_hash_compare *compare = data;
	size_t len = 0;
	const void *stored = secinfo_sql_row_blob(row, 0, &len);

	compare->right = len == compare->len && secinfo_equal(stored, compare->given, len);
	return 0;
}
