/*
 * The test seam: an LD_PRELOAD library that puts softfido behind libfido2.
 *
 * fido_dev_info_manifest lists the real devices and then /dev/softfido (through libfido2's
 * own fido_dev_info_set), unless the state says absent; fido_dev_open on /dev/softfido gives
 * the device softfido's fido_dev_io_t and then calls the real fido_dev_open, so libfido2 does
 * all of its own CTAPHID and CTAP2 work; every other path goes to the real one unchanged.
 * The state file comes from SOFTFIDO_STATE, read once at load, so that a program that clears
 * its environment (login) still finds it. A process without SOFTFIDO_STATE sees no change.
 * SOFTFIDO_DEVICE (read at load too) lists the key under another path than /dev/softfido: a
 * file there stands for the device node, whose owner and mode say who may open it.
 *
 * This library does not link libfido2: it finds libfido2's functions in the process when they
 * are called, so that a process that never loads libfido2 does not load it because of us.
 */
#include <config.h>

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fido.h>

#include "softfido.h"

#define SOFTFIDO_EXPORT __attribute__((visibility("default")))
#define FIDO2_SONAME    "libfido2.so.1"

static char *state_path, *device_path;

__attribute__((constructor)) static void
softfido_preload_init(void)
{
	const char *path = getenv("SOFTFIDO_STATE"), *device = getenv("SOFTFIDO_DEVICE");

	if (path != NULL && path[0] != '\0')
		state_path = strdup(path);
	device_path = strdup(device != NULL && device[0] != '\0' ? device : SOFTFIDO_PATH);
	if (device_path == NULL) {
		free(state_path);
		state_path = NULL; /* no device rather than one under the wrong name */
	}
}

__attribute__((destructor)) static void
softfido_preload_fini(void)
{
	free(state_path);
	free(device_path);
	state_path = device_path = NULL;
}

/* name in libfido2: the next definition after this library, else the copy of libfido2 that
 * is already loaded (a module dlopened with RTLD_LOCAL is out of RTLD_NEXT's reach). */
static void *
fido2_symbol(const char *name)
{
	void *sym = dlsym(RTLD_NEXT, name);
	void *lib;

	if (sym != NULL)
		return sym;
	if ((lib = dlopen(FIDO2_SONAME, RTLD_LAZY | RTLD_NOLOAD)) == NULL)
		return NULL;
	sym = dlsym(lib, name);
	dlclose(lib);
	return sym;
}

static void *
io_open(const char *path)
{
	if (state_path == NULL || path == NULL || strcmp(path, device_path) != 0)
		return NULL;
	return softfido_open(state_path);
}

static void
io_close(void *handle)
{
	softfido_close(handle);
}

static int
io_read(void *handle, unsigned char *buf, size_t len, int ms)
{
	return softfido_read(handle, buf, len, ms);
}

static int
io_write(void *handle, const unsigned char *buf, size_t len)
{
	return softfido_write(handle, buf, len);
}

static const fido_dev_io_t softfido_io = {io_open, io_close, io_read, io_write};

static int
present(void)
{
	struct softfido_state st;
	int ok;

	if (state_path == NULL || softfido_state_read(state_path, &st) != 0)
		return 0;
	ok = !st.absent;
	memset(&st, 0, sizeof(st));
	return ok;
}

SOFTFIDO_EXPORT int
fido_dev_info_manifest(fido_dev_info_t *devlist, size_t ilen, size_t *olen)
{
	int (*real)(fido_dev_info_t *, size_t, size_t *) = (int (*)(
		fido_dev_info_t *, size_t, size_t *))fido2_symbol("fido_dev_info_manifest");
	int (*info_set)(fido_dev_info_t *, size_t, const char *, const char *, const char *,
			const fido_dev_io_t *, const fido_dev_transport_t *) =
		(int (*)(fido_dev_info_t *, size_t, const char *, const char *, const char *,
			 const fido_dev_io_t *,
			 const fido_dev_transport_t *))fido2_symbol("fido_dev_info_set");
	int r;

	if (real == NULL)
		return FIDO_ERR_INTERNAL;
	if ((r = real(devlist, ilen, olen)) != FIDO_OK || state_path == NULL)
		return r;
	if (*olen < ilen && info_set != NULL && present() &&
	    info_set(devlist, *olen, device_path, "softfido", "software FIDO2 key (tests)",
		     &softfido_io, NULL) == FIDO_OK)
		(*olen)++;
	return FIDO_OK;
}

SOFTFIDO_EXPORT int
fido_dev_open(fido_dev_t *dev, const char *path)
{
	int (*real)(fido_dev_t *, const char *) =
		(int (*)(fido_dev_t *, const char *))fido2_symbol("fido_dev_open");
	int (*set_io)(fido_dev_t *, const fido_dev_io_t *) = (int (*)(
		fido_dev_t *, const fido_dev_io_t *))fido2_symbol("fido_dev_set_io_functions");
	void *(*io_handle)(const fido_dev_t *) =
		(void *(*)(const fido_dev_t *))fido2_symbol("fido_dev_io_handle");
	int r;

	if (real == NULL)
		return FIDO_ERR_INTERNAL;
	if (state_path == NULL || path == NULL || strcmp(path, device_path) != 0)
		return real(dev, path);
	if (set_io == NULL || io_handle == NULL)
		return FIDO_ERR_INTERNAL;
	if ((r = set_io(dev, &softfido_io)) != FIDO_OK)
		return r;
	if ((r = real(dev, path)) == FIDO_OK)
		softfido_mark_opened(io_handle(dev));
	return r;
}
