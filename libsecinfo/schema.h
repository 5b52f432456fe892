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

#endif
