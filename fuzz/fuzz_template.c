/* Fuzzes the %{name} templates of the HTTP gateways (delivery/http_template.c): each escaper
 * gives only what may stand where the value lands and decodes back to the value; a value
 * never adds a line break or control character to the result, and never appears in an error
 * message; secinfo_template_uses agrees with what rendering needs.
 * Input: a byte choosing the escaper, the template, then code, issuer, user, to, message and
 * secret, NUL-separated (a missing value is "not available"). */
#include "config.h"

#include "error.h"
#include "fuzz.h"
#include "http_template.h"

static const char fuzz_hex[] = "0123456789ABCDEF";

/* Returns the value of the hex digit C. */
static int
fuzz_hex_value(char c)
{
	const char *p = c != '\0' ? strchr(fuzz_hex, c) : NULL;

	FUZZ_ASSERT(p != NULL, "not an upper-case hex digit after an escape");
	return (int)(p - fuzz_hex);
}

/* Decodes OUT (escaped by ESCAPE) into DECODED, checking that only what is allowed where the
 * value lands is left unescaped. */
static void
fuzz_unescape(const char *out, enum secinfo_template_escape escape, struct secinfo_buf *decoded)
{
	static const char *const xml[][2] = {
		{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}};
	char c;

	for (const char *p = out; *p != '\0'; p++) {
		c = *p;
		switch (escape) {
		case SECINFO_ESCAPE_URL:
			if (c == '%') {
				c = (char)(fuzz_hex_value(p[1]) * 16 + fuzz_hex_value(p[2]));
				p += 2;
			} else {
				FUZZ_ASSERT((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
						    (c >= '0' && c <= '9') || strchr("-._~", c),
					    "URL escaping left a reserved character");
			}
			break;
		case SECINFO_ESCAPE_JSON:
			FUZZ_ASSERT((unsigned char)c >= 0x20 && c != 0x7f && c != '"',
				    "JSON escaping left a control character or a quote");
			if (c == '\\' && p[1] == 'u') {
				FUZZ_ASSERT(p[2] == '0' && p[3] == '0', "a \\u escape above 0xff");
				c = (char)(fuzz_hex_value(p[4]) * 16 + fuzz_hex_value(p[5]));
				p += 5;
			} else if (c == '\\') {
				FUZZ_ASSERT(p[1] == '"' || p[1] == '\\', "a bad JSON escape");
				c = *++p;
			}
			break;
		case SECINFO_ESCAPE_XML:
			FUZZ_ASSERT(strchr("<>\"'", c) == NULL,
				    "XML escaping left a character that ends text or attribute");
			if (c == '&') {
				size_t i = 0;
				while (i < 5 && strncmp(p, xml[i][0], strlen(xml[i][0])) != 0)
					i++;
				FUZZ_ASSERT(i < 5, "a bare & after XML escaping");
				c = xml[i][1][0];
				p += strlen(xml[i][0]) - 1;
			}
			break;
		case SECINFO_ESCAPE_TEXT: break;
		}
		secinfo_buf_append(decoded, &c, 1);
	}
}

/* Escapes VALUE and checks that it decodes back. */
static void
fuzz_escape_roundtrip(const char *value, enum secinfo_template_escape escape)
{
	struct secinfo_buf out = {0}, decoded = {0};

	secinfo_template_escape(&out, value, escape);
	fuzz_unescape(secinfo_buf_text(&out), escape, &decoded);
	FUZZ_ASSERT(strcmp(secinfo_buf_text(&decoded), value) == 0,
		    "an escaped value does not decode back to itself");
	secinfo_buf_free(&out);
	secinfo_buf_free(&decoded);
}

/* Returns 1 when TEXT has a byte that is not printable ASCII. */
static int
fuzz_unprintable(const char *text)
{
	for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++)
		if (*p < 0x20 || *p >= 0x7f)
			return 1;
	return 0;
}

/* Renders TEMPLATE; returns its status, the result in OUT and the message in DETAIL. */
static int
fuzz_render(const char *template, const struct secinfo_template_vars *vars,
	    enum secinfo_template_escape escape, struct secinfo_buf *out, char *detail,
	    size_t detail_size)
{
	int rc;

	detail[0] = '\0';
	rc = secinfo_template_render(template, vars, escape, "[sms] body", out, detail,
				     detail_size);
	FUZZ_ASSERT(rc == 0 || (rc == SECINFO_ERR_CONFIG && detail[0] != '\0'),
		    "refused without saying why, or an unexpected error code");
	FUZZ_ASSERT(memchr(detail, '\0', detail_size) != NULL, "the message is not terminated");
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields fields;
	struct secinfo_template_vars vars, no_secret;
	struct secinfo_buf out = {0}, out2 = {0};
	enum secinfo_template_escape escape;
	const char *template, *values[6];
	char detail[256], detail2[256];
	int rc, rc2;

	if (size == 0)
		return 0;
	escape = (enum secinfo_template_escape)(data[0] % 4);
	fuzz_split(data + 1, size - 1, &fields);
	template = fields.field[0];
	for (size_t i = 0; i < 6; i++)
		values[i] = fuzz_field(&fields, i + 1);
	vars = (struct secinfo_template_vars){values[0], values[1], values[2],
					      values[3], values[4], values[5]};

	for (size_t i = 0; i < 6; i++)
		if (values[i] != NULL)
			fuzz_escape_roundtrip(values[i], escape);

	rc = fuzz_render(template, &vars, escape, &out, detail, sizeof(detail));
	if (rc == 0 && !fuzz_has_any(template, strlen(template), "\r\n"))
		FUZZ_ASSERT(!fuzz_has_any(out.data, out.len, "\r\n"),
			    "a value put a line break in the result");
	/* The secret never appears in an error message, unless the template holds it: one with
	 * a byte no message text has (all printable ASCII) is looked for. */
	if (rc != 0 && values[5] != NULL && fuzz_unprintable(values[5]) &&
	    strstr(template, values[5]) == NULL)
		FUZZ_ASSERT(strstr(detail, values[5]) == NULL, "the secret is in the message");

	/* Without %{secret} in the template, the secret changes nothing; with it, rendering
	 * needs it. */
	no_secret = vars;
	no_secret.secret = NULL;
	rc2 = fuzz_render(template, &no_secret, escape, &out2, detail2, sizeof(detail2));
	if (!secinfo_template_uses(template, "secret"))
		FUZZ_ASSERT(rc2 == rc && out2.len == out.len &&
				    (out.len == 0 || memcmp(out.data, out2.data, out.len) == 0),
			    "a template that does not use %{secret} depends on it");
	else if (rc == 0)
		FUZZ_ASSERT(rc2 != 0, "a template that uses %{secret} rendered without it");

	secinfo_buf_free(&out);
	secinfo_buf_free(&out2);
	fuzz_fields_free(&fields);
	return 0;
}
