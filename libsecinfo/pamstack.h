/* secinfo: reading PAM service files (/etc/pam.d/NAME) to check what a stack does, for the
 * checks of secinfo-reset and `secinfo-admin check`. Reads what libpam reads: the service file
 * and the files it includes (@include, include, substack). Never changes a file. */
#ifndef SECINFO_PAMSTACK_H
#define SECINFO_PAMSTACK_H

#include <stddef.h>

/* Where libpam reads its services, whatever this package's prefix. */
#define SECINFO_PAM_DIR "/etc/pam.d"

/* One rule of a stack, as written. */
struct secinfo_pam_rule {
	const char *file;  /* the file the rule is in */
	int line;          /* its (first) line there */
	char type[16];     /* auth, account, password or session, in lower case */
	char control[128]; /* required, requisite, sufficient, optional or [value=action ...] */
	char module[256];  /* a name or a path ("" when the line has none) */
	char args[512];    /* the arguments, separated by single spaces */
	int silent;        /* written "-auth" ...: libpam skips it when the module is missing */
	int must_fail;     /* no module, or a type libpam does not know: libpam keeps the rule
			    * (its control included) but fails it whatever the module says; it
			    * counts in every stack */
	int substack;      /* how many substacks deep the rule is */
};

/* The visitor of secinfo_pam_service_walk(): returns 0 to go on, anything else to stop. */
typedef int (*secinfo_pam_visit)(const struct secinfo_pam_rule *rule, void *arg);

/* Calls VISIT for each rule of TYPE in service SERVICE of directory DIR in the order libpam
 * runs them, the rules of included files in place, lines read as libpam reads them (a comment
 * cut before a '\\' continues a line; words case-insensitive); a rule libpam fails whatever
 * it runs (must_fail) is visited for every TYPE. Returns 0, SECINFO_ERR_NOT_FOUND when the
 * service file does not exist, SECINFO_ERR_IO when it (or an included file) cannot be read,
 * SECINFO_ERR_INVALID for includes nested too deep, or the first non-zero value of VISIT. */
int secinfo_pam_service_walk(const char *dir, const char *service, const char *type,
			     secinfo_pam_visit visit, void *arg);

/* 1 when RULE runs pam_secinfo.so (named alone or by a path), else 0. */
int secinfo_pam_rule_is_secinfo(const struct secinfo_pam_rule *rule);

/* 1 when WORD is one of RULE's arguments, else 0. */
int secinfo_pam_rule_has_arg(const struct secinfo_pam_rule *rule, const char *word);

/* 1 when RULE's control makes the stack fail if the module fails: required, requisite, or a
 * bracket whose values other than success are die or bad (new_authtok_reqd=ok and
 * ignore=ignore allowed, as in required), else 0. */
int secinfo_pam_rule_enforces(const struct secinfo_pam_rule *rule);

/* Checks that service SERVICE of DIR makes secinfo-reset verify with pam_secinfo.so
 * purpose=reset: its auth stack has that module line, not "-auth", required, requisite or a
 * bracket that enforces, without nullok, and before it no rule that can end the stack on
 * success, jump over the module line or hide it in a substack, and after it no "reset" that
 * can forget its failure; its password stack has "password requisite pam_secinfo.so" under
 * the same rules. Returns 0, or a negative SECINFO_ERR_* code (SECINFO_ERR_NOT_FOUND: no such
 * service; SECINFO_ERR_INVALID: a stack that can let a reset through) with WHY saying what is
 * wrong and what to do. */
int secinfo_pam_reset_check(const char *dir, const char *service, char *why, size_t size);

#endif
