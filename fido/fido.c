/* secinfo: the libfido2 calls of the security key (SPEC 11): which devices are here,
 * registration (make_credential with a verified attestation) and sign-in (one assertion over
 * all of the user's credentials, verified with the stored public key). Linked into
 * secinfo-admin and secinfo, and into secinfo-key.so, which the module loads on first use. */
#include "config.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>
#include <fido/rs256.h>

#include "clock.h"
#include "crypto.h"
#include "error.h"
#include "fido_key.h"

/* Devices looked at; a machine has one or two keys plugged in. */
#define SECINFO_FIDO_MAX_DEVICES 16

static int secinfo_fido_initialised;

/* libfido2 logs nothing: fido_init reads FIDO_DEBUG from the environment, which the PAM
 * application's caller controls (sudo, su), and would then write hex dumps of the device's
 * traffic (credential ids, the encrypted PIN) to the caller's terminal. */
static void
secinfo_fido_log_nothing(const char *line)
{
	(void)line;
}

void
secinfo_fido_init(void)
{
	if (!secinfo_fido_initialised) {
		fido_init(0);
		fido_set_log_handler(secinfo_fido_log_nothing);
	}
	secinfo_fido_initialised = 1;
}

static int secinfo_fido_why(char *why, size_t why_size, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int
secinfo_fido_why(char *why, size_t why_size, int rc, const char *fmt, ...)
{
	va_list ap;

	if (why != NULL && why_size > 0) {
		va_start(ap, fmt);
		vsnprintf(why, why_size, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/*
 * Returns 1 when the person who started this process may use the device at PATH themselves.
 * A set-user-id program (secinfo, sudo, su, passwd) runs with the real uid of the person who
 * started it, who may be signed in over SSH while someone else's key is plugged in at the
 * console: the device file lets only the console's user in (systemd-logind's uaccess), and a
 * program running as root must not open it for anyone else, or their wrong PINs would block
 * that key. access(2) checks the real uid and gid. Root (login, sshd, a getty, secinfo-reset)
 * is let in: where it runs, PAM_RHOST says whether the person is remote. A path that is not a
 * file is not a hidraw device (a transport of libfido2's own), and is left to libfido2.
 */
static int
secinfo_fido_path_reachable(const char *path)
{
	struct stat st;

	if (getuid() == 0 || (stat(path, &st) != 0 && errno == ENOENT))
		return 1;
	return access(path, R_OK | W_OK) == 0;
}

/* Returns 1 when PATH is one [key] devices lets us use, and the caller may use. */
static int
secinfo_fido_path_usable(const struct secinfo_conf *conf, const char *path)
{
	return path != NULL &&
	       (conf->key_devices == NULL || conf->key_devices[0] == '\0' ||
		fnmatch(conf->key_devices, path, FNM_PATHNAME) == 0) &&
	       secinfo_fido_path_reachable(path);
}

/* Copies the path of the first usable device into PATH. Returns the number of usable devices,
 * or a negative SECINFO_ERR_* code. */
static int
secinfo_fido_find(const struct secinfo_conf *conf, char *path, size_t size)
{
	fido_dev_info_t *list;
	size_t n = 0;
	int usable = 0;

	secinfo_fido_init();
	list = fido_dev_info_new(SECINFO_FIDO_MAX_DEVICES);
	if (list == NULL)
		return SECINFO_ERR_NOMEM;
	if (fido_dev_info_manifest(list, SECINFO_FIDO_MAX_DEVICES, &n) != FIDO_OK)
		n = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = fido_dev_info_path(fido_dev_info_ptr(list, i));
		if (!secinfo_fido_path_usable(conf, p))
			continue;
		if (usable++ == 0 && path != NULL)
			snprintf(path, size, "%s", p);
	}
	fido_dev_info_free(&list, SECINFO_FIDO_MAX_DEVICES);
	return usable;
}

static int
secinfo_fido_present(const struct secinfo_conf *conf)
{
	return secinfo_fido_find(conf, NULL, 0);
}

/* Opens the first usable device with [key] timeout. Returns 0 and *DEV, or an error. */
static int
secinfo_fido_open(const struct secinfo_conf *conf, fido_dev_t **dev, char *why, size_t why_size)
{
	char path[4096];
	int n, r;

	*dev = NULL;
	n = secinfo_fido_find(conf, path, sizeof(path));
	if (n < 0)
		return secinfo_fido_why(why, why_size, n, "cannot list the FIDO2 devices: %s",
					secinfo_strerror(n));
	if (n == 0)
		return secinfo_fido_why(why, why_size, SECINFO_ERR_NOT_FOUND,
					"No security key found: plug your security key in and try "
					"again.");
	*dev = fido_dev_new();
	if (*dev == NULL)
		return SECINFO_ERR_NOMEM;
	/* [key] timeout bounds the opening too (its handshake would otherwise wait for ever on a
	 * device that never answers). fido_dev_new and fido_dev_open: the transport is chosen at
	 * open. */
	r = fido_dev_set_timeout(*dev, (int)(conf->key_timeout * 1000));
	if (r == FIDO_OK)
		r = fido_dev_open(*dev, path);
	if (r != FIDO_OK) {
		fido_dev_free(dev);
		return secinfo_fido_why(why, why_size, SECINFO_ERR_IO,
					"The security key cannot be opened (%s): unplug it, plug "
					"it in again and try again.",
					fido_strerr(r));
	}
	return 0;
}

static void
secinfo_fido_close(fido_dev_t **dev)
{
	if (*dev == NULL)
		return;
	fido_dev_close(*dev);
	fido_dev_free(dev);
}

static int
secinfo_fido_probe(const struct secinfo_conf *conf, struct secinfo_fido_device *device, char *why,
		   size_t why_size)
{
	fido_dev_t *dev = NULL;
	int rc;

	memset(device, 0, sizeof(*device));
	rc = secinfo_fido_open(conf, &dev, why, why_size);
	if (rc != 0)
		return rc;
	if (!fido_dev_is_fido2(dev)) {
		secinfo_fido_close(&dev);
		return secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
					"This security key speaks only U2F (CTAP1); use a FIDO2 "
					"key.");
	}
	device->has_pin = fido_dev_has_pin(dev);
	device->has_builtin_uv = fido_dev_has_uv(dev);
	device->supports_uv = device->has_pin || device->has_builtin_uv;
	secinfo_fido_close(&dev);
	return 0;
}

/*
 * Turns libfido2's answer R to an operation that started at START into a SECINFO_ERR_* code and
 * a sentence for the person. A wrong PIN is SECINFO_ERR_WRONG; everything else fails closed.
 */
static int
secinfo_fido_error(const struct secinfo_conf *conf, int r, long long start, char *why,
		   size_t why_size)
{
	/* libfido2 answers FIDO_ERR_RX when [key] timeout ran out while the key sent keepalives:
	 * an error that came that late is the missing touch, one that came early a lost key. */
	int timed_out = secinfo_now_ms() - start >= conf->key_timeout * 1000 - 200;

	switch (r) {
	case FIDO_ERR_PIN_INVALID:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_WRONG,
					"Wrong PIN for your security key.");
	case FIDO_ERR_PIN_BLOCKED:
	case FIDO_ERR_PIN_AUTH_BLOCKED:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
					"Your security key's PIN is blocked after too many wrong "
					"PINs: unplug it and plug it in again (or reset the key "
					"and register it again), or use another method.");
	case FIDO_ERR_PIN_REQUIRED:
	case FIDO_ERR_PIN_NOT_SET:
	case FIDO_ERR_UNSUPPORTED_OPTION:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
					"Your security key cannot verify you (no PIN is set on "
					"it), and verification is required here: set a PIN "
					"(fido2-token -S) or use another method.");
	case FIDO_ERR_UV_INVALID:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_WRONG,
					"Your security key did not recognise you (its fingerprint "
					"or other built-in verification failed).");
	case FIDO_ERR_UV_BLOCKED:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
					"Your security key's built-in verification is blocked "
					"after too many failures: unlock it with its PIN (or as "
					"its maker says), or use another method.");
	case FIDO_ERR_NO_CREDENTIALS:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
					"This security key is not registered for you here: use "
					"the key you registered, or another method.");
	case FIDO_ERR_ACTION_TIMEOUT:
	case FIDO_ERR_USER_ACTION_TIMEOUT:
	case FIDO_ERR_OPERATION_DENIED:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
					"The security key was not touched in time (%ld seconds): "
					"try again and touch it when it blinks.",
					conf->key_timeout);
	case FIDO_ERR_CREDENTIAL_EXCLUDED:
		return secinfo_fido_why(why, why_size, SECINFO_ERR_EXISTS,
					"This security key is registered already.");
	default:
		if (timed_out && (r == FIDO_ERR_RX || r == FIDO_ERR_TX || r == FIDO_ERR_INTERNAL))
			return secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
						"The security key was not touched in time (%ld "
						"seconds): try again and touch it when it blinks.",
						conf->key_timeout);
		return secinfo_fido_why(why, why_size, SECINFO_ERR_IO,
					"The security key stopped answering (%s): check that it "
					"is plugged in and try again.",
					fido_strerr(r));
	}
}

/* Picks ES256, else EdDSA or RS256 when the key offers one of them and not ES256. */
static int
secinfo_fido_algorithm(fido_dev_t *dev)
{
	fido_cbor_info_t *info = fido_cbor_info_new();
	int es256 = 0, eddsa = 0, rs256 = 0, listed = 0;

	if (info != NULL && fido_dev_get_cbor_info(dev, info) == FIDO_OK) {
		size_t n = fido_cbor_info_algorithm_count(info);
		listed = n > 0;
		for (size_t i = 0; i < n; i++) {
			int alg = fido_cbor_info_algorithm_cose(info, i);
			es256 |= alg == COSE_ES256;
			eddsa |= alg == COSE_EDDSA;
			rs256 |= alg == COSE_RS256;
		}
	}
	fido_cbor_info_free(&info);
	if (!listed || es256)
		return COSE_ES256; /* CTAP 2.0 keys list nothing: ES256 is what they all do */
	return eddsa ? COSE_EDDSA : rs256 ? COSE_RS256 : COSE_ES256;
}

/* Copies the credential CRED made into OUT. Returns 0 or SECINFO_ERR_NOMEM/_CORRUPT. */
static int
secinfo_fido_credential_copy(const fido_cred_t *cred, struct secinfo_fido_credential *out)
{
	size_t id_len = fido_cred_id_len(cred), pk_len = fido_cred_pubkey_len(cred);

	if (id_len == 0 || pk_len == 0 || fido_cred_aaguid_len(cred) != sizeof(out->aaguid))
		return SECINFO_ERR_CORRUPT;
	out->id = malloc(id_len);
	out->pubkey = malloc(pk_len);
	if (out->id == NULL || out->pubkey == NULL)
		return SECINFO_ERR_NOMEM;
	memcpy(out->id, fido_cred_id_ptr(cred), id_len);
	out->id_len = id_len;
	memcpy(out->pubkey, fido_cred_pubkey_ptr(cred), pk_len);
	out->pubkey_len = pk_len;
	memcpy(out->aaguid, fido_cred_aaguid_ptr(cred), sizeof(out->aaguid));
	out->cose_alg = fido_cred_type(cred);
	out->counter = fido_cred_sigcount(cred);
	return 0;
}

/* Sets up CRED for USER: rp, random user id, a random client data hash, the algorithm. */
static int
secinfo_fido_cred_setup(const struct secinfo_conf *conf, fido_dev_t *dev, fido_cred_t *cred,
			const char *user, int uv)
{
	unsigned char hash[SECINFO_FIDO_RANDOM_SIZE], user_id[SECINFO_FIDO_RANDOM_SIZE];
	int r;

	secinfo_random(hash, sizeof(hash));
	secinfo_random(user_id, sizeof(user_id));
	r = fido_cred_set_type(cred, secinfo_fido_algorithm(dev));
	if (r == FIDO_OK)
		r = fido_cred_set_clientdata_hash(cred, hash, sizeof(hash));
	if (r == FIDO_OK)
		r = fido_cred_set_rp(cred, conf->key_rp_id, conf->key_rp_id);
	if (r == FIDO_OK)
		r = fido_cred_set_user(cred, user_id, sizeof(user_id), user, user, NULL);
	if (r == FIDO_OK)
		r = fido_cred_set_rk(cred, FIDO_OPT_FALSE);
	/* With a PIN, libfido2 proves it with the PIN token and the key sets UV; the option itself
	 * is for keys that verify their user without a PIN. */
	if (r == FIDO_OK && uv)
		r = fido_cred_set_uv(cred, FIDO_OPT_TRUE);
	return r;
}

static int
secinfo_fido_make_credential(const struct secinfo_conf *conf, const char *user, const char *pin,
			     int uv, const struct secinfo_fido_credential *exclude,
			     size_t n_exclude, struct secinfo_fido_credential *out, char *why,
			     size_t why_size)
{
	fido_dev_t *dev = NULL;
	fido_cred_t *cred = NULL;
	long long start;
	int rc, r;

	memset(out, 0, sizeof(*out));
	rc = secinfo_fido_open(conf, &dev, why, why_size);
	if (rc != 0)
		return rc;
	cred = fido_cred_new();
	if (cred == NULL) {
		rc = SECINFO_ERR_NOMEM;
		goto out;
	}
	r = secinfo_fido_cred_setup(conf, dev, cred, user, uv && pin == NULL);
	for (size_t i = 0; r == FIDO_OK && i < n_exclude; i++)
		r = fido_cred_exclude(cred, exclude[i].id, exclude[i].id_len);
	if (r != FIDO_OK) {
		rc = secinfo_fido_why(why, why_size, SECINFO_ERR_INVALID,
				      "cannot prepare the registration: %s", fido_strerr(r));
		goto out;
	}
	start = secinfo_now_ms();
	r = fido_dev_make_cred(dev, cred, pin);
	if (r != FIDO_OK) {
		rc = secinfo_fido_error(conf, r, start, why, why_size);
		goto out;
	}
	/* The attestation: a certificate chain when the key has one, else self-attestation. */
	r = fido_cred_x5c_len(cred) > 0 ? fido_cred_verify(cred) : fido_cred_verify_self(cred);
	if (r != FIDO_OK) {
		rc = secinfo_fido_why(why, why_size, SECINFO_ERR_CRYPTO,
				      "The security key's attestation does not verify (%s): this "
				      "key cannot be registered.",
				      fido_strerr(r));
		goto out;
	}
	if (uv && !(fido_cred_flags(cred) & 0x04)) {
		rc = secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
				      "The security key did not verify you (no PIN or "
				      "fingerprint), and verification is required here.");
		goto out;
	}
	rc = secinfo_fido_credential_copy(cred, out);
	if (rc != 0)
		secinfo_fido_why(why, why_size, rc, "cannot keep the new credential: %s",
				 secinfo_strerror(rc));
out:
	if (rc != 0)
		secinfo_fido_credential_clear(out);
	fido_cred_free(&cred);
	secinfo_fido_close(&dev);
	return rc;
}

/* Verifies assertion IDX of ASSERT with CREDENTIAL's public key. Returns a FIDO_* code. */
static int
secinfo_fido_assert_check(const fido_assert_t *assert, size_t idx,
			  const struct secinfo_fido_credential *credential)
{
	es256_pk_t *es256 = NULL;
	eddsa_pk_t *eddsa = NULL;
	rs256_pk_t *rs256 = NULL;
	const void *pk = NULL;
	int r = FIDO_ERR_INVALID_ARGUMENT;

	switch (credential->cose_alg) {
	case COSE_ES256:
		if ((es256 = es256_pk_new()) != NULL &&
		    (r = es256_pk_from_ptr(es256, credential->pubkey, credential->pubkey_len)) ==
			    FIDO_OK)
			pk = es256;
		break;
	case COSE_EDDSA:
		if ((eddsa = eddsa_pk_new()) != NULL &&
		    (r = eddsa_pk_from_ptr(eddsa, credential->pubkey, credential->pubkey_len)) ==
			    FIDO_OK)
			pk = eddsa;
		break;
	case COSE_RS256:
		if ((rs256 = rs256_pk_new()) != NULL &&
		    (r = rs256_pk_from_ptr(rs256, credential->pubkey, credential->pubkey_len)) ==
			    FIDO_OK)
			pk = rs256;
		break;
	default: break;
	}
	if (pk != NULL)
		r = fido_assert_verify(assert, idx, credential->cose_alg, pk);
	es256_pk_free(&es256);
	eddsa_pk_free(&eddsa);
	rs256_pk_free(&rs256);
	return r;
}

/* Returns the index among CREDENTIALS of the one that made assertion IDX, or N. */
static size_t
secinfo_fido_which(const fido_assert_t *assert, size_t idx,
		   const struct secinfo_fido_credential *credentials, size_t n)
{
	size_t len = fido_assert_id_len(assert, idx);
	const unsigned char *id = fido_assert_id_ptr(assert, idx);

	/* CTAP lets a key leave out the id when the allow list held one credential. */
	if (len == 0 && n == 1)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (credentials[i].id_len == len && id != NULL &&
		    memcmp(credentials[i].id, id, len) == 0)
			return i;
	return n;
}

/* Sets up ASSERT: rp, a fresh random challenge, the allow list, user presence. */
static int
secinfo_fido_assert_setup(const struct secinfo_conf *conf, fido_assert_t *assert,
			  const struct secinfo_fido_credential *credentials, size_t n)
{
	unsigned char challenge[SECINFO_FIDO_RANDOM_SIZE];
	int r;

	secinfo_random(challenge, sizeof(challenge));
	r = fido_assert_set_rp(assert, conf->key_rp_id);
	if (r == FIDO_OK)
		r = fido_assert_set_clientdata_hash(assert, challenge, sizeof(challenge));
	for (size_t i = 0; r == FIDO_OK && i < n; i++)
		r = fido_assert_allow_cred(assert, credentials[i].id, credentials[i].id_len);
	if (r == FIDO_OK)
		r = fido_assert_set_up(assert, FIDO_OPT_TRUE);
	return r;
}

static int
secinfo_fido_get_assertion(const struct secinfo_conf *conf, const char *pin, int uv_required,
			   const struct secinfo_fido_credential *credentials, size_t n,
			   size_t *which, unsigned long long *counter, char *why, size_t why_size)
{
	fido_dev_t *dev = NULL;
	fido_assert_t *assert = NULL;
	long long start;
	int rc, r, builtin_uv;

	if (n == 0)
		return secinfo_fido_why(why, why_size, SECINFO_ERR_NOT_FOUND,
					"No security key is registered for you.");
	rc = secinfo_fido_open(conf, &dev, why, why_size);
	if (rc != 0)
		return rc;
	/* A key without a PIN is asked without one: it then cannot verify the user, which the
	 * check below refuses when verification is required. */
	if (!fido_dev_has_pin(dev))
		pin = NULL;
	builtin_uv = pin == NULL && fido_dev_has_uv(dev);
	assert = fido_assert_new();
	if (assert == NULL) {
		rc = SECINFO_ERR_NOMEM;
		goto out;
	}
	r = secinfo_fido_assert_setup(conf, assert, credentials, n);
	if (r == FIDO_OK && uv_required && builtin_uv)
		r = fido_assert_set_uv(assert, FIDO_OPT_TRUE);
	if (r != FIDO_OK) {
		rc = secinfo_fido_why(why, why_size, SECINFO_ERR_INVALID,
				      "cannot prepare the sign-in: %s", fido_strerr(r));
		goto out;
	}
	start = secinfo_now_ms();
	r = fido_dev_get_assert(dev, assert, pin);
	if (r != FIDO_OK) {
		rc = secinfo_fido_error(conf, r, start, why, why_size);
		goto out;
	}
	/* Enforced at verify time, not only asked for: fido_assert_verify checks the UP flag, and
	 * the UV flag whenever the option is FIDO_OPT_TRUE (CVE-2021-31924's lesson). */
	r = fido_assert_set_up(assert, FIDO_OPT_TRUE);
	if (r == FIDO_OK)
		r = fido_assert_set_uv(assert, uv_required ? FIDO_OPT_TRUE : FIDO_OPT_OMIT);
	*which = fido_assert_count(assert) == 1 ? secinfo_fido_which(assert, 0, credentials, n) : n;
	if (r != FIDO_OK || *which >= n) {
		rc = secinfo_fido_why(why, why_size, SECINFO_ERR_DENIED,
				      "The security key answered for a credential that is not "
				      "yours: use the key you registered.");
		goto out;
	}
	r = secinfo_fido_assert_check(assert, 0, &credentials[*which]);
	if (r != FIDO_OK) {
		int uv_missing = uv_required && !(fido_assert_flags(assert, 0) & 0x04);
		rc = secinfo_fido_why(
			why, why_size, uv_missing ? SECINFO_ERR_DENIED : SECINFO_ERR_CRYPTO,
			uv_missing ? "The security key did not verify you (no PIN or fingerprint), "
				     "and verification is required here: set a PIN on the key "
				     "or use another method."
				   : "The security key's answer does not verify: use the key you "
				     "registered, or another method.");
		goto out;
	}
	*counter = fido_assert_sigcount(assert, 0);
out:
	fido_assert_free(&assert);
	secinfo_fido_close(&dev);
	return rc;
}

const struct secinfo_fido_ops *
secinfo_fido_linked(void *data, char *why, size_t why_size)
{
	(void)data;
	(void)why;
	(void)why_size;
	return &secinfo_fido;
}

__attribute__((visibility("default"))) const struct secinfo_fido_ops secinfo_fido = {
	.present = secinfo_fido_present,
	.probe = secinfo_fido_probe,
	.make_credential = secinfo_fido_make_credential,
	.get_assertion = secinfo_fido_get_assertion,
};
