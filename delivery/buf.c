#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "crypto.h"

/* Grows by copying into a new block and wiping the old one (realloc could leave a copy of a
 * secret in freed memory). */
static int
secinfo_buf_reserve(struct secinfo_buf *buf, size_t more)
{
	size_t size;
	char *data;

	if (buf->failed)
		return -1;
	if (buf->len + more + 1 <= buf->size)
		return 0;
	if (more > ((size_t)-1) / 4 - buf->len) {
		buf->failed = 1;
		return -1;
	}
	size = buf->size == 0 ? 256 : buf->size;
	while (size < buf->len + more + 1)
		size *= 2;
	data = malloc(size);
	if (data == NULL) {
		buf->failed = 1;
		return -1;
	}
	if (buf->data != NULL) {
		memcpy(data, buf->data, buf->len + 1);
		secinfo_wipe(buf->data, buf->size);
		free(buf->data);
	}
	buf->data = data;
	buf->size = size;
	return 0;
}

void
secinfo_buf_append(struct secinfo_buf *buf, const char *text, size_t len)
{
	if (secinfo_buf_reserve(buf, len) != 0)
		return;
	if (len > 0) /* TEXT may be NULL then: another buffer that is still empty */
		memcpy(buf->data + buf->len, text, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
}

void
secinfo_buf_append_str(struct secinfo_buf *buf, const char *text)
{
	secinfo_buf_append(buf, text, strlen(text));
}

const char *
secinfo_buf_text(const struct secinfo_buf *buf)
{
	return buf->data != NULL ? buf->data : "";
}

void
secinfo_buf_free(struct secinfo_buf *buf)
{
	if (buf->data != NULL) {
		secinfo_wipe(buf->data, buf->size);
		free(buf->data);
	}
	memset(buf, 0, sizeof(*buf));
}
