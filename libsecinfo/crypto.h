/* secinfo: the database key and encryption at rest (libsodium). */
#ifndef SECINFO_CRYPTO_H
#define SECINFO_CRYPTO_H

#include <stddef.h>

#define SECINFO_KEY_BYTES 32

/* Initialises libsodium. Returns 0 or SECINFO_ERR_CRYPTO. */
int secinfo_crypto_init(void) __attribute__((warn_unused_result));

/* Reads the 32-byte key from PATH (root-owned, no access for group/others, no symlink) into
 * guarded memory. Returns 0 or a negative SECINFO_ERR_* code with *why set. */
int secinfo_key_load(const char *path, unsigned char **key, const char **why)
	__attribute__((warn_unused_result));

/* Creates a new random key at PATH (mode 0600, never over an existing file).
 * Returns 0, SECINFO_ERR_EXISTS, or another negative SECINFO_ERR_* code. */
int secinfo_key_create(const char *path, const char **why);

/* Wipes and frees a key; accepts NULL. */
void secinfo_key_free(unsigned char *key);

/*
 * Encrypts PLAIN with XChaCha20-Poly1305, bound to the associated data AD (for example
 * "user\nkind"), into a new buffer nonce||ciphertext. Returns 0 or a negative SECINFO_ERR_*.
 */
int secinfo_seal(const unsigned char *key, const char *ad, const unsigned char *plain,
		 size_t plain_len, unsigned char **sealed, size_t *sealed_len);

/*
 * Decrypts what secinfo_seal produced into guarded memory (NUL-terminated, free with
 * secinfo_secret_free). Returns 0 or SECINFO_ERR_CORRUPT (tampered, wrong key or wrong AD).
 */
int secinfo_unseal(const unsigned char *key, const char *ad, const unsigned char *sealed,
		   size_t sealed_len, unsigned char **plain, size_t *plain_len)
	__attribute__((warn_unused_result));

/*
 * Decrypts a sealed value that is not a secret (the key check's known text) into OUT, of
 * OUT_SIZE bytes, without guarded memory (a guarded allocation is 11 system calls). Returns 0
 * with *plain_len, or SECINFO_ERR_CORRUPT (tampered, wrong key or AD, or longer than OUT).
 */
int secinfo_unseal_public(const unsigned char *key, const char *ad, const unsigned char *sealed,
			  size_t sealed_len, unsigned char *out, size_t out_size, size_t *plain_len)
	__attribute__((warn_unused_result));

/* Frees guarded memory from secinfo_unseal or secinfo_secret_alloc (wiped); accepts NULL. */
void secinfo_secret_free(void *secret);

/* Allocates LEN+1 bytes of guarded, zeroed memory for a secret. Returns NULL when out of memory. */
void *secinfo_secret_alloc(size_t len);

/* Compares two equal-length buffers in constant time. Returns 1 when equal. */
int secinfo_equal(const void *a, const void *b, size_t len) __attribute__((warn_unused_result));

/* Wipes LEN bytes at P in a way the compiler cannot drop. */
void secinfo_wipe(void *p, size_t len);

/* Fills BUF with LEN random bytes. */
void secinfo_random(void *buf, size_t len);

#endif
