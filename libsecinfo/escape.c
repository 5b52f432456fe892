#include "config.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

/* Bytes that are written as \xNN: control characters, non-ASCII, and the characters that
 * would let a value pose as another field of a "key=value" log line. */
static int
secinfo_escape_needed(unsigned char c)
{
	return c < 0x21 || c >= 0x7f || c == '\\' || c == '=' || c == '"';
}

char *
secinfo_escape(const char *in, char *out, size_t size)
{
	size_t pos = 0, total = 0, room;

	if (size == 0)
		return out;
	for (const char *p = in; p != NULL && *p != '\0'; p++)
		total += secinfo_escape_needed((unsigned char)*p) ? 4 : 1;
	/* A value that must be cut keeps room for "...", so two long values never look the same;
	 * an escape is never split. */
	room = total < size ? size - 1 : (size >= 4 ? size - 4 : 0);
	for (; in != NULL && *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		if (!secinfo_escape_needed(c) && pos + 1 <= room)
			out[pos++] = (char)c;
		else if (secinfo_escape_needed(c) && pos + 4 <= room)
			pos += (size_t)snprintf(out + pos, size - pos, "\\x%02x", c);
		else
			break;
	}
	if (total >= size && size >= 4) {
		memcpy(out + pos, "...", 3);
		pos += 3;
	}
	out[pos] = '\0';
	return out;
}
