#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "phone.h"

/* Returns 1 when S (from an extension marker on) is an extension: marker, separators, digits. */
static int
secinfo_phone_is_extension(const char *s)
{
	static const char *const markers[] = {";ext=", "extension", "ext.", "ext", "x", "#", NULL};
	size_t n = 0;

	for (int i = 0; markers[i] != NULL; i++) {
		n = strlen(markers[i]);
		if (strncasecmp(s, markers[i], n) == 0)
			break;
		n = 0;
	}
	if (n == 0)
		return 0;
	s += n;
	s += strspn(s, " .:=");
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

int
secinfo_phone_normalize(const char *input, unsigned default_country,
			char out[SECINFO_PHONE_MAX + 1], int *extension_removed, const char **why)
{
	char digits[64];
	size_t n = 0, start = 0;
	int plus = 0;

	*extension_removed = 0;
	out[0] = '\0';
	while (isspace((unsigned char)*input))
		input++;
	for (const char *p = input; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (isdigit(c)) {
			if (n + 1 >= sizeof(digits)) {
				*why = "the number is too long";
				return SECINFO_ERR_INVALID;
			}
			digits[n++] = (char)c;
		} else if (c == '+' && p == input) {
			plus = 1;
		} else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' ||
			   c == '\t') {
			continue;
		} else if (n > 0 && secinfo_phone_is_extension(p)) {
			*extension_removed = 1;
			break;
		} else {
			*why = "it contains a character that is not part of a phone number";
			return SECINFO_ERR_INVALID;
		}
	}
	digits[n] = '\0';
	if (!plus && n >= 2 && digits[0] == '0' && digits[1] == '0') {
		plus = 1;
		start = 2;
	}
	if (plus) {
		if (snprintf(out, SECINFO_PHONE_MAX + 1, "+%s", digits + start) >
		    SECINFO_PHONE_MAX) {
			*why = "an international number has at most 15 digits";
			out[0] = '\0';
			return SECINFO_ERR_INVALID;
		}
	} else {
		if (default_country == 0) {
			*why = "write the number with its country code (+CC), or set [sms] "
			       "default_country";
			return SECINFO_ERR_INVALID;
		}
		if (n > 0 && digits[0] == '0')
			start = 1; /* national trunk prefix */
		if (snprintf(out, SECINFO_PHONE_MAX + 1, "+%u%s", default_country, digits + start) >
		    SECINFO_PHONE_MAX) {
			*why = "an international number has at most 15 digits";
			out[0] = '\0';
			return SECINFO_ERR_INVALID;
		}
	}
	n = strlen(out) - 1;
	if (n < 7 || n > 15) {
		*why = "a phone number with its country code has 7 to 15 digits";
		out[0] = '\0';
		return SECINFO_ERR_INVALID;
	}
	if (out[1] == '0') {
		*why = "a country code never starts with 0";
		out[0] = '\0';
		return SECINFO_ERR_INVALID;
	}
	return 0;
}

void
secinfo_phone_mask(const char *phone, char *out, unsigned out_size)
{
	/* The country code is not secret and helps the user recognise the number; E.164 does not
	 * mark where it ends, so show the first digit group the way the spec's example does. */
	size_t len = strlen(phone), cc = len > 1 && phone[1] == '1' ? 1 : (len > 3 ? 2 : 1);
	size_t pos = 0;

	if (out_size == 0)
		return;
	if (len < 4 || phone[0] != '+') {
		snprintf(out, out_size, "XXXX");
		return;
	}
	pos = (size_t)snprintf(out, out_size, "+%.*s ", (int)cc, phone + 1);
	if (pos >= out_size)
		return; /* truncated (and terminated) by snprintf; out + pos is past the end */
	for (size_t i = 1 + cc; i + 2 < len && pos + 1 < out_size; i++)
		out[pos++] = 'X';
	if (pos < out_size)
		out[pos] = '\0';
	snprintf(out + pos, out_size - pos, "%s", phone + len - 2);
}
