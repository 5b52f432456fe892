#include "config.h"

#include <stdio.h>

#include "escape.h"

char *
secinfo_escape(const char *in, char *out, size_t size)
{
	size_t pos = 0;

	if (size == 0)
		return out;
	for (; in != NULL && *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (pos + 1 >= size)
				break;
			out[pos++] = (char)c;
		} else {
			if (pos + 4 >= size)
				break;
			snprintf(out + pos, size - pos, "\\x%02x", c);
			pos += 4;
		}
	}
	out[pos] = '\0';
	return out;
}
