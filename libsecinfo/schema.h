/* secinfo: the database schema and its forward migrations. */
#ifndef SECINFO_SCHEMA_H
#define SECINFO_SCHEMA_H

#include <sqlite3.h>

/* The schema version this build writes (PRAGMA user_version). */
#define SECINFO_SCHEMA_VERSION 4

/* Reads the schema version of DB into *version (0: empty). Returns 0 or SECINFO_ERR_DB. */
int secinfo_schema_version(sqlite3 *db, int *version);

/*
 * Brings DB forward to SECINFO_SCHEMA_VERSION inside one transaction, checking every foreign
 * key before it commits (SECINFO_ERR_CORRUPT: nothing changed). It turns foreign keys off
 * (they cannot change inside a transaction and must be off while a table is rebuilt): call it
 * before turning them on. A database newer than this build is refused
 * (SECINFO_ERR_UNSUPPORTED). Returns 0 or a negative SECINFO_ERR_* code.
 */
int secinfo_schema_migrate(sqlite3 *db);

/* The same, up to version TARGET only (tests build old databases with it). A database already
 * past TARGET is left alone. Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_schema_migrate_to(sqlite3 *db, int target);

/*
 * PostgreSQL (SPEC 16): its own version, kept in the one row of table secinfo_schema, which
 * SECINFO_PG_SCHEMA_TABLE creates when it is missing. secinfo_pg_migrations[i] brings version i
 * to i + 1; the store runs them (store.c) under the fleet-wide advisory lock, in one
 * transaction, so that two hosts running init at once are safe. Tables and columns are named
 * as in sqlite, so that the store's SQL is the same for both.
 */
#define SECINFO_PG_SCHEMA_VERSION 1
#define SECINFO_PG_SCHEMA_TABLE                                                                    \
	"CREATE TABLE IF NOT EXISTS secinfo_schema ("                                              \
	"  one boolean PRIMARY KEY DEFAULT true CHECK (one),"                                      \
	"  version integer NOT NULL)"
extern const char *const secinfo_pg_migrations[SECINFO_PG_SCHEMA_VERSION];

#endif
