/* The FIDO2 security key (SPEC 11): registration with a verified attestation, and sign-in with
 * one assertion over all of the user's keys, a PIN and a touch. The libfido2 calls are in fido/
 * (reached through ctx->fido_load: the module loads secinfo-key.so only when a key is used);
 * the credential is the method's encrypted secret (fido_credential.c), its signature counter
 * the method's counter, accepted atomically like a TOTP step. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "error.h"
#include "fido_key.h"
#include "method.h"

/* Most keys of one user in one assertion's allow list. */
#define SECINFO_KEY_MAX_CREDENTIALS 16
/* CTAP2: a PIN has at least 4 Unicode characters, so at least 4 bytes. */
#define SECINFO_KEY_PIN_MIN 4

static void
secinfo_key_describe(const struct secinfo_method *m, int full, char *out, size_t size)
{
	char added[16] = "";
	time_t created = (time_t)m->created;
	struct tm tm;

	if (m->created > 0 && gmtime_r(&created, &tm) != NULL)
		strftime(added, sizeof(added), "%Y-%m-%d", &tm);
	/* A user may register several keys: the id and date tell them apart. */
	snprintf(out, size, "%ssecurity key #%lld (added %s)", full ? "the " : "", m->id, added);
}

/* Returns 1 when RHOST names this machine or none was given (a local sign-in). */
static int
secinfo_key_local(const char *rhost)
{
	char host[256];

	if (rhost == NULL || rhost[0] == '\0' || strcmp(rhost, "localhost") == 0 ||
	    strcmp(rhost, "127.0.0.1") == 0 || strcmp(rhost, "::1") == 0)
		return 1;
	if (gethostname(host, sizeof(host)) != 0)
		return 0;
	host[sizeof(host) - 1] = '\0';
	return strcmp(rhost, host) == 0;
}

/* Reaches libfido2. Returns the table, or NULL with ctx->why / a logged reason. */
static const struct secinfo_fido_ops *
secinfo_key_fido(secinfo_fido_load_fn *load, void *data, char *why, size_t why_size)
{
	char scratch[256];

	if (load == NULL)
		return NULL;
	if (why == NULL || why_size == 0) {
		why = scratch;
		why_size = sizeof(scratch);
	}
	return load(data, why, why_size);
}

static int
secinfo_key_available(const struct secinfo_method_ctx *ctx)
{
	const struct secinfo_fido_ops *fido;
	int n;

	if (!secinfo_key_local(ctx->rhost))
		return 0; /* the key is where the person is, not here */
	fido = secinfo_key_fido(ctx->fido_load, ctx->fido_data, ctx->why, ctx->why_size);
	if (fido == NULL)
		return SECINFO_ERR_IO;
	n = fido->present(ctx->conf);
	return n < 0 ? n : n > 0; /* an error is not "no key": it fails the sign-in */
}

/* Asks for the key's PIN with echo off. Returns 0 with *PIN, or a refusal. */
static int
secinfo_key_ask_pin(const struct secinfo_enroll_request *request, char **pin)
{
	int rc = request->io->ask(request->io->data, 0, secinfo_method_key.prompt, pin);

	if (rc != 0 || *pin == NULL)
		return secinfo_enroll_refuse(request, rc != 0 ? rc : SECINFO_ERR_CONV,
					     "no PIN was entered; nothing added");
	if ((*pin)[0] == '\0')
		return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID,
					     "the PIN is empty: type the PIN of your security key; "
					     "nothing added");
	if (strlen(*pin) < SECINFO_KEY_PIN_MIN)
		return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID,
					     "a PIN has at least %d characters: type the PIN of "
					     "your security key; nothing added",
					     SECINFO_KEY_PIN_MIN);
	return 0;
}

static int secinfo_key_credentials(const struct secinfo_method *list, size_t count,
				   struct secinfo_fido_credential *creds, long long *ids);

/* The credentials of USER's keys (none when USER is NULL), for the exclude list. */
static int
secinfo_key_user_credentials(const struct secinfo_user *user, struct secinfo_fido_credential *creds,
			     long long *ids)
{
	return user != NULL ? secinfo_key_credentials(user->methods, user->n_methods, creds, ids)
			    : 0;
}

/* Makes the credential (PIN when the key has one, the touch) and keeps it in OUT. */
static int
secinfo_key_register(const struct secinfo_enroll_request *request,
		     const struct secinfo_fido_ops *fido, const struct secinfo_fido_device *device,
		     struct secinfo_enrollment *out)
{
	const struct secinfo_conf *conf = request->conf;
	struct secinfo_fido_credential credential = {0}, exclude[SECINFO_KEY_MAX_CREDENTIALS];
	long long ids[SECINFO_KEY_MAX_CREDENTIALS];
	int n = 0;
	int uv = conf->key_user_verification == SECINFO_UV_REQUIRED ||
		 (conf->key_user_verification == SECINFO_UV_PREFERRED && device->supports_uv);
	char *pin = NULL, why[256] = "";
	int rc = 0;

	if (device->has_pin)
		rc = secinfo_key_ask_pin(request, &pin);
	if (rc == 0)
		rc = request->io->say(request->io->data, "Touch your security key.");
	if (rc == 0)
		n = secinfo_key_user_credentials(request->existing, exclude, ids);
	if (n < 0)
		rc = secinfo_enroll_refuse(request, n, "cannot read the keys registered for %s: %s",
					   request->user, secinfo_strerror(n));
	if (rc == 0) {
		rc = fido->make_credential(conf, request->user, pin, uv, exclude, (size_t)n,
					   &credential, why, sizeof(why));
		if (rc != 0)
			rc = secinfo_enroll_refuse(request, rc, "%s Nothing added.", why);
	}
	while (n > 0)
		secinfo_fido_credential_clear(&exclude[--n]);
	if (rc == 0) {
		rc = secinfo_fido_credential_pack(&credential, &out->secret, &out->secret_len);
		if (rc != 0)
			rc = secinfo_enroll_refuse(request, rc, "cannot keep the credential: %s",
						   secinfo_strerror(rc));
	}
	if (rc == 0)
		out->counter = (long long)credential.counter;
	if (pin != NULL) {
		secinfo_wipe(pin, strlen(pin));
		free(pin);
	}
	secinfo_fido_credential_clear(&credential);
	return rc;
}

static int
secinfo_key_enroll(const struct secinfo_enroll_request *request, struct secinfo_enrollment *out)
{
	const struct secinfo_fido_ops *fido;
	struct secinfo_fido_device device;
	char why[256] = "";
	long long id;
	int rc;

	fido = secinfo_key_fido(request->fido_load, request->fido_data, why, sizeof(why));
	if (fido == NULL)
		return secinfo_enroll_refuse(request, SECINFO_ERR_IO,
					     "security keys cannot be used here: %s", why);
	rc = fido->probe(request->conf, &device, why, sizeof(why));
	if (rc != 0)
		return secinfo_enroll_refuse(request, rc, "%s Nothing added.", why);
	if (request->conf->key_user_verification == SECINFO_UV_REQUIRED && !device.supports_uv)
		return secinfo_enroll_refuse(
			request, SECINFO_ERR_DENIED,
			"this security key cannot verify its user (no PIN is set and it has no "
			"built-in verification), and [key] user_verification is required: set a "
			"PIN on the key (fido2-token -S DEVICE) and try again; nothing added");
	rc = secinfo_key_register(request, fido, &device, out);
	if (rc == 0 && request->existing != NULL &&
	    (id = secinfo_user_method_same(request->existing, out)) != 0)
		rc = secinfo_enroll_refuse(request, SECINFO_ERR_EXISTS,
					   "this security key is registered for %s already (method "
					   "id %lld); nothing added",
					   request->user, id);
	return rc;
}

/* Returns 1 when the stored credentials A and B have the same credential id, 0 when not, or
 * SECINFO_ERR_CORRUPT when one cannot be parsed. */
static int
secinfo_key_same_secret(const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len)
{
	struct secinfo_fido_credential ca, cb;
	int same;

	if (secinfo_fido_credential_unpack(a, a_len, &ca) != 0)
		return SECINFO_ERR_CORRUPT;
	if (secinfo_fido_credential_unpack(b, b_len, &cb) != 0) {
		secinfo_fido_credential_clear(&ca);
		return SECINFO_ERR_CORRUPT;
	}
	same = ca.id_len == cb.id_len && memcmp(ca.id, cb.id, ca.id_len) == 0;
	secinfo_fido_credential_clear(&ca);
	secinfo_fido_credential_clear(&cb);
	return same;
}

static int
secinfo_key_challenge(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		      char *info, size_t info_size)
{
	(void)ctx;
	(void)m;
	(void)info;
	(void)info_size;
	return 0; /* the PIN prompt comes first, then the touch */
}

/* Loads the credentials of the key methods among the COUNT methods of LIST into CREDS and
 * their method ids into IDS. Returns the count, or a negative SECINFO_ERR_* code. */
static int
secinfo_key_credentials(const struct secinfo_method *list, size_t count,
			struct secinfo_fido_credential *creds, long long *ids)
{
	int n = 0, rc;

	for (size_t i = 0; list != NULL && i < count && n < SECINFO_KEY_MAX_CREDENTIALS; i++) {
		if (list[i].kind != secinfo_method_key.kind)
			continue;
		rc = secinfo_fido_credential_unpack(list[i].secret, list[i].secret_len, &creds[n]);
		if (rc != 0) {
			while (n > 0)
				secinfo_fido_credential_clear(&creds[--n]);
			return rc;
		}
		ids[n++] = list[i].id;
	}
	return n;
}

static int
secinfo_key_device(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		   const char *answer)
{
	struct secinfo_fido_credential creds[SECINFO_KEY_MAX_CREDENTIALS];
	long long ids[SECINFO_KEY_MAX_CREDENTIALS];
	const struct secinfo_fido_ops *fido;
	size_t which = 0;
	unsigned long long counter = 0;
	int n, rc;

	memset(ctx->proof, 0, sizeof(*ctx->proof));
	/* Nothing reaches the key without a PIN (pam_u2f's CVE-2021-31924); nor what cannot be
	 * one (CTAP2: at least 4 characters), such as the "?" that asked for another way once
	 * too often: it would cost one of the key's own PIN retries. */
	if (answer == NULL || answer[0] == '\0') {
		snprintf(ctx->why, ctx->why_size, "The PIN is empty.");
		return SECINFO_ERR_WRONG;
	}
	if (strlen(answer) < SECINFO_KEY_PIN_MIN) {
		snprintf(ctx->why, ctx->why_size, "A PIN has at least %d characters.",
			 SECINFO_KEY_PIN_MIN);
		return SECINFO_ERR_WRONG;
	}
	fido = secinfo_key_fido(ctx->fido_load, ctx->fido_data, ctx->why, ctx->why_size);
	if (fido == NULL)
		return SECINFO_ERR_IO;
	/* One assertion over all of the user's keys (M alone for a caller without the user). */
	n = ctx->owner != NULL ? secinfo_key_credentials(ctx->owner->methods, ctx->owner->n_methods,
							 creds, ids)
			       : secinfo_key_credentials(m, 1, creds, ids);
	if (n <= 0)
		return n < 0 ? n : SECINFO_ERR_NOT_FOUND;
	rc = ctx->io->say(ctx->io->data, "Touch your security key.");
	if (rc == 0)
		rc = fido->get_assertion(
			ctx->conf, answer, ctx->conf->key_user_verification == SECINFO_UV_REQUIRED,
			creds, (size_t)n, &which, &counter, ctx->why, ctx->why_size);
	if (rc == 0 && which < (size_t)n) {
		ctx->proof->method_id = ids[which];
		ctx->proof->counter = counter;
	} else if (rc == 0) {
		rc = SECINFO_ERR_INTERNAL;
	}
	while (n > 0)
		secinfo_fido_credential_clear(&creds[--n]);
	return rc;
}

static int
secinfo_key_verify(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		   const char *answer)
{
	int rc;

	(void)m;
	(void)answer;
	if (ctx->proof == NULL || ctx->proof->method_id == 0)
		return SECINFO_ERR_INTERNAL; /* never without a verified assertion */
	if (ctx->store == NULL)
		return SECINFO_ERR_WRONG;
	/* Of concurrent sign-ins with one assertion (or a copy of the key) one passes. */
	rc = secinfo_store_signature_counter_accept(ctx->store, ctx->proof->method_id,
						    (long long)ctx->proof->counter);
	if (rc == SECINFO_ERR_WRONG) {
		ctx->proof->cloned = 1;
		snprintf(ctx->why, ctx->why_size,
			 "Your security key's signature counter did not grow: the key may have "
			 "been copied. Sign-in refused; tell your administrator.");
		return SECINFO_ERR_DENIED;
	}
	return rc;
}

const struct secinfo_method_ops secinfo_method_key = {
	.kind = SECINFO_KIND_KEY,
	.name = "key",
	.noun = "security key",
	.purposes = SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET,
	.detail_form = SECINFO_DETAIL_SECRET,
	.channel = -1,
	.prompt = "PIN for your security key: ",
	.wrong = "Wrong PIN, try again.",
	.describe = secinfo_key_describe,
	.enroll = secinfo_key_enroll,
	.challenge = secinfo_key_challenge,
	.available = secinfo_key_available,
	.device = secinfo_key_device,
	.same_secret = secinfo_key_same_secret,
	.verify = secinfo_key_verify,
};
