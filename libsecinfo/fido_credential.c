/* secinfo: a FIDO2 credential as the store keeps it (the method's encrypted secret). Version 1:
 *   1 byte version (1) | 4 bytes COSE alg (big endian, two's complement) | 16 bytes AAGUID |
 *   2 bytes id length | id | 2 bytes public key length | public key
 * The signature counter lives in the method's counter column. No libfido2 here. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "fido_key.h"

#define SECINFO_FIDO_PACK_VERSION 1
#define SECINFO_FIDO_FIELD_MAX    4096

void
secinfo_fido_credential_clear(struct secinfo_fido_credential *credential)
{
	if (credential == NULL)
		return;
	free(credential->id);
	free(credential->pubkey);
	memset(credential, 0, sizeof(*credential));
}

int
secinfo_fido_credential_pack(const struct secinfo_fido_credential *c, unsigned char **out,
			     size_t *out_len)
{
	uint32_t alg = (uint32_t)c->cose_alg;
	unsigned char *p;
	size_t len;

	*out = NULL;
	*out_len = 0;
	if (c->id_len == 0 || c->id_len > SECINFO_FIDO_FIELD_MAX || c->pubkey_len == 0 ||
	    c->pubkey_len > SECINFO_FIDO_FIELD_MAX)
		return SECINFO_ERR_INVALID;
	len = 1 + 4 + sizeof(c->aaguid) + 2 + c->id_len + 2 + c->pubkey_len;
	p = *out = secinfo_secret_alloc(len);
	if (p == NULL)
		return SECINFO_ERR_NOMEM;
	*p++ = SECINFO_FIDO_PACK_VERSION;
	for (int shift = 24; shift >= 0; shift -= 8)
		*p++ = (unsigned char)(alg >> shift);
	memcpy(p, c->aaguid, sizeof(c->aaguid));
	p += sizeof(c->aaguid);
	*p++ = (unsigned char)(c->id_len >> 8);
	*p++ = (unsigned char)c->id_len;
	memcpy(p, c->id, c->id_len);
	p += c->id_len;
	*p++ = (unsigned char)(c->pubkey_len >> 8);
	*p++ = (unsigned char)c->pubkey_len;
	memcpy(p, c->pubkey, c->pubkey_len);
	*out_len = len;
	return 0;
}

/* Reads a 2-byte length and that many bytes into a new buffer. */
static int
secinfo_fido_field(const unsigned char **p, const unsigned char *end, unsigned char **field,
		   size_t *len)
{
	if (end - *p < 2)
		return SECINFO_ERR_CORRUPT;
	*len = ((size_t)(*p)[0] << 8) | (*p)[1];
	*p += 2;
	if (*len == 0 || (size_t)(end - *p) < *len)
		return SECINFO_ERR_CORRUPT;
	*field = malloc(*len);
	if (*field == NULL)
		return SECINFO_ERR_NOMEM;
	memcpy(*field, *p, *len);
	*p += *len;
	return 0;
}

int
secinfo_fido_credential_unpack(const unsigned char *in, size_t in_len,
			       struct secinfo_fido_credential *out)
{
	const unsigned char *p = in, *end = in + in_len;
	uint32_t alg = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (in == NULL || in_len < 1 + 4 + sizeof(out->aaguid) || p[0] != SECINFO_FIDO_PACK_VERSION)
		return SECINFO_ERR_CORRUPT;
	p++;
	for (int i = 0; i < 4; i++)
		alg = (alg << 8) | *p++;
	out->cose_alg = (int)(int32_t)alg;
	memcpy(out->aaguid, p, sizeof(out->aaguid));
	p += sizeof(out->aaguid);
	rc = secinfo_fido_field(&p, end, &out->id, &out->id_len);
	if (rc == 0)
		rc = secinfo_fido_field(&p, end, &out->pubkey, &out->pubkey_len);
	if (rc == 0 && p != end)
		rc = SECINFO_ERR_CORRUPT;
	if (rc != 0)
		secinfo_fido_credential_clear(out);
	return rc;
}
