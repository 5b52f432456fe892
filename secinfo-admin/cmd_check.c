/*
 * secinfo-admin check: everything the module would refuse, and what it would accept but an
 * administrator should know about, each printed as "error: ..." or "warning: ...".
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "schema.h"
#include "check_sshd.h"
#include "crypto.h"
#include "error.h"
#include "escape.h"
#include "pamstack.h"
#include "safefile.h"
#include "username.h"

struct secinfo_admin_check {
	struct secinfo_admin *admin;
	size_t errors, warnings;
	size_t disallowed[SECINFO_KIND_COUNT]; /* registered methods the policy does not allow */
	long long users;
};

static void secinfo_admin_check_say(struct secinfo_admin_check *check, int is_error,
				    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
secinfo_admin_check_say(struct secinfo_admin_check *check, int is_error, const char *fmt, ...)
{
	va_list ap;

	fputs(is_error ? "error: " : "warning: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	if (is_error)
		check->errors++;
	else
		check->warnings++;
}

/* The configuration: every problem the parser found. Returns 0 when it can be used. */
static int
secinfo_admin_check_conf(struct secinfo_admin_check *check)
{
	struct secinfo_problems problems = {0};
	struct secinfo_admin *admin = check->admin;
	int rc;

	rc = secinfo_conf_load(admin->conf_path, &admin->conf, &problems);
	for (size_t i = 0; i < problems.count; i++)
		secinfo_admin_check_say(check, problems.is_error[i], "%s", problems.text[i]);
	if (rc != 0 && problems.errors == 0)
		secinfo_admin_check_say(check, 1, "%s: %s", admin->conf_path, secinfo_strerror(rc));
	secinfo_problems_free(&problems);
	return rc;
}

static void
secinfo_admin_check_key(struct secinfo_admin_check *check)
{
	const char *path = check->admin->conf->key_file, *why = NULL;
	unsigned char *key = NULL;
	char dir[4096], *slash;
	int rc;

	rc = secinfo_key_load(path, &key, &why);
	secinfo_key_free(key);
	if (rc == SECINFO_ERR_NOT_FOUND)
		secinfo_admin_check_say(check, 1,
					"%s: the key is missing; 'secinfo-admin init' "
					"creates it",
					path);
	else if (rc != 0)
		secinfo_admin_check_say(check, 1,
					"%s: %s; the key must be a regular file of 32 "
					"bytes owned by root with mode 0600",
					path, why != NULL ? why : secinfo_strerror(rc));
	/* The module does not check the key's directory, but whoever may write there may
	 * replace the key. */
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return;
	slash[slash == dir ? 1 : 0] = '\0';
	if (secinfo_dir_check(dir, &why) != 0)
		secinfo_admin_check_say(check, 0,
					"%s: %s; whoever can write there can replace the "
					"key",
					dir, why);
}

/* One file next to the database (-wal, -shm) that sqlite opens on its own. */
static void
secinfo_admin_check_sidecar(struct secinfo_admin_check *check, const char *suffix)
{
	const char *why = NULL;
	char path[4200];
	int fd;

	snprintf(path, sizeof(path), "%s%s", check->admin->conf->db_path, suffix);
	fd = secinfo_file_open(path, SECINFO_FILE_PUBLIC_READ, &why);
	if (fd >= 0)
		close(fd);
	else if (fd != SECINFO_ERR_NOT_FOUND)
		secinfo_admin_check_say(check, 1,
					"%s: %s; it must be owned by root and writable only "
					"by root",
					path, why);
}

/* The module accepts a database that others may read, since the secrets in it are encrypted;
 * but the user names and the audit trail are not. Closes FD. */
static void
secinfo_admin_check_private(struct secinfo_admin_check *check, int fd, const char *path)
{
	const char *why = NULL;

	close(fd);
	fd = secinfo_file_open(path, SECINFO_FILE_PRIVATE, &why);
	if (fd >= 0)
		close(fd);
	else if (fd == SECINFO_ERR_UNSAFE)
		secinfo_admin_check_say(check, 0,
					"%s: %s: the user names and the audit trail in it "
					"are not encrypted (chmod 600)",
					path, why);
}

/* The database's directory and files, as the module checks them before opening.
 * Returns 0 when they are fine. */
static int
secinfo_admin_check_files(struct secinfo_admin_check *check)
{
	const char *path = check->admin->conf->db_path, *why = NULL;
	size_t errors = check->errors;
	char dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		slash[slash == dir ? 1 : 0] = '\0';
		if (secinfo_dir_check(dir, &why) != 0)
			secinfo_admin_check_say(check, 1,
						"%s: %s; the database directory must be "
						"owned by root and writable only by root",
						dir, why);
	}
	fd = secinfo_file_open(path, SECINFO_FILE_PUBLIC_READ, &why);
	if (fd == SECINFO_ERR_NOT_FOUND)
		secinfo_admin_check_say(check, 1,
					"%s: the database is missing; 'secinfo-admin "
					"init' creates it",
					path);
	else if (fd < 0)
		secinfo_admin_check_say(check, 1,
					"%s: %s; the database must be owned by root and "
					"writable only by root",
					path, why);
	else
		secinfo_admin_check_private(check, fd, path);
	secinfo_admin_check_sidecar(check, "-wal");
	secinfo_admin_check_sidecar(check, "-shm");
	return check->errors == errors ? 0 : -1;
}

/* Reads every user back: proves that the key decrypts what the database holds. */
static int
secinfo_admin_check_user(const char *name, void *data)
{
	struct secinfo_admin_check *check = data;
	const struct secinfo_conf *conf = check->admin->conf;
	struct secinfo_user *user = NULL;
	char escaped[300], canonical[SECINFO_USERNAME_MAX + 1];
	int known = 0, rc;

	check->users++;
	rc = secinfo_username_canonical(name, canonical, sizeof(canonical), &known);
	if (rc == 0 && known && strcmp(canonical, name) != 0)
		secinfo_admin_check_say(
			check, 1,
			"user '%s' is enrolled under a spelling the name service does not use: it "
			"calls them '%s', the name the module looks up, so they cannot sign in; "
			"enroll them again as '%s' and delete '%s'",
			secinfo_escape_text(name, escaped, sizeof(escaped)), canonical, canonical,
			escaped);
	rc = secinfo_store_user_get(check->admin->store, name, &user);
	if (rc == SECINFO_ERR_NOMEM || rc == SECINFO_ERR_DB)
		return rc;
	if (rc != 0) {
		secinfo_admin_check_say(check, 1,
					"user '%s': %s; is %s the key this database was "
					"created with?",
					secinfo_escape_text(name, escaped, sizeof(escaped)),
					secinfo_strerror(rc), conf->key_file);
		return 0;
	}
	for (size_t i = 0; i < user->n_methods; i++)
		if (!secinfo_method_allowed(conf, user->methods[i].kind))
			check->disallowed[user->methods[i].kind]++;
	secinfo_user_free(user);
	return 0;
}

static void
secinfo_admin_check_database(struct secinfo_admin_check *check)
{
	struct secinfo_admin *admin = check->admin;
	char why[1024] = "";
	int rc;

	rc = secinfo_store_open(admin->conf, 0, &admin->store, why, sizeof(why));
	if (rc != 0) {
		secinfo_admin_check_say(check, 1, "%s (%s)", why, secinfo_strerror(rc));
		return;
	}
	/* PostgreSQL: the open connected (TLS as sslmode says), found the schema of this
	 * version and proved the key against the database's key check. */
	if (admin->conf->db_backend == SECINFO_DB_POSTGRESQL)
		printf("database %s on %s (PostgreSQL, port %s, sslmode %s): reached; schema "
		       "version %d; the key %s matches the database\n",
		       admin->conf->db_name, secinfo_store_host(admin->store), admin->conf->db_port,
		       secinfo_db_sslmode_name(admin->conf->db_sslmode), SECINFO_PG_SCHEMA_VERSION,
		       admin->conf->key_file);
	rc = secinfo_store_integrity(admin->store, why, sizeof(why));
	if (rc == SECINFO_ERR_CORRUPT)
		secinfo_admin_check_say(check, 1,
					"%s is damaged (%s): the module refuses every sign-in it "
					"cannot trust; restore a backup, or if only an index is "
					"wrong, run: sqlite3 %s REINDEX",
					admin->conf->db_path, why, admin->conf->db_path);
	else if (rc != 0)
		secinfo_admin_check_say(check, 1, "%s: cannot check its integrity: %s",
					admin->conf->db_path, secinfo_strerror(rc));
	/* Without the audit table every decision's transaction fails: nobody could sign in. */
	rc = secinfo_store_audit_check(admin->store);
	if (rc != 0)
		secinfo_admin_check_say(check, 1,
					"%s: the audit table is missing or damaged (%s): no "
					"audit row can be written, so every verification fails; "
					"restore the database from a backup",
					admin->conf->db_path, secinfo_strerror(rc));
	rc = secinfo_store_user_names(admin->store, secinfo_admin_check_user, check);
	if (rc != 0)
		secinfo_admin_check_say(check, 1, "%s: cannot read the users: %s",
					admin->conf->db_path, secinfo_strerror(rc));
	for (int k = 0; k < SECINFO_KIND_COUNT; k++)
		if (check->disallowed[k] > 0)
			secinfo_admin_check_say(check, 0,
						"%zu %s method%s registered, but [policy] "
						"methods does not allow %s: they are neither "
						"offered nor accepted",
						check->disallowed[k],
						secinfo_kind_name((enum secinfo_kind)k),
						check->disallowed[k] == 1 ? " is" : "s are",
						secinfo_kind_name((enum secinfo_kind)k));
}

/* sshd's password method and the module in its stack (check_sshd.c): a warning. */
static void
secinfo_admin_check_sshd_config(struct secinfo_admin_check *check)
{
	char why[1024];

	if (secinfo_admin_check_sshd(SECINFO_SSHD_PATH, SECINFO_PAM_DIR, why, sizeof(why)) != 0)
		secinfo_admin_check_say(check, 0, "%s", why);
}

/* The service of secinfo-reset, when it is installed: a stack that secinfo-reset would refuse
 * to run with (pamstack.c) is an error here too. Without the file, resets by secinfo-reset are
 * simply not set up: nothing to say. */
static void
secinfo_admin_check_reset_service(struct secinfo_admin_check *check)
{
	char why[1024];
	int rc = secinfo_pam_reset_check(SECINFO_PAM_DIR, "secinfo-reset", why, sizeof(why));

	if (rc != 0 && rc != SECINFO_ERR_NOT_FOUND)
		secinfo_admin_check_say(check, 1,
					"%s; secinfo-reset refuses to run with it (see "
					"secinfo-reset(8))",
					why);
}

int
secinfo_admin_cmd_check(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_admin_check check = {.admin = admin};

	if (secinfo_admin_check_conf(&check) != 0) {
		fflush(stdout);
		return secinfo_admin_fail("%zu error%s in the configuration; the key and the "
					  "database are checked once it can be read",
					  check.errors, check.errors == 1 ? "" : "s");
	}
	secinfo_admin_check_key(&check);
	/* PostgreSQL has no files here to check: the password file is checked by the open. */
	if ((admin->conf->db_backend == SECINFO_DB_POSTGRESQL ||
	     secinfo_admin_check_files(&check) == 0) &&
	    check.errors == 0)
		secinfo_admin_check_database(&check);
	secinfo_admin_check_sshd_config(&check);
	secinfo_admin_check_reset_service(&check);
	if (check.errors > 0)
		return secinfo_admin_fail("%zu error%s found", check.errors,
					  check.errors == 1 ? "" : "s");
	printf("configuration, key and database are fine (%lld user%s", check.users,
	       check.users == 1 ? "" : "s");
	if (check.warnings > 0)
		printf("; %zu warning%s above", check.warnings, check.warnings == 1 ? "" : "s");
	printf(")\n");
	return SECINFO_OK;
}
