/* secinfo: who is offered registration at sign-in ([registration] users, SPEC 13). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "error.h"
#include "registration.h"

/* Most groups of one user looked at; getgrouplist says how many there are. */
#define SECINFO_REGISTRATION_GROUPS_MAX 65536

/* The groups of USER, looked up once and only when an "@group" entry needs them. */
struct secinfo_registration_groups {
	int looked_up;
	gid_t *gids;
	int count;
};

/* Whether the name service answered "no such entry" rather than failed (getpwnam_r(3)). */
static int
secinfo_registration_unknown(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH;
}

/* Fills G with USER's primary and supplementary groups (none when the name service does not
 * know USER). Returns 0 or a negative SECINFO_ERR_* code. */
static int
secinfo_registration_groups_get(const char *user, struct secinfo_registration_groups *g)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	int rc, n = 64;

	g->looked_up = 1;
	rc = getpwnam_r(user, &pw, buf, sizeof(buf), &found);
	if (found == NULL)
		return secinfo_registration_unknown(rc) ? 0 : SECINFO_ERR_IO;
	for (;;) {
		gid_t *bigger = realloc(g->gids, (size_t)n * sizeof(*g->gids));
		int want = n;
		if (bigger == NULL)
			return SECINFO_ERR_NOMEM;
		g->gids = bigger;
		if (getgrouplist(user, pw.pw_gid, g->gids, &want) >= 0) {
			g->count = want;
			return 0;
		}
		/* -1 with WANT set to the number needed; no bigger WANT is a lookup failure. */
		if (want <= n || want > SECINFO_REGISTRATION_GROUPS_MAX)
			return SECINFO_ERR_IO;
		n = want;
	}
}

/* Looks up the gid of the group named GROUP, in a buffer grown as a big group needs.
 * Returns 1 with *gid, 0 (no such group), or a negative SECINFO_ERR_* code. */
static int
secinfo_registration_gid(const char *group, gid_t *gid)
{
	struct group gr, *found = NULL;
	size_t size = 16384;
	char *buf = NULL;
	int rc;

	for (;;) {
		char *bigger = realloc(buf, size);
		if (bigger == NULL) {
			free(buf);
			return SECINFO_ERR_NOMEM;
		}
		buf = bigger;
		rc = getgrnam_r(group, &gr, buf, size, &found);
		if (rc != ERANGE || size >= 16u * 1024 * 1024)
			break;
		size *= 4;
	}
	if (found != NULL)
		*gid = gr.gr_gid;
	free(buf);
	if (found != NULL)
		return 1;
	return secinfo_registration_unknown(rc) ? 0 : SECINFO_ERR_IO;
}

/* Whether USER is a member of the group named NAME (NAME_LEN bytes). Returns 1, 0, or a
 * negative SECINFO_ERR_* code. */
static int
secinfo_registration_member(const char *user, const char *name, size_t name_len,
			    struct secinfo_registration_groups *g)
{
	char group[256];
	gid_t gid = 0;
	int rc;

	if (name_len == 0 || name_len >= sizeof(group))
		return 0;
	memcpy(group, name, name_len);
	group[name_len] = '\0';
	if (!g->looked_up && (rc = secinfo_registration_groups_get(user, g)) != 0)
		return rc;
	rc = secinfo_registration_gid(group, &gid);
	if (rc != 1)
		return rc;
	for (int i = 0; i < g->count; i++)
		if (g->gids[i] == gid)
			return 1;
	return 0;
}

int
secinfo_registration_offered(const struct secinfo_conf *conf, const char *user)
{
	struct secinfo_registration_groups groups = {0};
	const char *list = conf->registration_users;
	int rc = 0;

	while (rc == 0 && list != NULL && *list != '\0') {
		size_t n;
		list += strspn(list, " \t,");
		n = strcspn(list, " \t,");
		if (n == 1 && list[0] == '*')
			rc = 1;
		else if (n > 0 && list[0] == '@')
			rc = secinfo_registration_member(user, list + 1, n - 1, &groups);
		else if (n > 0 && n == strlen(user) && strncmp(list, user, n) == 0)
			rc = 1;
		list += n;
	}
	free(groups.gids);
	return rc;
}
