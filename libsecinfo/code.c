#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "code.h"
#include "crypto.h"
#include "error.h"

int
secinfo_code_generate(unsigned length, char code[SECINFO_CODE_MAX + 1])
{
	if (length < 6 || length > SECINFO_CODE_MAX)
		return SECINFO_ERR_INVALID;
	for (unsigned i = 0; i < length; i++)
		code[i] = (char)('0' + randombytes_uniform(10)); /* no modulo bias */
	code[length] = '\0';
	return 0;
}

int
secinfo_code_hash(const unsigned char *key, long long method_id, const char *code,
		  unsigned char hash[SECINFO_CODE_HASH_BYTES])
{
	unsigned char subkey[crypto_generichash_KEYBYTES];
	crypto_generichash_state state;
	char id[24];
	int rc = SECINFO_ERR_CRYPTO;

	/* A subkey of its own, so the codes' hashes never use the encryption key directly. */
	if (crypto_kdf_derive_from_key(subkey, sizeof(subkey), 1, "secicode", key) != 0)
		goto out;
	snprintf(id, sizeof(id), "%lld:", method_id);
	if (crypto_generichash_init(&state, subkey, sizeof(subkey), SECINFO_CODE_HASH_BYTES) == 0 &&
	    crypto_generichash_update(&state, (const unsigned char *)id, strlen(id)) == 0 &&
	    crypto_generichash_update(&state, (const unsigned char *)code, strlen(code)) == 0 &&
	    crypto_generichash_final(&state, hash, SECINFO_CODE_HASH_BYTES) == 0)
		rc = 0;
out:
	/* The state buffers the hash input ("ID:" and the code) until it is final. */
	sodium_memzero(subkey, sizeof(subkey));
	sodium_memzero(&state, sizeof(state));
	sodium_memzero(id, sizeof(id));
	return rc;
}
