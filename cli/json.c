#include "config.h"

#include <stdio.h>
#include <time.h>

#include "change.h"
#include "json.h"
#include "kind.h"
#include "method.h"

/* Returns the length of the valid UTF-8 sequence at S (1..4), or 0 when it is not valid
 * (overlong forms, surrogates and code points above U+10FFFF are not valid). */
static size_t
secinfo_json_utf8_length(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0; /* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f; /* UTF-16 surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90; /* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void
secinfo_json_string(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	while (*p != '\0') {
		size_t n = secinfo_json_utf8_length(p);

		if (n == 0) {
			fputs("\\ufffd", out);
			p++;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, out);
			p += n;
			continue;
		}
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\b': fputs("\\b", out); break;
		case '\f': fputs("\\f", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
		p++;
	}
	fputc('"', out);
}

void
secinfo_json_time(FILE *out, long long t)
{
	time_t when = (time_t)t;
	char text[32];
	struct tm tm;

	if (t == 0) {
		fputs("null", out);
		return;
	}
	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(text, sizeof(text), "%lld", t);
	secinfo_json_string(out, text);
}

void
secinfo_json_key(FILE *out, const char *key)
{
	secinfo_json_string(out, key);
	fputs(": ", out);
}

static void
secinfo_json_method(FILE *out, const struct secinfo_conf *conf, const struct secinfo_method *m,
		    int full)
{
	unsigned usable = secinfo_method_usable_for(conf, m->kind);
	char detail[320];

	if (full && m->detail != NULL)
		snprintf(detail, sizeof(detail), "%s", m->detail);
	else
		secinfo_change_detail_masked(m, detail, sizeof(detail));
	fprintf(out, "{\"id\": %lld, ", m->id);
	secinfo_json_key(out, "kind");
	secinfo_json_string(out, secinfo_kind_name(m->kind));
	fputs(", ", out);
	secinfo_json_key(out, "detail");
	secinfo_json_string(out, detail);
	fprintf(out, ", \"usable_for\": [%s%s%s], ", usable & SECINFO_PURPOSE_2FA ? "\"2fa\"" : "",
		usable == (SECINFO_PURPOSE_2FA | SECINFO_PURPOSE_RESET) ? ", " : "",
		usable & SECINFO_PURPOSE_RESET ? "\"reset\"" : "");
	secinfo_json_key(out, "created");
	secinfo_json_time(out, m->created);
	fputs(", ", out);
	secinfo_json_key(out, "last_used");
	secinfo_json_time(out, m->last_used);
	fputc('}', out);
}

void
secinfo_json_user(FILE *out, const struct secinfo_conf *conf, const char *name,
		  const struct secinfo_user *user, long long locked_until, int full)
{
	size_t n = user != NULL ? user->n_methods : 0;

	fputc('{', out);
	secinfo_json_key(out, "user");
	secinfo_json_string(out, name);
	fputs(", ", out);
	secinfo_json_key(out, "locked_until");
	secinfo_json_time(out, locked_until);
	if (user != NULL && secinfo_user_method(user, user->default_method) != NULL)
		fprintf(out, ", \"default\": %lld, \"methods\": [", user->default_method);
	else
		fputs(", \"default\": null, \"methods\": [", out);
	for (size_t i = 0; i < n; i++) {
		fputs(i == 0 ? "\n    " : ",\n    ", out);
		secinfo_json_method(out, conf, &user->methods[i], full);
	}
	fputs(n > 0 ? "\n  ]}\n" : "]}\n", out);
}
