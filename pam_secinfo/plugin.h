/* pam_secinfo: the delivery plugin (secinfo-delivery.so), loaded only when a code is sent. */
#ifndef SECINFO_PLUGIN_H
#define SECINFO_PLUGIN_H

#include "conf.h"
#include "delivery.h"

/* The plugin of one PAM call: loaded at the first send, unloaded at the end of the call. */
struct secinfo_plugin {
	void *handle;
	int (*send)(const struct secinfo_conf *conf, const struct secinfo_delivery_request *request,
		    struct secinfo_delivery_result *result);
};

/*
 * A secinfo_method_ctx sender: loads secinfo-delivery.so from the directory this module was
 * loaded from (checked like every file: root-owned, not writable by others, no symlink, and
 * loaded through the checked descriptor), then sends. PLUGIN is a struct secinfo_plugin.
 * Returns what secinfo_delivery_send returns, or SECINFO_ERR_IO when the plugin cannot be
 * loaded (RESULT->detail says why).
 */
int secinfo_plugin_send(void *plugin, const struct secinfo_conf *conf,
			const struct secinfo_delivery_request *request,
			struct secinfo_delivery_result *result);

/* Unloads the plugin if it was loaded. */
void secinfo_plugin_unload(struct secinfo_plugin *plugin);

#endif
