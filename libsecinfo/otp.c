#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <liboath/oath.h>

#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "otp.h"

int
secinfo_otp_init(void)
{
	return oath_init() == OATH_OK ? 0 : SECINFO_ERR_CRYPTO;
}

void
secinfo_otp_done(void)
{
	oath_done();
}

uint64_t
secinfo_totp_step(time_t now, unsigned period)
{
	return now < 0 ? 0 : (uint64_t)now / period;
}

int
secinfo_otp_generate(const unsigned char *secret, size_t secret_len,
		     const struct secinfo_otp_params *params, uint64_t counter,
		     char code[SECINFO_OTP_MAX_DIGITS + 1])
{
	int flags = 0, rc;

	if (params->digits < 6 || params->digits > SECINFO_OTP_MAX_DIGITS)
		return SECINFO_ERR_INVALID;
	if (params->hotp) {
		rc = oath_hotp_generate((const char *)secret, secret_len, counter, params->digits,
					0, OATH_HOTP_DYNAMIC_TRUNCATION, code);
	} else {
		if (params->algorithm == SECINFO_OTP_SHA256)
			flags = OATH_TOTP_HMAC_SHA256;
		else if (params->algorithm == SECINFO_OTP_SHA512)
			flags = OATH_TOTP_HMAC_SHA512;
		/* liboath takes a time; the start of step COUNTER selects exactly that step. */
		rc = oath_totp_generate2((const char *)secret, secret_len,
					 (time_t)(counter * params->period), params->period, 0,
					 params->digits, flags, code);
	}
	return rc == OATH_OK ? 0 : SECINFO_ERR_CRYPTO;
}

int
secinfo_otp_find(const unsigned char *secret, size_t secret_len,
		 const struct secinfo_otp_params *params, uint64_t first, uint64_t last,
		 const char *code, uint64_t *matched)
{
	char candidate[SECINFO_OTP_MAX_DIGITS + 1], given[SECINFO_OTP_MAX_DIGITS + 1];
	int found = 0, rc = 0;

	/* Copy into a fixed-size buffer so the comparison length never depends on the input. */
	memset(given, 0, sizeof(given));
	if (params->digits < 6 || params->digits > SECINFO_OTP_MAX_DIGITS)
		return SECINFO_ERR_CORRUPT;
	if (strlen(code) != params->digits)
		rc = SECINFO_ERR_WRONG;
	else
		memcpy(given, code, params->digits);
	for (uint64_t c = first; c <= last && c >= first; c++) {
		memset(candidate, 0, sizeof(candidate));
		int grc = secinfo_otp_generate(secret, secret_len, params, c, candidate);
		if (grc != 0) {
			rc = grc;
			break;
		}
		if (secinfo_equal(candidate, given, sizeof(candidate)) && !found) {
			found = 1;
			*matched = c;
		}
	}
	secinfo_wipe(candidate, sizeof(candidate));
	secinfo_wipe(given, sizeof(given));
	if (rc != 0)
		return rc;
	return found ? 0 : SECINFO_ERR_WRONG;
}

int
secinfo_base32_encode(const unsigned char *data, size_t len, char **out)
{
	char *text = NULL;
	size_t text_len = 0;

	*out = NULL;
	if (oath_base32_encode((const char *)data, len, &text, &text_len) != OATH_OK)
		return SECINFO_ERR_NOMEM;
	/* otpauth:// secrets are written without '=' padding. */
	while (text_len > 0 && text[text_len - 1] == '=')
		text[--text_len] = '\0';
	*out = text;
	return 0;
}

int
secinfo_base32_decode(const char *text, unsigned char **out, size_t *out_len)
{
	char *raw = NULL, *clean = NULL;
	size_t raw_len = 0, n = 0, len = strlen(text);
	int rc = SECINFO_ERR_INVALID;

	*out = NULL;
	clean = secinfo_secret_alloc(len + 8);
	if (clean == NULL)
		return SECINFO_ERR_NOMEM;
	for (size_t i = 0; i < len; i++) {
		if (isspace((unsigned char)text[i]) || text[i] == '-')
			continue;
		clean[n++] = (char)toupper((unsigned char)text[i]);
	}
	while (n % 8 != 0)
		clean[n++] = '=';
	if (n == 0 || oath_base32_decode(clean, n, &raw, &raw_len) != OATH_OK || raw_len == 0)
		goto out;
	*out = secinfo_secret_alloc(raw_len);
	if (*out == NULL) {
		rc = SECINFO_ERR_NOMEM;
		goto out;
	}
	memcpy(*out, raw, raw_len);
	*out_len = raw_len;
	rc = 0;
out:
	if (raw != NULL) {
		secinfo_wipe(raw, raw_len);
		free(raw);
	}
	secinfo_secret_free(clean);
	return rc;
}

int
secinfo_hex_decode(const char *text, unsigned char **out, size_t *out_len)
{
	size_t len = strlen(text), size = len / 2;

	*out = NULL;
	/* oath_hex2bin takes an even number of hex digits, either case. */
	if (len == 0 || len % 2 != 0 || strspn(text, "0123456789abcdefABCDEF") != len)
		return SECINFO_ERR_INVALID;
	*out = secinfo_secret_alloc(size);
	if (*out == NULL)
		return SECINFO_ERR_NOMEM;
	if (oath_hex2bin(text, (char *)*out, &size) != OATH_OK || size != len / 2) {
		secinfo_secret_free(*out);
		*out = NULL;
		return SECINFO_ERR_INVALID;
	}
	*out_len = size;
	return 0;
}
