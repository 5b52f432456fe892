/* Unit tests for pamstack.c: PAM service files read as libpam reads them (includes, bracket
 * controls, continued lines, comments), for the checks of secinfo-reset and secinfo-admin. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "error.h"
#include "pamstack.h"

static char dir[] = "/tmp/secinfo-test-pamstack.XXXXXX";

static void
write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* The walk so far, one "type control module args" line per rule, in order. */
struct seen {
	char text[2048];
	int stop_at; /* stop when this rule (1-based) is visited; 0: never */
	int n;
};

static int
visit(const struct secinfo_pam_rule *rule, void *arg)
{
	struct seen *seen = arg;
	size_t used = strlen(seen->text);

	snprintf(seen->text + used, sizeof(seen->text) - used, "%s|%s|%s|%s\n", rule->type,
		 rule->control, rule->module, rule->args);
	return ++seen->n == seen->stop_at ? 7 : 0;
}

static const char *
walk(const char *service, const char *type, int stop_at, int *rc)
{
	static struct seen seen;

	memset(&seen, 0, sizeof(seen));
	seen.stop_at = stop_at;
	*rc = secinfo_pam_service_walk(dir, service, type, visit, &seen);
	return seen.text;
}

/* The first rule of SERVICE's auth stack as a rule, for the predicates. */
static int
first(const struct secinfo_pam_rule *rule, void *arg)
{
	*(struct secinfo_pam_rule *)arg = *rule;
	return 1;
}

int
main(void)
{
	struct secinfo_pam_rule rule;
	int rc;

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	write_file("common-auth", "# comment\n"
				  "auth\t[success=1 default=ignore]\tpam_unix.so nullok\n"
				  "auth\trequisite\t\t\tpam_deny.so\n"
				  "account required pam_unix.so\n");
	write_file("svc", "@include common-auth\n"
			  "-auth  required  /lib/security/pam_secinfo.so   purpose=reset \\\n"
			  "   config=/etc/x.conf # trailing comment\n"
			  "auth include nested\n"
			  "password requisite pam_secinfo.so\n");
	write_file("nested", "auth substack deeper\nsession optional pam_motd.so\n");
	write_file("deeper", "auth optional pam_permit.so\n");
	write_file("loop", "auth include loop\n");
	write_file("broken", "auth include missing-file\n");

	CHECK_STR(walk("svc", "auth", 0, &rc),
		  "auth|[success=1 default=ignore]|pam_unix.so|nullok\n"
		  "auth|requisite|pam_deny.so|\n"
		  "auth|required|/lib/security/pam_secinfo.so|purpose=reset config=/etc/x.conf\n"
		  "auth|optional|pam_permit.so|\n",
		  "auth rules in libpam's order: @include, bracket control, '-auth', a continued "
		  "line, a comment cut, include and substack followed");
	CHECK_INT(rc, 0, "the walk ends with 0");
	CHECK_STR(walk("svc", "password", 0, &rc), "password|requisite|pam_secinfo.so|\n",
		  "other types are left out");
	CHECK_STR(
		walk("svc", "auth", 2, &rc),
		"auth|[success=1 default=ignore]|pam_unix.so|nullok\nauth|requisite|pam_deny.so|\n",
		"the visitor stops the walk");
	CHECK_INT(rc, 7, "and its value is returned");
	walk("absent", "auth", 0, &rc);
	CHECK_INT(rc, SECINFO_ERR_NOT_FOUND, "a missing service: SECINFO_ERR_NOT_FOUND");
	walk("broken", "auth", 0, &rc);
	CHECK_INT(rc, SECINFO_ERR_IO, "a missing included file: SECINFO_ERR_IO (libpam fails too)");
	walk("loop", "auth", 0, &rc);
	CHECK_INT(rc, SECINFO_ERR_INVALID, "an include loop ends: SECINFO_ERR_INVALID");
	walk("../etc/passwd", "auth", 0, &rc);
	CHECK_INT(rc, SECINFO_ERR_INVALID, "a service name with '/' is refused");

	memset(&rule, 0, sizeof(rule));
	write_file("one", "auth required /x/pam_secinfo.so purpose=reset nullok\n");
	secinfo_pam_service_walk(dir, "one", "auth", first, &rule);
	CHECK(secinfo_pam_rule_is_secinfo(&rule), "a module named by path is recognised");
	CHECK(secinfo_pam_rule_has_arg(&rule, "purpose=reset") &&
		      secinfo_pam_rule_has_arg(&rule, "nullok") &&
		      !secinfo_pam_rule_has_arg(&rule, "purpose") &&
		      !secinfo_pam_rule_has_arg(&rule, "null"),
	      "arguments match whole words only");
	CHECK(secinfo_pam_rule_enforces(&rule), "required enforces");
	snprintf(rule.module, sizeof(rule.module), "pam_secinfo.so.bak");
	CHECK(!secinfo_pam_rule_is_secinfo(&rule), "another file name is not the module");
	snprintf(rule.control, sizeof(rule.control), "[success=ok default=die]");
	CHECK(secinfo_pam_rule_enforces(&rule), "[... default=die] enforces");
	snprintf(rule.control, sizeof(rule.control), "sufficient");
	CHECK(!secinfo_pam_rule_enforces(&rule), "sufficient does not enforce");
	snprintf(rule.control, sizeof(rule.control), "[default=ignore]");
	CHECK(!secinfo_pam_rule_enforces(&rule), "[default=ignore] does not enforce");

	for (const char *f = "common-auth\0svc\0nested\0deeper\0loop\0broken\0one\0"; *f;
	     f += strlen(f) + 1) {
		char path[256];
		snprintf(path, sizeof(path), "%s/%s", dir, f);
		unlink(path);
	}
	rmdir(dir);
	return check_summary();
}
