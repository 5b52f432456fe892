/* Unit tests for libsecinfo/conf.c: defaults, durations, file:line problems, relations between
 * keys, deny_users, and the PAM module's arguments. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "error.h"
#include "kind.h"

#define FILE_NAME "test.conf"

/* Parses TEXT; the caller frees *conf and *problems. Returns the parser's result. */
static int
parse(const char *text, struct secinfo_conf **conf, struct secinfo_problems *problems)
{
	memset(problems, 0, sizeof(*problems));
	return secinfo_conf_parse(FILE_NAME, text, conf, problems);
}

/* TEXT must be refused with exactly one problem, the error WANT. */
static void
check_one_error(const char *text, const char *want, const char *what)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = (struct secinfo_conf *)&problems; /* must become NULL */
	int rc = parse(text, &conf, &problems);

	CHECK_INT(rc, SECINFO_ERR_CONFIG, "%s: refused", what);
	CHECK(conf == NULL, "%s: no configuration returned", what);
	CHECK_INT(problems.count, 1, "%s: exactly one problem", what);
	CHECK_INT(problems.errors, 1, "%s: it is an error", what);
	if (problems.count >= 1) {
		CHECK_STR(problems.text[0], want, "%s: message", what);
		CHECK_INT(problems.is_error[0], 1, "%s: flagged as an error", what);
	}
	if (rc == 0)
		secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

/* TEXT must be accepted with exactly one problem, the warning WANT. */
static void
check_one_warning(const char *text, const char *want, const char *what)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;
	int rc = parse(text, &conf, &problems);

	CHECK_INT(rc, 0, "%s: accepted", what);
	CHECK(conf != NULL, "%s: configuration returned", what);
	CHECK_INT(problems.count, 1, "%s: exactly one problem", what);
	CHECK_INT(problems.errors, 0, "%s: no error", what);
	if (problems.count >= 1) {
		CHECK_STR(problems.text[0], want, "%s: message", what);
		CHECK_INT(problems.is_error[0], 0, "%s: flagged as a warning", what);
	}
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

/* TEXT must be accepted without any problem. */
static void
check_clean(const char *text, const char *what)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;
	int rc = parse(text, &conf, &problems);

	CHECK_INT(rc, 0, "%s: accepted", what);
	CHECK_INT(problems.count, 0, "%s: no problems%s%s", what,
		  problems.count > 0 ? ", first: " : "",
		  problems.count > 0 ? problems.text[0] : "");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

static void
test_defaults(void)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;
	char host[256] = "";

	CHECK_INT(parse("", &conf, &problems), 0, "empty text parses");
	CHECK_INT(problems.count, 0, "empty text has no problems");
	if (conf == NULL) {
		secinfo_problems_free(&problems);
		return;
	}
	CHECK_STR(conf->path, FILE_NAME, "path remembered");
	CHECK_INT(conf->methods, SECINFO_KIND_BIT(SECINFO_KIND_APP),
		  "methods default to app: what this version implements");
	CHECK_INT(conf->tries, 3, "tries default");
	CHECK_INT(conf->max_failures, 10, "max_failures default");
	CHECK_INT(conf->lockout, 900, "lockout default (15m)");
	CHECK(gethostname(host, sizeof(host) - 1) == 0, "gethostname works");
	CHECK_STR(conf->issuer, host, "issuer defaults to the host name");
	CHECK_STR(conf->db_path, SECINFO_DB_PATH, "database path default");
	CHECK_STR(conf->key_file, SECINFO_KEY_PATH, "key file default");
	CHECK_INT(conf->busy_timeout, 5, "busy_timeout default");
	CHECK_INT(conf->app_algorithm, SECINFO_OTP_SHA1, "app algorithm default");
	CHECK_INT(conf->app_digits, 6, "app digits default");
	CHECK_INT(conf->app_period, 30, "app period default");
	CHECK_INT(conf->app_window, 1, "app window default");
	CHECK_INT(conf->code_length, 6, "codes length default");
	CHECK_INT(conf->code_lifetime, 300, "codes lifetime default");
	CHECK_INT(conf->max_sends_per_hour, 5, "max_sends_per_hour default");
	CHECK_STR(conf->code_message, "Your %{issuer} verification code is %{code}",
		  "codes message default");
	CHECK(conf->sms.provider == NULL, "no sms provider by default");
	CHECK_INT(conf->sms.default_country, 0, "no default country by default");
	CHECK_INT(conf->sms.timeout, 10, "sms timeout default");
	CHECK_INT(conf->call.timeout, 10, "call timeout default");
	CHECK_STR(conf->sms.api_base, "https://api.twilio.com", "sms api_base default");
	CHECK_STR(conf->call.method, "POST", "call method default");
	CHECK(conf->smtp_url == NULL, "no smtp_url by default");
	CHECK_INT(conf->starttls, SECINFO_STARTTLS_REQUIRED, "starttls default");
	CHECK_INT(conf->email_timeout, 10, "email timeout default");
	CHECK_STR(conf->email_subject, "Your verification code", "email subject default");
	CHECK(conf->blocked_domains == NULL, "no blocked domains by default");
	CHECK_INT(conf->questions_register, 5, "questions register default");
	CHECK_INT(conf->questions_ask, 3, "questions ask default");
	CHECK_INT(conf->questions_min_answer_length, 3, "min_answer_length default");
	CHECK_INT(conf->reset_methods_required, 1, "methods_required default");
	CHECK_STR(conf->reset_deny_users, "root", "deny_users default");
	CHECK_STR(conf->key_rp_id, "secinfo", "rp_id default");
	CHECK_INT(conf->key_user_verification, SECINFO_UV_REQUIRED, "user_verification default");
	CHECK_INT(conf->key_timeout, 30, "key timeout default 30s");
	CHECK(conf->key_devices == NULL, "every FIDO2 device by default");
	CHECK_STR(conf->registration_users, "*", "registration is offered to everyone by default");
	CHECK_INT(conf->registration_first_method, SECINFO_FIRST_METHOD_PASSWORD,
		  "a first method after the password alone by default");
	CHECK_INT(conf->tap_lifetime, 3600, "a pass lives an hour by default");
	CHECK_INT(conf->notify_events, SECINFO_NOTIFY_ALL, "every event is notified by default");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);

	check_clean("# only a comment\n\n   \n\t# indented comment\n", "comments and blank lines");
}

static void
test_values(void)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;
	static const char text[] = "[policy]\n"
				   "methods = app,key sms   # a comment after the value\n"
				   "tries=5\n"
				   "  max_failures   =   20  \n"
				   "lockout = 2h\n"
				   "issuer = example.org#not-a-comment\n"
				   "[database]\n"
				   "path = /srv/secinfo/db.sqlite\n"
				   "key_file = /srv/secinfo/db.key\n"
				   "busy_timeout = 1m\n"
				   "[app]\n"
				   "algorithm = sha256\n"
				   "digits = 8\n"
				   "period = 60\n"
				   "window = 0\n"
				   "[sms]\n"
				   "provider = http\n"
				   "url = https://sms.example.org/send\n"
				   "default_country = 31\n"
				   "body = {\"to\": \"%{to}\", \"text\": \"%{message}\"}\n"
				   "[email]\n"
				   "starttls = off\n"
				   "[questions]\n"
				   "register = 3\n"
				   "ask = 3\n"
				   "[reset]\n"
				   "methods_required = 2\n"
				   "deny_users = root admin, ops\n"
				   "[key]\n"
				   "user_verification = discouraged\n"
				   "timeout = 2m\n"
				   "devices = /dev/hidraw*\n"
				   "[registration]\n"
				   "users = alice @helpdesk\n"
				   "first_method = TAP\n"
				   "[tap]\n"
				   "lifetime = 2d\n"
				   "[notify]\n"
				   "events = locked,method-added  password-reset\n";

	CHECK_INT(parse(text, &conf, &problems), 0, "a configuration with values parses");
	CHECK_INT(problems.count, 0, "and has no problem%s%s", problems.count > 0 ? ": " : "",
		  problems.count > 0 ? problems.text[0] : "");
	if (conf == NULL) {
		secinfo_problems_free(&problems);
		return;
	}
	CHECK_INT(conf->methods,
		  SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_KEY) |
			  SECINFO_KIND_BIT(SECINFO_KIND_SMS),
		  "methods with a trailing comment");
	CHECK_INT(conf->tries, 5, "tries without spaces around '='");
	CHECK_INT(conf->max_failures, 20, "max_failures with surrounding blanks");
	CHECK_INT(conf->lockout, 7200, "lockout = 2h");
	CHECK_STR(conf->issuer, "example.org#not-a-comment", "'#' inside a word is kept");
	CHECK_STR(conf->db_path, "/srv/secinfo/db.sqlite", "database path");
	CHECK_STR(conf->key_file, "/srv/secinfo/db.key", "key file");
	CHECK_INT(conf->busy_timeout, 60, "busy_timeout = 1m");
	CHECK_INT(conf->app_algorithm, SECINFO_OTP_SHA256, "algorithm is case-insensitive");
	CHECK_INT(conf->app_digits, 8, "digits");
	CHECK_INT(conf->app_period, 60, "period");
	CHECK_INT(conf->app_window, 0, "window 0");
	CHECK_STR(conf->sms.provider, "http", "sms provider");
	CHECK_STR(conf->sms.url, "https://sms.example.org/send", "sms url");
	CHECK_INT(conf->sms.default_country, 31, "default_country");
	CHECK_STR(conf->sms.body, "{\"to\": \"%{to}\", \"text\": \"%{message}\"}", "sms body");
	CHECK_INT(conf->starttls, SECINFO_STARTTLS_OFF, "starttls off");
	CHECK_INT(conf->questions_register, 3, "register");
	CHECK_INT(conf->questions_ask, 3, "ask equal to register is fine");
	CHECK_INT(conf->reset_methods_required, 2, "methods_required");
	CHECK_INT(conf->key_user_verification, SECINFO_UV_DISCOURAGED, "user_verification");
	CHECK_INT(conf->key_timeout, 120, "key timeout = 2m");
	CHECK_STR(conf->key_devices, "/dev/hidraw*", "key devices glob");
	CHECK_STR(conf->registration_users, "alice @helpdesk", "registration users");
	CHECK_INT(conf->registration_first_method, SECINFO_FIRST_METHOD_TAP,
		  "first_method is case-insensitive");
	CHECK_INT(conf->tap_lifetime, 2 * 86400, "tap lifetime = 2d");
	CHECK_INT(conf->notify_events,
		  SECINFO_NOTIFY_LOCKED | SECINFO_NOTIFY_METHOD_ADDED |
			  SECINFO_NOTIFY_PASSWORD_RESET,
		  "notify events: a list with commas and spaces");

	CHECK_INT(secinfo_conf_reset_denied(conf, "root"), 1, "root is denied");
	CHECK_INT(secinfo_conf_reset_denied(conf, "admin"), 1, "admin is denied");
	CHECK_INT(secinfo_conf_reset_denied(conf, "ops"), 1, "ops (after a comma) is denied");
	CHECK_INT(secinfo_conf_reset_denied(conf, "alice"), 0, "alice is not denied");
	CHECK_INT(secinfo_conf_reset_denied(conf, "adm"), 0, "a prefix of a name is not denied");
	CHECK_INT(secinfo_conf_reset_denied(conf, "admins"), 0, "a longer name is not denied");
	CHECK_INT(secinfo_conf_reset_denied(conf, "Root"), 0, "user names are case-sensitive");
	CHECK_INT(secinfo_conf_reset_denied(conf, ""), 0, "the empty name is not denied");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);

	CHECK_INT(parse("", &conf, &problems), 0, "empty text parses again");
	if (conf != NULL) {
		CHECK_INT(secinfo_conf_reset_denied(conf, "root"), 1, "root denied by default");
		CHECK_INT(secinfo_conf_reset_denied(conf, "alice"), 0, "alice allowed by default");
	}
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);

	CHECK_INT(parse("[notify]\nevents =\n", &conf, &problems), 0, "empty events parse");
	if (conf != NULL)
		CHECK_INT(conf->notify_events, 0, "an empty events list turns notifications off");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
	CHECK(parse("[notify]\nevents = locked logged-in\n", &conf, &problems) != 0 &&
		      conf == NULL && problems.errors == 1 &&
		      strstr(problems.text[0], ":2:") != NULL,
	      "an unknown notify event is an error naming its line");
	secinfo_problems_free(&problems);
	CHECK(parse("[tap]\nlifetime = 5m\n", &conf, &problems) != 0 && conf == NULL,
	      "a pass lifetime under 10 minutes is refused");
	secinfo_problems_free(&problems);
	CHECK(parse("[tap]\nlifetime = 31d\n", &conf, &problems) != 0 && conf == NULL,
	      "a pass lifetime over 30 days is refused");
	secinfo_problems_free(&problems);
	CHECK(parse("[key]\ntimeout = 0\n", &conf, &problems) != 0 && conf == NULL &&
		      problems.errors == 1 && strstr(problems.text[0], ":2:") != NULL,
	      "a key timeout of 0 is refused, naming its line");
	secinfo_problems_free(&problems);
	CHECK(parse("[key]\ntimeout = 10m\n", &conf, &problems) != 0 && conf == NULL,
	      "a key timeout over 5 minutes is refused");
	secinfo_problems_free(&problems);
	CHECK(parse("[key]\ndevices =\n", &conf, &problems) != 0 && conf == NULL,
	      "an empty devices glob is refused (leave it out for every device)");
	secinfo_problems_free(&problems);
	CHECK(parse("[registration]\nfirst_method = sms\n", &conf, &problems) != 0 && conf == NULL,
	      "first_method is password or tap");
	secinfo_problems_free(&problems);

	CHECK_INT(parse("[reset]\ndeny_users =\n", &conf, &problems), 0, "empty deny_users parses");
	if (conf != NULL)
		CHECK_INT(secinfo_conf_reset_denied(conf, "root"), 0,
			  "with an empty deny_users nobody is denied");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

static void
check_duration(const char *text, long want)
{
	long seconds = -12345;

	CHECK_INT(secinfo_duration_parse(text, &seconds), 0, "duration \"%s\" accepted", text);
	CHECK_INT(seconds, want, "duration \"%s\" in seconds", text);
}

static void
check_duration_refused(const char *text)
{
	long seconds = -12345;

	CHECK_INT(secinfo_duration_parse(text, &seconds), SECINFO_ERR_CONFIG,
		  "duration \"%s\" refused", text);
	CHECK_INT(seconds, -12345, "duration \"%s\" leaves the output alone", text);
}

static void
test_durations(void)
{
	check_duration("90", 90);
	check_duration("0", 0);
	check_duration("30s", 30);
	check_duration("15m", 900);
	check_duration("2h", 7200);
	check_duration("1d", 86400);
	check_duration("007m", 420);
	check_duration_refused("");
	check_duration_refused("5x");
	check_duration_refused("-1");
	check_duration_refused("m");
	check_duration_refused("+5");
	check_duration_refused(" 5");
	check_duration_refused("5 m");
	check_duration_refused("5mm");
	check_duration_refused("5M");
	check_duration_refused("1.5h");
	check_duration_refused("1h30m");
	check_duration_refused("99999999999999999999");
	check_duration_refused("9223372036854775807d");

	check_one_error("[policy]\nlockout = 0\n",
			FILE_NAME
			":2: [policy] lockout = '0' is not a duration in the allowed range "
			"(a number with s, m, h or d)",
			"lockout below its minimum");
	check_one_error("[policy]\nlockout = 31d\n",
			FILE_NAME ":2: [policy] lockout = '31d' is not a duration in the allowed "
				  "range (a number with s, m, h or d)",
			"lockout above its maximum");
	check_one_error("[codes]\nlifetime = 5x\n",
			FILE_NAME ":2: [codes] lifetime = '5x' is not a duration in the allowed "
				  "range (a number with s, m, h or d)",
			"a duration with a bad suffix in the file");
}

static void
test_line_problems(void)
{
	check_one_error("[policy]\ntries = 3\n[nope]\n", FILE_NAME ":3: unknown section [nope]",
			"unknown section");
	check_one_error("[nope]\nanything = at all\nmore = keys\n",
			FILE_NAME ":1: unknown section [nope]",
			"keys of an unknown section are not reported again");
	check_one_error("\n[policy]\nbogus = 1\n", FILE_NAME ":3: unknown key 'bogus' in [policy]",
			"unknown key");
	check_one_error("[sms]\nissuer = x\n", FILE_NAME ":2: unknown key 'issuer' in [sms]",
			"a key of another section");
	check_one_error("[policy]\ntries = 0\n",
			FILE_NAME
			":2: [policy] tries = '0' is not a whole number in the allowed range",
			"tries = 0");
	check_one_error("[policy]\ntries = abc\n",
			FILE_NAME ":2: [policy] tries = 'abc' is not a whole number in the allowed "
				  "range",
			"tries = abc");
	check_one_error("[policy]\ntries = 11\n",
			FILE_NAME ":2: [policy] tries = '11' is not a whole number in the allowed "
				  "range",
			"tries = 11");
	check_one_error("[policy]\ntries = -3\n",
			FILE_NAME ":2: [policy] tries = '-3' is not a whole number in the allowed "
				  "range",
			"tries = -3");
	check_one_error("[policy]\ntries =\n",
			FILE_NAME
			":2: [policy] tries = '' is not a whole number in the allowed range",
			"tries without a value");
	check_one_error("[app]\ndigits = 9\n",
			FILE_NAME
			":2: [app] digits = '9' is not a whole number in the allowed range",
			"digits = 9");
	check_one_error("[app]\ndigits = 5\n",
			FILE_NAME
			":2: [app] digits = '5' is not a whole number in the allowed range",
			"digits = 5");
	check_one_error("[app]\nalgorithm = MD5\n",
			FILE_NAME ":2: [app] algorithm = 'MD5' is not one of the allowed values",
			"algorithm = MD5");
	check_one_error("[email]\nstarttls = sometimes\n",
			FILE_NAME
			":2: [email] starttls = 'sometimes' is not one of the allowed values",
			"starttls = sometimes");
	check_one_error("[sms]\nprovider = smpp\n",
			FILE_NAME ":2: [sms] provider = 'smpp' is not one of the allowed values",
			"provider = smpp");
	check_one_error("[policy]\nmethods = app fax\n",
			FILE_NAME ":2: [policy] methods = 'app fax' names a method that does not "
				  "exist (app sms call key email questions tap)",
			"methods with a kind that does not exist");
	check_one_error("[policy]\ntries = 3\nmax_failures = 5\ntries = 4\n",
			FILE_NAME ":4: key 'tries' in [policy] is given twice", "a key twice");
	check_one_error("[policy]\ntries = 3\n[policy]\ntries = 3\n",
			FILE_NAME ":4: key 'tries' in [policy] is given twice",
			"a key twice in a repeated section");
	check_one_error("[policy]\ntries 3\n", FILE_NAME ":2: expected 'key = value'",
			"a line without '='");
	check_one_error("tries = 3\n[policy]\n", FILE_NAME ":1: key 'tries' outside of a section",
			"a key before any section");
	check_one_error("[policy\n", FILE_NAME ":1: malformed section header",
			"a section header without ']'");
	check_one_error("[]\n", FILE_NAME ":1: malformed section header", "an empty section name");
	check_one_error("[policy]\ntries = 3\r\n", FILE_NAME ":2: carriage return in line",
			"a CR LF line ending");
	check_one_error("[policy]\nissuer = a\rb\n", FILE_NAME ":2: carriage return in line",
			"a CR inside a value");
	check_one_error("[database]\npath = var/lib/secinfo.db\n",
			FILE_NAME ": [database] path and key_file must be absolute paths",
			"a relative database path");
	check_one_error("[policy]\nmethods =\n", FILE_NAME ": [policy] methods allows no method",
			"no method allowed");
}

static void
test_all_problems_reported(void)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;
	static const char text[] = "[policy]\n"       /* 1 */
				   "tries = 0\n"      /* 2: bad value */
				   "# fine\n"         /* 3 */
				   "[nope]\n"         /* 4: unknown section */
				   "x = y\n"          /* 5: ignored, inside the unknown section */
				   "[app]\n"          /* 6 */
				   "digits = 6\n"     /* 7 */
				   "colour = blue\n"; /* 8: unknown key */

	CHECK_INT(parse(text, &conf, &problems), SECINFO_ERR_CONFIG, "three errors: refused");
	CHECK(conf == NULL, "three errors: no configuration");
	CHECK_INT(problems.count, 3, "three errors: three problems");
	CHECK_INT(problems.errors, 3, "three errors: all three are errors");
	if (problems.count == 3) {
		CHECK_STR(problems.text[0],
			  FILE_NAME ":2: [policy] tries = '0' is not a whole number in the allowed "
				    "range",
			  "first problem");
		CHECK_STR(problems.text[1], FILE_NAME ":4: unknown section [nope]",
			  "second problem");
		CHECK_STR(problems.text[2], FILE_NAME ":8: unknown key 'colour' in [app]",
			  "third problem");
	}
	secinfo_problems_free(&problems);
	CHECK(problems.count == 0 && problems.text == NULL, "problems_free empties the list");

	/* Line errors and relations between keys are reported together. */
	CHECK_INT(parse("[policy]\nmethods = app sms email\ntries = x\n[questions]\nregister = 3\n"
			"ask = 4\n",
			&conf, &problems),
		  SECINFO_ERR_CONFIG, "line and relation errors: refused");
	CHECK_INT(problems.errors, 4, "line and relation errors: all four reported");
	secinfo_problems_free(&problems);
}

static void
test_relations(void)
{
	static const char twilio[] =
		"[policy]\nmethods = app sms\n"
		"[sms]\nprovider = twilio\naccount_sid = AC123\n"
		"auth_token_file = /etc/security/secinfo-twilio.token\nfrom = +15550001111\n";
	char text[1024];

	check_one_error("[policy]\nmethods = app sms\n",
			FILE_NAME
			": [sms] provider is required because [policy] methods allows sms "
			"(twilio or http)",
			"sms allowed without [sms] provider");
	check_one_error(
		"[policy]\nmethods = call\n[sms]\nprovider = http\nurl = https://x.example/\n",
		FILE_NAME ": [call] provider is required because [policy] methods allows "
			  "call (twilio or http)",
		"call allowed with only [sms] configured");
	check_one_error("[policy]\nmethods = app sms\n[sms]\nprovider = twilio\n"
			"auth_token_file = /t\nfrom = +15550001111\n",
			FILE_NAME
			": [sms] provider = twilio needs account_sid, auth_token_file and "
			"from",
			"twilio without account_sid");
	check_one_error("[policy]\nmethods = app sms\n[sms]\nprovider = http\n",
			FILE_NAME ": [sms] provider = http needs url", "http without url");
	check_clean(twilio, "a complete twilio gateway");
	check_clean("[sms]\nprovider = twilio\n",
		    "an incomplete gateway that the policy disallows");

	snprintf(text, sizeof(text), "%surl = https://sms.example.org/send\n", twilio);
	check_one_warning(text, FILE_NAME ": [sms] url is not used by provider = twilio",
			  "twilio with a url key");
	check_one_warning("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
			  "url = https://sms.example.org/send\naccount_sid = AC1\n",
			  FILE_NAME ": [sms] account_sid is not used by provider = http",
			  "http with an account_sid key");

	check_one_warning("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
			  "url = http://sms.example.org/send\n",
			  FILE_NAME ": [sms] url sends codes unencrypted to a host that is not "
				    "loopback",
			  "http:// to a remote host");
	check_one_warning("[policy]\nmethods = app call\n[call]\nprovider = http\n"
			  "url = HTTP://192.0.2.7:8080/send\n",
			  FILE_NAME ": [call] url sends codes unencrypted to a host that is not "
				    "loopback",
			  "HTTP:// to a remote address");
	check_one_warning("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
			  "url = http://localhost.example.net/send\n",
			  FILE_NAME ": [sms] url sends codes unencrypted to a host that is not "
				    "loopback",
			  "http:// to a host whose name only starts with localhost");
	check_one_warning("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
			  "url = http://127.0.0.1.example.net/send\n",
			  FILE_NAME ": [sms] url sends codes unencrypted to a host that is not "
				    "loopback",
			  "http:// to a host whose name only starts with 127.");
	check_one_warning("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
			  "url = http://localhost@sms.example.net/send\n",
			  FILE_NAME ": [sms] url sends codes unencrypted to a host that is not "
				    "loopback",
			  "http:// with user info before a remote host");
	check_clean("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
		    "url = http://127.0.0.1:8025/send\n",
		    "http:// to 127.0.0.1");
	check_clean("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
		    "url = http://localhost/send\n",
		    "http:// to localhost");
	check_clean("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
		    "url = http://LOCALHOST:8080\n",
		    "http:// to LOCALHOST with a port");
	check_clean("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
		    "url = http://[::1]:8080/send\n",
		    "http:// to [::1]");
	check_clean("[policy]\nmethods = app sms\n[sms]\nprovider = http\n"
		    "url = https://sms.example.org/send\n",
		    "https:// to a remote host");

	/* A reset with two methods keeps the first method's attempt counted until the second is
	 * proven: with fewer allowed failures than methods, every such reset locks its user. */
	check_one_error("[policy]\nmax_failures = 1\n[reset]\nmethods_required = 2\n",
			FILE_NAME ":2: [policy] max_failures (1) must not be lower than [reset] "
				  "methods_required (2): a reset counts each proven method as an "
				  "attempt until the last is proven, so every reset would lock its "
				  "user out; raise max_failures or lower methods_required",
			"max_failures < methods_required");
	check_one_error("[reset]\nmethods_required = 2\n[policy]\nmax_failures = 1\n",
			FILE_NAME ":4: [policy] max_failures (1) must not be lower than [reset] "
				  "methods_required (2): a reset counts each proven method as an "
				  "attempt until the last is proven, so every reset would lock its "
				  "user out; raise max_failures or lower methods_required",
			"max_failures < methods_required, the other order: max_failures's line");
	{
		struct secinfo_problems problems;
		struct secinfo_conf *conf = NULL;
		int rc = parse("[policy]\nmax_failures = 2\n[reset]\nmethods_required = 2\n", &conf,
			       &problems);
		CHECK_INT(rc, 0, "max_failures = methods_required = 2 is accepted");
		CHECK_INT(problems.count, 0, "  without a problem");
		secinfo_conf_free(conf);
		secinfo_problems_free(&problems);
	}
	check_one_error("[questions]\nregister = 3\nask = 5\n",
			FILE_NAME ": [questions] ask (5) must not exceed register (3)",
			"questions ask > register");
	check_one_error("[policy]\nmethods = app email\n",
			FILE_NAME
			": [email] smtp_url and from are required because [policy] methods "
			"allows email",
			"email allowed without smtp_url");
	check_one_error(
		"[policy]\nmethods = app email\n[email]\nsmtp_url = smtps://mail.example.org\n",
		FILE_NAME ": [email] smtp_url and from are required because [policy] methods "
			  "allows email",
		"email allowed without from");
	check_clean(
		"[policy]\nmethods = app email\n[email]\nsmtp_url = smtp://mail.example.org:587\n"
		"from = Security info <noreply@example.org>\n",
		"smtp:// with STARTTLS required");
	check_one_warning("[policy]\nmethods = app email\n[email]\n"
			  "smtp_url = smtp://mail.example.org:25\nstarttls = off\n"
			  "from = noreply@example.org\n",
			  FILE_NAME
			  ": [email] smtp_url with starttls = off sends codes unencrypted to "
			  "a host that is not loopback",
			  "smtp:// without TLS to a remote host");
	check_one_warning("[policy]\nmethods = app email\n[email]\n"
			  "smtp_url = smtp://localhost.example.net\nstarttls = off\n"
			  "from = noreply@example.org\n",
			  FILE_NAME
			  ": [email] smtp_url with starttls = off sends codes unencrypted to "
			  "a host that is not loopback",
			  "smtp:// without TLS to a host whose name only starts with localhost");
	check_clean("[policy]\nmethods = app email\n[email]\nsmtp_url = smtp://127.0.0.1:2525\n"
		    "starttls = off\nfrom = noreply@example.org\n",
		    "smtp:// without TLS to loopback");
}

/* The annotated example of SPEC section 5, with [call] filled in: every key is accepted. */
static void
test_spec_example(void)
{
	static const char text[] =
		"[policy]\n"
		"methods = app key sms call email questions   # what the organisation allows\n"
		"tries = 3                 # code attempts per sign-in conversation\n"
		"max_failures = 10         # failures in a row before lockout\n"
		"lockout = 15m\n"
		"issuer = example.org      # shown in authenticator apps; default: the host name\n"
		"\n"
		"[database]\n"
		"path = /var/lib/secinfo/secinfo.db\n"
		"key_file = /etc/security/secinfo.key\n"
		"busy_timeout = 5s\n"
		"\n"
		"[app]\n"
		"algorithm = SHA1          # SHA1 | SHA256 | SHA512\n"
		"digits = 6                # 6 | 7 | 8\n"
		"period = 30\n"
		"window = 1                # steps accepted either side of now\n"
		"\n"
		"[codes]                   # one-time codes sent by sms, call and email\n"
		"length = 6                # 6..10 digits\n"
		"lifetime = 5m\n"
		"max_sends_per_hour = 5    # per user and channel: toll-fraud and spam guard\n"
		"message = Your %{issuer} verification code is %{code}\n"
		"\n"
		"[sms]\n"
		"provider = twilio         # twilio | http\n"
		"default_country = 1       # for numbers written without +CC\n"
		"timeout = 10s\n"
		"# provider = twilio:\n"
		"account_sid = AC...\n"
		"auth_token_file = /etc/security/secinfo-twilio.token\n"
		"from = +15550001111\n"
		"api_base = https://api.twilio.com\n"
		"# provider = http (any gateway):\n"
		"url = https://sms.example.org/send\n"
		"method = POST\n"
		"content_type = application/json\n"
		"body = {\"to\": \"%{to}\", \"text\": \"%{message}\"}\n"
		"header = Authorization: Bearer %{secret}\n"
		"secret_file = /etc/security/secinfo-sms.secret\n"
		"\n"
		"[call]\n"
		"provider = http\n"
		"url = https://voice.example.org/call\n"
		"\n"
		"[email]\n"
		"smtp_url = smtp://mail.example.org:587    # or smtps://host:465\n"
		"starttls = required       # required | optional | off (smtp:// only)\n"
		"username = secinfo\n"
		"password_file = /etc/security/secinfo-smtp.secret\n"
		"from = Security info <noreply@example.org>\n"
		"subject = Your verification code\n"
		"blocked_domains = example.org corp.example.org   # work/school domains: not "
		"allowed\n"
		"timeout = 10s\n"
		"\n"
		"[questions]\n"
		"register = 5              # how many each user must answer to register (3..5)\n"
		"ask = 3                   # how many are asked at a reset (1..register)\n"
		"min_answer_length = 3\n"
		"\n"
		"[reset]\n"
		"methods_required = 1      # 1 | 2\n"
		"deny_users = root\n"
		"\n"
		"[key]\n"
		"rp_id = secinfo           # FIDO2 relying party; origin is pam://<rp_id>\n"
		"user_verification = required   # PIN: required | preferred | discouraged\n";
	static const char *const warnings[] = {
		FILE_NAME ": [sms] url is not used by provider = twilio",
		FILE_NAME ": [sms] method is not used by provider = twilio",
		FILE_NAME ": [sms] content_type is not used by provider = twilio",
		FILE_NAME ": [sms] body is not used by provider = twilio",
		FILE_NAME ": [sms] header is not used by provider = twilio",
		FILE_NAME ": [sms] secret_file is not used by provider = twilio",
	};
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;

	CHECK_INT(parse(text, &conf, &problems), 0, "the SPEC example parses");
	CHECK_INT(problems.errors, 0, "the SPEC example has no errors%s%s",
		  problems.errors > 0 ? ", first problem: " : "",
		  problems.errors > 0 ? problems.text[0] : "");
	CHECK_INT(problems.count, 6, "the SPEC example warns about the six http-only keys");
	for (size_t i = 0; i < problems.count && i < 6; i++) {
		CHECK_STR(problems.text[i], warnings[i], "SPEC example warning %zu", i);
		CHECK_INT(problems.is_error[i], 0, "SPEC example warning %zu is a warning", i);
	}
	if (conf != NULL) {
		CHECK_INT(conf->methods, SECINFO_KINDS_ALL & ~SECINFO_KIND_BIT(SECINFO_KIND_TAP),
			  "all six methods allowed");
		CHECK_STR(conf->issuer, "example.org", "issuer with its comment cut");
		CHECK_STR(conf->email_from, "Security info <noreply@example.org>", "email from");
		CHECK_STR(conf->blocked_domains, "example.org corp.example.org",
			  "blocked_domains with its comment cut");
		CHECK_STR(conf->sms.header, "Authorization: Bearer %{secret}", "sms header");
		CHECK_STR(conf->sms.account_sid, "AC...", "account_sid");
		CHECK_INT(conf->sms.default_country, 1, "default_country");
	}
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

/* Every kind is implemented (key too, SPEC 11): none is a warning; the shipped configuration
 * allows app and key and has no problem. */
static void
test_unimplemented_kinds(void)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;
	static char text[65536];
	char path[4096];
	size_t n;
	FILE *f;

	check_clean("[policy]\nmethods = app key\n", "methods with key (implemented: SPEC 11)");
	check_clean("[policy]\nmethods = app sms call email questions\n[sms]\nprovider = "
		    "http\nurl = https://x.example/\n[call]\nprovider = http\nurl = "
		    "https://x.example/\n[email]\nsmtp_url = smtps://x.example\nfrom = "
		    "a@x.example\n",
		    "every implemented kind");
	snprintf(path, sizeof(path), "%s/conf/secinfo.conf",
		 getenv("top_srcdir") != NULL ? getenv("top_srcdir") : ".");
	f = fopen(path, "r");
	CHECK(f != NULL, "%s can be read", path);
	n = f != NULL ? fread(text, 1, sizeof(text) - 1, f) : 0;
	if (f != NULL)
		fclose(f);
	CHECK(n > 0 && n < sizeof(text) - 1, "%s read whole (%zu bytes)", path, n);
	text[n] = '\0';
	CHECK_INT(parse(text, &conf, &problems), 0, "%s parses", path);
	CHECK_INT(problems.count, 0, "the shipped configuration has no problems%s%s",
		  problems.count > 0 ? ", first: " : "",
		  problems.count > 0 ? problems.text[0] : "");
	if (conf != NULL)
		CHECK_INT(conf->methods,
			  SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_KEY),
			  "the shipped configuration allows app and key (issue 11)");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

static void
check_args_ok(int argc, const char **argv, const char *what)
{
	struct secinfo_args args;
	const char *bad = "untouched";

	CHECK_INT(secinfo_args_parse(argc, argv, &args, &bad), 0, "%s: accepted", what);
	CHECK(bad == NULL, "%s: *bad is NULL", what);
}

static void
check_args_bad(int argc, const char **argv, int bad_index, const char *what)
{
	struct secinfo_args args;
	const char *bad = NULL;

	CHECK_INT(secinfo_args_parse(argc, argv, &args, &bad), SECINFO_ERR_CONFIG, "%s: refused",
		  what);
	CHECK(bad == argv[bad_index], "%s: *bad points at \"%s\" (got \"%s\")", what,
	      argv[bad_index], bad != NULL ? bad : "(null)");
}

static void
test_args(void)
{
	const char *good[] = {"config=/x", "purpose=reset", "methods=app,sms",
			      "nullok",    "echo_code",     "autosend",
			      "debug"};
	const char *twofa[] = {"purpose=reset", "purpose=2fa", "methods=key"};
	struct secinfo_args args;
	const char *bad = NULL;
	static const char *const refused[] = {"bogus",
					      "nullok=1",
					      "config=relative",
					      "purpose=other",
					      "methods=app,fax",
					      "methods=",
					      "config=",
					      "debug=",
					      "=x",
					      "NULLOK",
					      "averyveryverylongname=1",
					      "purpose",
					      "methods"};

	CHECK_INT(secinfo_args_parse(0, NULL, &args, &bad), 0, "no arguments");
	CHECK_STR(args.config, SECINFO_CONF_PATH, "config default");
	CHECK_INT(args.purpose, SECINFO_PURPOSE_2FA, "purpose default");
	CHECK_INT(args.methods, SECINFO_KINDS_ALL, "methods default: all kinds");
	CHECK(!args.nullok && !args.echo_code && !args.autosend && !args.debug,
	      "flags default off");

	CHECK_INT(secinfo_args_parse(7, good, &args, &bad), 0, "all good arguments accepted");
	CHECK(bad == NULL, "*bad is NULL on success");
	CHECK(args.config == good[0] + 7, "config points into argv");
	CHECK_STR(args.config, "/x", "config=/x");
	CHECK_INT(args.purpose, SECINFO_PURPOSE_RESET, "purpose=reset");
	CHECK_INT(args.methods,
		  SECINFO_KIND_BIT(SECINFO_KIND_APP) | SECINFO_KIND_BIT(SECINFO_KIND_SMS),
		  "methods=app,sms");
	CHECK_INT(args.nullok, 1, "nullok");
	CHECK_INT(args.echo_code, 1, "echo_code");
	CHECK_INT(args.autosend, 1, "autosend");
	CHECK_INT(args.debug, 1, "debug");

	CHECK_INT(secinfo_args_parse(3, twofa, &args, &bad), 0, "purpose given twice");
	CHECK_INT(args.purpose, SECINFO_PURPOSE_2FA, "the last purpose wins");
	CHECK_INT(args.methods, SECINFO_KIND_BIT(SECINFO_KIND_KEY), "methods=key");
	CHECK(!args.nullok, "flags reset between parses");
	check_args_ok(1, (const char *[]){"nullok"}, "nullok alone");
	CHECK_INT(secinfo_args_parse(2, (const char *[]){"register", "nullok"}, &args, &bad), 0,
		  "register accepted");
	CHECK_INT(args.registration, 1, "register sets registration");
	CHECK_INT(secinfo_args_parse(1, (const char *[]){"nullok"}, &args, &bad), 0, "nullok");
	CHECK_INT(args.registration, 0, "registration off by default");
	check_args_ok(2, (const char *[]){"purpose=2fa", "register"}, "register with purpose=2fa");
	/* Registration never proves a reset: a configuration error, wherever the purpose is. */
	check_args_bad(2, (const char *[]){"register", "purpose=reset"}, 0,
		       "register before purpose=reset");
	check_args_bad(3, (const char *[]){"debug", "purpose=reset", "register"}, 2,
		       "register after purpose=reset");
	check_args_bad(1, (const char *[]){"register=yes"}, 0, "register=yes");

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		const char *argv[3] = {"debug", refused[i], "nullok"};
		check_args_bad(3, argv, 1, refused[i]);
		check_args_bad(1, argv + 1, 0, refused[i]);
	}
}

/* An empty value never satisfies a key (helper review: "account_sid =" passed as set). */
static void
test_empty_values(void)
{
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;

	check_one_error("[policy]\nissuer =\n",
			FILE_NAME ":2: [policy] issuer = '' must not be empty", "empty issuer");
	/* The empty key is named, and the key still counts as missing. */
	CHECK_INT(parse("[policy]\nmethods = app sms\n[sms]\nprovider = twilio\n"
			"account_sid =\nauth_token_file = /t\nfrom = +15550001111\n",
			&conf, &problems),
		  SECINFO_ERR_CONFIG, "empty required twilio key: refused");
	CHECK_INT(problems.errors, 2, "empty required twilio key: two errors");
	if (problems.count == 2) {
		CHECK_STR(problems.text[0],
			  FILE_NAME ":5: [sms] account_sid = '' must not be empty",
			  "empty required twilio key: the line is named");
		CHECK(strstr(problems.text[1], "needs account_sid") != NULL,
		      "empty required twilio key: and it is still missing");
	}
	secinfo_problems_free(&problems);
	check_clean("[email]\nblocked_domains =\n[reset]\ndeny_users =\n",
		    "empty lists: blocked_domains and deny_users may be empty");
	CHECK_INT(parse("[policy]\nmethods = app sms\n[sms]\nprovider = Twilio\naccount_sid = AC1\n"
			"auth_token_file = /t\nfrom = +15550001111\n",
			&conf, &problems),
		  0, "provider is matched without regard to case");
	if (conf != NULL)
		CHECK_STR(conf->sms.provider, "twilio", "and stored in its canonical spelling");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
}

/* [database] backend = postgresql and the keys of SPEC 16, with their checks. */
static void
test_postgresql(void)
{
#define PG_BASE "[database]\nbackend = postgresql\nhost = db1.example.org,db2.example.org\n"
#define PG_PASS "password_file = /etc/security/secinfo-db.secret\n"
#define HOST_ERROR                                                                                 \
	FILE_NAME ": [database] host must be a host name or an IP address, or a comma list of "    \
		  "them without spaces or empty entries (a Unix socket directory or an abstract "  \
		  "socket, '/' or '@', is not supported: use 127.0.0.1)"
	static const char spec[] =
		"[database]\n"
		"backend = postgresql            # sqlite (default) | postgresql\n"
		"host = db1.example.org,db2.example.org\n"
		"port = 5432\n"
		"dbname = secinfo\n"
		"user = secinfo\n"
		"password_file = /etc/security/secinfo-db.secret\n"
		"sslmode = verify-full\n"
		"sslrootcert = /etc/ssl/certs/ca-certificates.crt\n"
		"connect_timeout = 3s\n"
		"busy_timeout = 5s\n"
		"key_file = /etc/security/secinfo.key\n";
	struct secinfo_problems problems;
	struct secinfo_conf *conf = NULL;

	CHECK_INT(parse(spec, &conf, &problems), 0, "SPEC 16's example parses");
	CHECK_INT(problems.count, 0, "SPEC 16's example has no problems");
	if (conf != NULL) {
		CHECK_INT(conf->db_backend, SECINFO_DB_POSTGRESQL, "backend postgresql");
		CHECK_STR(conf->db_host, "db1.example.org,db2.example.org", "host list");
		CHECK_STR(conf->db_port, "5432", "port");
		CHECK_STR(conf->db_password_file, "/etc/security/secinfo-db.secret",
			  "password_file");
		CHECK_INT(conf->db_sslmode, SECINFO_SSL_VERIFY_FULL, "sslmode");
		CHECK_INT(conf->db_connect_timeout, 3, "connect_timeout");
	}
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);

	/* the defaults: verify-full, the system CA bundle, 3 s, port 5432, secinfo/secinfo */
	CHECK_INT(parse(PG_BASE PG_PASS, &conf, &problems), 0, "host and password_file suffice");
	if (conf != NULL) {
		CHECK_INT(conf->db_sslmode, SECINFO_SSL_VERIFY_FULL,
			  "sslmode defaults to verify-full");
		CHECK_STR(conf->db_sslrootcert, "/etc/ssl/certs/ca-certificates.crt",
			  "sslrootcert defaults to the system bundle");
		CHECK_INT(conf->db_connect_timeout, 3, "connect_timeout defaults to 3 s");
		CHECK_STR(conf->db_port, "5432", "port defaults to 5432");
		CHECK_STR(conf->db_name, "secinfo", "dbname defaults to secinfo");
		CHECK_STR(conf->db_user, "secinfo", "user defaults to secinfo");
	}
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
	CHECK_INT(parse("", &conf, &problems), 0, "no [database] at all");
	if (conf != NULL)
		CHECK_INT(conf->db_backend, SECINFO_DB_SQLITE, "the backend defaults to sqlite");
	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);

	check_one_error(PG_BASE,
			FILE_NAME ": [database] backend = postgresql needs password_file "
				  "(a file owned by root, mode 0600, holding the password of "
				  "[database] user on one line)",
			"postgresql without password_file");
	check_one_error("[database]\nbackend = postgresql\n" PG_PASS,
			FILE_NAME ": [database] backend = postgresql needs host (the database "
				  "server's name, or a comma list of them)",
			"postgresql without host");
	check_one_error(PG_BASE PG_PASS "port = 5432,5433,5434\n",
			FILE_NAME ": [database] port lists 3 ports for 2 hosts: give one port for "
				  "every host, or one per host in the same order",
			"three ports for two hosts");
	check_clean(PG_BASE PG_PASS "port = 5432,6432\n", "one port per host");
	check_one_error(PG_BASE PG_PASS "port = 70000\n",
			FILE_NAME ": [database] port must be a port number (1-65535) or a comma "
				  "list of them",
			"port out of range");
	check_one_error("[database]\nbackend = postgresql\nhost = db1,,db2\n" PG_PASS, HOST_ERROR,
			"an empty host in the list");
	check_one_error("[database]\nbackend = postgresql\nhost = 127.0.0.1,/tmp\n" PG_PASS,
			HOST_ERROR, "a socket directory after a host");
	check_one_error("[database]\nbackend = postgresql\nhost = @secinfo\n" PG_PASS, HOST_ERROR,
			"an abstract socket");
	check_one_error("[database]\nbackend = postgresql\nhost = 127.0.0.1,@secinfo\n" PG_PASS,
			HOST_ERROR, "an abstract socket after a host");
	check_one_error("[database]\nbackend = postgresql\nhost = db.example.org.\n" PG_PASS,
			HOST_ERROR, "a name with a trailing dot");
	check_one_error("[database]\nbackend = postgresql\nhost = db host=x\n" PG_PASS, HOST_ERROR,
			"a conninfo string");
	check_clean("[database]\nbackend = postgresql\nhost = "
		    "db-1.example.org,192.0.2.1,2001:db8::1\n" PG_PASS,
		    "names, IPv4 and IPv6 addresses");
	check_one_error(PG_BASE "password_file = secret\n",
			FILE_NAME ": [database] password_file and sslrootcert must be absolute "
				  "paths",
			"a relative password_file");
	check_one_error(PG_BASE PG_PASS "sslmode = disable\n",
			FILE_NAME ": [database] sslmode = disable sends the password and every "
				  "secret unencrypted, and is allowed only when every host is a "
				  "loopback address (127.0.0.1, ::1; not a name): use sslmode = "
				  "verify-full with the server's CA in sslrootcert",
			"sslmode = disable with remote hosts");
	check_one_error(
		"[database]\nbackend = postgresql\nhost = 127.0.0.1,db.example.org\n" PG_PASS
		"sslmode = disable\n",
		FILE_NAME ": [database] sslmode = disable sends the password and every "
			  "secret unencrypted, and is allowed only when every host is a "
			  "loopback address (127.0.0.1, ::1; not a name): use sslmode = "
			  "verify-full with the server's CA in sslrootcert",
		"sslmode = disable with one remote host among loopback ones");
	check_one_error("[database]\nbackend = postgresql\nhost = 127.0.0.1.example.org\n" PG_PASS
			"sslmode = disable\n",
			FILE_NAME ": [database] sslmode = disable sends the password and every "
				  "secret unencrypted, and is allowed only when every host is a "
				  "loopback address (127.0.0.1, ::1; not a name): use sslmode = "
				  "verify-full with the server's CA in sslrootcert",
			"a name that only starts like a loopback address");
	check_one_warning(
		"[database]\nbackend = postgresql\nhost = 127.0.0.1,::1,127.1.2.3\n" PG_PASS
		"sslmode = disable\n",
		FILE_NAME ": [database] sslmode = disable: the password goes to whatever listens "
			  "on that loopback port, in clear if it asks (libpq before PostgreSQL 16 "
			  "cannot refuse), so a program of any local user that takes the port "
			  "while the server or PgBouncer is down receives it: prefer TLS to it as "
			  "well (sslmode = verify-full)",
		"sslmode = disable on loopback addresses: allowed, with a warning");
	for (const char *const *h =
		     (const char *const[]){"localhost", "LOCALHOST", "127.0.0.1234", "::2", NULL};
	     *h != NULL; h++) {
		char text[256];
		snprintf(text, sizeof(text),
			 "[database]\nbackend = postgresql\nhost = %s\n" PG_PASS
			 "sslmode = disable\n",
			 *h);
		check_one_error(text,
				FILE_NAME
				": [database] sslmode = disable sends the password and "
				"every secret unencrypted, and is allowed only when every "
				"host is a loopback address (127.0.0.1, ::1; not a name): use "
				"sslmode = verify-full with the server's CA in sslrootcert",
				*h);
	}
	check_one_error(PG_BASE PG_PASS "sslmode = verify-ca\n",
			FILE_NAME
			": [database] sslmode = verify-ca with the public CA bundle "
			"(/etc/ssl/certs/ca-certificates.crt) accepts any certificate any "
			"public CA issued, for any name: use sslmode = verify-full, or name "
			"your own CA in sslrootcert",
			"verify-ca with the public bundle");
	check_one_warning(
		PG_BASE PG_PASS "sslmode = verify-ca\nsslrootcert = /etc/secinfo/db-ca.pem\n",
		FILE_NAME ": [database] sslmode = verify-ca accepts any certificate of "
			  "the CA in sslrootcert, whatever name it is for: use verify-full",
		"verify-ca with a CA of one's own");
	check_one_error(
		PG_BASE PG_PASS "sslmode = require\n",
		FILE_NAME ": [database] sslmode = require with the public CA bundle "
			  "(/etc/ssl/certs/ca-certificates.crt) accepts any certificate any "
			  "public CA issued, for any name: use sslmode = verify-full, or name "
			  "your own CA in sslrootcert",
		"sslmode = require with the public bundle (libpq checks the chain: verify-ca)");
	check_one_warning(
		PG_BASE PG_PASS "sslmode = require\nsslrootcert = /etc/secinfo/db-ca.pem\n",
		FILE_NAME ": [database] sslmode = require accepts any certificate of "
			  "the CA in sslrootcert, whatever name it is for: use verify-full",
		"sslmode = require with a CA of one's own");
	check_one_error(PG_BASE PG_PASS "sslmode = prefer\n",
			FILE_NAME
			":5: [database] sslmode = 'prefer' is not one of the allowed values",
			"sslmode = prefer (libpq's default) is not offered");
	check_one_warning("[database]\nhost = db.example.org\n",
			  FILE_NAME ": [database] host is used only with backend = postgresql; "
				    "remove it or set backend = postgresql",
			  "a PostgreSQL key with sqlite");
	check_one_warning(PG_BASE PG_PASS "path = /var/lib/secinfo/secinfo.db\n",
			  FILE_NAME ": [database] path is used only with backend = sqlite; remove "
				    "it",
			  "path with postgresql");
	check_one_error(PG_BASE PG_PASS "connect_timeout = 0s\n",
			FILE_NAME
			":5: [database] connect_timeout = '0s' is not a duration in the allowed "
			"range (a number with s, m, h or d)",
			"connect_timeout 0");
#undef HOST_ERROR
#undef PG_BASE
#undef PG_PASS
}

int
main(void)
{
	test_defaults();
	test_values();
	test_durations();
	test_line_problems();
	test_all_problems_reported();
	test_relations();
	test_spec_example();
	test_unimplemented_kinds();
	test_args();
	test_empty_values();
	test_postgresql();
	return check_summary();
}
