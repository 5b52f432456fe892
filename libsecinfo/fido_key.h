/* secinfo: FIDO2 security keys through libfido2 (SPEC 11). The libfido2 calls live in fido/;
 * the PAM module loads them (secinfo-key.so, from the module's own directory) only when a key
 * is actually used, so that a sign-in without a key never loads libfido2 and libcrypto.
 * secinfo-admin and secinfo link them directly. The method row (method_key.c) reaches them
 * through the table below, as sending reaches the delivery code through a callback. */
#ifndef SECINFO_FIDO_KEY_H
#define SECINFO_FIDO_KEY_H

#include <stddef.h>

#include "conf.h"

/* The name of the plugin's one export, a const struct secinfo_fido_ops, looked up with dlsym. */
#define SECINFO_FIDO_SYMBOL "secinfo_fido"

/* A fresh challenge and a registration's user id are this many random bytes. */
#define SECINFO_FIDO_RANDOM_SIZE 32

/* What registration stores of a credential (encrypted, as the method's secret), and what a
 * sign-in needs back. The counter is kept in the method's counter column. */
struct secinfo_fido_credential {
	unsigned char *id; /* malloc'd */
	size_t id_len;
	int cose_alg;          /* COSE_ES256 (-7), COSE_EDDSA (-8), COSE_RS256 (-257) */
	unsigned char *pubkey; /* malloc'd, libfido2's raw form for COSE_ALG */
	size_t pubkey_len;
	unsigned char aaguid[16];
	unsigned long long counter; /* the signature counter at registration */
};

/* What a device can do, for the questions before registration and sign-in. */
struct secinfo_fido_device {
	int has_pin;        /* a PIN is set on the key */
	int supports_uv;    /* a PIN is set or the key verifies its user itself */
	int has_builtin_uv; /* fingerprint or the like */
};

/* Answers of the table's operations: 0, or a negative SECINFO_ERR_* code with WHY saying what
 * was wrong and what to do, for the person:
 *   SECINFO_ERR_WRONG     the PIN is wrong (counted like a wrong code)
 *   SECINFO_ERR_DENIED    the PIN is blocked, no touch within [key] timeout, user verification
 *                         required and not done, a credential not registered here
 *   SECINFO_ERR_NOT_FOUND no FIDO2 device ([key] devices)
 *   SECINFO_ERR_IO        the key was unplugged or answered nonsense
 *   SECINFO_ERR_CRYPTO    the attestation or the assertion's signature does not verify */
struct secinfo_fido_ops {
	/* Returns how many FIDO2 devices [key] devices lets us use here (0: none), or a
	 * negative SECINFO_ERR_* code. Talks to no device. */
	int (*present)(const struct secinfo_conf *conf);
	/* Opens the first usable device and says what it can do. */
	int (*probe)(const struct secinfo_conf *conf, struct secinfo_fido_device *device, char *why,
		     size_t why_size);
	/* Makes a credential for [key] rp_id and USER (random user id), with user presence, user
	 * verification as UV asks (then PIN, NULL when the key has none), ES256 (EdDSA or RS256
	 * when the key offers them and not ES256), not resident, bounded by [key] timeout;
	 * verifies its attestation (self-attestation accepted). The N_EXCLUDE credentials of
	 * EXCLUDE (the user's keys) are the exclude list: a key holding one of them refuses
	 * (SECINFO_ERR_EXISTS, "registered already"). Fills OUT (free it with
	 * secinfo_fido_credential_clear). */
	int (*make_credential)(const struct secinfo_conf *conf, const char *user, const char *pin,
			       int uv, const struct secinfo_fido_credential *exclude,
			       size_t n_exclude, struct secinfo_fido_credential *out, char *why,
			       size_t why_size);
	/* Asks the key for one assertion over a fresh random challenge for the N CREDENTIALS
	 * (the allow list), with PIN (NULL: none), user presence, and checks it with the stored
	 * public key: user presence set, user verification set when UV_REQUIRED. Returns 0 with
	 * *WHICH (the index of the credential that answered) and *COUNTER (its signature
	 * counter). */
	int (*get_assertion)(const struct secinfo_conf *conf, const char *pin, int uv_required,
			     const struct secinfo_fido_credential *credentials, size_t n,
			     size_t *which, unsigned long long *counter, char *why,
			     size_t why_size);
};

/* How a method reaches the table: the module loads the plugin on first use, the commands return
 * the table linked in. Returns the table, or NULL with WHY. */
typedef const struct secinfo_fido_ops *secinfo_fido_load_fn(void *data, char *why, size_t why_size);

/* The table itself (fido/fido.c; the plugin's export). */
extern const struct secinfo_fido_ops secinfo_fido;

/* A secinfo_fido_load_fn for programs that link fido/libsecinfo-fido.la. */
const struct secinfo_fido_ops *secinfo_fido_linked(void *data, char *why, size_t why_size);

/* Sets libfido2 up once: no log output, whatever FIDO_DEBUG in the environment says. Every
 * operation of the table calls it first. */
void secinfo_fido_init(void);

/* Frees what a credential holds; accepts NULL. */
void secinfo_fido_credential_clear(struct secinfo_fido_credential *credential);

/* Serialises CREDENTIAL (version 1: alg, AAGUID, id, public key; not the counter) into a new
 * guarded buffer *OUT (secinfo_secret_free). Returns 0 or SECINFO_ERR_NOMEM / _INVALID. */
int secinfo_fido_credential_pack(const struct secinfo_fido_credential *credential,
				 unsigned char **out, size_t *out_len);

/* Parses what secinfo_fido_credential_pack wrote. Returns 0 or SECINFO_ERR_CORRUPT /
 * SECINFO_ERR_NOMEM; clear OUT with secinfo_fido_credential_clear. */
int secinfo_fido_credential_unpack(const unsigned char *in, size_t in_len,
				   struct secinfo_fido_credential *out);

#endif
