/*
 * secinfo-admin method add USER app: a TOTP (or HOTP) secret, shown as an otpauth:// URI and a
 * QR code, verified with a code from the app before anything is stored.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "crypto.h"
#include "error.h"
#include "otp.h"

/* Secrets shorter than 80 bits are refused (RFC 4226 asks for at least 128, recommends 160). */
#define SECINFO_ADMIN_SECRET_MIN 10

static const char *const secinfo_admin_algorithms[] = {"SHA1", "SHA256", "SHA512"};

/* Gets the secret: decoded from --secret, or 20 random bytes. Returns SECINFO_ADMIN_*. */
static int
secinfo_admin_app_secret(const struct secinfo_admin_args *args, unsigned char **secret, size_t *len)
{
	int rc;

	if (args->secret == NULL) {
		*secret = secinfo_secret_alloc(SECINFO_OTP_SECRET_BYTES);
		if (*secret == NULL)
			return secinfo_admin_fail("out of memory");
		secinfo_random(*secret, SECINFO_OTP_SECRET_BYTES);
		*len = SECINFO_OTP_SECRET_BYTES;
		return SECINFO_ADMIN_OK;
	}
	rc = secinfo_base32_decode(args->secret, secret, len);
	if (rc == SECINFO_ERR_NOMEM)
		return secinfo_admin_fail("out of memory");
	if (rc != 0)
		return secinfo_admin_fail(
			"--secret is not valid base32 (letters A-Z and digits 2-7); "
			"nothing added");
	if (*len < SECINFO_ADMIN_SECRET_MIN) {
		secinfo_secret_free(*secret);
		*secret = NULL;
		return secinfo_admin_fail(
			"--secret holds %zu bytes, an authenticator secret needs at "
			"least %d (16 base32 characters); leave --secret out for "
			"a random one",
			*len, SECINFO_ADMIN_SECRET_MIN);
	}
	return SECINFO_ADMIN_OK;
}

/* Writes S percent-encoded: everything but RFC 3986's unreserved characters. */
static void
secinfo_admin_uri_encode(FILE *out, const char *s)
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
secinfo_admin_app_uri(const struct secinfo_conf *conf, const char *user, const char *base32,
		      const struct secinfo_otp_params *otp, char **uri, size_t *uri_len)
{
	FILE *f = open_memstream(uri, uri_len);

	if (f == NULL)
		return SECINFO_ERR_NOMEM;
	fputs(otp->hotp ? "otpauth://hotp/" : "otpauth://totp/", f);
	secinfo_admin_uri_encode(f, conf->issuer);
	fputc(':', f);
	secinfo_admin_uri_encode(f, user);
	fprintf(f, "?secret=%s&issuer=", base32);
	secinfo_admin_uri_encode(f, conf->issuer);
	fprintf(f, "&algorithm=%s&digits=%u", secinfo_admin_algorithms[otp->algorithm],
		otp->digits);
	if (otp->hotp)
		fputs("&counter=0", f);
	else
		fprintf(f, "&period=%u", otp->period);
	if (fclose(f) != 0)
		return SECINFO_ERR_NOMEM;
	return 0;
}

/* Removes the spaces that some apps show inside a code ("123 456"). */
static void
secinfo_admin_code_compact(char *code)
{
	char *out = code;

	for (char *p = code; *p != '\0'; p++)
		if (!isspace((unsigned char)*p))
			*out++ = *p;
	*out = '\0';
}

/*
 * Asks for a code from the app and looks for it around the current step (TOTP) or among the
 * first counters (HOTP). Returns SECINFO_ADMIN_OK with *counter, or _FAILED.
 */
static int
secinfo_admin_app_verify(struct secinfo_admin *admin, const unsigned char *secret, size_t len,
			 const struct secinfo_otp_params *otp, long long *counter)
{
	unsigned window = admin->conf->app_window;
	uint64_t first = 0, last = 2u * window, matched = 0, step;
	char code[64];
	int rc;

	if (secinfo_admin_ask("Enter the code shown by the app: ", code, sizeof(code)) != 0)
		return secinfo_admin_fail("no code was entered; nothing added");
	secinfo_admin_code_compact(code);
	if (!otp->hotp) {
		/* The administrator may have taken a while: the window is around now. */
		step = secinfo_totp_step(time(NULL), otp->period);
		first = step > window ? step - window : 0;
		last = step + window;
	}
	rc = secinfo_otp_find(secret, len, otp, first, last, code, &matched);
	secinfo_wipe(code, sizeof(code));
	if (rc == SECINFO_ERR_WRONG)
		return secinfo_admin_fail(
			"the code is wrong; nothing added. Check that the app "
			"scanned this QR code and that the phone's clock is right, "
			"then run the command again");
	if (rc != 0)
		return secinfo_admin_fail("cannot check the code: %s", secinfo_strerror(rc));
	*counter = (long long)matched;
	return SECINFO_ADMIN_OK;
}

/* Prints the QR code, the secret for typing by hand, and the URI. */
static void
secinfo_admin_app_show(const char *user, const char *base32, const char *uri,
		       const struct secinfo_otp_params *otp)
{
	printf("Scan this QR code with the authenticator app of %s:\n\n", user);
	if (secinfo_admin_qr_print(uri, stdout) != 0)
		printf("(the URI is too long for a QR code; enter the key by hand)\n");
	if (otp->hotp)
		printf("\nOr enter this key by hand: %s\n(counter-based HOTP, %s, %u digits)\n",
		       base32, secinfo_admin_algorithms[otp->algorithm], otp->digits);
	else
		printf("\nOr enter this key by hand: %s\n(time-based TOTP, %s, %u digits, every %u "
		       "seconds)\n",
		       base32, secinfo_admin_algorithms[otp->algorithm], otp->digits, otp->period);
	printf("URI: %s\n\n", uri);
	fflush(stdout);
}

int
secinfo_admin_method_add_app(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	const struct secinfo_conf *conf = admin->conf;
	const char *user = args->words[0];
	/* HOTP is always SHA1: that is what RFC 4226 and the apps implement. The period is kept
	 * anyway because the store requires one for every app method. */
	struct secinfo_otp_params otp = {
		.algorithm =
			args->options & SECINFO_OPT_HOTP ? SECINFO_OTP_SHA1 : conf->app_algorithm,
		.digits = conf->app_digits,
		.period = conf->app_period,
		.hotp = !!(args->options & SECINFO_OPT_HOTP),
	};
	unsigned char *secret = NULL;
	char *base32 = NULL, *uri = NULL;
	size_t len = 0, uri_len = 0;
	long long counter = -1;
	int rc;

	rc = secinfo_admin_app_secret(args, &secret, &len);
	if (rc != SECINFO_ADMIN_OK)
		goto out;
	if (secinfo_base32_encode(secret, len, &base32) != 0 ||
	    secinfo_admin_app_uri(conf, user, base32, &otp, &uri, &uri_len) != 0) {
		rc = secinfo_admin_fail("out of memory");
		goto out;
	}
	secinfo_admin_app_show(user, base32, uri, &otp);
	if (!(args->options & SECINFO_OPT_NO_VERIFY))
		rc = secinfo_admin_app_verify(admin, secret, len, &otp, &counter);
	if (rc == SECINFO_ADMIN_OK)
		rc = secinfo_admin_method_store(admin, user, SECINFO_KIND_APP, NULL, secret, len,
						&otp, counter);
out:
	if (base32 != NULL)
		secinfo_wipe(base32, strlen(base32));
	if (uri != NULL)
		secinfo_wipe(uri, uri_len);
	free(base32);
	free(uri);
	secinfo_secret_free(secret);
	return rc;
}
