#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "conf.h"
#include "method.h"
#include "error.h"
#include "safefile.h"

#define SECINFO_CONF_MAX_SIZE (256 * 1024)
#define SECINFO_CONF_MAX_LINE 4096

/* T_WORDS: a list of words (spaces or commas), each one of the key's choices, kept as a bit
 * mask (bit i: choices[i]); an empty value is the empty mask. */
enum secinfo_conf_type { T_STRING, T_UINT, T_DURATION, T_KINDS, T_CHOICE, T_WORDS };

/* Which providers use a gateway key; a key the chosen provider ignores is a warning. */
enum { USE_ANY = 0, USE_TWILIO = 1, USE_HTTP = 2 };

static const char *const secinfo_algorithms[] = {"SHA1", "SHA256", "SHA512", NULL};
static const char *const secinfo_starttls_values[] = {"required", "optional", "off", NULL};
static const char *const secinfo_uv_values[] = {"required", "preferred", "discouraged", NULL};
static const char *const secinfo_providers[] = {"twilio", "http", NULL};
/* [database] sslrootcert when not given: the public CA bundle (Debian's ca-certificates). */
#define SECINFO_CONF_DEFAULT_SSLROOTCERT "/etc/ssl/certs/ca-certificates.crt"

static const char *const secinfo_backends[] = {"sqlite", "postgresql", NULL};
static const char *const secinfo_sslmodes[] = {"verify-full", "verify-ca", "require", "disable",
					       NULL};
static const char *const secinfo_first_methods[] = {"password", "tap", NULL};
/* In the order of enum secinfo_notify_event. */
static const char *const secinfo_notify_events[] = {
	"method-added", "method-deleted", "default-changed", "password-reset", "locked", NULL};

struct secinfo_conf_key {
	const char *section, *key;
	enum secinfo_conf_type type;
	size_t offset;
	long min, max; /* the range of a number; for a string, min 1 means "not empty" */
	const char *const *choices;
	int used_by;
};

#define OFF(field) offsetof(struct secinfo_conf, field)
#define GATEWAY_KEYS(sec, gw)                                                                        \
	{sec, "provider", T_STRING, OFF(gw.provider), 1, 0, secinfo_providers, USE_ANY},             \
		{sec, "default_country", T_UINT, OFF(gw.default_country), 1, 999, NULL, USE_ANY},    \
		{sec, "timeout", T_DURATION, OFF(gw.timeout), 1, 120, NULL, USE_ANY},                \
		{sec, "account_sid", T_STRING, OFF(gw.account_sid), 1, 0, NULL, USE_TWILIO},         \
		{sec, "auth_token_file", T_STRING, OFF(gw.auth_token_file), 1, 0, NULL, USE_TWILIO}, \
		{sec, "from", T_STRING, OFF(gw.from), 1, 0, NULL, USE_TWILIO},                       \
		{sec, "api_base", T_STRING, OFF(gw.api_base), 1, 0, NULL, USE_TWILIO},               \
		{sec, "url", T_STRING, OFF(gw.url), 1, 0, NULL, USE_HTTP},                           \
		{sec, "method", T_STRING, OFF(gw.method), 1, 0, NULL, USE_HTTP},                     \
		{sec, "content_type", T_STRING, OFF(gw.content_type), 1, 0, NULL, USE_HTTP},         \
		{sec, "body", T_STRING, OFF(gw.body), 1, 0, NULL, USE_HTTP},                         \
		{sec, "header", T_STRING, OFF(gw.header), 1, 0, NULL, USE_HTTP},                     \
		{sec, "secret_file", T_STRING, OFF(gw.secret_file), 1, 0, NULL, USE_HTTP},           \
	{                                                                                            \
		sec, "ca_file", T_STRING, OFF(gw.ca_file), 1, 0, NULL, USE_ANY                       \
	}

static const struct secinfo_conf_key secinfo_conf_keys[] = {
	{"policy", "methods", T_KINDS, OFF(methods), 0, 0, NULL, USE_ANY},
	{"policy", "tries", T_UINT, OFF(tries), 1, 10, NULL, USE_ANY},
	{"policy", "max_failures", T_UINT, OFF(max_failures), 1, 1000, NULL, USE_ANY},
	{"policy", "lockout", T_DURATION, OFF(lockout), 1, 30L * 86400, NULL, USE_ANY},
	{"policy", "issuer", T_STRING, OFF(issuer), 1, 0, NULL, USE_ANY},
	{"database", "path", T_STRING, OFF(db_path), 1, 0, NULL, USE_ANY},
	{"database", "key_file", T_STRING, OFF(key_file), 1, 0, NULL, USE_ANY},
	{"database", "busy_timeout", T_DURATION, OFF(busy_timeout), 1, 600, NULL, USE_ANY},
	{"database", "backend", T_CHOICE, OFF(db_backend), 0, 0, secinfo_backends, USE_ANY},
	{"database", "host", T_STRING, OFF(db_host), 1, 0, NULL, USE_ANY},
	{"database", "port", T_STRING, OFF(db_port), 1, 0, NULL, USE_ANY},
	{"database", "dbname", T_STRING, OFF(db_name), 1, 0, NULL, USE_ANY},
	{"database", "user", T_STRING, OFF(db_user), 1, 0, NULL, USE_ANY},
	{"database", "password_file", T_STRING, OFF(db_password_file), 1, 0, NULL, USE_ANY},
	{"database", "sslmode", T_CHOICE, OFF(db_sslmode), 0, 0, secinfo_sslmodes, USE_ANY},
	{"database", "sslrootcert", T_STRING, OFF(db_sslrootcert), 1, 0, NULL, USE_ANY},
	{"database", "connect_timeout", T_DURATION, OFF(db_connect_timeout), 1, 120, NULL, USE_ANY},
	{"app", "algorithm", T_CHOICE, OFF(app_algorithm), 0, 0, secinfo_algorithms, USE_ANY},
	{"app", "digits", T_UINT, OFF(app_digits), 6, 8, NULL, USE_ANY},
	{"app", "period", T_UINT, OFF(app_period), 10, 300, NULL, USE_ANY},
	{"app", "window", T_UINT, OFF(app_window), 0, 10, NULL, USE_ANY},
	{"codes", "length", T_UINT, OFF(code_length), 6, 10, NULL, USE_ANY},
	{"codes", "lifetime", T_DURATION, OFF(code_lifetime), 30, 86400, NULL, USE_ANY},
	{"codes", "max_sends_per_hour", T_UINT, OFF(max_sends_per_hour), 1, 100, NULL, USE_ANY},
	{"codes", "message", T_STRING, OFF(code_message), 1, 0, NULL, USE_ANY},
	GATEWAY_KEYS("sms", sms),
	GATEWAY_KEYS("call", call),
	{"email", "smtp_url", T_STRING, OFF(smtp_url), 1, 0, NULL, USE_ANY},
	{"email", "starttls", T_CHOICE, OFF(starttls), 0, 0, secinfo_starttls_values, USE_ANY},
	{"email", "username", T_STRING, OFF(smtp_username), 1, 0, NULL, USE_ANY},
	{"email", "password_file", T_STRING, OFF(smtp_password_file), 1, 0, NULL, USE_ANY},
	{"email", "from", T_STRING, OFF(email_from), 1, 0, NULL, USE_ANY},
	{"email", "subject", T_STRING, OFF(email_subject), 1, 0, NULL, USE_ANY},
	{"email", "blocked_domains", T_STRING, OFF(blocked_domains), 0, 0, NULL, USE_ANY},
	{"email", "timeout", T_DURATION, OFF(email_timeout), 1, 120, NULL, USE_ANY},
	{"email", "ca_file", T_STRING, OFF(email_ca_file), 1, 0, NULL, USE_ANY},
	{"questions", "register", T_UINT, OFF(questions_register), 3, 5, NULL, USE_ANY},
	{"questions", "ask", T_UINT, OFF(questions_ask), 1, 5, NULL, USE_ANY},
	{"questions", "min_answer_length", T_UINT, OFF(questions_min_answer_length), 1, 64, NULL,
	 USE_ANY},
	{"reset", "methods_required", T_UINT, OFF(reset_methods_required), 1, 2, NULL, USE_ANY},
	{"reset", "deny_users", T_STRING, OFF(reset_deny_users), 0, 0, NULL, USE_ANY},
	{"key", "rp_id", T_STRING, OFF(key_rp_id), 1, 0, NULL, USE_ANY},
	{"key", "user_verification", T_CHOICE, OFF(key_user_verification), 0, 0, secinfo_uv_values,
	 USE_ANY},
	{"key", "timeout", T_DURATION, OFF(key_timeout), 1, 300, NULL, USE_ANY},
	{"key", "devices", T_STRING, OFF(key_devices), 1, 0, NULL, USE_ANY},
	{"registration", "users", T_STRING, OFF(registration_users), 0, 0, NULL, USE_ANY},
	{"registration", "first_method", T_CHOICE, OFF(registration_first_method), 0, 0,
	 secinfo_first_methods, USE_ANY},
	{"tap", "lifetime", T_DURATION, OFF(tap_lifetime), 600, 30L * 86400, NULL, USE_ANY},
	{"notify", "events", T_WORDS, OFF(notify_events), 0, 0, secinfo_notify_events, USE_ANY},
};
#define SECINFO_CONF_NKEYS (sizeof(secinfo_conf_keys) / sizeof(secinfo_conf_keys[0]))

void
secinfo_problems_free(struct secinfo_problems *problems)
{
	if (problems == NULL)
		return;
	for (size_t i = 0; i < problems->count; i++)
		free(problems->text[i]);
	free(problems->text);
	free(problems->is_error);
	memset(problems, 0, sizeof(*problems));
}

int
secinfo_problem_add(struct secinfo_problems *problems, int is_error, const char *fmt, ...)
{
	char **text;
	int *flags;
	char *line = NULL;
	va_list ap;
	int n;

	if (problems == NULL)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SECINFO_ERR_NOMEM;
	text = realloc(problems->text, (problems->count + 1) * sizeof(*text));
	if (text == NULL)
		goto nomem;
	problems->text = text;
	flags = realloc(problems->is_error, (problems->count + 1) * sizeof(*flags));
	if (flags == NULL)
		goto nomem;
	problems->is_error = flags;
	problems->text[problems->count] = line;
	problems->is_error[problems->count] = is_error;
	problems->count++;
	if (is_error)
		problems->errors++;
	return 0;
nomem:
	free(line);
	return SECINFO_ERR_NOMEM;
}

int
secinfo_id_parse(const char *text, long long *id)
{
	char *end = NULL;

	if (text[0] < '0' || text[0] > '9')
		return SECINFO_ERR_INVALID;
	errno = 0;
	*id = strtoll(text, &end, 10);
	return errno == 0 && end != NULL && *end == '\0' && *id > 0 ? 0 : SECINFO_ERR_INVALID;
}

int
secinfo_duration_parse(const char *text, long *seconds)
{
	char *end = NULL;
	long value, unit = 1;

	if (!isdigit((unsigned char)text[0]))
		return SECINFO_ERR_CONFIG;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || value < 0)
		return SECINFO_ERR_CONFIG;
	switch (*end) {
	case '\0': break;
	case 's':
		unit = 1;
		end++;
		break;
	case 'm':
		unit = 60;
		end++;
		break;
	case 'h':
		unit = 3600;
		end++;
		break;
	case 'd':
		unit = 86400;
		end++;
		break;
	default: return SECINFO_ERR_CONFIG;
	}
	if (*end != '\0' || value > LONG_MAX / unit)
		return SECINFO_ERR_CONFIG;
	*seconds = value * unit;
	return 0;
}

static int
secinfo_uint_parse(const char *text, long min, long max, unsigned *out)
{
	char *end = NULL;
	long value;

	if (!isdigit((unsigned char)text[0]))
		return SECINFO_ERR_CONFIG;
	errno = 0;
	value = strtol(text, &end, 10);
	if (errno != 0 || *end != '\0' || value < min || value > max)
		return SECINFO_ERR_CONFIG;
	*out = (unsigned)value;
	return 0;
}

void
secinfo_conf_free(struct secinfo_conf *conf)
{
	if (conf == NULL)
		return;
	for (size_t i = 0; i < SECINFO_CONF_NKEYS; i++)
		if (secinfo_conf_keys[i].type == T_STRING)
			free(*(char **)((char *)conf + secinfo_conf_keys[i].offset));
	free(conf->path);
	free(conf);
}

static int
secinfo_conf_set_defaults(struct secinfo_conf *conf, const char *path)
{
	char host[256] = "";
	static const struct {
		size_t offset;
		const char *value;
	} strings[] = {
		{OFF(db_path), SECINFO_DB_PATH},
		{OFF(key_file), SECINFO_KEY_PATH},
		{OFF(db_port), "5432"},
		{OFF(db_name), "secinfo"},
		{OFF(db_user), "secinfo"},
		{OFF(db_sslrootcert), SECINFO_CONF_DEFAULT_SSLROOTCERT},
		{OFF(code_message), "Your %{issuer} verification code is %{code}"},
		{OFF(sms.api_base), "https://api.twilio.com"},
		{OFF(sms.method), "POST"},
		{OFF(sms.content_type), "application/x-www-form-urlencoded"},
		{OFF(call.api_base), "https://api.twilio.com"},
		{OFF(call.method), "POST"},
		{OFF(call.content_type), "application/x-www-form-urlencoded"},
		{OFF(email_subject), "Your verification code"},
		{OFF(reset_deny_users), "root"},
		{OFF(key_rp_id), "secinfo"},
		{OFF(registration_users), "*"},
	};

	conf->methods = SECINFO_KIND_BIT(SECINFO_KIND_APP); /* what this version implements */
	conf->tries = 3;
	conf->max_failures = 10;
	conf->lockout = 15 * 60;
	conf->busy_timeout = 5;
	conf->db_backend = SECINFO_DB_SQLITE;
	conf->db_sslmode = SECINFO_SSL_VERIFY_FULL;
	conf->db_connect_timeout = 3;
	conf->app_algorithm = SECINFO_OTP_SHA1;
	conf->app_digits = 6;
	conf->app_period = 30;
	conf->app_window = 1;
	conf->code_length = 6;
	conf->code_lifetime = 5 * 60;
	conf->max_sends_per_hour = 5;
	conf->sms.timeout = conf->call.timeout = conf->email_timeout = 10;
	conf->starttls = SECINFO_STARTTLS_REQUIRED;
	conf->questions_register = 5;
	conf->questions_ask = 3;
	conf->questions_min_answer_length = 3;
	conf->reset_methods_required = 1;
	conf->key_user_verification = SECINFO_UV_REQUIRED;
	conf->registration_first_method = SECINFO_FIRST_METHOD_PASSWORD;
	conf->tap_lifetime = 3600;
	conf->key_timeout = 30;
	conf->notify_events = SECINFO_NOTIFY_ALL;
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "secinfo");
	conf->issuer = strdup(host);
	conf->path = strdup(path);
	if (conf->issuer == NULL || conf->path == NULL)
		return SECINFO_ERR_NOMEM;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		char **slot = (char **)((char *)conf + strings[i].offset);
		*slot = strdup(strings[i].value);
		if (*slot == NULL)
			return SECINFO_ERR_NOMEM;
	}
	return 0;
}

static const struct secinfo_conf_key *
secinfo_conf_key_find(const char *section, const char *key)
{
	for (size_t i = 0; i < SECINFO_CONF_NKEYS; i++)
		if (strcmp(secinfo_conf_keys[i].section, section) == 0 &&
		    strcmp(secinfo_conf_keys[i].key, key) == 0)
			return &secinfo_conf_keys[i];
	return NULL;
}

static int
secinfo_conf_section_known(const char *section)
{
	for (size_t i = 0; i < SECINFO_CONF_NKEYS; i++)
		if (strcmp(secinfo_conf_keys[i].section, section) == 0)
			return 1;
	return 0;
}

/* Stores VALUE for KEY. Returns 0, SECINFO_ERR_CONFIG (with *why) or SECINFO_ERR_NOMEM. */
static int
secinfo_conf_set(struct secinfo_conf *conf, const struct secinfo_conf_key *key, const char *value,
		 const char **why)
{
	void *slot = (char *)conf + key->offset;
	const char *bad = NULL;
	long seconds;

	switch (key->type) {
	case T_STRING:
		if (value[0] == '\0' && key->min > 0) {
			*why = "must not be empty";
			return SECINFO_ERR_CONFIG;
		}
		if (key->choices != NULL) {
			size_t i;
			for (i = 0; key->choices[i] != NULL; i++)
				if (strcasecmp(key->choices[i], value) == 0)
					break;
			if (key->choices[i] == NULL) {
				*why = "is not one of the allowed values";
				return SECINFO_ERR_CONFIG;
			}
			value = key->choices[i]; /* the canonical spelling */
		}
		free(*(char **)slot);
		*(char **)slot = strdup(value);
		return *(char **)slot == NULL ? SECINFO_ERR_NOMEM : 0;
	case T_UINT:
		*why = "is not a whole number in the allowed range";
		return secinfo_uint_parse(value, key->min, key->max, slot);
	case T_DURATION:
		*why = "is not a duration in the allowed range (a number with s, m, h or d)";
		if (secinfo_duration_parse(value, &seconds) != 0 || seconds < key->min ||
		    seconds > key->max)
			return SECINFO_ERR_CONFIG;
		*(long *)slot = seconds;
		return 0;
	case T_KINDS:
		*why = "names a method that does not exist (app sms call key email questions tap)";
		return secinfo_kind_parse_list(value, slot, &bad);
	case T_CHOICE:
		for (int i = 0; key->choices[i] != NULL; i++) {
			if (strcasecmp(key->choices[i], value) == 0) {
				*(int *)slot = i;
				return 0;
			}
		}
		*why = "is not one of the allowed values";
		return SECINFO_ERR_CONFIG;
	case T_WORDS:
		*(unsigned *)slot = 0;
		for (const char *w = value + strspn(value, " \t,"); *w != '\0';
		     w += strspn(w, " \t,")) {
			size_t n = strcspn(w, " \t,"), i;
			for (i = 0; key->choices[i] != NULL; i++)
				if (strlen(key->choices[i]) == n &&
				    strncmp(key->choices[i], w, n) == 0)
					break;
			if (key->choices[i] == NULL) {
				*why = "names a word that is not one of the allowed values";
				return SECINFO_ERR_CONFIG;
			}
			*(unsigned *)slot |= 1u << i;
			w += n;
		}
		return 0;
	}
	return SECINFO_ERR_INTERNAL;
}

/* A kind that this version cannot enroll nor challenge (key: FIDO2 comes later) is allowed in
 * vain: its methods can be neither added nor offered. A warning, so that a policy written for
 * a later version still loads; 'secinfo-admin check' shows it. Returns 0 or SECINFO_ERR_NOMEM. */
static int
secinfo_conf_kinds_implemented(unsigned kinds, const char *path, unsigned lineno,
			       struct secinfo_problems *problems)
{
	int rc = 0;

	for (int k = 0; rc == 0 && k < SECINFO_KIND_COUNT; k++) {
		const struct secinfo_method_ops *ops = secinfo_method_ops((enum secinfo_kind)k);
		/* A pass (tap) is issued, never enrolled: allowed or not, it works when issued. */
		if (!(kinds & SECINFO_KIND_BIT(k)) || ops == NULL || ops->temporary ||
		    (ops->enroll != NULL && ops->challenge != NULL))
			continue;
		rc = secinfo_problem_add(problems, 0,
					 "%s:%u: [policy] methods allows %s, which this version "
					 "does not implement: %s methods can be neither added "
					 "nor used; remove %s from the list",
					 path, lineno, ops->name, ops->name, ops->name);
	}
	return rc;
}

/* Cuts a comment ('#' at the start or after white space) and surrounding white space. */
static char *
secinfo_conf_trim(char *line)
{
	char *end;

	for (char *p = line; *p != '\0'; p++) {
		if (*p == '#' && (p == line || isspace((unsigned char)p[-1]))) {
			*p = '\0';
			break;
		}
	}
	while (isspace((unsigned char)*line))
		line++;
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return line;
}

static int
secinfo_conf_parse_line(struct secinfo_conf *conf, const char *path, unsigned lineno, char *line,
			char *section, size_t section_size, unsigned *seen,
			struct secinfo_problems *problems)
{
	const struct secinfo_conf_key *key;
	const char *why = NULL;
	char *eq, *name, *value;
	int rc;

	line = secinfo_conf_trim(line);
	if (*line == '\0')
		return 0;
	if (*line == '[') {
		size_t n = strlen(line);
		if (line[n - 1] != ']' || n < 3 || n - 2 >= section_size)
			return secinfo_problem_add(problems, 1, "%s:%u: malformed section header",
						   path, lineno);
		snprintf(section, section_size, "%.*s", (int)(n - 2), line + 1);
		if (!secinfo_conf_section_known(section))
			return secinfo_problem_add(problems, 1, "%s:%u: unknown section [%s]", path,
						   lineno, section);
		return 0;
	}
	eq = strchr(line, '=');
	if (eq == NULL)
		return secinfo_problem_add(problems, 1, "%s:%u: expected 'key = value'", path,
					   lineno);
	*eq = '\0';
	name = secinfo_conf_trim(line);
	value = eq + 1;
	while (isspace((unsigned char)*value))
		value++;
	if (section[0] == '\0')
		return secinfo_problem_add(problems, 1, "%s:%u: key '%s' outside of a section",
					   path, lineno, name);
	if (!secinfo_conf_section_known(section))
		return 0; /* already reported at the section header */
	key = secinfo_conf_key_find(section, name);
	if (key == NULL)
		return secinfo_problem_add(problems, 1, "%s:%u: unknown key '%s' in [%s]", path,
					   lineno, name, section);
	if (seen[key - secinfo_conf_keys] != 0)
		return secinfo_problem_add(problems, 1, "%s:%u: key '%s' in [%s] is given twice",
					   path, lineno, name, section);
	seen[key - secinfo_conf_keys] = lineno;
	rc = secinfo_conf_set(conf, key, value, &why);
	if (rc == SECINFO_ERR_CONFIG)
		return secinfo_problem_add(problems, 1, "%s:%u: [%s] %s = '%s' %s", path, lineno,
					   section, name, value, why);
	if (rc == 0 && key->type == T_KINDS)
		rc = secinfo_conf_kinds_implemented(conf->methods, path, lineno, problems);
	return rc;
}

/* Returns 1 when the authority at HOST (after "scheme://") is exactly a loopback host: a name
 * that merely starts like one ("localhost.example.net", "127.0.0.1.example.net") or that
 * follows user info ("localhost@example.net") is not. */
static int
secinfo_url_host_loopback(const char *host)
{
	size_t n = strcspn(host, "/?#");

	if (memchr(host, '@', n) != NULL)
		return 0;
	if (strncmp(host, "[::1]", 5) == 0)
		return host[5] == '\0' || strchr(":/?#", host[5]) != NULL;
	n = strcspn(host, ":/?#");
	if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
		return 1;
	return n > 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n;
}

/* Plain-text gateways are allowed, but only loopback is a sane place for them. */
static int
secinfo_url_plain_remote(const char *url)
{
	static const char *const plain[] = {"http://", "smtp://", NULL};

	for (int i = 0; plain[i] != NULL; i++)
		if (strncasecmp(url, plain[i], strlen(plain[i])) == 0)
			return !secinfo_url_host_loopback(url + strlen(plain[i]));
	return 0;
}

static int
secinfo_conf_check_gateway(const char *path, const char *section, const struct secinfo_gateway *gw,
			   const unsigned *seen, struct secinfo_problems *problems)
{
	int use, rc = 0;

	if (gw->provider == NULL)
		return secinfo_problem_add(problems, 1,
					   "%s: [%s] provider is required because [policy] methods "
					   "allows %s (twilio or http)",
					   path, section, section);
	use = strcmp(gw->provider, "twilio") == 0 ? USE_TWILIO : USE_HTTP;
	if (use == USE_TWILIO &&
	    (gw->account_sid == NULL || gw->auth_token_file == NULL || gw->from == NULL))
		rc = secinfo_problem_add(problems, 1,
					 "%s: [%s] provider = twilio needs account_sid, "
					 "auth_token_file and from",
					 path, section);
	if (use == USE_HTTP && gw->url == NULL)
		rc = secinfo_problem_add(problems, 1, "%s: [%s] provider = http needs url", path,
					 section);
	for (size_t i = 0; rc == 0 && i < SECINFO_CONF_NKEYS; i++) {
		const struct secinfo_conf_key *k = &secinfo_conf_keys[i];
		if (seen[i] && strcmp(k->section, section) == 0 && k->used_by != USE_ANY &&
		    k->used_by != use)
			rc = secinfo_problem_add(problems, 0,
						 "%s: [%s] %s is not used by provider = %s", path,
						 section, k->key, gw->provider);
	}
	if (rc == 0 && use == USE_HTTP && gw->url != NULL && secinfo_url_plain_remote(gw->url))
		rc = secinfo_problem_add(problems, 0,
					 "%s: [%s] url sends codes unencrypted to a host "
					 "that is not loopback",
					 path, section);
	return rc;
}

/* The line where key FIRST of [SECTION] was given, else that of key OTHER of [OTHER_SECTION]
 * (a cross-key problem names a line the administrator wrote). */
static unsigned
secinfo_conf_key_line(const unsigned *seen, const char *section, const char *first,
		      const char *other_section, const char *other)
{
	unsigned line = seen[secinfo_conf_key_find(section, first) - secinfo_conf_keys];

	return line != 0 ? line
			 : seen[secinfo_conf_key_find(other_section, other) - secinfo_conf_keys];
}

const char *
secinfo_db_sslmode_name(int sslmode)
{
	return sslmode >= 0 && sslmode <= SECINFO_SSL_DISABLE ? secinfo_sslmodes[sslmode]
							      : "verify-full";
}

/* The number of entries of a comma list; *bad when one is empty or holds white space. */
static size_t
secinfo_conf_list_count(const char *list, int *bad)
{
	size_t count = 0;

	*bad = 0;
	for (const char *p = list;; p++) {
		size_t n = strcspn(p, ",");
		if (n == 0 || strcspn(p, " \t") < n)
			*bad = 1;
		count++;
		p += n;
		if (*p == '\0')
			break;
	}
	return count;
}

/* The longest entry of [database] host: a DNS name (253) or an address. */
#define SECINFO_CONF_HOST_MAX 253

/*
 * Checks every entry of the comma list HOSTS (SPEC 16): a literal IPv4 or IPv6 address, or a
 * DNS name (letters, digits, '-', '.'; a label neither empty nor starting or ending with '-').
 * Never a Unix socket directory ('/'), an abstract socket ('@') or anything libpq would read
 * as more than a host. *loopback is set to 1 when every entry is a literal loopback address
 * (127.0.0.0/8, ::1): a name goes to the resolver, which may answer anything. Returns 1 when
 * every entry is valid.
 */
static int
secinfo_conf_hosts_valid(const char *hosts, int *loopback)
{
	*loopback = 1;
	for (const char *p = hosts;;) {
		size_t n = strcspn(p, ",");
		char host[SECINFO_CONF_HOST_MAX + 1];
		struct in_addr a4;
		struct in6_addr a6;

		if (n == 0 || n > SECINFO_CONF_HOST_MAX)
			return 0;
		memcpy(host, p, n);
		host[n] = '\0';
		if (inet_pton(AF_INET, host, &a4) == 1) {
			if ((ntohl(a4.s_addr) >> 24) != 127)
				*loopback = 0;
		} else if (inet_pton(AF_INET6, host, &a6) == 1) {
			if (!IN6_IS_ADDR_LOOPBACK(&a6))
				*loopback = 0;
		} else {
			*loopback = 0;
			for (const char *label = host; *label != '\0';) {
				size_t len = strspn(
					label,
					"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					"0123456789-");
				if (len == 0 || len > 63 || label[0] == '-' ||
				    label[len - 1] == '-' ||
				    (label[len] != '.' && label[len] != '\0'))
					return 0;
				label += len;
				if (*label == '.' && *++label == '\0')
					return 0; /* a trailing dot: a name spelled two ways */
			}
		}
		p += n;
		if (*p == '\0')
			return 1;
		p++;
	}
}

/* Returns 1 when every entry of the comma list PORTS is a port number (1-65535). */
static int
secinfo_conf_ports_valid(const char *ports)
{
	for (const char *p = ports; *p != '\0';) {
		size_t n = strcspn(p, ",");
		unsigned long port = 0;
		if (n == 0 || n > 5 || strspn(p, "0123456789") != n)
			return 0;
		for (size_t i = 0; i < n; i++)
			port = port * 10 + (unsigned long)(p[i] - '0');
		if (port < 1 || port > 65535)
			return 0;
		p += n;
		if (*p == ',')
			p++;
	}
	return 1;
}

/* [database] for the backend chosen (SPEC 16): the PostgreSQL keys and their relations, and
 * keys given for the other backend (a warning: they are not used). */
static int
secinfo_conf_check_database(const struct secinfo_conf *conf, const char *path, const unsigned *seen,
			    struct secinfo_problems *problems)
{
	static const char *const pg_keys[] = {
		"host",    "port",        "dbname",          "user", "password_file",
		"sslmode", "sslrootcert", "connect_timeout", NULL};
	size_t hosts = 0, ports = 0;
	int bad_hosts = 0, bad_ports = 0, loopback = 0, rc = 0;

	if (conf->db_backend != SECINFO_DB_POSTGRESQL) {
		for (int i = 0; rc == 0 && pg_keys[i] != NULL; i++)
			if (seen[secinfo_conf_key_find("database", pg_keys[i]) - secinfo_conf_keys])
				rc = secinfo_problem_add(
					problems, 0,
					"%s: [database] %s is used only with backend = postgresql; "
					"remove it or set backend = postgresql",
					path, pg_keys[i]);
		return rc;
	}
	if (seen[secinfo_conf_key_find("database", "path") - secinfo_conf_keys])
		rc = secinfo_problem_add(problems, 0,
					 "%s: [database] path is used only with backend = sqlite; "
					 "remove it",
					 path);
	if (rc != 0)
		return rc;
	if (conf->db_host == NULL)
		return secinfo_problem_add(problems, 1,
					   "%s: [database] backend = postgresql needs host (the "
					   "database server's name, or a comma list of them)",
					   path);
	if (conf->db_password_file == NULL)
		return secinfo_problem_add(
			problems, 1,
			"%s: [database] backend = postgresql needs password_file "
			"(a file owned by root, mode 0600, holding the password "
			"of [database] user on one line)",
			path);
	hosts = secinfo_conf_list_count(conf->db_host, &bad_hosts);
	ports = secinfo_conf_list_count(conf->db_port, &bad_ports);
	if (bad_hosts || !secinfo_conf_hosts_valid(conf->db_host, &loopback))
		return secinfo_problem_add(
			problems, 1,
			"%s: [database] host must be a host name or an IP address, or a "
			"comma list of them without spaces or empty entries (a Unix socket "
			"directory or an abstract socket, '/' or '@', is not supported: use "
			"127.0.0.1)",
			path);
	if (bad_ports || !secinfo_conf_ports_valid(conf->db_port))
		return secinfo_problem_add(
			problems, 1,
			"%s: [database] port must be a port number (1-65535) or a "
			"comma list of them",
			path);
	if (ports != 1 && ports != hosts)
		return secinfo_problem_add(
			problems, 1,
			"%s: [database] port lists %zu ports for %zu hosts: give "
			"one port for every host, or one per host in the same "
			"order",
			path, ports, hosts);
	if (conf->db_password_file[0] != '/' || conf->db_sslrootcert[0] != '/')
		return secinfo_problem_add(problems, 1,
					   "%s: [database] password_file and sslrootcert must be "
					   "absolute paths",
					   path);
	if (conf->db_sslmode == SECINFO_SSL_DISABLE && !loopback)
		return secinfo_problem_add(
			problems, 1,
			"%s: [database] sslmode = disable sends the password and every secret "
			"unencrypted, and is allowed only when every host is a loopback address "
			"(127.0.0.1, ::1; not a name): use sslmode = verify-full with the server's "
			"CA in sslrootcert",
			path);
	/* libpq checks the chain against sslrootcert under require too whenever that file exists,
	 * and the module always names one: require is verify-ca. */
	if ((conf->db_sslmode == SECINFO_SSL_VERIFY_CA ||
	     conf->db_sslmode == SECINFO_SSL_REQUIRE) &&
	    strcmp(conf->db_sslrootcert, SECINFO_CONF_DEFAULT_SSLROOTCERT) == 0)
		return secinfo_problem_add(
			problems, 1,
			"%s: [database] sslmode = %s with the public CA bundle (%s) accepts "
			"any certificate any public CA issued, for any name: use sslmode = "
			"verify-full, or name your own CA in sslrootcert",
			path, secinfo_db_sslmode_name(conf->db_sslmode),
			SECINFO_CONF_DEFAULT_SSLROOTCERT);
	if (conf->db_sslmode == SECINFO_SSL_VERIFY_CA || conf->db_sslmode == SECINFO_SSL_REQUIRE)
		rc = secinfo_problem_add(problems, 0,
					 "%s: [database] sslmode = %s accepts any certificate "
					 "of the CA in sslrootcert, whatever name it is for: use "
					 "verify-full",
					 path, secinfo_db_sslmode_name(conf->db_sslmode));
	/* Without TLS nothing binds the password exchange to the server, and libpq before 16
	 * (no require_auth) answers a request for the password in clear. */
	if (conf->db_sslmode == SECINFO_SSL_DISABLE)
		rc = secinfo_problem_add(
			problems, 0,
			"%s: [database] sslmode = disable: the password goes to whatever listens "
			"on that loopback port, in clear if it asks (libpq before PostgreSQL 16 "
			"cannot refuse), so a program of any local user that takes the port while "
			"the server or PgBouncer is down receives it: prefer TLS to it as well "
			"(sslmode = verify-full)",
			path);
	return rc;
}

/* Checks what no single line can: required keys and relations between keys. */
static int
secinfo_conf_check(const struct secinfo_conf *conf, const char *path, const unsigned *seen,
		   struct secinfo_problems *problems)
{
	int rc = 0;

	if (conf->methods == 0)
		rc = secinfo_problem_add(problems, 1, "%s: [policy] methods allows no method",
					 path);
	if (rc == 0 && (conf->methods & SECINFO_KIND_BIT(SECINFO_KIND_SMS)))
		rc = secinfo_conf_check_gateway(path, "sms", &conf->sms, seen, problems);
	if (rc == 0 && (conf->methods & SECINFO_KIND_BIT(SECINFO_KIND_CALL)))
		rc = secinfo_conf_check_gateway(path, "call", &conf->call, seen, problems);
	if (rc == 0 && (conf->methods & SECINFO_KIND_BIT(SECINFO_KIND_EMAIL))) {
		if (conf->smtp_url == NULL || conf->email_from == NULL)
			rc = secinfo_problem_add(problems, 1,
						 "%s: [email] smtp_url and from are "
						 "required because [policy] methods allows email",
						 path);
		else if (secinfo_url_plain_remote(conf->smtp_url) &&
			 conf->starttls == SECINFO_STARTTLS_OFF)
			rc = secinfo_problem_add(problems, 0,
						 "%s: [email] smtp_url with starttls = off "
						 "sends codes unencrypted to a host that is not "
						 "loopback",
						 path);
	}
	if (rc == 0 && conf->max_failures < conf->reset_methods_required)
		rc = secinfo_problem_add(
			problems, 1,
			"%s:%u: [policy] max_failures (%u) must not be lower than [reset] "
			"methods_required (%u): a reset counts each proven method as an attempt "
			"until the last is proven, so every reset would lock its user out; raise "
			"max_failures or lower methods_required",
			path,
			secinfo_conf_key_line(seen, "policy", "max_failures", "reset",
					      "methods_required"),
			conf->max_failures, conf->reset_methods_required);
	if (rc == 0 && conf->questions_ask > conf->questions_register)
		rc = secinfo_problem_add(problems, 1,
					 "%s: [questions] ask (%u) must not exceed "
					 "register (%u)",
					 path, conf->questions_ask, conf->questions_register);
	if (rc == 0 && (conf->db_path[0] != '/' || conf->key_file[0] != '/'))
		rc = secinfo_problem_add(problems, 1,
					 "%s: [database] path and key_file must be "
					 "absolute paths",
					 path);
	if (rc == 0)
		rc = secinfo_conf_check_database(conf, path, seen, problems);
	return rc;
}

int
secinfo_conf_parse(const char *path, const char *text, struct secinfo_conf **out,
		   struct secinfo_problems *problems)
{
	struct secinfo_conf *conf = NULL;
	unsigned seen[SECINFO_CONF_NKEYS] = {0}; /* the line of each key given, or 0 */
	char section[32] = "", line[SECINFO_CONF_MAX_LINE + 1];
	size_t errors_before = problems->errors;
	unsigned lineno = 0;
	int rc;

	*out = NULL;
	conf = calloc(1, sizeof(*conf));
	if (conf == NULL)
		return SECINFO_ERR_NOMEM;
	rc = secinfo_conf_set_defaults(conf, path);
	while (rc == 0 && *text != '\0') {
		size_t n = strcspn(text, "\n");
		lineno++;
		if (n > SECINFO_CONF_MAX_LINE) {
			rc = secinfo_problem_add(problems, 1, "%s:%u: line is too long", path,
						 lineno);
		} else if (memchr(text, '\0', n) != NULL || memchr(text, '\r', n) != NULL) {
			rc = secinfo_problem_add(problems, 1, "%s:%u: carriage return in line",
						 path, lineno);
		} else {
			memcpy(line, text, n);
			line[n] = '\0';
			rc = secinfo_conf_parse_line(conf, path, lineno, line, section,
						     sizeof(section), seen, problems);
		}
		text += n;
		if (*text == '\n')
			text++;
	}
	if (rc == 0)
		rc = secinfo_conf_check(conf, path, seen, problems);
	if (rc == 0 && problems->errors > errors_before)
		rc = SECINFO_ERR_CONFIG;
	if (rc != 0) {
		secinfo_conf_free(conf);
		return rc;
	}
	*out = conf;
	return 0;
}

int
secinfo_conf_load(const char *path, struct secinfo_conf **conf, struct secinfo_problems *problems)
{
	const char *why = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*conf = NULL;
	rc = secinfo_file_read(path, SECINFO_FILE_PUBLIC_READ, SECINFO_CONF_MAX_SIZE, 0, &text,
			       &len, &why);
	/* The parser reads a C string: a NUL byte would silently end the file there. */
	if (rc == 0 && strlen(text) != len) {
		why = "contains a NUL byte";
		rc = SECINFO_ERR_CONFIG;
		free(text);
	}
	if (rc != 0)
		return secinfo_problem_add(problems, 1, "%s: %s", path,
					   why != NULL ? why : secinfo_strerror(rc)) == 0
			       ? rc
			       : SECINFO_ERR_NOMEM;
	rc = secinfo_conf_parse(path, text, conf, problems);
	free(text);
	return rc;
}

/* Returns 1 when WORD is one of the space-separated words of LIST (case-insensitive if NOCASE). */
static int
secinfo_word_listed(const char *list, const char *word, size_t word_len, int nocase)
{
	while (list != NULL && *list != '\0') {
		size_t n;
		list += strspn(list, " \t,");
		n = strcspn(list, " \t,");
		if (n > 0 && n == word_len &&
		    (nocase ? strncasecmp(list, word, n) : strncmp(list, word, n)) == 0)
			return 1;
		list += n;
	}
	return 0;
}

int
secinfo_conf_reset_denied(const struct secinfo_conf *conf, const char *user)
{
	return secinfo_word_listed(conf->reset_deny_users, user, strlen(user), 0);
}

int
secinfo_conf_domain_blocked(const struct secinfo_conf *conf, const char *domain)
{
	/* The domain itself, then each parent domain: a.b.example.org, b.example.org, ... */
	for (const char *d = domain; d != NULL && *d != '\0';) {
		size_t n = strlen(d);
		if (n > 0 && d[n - 1] == '.')
			n--;
		if (secinfo_word_listed(conf->blocked_domains, d, n, 1))
			return 1;
		d = strchr(d, '.');
		if (d != NULL)
			d++;
	}
	return 0;
}

int
secinfo_args_parse(int argc, const char **argv, struct secinfo_args *args, const char **bad)
{
	static const struct {
		const char *name;
		size_t offset;
	} flags[] = {
		{"nullok", offsetof(struct secinfo_args, nullok)},
		{"echo_code", offsetof(struct secinfo_args, echo_code)},
		{"autosend", offsetof(struct secinfo_args, autosend)},
		{"debug", offsetof(struct secinfo_args, debug)},
		{"register", offsetof(struct secinfo_args, registration)},
	};
	const char *registration = NULL;

	memset(args, 0, sizeof(*args));
	args->config = SECINFO_CONF_PATH;
	args->purpose = SECINFO_PURPOSE_2FA;
	args->methods = SECINFO_KINDS_ALL;
	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *value = strchr(arg, '=');
		size_t name_len = value != NULL ? (size_t)(value - arg) : strlen(arg);
		char name[16];
		size_t f;
		int matched = 0;

		*bad = arg;
		if (value != NULL)
			value++;
		for (f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
			if (value == NULL && strcmp(arg, flags[f].name) == 0) {
				*(int *)((char *)args + flags[f].offset) = 1;
				matched = 1;
			}
		}
		if (matched && strcmp(arg, "register") == 0)
			registration = arg;
		if (matched)
			continue;
		if (value == NULL || name_len >= sizeof(name))
			return SECINFO_ERR_CONFIG;
		memcpy(name, arg, name_len);
		name[name_len] = '\0';
		if (strcmp(name, "config") == 0 && value[0] == '/') {
			args->config = value;
		} else if (strcmp(name, "purpose") == 0 && strcmp(value, "2fa") == 0) {
			args->purpose = SECINFO_PURPOSE_2FA;
		} else if (strcmp(name, "purpose") == 0 && strcmp(value, "reset") == 0) {
			args->purpose = SECINFO_PURPOSE_RESET;
		} else if (strcmp(name, "exhausted") == 0 && strcmp(value, "maxtries") == 0) {
			args->exhausted = SECINFO_EXHAUSTED_MAXTRIES;
		} else if (strcmp(name, "exhausted") == 0 && strcmp(value, "abort") == 0) {
			args->exhausted = SECINFO_EXHAUSTED_ABORT;
		} else if (strcmp(name, "methods") == 0) {
			const char *word = NULL;
			if (secinfo_kind_parse_list(value, &args->methods, &word) != 0 ||
			    args->methods == 0)
				return SECINFO_ERR_CONFIG;
		} else {
			return SECINFO_ERR_CONFIG;
		}
	}
	/* A reset proves who forgot a password: a first app added on the spot proves nothing. */
	if (registration != NULL && args->purpose == SECINFO_PURPOSE_RESET) {
		*bad = registration;
		return SECINFO_ERR_CONFIG;
	}
	*bad = NULL;
	return 0;
}
