/* secinfo: untrusted text (PAM items, user input) made safe for logs and audit rows. */
#ifndef SECINFO_ESCAPE_H
#define SECINFO_ESCAPE_H

#include <stddef.h>

/* Copies IN to OUT (always NUL-terminated) with control characters, spaces, '=', '"',
 * backslashes and bytes >= 0x7f written as \xNN, so a value can neither break a log line nor
 * pose as another "key=value" field. A value cut to fit SIZE ends in "...". NULL becomes "".
 * Returns OUT. */
char *secinfo_escape(const char *in, char *out, size_t size);

/* The same for text shown to a person (secinfo-admin tables and messages): spaces, '=' and
 * '"' are kept; control characters, backslashes and bytes >= 0x7f are still \xNN. */
char *secinfo_escape_text(const char *in, char *out, size_t size);

#endif
