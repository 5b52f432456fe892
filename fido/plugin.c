/* secinfo: the plugin secinfo-key.so that the PAM module dlopens from its own directory when a
 * sign-in first uses a security key, so that libfido2 and libcrypto are never loaded for a
 * sign-in without one. Its only export is the table secinfo_fido (fido.c, declared in
 * libsecinfo/fido.h; secinfo-key.map hides everything else). */
#include "config.h"

#include "fido_key.h"

/* libfido2 set up as the commands set it up (fido.c), once per load. */
__attribute__((constructor)) static void
secinfo_key_plugin_load(void)
{
	secinfo_fido_init();
}
