/*
 * secinfo-admin and secinfo: the terminal side of enrolling a method. Prompts go to stderr,
 * answers come from stdin (a script can pipe them), the QR code of an app goes to stdout, and
 * codes leave through the delivery code linked into the program.
 */
#ifndef SECINFO_CLI_TERM_H
#define SECINFO_CLI_TERM_H

#include <stddef.h>
#include <stdio.h>

#include "method.h"

/* Asks QUESTION on stderr and reads a line from stdin (newline removed, surrounding white space
 * trimmed). Returns 0, or -1 at end of input or on a line longer than SIZE - 1. */
int secinfo_term_ask(const char *question, char *answer, size_t size);

/* Asks QUESTION; returns 1 only for "y" or "yes" (any case). */
int secinfo_term_confirm(const char *question);

/* Prints TEXT as a QR code (ECLEVEL_M) for a terminal: two module rows per line with UTF-8
 * half blocks, light modules drawn, with a quiet zone. Returns 0 or a negative SECINFO_ERR_*. */
int secinfo_term_qr_print(const char *text, FILE *out);

/* How an enrollment talks to the person at the terminal (secinfo_term_ask, stdout, the QR). */
extern const struct secinfo_method_io secinfo_term_io;

/* Sends a code through the delivery code linked into the program (a secinfo_send_fn). */
int secinfo_term_send(void *sender, const struct secinfo_conf *conf,
		      const struct secinfo_delivery_request *request,
		      struct secinfo_delivery_result *result);

#endif
