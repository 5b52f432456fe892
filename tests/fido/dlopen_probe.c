/*
 * dlopen_probe PLUGIN: loads PLUGIN (tests/fido/plugin.c) with RTLD_LOCAL, as the PAM module
 * loads secinfo-key.so, and runs its probe. Exits 0 when the probe opened a device.
 */
#include <config.h>

#include <dlfcn.h>
#include <stdio.h>

int
main(int argc, char **argv)
{
	void *plugin;
	int (*probe)(void);

	if (argc != 2) {
		fprintf(stderr, "usage: dlopen_probe PLUGIN.so\n");
		return 2;
	}
	if ((plugin = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "dlopen_probe: %s\n", dlerror());
		return 1;
	}
	*(void **)&probe = dlsym(plugin, "softfido_plugin_probe");
	if (probe == NULL) {
		fprintf(stderr, "dlopen_probe: %s\n", dlerror());
		return 1;
	}
	return probe() == 0 ? 0 : 1;
}
