/* secinfo: reading PAM service files, the way libpam parses them (see pamstack.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pamstack.h"

#define SECINFO_PAM_INCLUDE_DEPTH 8

struct secinfo_pam_walk {
	const char *dir;
	const char *type;
	secinfo_pam_visit visit;
	void *arg;
	int depth;
};

static int secinfo_pam_file_walk(struct secinfo_pam_walk *walk, const char *name);

/* Copies the next word of *P into OUT (a bracketed control whole, spaces included) and
 * advances *P. Returns the word's length (0 at the end of the line). */
static size_t
secinfo_pam_word(const char **p, char *out, size_t size)
{
	const char *s = *p + strspn(*p, " \t");
	size_t n = s[0] == '[' ? strcspn(s, "]") + (s[strcspn(s, "]")] == ']') : strcspn(s, " \t");

	snprintf(out, size, "%.*s", (int)n, s);
	*p = s + n;
	return n;
}

/* Parses one line (comment and newline already cut) into RULE; an include is returned with
 * the included file in RULE->module and control "include". Returns 1 for a rule, else 0. */
static int
secinfo_pam_parse(const char *line, struct secinfo_pam_rule *rule)
{
	const char *p = line;
	char first[sizeof(rule->type) + 16];
	size_t n;

	if (secinfo_pam_word(&p, first, sizeof(first)) == 0)
		return 0;
	if (strcmp(first, "@include") == 0) {
		rule->type[0] = '\0'; /* every type */
		snprintf(rule->control, sizeof(rule->control), "include");
		return secinfo_pam_word(&p, rule->module, sizeof(rule->module)) > 0;
	}
	if (snprintf(rule->type, sizeof(rule->type), "%s", first[0] == '-' ? first + 1 : first) >=
	    (int)sizeof(rule->type))
		return 0; /* no such type */
	if (secinfo_pam_word(&p, rule->control, sizeof(rule->control)) == 0 ||
	    secinfo_pam_word(&p, rule->module, sizeof(rule->module)) == 0)
		return 0;
	rule->args[0] = '\0';
	for (char word[sizeof(rule->args)]; (n = secinfo_pam_word(&p, word, sizeof(word))) > 0;) {
		size_t used = strlen(rule->args);
		snprintf(rule->args + used, sizeof(rule->args) - used, "%s%s", used ? " " : "",
			 word);
	}
	return 1;
}

/* Visits one rule: follows an include of the walk's type, skips rules of other types. */
static int
secinfo_pam_rule_walk(struct secinfo_pam_walk *walk, const struct secinfo_pam_rule *rule)
{
	int include =
		strcmp(rule->control, "include") == 0 || strcmp(rule->control, "substack") == 0;
	int rc;

	if (rule->type[0] != '\0' && strcmp(rule->type, walk->type) != 0)
		return 0;
	if (!include)
		return walk->visit(rule, walk->arg);
	if (walk->depth >= SECINFO_PAM_INCLUDE_DEPTH)
		return SECINFO_ERR_INVALID;
	walk->depth++;
	rc = secinfo_pam_file_walk(walk, rule->module);
	walk->depth--;
	return rc == SECINFO_ERR_NOT_FOUND ? SECINFO_ERR_IO : rc; /* libpam fails there too */
}

static int
secinfo_pam_file_walk(struct secinfo_pam_walk *walk, const char *name)
{
	struct secinfo_pam_rule rule;
	char path[4096], joined[8192], *line = NULL;
	size_t size = 0, n;
	FILE *f = NULL;
	int rc = 0;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", walk->dir, name);
	f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? SECINFO_ERR_NOT_FOUND : SECINFO_ERR_IO;
	memset(&rule, 0, sizeof(rule));
	rule.file = path;
	joined[0] = '\0';
	while (rc == 0 && getline(&line, &size, f) >= 0) {
		rule.line++;
		line[strcspn(line, "\n")] = '\0';
		n = strlen(line);
		if (n > 0 && line[n - 1] == '\\') { /* continued on the next line */
			line[n - 1] = ' ';
			strncat(joined, line, sizeof(joined) - strlen(joined) - 1);
			continue;
		}
		strncat(joined, line, sizeof(joined) - strlen(joined) - 1);
		joined[strcspn(joined, "#")] = '\0'; /* libpam: a comment runs to the end */
		if (secinfo_pam_parse(joined, &rule))
			rc = secinfo_pam_rule_walk(walk, &rule);
		joined[0] = '\0';
	}
	if (rc == 0 && ferror(f))
		rc = SECINFO_ERR_IO;
	free(line);
	fclose(f);
	return rc;
}

int
secinfo_pam_service_walk(const char *dir, const char *service, const char *type,
			 secinfo_pam_visit visit, void *arg)
{
	struct secinfo_pam_walk walk = {dir, type, visit, arg, 0};

	if (strchr(service, '/') != NULL)
		return SECINFO_ERR_INVALID;
	return secinfo_pam_file_walk(&walk, service);
}

int
secinfo_pam_rule_is_secinfo(const struct secinfo_pam_rule *rule)
{
	const char *base = strrchr(rule->module, '/');

	return strcmp(base != NULL ? base + 1 : rule->module, "pam_secinfo.so") == 0;
}

int
secinfo_pam_rule_has_arg(const struct secinfo_pam_rule *rule, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = rule->args; (p = strstr(p, word)) != NULL; p += n)
		if ((p == rule->args || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
	return 0;
}

int
secinfo_pam_rule_enforces(const struct secinfo_pam_rule *rule)
{
	const char *c = rule->control;

	if (strcmp(c, "required") == 0 || strcmp(c, "requisite") == 0)
		return 1;
	return c[0] == '[' &&
	       (strstr(c, "default=die") != NULL || strstr(c, "default=bad") != NULL);
}

/* What the reset check found besides the rule that verifies (the walk stops there). */
struct secinfo_pam_reset_stack {
	int weak;       /* pam_secinfo.so purpose=reset, but optional or sufficient */
	char skip[160]; /* an earlier "sufficient" rule that can end the stack without it */
};

static int
secinfo_pam_reset_visit(const struct secinfo_pam_rule *rule, void *arg)
{
	struct secinfo_pam_reset_stack *stack = arg;

	if (secinfo_pam_rule_is_secinfo(rule) && secinfo_pam_rule_has_arg(rule, "purpose=reset")) {
		if (!secinfo_pam_rule_enforces(rule)) {
			stack->weak = 1;
			return 0;
		}
		return 1;
	}
	if (strcmp(rule->control, "sufficient") == 0 && stack->skip[0] == '\0' &&
	    snprintf(stack->skip, sizeof(stack->skip), "\"auth sufficient %s\" (%s line %d)",
		     rule->module, rule->file, rule->line) >= (int)sizeof(stack->skip))
		snprintf(stack->skip, sizeof(stack->skip), "an \"auth sufficient\" rule");
	return 0;
}

int
secinfo_pam_reset_check(const char *dir, const char *service, char *why, size_t size)
{
	struct secinfo_pam_reset_stack stack = {0};
	int rc;

	rc = secinfo_pam_service_walk(dir, service, "auth", secinfo_pam_reset_visit, &stack);
	if (rc == 1 && stack.skip[0] == '\0')
		return 0;
	if (rc == SECINFO_ERR_NOT_FOUND) {
		snprintf(why, size,
			 "%s/%s does not exist, so PAM would run the service "
			 "\"other\" (which does not verify security info)",
			 dir, service);
		return rc;
	}
	if (rc < 0) {
		snprintf(why, size, "cannot read %s/%s or a file it includes (%s)", dir, service,
			 secinfo_strerror(rc));
		return rc;
	}
	if (rc == 1)
		snprintf(why, size,
			 "%s/%s has %s before pam_secinfo.so purpose=reset, "
			 "which can let a reset through without it",
			 dir, service, stack.skip);
	else
		snprintf(why, size, "the auth stack of %s/%s has no %s line", dir, service,
			 stack.weak ? "required or requisite pam_secinfo.so purpose=reset"
				    : "\"auth required pam_secinfo.so purpose=reset\"");
	return SECINFO_ERR_INVALID;
}
