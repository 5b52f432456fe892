/* secinfo-admin: the notice a user gets after an administrator changed their security info
 * (SPEC 15). Sent after the change is committed; a failure is a warning, never a failed
 * command: the change stands, and the audit trail has the notify row. */
#include "config.h"

#include <stdio.h>

#include "admin.h"
#include "change.h"
#include "term.h"

struct secinfo_change
secinfo_admin_change(const struct secinfo_admin *admin)
{
	struct secinfo_change change = {
		.store = admin->store,
		.conf = admin->conf,
		.now = admin->now,
		.service = "secinfo-admin",
		.actor = "root",
	};
	return change;
}

void
secinfo_admin_notify(struct secinfo_admin *admin, const char *name, const struct secinfo_user *user,
		     enum secinfo_notify_event event, long long method_id)
{
	struct secinfo_change change = secinfo_admin_change(admin);
	char why[512] = "";
	int rc;

	rc = secinfo_change_notify(&change, name, user, event, method_id, secinfo_term_send, why,
				   sizeof(why));
	if (rc != 0)
		fprintf(stderr,
			"secinfo-admin: warning: the change is made, but %s: check [email] or "
			"[sms] with 'secinfo-admin send-test'; the audit trail has the notify "
			"failure\n",
			why[0] != '\0' ? why : secinfo_strerror(rc));
}
