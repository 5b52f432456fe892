/* secinfo: QR codes as text (libqrencode), for terminals and PAM conversations alike. */
#ifndef SECINFO_QR_H
#define SECINFO_QR_H

/*
 * Renders TEXT as a QR code drawn with UTF-8 half blocks, two module rows per line, light
 * modules as blocks inside a light border (dark on light on a dark terminal). ANSI adds
 * colour codes so a light terminal shows it the same way (for a terminal only: never in a
 * PAM message). Returns 0 and *out (a new string ending in a newline; it encodes TEXT, so
 * wipe it and free it with secinfo_qr_free), SECINFO_ERR_INVALID (too long for a QR code),
 * SECINFO_ERR_UNSUPPORTED (libqrencode cannot be loaded) or SECINFO_ERR_NOMEM. libqrencode is
 * loaded at the first call, not before.
 */
int secinfo_qr_render(const char *text, int ansi, char **out);

/* Wipes and frees a rendering; accepts NULL. */
void secinfo_qr_free(char *rendering);

#endif
