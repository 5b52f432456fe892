/* secinfo-admin: the notice a user gets after an administrator changed their security info
 * (SPEC 15). Sent after the change is committed; a failure is a warning, never a failed
 * command: the change stands, and the audit trail has the notify row. */
#include "config.h"

#include <stdio.h>

#include "admin.h"
#include "delivery.h"
#include "notify.h"

/* Notices leave through the delivery code linked into secinfo-admin. */
static int
secinfo_admin_notify_send(void *sender, const struct secinfo_conf *conf,
			  const struct secinfo_delivery_request *request,
			  struct secinfo_delivery_result *result)
{
	return secinfo_delivery_send(conf, request, result);
}

void
secinfo_admin_notify(struct secinfo_admin *admin, const char *name, const struct secinfo_user *user,
		     enum secinfo_notify_event event, long long method_id)
{
	struct secinfo_user *loaded = NULL;
	struct secinfo_notice notice = {.event = event,
					.when = admin->now,
					.service = "secinfo-admin",
					.rhost = "",
					.actor = "root"};
	char why[512] = "";
	int rc;

	if (!(admin->conf->notify_events & (unsigned)event))
		return;
	if (user == NULL) {
		rc = secinfo_store_user_get(admin->store, name, &loaded);
		if (rc != 0) {
			fprintf(stderr,
				"secinfo-admin: warning: the change is made, but %s was not "
				"notified: cannot read the user back: %s\n",
				name, secinfo_strerror(rc));
			return;
		}
		user = loaded;
	}
	notice.method = secinfo_user_method(user, method_id);
	rc = secinfo_notify_send(admin->conf, admin->store, user, &notice,
				 secinfo_admin_notify_send, NULL, why, sizeof(why));
	if (rc != 0)
		fprintf(stderr,
			"secinfo-admin: warning: the change is made, but %s: check [email] or "
			"[sms] with 'secinfo-admin send-test'; the audit trail has the notify "
			"failure\n",
			why[0] != '\0' ? why : secinfo_strerror(rc));
	secinfo_user_free(loaded);
}
