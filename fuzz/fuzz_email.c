/* Fuzzes e-mail address checks (libsecinfo/email.c): an accepted address is one address, short
 * enough, its domain in lower case and not blocked; a refused one leaves no output;
 * normalising is idempotent; a mask fits its buffer and hides the local part.
 * Input: [email] blocked_domains, a NUL byte, the address. */
#include "config.h"

#include <ctype.h>

#include "conf.h"
#include "email.h"
#include "error.h"
#include "fuzz.h"

/* Returns 1 when TEXT is valid UTF-8 (RFC 3629: no overlong form, surrogate or code point past
 * U+10FFFF). */
static int
fuzz_utf8(const char *text)
{
	const unsigned char *p = (const unsigned char *)text;

	while (*p != '\0') {
		unsigned c = *p++, more = c < 0x80   ? 0
					  : c < 0xc2 ? 9
					  : c < 0xe0 ? 1
					  : c < 0xf0 ? 2
					  : c < 0xf5 ? 3
						     : 9;
		unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
		unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;

		if (more == 9)
			return 0;
		for (unsigned i = 0; i < more; i++, p++) {
			if (*p < (i == 0 ? lo : 0x80) || *p > (i == 0 ? hi : 0xbf))
				return 0;
		}
	}
	return 1;
}

static void
fuzz_email_mask(const char *address, int valid)
{
	char out[SECINFO_EMAIL_MAX + 8];
	const char *at = strrchr(address, '@');

	for (unsigned size = 1; size <= sizeof(out); size += size < 16 ? 1 : 61) {
		memset(out, 'Z', sizeof(out));
		secinfo_email_mask(address, out, size);
		FUZZ_ASSERT(memchr(out, '\0', size) != NULL, "a mask is not terminated");
		for (size_t i = size; i < sizeof(out); i++)
			FUZZ_ASSERT(out[i] == 'Z', "a mask wrote past its buffer");
		/* It goes into a PAM prompt: never a piece of a character. */
		if (valid && size > strlen(at) + 8)
			FUZZ_ASSERT(fuzz_utf8(out), "the mask of an accepted address is not UTF-8");
		if (valid && size > strlen(at) + 4 && (unsigned char)address[0] < 0x80) {
			FUZZ_ASSERT(out[0] == address[0] && strncmp(out + 1, "***", 3) == 0 &&
					    strcmp(out + 4, at) == 0,
				    "a mask shows more than the first character");
		}
	}
}

/* Checks an accepted address OUT for INPUT. */
static void
fuzz_email_accepted(const struct secinfo_conf *conf, const char *input, const char *out)
{
	char again[SECINFO_EMAIL_MAX + 1];
	const char *at = strchr(out, '@'), *why = NULL;
	size_t len = strlen(out);

	FUZZ_ASSERT(len <= SECINFO_EMAIL_MAX && len == strlen(input), "an accepted address grew");
	FUZZ_ASSERT(at != NULL && strchr(at + 1, '@') == NULL, "not exactly one @");
	FUZZ_ASSERT(at > out && at - out <= 64, "the local part is empty or too long");
	FUZZ_ASSERT(strncmp(out, input, (size_t)(at - out)) == 0, "the local part changed");
	FUZZ_ASSERT(fuzz_utf8(out), "an accepted address is not UTF-8");
	for (const char *p = out; *p != '\0'; p++) {
		FUZZ_ASSERT((unsigned char)*p > ' ' && *p != 0x7f && strchr("<>\",;\\", *p) == NULL,
			    "a space, control character or special in an accepted address");
		FUZZ_ASSERT(p < at || !isupper((unsigned char)*p), "the domain is not lower case");
	}
	FUZZ_ASSERT(conf == NULL || !secinfo_conf_domain_blocked(conf, at + 1),
		    "a blocked domain was accepted");
	FUZZ_ASSERT(secinfo_email_normalize(conf, out, again, &why) == 0 && strcmp(again, out) == 0,
		    "normalising an accepted address changed it");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secinfo_conf conf;
	struct fuzz_fields fields;
	char out[SECINFO_EMAIL_MAX + 1];
	const char *address, *why = NULL;
	int rc;

	fuzz_split(data, size, &fields);
	memset(&conf, 0, sizeof(conf));
	conf.blocked_domains = fields.field[0];
	address = fuzz_field(&fields, 1) != NULL ? fields.field[1] : fields.field[0];

	for (int with_conf = 0; with_conf <= 1; with_conf++) {
		const struct secinfo_conf *c = with_conf ? &conf : NULL;

		memset(out, 'Z', sizeof(out));
		why = NULL;
		rc = secinfo_email_normalize(c, address, out, &why);
		FUZZ_ASSERT(rc == 0 || rc == SECINFO_ERR_INVALID || rc == SECINFO_ERR_DENIED,
			    "an unexpected error code");
		FUZZ_ASSERT(rc != SECINFO_ERR_DENIED || c != NULL,
			    "denied without blocked domains");
		if (rc == 0) {
			fuzz_email_accepted(c, address, out);
			fuzz_email_mask(out, 1);
		} else {
			FUZZ_ASSERT(out[0] == '\0', "a refused address left an output");
			FUZZ_ASSERT(why != NULL && why[0] != '\0', "refused without a reason");
		}
	}
	/* Stored addresses come back from the database: any text must mask safely. */
	fuzz_email_mask(address, 0);
	fuzz_fields_free(&fields);
	return 0;
}
