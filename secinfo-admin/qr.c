#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "admin.h"
#include "error.h"
#include "qr.h"

int
secinfo_admin_qr_print(const char *text, FILE *out)
{
	char *rendering = NULL;
	int rc = secinfo_qr_render(text, isatty(fileno(out)), &rendering);

	if (rc != 0)
		return rc;
	if (fputs(rendering, out) == EOF)
		rc = SECINFO_ERR_IO;
	secinfo_qr_free(rendering);
	return rc;
}
