#include "config.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "plugin.h"
#include "safefile.h"

#define SECINFO_PLUGIN_NAME "secinfo-delivery.so"

/* Finds the plugin beside this module: where the administrator installed the module is the
 * one place whose path needs no configuration and no environment. */
static int
secinfo_plugin_path(char *path, size_t size)
{
	Dl_info info;
	const char *slash;

	if (dladdr((void *)(uintptr_t)secinfo_plugin_path, &info) == 0 || info.dli_fname == NULL ||
	    (slash = strrchr(info.dli_fname, '/')) == NULL)
		return SECINFO_ERR_NOT_FOUND;
	if ((size_t)snprintf(path, size, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
			     SECINFO_PLUGIN_NAME) >= size)
		return SECINFO_ERR_NOT_FOUND;
	return 0;
}

static int
secinfo_plugin_load(struct secinfo_plugin *plugin, struct secinfo_delivery_result *result)
{
	char path[4096], fdpath[64];
	const char *why = NULL;
	void *sym;
	int fd, rc;

	rc = secinfo_plugin_path(path, sizeof(path));
	if (rc != 0) {
		snprintf(result->detail, sizeof(result->detail), "cannot locate %s",
			 SECINFO_PLUGIN_NAME);
		return SECINFO_ERR_IO;
	}
	fd = secinfo_file_open(path, SECINFO_FILE_PUBLIC_READ, &why);
	if (fd < 0) {
		snprintf(result->detail, sizeof(result->detail), "%.200s: %s", path,
			 why != NULL ? why : secinfo_strerror(fd));
		return SECINFO_ERR_IO;
	}
	/* Through the checked descriptor: the file loaded is the file checked. Once loaded, the
	 * plugin and libcurl stay for the life of the process (RTLD_NODELETE): libcurl keeps the
	 * plugin's wiping allocators after curl_global_cleanup, and its threaded resolver may
	 * leave a thread running after a DNS timeout; unloading either under them would crash
	 * the process. */
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
	plugin->handle = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	close(fd);
	if (plugin->handle == NULL) {
		snprintf(result->detail, sizeof(result->detail), "cannot load %.100s: %.120s", path,
			 dlerror());
		return SECINFO_ERR_IO;
	}
	sym = dlsym(plugin->handle, SECINFO_DELIVERY_SYMBOL);
	if (sym == NULL) {
		snprintf(result->detail, sizeof(result->detail), "%.180s has no %s", path,
			 SECINFO_DELIVERY_SYMBOL);
		secinfo_plugin_unload(plugin);
		return SECINFO_ERR_IO;
	}
	memcpy(&plugin->send, &sym, sizeof(plugin->send)); /* POSIX: a data-to-code pointer */
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
		rc = secinfo_plugin_load(plugin, result);
		if (rc != 0)
			return rc;
	}
	return plugin->send(conf, request, result);
}

void
secinfo_plugin_unload(struct secinfo_plugin *plugin)
{
	if (plugin->handle != NULL)
		dlclose(plugin->handle);
	plugin->handle = NULL;
	plugin->send = NULL;
}
