/*
 * A plugin that uses libfido2 the way secinfo-key.so does: linked with libfido2 and dlopened
 * with RTLD_LOCAL (tests/fido/dlopen_probe.c loads it). It lists the devices and opens the
 * first one, to show that the softfido shim reaches libfido2 there too.
 */
#include <config.h>

#include <stdio.h>

#include <fido.h>

__attribute__((visibility("default"))) int softfido_plugin_probe(void);

int
softfido_plugin_probe(void)
{
	fido_dev_info_t *list = fido_dev_info_new(8);
	fido_dev_t *dev = fido_dev_new();
	size_t n = 0;
	int r = FIDO_ERR_INTERNAL;

	if (list == NULL || dev == NULL)
		goto out;
	if ((r = fido_dev_info_manifest(list, 8, &n)) != FIDO_OK)
		goto out;
	printf("devices=%zu\n", n);
	if (n == 0) {
		r = FIDO_ERR_INTERNAL;
		goto out;
	}
	printf("path=%s\n", fido_dev_info_path(fido_dev_info_ptr(list, 0)));
	if ((r = fido_dev_open(dev, fido_dev_info_path(fido_dev_info_ptr(list, 0)))) != FIDO_OK)
		goto out;
	printf("fido2=%d pin=%d\n", fido_dev_is_fido2(dev), fido_dev_has_pin(dev));
	fido_dev_close(dev);
out:
	printf("result=%s\n", fido_strerr(r));
	fido_dev_free(&dev);
	fido_dev_info_free(&list, 8);
	return r;
}
