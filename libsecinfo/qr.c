/* secinfo: QR codes as text (libqrencode), for terminals and PAM conversations alike. */
#include "config.h"

#include <dlfcn.h>
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

/* libqrencode, loaded by its soname when a code is drawn: the PAM module does not link it, so
 * that sign-ins that draw nothing do not load it (configure.ac). secinfo-admin links it, and
 * then this finds it loaded. */
struct secinfo_qr_lib {
	void *handle;
	QRcode *(*encode)(const char *string, int version, QRecLevel level, QRencodeMode hint,
			  int casesensitive);
	void (*free)(QRcode *qrcode);
};

/* Returns 0, or SECINFO_ERR_UNSUPPORTED when libqrencode cannot be loaded. */
static int
secinfo_qr_lib_open(struct secinfo_qr_lib *lib)
{
	void *encode, *free_fn;

	/* Kept once loaded (RTLD_NODELETE): nothing of it must vanish under a later call. */
	lib->handle = dlopen(SECINFO_QRENCODE_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (lib->handle == NULL)
		return SECINFO_ERR_UNSUPPORTED;
	encode = dlsym(lib->handle, "QRcode_encodeString");
	free_fn = dlsym(lib->handle, "QRcode_free");
	if (encode == NULL || free_fn == NULL) {
		dlclose(lib->handle);
		return SECINFO_ERR_UNSUPPORTED;
	}
	/* POSIX: a data-to-code pointer */
	memcpy(&lib->encode, &encode, sizeof(lib->encode));
	memcpy(&lib->free, &free_fn, sizeof(lib->free));
	return 0;
}

int
secinfo_qr_render(const char *text, int ansi, char **out)
{
	struct secinfo_qr_lib lib;
	QRcode *qr;
	FILE *f;
	size_t size = 0;
	int rc;

	*out = NULL;
	rc = secinfo_qr_lib_open(&lib);
	if (rc != 0)
		return rc;
	errno = 0;
	qr = lib.encode(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (qr == NULL) {
		rc = errno == ENOMEM ? SECINFO_ERR_NOMEM : SECINFO_ERR_INVALID;
		dlclose(lib.handle);
		return rc;
	}
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
	lib.free(qr);
	dlclose(lib.handle);
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
