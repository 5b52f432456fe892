/* secinfo: copying a whole store into another (secinfo-admin copy, SPEC 16). */
#ifndef SECINFO_STORE_COPY_H
#define SECINFO_STORE_COPY_H

#include <stddef.h>

#include "store.h"

/* The tables in the order they are copied; secinfo_store_copy counts rows per table. */
enum secinfo_store_copy_table {
	SECINFO_COPY_USERS,
	SECINFO_COPY_METHODS,
	SECINFO_COPY_CODES,
	SECINFO_COPY_SENDS,
	SECINFO_COPY_QUESTIONS,
	SECINFO_COPY_ANSWERS,
	SECINFO_COPY_AUDIT,
	SECINFO_COPY_META,
	SECINFO_COPY_TABLES
};

/* The name of TABLE ("users"), for messages. */
const char *secinfo_store_copy_table_name(enum secinfo_store_copy_table table);

/*
 * Copies every row of FROM into TO, as stored (nothing is decrypted: the same key decrypts
 * it), in one transaction on TO: users, methods (used TOTP steps and counters, passes), codes,
 * sends, questions, answers, the audit trail and the meta rows other than the key check. Users,
 * methods and questions keep their ids (defaults, answers and audit lines still name the same
 * rows) and TO hands out new ids above every id FROM ever handed out; audit rows are appended
 * after TO's own (its init). FROM is read under its write lock, so that the copy is one
 * consistent state and nothing is written there meanwhile. NOTE, when not NULL, is appended to
 * TO's audit trail in the same transaction. COUNTS gets the rows copied per table.
 * Returns 0; SECINFO_ERR_CRYPTO (TO was made with another key), SECINFO_ERR_EXISTS (TO holds a
 * user already), both before anything is written; or another negative SECINFO_ERR_* code with
 * WHY naming the table that failed. On any failure TO is as it was.
 */
int secinfo_store_copy(struct secinfo_store *from, struct secinfo_store *to,
		       const struct secinfo_audit_entry *note,
		       long long counts[SECINFO_COPY_TABLES], char *why, size_t why_size);

#endif
