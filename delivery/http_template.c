#include "config.h"

#include <stdio.h>
#include <string.h>

#include "error.h"
#include "http_template.h"

static const char secinfo_hex[] = "0123456789ABCDEF";

static void
secinfo_escape_url(struct secinfo_buf *out, unsigned char c)
{
	char pct[3] = {'%', secinfo_hex[c >> 4], secinfo_hex[c & 15]};

	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    strchr("-._~", c) != NULL)
		secinfo_buf_append(out, (const char *)&c, 1);
	else
		secinfo_buf_append(out, pct, sizeof(pct));
}

static void
secinfo_escape_json(struct secinfo_buf *out, unsigned char c)
{
	char u[6] = {'\\', 'u', '0', '0', secinfo_hex[c >> 4], secinfo_hex[c & 15]};

	if (c == '"' || c == '\\') {
		secinfo_buf_append(out, "\\", 1);
		secinfo_buf_append(out, (const char *)&c, 1);
	} else if (c < 0x20 || c == 0x7f) {
		secinfo_buf_append(out, u, sizeof(u));
	} else {
		secinfo_buf_append(out, (const char *)&c, 1);
	}
}

static void
secinfo_escape_xml(struct secinfo_buf *out, unsigned char c)
{
	switch (c) {
	case '&': secinfo_buf_append_str(out, "&amp;"); break;
	case '<': secinfo_buf_append_str(out, "&lt;"); break;
	case '>': secinfo_buf_append_str(out, "&gt;"); break;
	case '"': secinfo_buf_append_str(out, "&quot;"); break;
	case '\'': secinfo_buf_append_str(out, "&apos;"); break;
	default: secinfo_buf_append(out, (const char *)&c, 1); break;
	}
}

void
secinfo_template_escape(struct secinfo_buf *out, const char *value,
			enum secinfo_template_escape escape)
{
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		switch (escape) {
		case SECINFO_ESCAPE_URL: secinfo_escape_url(out, *p); break;
		case SECINFO_ESCAPE_JSON: secinfo_escape_json(out, *p); break;
		case SECINFO_ESCAPE_XML: secinfo_escape_xml(out, *p); break;
		case SECINFO_ESCAPE_TEXT: secinfo_buf_append(out, (const char *)p, 1); break;
		}
	}
}

int
secinfo_template_value_ok(const char *value, enum secinfo_template_escape escape)
{
	for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; p++) {
		if (*p == '\r' || *p == '\n')
			return 0;
		if (escape == SECINFO_ESCAPE_TEXT && (*p < 0x20 || *p == 0x7f))
			return 0;
	}
	return 1;
}

/* Returns the value of variable NAME (LEN bytes), or NULL; *known says whether NAME exists. */
static const char *
secinfo_template_lookup(const struct secinfo_template_vars *vars, const char *name, size_t len,
			int *known)
{
	static const struct {
		const char *name;
		size_t offset;
	} table[] = {
		{"code", offsetof(struct secinfo_template_vars, code)},
		{"issuer", offsetof(struct secinfo_template_vars, issuer)},
		{"user", offsetof(struct secinfo_template_vars, user)},
		{"to", offsetof(struct secinfo_template_vars, to)},
		{"message", offsetof(struct secinfo_template_vars, message)},
		{"secret", offsetof(struct secinfo_template_vars, secret)},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		if (strlen(table[i].name) == len && memcmp(table[i].name, name, len) == 0) {
			*known = 1;
			return *(const char *const *)((const char *)vars + table[i].offset);
		}
	}
	*known = 0;
	return NULL;
}

int
secinfo_template_render(const char *template, const struct secinfo_template_vars *vars,
			enum secinfo_template_escape escape, const char *where,
			struct secinfo_buf *out, char *detail, size_t detail_size)
{
	const char *p = template, *value;
	size_t literal, name_len;
	int known;

	while (*p != '\0') {
		literal = strcspn(p, "%");
		secinfo_buf_append(out, p, literal);
		p += literal;
		if (*p == '\0')
			break;
		if (p[1] != '{') {
			secinfo_buf_append(out, p++, 1);
			continue;
		}
		name_len = strcspn(p + 2, "}");
		if (p[2 + name_len] != '}') {
			snprintf(detail, detail_size, "%s: unterminated %%{ in the template",
				 where);
			return SECINFO_ERR_CONFIG;
		}
		value = secinfo_template_lookup(vars, p + 2, name_len, &known);
		if (!known || value == NULL) {
			snprintf(detail, detail_size, "%s: %s template variable %%{%.*s}", where,
				 known ? "unavailable" : "unknown",
				 (int)(name_len > 32 ? 32 : name_len), p + 2);
			return SECINFO_ERR_CONFIG;
		}
		if (!secinfo_template_value_ok(value, escape)) {
			snprintf(detail, detail_size,
				 "%s: the value of %%{%.*s} contains a line break or control "
				 "character",
				 where, (int)name_len, p + 2);
			return SECINFO_ERR_CONFIG;
		}
		secinfo_template_escape(out, value, escape);
		p += 2 + name_len + 1;
	}
	return out->failed ? SECINFO_ERR_NOMEM : 0;
}

int
secinfo_template_uses(const char *template, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = template; p != NULL && (p = strstr(p, "%{")) != NULL; p += 2)
		if (strncmp(p + 2, name, len) == 0 && p[2 + len] == '}')
			return 1;
	return 0;
}
