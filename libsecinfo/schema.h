/* secinfo: the database schema and its forward migrations. */
#ifndef SECINFO_SCHEMA_H
#define SECINFO_SCHEMA_H

#include <sqlite3.h>

/* The schema version this build writes (PRAGMA user_version). */
#define SECINFO_SCHEMA_VERSION 1

/*
 * Brings DB forward to SECINFO_SCHEMA_VERSION inside one transaction. A database newer than
 * this build is refused (SECINFO_ERR_UNSUPPORTED). Returns 0 or a negative SECINFO_ERR_* code.
 */
int secinfo_schema_migrate(sqlite3 *db);

#endif
