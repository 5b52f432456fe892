/*
 * secinfo-admin copy --to FILE: copies the configured store into the store that configuration
 * FILE names (SPEC 16), in one transaction on the target, and says what it copied.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "admin.h"
#include "error.h"
#include "store_copy.h"

/* Returns 1 when A and B name the same database (so that a copy would read what it writes).
 * For PostgreSQL, the same hosts, ports and database name; another spelling of a host is
 * caught by the fleet's lock (the target's transaction cannot begin while the source's
 * holds it) and fails the copy with nothing written. */
static int
secinfo_admin_copy_same(const struct secinfo_conf *a, const struct secinfo_conf *b)
{
	struct stat sa, sb;

	if (a->db_backend != b->db_backend)
		return 0;
	if (a->db_backend == SECINFO_DB_POSTGRESQL)
		return a->db_host != NULL && b->db_host != NULL && a->db_port != NULL &&
		       b->db_port != NULL && a->db_name != NULL && b->db_name != NULL &&
		       strcmp(a->db_host, b->db_host) == 0 && strcmp(a->db_port, b->db_port) == 0 &&
		       strcmp(a->db_name, b->db_name) == 0;
	/* The same file under two names is the same database; a missing target is not. */
	return stat(a->db_path, &sa) == 0 && stat(b->db_path, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Writes the database CONF names, for messages: the sqlite file, or "database D on H". */
static const char *
secinfo_admin_copy_where(const struct secinfo_conf *conf, char *out, size_t size)
{
	if (conf->db_backend == SECINFO_DB_POSTGRESQL)
		snprintf(out, size, "PostgreSQL database %s on %s",
			 conf->db_name ? conf->db_name : "?", conf->db_host ? conf->db_host : "?");
	else
		snprintf(out, size, "%s", conf->db_path ? conf->db_path : "?");
	return out;
}

/* Opens the target store that TARGET's configuration names. Returns 0 or a negative code. */
static int
secinfo_admin_copy_open(struct secinfo_admin *target)
{
	char why[1024] = "";
	int rc = secinfo_store_open(target->conf, 0, &target->store, why, sizeof(why));

	if (rc == 0)
		return 0;
	return secinfo_admin_fail("nothing was copied: cannot open the target database: %s (%s); "
				  "the target must be made first with 'secinfo-admin -c %s init' "
				  "and the same key file as this store's",
				  why, secinfo_strerror(rc), target->conf_path);
}

/* Says why the copy failed (RC, WHY) and that the target is as it was. */
static int
secinfo_admin_copy_failed(const struct secinfo_admin *admin, const struct secinfo_admin *target,
			  int rc, const char *why)
{
	char where[512];

	if (rc == SECINFO_ERR_CRYPTO)
		return secinfo_admin_fail(
			"nothing was copied: %s (%s, not %s); the target must use a copy of this "
			"store's key: remove the target database and its key, copy %s to %s and "
			"run 'secinfo-admin -c %s init'",
			why, target->conf->key_file, admin->conf->key_file, admin->conf->key_file,
			target->conf->key_file, target->conf_path);
	if (rc == SECINFO_ERR_EXISTS)
		return secinfo_admin_fail(
			"nothing was copied: %s (%s); copy only into a new store "
			"made by 'secinfo-admin -c %s init'",
			why, secinfo_admin_copy_where(target->conf, where, sizeof(where)),
			target->conf_path);
	return secinfo_admin_error(rc,
				   "nothing was copied, the target %s is as it was: %s; the target "
				   "must be a new store made by 'secinfo-admin -c %s init' with "
				   "nothing added to it (no question either)",
				   secinfo_admin_copy_where(target->conf, where, sizeof(where)),
				   why, target->conf_path);
}

int
secinfo_admin_cmd_copy(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	struct secinfo_admin target = {.conf_path = args->to, .now = admin->now};
	struct secinfo_audit_entry note = {
		.time = (long long)admin->now,
		.user = "",
		.service = "secinfo-admin",
		.rhost = "",
		.method = "",
		.event = "copy",
		.result = "success",
		.actor = "root",
	};
	long long counts[SECINFO_COPY_TABLES];
	char why[512] = "", where[512];
	int rc;

	if (args->to == NULL)
		return secinfo_admin_usage_fail(
			"copy needs --to FILE: the configuration file whose "
			"[database] names the target store");
	rc = secinfo_admin_open(admin);
	if (rc == 0) {
		rc = secinfo_admin_load_conf(&target);
		if (rc != 0)
			secinfo_admin_fail(
				"nothing was copied: 'secinfo-admin -c %s check' lists the "
				"problems of the target's configuration",
				args->to);
	}
	if (rc == 0 && secinfo_admin_copy_same(admin->conf, target.conf))
		rc = secinfo_admin_fail(
			"nothing was copied: %s and %s name the same database %s; "
			"--to must name another store",
			admin->conf_path, target.conf_path,
			secinfo_admin_copy_where(target.conf, where, sizeof(where)));
	if (rc == 0)
		rc = secinfo_admin_copy_open(&target);
	if (rc == 0) {
		rc = secinfo_store_copy(admin->store, target.store, &note, counts, why,
					sizeof(why));
		if (rc != 0)
			rc = secinfo_admin_copy_failed(admin, &target, rc, why);
	}
	if (rc == 0) {
		printf("copied %s into ",
		       secinfo_admin_copy_where(admin->conf, where, sizeof(where)));
		printf("%s in one transaction:\n",
		       secinfo_admin_copy_where(target.conf, where, sizeof(where)));
		for (int t = 0; t < SECINFO_COPY_TABLES; t++)
			printf("  %-10s %lld\n", secinfo_store_copy_table_name(t), counts[t]);
		if (strcmp(target.conf->key_file, admin->conf->key_file) != 0)
			printf("The target's key file %s must stay a copy of %s.\n",
			       target.conf->key_file, admin->conf->key_file);
	}
	secinfo_admin_close(&target);
	return rc;
}
