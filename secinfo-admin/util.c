#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "crypto.h"
#include "error.h"
#include "kind.h"
#include "username.h"

static void secinfo_admin_vsay(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static void
secinfo_admin_vsay(const char *fmt, va_list ap)
{
	fflush(stdout); /* keep the message after what the command already printed */
	fputs("secinfo-admin: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
secinfo_admin_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	secinfo_admin_vsay(fmt, ap);
	va_end(ap);
	return SECINFO_ERR_DENIED;
}

int
secinfo_admin_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	secinfo_admin_vsay(fmt, ap);
	va_end(ap);
	return err < 0 ? err : SECINFO_ERR_INTERNAL;
}

int
secinfo_admin_exit_status(int rc)
{
	return rc == 0 ? 0 : rc == SECINFO_ERR_USAGE ? 2 : 1;
}

int
secinfo_admin_usage_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	secinfo_admin_vsay(fmt, ap);
	va_end(ap);
	return SECINFO_ERR_USAGE;
}

int
secinfo_admin_load_conf(struct secinfo_admin *admin)
{
	struct secinfo_problems problems = {0};
	int rc;

	if (admin->conf != NULL)
		return SECINFO_OK;
	rc = secinfo_conf_load(admin->conf_path, &admin->conf, &problems);
	/* Warnings are for 'check'; a command that cannot run shows why. */
	for (size_t i = 0; rc != 0 && i < problems.count; i++)
		if (problems.is_error[i])
			secinfo_admin_fail("%s", problems.text[i]);
	secinfo_problems_free(&problems);
	if (rc != 0)
		return secinfo_admin_fail("cannot use the configuration %s (%s); "
					  "'secinfo-admin check' lists every problem",
					  admin->conf_path, secinfo_strerror(rc));
	return SECINFO_OK;
}

int
secinfo_admin_open(struct secinfo_admin *admin)
{
	char why[1024] = "";
	int rc;

	rc = secinfo_admin_load_conf(admin);
	if (rc != 0)
		return rc;
	rc = secinfo_store_open(admin->conf, 0, &admin->store, why, sizeof(why));
	if (rc == SECINFO_ERR_NOT_FOUND)
		return secinfo_admin_fail("cannot open the database: %s; run 'secinfo-admin init' "
					  "to create the database and the key",
					  why);
	if (rc != 0)
		return secinfo_admin_fail(
			"cannot open the database: %s (%s); 'secinfo-admin check' "
			"shows what to fix",
			why, secinfo_strerror(rc));
	return SECINFO_OK;
}

void
secinfo_admin_close(struct secinfo_admin *admin)
{
	secinfo_store_close(admin->store);
	secinfo_conf_free(admin->conf);
	admin->store = NULL;
	admin->conf = NULL;
}

int
secinfo_admin_user_load(struct secinfo_admin *admin, const char *name, struct secinfo_user **user)
{
	int rc = secinfo_store_user_get(admin->store, name, user);

	if (rc == SECINFO_ERR_NOT_FOUND)
		return secinfo_admin_fail(
			"there is no user '%s' in the database; 'secinfo-admin user "
			"list' shows the enrolled users",
			name);
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot read user '%s': %s", name,
					   secinfo_strerror(rc));
	return SECINFO_OK;
}

int
secinfo_admin_user_name_check(const char *name)
{
	/* The module's own rule: a name it refuses at sign-in cannot be enrolled either. */
	if (secinfo_username_check(name) != 0)
		return secinfo_admin_fail("a user name has 1 to %d bytes, no control character and "
					  "no space at either end",
					  SECINFO_USERNAME_MAX);
	return SECINFO_OK;
}

void
secinfo_admin_user_name_canonical(const char *typed, char *name, size_t size)
{
	int known = 0, rc = secinfo_username_canonical(typed, name, size, &known);

	fflush(stdout);
	if (rc != 0) {
		snprintf(name, size, "%s", typed);
		fprintf(stderr,
			"secinfo-admin: warning: cannot look up user '%s' in the name service: "
			"%s\n",
			typed, secinfo_strerror(rc));
	} else if (!known) {
		fprintf(stderr,
			"secinfo-admin: warning: the name service does not know a user '%s' "
			"(getent passwd %s finds nothing); check the spelling: the module only "
			"sees the name a user signs in with\n",
			typed, typed);
	} else if (strcmp(name, typed) != 0) {
		fprintf(stderr,
			"secinfo-admin: the name service calls '%s' '%s': enrolling '%s', the "
			"name the module looks up\n",
			typed, name, name);
	}
}

int
secinfo_admin_audit(struct secinfo_admin *admin, const char *user, const char *method,
		    const char *event)
{
	struct secinfo_audit_entry entry = {
		.time = (long long)admin->now,
		.user = user,
		.service = "secinfo-admin",
		.rhost = "",
		.method = method,
		.event = event,
		.result = "success",
		.actor = "root",
	};

	return secinfo_store_audit(admin->store, &entry);
}

int
secinfo_admin_end(struct secinfo_admin *admin, int rc, const char *user, const char *method,
		  const char *event)
{
	if (rc == 0)
		rc = secinfo_admin_audit(admin, user, method, event);
	if (rc == 0)
		rc = secinfo_store_commit(admin->store);
	if (rc != 0)
		secinfo_store_rollback(admin->store);
	return rc;
}

void
secinfo_admin_time(long long t, int iso, char *out, size_t size)
{
	time_t when = (time_t)t;
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(out, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(out, size, "%lld", t);
}

/* Reads exactly N digits at *P into *value and moves *P past them. Returns 0 or -1. */
static int
secinfo_admin_digits(const char **p, int n, int *value)
{
	*value = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		*value = *value * 10 + (**p - '0');
	}
	return 0;
}

/* Parses "YYYY-MM-DD" with an optional "THH:MM:SS" (or a space) and an optional "Z", in UTC.
 * Returns 0 and *t, or -1. */
static int
secinfo_admin_iso_parse(const char *p, long long *t)
{
	int year, mon, day, hour = 0, min = 0, sec = 0;
	struct tm tm = {0}, check;
	time_t when;

	if (secinfo_admin_digits(&p, 4, &year) || *p++ != '-' ||
	    secinfo_admin_digits(&p, 2, &mon) || *p++ != '-' || secinfo_admin_digits(&p, 2, &day))
		return -1;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (secinfo_admin_digits(&p, 2, &hour) || *p++ != ':' ||
		    secinfo_admin_digits(&p, 2, &min) || *p++ != ':' ||
		    secinfo_admin_digits(&p, 2, &sec))
			return -1;
		if (*p == 'Z' || *p == 'z')
			p++;
	}
	if (*p != '\0')
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	when = timegm(&tm);
	/* timegm normalises 2026-02-30 to March: accept only dates that come back unchanged. */
	if (when == (time_t)-1 || gmtime_r(&when, &check) == NULL || check.tm_mday != day ||
	    check.tm_mon != mon - 1 || check.tm_hour != hour || check.tm_min != min ||
	    check.tm_sec != sec)
		return -1;
	*t = (long long)when;
	return 0;
}

int
secinfo_admin_since_parse(const char *text, time_t now, long long *since)
{
	long seconds = 0;

	if (secinfo_admin_iso_parse(text, since) == 0)
		return 0;
	if (secinfo_duration_parse(text, &seconds) == 0 && seconds <= (long)now) {
		*since = (long long)now - seconds;
		return 0;
	}
	return SECINFO_ERR_INVALID;
}

void
secinfo_admin_purposes_text(unsigned purposes, char *out, size_t size)
{
	snprintf(out, size, "%s%s%s", purposes & SECINFO_PURPOSE_2FA ? "2fa" : "",
		 purposes == (SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET) ? ", " : "",
		 purposes & SECINFO_PURPOSE_RESET ? "reset"
		 : purposes == 0                  ? "-"
						  : "");
}

void
secinfo_admin_say_default(const struct secinfo_user *user)
{
	const struct secinfo_method *m = secinfo_user_method(user, user->default_method);
	char text[320];

	if (m == NULL) {
		printf("%s has no default method: no app, text message, call or security key "
		       "method is registered.\n",
		       user->name);
		return;
	}
	secinfo_method_describe(m, 1, text, sizeof(text));
	printf("The default method of %s is id %lld: %s.\n", user->name, m->id, text);
}
