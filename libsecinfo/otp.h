/* secinfo: TOTP (RFC 6238) and HOTP (RFC 4226) codes, and base32, through liboath. */
#ifndef SECINFO_OTP_H
#define SECINFO_OTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define SECINFO_OTP_SECRET_BYTES 20
#define SECINFO_OTP_MAX_DIGITS   8

/* How one authenticator app enrollment computes its codes. */
struct secinfo_otp_params {
	int algorithm;   /* SECINFO_OTP_SHA1, _SHA256 or _SHA512 (TOTP only) */
	unsigned digits; /* 6..8 */
	unsigned period; /* TOTP step in seconds */
	int hotp;        /* counter-based instead of time-based */
};

/* Initialises liboath. Returns 0 or SECINFO_ERR_CRYPTO. */
int secinfo_otp_init(void);

/* Releases liboath. */
void secinfo_otp_done(void);

/* Computes the code for COUNTER (the TOTP step or the HOTP counter) into CODE (digits + NUL).
 * Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_otp_generate(const unsigned char *secret, size_t secret_len,
			 const struct secinfo_otp_params *params, uint64_t counter,
			 char code[SECINFO_OTP_MAX_DIGITS + 1]);

/* Returns the TOTP step for time NOW. */
uint64_t secinfo_totp_step(time_t now, unsigned period);

/*
 * Looks for CODE among the counters FIRST..LAST (inclusive), comparing every candidate in
 * constant time. Returns 0 with *matched set, or SECINFO_ERR_WRONG.
 */
int secinfo_otp_find(const unsigned char *secret, size_t secret_len,
		     const struct secinfo_otp_params *params, uint64_t first, uint64_t last,
		     const char *code, uint64_t *matched) __attribute__((warn_unused_result));

/* Encodes bytes as unpadded base32 (RFC 4648) in a new string. Returns 0 or SECINFO_ERR_*. */
int secinfo_base32_encode(const unsigned char *data, size_t len, char **out);

/* Decodes base32 (case-insensitive, spaces allowed) into guarded memory (free with
 * secinfo_secret_free). Returns 0 or SECINFO_ERR_INVALID. */
int secinfo_base32_decode(const char *text, unsigned char **out, size_t *out_len);

/* Decodes hex (an even number of digits, either case; liboath's oath_hex2bin, as pam_oath reads
 * its users file) into guarded memory (free with secinfo_secret_free). Returns 0,
 * SECINFO_ERR_INVALID or SECINFO_ERR_NOMEM. */
int secinfo_hex_decode(const char *text, unsigned char **out, size_t *out_len);

#endif
