/* secinfo delivery: %{name} templates ([codes] message, [sms]/[call] url, body, header) and
 * the escapers that make each value safe where it lands. */
#ifndef SECINFO_DELIVERY_TEMPLATE_H
#define SECINFO_DELIVERY_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

/* How a value is written where it is substituted. */
enum secinfo_template_escape {
	SECINFO_ESCAPE_URL,  /* percent-encoded except RFC 3986 unreserved: URLs and form fields */
	SECINFO_ESCAPE_JSON, /* inside a JSON string: \" \\ and \u00XX for control characters */
	SECINFO_ESCAPE_XML,  /* XML text or attribute: &amp; &lt; &gt; &quot; &apos; */
	SECINFO_ESCAPE_TEXT, /* as is (a header line, text/plain): control characters refused */
};

/* The values of the template variables; NULL means "not available here" (an error if used). */
struct secinfo_template_vars {
	const char *code, *issuer, *user, *to, *message, *secret;
};

/* Appends VALUE to OUT escaped by ESCAPE (no checks: see secinfo_template_value_ok). */
void secinfo_template_escape(struct secinfo_buf *out, const char *value,
			     enum secinfo_template_escape escape);

/* Returns 1 when VALUE may be substituted with ESCAPE: never a CR or LF (nor any control
 * character for SECINFO_ESCAPE_TEXT); 0 otherwise. */
int secinfo_template_value_ok(const char *value, enum secinfo_template_escape escape);

/*
 * Appends TEMPLATE to OUT with every %{name} replaced by its escaped value ("%" not followed
 * by "{" is literal). WHERE names the template for messages ("[sms] body").
 * Returns 0, SECINFO_ERR_CONFIG (unknown or unavailable variable, unterminated %{, a value
 * with CR/LF) with DETAIL explaining, or SECINFO_ERR_NOMEM. Never puts a value in DETAIL.
 */
int secinfo_template_render(const char *template, const struct secinfo_template_vars *vars,
			    enum secinfo_template_escape escape, const char *where,
			    struct secinfo_buf *out, char *detail, size_t detail_size);

/* Returns 1 when TEMPLATE mentions %{NAME}. */
int secinfo_template_uses(const char *template, const char *name);

#endif
