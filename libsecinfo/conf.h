/* secinfo: the configuration file (secinfo.conf(5)) and the module arguments. */
#ifndef SECINFO_CONF_H
#define SECINFO_CONF_H

#include <stddef.h>

#include "kind.h"

enum secinfo_otp_algorithm { SECINFO_OTP_SHA1, SECINFO_OTP_SHA256, SECINFO_OTP_SHA512 };
enum secinfo_starttls {
	SECINFO_STARTTLS_REQUIRED,
	SECINFO_STARTTLS_OPTIONAL,
	SECINFO_STARTTLS_OFF
};
enum secinfo_db_backend { SECINFO_DB_SQLITE, SECINFO_DB_POSTGRESQL };
/* In the order of the choices, and libpq's spellings. */
enum secinfo_db_sslmode {
	SECINFO_SSL_VERIFY_FULL,
	SECINFO_SSL_VERIFY_CA,
	SECINFO_SSL_REQUIRE,
	SECINFO_SSL_DISABLE
};
/* libpq's name of an sslmode. */
const char *secinfo_db_sslmode_name(int sslmode);

enum secinfo_user_verification {
	SECINFO_UV_REQUIRED,
	SECINFO_UV_PREFERRED,
	SECINFO_UV_DISCOURAGED
};

/* [sms] and [call]: one HTTP gateway each. */
struct secinfo_gateway {
	char *provider; /* "twilio" or "http" */
	unsigned default_country;
	long timeout;
	char *account_sid, *auth_token_file, *from, *api_base;
	char *url, *method, *content_type, *body, *header, *secret_file, *ca_file;
};

struct secinfo_conf {
	char *path;
	/* [policy] */
	unsigned methods; /* SECINFO_KIND_BIT mask the organisation allows */
	unsigned tries, max_failures;
	long lockout;
	char *issuer;
	/* [database] (SPEC 16: backend postgresql and its keys) */
	int db_backend; /* enum secinfo_db_backend */
	char *db_path, *key_file;
	long busy_timeout;
	char *db_host; /* postgresql: one host or a comma list */
	char *db_port; /* one port for every host, or a comma list matching db_host */
	char *db_name, *db_user, *db_password_file, *db_sslrootcert;
	int db_sslmode;          /* enum secinfo_db_sslmode */
	long db_connect_timeout; /* seconds, per host */
	/* [app] */
	int app_algorithm;
	unsigned app_digits, app_period, app_window;
	/* [codes] */
	unsigned code_length, max_sends_per_hour;
	long code_lifetime;
	char *code_message;
	struct secinfo_gateway sms, call;
	/* [email] */
	char *smtp_url, *smtp_username, *smtp_password_file, *email_from, *email_subject;
	char *email_ca_file, *blocked_domains;
	int starttls;
	long email_timeout;
	/* [questions] */
	unsigned questions_register, questions_ask, questions_min_answer_length;
	/* [reset] */
	unsigned reset_methods_required;
	char *reset_deny_users;
	/* [key] */
	char *key_rp_id;
	int key_user_verification;
	long key_timeout;  /* seconds a touch may take, at sign-in and registration */
	char *key_devices; /* glob of device paths to use; NULL: every FIDO2 device */
	/* [registration] (SPEC 12, 13) */
	char *registration_users;      /* user names and @groups; "*": everyone */
	int registration_first_method; /* enum secinfo_first_method */
	/* [tap] (SPEC 14) */
	long tap_lifetime;
	/* [notify] (SPEC 15) */
	unsigned notify_events; /* SECINFO_NOTIFY_* bits */
};

/* [registration] first_method: what lets a user with no 2FA method add a first one. */
enum secinfo_first_method {
	SECINFO_FIRST_METHOD_PASSWORD, /* the password alone (the default) */
	SECINFO_FIRST_METHOD_TAP,      /* a temporary access pass */
};

/* [notify] events: what a user is told about (SPEC 15). */
enum secinfo_notify_event {
	SECINFO_NOTIFY_METHOD_ADDED = 1u << 0,
	SECINFO_NOTIFY_METHOD_DELETED = 1u << 1,
	SECINFO_NOTIFY_DEFAULT_CHANGED = 1u << 2,
	SECINFO_NOTIFY_PASSWORD_RESET = 1u << 3,
	SECINFO_NOTIFY_LOCKED = 1u << 4,
};
#define SECINFO_NOTIFY_ALL 0x1fu

/* Problems found while reading a configuration: errors deny, warnings only inform. */
struct secinfo_problems {
	char **text;
	int *is_error;
	size_t count, errors;
};

void secinfo_problems_free(struct secinfo_problems *problems);

/* Adds one formatted problem. Returns 0 or SECINFO_ERR_NOMEM. */
int secinfo_problem_add(struct secinfo_problems *problems, int is_error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Reads and validates the configuration at PATH (opened safely: root-owned, not group/other
 * writable, no symlink). Every problem, as "file:line: text", goes to PROBLEMS.
 * Returns 0 and a new *conf, or a negative SECINFO_ERR_* code (no *conf).
 */
int secinfo_conf_load(const char *path, struct secinfo_conf **conf,
		      struct secinfo_problems *problems);

/* Parses configuration TEXT as though it came from PATH (no file access; for tests and load). */
int secinfo_conf_parse(const char *path, const char *text, struct secinfo_conf **conf,
		       struct secinfo_problems *problems);

/* Frees a configuration; accepts NULL. */
void secinfo_conf_free(struct secinfo_conf *conf);

/* Returns 1 when USER is listed in [reset] deny_users. */
int secinfo_conf_reset_denied(const struct secinfo_conf *conf, const char *user);

/* Returns 1 when the e-mail DOMAIN is in [email] blocked_domains or below one of them. */
int secinfo_conf_domain_blocked(const struct secinfo_conf *conf, const char *domain);

/*
 * Parses a duration: digits with an optional s, m, h or d suffix. Returns 0 and *seconds,
 * or SECINFO_ERR_CONFIG.
 */
int secinfo_duration_parse(const char *text, long *seconds);

/* Parses a positive decimal id (of a method or a question): digits only. Returns 0 and *id, or
 * SECINFO_ERR_INVALID. */
int secinfo_id_parse(const char *text, long long *id);

/* exhausted=: how a verification that cannot go on ends ([policy] tries wrong answers, or the
 * user locked out). */
enum secinfo_exhausted {
	SECINFO_EXHAUSTED_SPEC = 0, /* PAM_AUTH_ERR after the tries, PAM_MAXTRIES when locked */
	SECINFO_EXHAUSTED_MAXTRIES, /* PAM_MAXTRIES for both: sshd ends the connection */
	SECINFO_EXHAUSTED_ABORT,    /* PAM_ABORT for both: sudo stops asking */
};

/* The PAM module's arguments (pam_secinfo(8)). */
struct secinfo_args {
	const char *config; /* points into argv */
	unsigned purpose;   /* SECINFO_PURPOSE_2FA or SECINFO_PURPOSE_RESET */
	unsigned methods;   /* kind mask from methods=, all kinds when absent */
	unsigned exhausted; /* enum secinfo_exhausted */
	int nullok, echo_code, autosend, debug;
	int registration; /* register: offer an app to users with no method (SPEC 13) */
};

/* Parses module arguments; *bad gets the offending argument on error ("register" together
 * with purpose=reset is one: registration never proves a reset). Returns 0 or
 * SECINFO_ERR_CONFIG. */
int secinfo_args_parse(int argc, const char **argv, struct secinfo_args *args, const char **bad);

#endif
