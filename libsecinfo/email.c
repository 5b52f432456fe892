#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "email.h"
#include "error.h"

/* Returns the length of the UTF-8 character at S (1 for ASCII), or 0 when S does not start with
 * one whole, valid character (RFC 3629: no overlong form, surrogate or code point past
 * U+10FFFF) or starts with a C1 control character (U+0080 to U+009F: some terminals obey them
 * in a prompt). Reads no further than a NUL. */
static size_t
secinfo_email_char_len(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned c = p[0];
	size_t n = c < 0x80                 ? 1
		   : c >= 0xc2 && c <= 0xdf ? 2
		   : c >= 0xe0 && c <= 0xef ? 3
		   : c >= 0xf0 && c <= 0xf4 ? 4
					    : 0;
	unsigned lo = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : c == 0xc2 ? 0xa0 : 0x80;
	unsigned hi = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;

	if (c == 0)
		return 0;
	for (size_t i = 1; i < n; i++)
		if (p[i] < (i == 1 ? lo : 0x80) || p[i] > (i == 1 ? hi : 0xbf))
			return 0;
	return n;
}

static int
secinfo_email_domain_ok(const char *domain)
{
	size_t label = 0, labels = 0;

	if (*domain == '\0' || *domain == '.' || *domain == '-')
		return 0;
	for (const char *p = domain; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
			labels++;
		} else if (isalnum((unsigned char)*p) || (*p == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && labels >= 1;
}

int
secinfo_email_normalize(const struct secinfo_conf *conf, const char *address,
			char out[SECINFO_EMAIL_MAX + 1], const char **why)
{
	const char *at = strrchr(address, '@');
	size_t local_len, n;

	out[0] = '\0';
	for (const char *p = address; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == '"' ||
		    *p == ',' || *p == ';' || *p == '\\') {
			*why = "an e-mail address cannot contain spaces, control characters or "
			       "<>\",;\\";
			return SECINFO_ERR_INVALID;
		}
	}
	for (const char *p = address; *p != '\0'; p += n) {
		if ((n = secinfo_email_char_len(p)) == 0) {
			*why = "an e-mail address must be valid UTF-8 text";
			return SECINFO_ERR_INVALID;
		}
	}
	if (strlen(address) > SECINFO_EMAIL_MAX || at == NULL || strchr(address, '@') != at) {
		*why = "write one address such as name@example.net";
		return SECINFO_ERR_INVALID;
	}
	local_len = (size_t)(at - address);
	if (local_len == 0 || local_len > 64 || address[0] == '.' || at[-1] == '.' ||
	    strstr(address, "..") != NULL) {
		*why = "the part before @ is not valid";
		return SECINFO_ERR_INVALID;
	}
	if (!secinfo_email_domain_ok(at + 1)) {
		*why = "the domain after @ is not valid";
		return SECINFO_ERR_INVALID;
	}
	snprintf(out, SECINFO_EMAIL_MAX + 1, "%s", address);
	for (char *p = out + local_len + 1; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	if (conf != NULL && secinfo_conf_domain_blocked(conf, out + local_len + 1)) {
		*why = "a work or school address cannot be used; use a personal address";
		out[0] = '\0';
		return SECINFO_ERR_DENIED;
	}
	return 0;
}

void
secinfo_email_mask(const char *address, char *out, unsigned out_size)
{
	const char *at = strrchr(address, '@');
	size_t n = secinfo_email_char_len(address);

	/* The whole first character: a piece of one would not print. */
	if (at == NULL || at == address || n == 0 || address + n > at)
		snprintf(out, out_size, "***");
	else
		snprintf(out, out_size, "%.*s***%s", (int)n, address, at);
}
