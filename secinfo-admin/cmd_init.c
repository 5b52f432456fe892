/* secinfo-admin init: creates what the module needs, and changes nothing that exists. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "crypto.h"
#include "error.h"
#include "safefile.h"
#include "schema.h"

/* Writes the directory part of PATH into DIR ("/" for a file in the root). Returns 0 or -1. */
static int
secinfo_admin_dirname(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || (size_t)(slash - path) + 2 > size)
		return -1;
	snprintf(dir, size, "%.*s", slash == path ? 1 : (int)(slash - path), path);
	return 0;
}

/* Creates the database's directory when it is missing: root's alone, like the module wants. */
static int
secinfo_admin_init_dir(struct secinfo_admin *admin, int *changed)
{
	const char *why = NULL;
	char dir[4096];
	int rc;

	if (secinfo_admin_dirname(admin->conf->db_path, dir, sizeof(dir)) != 0)
		return secinfo_admin_fail("[database] path %s is not an absolute path",
					  admin->conf->db_path);
	rc = secinfo_dir_check(dir, &why);
	if (rc == SECINFO_ERR_NOT_FOUND) {
		if (mkdir(dir, 0700) != 0)
			return secinfo_admin_fail("cannot create the directory %s: %s; create its "
						  "parent directories first",
						  dir, strerror(errno));
		printf("created directory %s (mode 0700)\n", dir);
		*changed = 1;
		rc = secinfo_dir_check(dir, &why);
	}
	if (rc != 0)
		return secinfo_admin_fail("the database directory %s is not safe: %s; it must be a "
					  "directory owned by root and writable only by root",
					  dir, why);
	return SECINFO_OK;
}

/*
 * Creates the key when it is missing, or checks the one there. A database that exists
 * without its key is refused: a new key could never decrypt what the old one encrypted.
 */
static int
secinfo_admin_init_key(struct secinfo_admin *admin, int db_exists, int *changed)
{
	const char *path = admin->conf->key_file, *why = NULL;
	unsigned char *key = NULL;
	struct stat st;
	int rc;

	if (lstat(path, &st) == 0 || errno != ENOENT) {
		rc = secinfo_key_load(path, &key, &why);
		secinfo_key_free(key);
		if (rc != 0)
			return secinfo_admin_fail(
				"the key %s is not usable: %s; it must be a regular "
				"file of 32 bytes owned by root with mode 0600",
				path, why != NULL ? why : secinfo_strerror(rc));
		return SECINFO_OK;
	}
	if (db_exists)
		return secinfo_admin_fail(
			"the database %s exists but its key %s is missing; restore "
			"the key from a backup (a new key cannot decrypt the "
			"database)",
			admin->conf->db_path, path);
	rc = secinfo_key_create(path, &why);
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot create the key %s: %s", path,
					   why != NULL ? why : secinfo_strerror(rc));
	printf("created key %s (mode 0600)\n", path);
	*changed = 1;
	return SECINFO_OK;
}

/* Creates the database, or opens the one there (which migrates its schema forward). */
static int
secinfo_admin_init_database(struct secinfo_admin *admin, int db_exists, int *changed)
{
	char why[1024] = "";
	int rc;

	rc = secinfo_store_open(admin->conf, SECINFO_STORE_CREATE, &admin->store, why, sizeof(why));
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot %s the database: %s (%s)",
					   db_exists ? "open" : "create", why,
					   secinfo_strerror(rc));
	if (db_exists)
		return SECINFO_OK;
	rc = secinfo_admin_end(admin, secinfo_store_begin(admin->store), "", "", "init");
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot write to the new database: %s",
					   secinfo_strerror(rc));
	printf("created database %s (mode 0600)\n", admin->conf->db_path);
	*changed = 1;
	return SECINFO_OK;
}

/*
 * PostgreSQL (SPEC 16): no directory nor file to make; the key as for sqlite (the first host
 * makes it, the others get a copy); the schema created or migrated by the store's open under
 * the fleet's lock, so that running init again, or on two hosts at once, is safe.
 */
static int
secinfo_admin_init_pg(struct secinfo_admin *admin)
{
	const struct secinfo_conf *conf = admin->conf;
	char why[1024] = "";
	struct stat st;
	int key_made = 0, rc;

	if (lstat(conf->key_file, &st) != 0 && errno == ENOENT)
		key_made = 1;
	rc = secinfo_admin_init_key(admin, 0, &key_made);
	if (rc != SECINFO_OK)
		return rc;
	rc = secinfo_store_open(conf, SECINFO_STORE_CREATE, &admin->store, why, sizeof(why));
	if (rc == SECINFO_ERR_CORRUPT && key_made) {
		/* the database has a key already: the one just made is of no use */
		unlink(conf->key_file);
		return secinfo_admin_error(
			rc,
			"the database %s on %s was initialised with another key: "
			"copy the fleet's key file to %s (owner root, mode 0600) "
			"and run init again",
			conf->db_name, conf->db_host, conf->key_file);
	}
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot initialise the database %s: %s (%s)",
					   conf->db_name, why, secinfo_strerror(rc));
	if (secinfo_store_created(admin->store)) {
		rc = secinfo_admin_end(admin, secinfo_store_begin(admin->store), "", "", "init");
		if (rc != 0)
			return secinfo_admin_error(rc, "cannot write to the new database: %s",
						   secinfo_strerror(rc));
		printf("created the schema (version %d) in database %s on %s\n",
		       SECINFO_PG_SCHEMA_VERSION, conf->db_name, secinfo_store_host(admin->store));
	} else {
		printf("%sthe database %s on %s holds the schema (version %d) and matches the key "
		       "%s\n",
		       key_made ? "" : "nothing to do: ", conf->db_name,
		       secinfo_store_host(admin->store), SECINFO_PG_SCHEMA_VERSION, conf->key_file);
	}
	return SECINFO_OK;
}

int
secinfo_admin_cmd_init(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct stat st;
	int changed = 0, db_exists, rc;

	/* main() refused anyone but root (the test build: also the user running it), as the
	 * files must be root's. */
	umask(077);
	rc = secinfo_admin_load_conf(admin);
	if (rc == SECINFO_OK && admin->conf->db_backend == SECINFO_DB_POSTGRESQL)
		return secinfo_admin_init_pg(admin);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_init_dir(admin, &changed);
	if (rc != SECINFO_OK)
		return rc;
	db_exists = lstat(admin->conf->db_path, &st) == 0;
	rc = secinfo_admin_init_key(admin, db_exists, &changed);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_init_database(admin, db_exists, &changed);
	if (rc == SECINFO_OK && !changed)
		printf("nothing to do: the directory, the key %s and the database %s exist and are "
		       "usable\n",
		       admin->conf->key_file, admin->conf->db_path);
	return rc;
}
