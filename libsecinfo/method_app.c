/*
 * The authenticator app: TOTP (or HOTP) through liboath. Enrollment shows the secret as an
 * otpauth:// URI and a QR code and asks for a current code before anything is stored.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "error.h"
#include "method.h"
#include "otp.h"

/* Secrets shorter than 80 bits are refused (RFC 4226 asks for at least 128, recommends 160). */
#define SECINFO_APP_SECRET_MIN 10

static const char *const secinfo_app_algorithms[] = {"SHA1", "SHA256", "SHA512"};

static void
secinfo_app_describe(const struct secinfo_method *m, int full, char *out, size_t size)
{
	char added[16] = "";
	time_t created = (time_t)m->created;
	struct tm tm;

	if (full) {
		snprintf(out, size, "the authenticator app (%s)", m->otp.hotp ? "HOTP" : "TOTP");
		return;
	}
	/* A user may register several apps (phone and tablet): the id and date tell them apart. */
	if (m->created > 0 && gmtime_r(&created, &tm) != NULL)
		strftime(added, sizeof(added), "%Y-%m-%d", &tm);
	snprintf(out, size, "authenticator app #%lld (added %s)", m->id, added);
}

/* Gets the secret: decoded from the request's base32, or 20 random bytes. */
static int
secinfo_app_secret(const struct secinfo_enroll_request *request, struct secinfo_enrollment *out)
{
	int rc;

	if (!(request->options & SECINFO_ENROLL_SECRET) || request->secret == NULL) {
		out->secret = secinfo_secret_alloc(SECINFO_OTP_SECRET_BYTES);
		if (out->secret == NULL)
			return secinfo_enroll_refuse(request, SECINFO_ERR_NOMEM, "out of memory");
		secinfo_random(out->secret, SECINFO_OTP_SECRET_BYTES);
		out->secret_len = SECINFO_OTP_SECRET_BYTES;
		return 0;
	}
	rc = secinfo_base32_decode(request->secret, &out->secret, &out->secret_len);
	if (rc == SECINFO_ERR_NOMEM)
		return secinfo_enroll_refuse(request, rc, "out of memory");
	if (rc != 0)
		return secinfo_enroll_refuse(
			request, SECINFO_ERR_INVALID,
			"the secret is not valid base32 (letters A-Z and digits "
			"2-7); nothing added");
	if (out->secret_len < SECINFO_APP_SECRET_MIN)
		return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID,
					     "the secret holds %zu bytes, an authenticator secret "
					     "needs at least %d (16 base32 characters); leave "
					     "--secret and --secret-file out for a random one",
					     out->secret_len, SECINFO_APP_SECRET_MIN);
	return 0;
}

/* Writes S percent-encoded: everything but RFC 3986's unreserved characters. */
static void
secinfo_app_uri_encode(FILE *out, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if ((*p < 0x80 && isalnum(*p)) || strchr("-._~", *p) != NULL)
			fputc(*p, out);
		else
			fprintf(out, "%%%02X", *p);
	}
}

/* Builds the Key URI Format's otpauth:// URI in a new string. Returns 0 or SECINFO_ERR_NOMEM. */
static int
secinfo_app_uri(const char *issuer, const char *user, const char *base32,
		const struct secinfo_otp_params *otp, char **uri, size_t *uri_len)
{
	FILE *f = open_memstream(uri, uri_len);

	if (f == NULL)
		return SECINFO_ERR_NOMEM;
	fputs(otp->hotp ? "otpauth://hotp/" : "otpauth://totp/", f);
	secinfo_app_uri_encode(f, issuer);
	fputc(':', f);
	secinfo_app_uri_encode(f, user);
	fprintf(f, "?secret=%s&issuer=", base32);
	secinfo_app_uri_encode(f, issuer);
	fprintf(f, "&algorithm=%s&digits=%u", secinfo_app_algorithms[otp->algorithm], otp->digits);
	if (otp->hotp)
		fputs("&counter=0", f);
	else
		fprintf(f, "&period=%u", otp->period);
	return fclose(f) == 0 ? 0 : SECINFO_ERR_NOMEM;
}

/* Shows the QR code, the secret for typing by hand, and the URI. */
static int
secinfo_app_show(const struct secinfo_enroll_request *request, const char *base32, const char *uri,
		 const struct secinfo_otp_params *otp)
{
	const struct secinfo_method_io *io = request->io;
	char text[512];
	int rc;

	snprintf(text, sizeof(text), "Scan this QR code with the authenticator app of %s:\n",
		 request->user);
	rc = io->say(io->data, text);
	if (rc == 0 && (io->show_qr == NULL || io->show_qr(io->data, uri) != 0))
		rc = io->say(io->data,
			     "(the URI is too long for a QR code; enter the key by hand)");
	if (otp->hotp)
		snprintf(text, sizeof(text),
			 "\nOr enter this key by hand: %s\n(counter-based HOTP, %s, %u digits)",
			 base32, secinfo_app_algorithms[otp->algorithm], otp->digits);
	else
		snprintf(text, sizeof(text),
			 "\nOr enter this key by hand: %s\n(time-based TOTP, %s, %u digits, every "
			 "%u seconds)",
			 base32, secinfo_app_algorithms[otp->algorithm], otp->digits, otp->period);
	if (rc == 0)
		rc = io->say(io->data, text);
	secinfo_wipe(text, sizeof(text)); /* it held the secret in base32 */
	if (rc == 0 && uri != NULL) {
		char *line = NULL;
		if (asprintf(&line, "URI: %s\n", uri) < 0)
			return SECINFO_ERR_NOMEM;
		rc = io->say(io->data, line);
		secinfo_wipe(line, strlen(line));
		free(line);
	}
	return rc;
}

/* Removes the spaces that some apps show inside a code ("123 456"). */
static void
secinfo_app_code_compact(char *code)
{
	char *out = code;

	for (char *p = code; *p != '\0'; p++)
		if (!isspace((unsigned char)*p))
			*out++ = *p;
	*out = '\0';
}

/* How many codes the person may type at enrollment unless the request says: the app already
 * holds the secret, so a mistyped code or a clock a step off is asked again, with the same
 * secret. */
#define SECINFO_APP_ENROLL_TRIES 3

/* Looks for CODE around the current step (TOTP) or among the first counters (HOTP); the one
 * found is recorded as used. Returns 0, SECINFO_ERR_WRONG or another error. */
static int
secinfo_app_check(const struct secinfo_enroll_request *request, struct secinfo_enrollment *out,
		  char *code)
{
	unsigned window = request->conf->app_window;
	uint64_t first = 0, last = 2u * window, matched = 0, step;
	int rc;

	secinfo_app_code_compact(code);
	if (!out->otp.hotp) {
		/* The person may have taken a while: the window is around now. */
		step = secinfo_totp_step(time(NULL), out->otp.period);
		first = step > window ? step - window : 0;
		last = step + window;
	}
	rc = secinfo_otp_find(out->secret, out->secret_len, &out->otp, first, last, code, &matched);
	if (rc == 0)
		out->counter = (long long)matched;
	return rc;
}

/* Asks for a code from the app, up to request->tries times for the same secret. */
static int
secinfo_app_prove(const struct secinfo_enroll_request *request, struct secinfo_enrollment *out)
{
	int tries = request->tries > 0 && request->tries <= 100 ? (int)request->tries
								: SECINFO_APP_ENROLL_TRIES;
	const char *prompt =
		request->prompt != NULL ? request->prompt : "Enter the code shown by the app: ";
	char text[160];
	int rc = SECINFO_ERR_WRONG;

	for (int attempt = 1; rc == SECINFO_ERR_WRONG && attempt <= tries; attempt++) {
		char *code = NULL;
		int asked, ended;

		if (attempt > 1) {
			snprintf(text, sizeof(text),
				 "The code is wrong. Check that the app scanned this QR code and "
				 "that the phone's clock is right (attempt %d of %d).",
				 attempt, tries);
			rc = request->io->say(request->io->data, text);
			if (rc != 0)
				return secinfo_enroll_refuse(request, rc, "cannot ask again: %s",
							     secinfo_strerror(rc));
		}
		asked = request->io->ask(request->io->data, 1, prompt, &code);
		ended = asked != 0 || code == NULL;
		if (ended && attempt == 1)
			return secinfo_enroll_refuse(request, asked != 0 ? asked : SECINFO_ERR_CONV,
						     "no code was entered; nothing added");
		/* The end of the answers after a wrong code: the wrong code is what to report. */
		rc = ended ? SECINFO_ERR_WRONG : secinfo_app_check(request, out, code);
		if (code != NULL) {
			secinfo_wipe(code, strlen(code));
			free(code);
		}
		if (ended)
			break;
	}
	if (rc == SECINFO_ERR_WRONG)
		return secinfo_enroll_refuse(request, rc,
					     "the code is wrong; nothing added. Check that the app "
					     "scanned this QR code and that the phone's clock is "
					     "right, then run the command again");
	if (rc != 0)
		return secinfo_enroll_refuse(request, rc, "cannot check the code: %s",
					     secinfo_strerror(rc));
	return 0;
}

static int
secinfo_app_enroll(const struct secinfo_enroll_request *request, struct secinfo_enrollment *out)
{
	const struct secinfo_conf *conf = request->conf;
	int hotp = !!(request->options & SECINFO_ENROLL_HOTP);
	char *base32 = NULL, *uri = NULL;
	size_t uri_len = 0;
	int rc;

	/* HOTP is always SHA1: that is what RFC 4226 and the apps implement. The period is kept
	 * anyway because the store requires one for every app method. */
	out->otp.algorithm = hotp ? SECINFO_OTP_SHA1 : conf->app_algorithm;
	out->otp.digits = conf->app_digits;
	out->otp.period = conf->app_period;
	out->otp.hotp = hotp;
	rc = secinfo_app_secret(request, out);
	if (rc != 0)
		return rc;
	if (request->existing != NULL) {
		long long id = secinfo_user_method_same(request->existing, out);
		if (id != 0)
			return secinfo_enroll_refuse(
				request, SECINFO_ERR_EXISTS,
				"%s already has an authenticator app with this "
				"secret (method id %lld); nothing added",
				request->user, id);
	}
	if (secinfo_base32_encode(out->secret, out->secret_len, &base32) != 0 ||
	    secinfo_app_uri(conf->issuer, request->user, base32, &out->otp, &uri, &uri_len) != 0) {
		rc = secinfo_enroll_refuse(request, SECINFO_ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = secinfo_app_show(request, base32, uri, &out->otp);
	if (rc != 0)
		rc = secinfo_enroll_refuse(request, rc, "cannot show the secret: %s",
					   secinfo_strerror(rc));
	else if (!(request->options & SECINFO_ENROLL_NO_VERIFY))
		rc = secinfo_app_prove(request, out);
out:
	if (base32 != NULL)
		secinfo_wipe(base32, strlen(base32));
	if (uri != NULL)
		secinfo_wipe(uri, uri_len);
	free(base32);
	free(uri);
	return rc;
}

static int
secinfo_app_challenge(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		      char *info, size_t info_size)
{
	return 0; /* the app shows the code; nothing to send */
}

static int
secinfo_app_verify(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
		   const char *answer)
{
	unsigned window = ctx->conf->app_window;
	uint64_t first, last, matched = 0;
	int rc;

	if (m->secret == NULL || (!m->otp.hotp && m->otp.period == 0))
		return SECINFO_ERR_CORRUPT;
	if (m->otp.hotp) {
		/* The app may be ahead of us by as many codes as a TOTP window spans. */
		first = (uint64_t)(m->counter + 1);
		last = first + 2u * window;
	} else {
		uint64_t now = secinfo_totp_step(ctx->now, m->otp.period);
		first = now > window ? now - window : 0;
		last = now + window;
	}
	rc = secinfo_otp_find(m->secret, m->secret_len, &m->otp, first, last, answer, &matched);
	if (rc != 0)
		return rc;
	if (ctx->store == NULL)
		return SECINFO_ERR_WRONG; /* decoy: same work, never a success */
	/* An accepted step or counter is never accepted again, even by a concurrent sign-in. */
	return secinfo_store_counter_accept(ctx->store, m->id, (long long)matched);
}

const struct secinfo_method_ops secinfo_method_app = {
	.kind = SECINFO_KIND_APP,
	.name = "app",
	.noun = "the authenticator app",
	.purposes = SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET,
	.detail_form = SECINFO_DETAIL_SECRET,
	.has_otp = 1,
	.enroll_options = SECINFO_ENROLL_NO_VERIFY | SECINFO_ENROLL_HOTP | SECINFO_ENROLL_SECRET,
	.channel = -1,
	.prompt = "Verification code: ",
	.wrong = "Wrong code, try again.",
	.describe = secinfo_app_describe,
	.enroll = secinfo_app_enroll,
	.challenge = secinfo_app_challenge,
	.verify = secinfo_app_verify,
};
