#include "config.h"

#include <stdio.h>
#include <string.h>

#include "escape.h"

/* Bytes that are written as \xNN: control characters, non-ASCII and the backslash; for log
 * fields (STRICT) also the characters that would let a value pose as another "key=value"
 * field of the line. */
static int
secinfo_escape_needed(unsigned char c, int strict)
{
	if (c < 0x20 || c >= 0x7f || c == '\\')
		return 1;
	return strict && (c == ' ' || c == '=' || c == '"');
}

static char *
secinfo_escape_mode(const char *in, char *out, size_t size, int strict)
{
	size_t pos = 0, total = 0, room;

	if (size == 0)
		return out;
	for (const char *p = in; p != NULL && *p != '\0'; p++)
		total += secinfo_escape_needed((unsigned char)*p, strict) ? 4 : 1;
	/* A value that must be cut keeps room for "...", so two long values never look the same;
	 * an escape is never split. */
	room = total < size ? size - 1 : (size >= 4 ? size - 4 : 0);
	for (; in != NULL && *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		int escape = secinfo_escape_needed(c, strict);
		if (!escape && pos + 1 <= room)
			out[pos++] = (char)c;
		else if (escape && pos + 4 <= room)
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

char *
secinfo_escape(const char *in, char *out, size_t size)
{
	return secinfo_escape_mode(in, out, size, 1);
}

char *
secinfo_escape_text(const char *in, char *out, size_t size)
{
	return secinfo_escape_mode(in, out, size, 0);
}
