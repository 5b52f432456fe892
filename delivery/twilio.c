/* secinfo delivery: Twilio's Messages and Calls APIs (form-encoded POST, HTTP basic auth with
 * the account SID and auth token). https://www.twilio.com/docs/sms/api/message-resource and
 * https://www.twilio.com/docs/voice/api/call-resource */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "delivery_internal.h"
#include "error.h"
#include "http_template.h"

/* Appends "&NAME=VALUE" (no "&" first) form-encoded. */
static void
secinfo_twilio_field(struct secinfo_buf *body, const char *name, const char *value)
{
	if (body->len > 0)
		secinfo_buf_append_str(body, "&");
	secinfo_buf_append_str(body, name);
	secinfo_buf_append_str(body, "=");
	secinfo_template_escape(body, value, SECINFO_ESCAPE_URL);
}

/* TwiML that says the message with the code as "1, 2, 3, ..." (digits spoken one by one),
 * then the digits again. Everything from the configuration is XML-escaped. */
static int
secinfo_twilio_twiml(const struct secinfo_conf *conf,
		     const struct secinfo_delivery_request *request, struct secinfo_buf *twiml,
		     struct secinfo_delivery_result *result)
{
	struct secinfo_buf spoken = {0}, message = {0};
	int rc;

	for (const char *d = request->code; *d != '\0'; d++) {
		secinfo_buf_append(&spoken, d, 1);
		if (d[1] != '\0')
			secinfo_buf_append_str(&spoken, ", ");
	}
	rc = spoken.failed ? SECINFO_ERR_NOMEM : 0;
	if (rc == 0)
		rc = secinfo_delivery_message(conf, request, secinfo_buf_text(&spoken), &message,
					      result);
	if (rc != 0)
		goto out;
	secinfo_buf_append_str(twiml, "<Response><Say>");
	secinfo_template_escape(twiml, secinfo_buf_text(&message), SECINFO_ESCAPE_XML);
	secinfo_buf_append_str(twiml, ". Again: ");
	secinfo_template_escape(twiml, secinfo_buf_text(&spoken), SECINFO_ESCAPE_XML);
	secinfo_buf_append_str(twiml, ".</Say></Response>");
	rc = twiml->failed ? SECINFO_ERR_NOMEM : 0;
out:
	secinfo_buf_free(&spoken);
	secinfo_buf_free(&message);
	return rc;
}

/* api_base + /2010-04-01/Accounts/{AccountSid}/Messages.json or /Calls.json */
static void
secinfo_twilio_url(const struct secinfo_gateway *gw, int call, struct secinfo_buf *url)
{
	size_t base = strlen(gw->api_base);

	while (base > 0 && gw->api_base[base - 1] == '/')
		base--;
	secinfo_buf_append(url, gw->api_base, base);
	secinfo_buf_append_str(url, "/2010-04-01/Accounts/");
	secinfo_template_escape(url, gw->account_sid, SECINFO_ESCAPE_URL);
	secinfo_buf_append_str(url, call ? "/Calls.json" : "/Messages.json");
}

int
secinfo_twilio_prepare(const struct secinfo_conf *conf, const struct secinfo_gateway *gw,
		       const struct secinfo_delivery_request *request,
		       struct secinfo_delivery_job *job, struct secinfo_delivery_result *result)
{
	struct secinfo_buf text = {0};
	int call = request->channel == SECINFO_CHANNEL_CALL, rc;

	if (gw->account_sid == NULL || gw->auth_token_file == NULL || gw->from == NULL ||
	    !secinfo_delivery_url_ok(gw->api_base)) {
		snprintf(result->detail, sizeof(result->detail),
			 "[%s] provider = twilio needs account_sid, auth_token_file, from and an "
			 "http(s) api_base",
			 job->section);
		return SECINFO_ERR_CONFIG;
	}
	rc = secinfo_delivery_read_secret(gw->auth_token_file, job->section, "auth_token_file",
					  &job->password, result);
	if (rc != 0)
		goto out;
	rc = call ? secinfo_twilio_twiml(conf, request, &text, result)
		  : secinfo_delivery_message(conf, request, request->code, &text, result);
	if (rc != 0)
		goto out;
	secinfo_twilio_url(gw, call, &job->url);
	secinfo_twilio_field(&job->body, "To", request->to);
	secinfo_twilio_field(&job->body, "From", gw->from);
	secinfo_twilio_field(&job->body, call ? "Twiml" : "Body", secinfo_buf_text(&text));
	job->method = "POST";
	job->content_type = "application/x-www-form-urlencoded";
	job->username = gw->account_sid;
	job->has_body = 1;
	rc = job->url.failed || job->body.failed ? SECINFO_ERR_NOMEM : 0;
out:
	secinfo_buf_free(&text);
	return rc;
}
