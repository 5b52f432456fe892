#include "config.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "plugin.h"
#include "safefile.h"

#define SECINFO_PLUGIN_DELIVERY "secinfo-delivery.so"
#define SECINFO_PLUGIN_KEY      "secinfo-key.so"

/* Finds the plugin NAME beside this module: where the administrator installed the module is the
 * one place whose path needs no configuration and no environment. */
static int
secinfo_plugin_path(const char *name, char *path, size_t size)
{
	Dl_info info;
	const char *slash;

	if (dladdr((void *)(uintptr_t)secinfo_plugin_path, &info) == 0 || info.dli_fname == NULL ||
	    (slash = strrchr(info.dli_fname, '/')) == NULL)
		return SECINFO_ERR_NOT_FOUND;
	if ((size_t)snprintf(path, size, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
			     name) >= size)
		return SECINFO_ERR_NOT_FOUND;
	return 0;
}

/*
 * Loads the plugin NAME from this module's directory and looks up SYMBOL: *HANDLE and *SYM, or
 * SECINFO_ERR_IO with WHY. The one loader of both plugins.
 */
static int
secinfo_plugin_load(const char *name, const char *symbol, void **handle, void **sym, char *why,
		    size_t why_size)
{
	char path[4096], fdpath[64];
	const char *problem = NULL;
	int fd;

	if (secinfo_plugin_path(name, path, sizeof(path)) != 0) {
		snprintf(why, why_size, "cannot locate %s", name);
		return SECINFO_ERR_IO;
	}
	fd = secinfo_file_open(path, SECINFO_FILE_PUBLIC_READ, &problem);
	if (fd < 0) {
		snprintf(why, why_size, "%.200s: %s", path,
			 problem != NULL ? problem : secinfo_strerror(fd));
		return SECINFO_ERR_IO;
	}
	/* Through the checked descriptor: the file loaded is the file checked. Once loaded, a
	 * plugin and its libraries stay for the life of the process (RTLD_NODELETE): libcurl
	 * keeps the delivery plugin's wiping allocators after curl_global_cleanup, and its
	 * threaded resolver may leave a thread running after a DNS timeout; libcrypto (libcurl's
	 * and libfido2's) registers exit handlers; unloading any of them under these would crash
	 * the process. */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	*handle = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	close(fd);
	if (*handle == NULL) {
		snprintf(why, why_size, "cannot load %.100s: %.120s", path, dlerror());
		return SECINFO_ERR_IO;
	}
	*sym = dlsym(*handle, symbol);
	if (*sym == NULL) {
		snprintf(why, why_size, "%.180s has no %s", path, symbol);
		dlclose(*handle);
		*handle = NULL;
		return SECINFO_ERR_IO;
	}
	return 0;
}

int
secinfo_plugin_send(void *data, const struct secinfo_conf *conf,
		    const struct secinfo_delivery_request *request,
		    struct secinfo_delivery_result *result)
{
	struct secinfo_plugin *plugin = data;
	int rc;

	memset(result, 0, sizeof(*result));
	if (plugin->handle == NULL) {
		void *sym = NULL;
		rc = secinfo_plugin_load(SECINFO_PLUGIN_DELIVERY, SECINFO_DELIVERY_SYMBOL,
					 &plugin->handle, &sym, result->detail,
					 sizeof(result->detail));
		if (rc != 0)
			return rc;
		memcpy(&plugin->send, &sym, sizeof(plugin->send)); /* POSIX: data-to-code pointer */
	}
	return plugin->send(conf, request, result);
}

const struct secinfo_fido_ops *
secinfo_plugin_fido(void *data, char *why, size_t why_size)
{
	struct secinfo_plugin *plugin = data;
	void *sym = NULL;

	if (plugin->fido == NULL &&
	    secinfo_plugin_load(SECINFO_PLUGIN_KEY, SECINFO_FIDO_SYMBOL, &plugin->key_handle, &sym,
				why, why_size) == 0)
		plugin->fido = sym;
	return plugin->fido;
}

void
secinfo_plugin_unload(struct secinfo_plugin *plugin)
{
	if (plugin->handle != NULL)
		dlclose(plugin->handle);
	if (plugin->key_handle != NULL)
		dlclose(plugin->key_handle);
	plugin->handle = NULL;
	plugin->send = NULL;
	plugin->key_handle = NULL;
	plugin->fido = NULL;
}
