/* Unit tests for pamstack.c: PAM service files read as libpam reads them (includes, bracket
 * controls, continued lines, comments), for the checks of secinfo-reset and secinfo-admin. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
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

/* Checks service NAME (written from TEXT) with secinfo_pam_reset_check(): ACCEPT 1 when it
 * must pass, else 0 and WHY_HAS a text the refusal must say. */
static void
reset_case(const char *name, const char *text, int accept, const char *why_has, const char *what)
{
	char why[1024] = "";
	int rc;

	write_file(name, text);
	rc = secinfo_pam_reset_check(dir, name, why, sizeof(why));
	if (accept)
		CHECK_STR(rc == 0 ? "accepted" : why, "accepted", "accepted: %s", what);
	else if (CHECK(rc == SECINFO_ERR_INVALID, "refused: %s", what))
		CHECK(strstr(why, why_has) != NULL, "  and it says '%s' (%s)", why_has, why);
}

/* The password stack the shipped service has, for the auth cases. */
#define PASSWORD "password requisite pam_secinfo.so\n"
#define MODULE   "auth required pam_secinfo.so purpose=reset\n"

/* One case per rule of secinfo_pam_reset_check(). */
static void
reset_cases(void)
{
	reset_case("r-shipped",
		   "auth required pam_secinfo.so purpose=reset\n"
		   "account required pam_secinfo.so\n" PASSWORD
		   "password requisite pam_pwquality.so retry=3\n",
		   1, NULL, "the shipped stack");
	reset_case("r-comment", "# note \\\nauth sufficient pam_permit.so\n" MODULE PASSWORD, 0,
		   "r-comment line 2",
		   "'# note \\' does not hide the next line (libpam cuts comments first)");
	reset_case("r-comment-rule",
		   "auth optional pam_env.so # note \\\nauth sufficient pam_permit.so\n" MODULE
			   PASSWORD,
		   0, "sufficient", "a rule's comment ending in '\\' does not join the next line");
	reset_case("r-continued",
		   "auth [success=ok \\  \n default=bad] pam_env.so\n" MODULE PASSWORD, 1, NULL,
		   "a '\\' followed by spaces still continues the line, as in libpam");
	reset_case("r-upper", "AUTH SUFFICIENT pam_permit.so\n" MODULE PASSWORD, 0, "sufficient",
		   "types and controls compare case-insensitively");
	write_file("r-common", "auth sufficient pam_permit.so\n");
	reset_case("r-include", "@INCLUDE r-common\n" MODULE PASSWORD, 0, "sufficient",
		   "@INCLUDE is followed");
	reset_case("r-include2", "auth INCLUDE r-common\n" MODULE PASSWORD, 0, "sufficient",
		   "INCLUDE is followed");
	reset_case("r-mixed", "Auth Required pam_secinfo.so purpose=reset\n" PASSWORD, 1, NULL,
		   "'Auth Required' is the module line");
	reset_case("r-silent", "-auth required pam_secinfo.so purpose=reset\n" PASSWORD, 0, "-auth",
		   "a '-auth' module line does not count (libpam skips a missing module)");
	reset_case("r-silent-jump", "-auth [success=1 default=ignore] pam_x.so\n" MODULE PASSWORD,
		   0, "can jump over",
		   "a '-auth' rule that can jump over the module line is refused");
	reset_case("r-done", "auth [success=done default=ignore] pam_x.so\n" MODULE PASSWORD, 0,
		   "success=done", "[success=done ...] before the module line");
	reset_case("r-default-done", "auth [default=done] pam_x.so\n" MODULE PASSWORD, 0, "done",
		   "[default=done] before the module line");
	reset_case("r-ignore-done", "auth [ignore=done default=ok] pam_x.so\n" MODULE PASSWORD, 0,
		   "done", "[ignore=done ...] before the module line");
	reset_case("r-fail-done",
		   "auth [success=ok auth_err=done default=bad] pam_x.so\n" MODULE PASSWORD, 1,
		   NULL, "done on a failure value ends the stack failed: accepted");
	reset_case("r-jump-over",
		   "auth [success=2 default=ignore] pam_x.so\nauth optional pam_y.so\n" MODULE
			   PASSWORD,
		   0, "can jump over",
		   "[success=2] two rules before the module line jumps over it");
	reset_case("r-jump-fail", "auth [auth_err=1 default=ok] pam_x.so\n" MODULE PASSWORD, 0,
		   "can jump over", "a jump on a failure value over the module line");
	reset_case("r-jump-short",
		   "auth [success=1 default=ignore] pam_x.so\nauth requisite pam_deny.so\n" MODULE
			   PASSWORD,
		   1, NULL, "a jump that lands on the module line is accepted");
	reset_case("r-jump-spaces", "auth [success = 1 default=ignore] pam_x.so\n" MODULE PASSWORD,
		   0, "can jump over", "spaces around '=' are read as libpam reads them");
	write_file("r-sub", "auth optional pam_y.so\nauth optional pam_z.so\n");
	reset_case("r-jump-substack",
		   "auth [success=2 default=ignore] pam_x.so\nauth substack r-sub\n"
		   "auth optional pam_w.so\n" MODULE PASSWORD,
		   0, "substack", "a substack before the module line (jumps count it as one rule)");
	reset_case("r-optional", "auth optional pam_secinfo.so purpose=reset\n" PASSWORD, 0,
		   "optional", "an optional module line is refused");
	reset_case("r-sufficient-module", "auth sufficient pam_secinfo.so purpose=reset\n" PASSWORD,
		   0, "sufficient", "a sufficient module line is refused");
	reset_case("r-bracket-ok",
		   "auth [success=ok default=die] pam_secinfo.so purpose=reset\n" PASSWORD, 1, NULL,
		   "[success=ok default=die] on the module line");
	reset_case("r-bracket-weak",
		   "auth [success=ok auth_err=ignore default=die] pam_secinfo.so "
		   "purpose=reset\n" PASSWORD,
		   0, "auth_err=ignore", "a bracket letting a failure value through is refused");
	reset_case("r-requisite", "auth requisite pam_secinfo.so purpose=reset\n" PASSWORD, 1, NULL,
		   "a requisite module line");
	reset_case("r-nullok", "auth required pam_secinfo.so purpose=reset nullok\n" PASSWORD, 0,
		   "nullok", "nullok on the module line is refused");
	reset_case("r-reset-after",
		   MODULE "auth [default=reset] pam_x.so\nauth required pam_permit.so\n" PASSWORD,
		   0, "reset", "a 'reset' after a required module line can forget its failure");
	reset_case("r-no-password", MODULE "password required pam_unix.so\n", 0,
		   "password requisite pam_secinfo.so",
		   "the password stack must have pam_secinfo.so");
	reset_case("r-password-optional", MODULE "password optional pam_secinfo.so\n", 0,
		   "password requisite pam_secinfo.so", "an optional pam_secinfo.so in password");
	reset_case("r-password-skip", MODULE "password sufficient pam_unix.so\n" PASSWORD, 0,
		   "sufficient", "a sufficient rule before pam_secinfo.so in password");
	reset_case("r-bad-type", "autth [default=1] pam_x.so\n" MODULE PASSWORD, 0, "can jump over",
		   "a type libpam does not know still jumps (libpam fails the rule, keeps its "
		   "control)");
	reset_case("r-no-module", "auth [default=1]\n" MODULE PASSWORD, 0, "can jump over",
		   "a rule without a module still jumps");
	reset_case("r-none", "auth required pam_unix.so\n" PASSWORD, 0,
		   "\"auth required pam_secinfo.so purpose=reset\"", "no module line");
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
	write_file("comments", "auth optional pam_a.so # note \\\n"
			       "AUTH Optional pam_b.so\n"
			       "# note \\\n"
			       "Auth [success=ok \\ \t\n"
			       "  default=bad] pam_c.so\n");
	CHECK_STR(walk("comments", "auth", 0, &rc),
		  "auth|optional|pam_a.so|\nauth|Optional|pam_b.so|\nauth|[success=ok  "
		  "default=bad]|pam_c.so|\n",
		  "as libpam: a comment is cut before a '\\' joins lines, types in any case");
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

	reset_cases();

	if (fork() == 0)
		execlp("rm", "rm", "-rf", dir, (char *)NULL);
	wait(NULL);
	return check_summary();
}
