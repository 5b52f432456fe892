/*
 * secinfo tests: after a send, no block that was freed held the code or the phone number
 * (issue 9: both stayed in libcurl's freed buffers and showed in a core dump).
 *
 * This program replaces malloc, calloc, realloc and free for the whole process (glibc lets the
 * executable interpose them; the blocks come from glibc's __libc_* functions) and scans every
 * block when it is freed, up to malloc_usable_size, for the code and the number. A wiping
 * allocator has cleared a block before it reaches free; one that does not is caught here.
 * A self-test first proves that a block freed with the code in it is caught.
 *
 * Usage: wipe CONFIG_FILE sms|call|email E164|ADDRESS CODE [NEEDLE...]
 * Prints how many blocks were freed and how many held the code or a NEEDLE (the number in the
 * forms the gateway may see it), and tls_cleanse=yes when the build asks OpenSSL to cleanse
 * received plaintext (configure found OpenSSL 3's headers); exits 0 when none did, 1 when one did, 2 on a usage error,
 * 77 in a sanitizer build (which owns malloc itself).
 */
#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "curl_alloc.h"
#include "delivery.h"
#include "delivery_internal.h"
#include "error.h"

#if defined(__SANITIZE_ADDRESS__)
#define SECINFO_WIPE_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SECINFO_WIPE_SANITIZED 1
#endif
#endif

#ifndef SECINFO_WIPE_SANITIZED
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

/* Exported (the build hides symbols by default), so that libcurl and libc call these. */
#define SECINFO_WIPE_EXPORT __attribute__((visibility("default")))

#define SECINFO_WIPE_NEEDLES 8

/* What the scan looks for, and what it found. Set before the send, read after. */
static const char *secinfo_wipe_needles[SECINFO_WIPE_NEEDLES];
static size_t secinfo_wipe_n_needles, secinfo_wipe_freed, secinfo_wipe_dirty;
static size_t secinfo_wipe_found[SECINFO_WIPE_NEEDLES];
static int secinfo_wipe_scanning;

/* Scans the block at P (being freed or moved) for every needle. */
static void
secinfo_wipe_scan(void *p)
{
	size_t size;
	int dirty = 0;

	if (p == NULL || !secinfo_wipe_scanning)
		return;
	size = malloc_usable_size(p);
	secinfo_wipe_freed++;
	for (size_t i = 0; i < secinfo_wipe_n_needles; i++) {
		if (memmem(p, size, secinfo_wipe_needles[i], strlen(secinfo_wipe_needles[i])) !=
		    NULL) {
			secinfo_wipe_found[i]++;
			dirty = 1;
		}
	}
	secinfo_wipe_dirty += (size_t)dirty;
}

SECINFO_WIPE_EXPORT void *
malloc(size_t size)
{
	return __libc_malloc(size);
}

SECINFO_WIPE_EXPORT void *
calloc(size_t count, size_t size)
{
	return __libc_calloc(count, size);
}

/* glibc's realloc may move the block and free the old one: that one is scanned too (a grown
 * block in place keeps its bytes, which the final free then scans). */
SECINFO_WIPE_EXPORT void *
realloc(void *p, size_t size)
{
	void *moved;
	size_t old;

	if (p == NULL || !secinfo_wipe_scanning)
		return __libc_realloc(p, size);
	old = malloc_usable_size(p);
	moved = __libc_malloc(size != 0 ? size : 1);
	if (moved == NULL)
		return NULL;
	memcpy(moved, p, old < size ? old : size);
	secinfo_wipe_scan(p);
	__libc_free(p);
	return moved;
}

SECINFO_WIPE_EXPORT void
free(void *p)
{
	secinfo_wipe_scan(p);
	__libc_free(p);
}

/* Proves that the interposition works: a block freed with the code in it is counted. */
static int
secinfo_wipe_self_test(const char *code)
{
	size_t n = strlen(code);
	char *volatile block = malloc(n + 32);
	int caught;

	if (block == NULL)
		return 0;
	memcpy(block, "stale: ", 7);
	memcpy(block + 7, code, n + 1);
	secinfo_wipe_scanning = 1;
	free(block);
	secinfo_wipe_scanning = 0;
	caught = secinfo_wipe_found[0] == 1;
	memset(secinfo_wipe_found, 0, sizeof(secinfo_wipe_found));
	secinfo_wipe_freed = secinfo_wipe_dirty = 0;
	return caught;
}
#endif

int
main(int argc, char **argv)
{
#ifdef SECINFO_WIPE_SANITIZED
	puts("SKIP: a sanitizer build owns malloc; this test replaces it");
	return 77;
#else
	struct secinfo_delivery_request request = {0};
	struct secinfo_delivery_result result;
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	int rc;

	if (argc < 5 || argc - 4 > SECINFO_WIPE_NEEDLES ||
	    (strcmp(argv[2], "sms") != 0 && strcmp(argv[2], "call") != 0 &&
	     strcmp(argv[2], "email") != 0)) {
		fprintf(stderr, "usage: wipe CONFIG_FILE sms|call|email E164|ADDRESS CODE "
				"[NEEDLE...]\n");
		return 2;
	}
	secinfo_wipe_needles[secinfo_wipe_n_needles++] = argv[4]; /* the code first */
	for (int i = 5; i < argc; i++)
		secinfo_wipe_needles[secinfo_wipe_n_needles++] = argv[i];
	if (!secinfo_wipe_self_test(argv[4])) {
		puts("FAIL: the self-test did not catch a freed block holding the code: the scan "
		     "would prove nothing");
		return 1;
	}
	rc = secinfo_conf_load(argv[1], &conf, &problems);
	secinfo_problems_free(&problems);
	if (rc != 0) {
		fprintf(stderr, "wipe: cannot load %s: %s\n", argv[1], secinfo_strerror(rc));
		return 2;
	}
	request.channel = strcmp(argv[2], "sms") == 0    ? SECINFO_CHANNEL_SMS
			  : strcmp(argv[2], "call") == 0 ? SECINFO_CHANNEL_CALL
							 : SECINFO_CHANNEL_EMAIL;
	request.to = argv[3];
	request.code = argv[4];
	request.user = "alice";
	/* The plugin's allocators are the ones libcurl uses (nobody initialised it before). */
	if (secinfo_delivery_global_init() != 0 || !secinfo_curl_alloc_active()) {
		puts("FAIL: libcurl does not allocate through the wiping allocators");
		return 1;
	}
	secinfo_delivery_global_cleanup();
	secinfo_wipe_scanning = 1;
	rc = secinfo_delivery_send(conf, &request, &result);
	secinfo_wipe_scanning = 0;
	secinfo_conf_free(conf);
	printf("send: %s (status %ld: %s)\n", rc == 0 ? "accepted" : "failed", result.http_status,
	       result.detail);
#ifdef HAVE_OPENSSL_CLEANSE
	puts("tls_cleanse=yes");
#else
	puts("tls_cleanse=no");
#endif
	printf("freed blocks scanned: %zu; holding a secret: %zu\n", secinfo_wipe_freed,
	       secinfo_wipe_dirty);
	for (size_t i = 0; i < secinfo_wipe_n_needles; i++)
		printf("  blocks holding %s '%s': %zu\n", i == 0 ? "the code" : "needle",
		       secinfo_wipe_needles[i], secinfo_wipe_found[i]);
	if (rc != 0)
		return 2;
	return secinfo_wipe_dirty == 0 ? 0 : 1;
#endif
}
