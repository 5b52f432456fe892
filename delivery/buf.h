/* secinfo delivery: a growing text buffer for requests that hold secrets (the code, a token):
 * every copy it leaves behind is wiped. */
#ifndef SECINFO_DELIVERY_BUF_H
#define SECINFO_DELIVERY_BUF_H

#include <stddef.h>

/* Starts zeroed ({0}); always NUL-terminated once anything was appended. A failed allocation
 * sets FAILED, after which appends do nothing: check it once at the end. */
struct secinfo_buf {
	char *data;
	size_t len, size;
	int failed;
};

/* Appends LEN bytes of TEXT (which may be NULL when LEN is 0). */
void secinfo_buf_append(struct secinfo_buf *buf, const char *text, size_t len);

/* Appends the string TEXT. */
void secinfo_buf_append_str(struct secinfo_buf *buf, const char *text);

/* Returns the text ("" when nothing was appended); never NULL. */
const char *secinfo_buf_text(const struct secinfo_buf *buf);

/* Wipes and frees the buffer and zeroes the struct; accepts an empty one. */
void secinfo_buf_free(struct secinfo_buf *buf);

#endif
