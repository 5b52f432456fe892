/* pam_secinfo: the plugins beside the module, each loaded only when first needed: the delivery
 * plugin (secinfo-delivery.so: libcurl) when a code is sent, the key plugin (secinfo-key.so:
 * libfido2) when a security key is used. One loader checks and loads both. */
#ifndef SECINFO_PLUGIN_H
#define SECINFO_PLUGIN_H

#include <stddef.h>

#include "conf.h"
#include "delivery.h"
#include "fido_key.h"

/* The plugins of one PAM call: each loaded at its first use, unloaded at the end of the call. */
struct secinfo_plugin {
	void *handle; /* secinfo-delivery.so */
	int (*send)(const struct secinfo_conf *conf, const struct secinfo_delivery_request *request,
		    struct secinfo_delivery_result *result);
	void *key_handle; /* secinfo-key.so */
	const struct secinfo_fido_ops *fido;
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

/* A secinfo_fido_load_fn: loads secinfo-key.so the same way on first use. Returns its table, or
 * NULL with WHY naming the file and the problem. PLUGIN is a struct secinfo_plugin. */
const struct secinfo_fido_ops *secinfo_plugin_fido(void *plugin, char *why, size_t why_size);

/* Unloads the plugins that were loaded. */
void secinfo_plugin_unload(struct secinfo_plugin *plugin);

#endif
