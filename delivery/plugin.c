/* secinfo delivery: the plugin secinfo-delivery.so that the PAM module dlopens from its own
 * directory on the first code it sends, so that libcurl is never loaded for a sign-in that
 * sends nothing. Its only export is secinfo_delivery_send (delivery.c, declared in
 * libsecinfo/delivery.h; secinfo-delivery.map hides everything else).
 *
 * libcurl's global state is set up once per load (without SSLKEYLOGFILE, see
 * secinfo_delivery_global_init) and torn down when the module unloads the plugin; each send
 * then only takes and drops a reference. */
#include "config.h"

#include "delivery_internal.h"

static int secinfo_plugin_initialised;

__attribute__((constructor)) static void
secinfo_plugin_load(void)
{
	secinfo_plugin_initialised = secinfo_delivery_global_init() == 0;
}

__attribute__((destructor)) static void
secinfo_plugin_unload(void)
{
	if (secinfo_plugin_initialised)
		secinfo_delivery_global_cleanup();
	secinfo_plugin_initialised = 0;
}
