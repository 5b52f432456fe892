/*
 * secinfo C tests, unit and PAM alike: the one assertion helper.
 *
 * CHECK(cond, fmt, ...) prints "ok N - message" or "not ok N - message" followed by the file,
 * line and failed expression, and counts failures. CHECK_INT and CHECK_STR also print what
 * was expected and what came back. A test's main() ends with `return check_summary();`, which
 * prints a TAP plan line and returns 0 when every check passed, 1 otherwise (the exit status
 * is what automake's test driver reads; 77 means skipped).
 */
#ifndef SECINFO_TEST_CHECK_H
#define SECINFO_TEST_CHECK_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CHECK_SKIP 77

static unsigned check_count, check_failures;

static inline void __attribute__((format(printf, 5, 0)))
check_vreport(int ok, const char *file, int line, const char *expr, const char *fmt, va_list ap)
{
	check_count++;
	printf("%s %u - ", ok ? "ok" : "not ok", check_count);
	vprintf(fmt, ap);
	putchar('\n');
	if (!ok) {
		check_failures++;
		printf("#   %s:%d: check failed: %s\n", file, line, expr);
	}
	fflush(stdout);
}

static inline int __attribute__((format(printf, 5, 6)))
check_report(int ok, const char *file, int line, const char *expr, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	check_vreport(ok, file, line, expr, fmt, ap);
	va_end(ap);
	return ok;
}

static inline int __attribute__((format(printf, 6, 7)))
check_report_int(long long actual, long long expected, const char *file, int line, const char *expr,
		 const char *fmt, ...)
{
	int ok = actual == expected;
	va_list ap;

	va_start(ap, fmt);
	check_vreport(ok, file, line, expr, fmt, ap);
	va_end(ap);
	if (!ok)
		printf("#   expected %lld, got %lld\n", expected, actual);
	return ok;
}

static inline int __attribute__((format(printf, 6, 7)))
check_report_str(const char *actual, const char *expected, const char *file, int line,
		 const char *expr, const char *fmt, ...)
{
	int ok = actual != NULL && expected != NULL ? strcmp(actual, expected) == 0
						    : actual == expected;
	va_list ap;

	va_start(ap, fmt);
	check_vreport(ok, file, line, expr, fmt, ap);
	va_end(ap);
	if (!ok)
		printf("#   expected \"%s\", got \"%s\"\n", expected != NULL ? expected : "(null)",
		       actual != NULL ? actual : "(null)");
	return ok;
}

/* Each returns 1 when the check passed, so a test can skip what depends on it. */
#define CHECK(cond, ...) check_report(!!(cond), __FILE__, __LINE__, #cond, __VA_ARGS__)
#define CHECK_INT(actual, expected, ...)                                                           \
	check_report_int((long long)(actual), (long long)(expected), __FILE__, __LINE__,           \
			 #actual " == " #expected, __VA_ARGS__)
#define CHECK_STR(actual, expected, ...)                                                           \
	check_report_str((actual), (expected), __FILE__, __LINE__, #actual " == " #expected,       \
			 __VA_ARGS__)

/* Prints the plan and the tally. Returns the exit status: 0 all passed, 1 otherwise. */
static inline int
check_summary(void)
{
	printf("1..%u\n", check_count);
	if (check_failures != 0)
		printf("# %u of %u checks failed\n", check_failures, check_count);
	else
		printf("# all %u checks passed\n", check_count);
	fflush(stdout);
	return check_failures == 0 && check_count > 0 ? 0 : 1;
}

#endif
