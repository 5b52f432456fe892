/*
 * softfido: a software FIDO2 authenticator for the tests (never installed).
 *
 * CTAPHID framing over 64-byte reports, and CTAP2.0: getInfo, makeCredential (packed
 * self-attestation), getAssertion (allow list, a real signature over authData ||
 * clientDataHash, a growing counter), clientPIN protocol 1 (getRetries, getKeyAgreement,
 * setPIN, changePIN, getPINToken). Keepalives while it waits for a touch; CTAPHID_CANCEL
 * ends the wait. Credentials are not resident: a credential id is the credential's private
 * key sealed (AES-256-GCM) under the device secret with the RP id hash, so a copy of the state
 * file is a clone. Crypto is OpenSSL's libcrypto, CBOR is libcbor.
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cbor.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "softfido.h"

/* CTAPHID (CTAP2.0 section 8.1) */
#define REPORT_LEN            64
#define INIT_DATA_LEN         (REPORT_LEN - 7)
#define CONT_DATA_LEN         (REPORT_LEN - 5)
#define MAX_MESSAGE           (INIT_DATA_LEN + 128 * CONT_DATA_LEN)
#define CMD_PING              0x01
#define CMD_MSG               0x03
#define CMD_INIT              0x06
#define CMD_WINK              0x08
#define CMD_CBOR              0x10
#define CMD_CANCEL            0x11
#define CMD_KEEPALIVE         0x3b
#define CMD_ERROR             0x3f
#define CAPABILITY_WINK       0x01
#define CAPABILITY_CBOR       0x04
#define CAPABILITY_NMSG       0x08
#define KEEPALIVE_UPNEEDED    2
#define KEEPALIVE_INTERVAL_MS 100

/* CTAP2 commands and status codes */
#define CTAP2_MAKE_CREDENTIAL           0x01
#define CTAP2_GET_ASSERTION             0x02
#define CTAP2_GET_INFO                  0x04
#define CTAP2_CLIENT_PIN                0x06
#define CTAP1_ERR_INVALID_COMMAND       0x01
#define CTAP1_ERR_INVALID_PARAMETER     0x02
#define CTAP1_ERR_INVALID_LENGTH        0x03
#define CTAP1_ERR_INVALID_SEQ           0x04
#define CTAP1_ERR_CHANNEL_BUSY          0x06
#define CTAP1_ERR_INVALID_CHANNEL       0x0b
#define CTAP2_ERR_CBOR_UNEXPECTED_TYPE  0x11
#define CTAP2_ERR_INVALID_CBOR          0x12
#define CTAP2_ERR_MISSING_PARAMETER     0x14
#define CTAP2_ERR_CREDENTIAL_EXCLUDED   0x19
#define CTAP2_ERR_UNSUPPORTED_ALGORITHM 0x26
#define CTAP2_ERR_UNSUPPORTED_OPTION    0x2b
#define CTAP2_ERR_KEEPALIVE_CANCEL      0x2d
#define CTAP2_ERR_NO_CREDENTIALS        0x2e
#define CTAP2_ERR_PIN_INVALID           0x31
#define CTAP2_ERR_PIN_BLOCKED           0x32
#define CTAP2_ERR_PIN_AUTH_INVALID      0x33
#define CTAP2_ERR_PIN_AUTH_BLOCKED      0x34
#define CTAP2_ERR_PIN_NOT_SET           0x35
#define CTAP2_ERR_PIN_REQUIRED          0x36
#define CTAP2_ERR_PIN_POLICY_VIOLATION  0x37
#define CTAP2_ERR_INVALID_SUBCOMMAND    0x3e
#define CTAP2_ERR_OTHER                 0x7f
/* Not a CTAP status: the command goes on once the key is touched. */
#define NEEDS_TOUCH 0x100

#define FLAG_UP 0x01
#define FLAG_UV 0x04
#define FLAG_AT 0x40

#define COSE_ES256            (-7)
#define COSE_EDDSA            (-8)
#define COSE_RS256            (-257)
#define COSE_ECDH_ES_HKDF_256 (-25)

#define CREDENTIAL_ID_VERSION 1
#define GCM_NONCE_LEN         12
#define GCM_TAG_LEN           16
#define PIN_TOKEN_LEN         32

struct softfido {
	char *state_path;
	/* libfido2 may cancel from another thread while one waits in read: one lock, and a
	 * condition that a write signals (a real device's poll(2) wakes up the same way) */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	int opened;
	uint32_t last_cid;
	/* the message being received */
	int receiving;
	unsigned char req_cid[4];
	unsigned char req_cmd;
	size_t req_len, req_have;
	int req_seq;
	unsigned char req[MAX_MESSAGE];
	/* a CBOR request waiting for a touch (the request stays in req) */
	int waiting;
	unsigned char wait_cid[4];
	struct timespec wait_since;
	long next_keepalive_ms;
	/* the message being sent */
	int sending;
	unsigned char resp_cid[4];
	unsigned char resp_cmd;
	size_t resp_len, resp_sent;
	int resp_seq;
	unsigned char resp[MAX_MESSAGE];
	/* clientPIN protocol 1: both made at power-up (here: when the device is opened) */
	EVP_PKEY *agreement_key;
	unsigned char pin_token[PIN_TOKEN_LEN];
	int pin_mismatches; /* in a row, since power-up: 3 block PIN checks until the next */
};

/* ---- crypto (libcrypto) ------------------------------------------------------------------ */

static int
sha256(const void *data, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	return EVP_Digest(data, len, out, &n, EVP_sha256(), NULL) == 1 && n == 32 ? 0 : -1;
}

static int
hmac_sha256(const unsigned char *key, size_t key_len, const unsigned char *data, size_t len,
	    unsigned char out[32])
{
	unsigned int n = 0;

	return HMAC(EVP_sha256(), key, (int)key_len, data, len, out, &n) != NULL && n == 32 ? 0
											    : -1;
}

/* AES-256-CBC with a zero IV and no padding (CTAP2.0 PIN protocol 1). */
static int
aes256_cbc(int encrypt, const unsigned char key[32], const unsigned char *in, size_t len,
	   unsigned char *out)
{
	static const unsigned char iv[16];
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	ok = ctx != NULL && len % 16 == 0 && len > 0 &&
	     EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, encrypt) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_CipherUpdate(ctx, out, &n, in, (int)len) == 1 &&
	     EVP_CipherFinal_ex(ctx, out + n, &m) == 1 && (size_t)(n + m) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

/* AES-256-GCM under the device secret: the credential id. */
static int
gcm_seal(const unsigned char key[32], const unsigned char *nonce, const unsigned char *aad,
	 size_t aad_len, const unsigned char *in, size_t len, unsigned char *out,
	 unsigned char *tag)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	ok = ctx != NULL && EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	     EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
	     EVP_EncryptUpdate(ctx, out, &n, in, (int)len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, out + n, &m) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, GCM_TAG_LEN, tag) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int
gcm_open(const unsigned char key[32], const unsigned char *nonce, const unsigned char *aad,
	 size_t aad_len, const unsigned char *in, size_t len, const unsigned char *tag,
	 unsigned char *out)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, m = 0, ok;

	ok = ctx != NULL && EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	     EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) == 1 &&
	     EVP_DecryptUpdate(ctx, out, &n, in, (int)len) == 1 &&
	     EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, GCM_TAG_LEN, (void *)(uintptr_t)tag) ==
		     1 &&
	     EVP_DecryptFinal_ex(ctx, out + n, &m) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int
alg_cose(int alg)
{
	switch (alg) {
	case SOFTFIDO_ALG_ES256: return COSE_ES256;
	case SOFTFIDO_ALG_EDDSA: return COSE_EDDSA;
	default: return COSE_RS256;
	}
}

static EVP_PKEY *
keygen(int alg)
{
	switch (alg) {
	case SOFTFIDO_ALG_ES256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case SOFTFIDO_ALG_EDDSA: return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	default: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	}
}

/* A signature over data as the COSE algorithm wants it (ECDSA: DER; EdDSA: raw; RS256:
 * PKCS #1 v1.5). *sig is allocated. */
static int
sign(EVP_PKEY *key, int alg, const unsigned char *data, size_t len, unsigned char **sig,
     size_t *sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	const EVP_MD *md = alg == SOFTFIDO_ALG_EDDSA ? NULL : EVP_sha256();
	int ok;

	*sig = NULL;
	ok = ctx != NULL && EVP_DigestSignInit(ctx, NULL, md, NULL, key) == 1 &&
	     EVP_DigestSign(ctx, NULL, sig_len, data, len) == 1 &&
	     (*sig = malloc(*sig_len)) != NULL &&
	     EVP_DigestSign(ctx, *sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	if (!ok) {
		free(*sig);
		*sig = NULL;
	}
	return ok ? 0 : -1;
}

/* ---- CBOR (libcbor) ------------------------------------------------------------------------ */

static cbor_item_t *
cbor_int(long long v)
{
	unsigned long long u = v >= 0 ? (unsigned long long)v : (unsigned long long)(-1 - v);
	cbor_item_t *item;

	if (u <= 0xff)
		item = v >= 0 ? cbor_build_uint8((uint8_t)u) : cbor_build_negint8((uint8_t)u);
	else if (u <= 0xffff)
		item = v >= 0 ? cbor_build_uint16((uint16_t)u) : cbor_build_negint16((uint16_t)u);
	else
		item = v >= 0 ? cbor_build_uint32((uint32_t)u) : cbor_build_negint32((uint32_t)u);
	return item;
}

/* Adds key: value to map and drops the caller's references. Returns 0 or -1. */
static int
put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value)
{
	int ok = map != NULL && key != NULL && value != NULL &&
		 cbor_map_add(map, (struct cbor_pair){.key = key, .value = value});

	if (key != NULL)
		cbor_decref(&key);
	if (value != NULL)
		cbor_decref(&value);
	return ok ? 0 : -1;
}

static int
push(cbor_item_t *array, cbor_item_t *item)
{
	int ok = array != NULL && item != NULL && cbor_array_push(array, item);

	if (item != NULL)
		cbor_decref(&item);
	return ok ? 0 : -1;
}

static cbor_item_t *
bytes(const unsigned char *p, size_t n)
{
	return cbor_build_bytestring(p, n);
}

static int
int_value(const cbor_item_t *item, long long *v)
{
	if (cbor_isa_uint(item)) {
		*v = (long long)cbor_get_int(item);
		return 0;
	}
	if (cbor_isa_negint(item)) {
		*v = -1 - (long long)cbor_get_int(item);
		return 0;
	}
	return -1;
}

static int
text_is(const cbor_item_t *item, const char *text)
{
	size_t n = strlen(text);

	return cbor_isa_string(item) && cbor_string_is_definite(item) &&
	       cbor_string_length(item) == n && memcmp(cbor_string_handle(item), text, n) == 0;
}

/* The value of the integer key in map, or NULL. */
static cbor_item_t *
get(const cbor_item_t *map, long long key)
{
	struct cbor_pair *pairs;
	size_t i;
	long long k;

	if (map == NULL || !cbor_isa_map(map))
		return NULL;
	pairs = cbor_map_handle(map);
	for (i = 0; i < cbor_map_size(map); i++)
		if (int_value(pairs[i].key, &k) == 0 && k == key)
			return pairs[i].value;
	return NULL;
}

static cbor_item_t *
get_text(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *pairs;
	size_t i;

	if (map == NULL || !cbor_isa_map(map))
		return NULL;
	pairs = cbor_map_handle(map);
	for (i = 0; i < cbor_map_size(map); i++)
		if (text_is(pairs[i].key, key))
			return pairs[i].value;
	return NULL;
}

/* The bytes of a definite byte string (NULL item: -1). */
static int
bytes_of(const cbor_item_t *item, const unsigned char **p, size_t *n)
{
	if (item == NULL || !cbor_isa_bytestring(item) || !cbor_bytestring_is_definite(item))
		return -1;
	*p = cbor_bytestring_handle(item);
	*n = cbor_bytestring_length(item);
	return 0;
}

/* An option of the options map: 1, 0, or dflt when absent; -1 when not a boolean. */
static int
option(const cbor_item_t *options, const char *name, int dflt)
{
	cbor_item_t *v = get_text(options, name);

	if (v == NULL)
		return dflt;
	if (!cbor_isa_float_ctrl(v) || !cbor_is_bool(v))
		return -1;
	return cbor_get_bool(v) ? 1 : 0;
}

/* ---- COSE keys ---------------------------------------------------------------------------- */

static cbor_item_t *
cose_ec_point(const unsigned char point[65], long long alg)
{
	cbor_item_t *map = cbor_new_definite_map(5);

	if (put(map, cbor_int(1), cbor_int(2)) != 0 || put(map, cbor_int(3), cbor_int(alg)) != 0 ||
	    put(map, cbor_int(-1), cbor_int(1)) != 0 ||
	    put(map, cbor_int(-2), bytes(point + 1, 32)) != 0 ||
	    put(map, cbor_int(-3), bytes(point + 33, 32)) != 0) {
		if (map != NULL)
			cbor_decref(&map);
		return NULL;
	}
	return map;
}

static int
bn_bytes(EVP_PKEY *key, const char *name, unsigned char *out, size_t size, size_t *len)
{
	BIGNUM *bn = NULL;
	int n;

	if (EVP_PKEY_get_bn_param(key, name, &bn) != 1)
		return -1;
	n = BN_num_bytes(bn);
	if (n <= 0 || (size_t)n > size) {
		BN_free(bn);
		return -1;
	}
	*len = (size_t)BN_bn2bin(bn, out);
	BN_free(bn);
	return 0;
}

/* The credential's public key as a COSE_Key map. */
static cbor_item_t *
cose_public_key(EVP_PKEY *key, int alg)
{
	unsigned char buf[512], e[8];
	size_t len = 0, e_len = 0;
	cbor_item_t *map = NULL;

	if (alg == SOFTFIDO_ALG_ES256) {
		if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf),
						    &len) != 1 ||
		    len != 65 || buf[0] != 0x04)
			return NULL;
		return cose_ec_point(buf, COSE_ES256);
	}
	map = cbor_new_definite_map(4);
	if (alg == SOFTFIDO_ALG_EDDSA) {
		len = 32;
		if (EVP_PKEY_get_raw_public_key(key, buf, &len) != 1 || len != 32 ||
		    put(map, cbor_int(1), cbor_int(1)) != 0 ||
		    put(map, cbor_int(3), cbor_int(COSE_EDDSA)) != 0 ||
		    put(map, cbor_int(-1), cbor_int(6)) != 0 ||
		    put(map, cbor_int(-2), bytes(buf, len)) != 0)
			goto fail;
		return map;
	}
	if (bn_bytes(key, OSSL_PKEY_PARAM_RSA_N, buf, sizeof(buf), &len) != 0 ||
	    bn_bytes(key, OSSL_PKEY_PARAM_RSA_E, e, sizeof(e), &e_len) != 0 ||
	    put(map, cbor_int(1), cbor_int(3)) != 0 ||
	    put(map, cbor_int(3), cbor_int(COSE_RS256)) != 0 ||
	    put(map, cbor_int(-1), bytes(buf, len)) != 0 ||
	    put(map, cbor_int(-2), bytes(e, e_len)) != 0)
		goto fail;
	return map;
fail:
	if (map != NULL)
		cbor_decref(&map);
	return NULL;
}

/* The platform's COSE_Key (P-256) as an EVP_PKEY. */
static EVP_PKEY *
platform_key(const cbor_item_t *cose)
{
	const unsigned char *x = NULL, *y = NULL;
	size_t x_len = 0, y_len = 0;
	unsigned char point[65];
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;
	long long kty = 0, crv = 0;

	if (get(cose, 1) == NULL || int_value(get(cose, 1), &kty) != 0 || kty != 2 ||
	    get(cose, -1) == NULL || int_value(get(cose, -1), &crv) != 0 || crv != 1 ||
	    bytes_of(get(cose, -2), &x, &x_len) != 0 || x_len != 32 ||
	    bytes_of(get(cose, -3), &y, &y_len) != 0 || y_len != 32)
		return NULL;
	point[0] = 0x04;
	memcpy(point + 1, x, 32);
	memcpy(point + 33, y, 32);
	if ((bld = OSSL_PARAM_BLD_new()) == NULL ||
	    OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) != 1 ||
	    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, sizeof(point)) !=
		    1 ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	return key;
}

/* PIN protocol 1's shared secret: SHA-256 of the ECDH x coordinate. */
static int
shared_secret(struct softfido *dev, const cbor_item_t *cose, unsigned char out[32])
{
	EVP_PKEY *peer = platform_key(cose);
	EVP_PKEY_CTX *ctx = NULL;
	unsigned char z[32];
	size_t z_len = sizeof(z);
	int rc = -1;

	if (peer != NULL && dev->agreement_key != NULL &&
	    (ctx = EVP_PKEY_CTX_new(dev->agreement_key, NULL)) != NULL &&
	    EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
	    EVP_PKEY_derive(ctx, z, &z_len) == 1 && z_len == 32 && sha256(z, z_len, out) == 0)
		rc = 0;
	OPENSSL_cleanse(z, sizeof(z));
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return rc;
}

static int
new_agreement_key(struct softfido *dev)
{
	EVP_PKEY_free(dev->agreement_key);
	dev->agreement_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return dev->agreement_key != NULL ? 0 : -1;
}

/* ---- credential ids ------------------------------------------------------------------------- */

/* version || alg || nonce || AES-256-GCM(private key DER) || tag, AAD version || alg || rpIdHash */
static int
credential_wrap(const struct softfido_state *st, EVP_PKEY *key, int alg,
		const unsigned char rp_hash[32], unsigned char **id, size_t *id_len)
{
	unsigned char *der = NULL, *p, aad[34];
	int der_len = i2d_PrivateKey(key, NULL);
	unsigned char *out = NULL;
	int rc = -1;

	if (der_len <= 0 || (der = malloc((size_t)der_len)) == NULL)
		goto out;
	p = der;
	if (i2d_PrivateKey(key, &p) != der_len)
		goto out;
	*id_len = 2 + GCM_NONCE_LEN + (size_t)der_len + GCM_TAG_LEN;
	if ((out = malloc(*id_len)) == NULL)
		goto out;
	out[0] = CREDENTIAL_ID_VERSION;
	out[1] = (unsigned char)alg;
	memcpy(aad, out, 2);
	memcpy(aad + 2, rp_hash, 32);
	if (RAND_bytes(out + 2, GCM_NONCE_LEN) != 1 ||
	    gcm_seal(st->secret, out + 2, aad, sizeof(aad), der, (size_t)der_len,
		     out + 2 + GCM_NONCE_LEN, out + 2 + GCM_NONCE_LEN + der_len) != 0)
		goto out;
	*id = out;
	out = NULL;
	rc = 0;
out:
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)der_len);
	free(out);
	return rc;
}

/* The private key in a credential id made by this key for this RP, or NULL. */
static EVP_PKEY *
credential_unwrap(const struct softfido_state *st, const unsigned char *id, size_t id_len,
		  const unsigned char rp_hash[32], int *alg)
{
	unsigned char aad[34], *der = NULL;
	const unsigned char *p;
	size_t der_len;
	EVP_PKEY *key = NULL;

	if (id_len <= 2 + GCM_NONCE_LEN + GCM_TAG_LEN || id[0] != CREDENTIAL_ID_VERSION ||
	    (id[1] != SOFTFIDO_ALG_ES256 && id[1] != SOFTFIDO_ALG_EDDSA &&
	     id[1] != SOFTFIDO_ALG_RS256))
		return NULL;
	der_len = id_len - 2 - GCM_NONCE_LEN - GCM_TAG_LEN;
	memcpy(aad, id, 2);
	memcpy(aad + 2, rp_hash, 32);
	if ((der = malloc(der_len)) == NULL)
		return NULL;
	if (gcm_open(st->secret, id + 2, aad, sizeof(aad), id + 2 + GCM_NONCE_LEN, der_len,
		     id + id_len - GCM_TAG_LEN, der) == 0) {
		p = der;
		key = d2i_AutoPrivateKey(NULL, &p, (long)der_len);
		*alg = id[1];
	}
	OPENSSL_clear_free(der, der_len);
	return key;
}

/* The first credential of allow (an array of PublicKeyCredentialDescriptors) that this key
 * made for this RP: its key, and its id in *id. */
static EVP_PKEY *
credential_find(const struct softfido_state *st, const cbor_item_t *allow,
		const unsigned char rp_hash[32], int *alg, const unsigned char **id, size_t *id_len)
{
	cbor_item_t **items;
	size_t i;

	if (allow == NULL || !cbor_isa_array(allow))
		return NULL;
	items = cbor_array_handle(allow);
	for (i = 0; i < cbor_array_size(allow); i++) {
		EVP_PKEY *key;

		if (!text_is(get_text(items[i], "type"), "public-key") ||
		    bytes_of(get_text(items[i], "id"), id, id_len) != 0)
			continue;
		if ((key = credential_unwrap(st, *id, *id_len, rp_hash, alg)) != NULL)
			return key;
	}
	return NULL;
}

/* ---- CTAP2 commands -------------------------------------------------------------------------- */

/* rpIdHash || flags || signCount (big endian) || attested (may be empty). *out is allocated. */
static int
auth_data(const unsigned char rp_hash[32], unsigned char flags, unsigned long counter,
	  const unsigned char *attested, size_t attested_len, unsigned char **out, size_t *out_len)
{
	unsigned char *p;

	*out_len = 37 + attested_len;
	if ((p = malloc(*out_len)) == NULL)
		return -1;
	memcpy(p, rp_hash, 32);
	p[32] = flags;
	p[33] = (unsigned char)(counter >> 24);
	p[34] = (unsigned char)(counter >> 16);
	p[35] = (unsigned char)(counter >> 8);
	p[36] = (unsigned char)counter;
	if (attested_len > 0)
		memcpy(p + 37, attested, attested_len);
	*out = p;
	return 0;
}

static int
get_info(const struct softfido_state *st, cbor_item_t **reply)
{
	cbor_item_t *map = cbor_new_definite_map(st->uv ? 6 : 5);
	cbor_item_t *versions = cbor_new_definite_array(1);
	cbor_item_t *options = cbor_new_definite_map(st->uv ? 4 : 3);
	cbor_item_t *algorithms = cbor_new_definite_array(3);
	cbor_item_t *protocols = st->uv ? cbor_new_definite_array(1) : NULL;
	static const int order[] = {SOFTFIDO_ALG_ES256, SOFTFIDO_ALG_EDDSA, SOFTFIDO_ALG_RS256};
	size_t i;
	int ok;

	ok = push(versions, cbor_build_string("FIDO_2_0")) == 0 &&
	     put(options, cbor_build_string("rk"), cbor_build_bool(false)) == 0 &&
	     put(options, cbor_build_string("up"), cbor_build_bool(true)) == 0 &&
	     put(options, cbor_build_string("plat"), cbor_build_bool(false)) == 0 &&
	     (!st->uv ||
	      (put(options, cbor_build_string("clientPin"), cbor_build_bool(st->pin_set)) == 0 &&
	       push(protocols, cbor_int(1)) == 0));
	for (i = 0; ok && i < sizeof(order) / sizeof(order[0]); i++) {
		cbor_item_t *desc;

		if (!(st->algs & order[i]))
			continue;
		desc = cbor_new_definite_map(2);
		ok = put(desc, cbor_build_string("alg"), cbor_int(alg_cose(order[i]))) == 0 &&
		     put(desc, cbor_build_string("type"), cbor_build_string("public-key")) == 0 &&
		     push(algorithms, desc) == 0;
		desc = NULL;
	}
	ok = ok && put(map, cbor_int(1), versions) == 0 &&
	     put(map, cbor_int(3), bytes(st->aaguid, sizeof(st->aaguid))) == 0 &&
	     put(map, cbor_int(4), options) == 0 && put(map, cbor_int(5), cbor_int(2048)) == 0 &&
	     (!st->uv || put(map, cbor_int(6), protocols) == 0) &&
	     put(map, cbor_int(0x0a), algorithms) == 0;
	if (!st->uv && protocols != NULL)
		cbor_decref(&protocols);
	if (!ok) {
		if (map != NULL)
			cbor_decref(&map);
		return CTAP2_ERR_OTHER;
	}
	*reply = map;
	return 0;
}

/* pinAuth (protocol 1) over the clientDataHash: 0 and *uv = 1 when it is right, 0 and *uv = 0
 * when there is none, a CTAP status otherwise. */
static int
check_pin_auth(const struct softfido *dev, const struct softfido_state *st,
	       const cbor_item_t *pin_auth, const cbor_item_t *protocol,
	       const unsigned char cdh[32], int *uv)
{
	const unsigned char *p = NULL;
	size_t n = 0;
	long long version = 0;
	unsigned char mac[32];
	int bad;

	*uv = 0;
	if (pin_auth == NULL)
		return 0;
	if (bytes_of(pin_auth, &p, &n) != 0)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (protocol == NULL)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (int_value(protocol, &version) != 0 || version != 1)
		return CTAP2_ERR_PIN_AUTH_INVALID;
	if (!st->uv)
		return CTAP2_ERR_UNSUPPORTED_OPTION;
	if (!st->pin_set)
		return CTAP2_ERR_PIN_NOT_SET;
	if (n != 16 || hmac_sha256(dev->pin_token, sizeof(dev->pin_token), cdh, 32, mac) != 0)
		return CTAP2_ERR_PIN_AUTH_INVALID;
	bad = CRYPTO_memcmp(mac, p, 16);
	OPENSSL_cleanse(mac, sizeof(mac));
	if (bad)
		return CTAP2_ERR_PIN_AUTH_INVALID;
	*uv = 1;
	return 0;
}

/* A zero-length pinAuth: the platform only wants a touch (fido_dev_get_touch_begin); the key
 * waits for it and then says PIN_NOT_SET or PIN_INVALID (CTAP2.0). */
static int
touch_probe(const cbor_item_t *pin_auth)
{
	const unsigned char *p = NULL;
	size_t n = 1;

	return pin_auth != NULL && bytes_of(pin_auth, &p, &n) == 0 && n == 0;
}

/* The rp id hash of a text item. */
static int
rp_id_hash(const cbor_item_t *rp_id, unsigned char out[32])
{
	if (rp_id == NULL || !cbor_isa_string(rp_id) || !cbor_string_is_definite(rp_id))
		return CTAP2_ERR_MISSING_PARAMETER;
	return sha256(cbor_string_handle(rp_id), cbor_string_length(rp_id), out) == 0
		       ? 0
		       : CTAP2_ERR_OTHER;
}

/* The first algorithm of pubKeyCredParams that the key offers, or 0. */
static int
choose_alg(const struct softfido_state *st, const cbor_item_t *params)
{
	static const int all[] = {SOFTFIDO_ALG_ES256, SOFTFIDO_ALG_EDDSA, SOFTFIDO_ALG_RS256};
	cbor_item_t **items;
	size_t i, j;
	long long cose;

	if (params == NULL || !cbor_isa_array(params))
		return 0;
	items = cbor_array_handle(params);
	for (i = 0; i < cbor_array_size(params); i++) {
		cbor_item_t *alg = get_text(items[i], "alg");

		if (!text_is(get_text(items[i], "type"), "public-key") || alg == NULL ||
		    int_value(alg, &cose) != 0)
			continue;
		for (j = 0; j < sizeof(all) / sizeof(all[0]); j++)
			if ((st->algs & all[j]) && alg_cose(all[j]) == cose)
				return all[j];
	}
	return 0;
}

static void
next_counter(struct softfido_state *st)
{
	if (!st->counter_frozen)
		st->counter = (st->counter + 1) & 0xffffffffUL;
}

/* The options every request checks: no resident keys, no built-in user verification. uv=true
 * on a key with a PIN asks for the PIN (CTAP2.1's PUAT_REQUIRED, the code 2.0 calls
 * PIN_REQUIRED), as keys do: fido2-cred -v relies on it. */
static int
check_options(const struct softfido_state *st, const cbor_item_t *options, int *up)
{
	int rk = option(options, "rk", 0), uv = option(options, "uv", 0);

	*up = option(options, "up", 1);
	if (rk < 0 || uv < 0 || *up < 0)
		return CTAP2_ERR_CBOR_UNEXPECTED_TYPE;
	if (rk == 1)
		return CTAP2_ERR_UNSUPPORTED_OPTION;
	if (uv == 1)
		return st->uv && st->pin_set ? CTAP2_ERR_PIN_REQUIRED
					     : CTAP2_ERR_UNSUPPORTED_OPTION;
	return 0;
}

static int
make_credential_reply(struct softfido_state *st, int alg, int uv, const unsigned char rp_hash[32],
		      const unsigned char *cdh, cbor_item_t **reply)
{
	EVP_PKEY *key = keygen(alg);
	unsigned char *id = NULL, *cose = NULL, *attested = NULL, *ad = NULL, *signed_data = NULL,
		      *sig = NULL;
	size_t id_len = 0, cose_len = 0, cose_size = 0, attested_len, ad_len = 0, sig_len = 0;
	cbor_item_t *cose_item = NULL, *stmt = NULL, *map = NULL;
	int status = CTAP2_ERR_OTHER;

	if (key == NULL || credential_wrap(st, key, alg, rp_hash, &id, &id_len) != 0 ||
	    (cose_item = cose_public_key(key, alg)) == NULL ||
	    (cose_len = cbor_serialize_alloc(cose_item, &cose, &cose_size)) == 0)
		goto out;
	attested_len = 16 + 2 + id_len + cose_len;
	if ((attested = malloc(attested_len)) == NULL)
		goto out;
	memcpy(attested, st->aaguid, 16);
	attested[16] = (unsigned char)(id_len >> 8);
	attested[17] = (unsigned char)id_len;
	memcpy(attested + 18, id, id_len);
	memcpy(attested + 18 + id_len, cose, cose_len);
	next_counter(st);
	st->credentials++;
	if (auth_data(rp_hash, FLAG_UP | (uv ? FLAG_UV : 0) | FLAG_AT, st->counter, attested,
		      attested_len, &ad, &ad_len) != 0 ||
	    (signed_data = malloc(ad_len + 32)) == NULL)
		goto out;
	memcpy(signed_data, ad, ad_len);
	memcpy(signed_data + ad_len, cdh, 32);
	/* packed self-attestation: the credential's own key signs authData || clientDataHash */
	if (sign(key, alg, signed_data, ad_len + 32, &sig, &sig_len) != 0)
		goto out;
	stmt = cbor_new_definite_map(2);
	map = cbor_new_definite_map(3);
	if (put(stmt, cbor_build_string("alg"), cbor_int(alg_cose(alg))) != 0 ||
	    put(stmt, cbor_build_string("sig"), bytes(sig, sig_len)) != 0 ||
	    put(map, cbor_int(1), cbor_build_string("packed")) != 0 ||
	    put(map, cbor_int(2), bytes(ad, ad_len)) != 0 || put(map, cbor_int(3), stmt) != 0) {
		stmt = NULL;
		goto out;
	}
	stmt = NULL;
	*reply = map;
	map = NULL;
	status = 0;
out:
	if (cose_item != NULL)
		cbor_decref(&cose_item);
	if (stmt != NULL)
		cbor_decref(&stmt);
	if (map != NULL)
		cbor_decref(&map);
	free(cose);
	free(id);
	free(attested);
	free(ad);
	free(signed_data);
	free(sig);
	EVP_PKEY_free(key);
	return status;
}

static int
make_credential(struct softfido *dev, struct softfido_state *st, const cbor_item_t *params,
		int touched, int *dirty, cbor_item_t **reply)
{
	const unsigned char *cdh = NULL, *user_id = NULL, *xid = NULL;
	size_t cdh_len = 0, user_id_len = 0, xid_len = 0;
	unsigned char rp_hash[32];
	EVP_PKEY *excluded;
	int alg, xalg = 0, uv = 0, up = 1, status;

	if (bytes_of(get(params, 1), &cdh, &cdh_len) != 0 || cdh_len != 32 ||
	    get(params, 2) == NULL || get(params, 3) == NULL || get(params, 4) == NULL ||
	    bytes_of(get_text(get(params, 3), "id"), &user_id, &user_id_len) != 0)
		return CTAP2_ERR_MISSING_PARAMETER;
	if ((status = rp_id_hash(get_text(get(params, 2), "id"), rp_hash)) != 0)
		return status;
	if ((alg = choose_alg(st, get(params, 4))) == 0)
		return CTAP2_ERR_UNSUPPORTED_ALGORITHM;
	if ((status = check_options(st, get(params, 7), &up)) != 0)
		return status;
	if (touch_probe(get(params, 8)))
		return !touched      ? NEEDS_TOUCH
		       : st->pin_set ? CTAP2_ERR_PIN_INVALID
				     : CTAP2_ERR_PIN_NOT_SET;
	if ((status = check_pin_auth(dev, st, get(params, 8), get(params, 9), cdh, &uv)) != 0)
		return status;
	if (get(params, 8) == NULL && st->uv && st->pin_set)
		return CTAP2_ERR_PIN_REQUIRED;
	excluded = credential_find(st, get(params, 5), rp_hash, &xalg, &xid, &xid_len);
	EVP_PKEY_free(excluded);
	if (!touched)
		return NEEDS_TOUCH;
	if (excluded != NULL)
		return CTAP2_ERR_CREDENTIAL_EXCLUDED;
	*dirty = 1;
	return make_credential_reply(st, alg, uv, rp_hash, cdh, reply);
}

static int
get_assertion(struct softfido *dev, struct softfido_state *st, const cbor_item_t *params,
	      int touched, int *dirty, cbor_item_t **reply)
{
	const unsigned char *cdh = NULL, *id = NULL;
	size_t cdh_len = 0, id_len = 0, ad_len = 0, sig_len = 0;
	unsigned char rp_hash[32], *ad = NULL, *signed_data = NULL, *sig = NULL;
	cbor_item_t *map = NULL, *desc = NULL;
	EVP_PKEY *key = NULL;
	int alg = 0, uv = 0, up = 1, status;

	if (bytes_of(get(params, 2), &cdh, &cdh_len) != 0 || cdh_len != 32)
		return CTAP2_ERR_MISSING_PARAMETER;
	if ((status = rp_id_hash(get(params, 1), rp_hash)) != 0)
		return status;
	if ((status = check_options(st, get(params, 5), &up)) != 0)
		return status;
	if (touch_probe(get(params, 6)))
		return !touched      ? NEEDS_TOUCH
		       : st->pin_set ? CTAP2_ERR_PIN_INVALID
				     : CTAP2_ERR_PIN_NOT_SET;
	if ((status = check_pin_auth(dev, st, get(params, 6), get(params, 7), cdh, &uv)) != 0)
		return status;
	key = credential_find(st, get(params, 3), rp_hash, &alg, &id, &id_len);
	if (key == NULL)
		return CTAP2_ERR_NO_CREDENTIALS;
	if (up && !touched) {
		EVP_PKEY_free(key);
		return NEEDS_TOUCH;
	}
	*dirty = 1;
	next_counter(st);
	status = CTAP2_ERR_OTHER;
	if (auth_data(rp_hash, (up ? FLAG_UP : 0) | (uv ? FLAG_UV : 0), st->counter, NULL, 0, &ad,
		      &ad_len) != 0 ||
	    (signed_data = malloc(ad_len + 32)) == NULL)
		goto out;
	memcpy(signed_data, ad, ad_len);
	memcpy(signed_data + ad_len, cdh, 32);
	if (sign(key, alg, signed_data, ad_len + 32, &sig, &sig_len) != 0)
		goto out;
	desc = cbor_new_definite_map(2);
	map = cbor_new_definite_map(3);
	if (put(desc, cbor_build_string("id"), bytes(id, id_len)) != 0 ||
	    put(desc, cbor_build_string("type"), cbor_build_string("public-key")) != 0 ||
	    put(map, cbor_int(1), desc) != 0 || put(map, cbor_int(2), bytes(ad, ad_len)) != 0 ||
	    put(map, cbor_int(3), bytes(sig, sig_len)) != 0) {
		desc = NULL;
		goto out;
	}
	desc = NULL;
	*reply = map;
	map = NULL;
	status = 0;
out:
	if (desc != NULL)
		cbor_decref(&desc);
	if (map != NULL)
		cbor_decref(&map);
	free(ad);
	free(signed_data);
	free(sig);
	EVP_PKEY_free(key);
	return status;
}

/* ---- clientPIN, protocol 1 ------------------------------------------------------------------- */

/* Checks the encrypted PIN hash against the stored one as CTAP2.0 says: the retries go down
 * first and come back to the maximum only with the right PIN; a wrong one makes a new key
 * agreement key. Returns 0 or a CTAP status. */
static int
check_pin_hash(struct softfido *dev, struct softfido_state *st, const unsigned char shared[32],
	       const cbor_item_t *pin_hash_enc, int *dirty)
{
	const unsigned char *p = NULL;
	size_t n = 0;
	unsigned char hash[16];
	int bad;

	if (bytes_of(pin_hash_enc, &p, &n) != 0)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (st->retries <= 0)
		return CTAP2_ERR_PIN_BLOCKED;
	if (dev->pin_mismatches >= 3)
		return CTAP2_ERR_PIN_AUTH_BLOCKED;
	st->retries--;
	*dirty = 1;
	if (n != 16 || aes256_cbc(0, shared, p, n, hash) != 0)
		return CTAP2_ERR_PIN_AUTH_INVALID;
	bad = CRYPTO_memcmp(hash, st->pin_hash, sizeof(hash));
	OPENSSL_cleanse(hash, sizeof(hash));
	if (bad) {
		if (new_agreement_key(dev) != 0)
			return CTAP2_ERR_OTHER;
		if (st->retries == 0)
			return CTAP2_ERR_PIN_BLOCKED;
		return ++dev->pin_mismatches >= 3 ? CTAP2_ERR_PIN_AUTH_BLOCKED
						  : CTAP2_ERR_PIN_INVALID;
	}
	dev->pin_mismatches = 0;
	st->retries = SOFTFIDO_MAX_RETRIES;
	return 0;
}

/* setPIN and changePIN: newPinEnc is the PIN padded with zeros to 64 bytes; pinAuth is
 * LEFT(HMAC-SHA-256(shared, newPinEnc [|| pinHashEnc]), 16). */
static int
set_pin(struct softfido *dev, struct softfido_state *st, const cbor_item_t *params,
	const unsigned char shared[32], int change, int *dirty)
{
	const unsigned char *auth = NULL, *enc = NULL, *hash_enc = NULL;
	size_t auth_len = 0, enc_len = 0, hash_enc_len = 0;
	unsigned char mac[32], pin[65], *mac_input = NULL;
	size_t pin_len;
	int status;

	if (bytes_of(get(params, 4), &auth, &auth_len) != 0 ||
	    bytes_of(get(params, 5), &enc, &enc_len) != 0 ||
	    (change && bytes_of(get(params, 6), &hash_enc, &hash_enc_len) != 0))
		return CTAP2_ERR_MISSING_PARAMETER;
	if (change && st->retries <= 0)
		return CTAP2_ERR_PIN_BLOCKED;
	if ((mac_input = malloc(enc_len + hash_enc_len + 1)) == NULL)
		return CTAP2_ERR_OTHER;
	memcpy(mac_input, enc, enc_len);
	if (change)
		memcpy(mac_input + enc_len, hash_enc, hash_enc_len);
	status = hmac_sha256(shared, 32, mac_input, enc_len + hash_enc_len, mac) != 0 ||
				 auth_len != 16 || CRYPTO_memcmp(mac, auth, 16) != 0
			 ? CTAP2_ERR_PIN_AUTH_INVALID
			 : 0;
	free(mac_input);
	if (status != 0)
		return status;
	if (change && (status = check_pin_hash(dev, st, shared, get(params, 6), dirty)) != 0)
		return status;
	if (enc_len != 64 || aes256_cbc(0, shared, enc, enc_len, pin) != 0)
		return CTAP2_ERR_PIN_POLICY_VIOLATION;
	pin[64] = '\0';
	pin_len = strlen((char *)pin);
	if (pin_len < 4 || pin_len > 63) {
		OPENSSL_cleanse(pin, sizeof(pin));
		return CTAP2_ERR_PIN_POLICY_VIOLATION;
	}
	softfido_state_set_pin(st, (char *)pin);
	OPENSSL_cleanse(pin, sizeof(pin));
	*dirty = 1;
	return 0;
}

static int
client_pin(struct softfido *dev, struct softfido_state *st, const cbor_item_t *params, int *dirty,
	   cbor_item_t **reply)
{
	long long version = 0, sub = 0;
	unsigned char shared[32], point[65], token_enc[PIN_TOKEN_LEN];
	size_t len = 0;
	cbor_item_t *map = NULL;
	int status;

	if (!st->uv)
		return CTAP1_ERR_INVALID_COMMAND;
	if (get(params, 1) == NULL || get(params, 2) == NULL ||
	    int_value(get(params, 1), &version) != 0 || int_value(get(params, 2), &sub) != 0)
		return CTAP2_ERR_MISSING_PARAMETER;
	if (version != 1)
		return CTAP1_ERR_INVALID_PARAMETER;
	map = cbor_new_definite_map(1);
	switch (sub) {
	case 1: /* getRetries */
		status = put(map, cbor_int(3), cbor_int(st->retries)) == 0 ? 0 : CTAP2_ERR_OTHER;
		break;
	case 2: /* getKeyAgreement */
		status =
			EVP_PKEY_get_octet_string_param(dev->agreement_key, OSSL_PKEY_PARAM_PUB_KEY,
							point, sizeof(point), &len) == 1 &&
					len == 65 &&
					put(map, cbor_int(1),
					    cose_ec_point(point, COSE_ECDH_ES_HKDF_256)) == 0
				? 0
				: CTAP2_ERR_OTHER;
		break;
	case 3: /* setPIN */
	case 4: /* changePIN */
	case 5: /* getPINToken */
		if (get(params, 3) == NULL) {
			status = CTAP2_ERR_MISSING_PARAMETER;
			break;
		}
		if (sub == 3 && st->pin_set) {
			status = CTAP2_ERR_PIN_AUTH_INVALID;
			break;
		}
		if (sub != 3 && !st->pin_set) {
			status = CTAP2_ERR_PIN_NOT_SET;
			break;
		}
		if (shared_secret(dev, get(params, 3), shared) != 0) {
			status = CTAP1_ERR_INVALID_PARAMETER;
			break;
		}
		if (sub != 5) {
			status = set_pin(dev, st, params, shared, sub == 4, dirty);
			cbor_decref(&map);
			map = NULL;
		} else if ((status = check_pin_hash(dev, st, shared, get(params, 6), dirty)) == 0)
			status = aes256_cbc(1, shared, dev->pin_token, sizeof(dev->pin_token),
					    token_enc) == 0 &&
						 put(map, cbor_int(2),
						     bytes(token_enc, sizeof(token_enc))) == 0
					 ? 0
					 : CTAP2_ERR_OTHER;
		OPENSSL_cleanse(shared, sizeof(shared));
		break;
	default: status = CTAP2_ERR_INVALID_SUBCOMMAND;
	}
	if (status == 0)
		*reply = map;
	else if (map != NULL)
		cbor_decref(&map);
	return status;
}

/* ---- one CBOR request -------------------------------------------------------------------------- */

/* Runs the CBOR request in dev->req against the state file (locked while it runs, never while
 * it waits for a touch). Returns NEEDS_TOUCH, or writes status || CBOR into out. */
static int
ctap_request(struct softfido *dev, int touched, unsigned char *out, size_t size, size_t *out_len)
{
	struct softfido_state st;
	struct cbor_load_result result;
	cbor_item_t *params = NULL, *reply = NULL;
	unsigned char *encoded = NULL;
	size_t encoded_len = 0, encoded_size = 0;
	int fd = -1, dirty = 0, status;

	*out_len = 0;
	if (dev->req_len < 1)
		return CTAP1_ERR_INVALID_LENGTH;
	if (softfido_state_lock(dev->state_path, &fd, &st) != 0)
		return CTAP2_ERR_OTHER;
	if (dev->req_len > 1) {
		params = cbor_load(dev->req + 1, dev->req_len - 1, &result);
		if (params == NULL || result.error.code != CBOR_ERR_NONE || !cbor_isa_map(params)) {
			status = CTAP2_ERR_INVALID_CBOR;
			goto out;
		}
	}
	switch (dev->req[0]) {
	case CTAP2_GET_INFO: status = get_info(&st, &reply); break;
	case CTAP2_MAKE_CREDENTIAL:
		status = make_credential(dev, &st, params, touched, &dirty, &reply);
		break;
	case CTAP2_GET_ASSERTION:
		status = get_assertion(dev, &st, params, touched, &dirty, &reply);
		break;
	case CTAP2_CLIENT_PIN: status = client_pin(dev, &st, params, &dirty, &reply); break;
	default: status = CTAP1_ERR_INVALID_COMMAND;
	}
	if (dirty && softfido_state_save(fd, &st) != 0)
		status = CTAP2_ERR_OTHER;
	if (status == 0 && reply != NULL) {
		encoded_len = cbor_serialize_alloc(reply, &encoded, &encoded_size);
		if (encoded_len == 0 || encoded_len + 1 > size)
			status = CTAP2_ERR_OTHER;
	}
	if (status != NEEDS_TOUCH) {
		out[0] = (unsigned char)status;
		*out_len = 1;
		if (status == 0 && encoded_len > 0) {
			memcpy(out + 1, encoded, encoded_len);
			*out_len += encoded_len;
		}
	}
out:
	if (status == CTAP2_ERR_INVALID_CBOR) {
		out[0] = (unsigned char)status;
		*out_len = 1;
	}
	softfido_state_unlock(fd);
	OPENSSL_cleanse(&st, sizeof(st));
	if (encoded != NULL)
		OPENSSL_clear_free(encoded, encoded_size);
	if (reply != NULL)
		cbor_decref(&reply);
	if (params != NULL)
		cbor_decref(&params);
	return status;
}

/* ---- CTAPHID ------------------------------------------------------------------------------------ */

static const unsigned char broadcast_cid[4] = {0xff, 0xff, 0xff, 0xff};

static void
respond(struct softfido *dev, const unsigned char cid[4], unsigned char cmd,
	const unsigned char *data, size_t len)
{
	memcpy(dev->resp_cid, cid, 4);
	dev->resp_cmd = cmd;
	if (len > sizeof(dev->resp))
		len = sizeof(dev->resp);
	if (data != dev->resp && len > 0)
		memcpy(dev->resp, data, len);
	dev->resp_len = len;
	dev->resp_sent = 0;
	dev->resp_seq = 0;
	dev->sending = 1;
}

static void
respond_error(struct softfido *dev, const unsigned char cid[4], unsigned char code)
{
	respond(dev, cid, CMD_ERROR, &code, 1);
}

static long
elapsed_ms(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	/* whole milliseconds, rounded down: never counts a wait as done early */
	return (long)(((long long)(now.tv_sec - since->tv_sec) * 1000000000LL +
		       (now.tv_nsec - since->tv_nsec)) /
		      1000000LL);
}

static void
run_cbor(struct softfido *dev, const unsigned char cid[4], int touched)
{
	size_t len = 0;
	int status = ctap_request(dev, touched, dev->resp, sizeof(dev->resp), &len);

	if (status == NEEDS_TOUCH) {
		dev->waiting = 1;
		memcpy(dev->wait_cid, cid, 4);
		clock_gettime(CLOCK_MONOTONIC, &dev->wait_since);
		dev->next_keepalive_ms = 0;
		return;
	}
	respond(dev, cid, CMD_CBOR, dev->resp, len);
}

static void
run_message(struct softfido *dev)
{
	unsigned char reply[17];
	uint32_t cid;

	if (dev->req_cmd != CMD_INIT && memcmp(dev->req_cid, broadcast_cid, 4) == 0) {
		respond_error(dev, dev->req_cid, CTAP1_ERR_INVALID_CHANNEL);
		return;
	}
	switch (dev->req_cmd) {
	case CMD_INIT:
		if (dev->req_len != 8) {
			respond_error(dev, dev->req_cid, CTAP1_ERR_INVALID_LENGTH);
			return;
		}
		dev->waiting = 0;
		memcpy(reply, dev->req, 8);
		if (memcmp(dev->req_cid, broadcast_cid, 4) == 0) {
			cid = ++dev->last_cid;
			memcpy(reply + 8, &cid, 4);
		} else
			memcpy(reply + 8, dev->req_cid, 4);
		reply[12] = 2; /* CTAPHID protocol version */
		reply[13] = 1; /* device version major, minor, build */
		reply[14] = 0;
		reply[15] = 0;
		reply[16] = CAPABILITY_WINK | CAPABILITY_CBOR | CAPABILITY_NMSG;
		respond(dev, dev->req_cid, CMD_INIT, reply, sizeof(reply));
		return;
	case CMD_PING: respond(dev, dev->req_cid, CMD_PING, dev->req, dev->req_len); return;
	case CMD_WINK: respond(dev, dev->req_cid, CMD_WINK, NULL, 0); return;
	case CMD_CBOR: run_cbor(dev, dev->req_cid, 0); return;
	default: /* CMD_MSG too: this key speaks no U2F (NMSG) */
		respond_error(dev, dev->req_cid, CTAP1_ERR_INVALID_COMMAND);
	}
}

/* The key's knobs now; 0 when the state cannot be read (then the I/O fails). */
static int
read_knobs(const char *state_path, struct softfido_state *st)
{
	int rc = softfido_state_read(state_path, st);

	OPENSSL_cleanse(st->secret, sizeof(st->secret));
	return rc == 0 ? 1 : 0;
}

static int
unplugged(const struct softfido *dev)
{
	struct softfido_state st;

	if (!dev->opened)
		return 0;
	return !read_knobs(dev->state_path, &st) || st.unplug;
}

static int
write_locked(struct softfido *dev, const unsigned char *report, size_t len)
{
	const unsigned char *frame = report;
	size_t n;

	if (len == REPORT_LEN + 1) /* libfido2 writes the report id first */
		frame++;
	else if (len != REPORT_LEN)
		return -1;
	if (unplugged(dev))
		return -1;
	if (frame[4] & 0x80) {
		unsigned char cmd = frame[4] & 0x7f;

		if (cmd == CMD_CANCEL) {
			if (dev->waiting && memcmp(frame, dev->wait_cid, 4) == 0) {
				unsigned char status = CTAP2_ERR_KEEPALIVE_CANCEL;

				dev->waiting = 0;
				respond(dev, dev->wait_cid, CMD_CBOR, &status, 1);
			}
			return (int)len;
		}
		if (dev->waiting && cmd != CMD_INIT) {
			respond_error(dev, frame, CTAP1_ERR_CHANNEL_BUSY);
			return (int)len;
		}
		memcpy(dev->req_cid, frame, 4);
		dev->req_cmd = cmd;
		dev->req_len = ((size_t)frame[5] << 8) | frame[6];
		if (dev->req_len > sizeof(dev->req)) {
			respond_error(dev, frame, CTAP1_ERR_INVALID_LENGTH);
			return (int)len;
		}
		n = dev->req_len < INIT_DATA_LEN ? dev->req_len : INIT_DATA_LEN;
		memcpy(dev->req, frame + 7, n);
		dev->req_have = n;
		dev->req_seq = 0;
		dev->receiving = 1;
	} else {
		if (!dev->receiving || memcmp(frame, dev->req_cid, 4) != 0 ||
		    frame[4] != dev->req_seq) {
			dev->receiving = 0;
			respond_error(dev, frame, CTAP1_ERR_INVALID_SEQ);
			return (int)len;
		}
		dev->req_seq++;
		n = dev->req_len - dev->req_have;
		if (n > CONT_DATA_LEN)
			n = CONT_DATA_LEN;
		memcpy(dev->req + dev->req_have, frame + 5, n);
		dev->req_have += n;
	}
	if (dev->req_have >= dev->req_len) {
		dev->receiving = 0;
		run_message(dev);
	}
	return (int)len;
}

/* The next frame of the response into report. */
static int
send_frame(struct softfido *dev, unsigned char *report)
{
	size_t n;

	memset(report, 0, REPORT_LEN);
	memcpy(report, dev->resp_cid, 4);
	if (dev->resp_sent == 0 && dev->resp_seq == 0) {
		report[4] = 0x80 | dev->resp_cmd;
		report[5] = (unsigned char)(dev->resp_len >> 8);
		report[6] = (unsigned char)dev->resp_len;
		n = dev->resp_len < INIT_DATA_LEN ? dev->resp_len : INIT_DATA_LEN;
		memcpy(report + 7, dev->resp, n);
		dev->resp_seq = -1;
	} else {
		report[4] = (unsigned char)(++dev->resp_seq);
		n = dev->resp_len - dev->resp_sent;
		if (n > CONT_DATA_LEN)
			n = CONT_DATA_LEN;
		memcpy(report + 5, dev->resp + dev->resp_sent, n);
	}
	dev->resp_sent += n;
	if (dev->resp_sent >= dev->resp_len)
		dev->sending = 0;
	return REPORT_LEN;
}

static int
keepalive(struct softfido *dev, unsigned char *report)
{
	memset(report, 0, REPORT_LEN);
	memcpy(report, dev->wait_cid, 4);
	report[4] = 0x80 | CMD_KEEPALIVE;
	report[6] = 1;
	report[7] = KEEPALIVE_UPNEEDED;
	return REPORT_LEN;
}

/* Waits up to ms milliseconds or until a write wakes us; returns the milliseconds waited. */
static long
wait_locked(struct softfido *dev, long ms)
{
	struct timespec start, deadline;

	clock_gettime(CLOCK_MONOTONIC, &start);
	deadline = start;
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	while (pthread_cond_timedwait(&dev->wake, &dev->lock, &deadline) == EINTR)
		;
	return elapsed_ms(&start);
}

static int
read_locked(struct softfido *dev, unsigned char *report, size_t len, int ms)
{
	struct softfido_state st;

	if (len != REPORT_LEN || unplugged(dev))
		return -1;
	for (;;) {
		long elapsed, wait, waited;

		if (dev->sending)
			return send_frame(dev, report);
		if (!dev->waiting)
			return -1; /* nothing was asked: a real key would stay silent */
		if (!read_knobs(dev->state_path, &st))
			return -1;
		elapsed = elapsed_ms(&dev->wait_since);
		if (st.touch == SOFTFIDO_TOUCH_AUTO ||
		    (st.touch == SOFTFIDO_TOUCH_SLOW && elapsed >= st.touch_ms)) {
			dev->waiting = 0;
			run_cbor(dev, dev->wait_cid, 1);
			continue;
		}
		if (elapsed >= dev->next_keepalive_ms) {
			dev->next_keepalive_ms = elapsed + KEEPALIVE_INTERVAL_MS;
			return keepalive(dev, report);
		}
		wait = dev->next_keepalive_ms - elapsed;
		if (st.touch == SOFTFIDO_TOUCH_SLOW && st.touch_ms - elapsed < wait)
			wait = st.touch_ms - elapsed;
		if (ms >= 0 && wait > ms) {
			/* as poll(2) on a real device: nothing came in time (unless a cancel did) */
			wait_locked(dev, ms);
			return dev->sending ? send_frame(dev, report) : -1;
		}
		waited = wait_locked(dev, wait);
		if (ms >= 0)
			ms = waited >= ms ? 0 : ms - (int)waited;
	}
}

int
softfido_read(struct softfido *dev, unsigned char *report, size_t len, int ms)
{
	int n;

	pthread_mutex_lock(&dev->lock);
	n = read_locked(dev, report, len, ms);
	pthread_mutex_unlock(&dev->lock);
	return n;
}

int
softfido_write(struct softfido *dev, const unsigned char *report, size_t len)
{
	int n;

	pthread_mutex_lock(&dev->lock);
	n = write_locked(dev, report, len);
	pthread_cond_broadcast(&dev->wake);
	pthread_mutex_unlock(&dev->lock);
	return n;
}

static int
init_sync(struct softfido *dev)
{
	pthread_condattr_t attr;
	int ok;

	if (pthread_condattr_init(&attr) != 0)
		return -1;
	ok = pthread_condattr_setclock(&attr, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&dev->wake, &attr) == 0;
	pthread_condattr_destroy(&attr);
	if (!ok)
		return -1;
	if (pthread_mutex_init(&dev->lock, NULL) != 0) {
		pthread_cond_destroy(&dev->wake);
		return -1;
	}
	return 0;
}

struct softfido *
softfido_open(const char *state_path)
{
	struct softfido_state st;
	struct softfido *dev;

	if (state_path == NULL || !read_knobs(state_path, &st) || st.absent)
		return NULL;
	if ((dev = calloc(1, sizeof(*dev))) == NULL)
		return NULL;
	if (init_sync(dev) != 0) {
		free(dev);
		return NULL;
	}
	if ((dev->state_path = strdup(state_path)) == NULL ||
	    RAND_bytes(dev->pin_token, sizeof(dev->pin_token)) != 1 ||
	    RAND_bytes((unsigned char *)&dev->last_cid, sizeof(dev->last_cid)) != 1 ||
	    new_agreement_key(dev) != 0) {
		softfido_close(dev);
		return NULL;
	}
	return dev;
}

void
softfido_mark_opened(struct softfido *dev)
{
	if (dev != NULL)
		dev->opened = 1;
}

void
softfido_close(struct softfido *dev)
{
	if (dev == NULL)
		return;
	EVP_PKEY_free(dev->agreement_key);
	free(dev->state_path);
	pthread_cond_destroy(&dev->wake);
	pthread_mutex_destroy(&dev->lock);
	OPENSSL_cleanse(dev, sizeof(*dev));
	free(dev);
}
