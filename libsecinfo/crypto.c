#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto.h"
#include "error.h"
#include "safefile.h"

#define SECINFO_NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SECINFO_TAG_BYTES   crypto_aead_xchacha20poly1305_ietf_ABYTES

int
secinfo_crypto_init(void)
{
	return sodium_init() < 0 ? SECINFO_ERR_CRYPTO : 0;
}

int
secinfo_key_load(const char *path, unsigned char **key, const char **why)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	*key = NULL;
	rc = secinfo_file_read(path, SECINFO_FILE_PRIVATE, SECINFO_KEY_BYTES, 1, &data, &len, why);
	if (rc != 0)
		return rc;
	if (len != SECINFO_KEY_BYTES) {
		*why = "key file must hold exactly 32 bytes";
		sodium_free(data);
		return SECINFO_ERR_CRYPTO;
	}
	*key = (unsigned char *)data;
	return 0;
}

int
secinfo_key_create(const char *path, const char **why)
{
	unsigned char key[SECINFO_KEY_BYTES];
	size_t done = 0;
	int fd, rc = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		*why = strerror(errno);
		return errno == EEXIST ? SECINFO_ERR_EXISTS : SECINFO_ERR_IO;
	}
	randombytes_buf(key, sizeof(key));
	while (done < sizeof(key)) {
		ssize_t n = write(fd, key + done, sizeof(key) - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*why = strerror(errno);
			rc = SECINFO_ERR_IO;
			break;
		}
		done += (size_t)n;
	}
	sodium_memzero(key, sizeof(key));
	if (rc == 0 && fsync(fd) != 0) {
		*why = strerror(errno);
		rc = SECINFO_ERR_IO;
	}
	close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}

void
secinfo_key_free(unsigned char *key)
{
	if (key != NULL)
		sodium_free(key);
}

void *
secinfo_secret_alloc(size_t len)
{
	unsigned char *p = sodium_malloc(len + 1);

	if (p != NULL)
		sodium_memzero(p, len + 1);
	return p;
}

void
secinfo_secret_free(void *secret)
{
	if (secret != NULL)
		sodium_free(secret);
}

int
secinfo_seal(const unsigned char *key, const char *ad, const unsigned char *plain, size_t plain_len,
	     unsigned char **sealed, size_t *sealed_len)
{
	size_t len = SECINFO_NONCE_BYTES + plain_len + SECINFO_TAG_BYTES;
	unsigned long long clen = 0;
	unsigned char *out;

	*sealed = NULL;
	out = malloc(len);
	if (out == NULL)
		return SECINFO_ERR_NOMEM;
	randombytes_buf(out, SECINFO_NONCE_BYTES);
	if (crypto_aead_xchacha20poly1305_ietf_encrypt(out + SECINFO_NONCE_BYTES, &clen, plain,
						       plain_len, (const unsigned char *)ad,
						       strlen(ad), NULL, out, key) != 0) {
		free(out);
		return SECINFO_ERR_CRYPTO;
	}
	*sealed = out;
	*sealed_len = SECINFO_NONCE_BYTES + (size_t)clen;
	return 0;
}

int
secinfo_unseal(const unsigned char *key, const char *ad, const unsigned char *sealed,
	       size_t sealed_len, unsigned char **plain, size_t *plain_len)
{
	unsigned long long mlen = 0;
	unsigned char *out;

	*plain = NULL;
	if (sealed_len < SECINFO_NONCE_BYTES + SECINFO_TAG_BYTES)
		return SECINFO_ERR_CORRUPT;
	out = secinfo_secret_alloc(sealed_len);
	if (out == NULL)
		return SECINFO_ERR_NOMEM;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    out, &mlen, NULL, sealed + SECINFO_NONCE_BYTES,
		    sealed_len - SECINFO_NONCE_BYTES, (const unsigned char *)ad, strlen(ad), sealed,
		    key) != 0) {
		secinfo_secret_free(out);
		return SECINFO_ERR_CORRUPT;
	}
	out[mlen] = '\0';
	*plain = out;
	*plain_len = (size_t)mlen;
	return 0;
}

int
secinfo_unseal_public(const unsigned char *key, const char *ad, const unsigned char *sealed,
		      size_t sealed_len, unsigned char *out, size_t out_size, size_t *plain_len)
{
	unsigned long long mlen = 0;

	*plain_len = 0;
	if (sealed_len < SECINFO_NONCE_BYTES + SECINFO_TAG_BYTES ||
	    sealed_len - SECINFO_NONCE_BYTES - SECINFO_TAG_BYTES > out_size)
		return SECINFO_ERR_CORRUPT;
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    out, &mlen, NULL, sealed + SECINFO_NONCE_BYTES,
		    sealed_len - SECINFO_NONCE_BYTES, (const unsigned char *)ad, strlen(ad), sealed,
		    key) != 0)
		return SECINFO_ERR_CORRUPT;
	*plain_len = (size_t)mlen;
	return 0;
}

int
secinfo_equal(const void *a, const void *b, size_t len)
{
	return sodium_memcmp(a, b, len) == 0;
}

void
secinfo_random(void *buf, size_t len)
{
	randombytes_buf(buf, len);
}

void
secinfo_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
