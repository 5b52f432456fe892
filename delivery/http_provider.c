/* secinfo delivery: provider = http, any gateway described by the url, method, content_type,
 * body and header templates of [sms] or [call].
 *
 * Each %{...} value is escaped for where it lands: percent-encoded in the url; in the body
 * JSON-string-escaped when content_type mentions "json", percent-encoded when it is
 * application/x-www-form-urlencoded, as is for text/plain; any other content_type may carry a
 * body without variables only. The header is one "Name: value" line, values as is. A value
 * with CR, LF (or, in a header or text body, any control character) is refused, so nothing
 * can add a header or a line. method is GET (no body), POST, PUT or PATCH. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "delivery_internal.h"
#include "error.h"
#include "http_template.h"

/* Returns the escaping for a body of CONTENT_TYPE, or -1 when none is known. */
static int
secinfo_http_body_escape(const char *content_type)
{
	if (content_type == NULL)
		return -1;
	if (strcasestr(content_type, "json") != NULL)
		return SECINFO_ESCAPE_JSON;
	if (strcasestr(content_type, "application/x-www-form-urlencoded") != NULL)
		return SECINFO_ESCAPE_URL;
	if (strncasecmp(content_type, "text/plain", 10) == 0)
		return SECINFO_ESCAPE_TEXT;
	return -1;
}

/* Checks what does not depend on the values. Returns 0 or SECINFO_ERR_CONFIG. */
static int
secinfo_http_check(const struct secinfo_gateway *gw, const char *section,
		   struct secinfo_delivery_result *result)
{
	static const char *const methods[] = {"GET", "POST", "PUT", "PATCH", NULL};
	const char *method = gw->method != NULL ? gw->method : "POST";
	const char *why = NULL;
	int known = 0;

	for (int i = 0; methods[i] != NULL; i++)
		known |= strcmp(method, methods[i]) == 0;
	if (!secinfo_delivery_url_ok(gw->url))
		why = "url must start with http:// or https://";
	else if (!known)
		why = "method must be GET, POST, PUT or PATCH";
	else if (strcmp(method, "GET") == 0 && gw->body != NULL)
		why = "method GET cannot send a body";
	else if (gw->body != NULL && secinfo_http_body_escape(gw->content_type) < 0 &&
		 strstr(gw->body, "%{") != NULL)
		why = "body has %{...} values but content_type is not JSON, "
		      "application/x-www-form-urlencoded or text/plain";
	else if (gw->header != NULL && strcspn(gw->header, ":") == strlen(gw->header))
		why = "header must be one \"Name: value\" line";
	if (why == NULL)
		return 0;
	snprintf(result->detail, sizeof(result->detail), "[%s] %s", section, why);
	return SECINFO_ERR_CONFIG;
}

static int
secinfo_http_uses(const struct secinfo_gateway *gw, const char *name)
{
	return secinfo_template_uses(gw->url, name) || secinfo_template_uses(gw->body, name) ||
	       secinfo_template_uses(gw->header, name);
}

/* Renders TEMPLATE (when set) as [SECTION] KEY into OUT. */
static int
secinfo_http_render(const char *template, const struct secinfo_template_vars *vars,
		    enum secinfo_template_escape escape, const char *section, const char *key,
		    struct secinfo_buf *out, struct secinfo_delivery_result *result)
{
	char where[32];

	if (template == NULL)
		return 0;
	snprintf(where, sizeof(where), "[%s] %s", section, key);
	return secinfo_template_render(template, vars, escape, where, out, result->detail,
				       sizeof(result->detail));
}

int
secinfo_http_prepare(const struct secinfo_conf *conf, const struct secinfo_gateway *gw,
		     const struct secinfo_delivery_request *request,
		     struct secinfo_delivery_job *job, struct secinfo_delivery_result *result)
{
	struct secinfo_template_vars vars = {.code = request->code != NULL ? request->code : "",
					     .issuer = conf->issuer,
					     .user = request->user,
					     .to = request->to};
	struct secinfo_buf message = {0};
	int escape, rc;

	if ((rc = secinfo_http_check(gw, job->section, result)) != 0)
		return rc;
	if (secinfo_http_uses(gw, "secret")) {
		if (gw->secret_file == NULL) {
			snprintf(result->detail, sizeof(result->detail),
				 "[%s] %%{secret} is used but secret_file is not set",
				 job->section);
			return SECINFO_ERR_CONFIG;
		}
		rc = secinfo_delivery_read_secret(gw->secret_file, job->section, "secret_file",
						  &job->secret, result);
		if (rc != 0)
			goto out;
		vars.secret = job->secret;
	}
	if (secinfo_http_uses(gw, "message")) {
		rc = secinfo_delivery_message(conf, request, request->code, &message, result);
		if (rc != 0)
			goto out;
		vars.message = secinfo_buf_text(&message);
	}
	escape = secinfo_http_body_escape(gw->content_type);
	if ((rc = secinfo_http_render(gw->url, &vars, SECINFO_ESCAPE_URL, job->section, "url",
				      &job->url, result)) != 0 ||
	    (rc = secinfo_http_render(gw->body, &vars,
				      escape < 0 ? SECINFO_ESCAPE_TEXT
						 : (enum secinfo_template_escape)escape,
				      job->section, "body", &job->body, result)) != 0 ||
	    (rc = secinfo_http_render(gw->header, &vars, SECINFO_ESCAPE_TEXT, job->section,
				      "header", &job->header, result)) != 0)
		goto out;
	job->method = gw->method != NULL ? gw->method : "POST";
	job->content_type = gw->content_type;
	job->has_body = gw->body != NULL;
	rc = job->url.failed || job->body.failed || job->header.failed ? SECINFO_ERR_NOMEM : 0;
out:
	secinfo_buf_free(&message);
	return rc;
}
