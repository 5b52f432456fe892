/* secinfo delivery: libcurl's memory, wiped when libcurl frees it. */
#ifndef SECINFO_DELIVERY_CURL_ALLOC_H
#define SECINFO_DELIVERY_CURL_ALLOC_H

#include <curl/curl.h>

/*
 * curl_global_init_mem with allocators that wipe every block libcurl frees or moves: the
 * request it composes (headers, a form body with the code and the number), the gateway's
 * answer, the SMTP message. FLAGS as for curl_global_init. Reference counted like it: when
 * libcurl was already initialised by someone else in this process, libcurl keeps that
 * caller's allocators (see secinfo_curl_alloc_active). Returns libcurl's result.
 */
CURLcode secinfo_curl_global_init(long flags);

/* Returns 1 when libcurl allocates through the wiping allocators now, else 0 (another part
 * of the process initialised libcurl first). */
int secinfo_curl_alloc_active(void);

#endif
