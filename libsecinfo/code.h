/* secinfo: one-time codes sent by text message, call and email. */
#ifndef SECINFO_CODE_H
#define SECINFO_CODE_H

#include <stddef.h>

#define SECINFO_CODE_MAX        10 /* [codes] length is 6..10 */
#define SECINFO_CODE_HASH_BYTES 32

/* Writes LENGTH (6..10) uniformly random digits and a NUL to CODE. Returns 0 or
 * SECINFO_ERR_INVALID. */
int secinfo_code_generate(unsigned length, char code[SECINFO_CODE_MAX + 1]);

/*
 * Computes the keyed hash under which a code is stored: BLAKE2b keyed with a subkey of the
 * database key, over the method id and the code, so a copy of the database reveals no code
 * and a hash is valid for one method only. Returns 0 or SECINFO_ERR_CRYPTO.
 */
int secinfo_code_hash(const unsigned char *key, long long method_id, const char *code,
		      unsigned char hash[SECINFO_CODE_HASH_BYTES]);

#endif
