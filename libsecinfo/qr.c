/* secinfo: QR codes as text (libqrencode), for terminals and PAM conversations alike. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "crypto.h"
#include "error.h"
#include "qr.h"

/* Scanners need a light border around the code; two modules is what terminal QR printers use
 * and what phone cameras read reliably. */
#define SECINFO_QR_QUIET 2

/* Returns 1 when the module at X, Y is light; the quiet zone outside the code is light. */
static int
secinfo_qr_light(const QRcode *qr, int x, int y)
{
	if (x < 0 || y < 0 || x >= qr->width || y >= qr->width)
		return 1;
	return !(qr->data[y * qr->width + x] & 1);
}

/* One line of text: module rows Y (upper half) and Y + 1 (lower half). */
static void
secinfo_qr_line(const QRcode *qr, int y, int ansi, FILE *out)
{
	static const char *const halves[4] = {" ", "\u2584", "\u2580", "\u2588"};

	/* Light modules are drawn as blocks, so on a dark terminal the code shows dark on light.
	 * On a terminal we also set the colours, so a light terminal shows it the same way. */
	if (ansi)
		fputs("\033[40;97m", out);
	for (int x = -SECINFO_QR_QUIET; x < qr->width + SECINFO_QR_QUIET; x++)
		fputs(halves[secinfo_qr_light(qr, x, y) << 1 | secinfo_qr_light(qr, x, y + 1)],
		      out);
	if (ansi)
		fputs("\033[0m", out);
	fputc('\n', out);
}

int
secinfo_qr_render(const char *text, int ansi, char **out)
{
	QRcode *qr;
	FILE *f;
	size_t size = 0;
	int rc = 0;

	*out = NULL;
	qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL)
		return errno == ENOMEM ? SECINFO_ERR_NOMEM : SECINFO_ERR_INVALID;
	f = open_memstream(out, &size);
	if (f == NULL) {
		rc = SECINFO_ERR_NOMEM;
	} else {
		for (int y = -SECINFO_QR_QUIET; y < qr->width + SECINFO_QR_QUIET; y += 2)
			secinfo_qr_line(qr, y, ansi, f);
		if (fclose(f) != 0) {
			secinfo_qr_free(*out);
			*out = NULL;
			rc = SECINFO_ERR_NOMEM;
		}
	}
	/* The modules encode TEXT (an otpauth:// URI holds the secret). */
	secinfo_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
	QRcode_free(qr);
	return rc;
}

void
secinfo_qr_free(char *rendering)
{
	if (rendering == NULL)
		return;
	secinfo_wipe(rendering, strlen(rendering));
	free(rendering);
}
