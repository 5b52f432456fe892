/* secinfo: reading PAM service files, the way libpam parses them (see pamstack.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "error.h"
#include "pamstack.h"

#define SECINFO_PAM_INCLUDE_DEPTH 8

struct secinfo_pam_walk {
	const char *dir;
	const char *type;
	secinfo_pam_visit visit;
	void *arg;
	int depth;    /* files included */
	int substack; /* of which substacks */
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

/* The types libpam knows; any other is installed to fail (see secinfo_pam_rule.must_fail). */
static const char *const secinfo_pam_types[] = {"auth", "account", "password", "session"};

/* Parses one line (comments and continuations already handled) into RULE; an include is
 * returned with the included file in RULE->module and control "include" or "substack".
 * Words compare case-insensitively, as in libpam. Returns 1 for a rule, else 0. */
static int
secinfo_pam_parse(const char *line, struct secinfo_pam_rule *rule)
{
	const char *p = line, *type;
	char first[sizeof(rule->type) + 16];
	size_t n;

	rule->silent = rule->must_fail = 0;
	rule->args[0] = rule->module[0] = '\0';
	if (secinfo_pam_word(&p, first, sizeof(first)) == 0)
		return 0;
	if (strcasecmp(first, "@include") == 0) {
		rule->type[0] = '\0'; /* every type */
		snprintf(rule->control, sizeof(rule->control), "include");
		return secinfo_pam_word(&p, rule->module, sizeof(rule->module)) > 0;
	}
	rule->silent = first[0] == '-';
	type = first + rule->silent;
	rule->must_fail = 1;
	for (size_t i = 0; i < sizeof(secinfo_pam_types) / sizeof(secinfo_pam_types[0]); i++)
		if (strcasecmp(type, secinfo_pam_types[i]) == 0)
			rule->must_fail = 0;
	snprintf(rule->type, sizeof(rule->type), "%s", type);
	for (char *t = rule->type; *t != '\0'; t++)
		*t = (char)tolower((unsigned char)*t);
	if (secinfo_pam_word(&p, rule->control, sizeof(rule->control)) == 0)
		return 0; /* libpam: every value bad, nothing to follow */
	if (strcasecmp(rule->control, "include") == 0 || strcasecmp(rule->control, "substack") == 0)
		for (char *c = rule->control; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
	if (secinfo_pam_word(&p, rule->module, sizeof(rule->module)) == 0)
		rule->must_fail = 1; /* no module: libpam keeps the control, fails the rule */
	for (char word[sizeof(rule->args)]; (n = secinfo_pam_word(&p, word, sizeof(word))) > 0;) {
		size_t used = strlen(rule->args);
		snprintf(rule->args + used, sizeof(rule->args) - used, "%s%s", used ? " " : "",
			 word);
	}
	return 1;
}

/* Visits one rule: follows an include of the walk's type, skips rules of other types (a rule
 * libpam fails whatever it runs counts everywhere, as its jumps do). */
static int
secinfo_pam_rule_walk(struct secinfo_pam_walk *walk, struct secinfo_pam_rule *rule)
{
	int substack = strcmp(rule->control, "substack") == 0;
	int rc;

	if (rule->type[0] != '\0' && !rule->must_fail && strcmp(rule->type, walk->type) != 0)
		return 0;
	rule->substack = walk->substack;
	if (!substack && strcmp(rule->control, "include") != 0)
		return walk->visit(rule, walk->arg);
	if (rule->must_fail || rule->module[0] == '\0')
		return walk->visit(rule, walk->arg); /* libpam installs it to fail */
	if (walk->depth >= SECINFO_PAM_INCLUDE_DEPTH)
		return SECINFO_ERR_INVALID;
	walk->depth++;
	walk->substack += substack;
	rc = secinfo_pam_file_walk(walk, rule->module);
	walk->substack -= substack;
	walk->depth--;
	return rc == SECINFO_ERR_NOT_FOUND ? SECINFO_ERR_IO : rc; /* libpam fails there too */
}

/* Reads the next line as libpam does: each physical line loses everything from '#' on, and
 * only then does a line ending in '\' (spaces after it allowed) go on with the next; a line
 * with a comment never goes on. Returns 1 with LINE set and *FIRST its first line's number,
 * 0 at the end of the file, SECINFO_ERR_INVALID for a line too long, or SECINFO_ERR_IO. */
static int
secinfo_pam_line_read(FILE *f, char *line, size_t size, int *number, int *first)
{
	char *chunk = NULL;
	size_t chunk_size = 0, used = 0, n;
	int rc = 0;

	line[0] = '\0';
	while (getline(&chunk, &chunk_size, f) >= 0) {
		int comment = strchr(chunk, '#') != NULL, more;
		const char *text;

		if (used == 0)
			*first = *number + 1;
		++*number;
		chunk[strcspn(chunk, "#")] = '\0';
		n = strlen(chunk);
		while (n > 0 && strchr(" \t\r\n", chunk[n - 1]) != NULL)
			n--;
		more = !comment && n > 0 && chunk[n - 1] == '\\';
		chunk[n - more] = '\0';
		text = chunk + strspn(chunk, " \t"); /* libpam trims each line */
		n = (size_t)snprintf(line + used, size - used, "%s%s", text, more ? " " : "");
		if (n >= size - used) {
			rc = SECINFO_ERR_INVALID; /* longer than any sane rule */
			break;
		}
		used += n;
		rc = 1;
		if (!more && used > 0)
			break;
		if (!more)
			rc = 0;
	}
	if (rc != 1 && ferror(f))
		rc = SECINFO_ERR_IO;
	free(chunk);
	return rc;
}

static int
secinfo_pam_file_walk(struct secinfo_pam_walk *walk, const char *name)
{
	struct secinfo_pam_rule rule;
	char path[4096], line[8192];
	int rc = 0, number = 0, got;
	FILE *f = NULL;

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", walk->dir, name);
	f = fopen(path, "re");
	if (f == NULL)
		return errno == ENOENT ? SECINFO_ERR_NOT_FOUND : SECINFO_ERR_IO;
	memset(&rule, 0, sizeof(rule));
	rule.file = path;
	while (rc == 0 &&
	       (got = secinfo_pam_line_read(f, line, sizeof(line), &number, &rule.line)) != 0) {
		if (got < 0)
			rc = got;
		else if (secinfo_pam_parse(line, &rule))
			rc = secinfo_pam_rule_walk(walk, &rule);
	}
	fclose(f);
	return rc;
}

int
secinfo_pam_service_walk(const char *dir, const char *service, const char *type,
			 secinfo_pam_visit visit, void *arg)
{
	struct secinfo_pam_walk walk = {dir, type, visit, arg, 0, 0};

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

/* What libpam does with a module's return value (secinfo_pam_actions()): a jump when > 0. */
enum secinfo_pam_action {
	SECINFO_PAM_IGNORE = 0,
	SECINFO_PAM_OK = -1,
	SECINFO_PAM_DONE = -2,
	SECINFO_PAM_BAD = -3,
	SECINFO_PAM_DIE = -4,
	SECINFO_PAM_RESET = -5,
	SECINFO_PAM_UNSET = -6,
};

/* libpam's names of the actions (in the order of the enum, negated) and of the return values,
 * in libpam's order: it matches both by prefix, the first that fits. */
static const char *const secinfo_pam_action_names[] = {"ignore", "ok",  "done",
						       "bad",    "die", "reset"};
static const char *const secinfo_pam_value_names[] = {"success",
						      "open_err",
						      "symbol_err",
						      "service_err",
						      "system_err",
						      "buf_err",
						      "perm_denied",
						      "auth_err",
						      "cred_insufficient",
						      "authinfo_unavail",
						      "user_unknown",
						      "maxtries",
						      "new_authtok_reqd",
						      "acct_expired",
						      "session_err",
						      "cred_unavail",
						      "cred_expired",
						      "cred_err",
						      "no_module_data",
						      "conv_err",
						      "authtok_err",
						      "authtok_recover_err",
						      "authtok_lock_busy",
						      "authtok_disable_aging",
						      "try_again",
						      "ignore",
						      "abort",
						      "authtok_expired",
						      "module_unknown",
						      "bad_item",
						      "conv_again",
						      "incomplete",
						      "default"};

#define SECINFO_PAM_VALUES           (int)(sizeof(secinfo_pam_value_names) / sizeof(char *) - 1)
#define SECINFO_PAM_SUCCESS          0
#define SECINFO_PAM_AUTH_ERR         7
#define SECINFO_PAM_NEW_AUTHTOK_REQD 12
#define SECINFO_PAM_IGNORE_VALUE     25

static void
secinfo_pam_actions_default(int *actions, int action)
{
	for (int i = 0; i < SECINFO_PAM_VALUES; i++)
		if (actions[i] == SECINFO_PAM_UNSET)
			actions[i] = action;
}

/* Reads a bracket control "[value=action ...]" as libpam's _pam_parse_control() does. Returns
 * 0, or -1 for what libpam refuses (it then makes every value bad). */
static int
secinfo_pam_bracket_parse(const char *p, int *actions)
{
	while (*(p += strspn(p, " \t\n\r\f\v")) != '\0' && *p != ']') {
		int value = 0, action = 1;
		size_t n = 0;

		while (value <= SECINFO_PAM_VALUES &&
		       strncmp(p, secinfo_pam_value_names[value],
			       n = strlen(secinfo_pam_value_names[value])) != 0)
			value++;
		if (value > SECINFO_PAM_VALUES)
			return -1;
		p += n;
		p += strspn(p, " \t\n\r\f\v");
		if (*p++ != '=')
			return -1;
		p += strspn(p, " \t\n\r\f\v");
		for (int a = 0; a < 6 && action > 0; a++)
			if (strncmp(p, secinfo_pam_action_names[a],
				    n = strlen(secinfo_pam_action_names[a])) == 0) {
				action = -a;
				p += n;
			}
		if (action > 0) {
			char *end;
			long jump = isdigit((unsigned char)*p) ? strtol(p, &end, 10) : 0;
			if (jump <= 0 || jump > 1000000)
				return -1;
			action = (int)jump;
			p = end;
		}
		if (value == SECINFO_PAM_VALUES)
			secinfo_pam_actions_default(actions, action);
		else
			actions[value] = action;
	}
	return 0;
}

/* Fills ACTIONS[SECINFO_PAM_VALUES] with what libpam does for each return value of RULE. */
static void
secinfo_pam_actions(const struct secinfo_pam_rule *rule, int *actions)
{
	const char *c = rule->control;
	int fail = SECINFO_PAM_BAD, pass = SECINFO_PAM_OK, other = -1;

	for (int i = 0; i < SECINFO_PAM_VALUES; i++)
		actions[i] = SECINFO_PAM_UNSET;
	if (c[0] == '[') {
		if (secinfo_pam_bracket_parse(c + 1, actions) != 0)
			for (int i = 0; i < SECINFO_PAM_VALUES; i++)
				actions[i] = SECINFO_PAM_BAD;
		secinfo_pam_actions_default(actions, SECINFO_PAM_BAD);
		return;
	}
	if (strcasecmp(c, "requisite") == 0)
		fail = SECINFO_PAM_DIE;
	else if (strcasecmp(c, "optional") == 0)
		fail = other = SECINFO_PAM_IGNORE;
	else if (strcasecmp(c, "sufficient") == 0)
		pass = SECINFO_PAM_DONE, fail = other = SECINFO_PAM_IGNORE;
	else if (strcasecmp(c, "required") != 0)
		pass = SECINFO_PAM_BAD; /* not a control: every value bad */
	actions[SECINFO_PAM_SUCCESS] = actions[SECINFO_PAM_NEW_AUTHTOK_REQD] = pass;
	actions[SECINFO_PAM_IGNORE_VALUE] =
		other == -1 && pass == SECINFO_PAM_OK ? SECINFO_PAM_IGNORE : fail;
	secinfo_pam_actions_default(actions, fail);
}

/* The first return value other than success whose action lets a failure through (auth_err
 * first, the one a wrong answer gives), or -1. */
static int
secinfo_pam_actions_leak(const int *actions)
{
	for (int n = 0; n < SECINFO_PAM_VALUES; n++) {
		int i = n == 0 ? SECINFO_PAM_AUTH_ERR : n == SECINFO_PAM_AUTH_ERR ? 0 : n;
		int a = actions[i];
		if (i == SECINFO_PAM_SUCCESS || a == SECINFO_PAM_BAD || a == SECINFO_PAM_DIE ||
		    (i == SECINFO_PAM_NEW_AUTHTOK_REQD && a == SECINFO_PAM_OK) ||
		    (i == SECINFO_PAM_IGNORE_VALUE && a == SECINFO_PAM_IGNORE))
			continue;
		return i;
	}
	return -1;
}

int
secinfo_pam_rule_enforces(const struct secinfo_pam_rule *rule)
{
	int actions[SECINFO_PAM_VALUES];

	secinfo_pam_actions(rule, actions);
	return secinfo_pam_actions_leak(actions) < 0;
}

/* The walk of secinfo_pam_reset_check() over one stack. */
struct secinfo_pam_reset_stack {
	const char *type; /* auth or password */
	const char *line; /* the module line it needs, as written in the shipped file */
	int reset;        /* that line has purpose=reset */
	int position;     /* rules seen */
	int found;        /* the module line was seen ... */
	int dies;         /* ... and ends the stack on every failure */
	int jump_reach;   /* the furthest rule an earlier jump can skip to, and the jump: */
	char jump[600];   /* "FILE line N: \"rule\"" */
	char *why;
	size_t size;
};

/* WHERE gets "FILE line N: \"TYPE CONTROL MODULE\"" for RULE. */
static void
secinfo_pam_rule_where(const struct secinfo_pam_rule *rule, char *where, size_t size)
{
	snprintf(where, size, "%s line %d: \"%s%s %.100s %.160s%s%.100s\"", rule->file, rule->line,
		 rule->silent ? "-" : "", rule->type, rule->control, rule->module,
		 rule->args[0] != '\0' ? " " : "", rule->args);
}

/* Checks the module line of the stack. Returns 0, or SECINFO_ERR_INVALID with why set. */
static int
secinfo_pam_reset_module(struct secinfo_pam_reset_stack *stack, const struct secinfo_pam_rule *rule,
			 const int *actions)
{
	char where[512];
	int leak = secinfo_pam_actions_leak(actions);

	secinfo_pam_rule_where(rule, where, sizeof(where));
	if (rule->silent)
		snprintf(stack->why, stack->size,
			 "%s: libpam skips a \"-%s\" line when the module is missing, so it cannot "
			 "be the line that verifies; write \"%s\"",
			 where, stack->type, stack->line);
	else if (leak >= 0)
		snprintf(stack->why, stack->size,
			 "%s does not make the stack fail when the module fails (%s=%s); write "
			 "\"%s\"",
			 where, secinfo_pam_value_names[leak],
			 actions[leak] > 0 ? "a jump" : secinfo_pam_action_names[-actions[leak]],
			 stack->line);
	else if (stack->reset && secinfo_pam_rule_has_arg(rule, "nullok"))
		snprintf(stack->why, stack->size,
			 "%s has nullok, which lets anyone reset the password of a user without "
			 "security info; remove nullok",
			 where);
	else if (stack->jump_reach >= stack->position)
		snprintf(stack->why, stack->size,
			 "%s can jump over %s, so a reset could go through without it; move that "
			 "rule after it or make its jump shorter",
			 stack->jump, where);
	else
		return 0;
	return SECINFO_ERR_INVALID;
}

/* Checks a rule before the module line. Returns 0, or SECINFO_ERR_INVALID with why set. */
static int
secinfo_pam_reset_before(struct secinfo_pam_reset_stack *stack, const struct secinfo_pam_rule *rule,
			 const int *actions)
{
	static const int passes[] = {SECINFO_PAM_SUCCESS, SECINFO_PAM_NEW_AUTHTOK_REQD,
				     SECINFO_PAM_IGNORE_VALUE};
	int sufficient = strcasecmp(rule->control, "sufficient") == 0;
	char where[512];

	secinfo_pam_rule_where(rule, where, sizeof(where));
	if (rule->substack > 0) {
		snprintf(stack->why, stack->size,
			 "%s is in a substack before \"%s\": its rules can end the substack "
			 "and a jump over a substack skips all of it; put \"%s\" first",
			 where, stack->line, stack->line);
		return SECINFO_ERR_INVALID;
	}
	for (size_t i = 0; i < sizeof(passes) / sizeof(passes[0]); i++)
		if (actions[passes[i]] == SECINFO_PAM_DONE) {
			snprintf(stack->why, stack->size,
				 "%s ends the stack when it returns %s (%s%s), before \"%s\", so "
				 "a reset could go through without it; remove that rule or put "
				 "it after \"%s\"",
				 where, secinfo_pam_value_names[passes[i]],
				 sufficient ? "sufficient" : secinfo_pam_value_names[passes[i]],
				 sufficient ? "" : "=done", stack->line, stack->line);
			return SECINFO_ERR_INVALID;
		}
	for (int i = 0; i < SECINFO_PAM_VALUES; i++)
		if (actions[i] > 0 && stack->position + actions[i] > stack->jump_reach) {
			stack->jump_reach = stack->position + actions[i];
			snprintf(stack->jump, sizeof(stack->jump), "%s (%s=%d)", where,
				 secinfo_pam_value_names[i], actions[i]);
		}
	return 0;
}

static int
secinfo_pam_reset_visit(const struct secinfo_pam_rule *rule, void *arg)
{
	struct secinfo_pam_reset_stack *stack = arg;
	int actions[SECINFO_PAM_VALUES], rc;

	secinfo_pam_actions(rule, actions);
	if (stack->found) {
		for (int i = 0; i < SECINFO_PAM_VALUES && !stack->dies; i++)
			if (actions[i] == SECINFO_PAM_RESET) {
				char where[512];
				secinfo_pam_rule_where(rule, where, sizeof(where));
				snprintf(stack->why, stack->size,
					 "%s can reset the stack after \"%s\" (%s=reset), which "
					 "forgets that the module failed; remove that rule or make "
					 "the module line requisite",
					 where, stack->line, secinfo_pam_value_names[i]);
				return SECINFO_ERR_INVALID;
			}
		return 0;
	}
	stack->position++;
	if (!rule->must_fail && secinfo_pam_rule_is_secinfo(rule) &&
	    (!stack->reset || secinfo_pam_rule_has_arg(rule, "purpose=reset"))) {
		if ((rc = secinfo_pam_reset_module(stack, rule, actions)) != 0)
			return rc;
		stack->found = 1;
		stack->dies = 1;
		for (int i = 1; i < SECINFO_PAM_VALUES; i++)
			if (actions[i] != SECINFO_PAM_DIE && i != SECINFO_PAM_NEW_AUTHTOK_REQD &&
			    i != SECINFO_PAM_IGNORE_VALUE)
				stack->dies = 0;
		return 0;
	}
	return secinfo_pam_reset_before(stack, rule, actions);
}

/* Checks one stack of the service. Returns 0, or a negative SECINFO_ERR_* with why set. */
static int
secinfo_pam_reset_stack_check(const char *dir, const char *service,
			      struct secinfo_pam_reset_stack *stack)
{
	int rc =
		secinfo_pam_service_walk(dir, service, stack->type, secinfo_pam_reset_visit, stack);

	if (rc == SECINFO_ERR_NOT_FOUND)
		snprintf(stack->why, stack->size,
			 "%s/%s does not exist, so PAM would run the service "
			 "\"other\" (which does not verify security info)",
			 dir, service);
	else if (rc < 0 && rc != SECINFO_ERR_INVALID)
		snprintf(stack->why, stack->size, "cannot read %s/%s or a file it includes (%s)",
			 dir, service, secinfo_strerror(rc));
	else if (rc == SECINFO_ERR_INVALID && stack->why[0] == '\0')
		snprintf(stack->why, stack->size,
			 "%s/%s includes files more than %d deep; include them directly", dir,
			 service, SECINFO_PAM_INCLUDE_DEPTH);
	else if (rc == 0 && !stack->found) {
		snprintf(stack->why, stack->size, "the %s stack of %s/%s has no \"%s\" line",
			 stack->type, dir, service, stack->line);
		rc = SECINFO_ERR_INVALID;
	}
	return rc;
}

int
secinfo_pam_reset_check(const char *dir, const char *service, char *why, size_t size)
{
	struct secinfo_pam_reset_stack auth = {
		"auth", "auth required pam_secinfo.so purpose=reset", 1, 0, 0, 0, 0, "", why, size};
	struct secinfo_pam_reset_stack password = {
		"password", "password requisite pam_secinfo.so", 0, 0, 0, 0, 0, "", why, size};
	int rc;

	why[0] = '\0';
	rc = secinfo_pam_reset_stack_check(dir, service, &auth);
	return rc != 0 ? rc : secinfo_pam_reset_stack_check(dir, service, &password);
}
