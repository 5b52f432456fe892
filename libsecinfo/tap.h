/* secinfo: the temporary access pass (SPEC 14): its format, how it is typed, its keyed hash. */
#ifndef SECINFO_TAP_H
#define SECINFO_TAP_H

#include <stddef.h>

/* 16 characters from an alphabet of 31 without look-alikes (no 0, O, 1, I, L): 79 bits. */
#define SECINFO_TAP_LENGTH     16
#define SECINFO_TAP_ALPHABET   "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#define SECINFO_TAP_GROUP      4
#define SECINFO_TAP_PRINTED    (SECINFO_TAP_LENGTH + SECINFO_TAP_LENGTH / SECINFO_TAP_GROUP - 1)
#define SECINFO_TAP_HASH_BYTES 32
#define SECINFO_TAP_USES_MAX   10 /* --uses is 1..10 */

/* Writes a new random pass (libsodium) to PASS as printed: four groups of four joined by '-'
 * ("ABCD-EFGH-JKMN-PQRS") and a NUL. */
void secinfo_tap_generate(char pass[SECINFO_TAP_PRINTED + 1]);

/*
 * Normalises a pass as a person typed it into OUT: dashes and spaces dropped, letters in upper
 * case. Returns 0, or SECINFO_ERR_INVALID when what remains is not 16 characters of the
 * alphabet (OUT is then empty).
 */
int secinfo_tap_normalize(const char *typed, char out[SECINFO_TAP_LENGTH + 1]);

/*
 * Computes the keyed hash under which a pass is stored: BLAKE2b keyed with a subkey of the
 * database key of its own, over the method id and the normalised pass, so a copy of the
 * database reveals no pass and a hash is valid for one pass row only. Returns 0 or
 * SECINFO_ERR_CRYPTO.
 */
int secinfo_tap_hash(const unsigned char *key, long long method_id, const char *pass,
		     unsigned char hash[SECINFO_TAP_HASH_BYTES]);

#endif
