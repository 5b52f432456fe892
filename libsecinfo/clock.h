/* secinfo: the monotonic clock in milliseconds, for bounding waits (a header only: the plugins
 * use it too, without linking more of libsecinfo). */
#ifndef SECINFO_CLOCK_H
#define SECINFO_CLOCK_H

#include <time.h>

/* Milliseconds on the monotonic clock; 0 if it cannot be read (no bound then comes sooner
 * than asked: callers compare differences). */
static inline long long
secinfo_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

#endif
