/* The QR code of an otpauth:// URI on the terminal (libsecinfo/qr.c renders it). */
#include "config.h"

#include <stdio.h>
#include <unistd.h>

#include "error.h"
#include "qr.h"
#include "term.h"

int
secinfo_term_qr_print(const char *text, FILE *out)
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
