/* secinfo: untrusted text (PAM items, user input) made safe for logs and audit rows. */
#ifndef SECINFO_ESCAPE_H
#define SECINFO_ESCAPE_H

#include <stddef.h>

/* Copies IN to OUT (always NUL-terminated, truncated to SIZE) with control characters,
 * backslashes and bytes >= 0x7f written as \xNN. NULL becomes "". Returns OUT. */
char *secinfo_escape(const char *in, char *out, size_t size);

#endif
