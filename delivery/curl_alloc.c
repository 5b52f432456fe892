/*
 * secinfo delivery: allocators for libcurl (curl_global_init_mem) that wipe what they free.
 * libcurl copies what a send holds into blocks of its own (the request line and headers, a
 * small POST body sent with them, the answer's receive buffer) and frees them without
 * clearing: a core dump after a sign-in then shows the code and the phone number. Each block
 * carries its size in a header before it, so that free can wipe it whole.
 *
 * What this does not reach: memory that libcurl's TLS library (OpenSSL) allocates itself and
 * frees through its own allocator (delivery.c asks it to cleanse received plaintext with
 * SSL_OP_CLEANSE_PLAINTEXT when built with OpenSSL 3's headers); the kernel's socket buffers;
 * and a process where something else initialised libcurl before the plugin (libcurl then
 * keeps that caller's allocators: secinfo_curl_alloc_active says so).
 */
#include "config.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "curl_alloc.h"

/* The header before each block: its size, padded so that the block keeps malloc's alignment. */
#define SECINFO_CURL_HEADER                                                                        \
	(sizeof(size_t) > alignof(max_align_t) ? sizeof(size_t) : alignof(max_align_t))

/* Blocks handed out by the allocators below: proves they are in use. */
static size_t secinfo_curl_blocks;

static void *
secinfo_curl_malloc(size_t size)
{
	unsigned char *block;

	if (size > SIZE_MAX - SECINFO_CURL_HEADER)
		return NULL;
	block = malloc(SECINFO_CURL_HEADER + size);
	if (block == NULL)
		return NULL;
	memcpy(block, &size, sizeof(size));
	secinfo_curl_blocks++;
	return block + SECINFO_CURL_HEADER;
}

/* The size that secinfo_curl_malloc stored before P. */
static size_t
secinfo_curl_size(const void *p)
{
	size_t size;

	memcpy(&size, (const unsigned char *)p - SECINFO_CURL_HEADER, sizeof(size));
	return size;
}

static void
secinfo_curl_free(void *p)
{
	if (p == NULL)
		return;
	secinfo_wipe(p, secinfo_curl_size(p));
	free((unsigned char *)p - SECINFO_CURL_HEADER);
}

/* Never realloc in place: the old block is copied, then wiped and freed. */
static void *
secinfo_curl_realloc(void *p, size_t size)
{
	size_t old;
	void *grown;

	if (p == NULL)
		return secinfo_curl_malloc(size);
	grown = secinfo_curl_malloc(size);
	if (grown == NULL)
		return NULL; /* P stays valid, as realloc leaves it */
	old = secinfo_curl_size(p);
	memcpy(grown, p, old < size ? old : size);
	secinfo_curl_free(p);
	return grown;
}

static char *
secinfo_curl_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *copy = secinfo_curl_malloc(n);

	if (copy != NULL)
		memcpy(copy, s, n);
	return copy;
}

static void *
secinfo_curl_calloc(size_t count, size_t size)
{
	void *p;

	if (size != 0 && count > SIZE_MAX / size)
		return NULL;
	p = secinfo_curl_malloc(count * size);
	if (p != NULL)
		memset(p, 0, count * size);
	return p;
}

CURLcode
secinfo_curl_global_init(long flags)
{
	return curl_global_init_mem(flags, secinfo_curl_malloc, secinfo_curl_free,
				    secinfo_curl_realloc, secinfo_curl_strdup, secinfo_curl_calloc);
}

int
secinfo_curl_alloc_active(void)
{
	size_t before = secinfo_curl_blocks;
	char *probe = curl_easy_escape(NULL, "x", 1); /* a block from libcurl's allocator */
	int active = probe != NULL && secinfo_curl_blocks != before;

	curl_free(probe);
	return active;
}
