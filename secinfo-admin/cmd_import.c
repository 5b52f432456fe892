/*
 * secinfo-admin import google-authenticator|oath (SPEC 17): registers app methods from a
 * user's ~/.google_authenticator file or from a pam_oath users file, each with its own
 * parameters (TOTP or HOTP, step, digits) and its used codes kept used.
 *
 * The file is read once into guarded memory and parsed twice: first only to check every line
 * (a bad line fails the whole file, named by its line, before the store is opened), then to
 * import, in one transaction: all or nothing. Each method goes through the change layer as
 * 'method add' does (its duplicate check and its audit row), inside that transaction; a
 * secret the user has already is skipped, so running an import again changes nothing.
 * --dry-run runs the same steps and rolls the transaction back.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "change.h"
#include "crypto.h"
#include "error.h"
#include "otp.h"
#include "username.h"

/* Largest file read: a users file of 100,000 lines is about 10 MB. */
#define SECINFO_IMPORT_FILE_MAX (256L * 1024 * 1024)
/* Longest line: far more than any line either module writes. */
#define SECINFO_IMPORT_LINE_MAX 1024
/* The shortest secret registered, as 'method add' (80 bits). */
#define SECINFO_IMPORT_SECRET_MIN 10
/* How far around the time of a pam_oath TOTP line's last use its last code is looked for. */
#define SECINFO_IMPORT_OATH_SEARCH 10
/* How many names the name service does not know are listed by name. */
#define SECINFO_IMPORT_UNKNOWN_SHOWN 5

/* One method to import: from one line of a users file, or from a whole GA file. */
struct secinfo_import_entry {
	unsigned line;
	char user[SECINFO_USERNAME_MAX + 1];
	struct secinfo_enrollment e; /* kind app; secret in guarded memory; counter -1 or used */
};

/* An import under way. */
struct secinfo_import {
	struct secinfo_admin *admin;
	const char *path;
	int dry_run;
	int skip_invalid; /* --skip-invalid (oath): a bad line is skipped with a warning */
	int storing;      /* the second pass: bad lines were reported by the first */
	size_t invalid;   /* lines skipped under --skip-invalid */
	char *text;       /* the file, in guarded memory, lines ended by NUL */
	size_t size;
	size_t added, skipped, unknown;
	char unknown_names[256];
	struct secinfo_import_added {
		char *name;
		long long id;
	} * notices; /* methods added, for their notices after the commit */
	size_t n_notices, notices_size;
	/* The google-authenticator file: what it says beside the secret. */
	unsigned scratch_codes;
	char no_equivalent[256];
};

typedef int secinfo_import_each_fn(struct secinfo_import *imp, struct secinfo_import_entry *entry);

/*
 * Reads PATH (a regular file, not a symbolic link: root reads it on behalf of a user who may
 * own it) into guarded memory, each line ended by a NUL. Returns 0 or a negative SECINFO_ERR_*
 * code (message printed).
 */
static int
secinfo_import_read(struct secinfo_import *imp)
{
	struct stat st;
	size_t got = 0;
	ssize_t n = 0;
	int fd;

	fd = open(imp->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return secinfo_admin_fail("cannot open %s: %s; nothing imported", imp->path,
					  errno == ELOOP ? "it is a symbolic link (give the file "
							   "it points to)"
							 : strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return secinfo_admin_fail("%s is not a regular file; nothing imported", imp->path);
	}
	if (st.st_size > SECINFO_IMPORT_FILE_MAX) {
		close(fd);
		return secinfo_admin_fail("%s is larger than %ld MB; split it; nothing imported",
					  imp->path, SECINFO_IMPORT_FILE_MAX / (1024 * 1024));
	}
	imp->text = secinfo_secret_alloc((size_t)st.st_size + 1);
	if (imp->text == NULL) {
		close(fd);
		return secinfo_admin_error(SECINFO_ERR_NOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, imp->text + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (got != (size_t)st.st_size)
		return secinfo_admin_fail("cannot read %s: %s; nothing imported", imp->path,
					  n < 0 ? strerror(errno) : "it changed while being read");
	if (memchr(imp->text, '\0', got) != NULL)
		return secinfo_admin_fail("%s holds a NUL byte: it is not a text file; nothing "
					  "imported",
					  imp->path);
	imp->size = got;
	for (size_t i = 0; i < got; i++)
		if (imp->text[i] == '\n')
			imp->text[i] = '\0';
	return SECINFO_OK;
}

/* Prints "secinfo-admin: FILE:LINE: MESSAGE; nothing imported" (under --skip-invalid, a warning
 * that the line is skipped, in the first pass only) and returns SECINFO_ERR_INVALID. */
static int secinfo_import_bad(const struct secinfo_import *imp, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
secinfo_import_bad(const struct secinfo_import *imp, unsigned line, const char *fmt, ...)
{
	char text[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!imp->skip_invalid)
		secinfo_admin_fail("%s:%u: %s; nothing imported", imp->path, line, text);
	else if (!imp->storing)
		secinfo_admin_fail("warning: %s:%u: %s; line skipped (--skip-invalid)", imp->path,
				   line, text);
	return SECINFO_ERR_INVALID;
}

/* Copies line LINE (its NUL-ended text at P) into the guarded buffer OUT with the trailing CR
 * and white space removed. Returns 0 or SECINFO_ERR_INVALID (message printed). */
static int
secinfo_import_line(const struct secinfo_import *imp, unsigned line, const char *p, char *out)
{
	size_t n = strlen(p);

	if (n >= SECINFO_IMPORT_LINE_MAX)
		return secinfo_import_bad(imp, line, "the line is longer than %d bytes",
					  SECINFO_IMPORT_LINE_MAX - 1);
	memcpy(out, p, n + 1);
	while (n > 0 && strchr(" \t\r", out[n - 1]) != NULL)
		out[--n] = '\0';
	return SECINFO_OK;
}

/* Parses a decimal number of up to 18 digits (nothing else). Returns 0 or -1. */
static int
secinfo_import_number(const char *text, long long *value)
{
	size_t n = strlen(text);

	if (n == 0 || n > 18 || strspn(text, "0123456789") != n)
		return -1;
	*value = strtoll(text, NULL, 10);
	return 0;
}

/* Splits LINE in place at spaces and tabs into up to MAX words. Returns the number of words in
 * LINE, which may be more than MAX (the rest are not stored). */
static size_t
secinfo_import_words(char *line, char **words, size_t max)
{
	size_t n = 0;

	for (char *p = line + strspn(line, " \t"); *p != '\0'; p += strspn(p, " \t")) {
		size_t len = strcspn(p, " \t");
		if (n < max)
			words[n] = p;
		n++;
		if (p[len] == '\0')
			break;
		p[len] = '\0';
		p += len + 1;
	}
	return n;
}

/* Checks the secret's length. Returns 0 or SECINFO_ERR_INVALID (message printed). */
static int
secinfo_import_secret_check(const struct secinfo_import *imp, unsigned line, size_t len)
{
	if (len < SECINFO_IMPORT_SECRET_MIN)
		return secinfo_import_bad(
			imp, line,
			"the secret holds %zu bytes, secinfo needs at least %d "
			"(80 bits): give this user a new secret with 'secinfo-admin "
			"method add' instead",
			len, SECINFO_IMPORT_SECRET_MIN);
	return SECINFO_OK;
}

/* --- google-authenticator ------------------------------------------------------------------ */

/* What a ~/.google_authenticator file says beside its secret. */
struct secinfo_import_ga {
	int totp_auth, has_counter, has_step;
	long long counter, step, used_step; /* used_step: the newest DISALLOW_REUSE step, or -1 */
	char window[32], rate_limit[64], skew[32];
};

/* Parses one '" OPTION ...' line (LINE without the '" '). Returns 0 or SECINFO_ERR_INVALID. */
static int
secinfo_import_ga_option(const struct secinfo_import *imp, unsigned number, char *line,
			 struct secinfo_import_ga *ga)
{
	char *word[SECINFO_IMPORT_LINE_MAX / 2] = {0};
	size_t n = secinfo_import_words(line, word, sizeof(word) / sizeof(word[0]));
	long long value;

	if (n == 0)
		return secinfo_import_bad(imp, number, "an option line names no option");
	if (strcmp(word[0], "TOTP_AUTH") == 0) {
		ga->totp_auth = 1;
	} else if (strcmp(word[0], "HOTP_COUNTER") == 0 || strcmp(word[0], "STEP_SIZE") == 0) {
		if (n != 2 || secinfo_import_number(word[1], &value) != 0)
			return secinfo_import_bad(imp, number, "%s takes one number", word[0]);
		if (word[0][0] == 'H') {
			ga->has_counter = 1;
			ga->counter = value;
		} else if (value < 1 || value > 60) {
			/* google-authenticator's own limits for the step */
			return secinfo_import_bad(imp, number,
						  "STEP_SIZE %lld is outside 1..60 seconds", value);
		} else {
			ga->has_step = 1;
			ga->step = value;
		}
	} else if (strcmp(word[0], "DISALLOW_REUSE") == 0) {
		/* Followed by the steps already used (time / step size). */
		for (size_t i = 1; i < n; i++) {
			if (secinfo_import_number(word[i], &value) != 0)
				return secinfo_import_bad(imp, number,
							  "DISALLOW_REUSE lists '%s', not a step "
							  "number",
							  word[i]);
			if (value > ga->used_step)
				ga->used_step = value;
		}
	} else if (strcmp(word[0], "WINDOW_SIZE") == 0) {
		snprintf(ga->window, sizeof(ga->window), "WINDOW_SIZE %s", n > 1 ? word[1] : "");
	} else if (strcmp(word[0], "TIME_SKEW") == 0) {
		/* the skew google-authenticator learnt from the user's codes, in steps */
		snprintf(ga->skew, sizeof(ga->skew), "TIME_SKEW %s", n > 1 ? word[1] : "");
	} else if (strcmp(word[0], "RATE_LIMIT") == 0) {
		snprintf(ga->rate_limit, sizeof(ga->rate_limit), "RATE_LIMIT %s %s",
			 n > 1 ? word[1] : "", n > 2 ? word[2] : "");
	} else {
		return secinfo_import_bad(imp, number,
					  "unknown google-authenticator option '%s': this "
					  "version knows TOTP_AUTH, HOTP_COUNTER, STEP_SIZE, "
					  "WINDOW_SIZE, RATE_LIMIT, TIME_SKEW and DISALLOW_REUSE",
					  word[0]);
	}
	return SECINFO_OK;
}

/* Fills ENTRY's parameters from GA: TOTP (its step) or HOTP (its next counter). */
static int
secinfo_import_ga_params(const struct secinfo_import *imp, const struct secinfo_import_ga *ga,
			 struct secinfo_import_entry *entry)
{
	struct secinfo_enrollment *e = &entry->e;

	if (ga->has_counter && ga->totp_auth)
		return secinfo_import_bad(
			imp, 1,
			"the file has both TOTP_AUTH and HOTP_COUNTER: it is "
			"either time-based or counter-based; check it with the user");
	e->kind = SECINFO_KIND_APP;
	e->otp.algorithm = SECINFO_OTP_SHA1; /* google-authenticator: SHA1, 6 digits */
	e->otp.digits = 6;
	e->otp.period = ga->has_step ? (unsigned)ga->step : 30;
	e->otp.hotp = ga->has_counter;
	/* secinfo keeps the last counter accepted; HOTP_COUNTER is the next one to accept. */
	if (ga->has_counter)
		e->counter = ga->counter > 0 ? ga->counter - 1 : -1;
	else
		e->counter = ga->used_step;
	return SECINFO_OK;
}

/*
 * Parses the whole google-authenticator file: the base32 secret on the first line, then
 * '" OPTION' lines and the scratch codes. Calls EACH once for its method. Returns 0 or a
 * negative SECINFO_ERR_* code (message printed).
 */
static int
secinfo_import_ga_parse(struct secinfo_import *imp, const char *user, secinfo_import_each_fn *each)
{
	struct secinfo_import_ga ga = {.used_step = -1};
	struct secinfo_import_entry entry = {.line = 1};
	char *line = secinfo_secret_alloc(SECINFO_IMPORT_LINE_MAX);
	const char *p = imp->text, *end = imp->text + imp->size;
	unsigned number = 0;
	int rc = SECINFO_OK;

	if (line == NULL)
		return secinfo_admin_error(SECINFO_ERR_NOMEM, "out of memory");
	imp->scratch_codes = 0;
	for (; rc == SECINFO_OK && p < end; p += strlen(p) + 1) {
		rc = secinfo_import_line(imp, ++number, p, line);
		if (rc != SECINFO_OK)
			break;
		if (number == 1) {
			rc = secinfo_base32_decode(line, &entry.e.secret, &entry.e.secret_len);
			if (rc == SECINFO_ERR_INVALID)
				rc = secinfo_import_bad(imp, 1,
							"the first line is not a base32 secret "
							"(letters A-Z, digits 2-7): is this a "
							"google-authenticator file?");
			else if (rc == 0)
				rc = secinfo_import_secret_check(imp, 1, entry.e.secret_len);
		} else if (strncmp(line, "\" ", 2) == 0) {
			rc = secinfo_import_ga_option(imp, number, line + 2, &ga);
		} else if (line[0] != '\0') {
			size_t n = strlen(line);
			if (n < 6 || n > 9 || strspn(line, "0123456789") != n)
				rc = secinfo_import_bad(imp, number,
							"neither an option (\" NAME) nor a "
							"scratch code (digits)");
			else
				imp->scratch_codes++;
		}
	}
	if (rc == SECINFO_OK && number == 0)
		rc = secinfo_admin_fail("%s is empty; nothing imported", imp->path);
	if (rc == SECINFO_OK)
		rc = secinfo_import_ga_params(imp, &ga, &entry);
	if (rc == SECINFO_OK) {
		snprintf(entry.user, sizeof(entry.user), "%s", user);
		snprintf(imp->no_equivalent, sizeof(imp->no_equivalent), "%s%s%s%s%s", ga.window,
			 ga.window[0] && ga.rate_limit[0] ? ", " : "", ga.rate_limit,
			 (ga.window[0] || ga.rate_limit[0]) && ga.skew[0] ? ", " : "", ga.skew);
		rc = each(imp, &entry);
	}
	secinfo_enrollment_clear(&entry.e);
	secinfo_secret_free(line);
	return rc;
}

/* --- pam_oath users file ------------------------------------------------------------------- */

/* Parses pam_oath's token type: HOTP, HOTP/E, HOTP/T30, HOTP/T60, each optionally with /6,
 * /7 or /8 digits (liboath's usersfile.c). Returns 0 or -1. */
static int
secinfo_import_oath_type(const char *type, struct secinfo_otp_params *otp)
{
	const char *rest;

	otp->algorithm = SECINFO_OTP_SHA1;
	otp->digits = 6;
	otp->period = 30;
	otp->hotp = 1;
	if (strcmp(type, "HOTP") == 0)
		return 0;
	if (strncmp(type, "HOTP/E", 6) == 0) {
		rest = type + 6;
	} else if (strncmp(type, "HOTP/T30", 8) == 0 || strncmp(type, "HOTP/T60", 8) == 0) {
		otp->hotp = 0;
		otp->period = type[6] == '3' ? 30 : 60;
		rest = type + 8;
	} else {
		return -1;
	}
	if (rest[0] == '\0')
		return 0;
	if (rest[0] != '/' || rest[1] < '6' || rest[1] > '8' || rest[2] != '\0')
		return -1;
	otp->digits = (unsigned)(rest[1] - '0');
	return 0;
}

/* Parses pam_oath's time of last use ("2009-12-07T23:23:49L", local time, as liboath writes
 * and reads it). Returns 0 and *t, or -1. */
static int
secinfo_import_oath_time(const char *text, time_t *t)
{
	struct tm tm = {0};
	const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SL", &tm);

	if (end == NULL || *end != '\0')
		return -1;
	tm.tm_isdst = -1;
	*t = mktime(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}

/*
 * Sets ENTRY's counter from the line's moving factor, last code and time, so that the codes
 * pam_oath accepted stay used. HOTP: liboath stores the counter of the last code accepted
 * (with that code beside it), or the first counter to try when no code was used yet. TOTP:
 * the step of the last code, found around the time of the last use.
 */
static void
secinfo_import_oath_counter(struct secinfo_import_entry *entry, long long moving,
			    const char *last_code, int has_time, time_t last_time)
{
	struct secinfo_enrollment *e = &entry->e;
	uint64_t step, matched = 0;

	if (e->otp.hotp) {
		e->counter = last_code != NULL ? moving : moving - 1;
		return;
	}
	e->counter = -1;
	if (!has_time || last_time < 0)
		return;
	step = secinfo_totp_step(last_time, e->otp.period);
	e->counter = (long long)step;
	if (last_code != NULL &&
	    secinfo_otp_find(e->secret, e->secret_len, &e->otp,
			     step > SECINFO_IMPORT_OATH_SEARCH ? step - SECINFO_IMPORT_OATH_SEARCH
							       : 0,
			     step + SECINFO_IMPORT_OATH_SEARCH, last_code, &matched) == 0 &&
	    matched > step)
		e->counter = (long long)matched;
}

/*
 * Parses one users-file line (in the guarded buffer LINE, taken apart here) into ENTRY:
 * TYPE USER PIN SECRET [COUNTER [LAST-CODE [TIME]]]. Returns 0 or SECINFO_ERR_INVALID
 * (message printed) or SECINFO_ERR_NOMEM.
 */
static int
secinfo_import_oath_line(const struct secinfo_import *imp, unsigned number, char *line,
			 struct secinfo_import_entry *entry)
{
	char *field[8] = {0};
	size_t n = secinfo_import_words(line, field, sizeof(field) / sizeof(field[0]));
	long long moving = 0;
	time_t last_time = 0;
	int has_time = 0, rc;

	if (n < 4)
		return secinfo_import_bad(imp, number,
					  "a pam_oath line has at least 4 fields: TYPE USER PIN "
					  "SECRET");
	if (n > 7)
		return secinfo_import_bad(imp, number,
					  "a pam_oath line has at most 7 fields: TYPE USER PIN "
					  "SECRET [COUNTER [LAST-CODE [TIME]]]");
	if (secinfo_import_oath_type(field[0], &entry->e.otp) != 0)
		return secinfo_import_bad(
			imp, number,
			"unknown token type '%s': pam_oath's are HOTP, HOTP/E, "
			"HOTP/T30 and HOTP/T60, optionally with /6, /7 or /8 digits",
			field[0]);
	if (secinfo_username_check(field[1]) != 0)
		return secinfo_import_bad(imp, number,
					  "the user name is not valid (1 to %d bytes, no control "
					  "character)",
					  SECINFO_USERNAME_MAX);
	if (strcmp(field[2], "-") != 0 && strcmp(field[2], "+") != 0)
		return secinfo_import_bad(
			imp, number,
			"user %s has a PIN (the third field): secinfo asks for the "
			"code alone and cannot keep a PIN. Replace the PIN with '-' to "
			"import the token without it (the password stays the first "
			"factor), or remove the line",
			field[1]);
	if (n > 4 && secinfo_import_number(field[4], &moving) != 0)
		return secinfo_import_bad(imp, number, "the counter '%s' is not a number",
					  field[4]);
	if (n > 5 && strspn(field[5], "0123456789") != strlen(field[5]))
		return secinfo_import_bad(imp, number, "the last code is not digits");
	if (n > 6 && secinfo_import_oath_time(field[6], &last_time) != 0)
		return secinfo_import_bad(imp, number,
					  "the time '%s' is not pam_oath's YYYY-MM-DDTHH:MM:SSL",
					  field[6]);
	has_time = n > 6;
	rc = secinfo_hex_decode(field[3], &entry->e.secret, &entry->e.secret_len);
	if (rc == SECINFO_ERR_INVALID)
		return secinfo_import_bad(imp, number,
					  "the secret is not hex (an even number of digits 0-9, "
					  "a-f)");
	if (rc != 0)
		return secinfo_admin_error(rc, "out of memory");
	rc = secinfo_import_secret_check(imp, number, entry->e.secret_len);
	if (rc != 0)
		return rc;
	entry->line = number;
	entry->e.kind = SECINFO_KIND_APP;
	snprintf(entry->user, sizeof(entry->user), "%s", field[1]);
	secinfo_import_oath_counter(entry, moving, n > 5 ? field[5] : NULL, has_time, last_time);
	return SECINFO_OK;
}

/* Parses every line of a pam_oath users file (blank lines and '#' comments skipped) and calls
 * EACH per token. Returns 0 or a negative SECINFO_ERR_* code (message printed). */
static int
secinfo_import_oath_parse(struct secinfo_import *imp, secinfo_import_each_fn *each)
{
	char *line = secinfo_secret_alloc(SECINFO_IMPORT_LINE_MAX);
	const char *p = imp->text, *end = imp->text + imp->size;
	unsigned number = 0;
	int rc = SECINFO_OK;

	if (line == NULL)
		return secinfo_admin_error(SECINFO_ERR_NOMEM, "out of memory");
	for (; rc == SECINFO_OK && p < end; p += strlen(p) + 1) {
		struct secinfo_import_entry entry = {0};
		const char *start = line;

		rc = secinfo_import_line(imp, ++number, p, line);
		if (rc == SECINFO_ERR_INVALID && imp->skip_invalid) {
			imp->invalid += !imp->storing;
			rc = SECINFO_OK;
			continue;
		}
		if (rc != SECINFO_OK)
			break;
		start += strspn(line, " \t");
		if (*start == '\0' || *start == '#')
			continue;
		rc = secinfo_import_oath_line(imp, number, line, &entry);
		if (rc == SECINFO_OK)
			rc = each(imp, &entry);
		secinfo_enrollment_clear(&entry.e);
		if (rc == SECINFO_ERR_INVALID && imp->skip_invalid) {
			imp->invalid += !imp->storing; /* counted once, in the first pass */
			rc = SECINFO_OK;
		}
	}
	secinfo_secret_free(line);
	return rc;
}

/* --- storing ------------------------------------------------------------------------------- */

/* Describes an imported method's parameters: "TOTP, 30-second steps, 6 digits". */
static void
secinfo_import_describe(const struct secinfo_enrollment *e, char *out, size_t size)
{
	if (e->otp.hotp)
		snprintf(out, size, "HOTP, %u digits, next counter %lld", e->otp.digits,
			 e->counter + 1);
	else
		snprintf(out, size, "TOTP, %u-second steps, %u digits", e->otp.period,
			 e->otp.digits);
}

/* The name ENTRY's user is enrolled under: the name service's spelling (said when it differs);
 * names it does not know are counted for one warning at the end. */
static void
secinfo_import_name(struct secinfo_import *imp, const char *typed, char *name, size_t size)
{
	int known = 0, rc = secinfo_username_canonical(typed, name, size, &known);

	if (rc != 0 || !known) {
		snprintf(name, size, "%s", typed);
		if (imp->unknown++ < SECINFO_IMPORT_UNKNOWN_SHOWN)
			snprintf(imp->unknown_names + strlen(imp->unknown_names),
				 sizeof(imp->unknown_names) - strlen(imp->unknown_names), "%s%s",
				 imp->unknown > 1 ? ", " : "", typed);
	} else if (strcmp(name, typed) != 0) {
		printf("The name service calls '%s' '%s': importing as '%s'.\n", typed, name, name);
	}
}

/* Remembers method ID of NAME for its notice after the commit. Returns 0 or SECINFO_ERR_NOMEM. */
static int
secinfo_import_remember(struct secinfo_import *imp, const char *name, long long id)
{
	if (!(imp->admin->conf->notify_events & (unsigned)SECINFO_NOTIFY_METHOD_ADDED))
		return SECINFO_OK;
	if (imp->n_notices == imp->notices_size) {
		size_t size = imp->notices_size ? imp->notices_size * 2 : 64;
		void *bigger = realloc(imp->notices, size * sizeof(*imp->notices));
		if (bigger == NULL)
			return SECINFO_ERR_NOMEM;
		imp->notices = bigger;
		imp->notices_size = size;
	}
	imp->notices[imp->n_notices].name = strdup(name);
	if (imp->notices[imp->n_notices].name == NULL)
		return SECINFO_ERR_NOMEM;
	imp->notices[imp->n_notices++].id = id;
	return SECINFO_OK;
}

/* The first pass: the line parsed, nothing else to do. */
static int
secinfo_import_check_entry(struct secinfo_import *imp, struct secinfo_import_entry *entry)
{
	return SECINFO_OK;
}

/* The second pass: adds ENTRY's method inside the import's transaction, or says that the user
 * has this secret already. Returns 0 or a negative SECINFO_ERR_* code (message printed). */
static int
secinfo_import_store_entry(struct secinfo_import *imp, struct secinfo_import_entry *entry)
{
	struct secinfo_change change = secinfo_admin_change(imp->admin);
	char name[SECINFO_USERNAME_MAX + 1], params[96];
	long long id = 0, duplicate = 0;
	int rc;

	secinfo_import_name(imp, entry->user, name, sizeof(name));
	secinfo_import_describe(&entry->e, params, sizeof(params));
	rc = secinfo_change_method_add(&change, name, &entry->e, &id, &duplicate);
	if (rc == SECINFO_ERR_EXISTS) {
		imp->skipped++;
		printf("%s: skipped: already has this authenticator secret (method id %lld).\n",
		       name, duplicate);
		return SECINFO_OK;
	}
	/* Not SECINFO_ERR_INVALID, which --skip-invalid takes for a bad line already reported. */
	if (rc != 0)
		return secinfo_admin_error(rc == SECINFO_ERR_INVALID ? SECINFO_ERR_DENIED : rc,
					   "%s:%u: cannot import the secret of %s: %s; nothing "
					   "imported",
					   imp->path, entry->line, name, secinfo_strerror(rc));
	imp->added++;
	if (imp->dry_run) {
		printf("%s: would add the authenticator app (%s).\n", name, params);
		return SECINFO_OK;
	}
	printf("%s: added the authenticator app (%s): method id %lld.\n", name, params, id);
	rc = secinfo_import_remember(imp, name, id);
	return rc == 0 ? 0 : secinfo_admin_error(rc, "out of memory");
}

/* Parses the file with EACH: the google-authenticator file of USER, or a users file (USER
 * NULL). */
static int
secinfo_import_parse(struct secinfo_import *imp, const char *user, secinfo_import_each_fn *each)
{
	return user != NULL ? secinfo_import_ga_parse(imp, user, each)
			    : secinfo_import_oath_parse(imp, each);
}

/* Says what the import did, or what it would do. */
static void
secinfo_import_summary(const struct secinfo_import *imp)
{
	if (imp->unknown > 0)
		fprintf(stderr,
			"secinfo-admin: warning: the name service does not know (or could not "
			"answer for) %zu of the users (%s%s), imported as the file spells them: "
			"check the spelling; the module only sees the names users sign in with\n",
			imp->unknown, imp->unknown_names,
			imp->unknown > SECINFO_IMPORT_UNKNOWN_SHOWN ? ", ..." : "");
	if (imp->invalid > 0)
		printf("%zu invalid line(s) of %s skipped (--skip-invalid): the warnings above "
		       "name "
		       "them.\n",
		       imp->invalid, imp->path);
	if (imp->dry_run)
		printf("Dry run: %zu method(s) would be added, %zu skipped (registered already); "
		       "nothing was written.\n",
		       imp->added, imp->skipped);
	else if (imp->added == 0)
		printf("Nothing imported: every secret in %s is registered already; nothing "
		       "changed.\n",
		       imp->path);
	else
		printf("Imported %zu method(s) from %s; %zu skipped (registered already).\n",
		       imp->added, imp->path, imp->skipped);
}

/* Says what the google-authenticator file held that secinfo does not take over. */
static void
secinfo_import_ga_notes(const struct secinfo_import *imp, const char *user)
{
	if (imp->scratch_codes > 0)
		printf("Not imported: %u scratch code(s): secinfo has no scratch codes; issue a "
		       "temporary access pass ('secinfo-admin tap issue %s') when %s needs one.\n",
		       imp->scratch_codes, user, user);
	if (imp->no_equivalent[0] != '\0')
		printf("No equivalent in secinfo: %s; secinfo's [app] window and [policy] "
		       "max_failures and lockout apply.\n",
		       imp->no_equivalent);
}

/* Sends the notices of the committed methods (SPEC 15) and forgets them. */
static void
secinfo_import_notify(struct secinfo_import *imp)
{
	for (size_t i = 0; i < imp->n_notices; i++) {
		secinfo_admin_notify(imp->admin, imp->notices[i].name, NULL,
				     SECINFO_NOTIFY_METHOD_ADDED, imp->notices[i].id);
		free(imp->notices[i].name);
	}
	free(imp->notices);
	imp->notices = NULL;
	imp->n_notices = 0;
}

/* The import of PATH for USER (google-authenticator) or of a users file (USER NULL). */
static int
secinfo_import_run(struct secinfo_admin *admin, const struct secinfo_admin_args *args,
		   const char *user, const char *path)
{
	struct secinfo_import imp = {
		.admin = admin,
		.path = path,
		.dry_run = !!(args->options & SECINFO_OPT_DRY_RUN),
		.skip_invalid = !!(args->options & SECINFO_OPT_SKIP_INVALID),
	};
	int rc;

	if (user != NULL && secinfo_admin_user_name_check(user) != 0)
		return SECINFO_ERR_DENIED;
	rc = secinfo_import_read(&imp);
	if (rc == SECINFO_OK)
		rc = secinfo_import_parse(&imp, user, secinfo_import_check_entry);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_open(admin);
	if (rc == SECINFO_OK && secinfo_change_kind_allowed(admin->conf, SECINFO_KIND_APP) != 0)
		rc = secinfo_admin_fail("the organisation does not allow app methods ([policy] "
					"methods in %s); nothing imported",
					admin->conf_path);
	if (rc == SECINFO_OK && (rc = secinfo_store_begin(admin->store)) != 0)
		rc = secinfo_admin_error(rc, "cannot start the import: %s; nothing imported",
					 secinfo_strerror(rc));
	if (rc != SECINFO_OK)
		goto out;
	imp.storing = 1;
	rc = secinfo_import_parse(&imp, user, secinfo_import_store_entry);
	if (rc == SECINFO_OK && !imp.dry_run && (rc = secinfo_store_commit(admin->store)) != 0)
		rc = secinfo_admin_error(rc, "cannot commit the import: %s; nothing imported",
					 secinfo_strerror(rc));
	/* A dry run, a failed line or a failed commit: nothing of the import remains. */
	if (rc != SECINFO_OK || imp.dry_run)
		secinfo_store_rollback(admin->store);
	if (rc != SECINFO_OK)
		goto out;
	if (user != NULL)
		secinfo_import_ga_notes(&imp, user);
	secinfo_import_summary(&imp);
	secinfo_import_notify(&imp);
out:
	for (size_t i = 0; i < imp.n_notices; i++)
		free(imp.notices[i].name);
	free(imp.notices);
	secinfo_secret_free(imp.text);
	return rc;
}

int
secinfo_admin_cmd_import_ga(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	return secinfo_import_run(admin, args, args->words[0], args->words[1]);
}

int
secinfo_admin_cmd_import_oath(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	return secinfo_import_run(admin, args, NULL, args->words[0]);
}
