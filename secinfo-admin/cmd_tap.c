/* secinfo-admin tap issue|revoke: the helpdesk's temporary access pass (SPEC 14). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "crypto.h"
#include "error.h"
#include "tap.h"
#include "username.h"

#define SECINFO_TAP_LIFETIME_MIN 600L          /* 10 minutes */
#define SECINFO_TAP_LIFETIME_MAX (30L * 86400) /* 30 days */

/* Reads --lifetime and --uses (defaults: [tap] lifetime, one use). A malformed value is a usage
 * error; one out of range is refused. Returns 0 or a negative SECINFO_ERR_* code (printed). */
static int
secinfo_admin_tap_options(const struct secinfo_admin *admin, const struct secinfo_admin_args *args,
			  long *lifetime, long long *uses)
{
	*lifetime = admin->conf->tap_lifetime;
	*uses = 1;
	if (args->lifetime != NULL && secinfo_duration_parse(args->lifetime, lifetime) != 0)
		return secinfo_admin_usage_fail(
			"--lifetime '%s' is not a duration: write it as 30m, "
			"8h or 2d",
			args->lifetime);
	if (args->uses != NULL && (args->uses[strspn(args->uses, "0123456789")] != '\0' ||
				   args->uses[0] == '\0' || strlen(args->uses) > 6))
		return secinfo_admin_usage_fail("--uses '%s' is not a number: write how many "
						"sign-ins the pass allows, 1 to %d",
						args->uses, SECINFO_TAP_USES_MAX);
	if (args->uses != NULL)
		*uses = strtoll(args->uses, NULL, 10);
	if (*lifetime < SECINFO_TAP_LIFETIME_MIN || *lifetime > SECINFO_TAP_LIFETIME_MAX)
		return secinfo_admin_fail("a pass lasts from 10 minutes to 30 days; %s is out of "
					  "that range; nothing issued",
					  args->lifetime != NULL ? args->lifetime
								 : "[tap] lifetime");
	if (*uses < 1 || *uses > SECINFO_TAP_USES_MAX)
		return secinfo_admin_fail(
			"a pass allows 1 to %d sign-ins, not %lld; nothing issued",
			SECINFO_TAP_USES_MAX, *uses);
	return SECINFO_OK;
}

/* Whether NAME has an active pass now (the store loads only active ones). */
static int
secinfo_admin_tap_active(struct secinfo_admin *admin, const char *name, int *active)
{
	struct secinfo_user *user = NULL;
	int rc = secinfo_store_user_get(admin->store, name, &user);

	*active = rc == 0 &&
		  secinfo_user_temporary_method(user, SECINFO_KIND_BIT(SECINFO_KIND_TAP)) != NULL;
	secinfo_user_free(user);
	return rc == SECINFO_ERR_NOT_FOUND ? 0 : rc;
}

/* Says once what the pass is and how to use it. */
static void
secinfo_admin_tap_print(const char *name, const char *printed, long long id, time_t expires,
			long long uses, int replaced)
{
	char until[64];

	secinfo_admin_time((long long)expires, 0, until, sizeof(until));
	printf("Temporary access pass for %s (method id %lld):\n\n    %s\n\n", name, id, printed);
	printf("It is shown only this once. It is valid until %s for %lld sign-in%s.\n", until,
	       uses, uses == 1 ? "" : "s");
	if (replaced)
		printf("It replaces the pass %s had before, which no longer works.\n", name);
	printf("Give it to %s by a trusted channel. At the \"Temporary access pass:\" prompt they "
	       "type it, with or without the dashes, in either case; then they add a new method, "
	       "for example with 'secinfo add app'.\n",
	       name);
}

int
secinfo_admin_cmd_tap_issue(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	char printed[SECINFO_TAP_PRINTED + 1], pass[SECINFO_TAP_LENGTH + 1];
	char name[SECINFO_USERNAME_MAX + 1];
	long lifetime = 0;
	long long uses = 1, id = 0;
	int rc, replaced = 0;

	rc = secinfo_admin_user_name_check(args->words[0]);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_load_conf(admin);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_tap_options(admin, args, &lifetime, &uses);
	if (rc == SECINFO_OK)
		rc = secinfo_admin_open(admin);
	if (rc != SECINFO_OK)
		return rc;
	secinfo_admin_user_name_canonical(args->words[0], name, sizeof(name));
	secinfo_tap_generate(printed);
	rc = secinfo_tap_normalize(printed, pass);
	if (rc == 0)
		rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_admin_tap_active(admin, name, &replaced);
	if (rc == 0)
		rc = secinfo_store_tap_issue(admin->store, name, pass, admin->now + lifetime, uses,
					     admin->now, &id);
	rc = secinfo_admin_end(admin, rc, name, "tap", "tap-issue");
	secinfo_wipe(pass, sizeof(pass));
	if (rc == 0) {
		secinfo_admin_tap_print(name, printed, id, admin->now + lifetime, uses, replaced);
		/* A pass is a way in: the user hears of it as of any method added, so that one
		 * issued to someone who talked the helpdesk round does not go unnoticed. */
		secinfo_admin_notify(admin, name, NULL, SECINFO_NOTIFY_METHOD_ADDED, id);
	} else
		rc = secinfo_admin_error(rc, "cannot issue a pass to %s: %s; nothing issued", name,
					 secinfo_strerror(rc));
	secinfo_wipe(printed, sizeof(printed));
	return rc;
}

int
secinfo_admin_cmd_tap_revoke(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	const char *name = args->words[0];
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc != SECINFO_OK)
		return rc;
	rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_store_tap_revoke(admin->store, name, admin->now);
	rc = secinfo_admin_end(admin, rc, name, "tap", "tap-revoke");
	if (rc == SECINFO_ERR_NOT_FOUND)
		return secinfo_admin_fail("%s has no active temporary access pass; nothing revoked",
					  name);
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot revoke the pass of %s: %s; nothing revoked",
					   name, secinfo_strerror(rc));
	printf("Revoked the temporary access pass of %s: it no longer works.\n", name);
	return SECINFO_OK;
}
