/*
 * secinfo: what a set-user-id program does before it trusts anything, as shadow-utils' passwd
 * and chsh do: descriptors 0-2 open, an environment of our own, signals held off while a
 * change is written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"
#include "secinfo.h"

void
secinfo_setuid_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		/* The lowest free descriptor: FD itself, since those below it are open. */
		null = open("/dev/null", O_RDWR | O_NOCTTY);
		if (null != fd)
			_exit(1); /* nothing can be said: stderr may be what is missing */
	}
}

/* A locale value we pass on: a plain name such as "C.UTF-8", "de_DE@euro"; no path. */
static int
secinfo_setuid_locale_safe(const char *value)
{
	size_t n = strlen(value);

	if (n == 0 || n > 64 || strstr(value, "..") != NULL)
		return 0;
	return strspn(value,
		      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-@") == n;
}

/* The variables that may stay, when their value is safe. */
static const char *const secinfo_setuid_locale_vars[] = {
	"LANG",       "LANGUAGE",          "LC_ALL",
	"LC_CTYPE",   "LC_MESSAGES",       "LC_COLLATE",
	"LC_NUMERIC", "LC_TIME",           "LC_MONETARY",
	"LC_ADDRESS", "LC_IDENTIFICATION", "LC_MEASUREMENT",
	"LC_NAME",    "LC_PAPER",          "LC_TELEPHONE",
};
#define SECINFO_SETUID_LOCALE_VARS (sizeof(secinfo_setuid_locale_vars) / sizeof(char *))

int
secinfo_setuid_environment(void)
{
	char *keep[SECINFO_SETUID_LOCALE_VARS] = {0};
	int rc = 0;

	for (size_t i = 0; i < SECINFO_SETUID_LOCALE_VARS; i++) {
		const char *value = getenv(secinfo_setuid_locale_vars[i]);
		if (value != NULL && secinfo_setuid_locale_safe(value) &&
		    (keep[i] = strdup(value)) == NULL)
			rc = SECINFO_ERR_NOMEM;
	}
	if (clearenv() != 0)
		rc = SECINFO_ERR_NOMEM;
	if (rc == 0 && setenv("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", 1) != 0)
		rc = SECINFO_ERR_NOMEM;
	for (size_t i = 0; i < SECINFO_SETUID_LOCALE_VARS; i++) {
		if (rc == 0 && keep[i] != NULL &&
		    setenv(secinfo_setuid_locale_vars[i], keep[i], 1) != 0)
			rc = SECINFO_ERR_NOMEM;
		free(keep[i]);
	}
	return rc;
}

int
secinfo_setuid_limits(void)
{
	static const struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY}, none = {0, 0};
	struct rlimit fsize;
	static const int signals[] = {SIGXFSZ, SIGPIPE, SIGINT,  SIGQUIT, SIGTSTP,
				      SIGHUP,  SIGTERM, SIGALRM, SIGCHLD};
	sigset_t all;
	int rc = 0;

	/* A caller's 'ulimit -f' must not cut a write to the shared store short (root may lift
	 * even the hard limit; without CAP_SYS_RESOURCE, as in some containers, the soft limit
	 * goes up to the hard one, and a write past that is refused as a whole by sqlite), nor
	 * a core file hold what this process read. */
	if (setrlimit(RLIMIT_FSIZE, &unlimited) != 0) {
		if (getrlimit(RLIMIT_FSIZE, &fsize) == 0) {
			fsize.rlim_cur = fsize.rlim_max;
			if (setrlimit(RLIMIT_FSIZE, &fsize) != 0)
				rc = SECINFO_ERR_INTERNAL;
		} else {
			rc = SECINFO_ERR_INTERNAL;
		}
	}
	if (setrlimit(RLIMIT_CORE, &none) != 0)
		rc = SECINFO_ERR_INTERNAL;
	/* Signals as the system sets them, not as the caller left them: an ignored SIGXFSZ or
	 * SIGPIPE changes what a failed write does, a blocked one when it happens. */
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (signal(signals[i], SIG_DFL) == SIG_ERR)
			rc = SECINFO_ERR_INTERNAL;
	sigemptyset(&all);
	if (sigprocmask(SIG_SETMASK, &all, NULL) != 0)
		rc = SECINFO_ERR_INTERNAL;
	return rc;
}

int
secinfo_setuid_guard_raise(struct secinfo_setuid_guard *guard)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTSTP);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGPIPE);
	if (sigprocmask(SIG_BLOCK, &set, &guard->saved) != 0)
		return SECINFO_ERR_INTERNAL;
	if (secinfo_shield_raise(&guard->shield) != 0) {
		sigprocmask(SIG_SETMASK, &guard->saved, NULL);
		return SECINFO_ERR_INTERNAL;
	}
	return 0;
}

void
secinfo_setuid_guard_lower(struct secinfo_setuid_guard *guard)
{
	secinfo_shield_lower(&guard->shield);
	sigprocmask(SIG_SETMASK, &guard->saved, NULL);
}

static void secinfo_cmd_vsay(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void
secinfo_cmd_vsay(const char *fmt, va_list ap)
{
	fflush(stdout); /* keep the message after what the command already printed */
	fputs("secinfo: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
secinfo_cmd_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	secinfo_cmd_vsay(fmt, ap);
	va_end(ap);
	return SECINFO_ERR_DENIED;
}

int
secinfo_cmd_usage_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	secinfo_cmd_vsay(fmt, ap);
	va_end(ap);
	return SECINFO_ERR_USAGE;
}
