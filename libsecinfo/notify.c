/* secinfo: notices to a user about changes to their security info (SPEC 15): composed here,
 * sent through the same delivery as codes (the caller's send function), audited. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "escape.h"
#include "notify.h"

/* One event: its name in [notify] events, the email's subject, and what happened (followed,
 * when there is a method concerned, by JOIN and the method masked). */
static const struct secinfo_notify_row {
	enum secinfo_notify_event event;
	const char *name, *subject, *what, *join;
} secinfo_notify_rows[] = {
	{SECINFO_NOTIFY_METHOD_ADDED, "method-added", "Security info changed",
	 "A sign-in method was added to your security info", ": "},
	{SECINFO_NOTIFY_METHOD_DELETED, "method-deleted", "Security info changed",
	 "A sign-in method was removed from your security info", ": "},
	{SECINFO_NOTIFY_DEFAULT_CHANGED, "default-changed", "Security info changed",
	 "Your default sign-in method was changed", " to "},
	{SECINFO_NOTIFY_PASSWORD_RESET, "password-reset", "Password reset verified",
	 "Your identity was verified with your security info to reset your password", NULL},
	{SECINFO_NOTIFY_LOCKED, "locked", "Verification locked",
	 "Verification was locked for your account after too many wrong answers", NULL},
};

static const struct secinfo_notify_row *
secinfo_notify_row(enum secinfo_notify_event event)
{
	for (size_t i = 0; i < sizeof(secinfo_notify_rows) / sizeof(secinfo_notify_rows[0]); i++)
		if (secinfo_notify_rows[i].event == event)
			return &secinfo_notify_rows[i];
	return NULL;
}

const char *
secinfo_notify_event_name(enum secinfo_notify_event event)
{
	const struct secinfo_notify_row *row = secinfo_notify_row(event);

	return row != NULL ? row->name : NULL;
}

const char *
secinfo_notify_subject(enum secinfo_notify_event event)
{
	const struct secinfo_notify_row *row = secinfo_notify_row(event);

	return row != NULL ? row->subject : "Security info";
}

int
secinfo_notify_compose(const char *user, const struct secinfo_notice *notice, const char *host,
		       int for_email, char *out, size_t size)
{
	const struct secinfo_notify_row *row = secinfo_notify_row(notice->event);
	char what[400], method[200], when[64] = "", name[128], service[128], rhost[160], where[320];
	const char *sep = for_email ? "\n" : " ";
	time_t t = notice->when;
	struct tm tm;

	if (row == NULL)
		return SECINFO_ERR_INVALID;
	if (notice->method != NULL && row->join != NULL) {
		secinfo_method_describe(notice->method, 0, method, sizeof(method));
		snprintf(what, sizeof(what), "%s%s%s.", row->what, row->join, method);
	} else {
		snprintf(what, sizeof(what), "%s.", row->what);
	}
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(when, sizeof(when), "%lld (seconds since 1970, UTC)", (long long)t);
	/* The user name, service and remote host come from PAM items: never raw. */
	secinfo_escape_text(user, name, sizeof(name));
	secinfo_escape_text(notice->service != NULL ? notice->service : "", service,
			    sizeof(service));
	secinfo_escape_text(notice->rhost != NULL ? notice->rhost : "", rhost, sizeof(rhost));
	if (rhost[0] != '\0')
		snprintf(where, sizeof(where), "%.100s (from %s)", host, rhost);
	else
		snprintf(where, sizeof(where), "%.100s", host);
	if (for_email)
		snprintf(out, size,
			 "Hello %s,\n\n%s\n\nWhen: %s\nHost: %s\nService: %s\n\n"
			 "If this was not you, contact your administrator.",
			 name, what, when, where, service[0] != '\0' ? service : "-");
	else
		snprintf(out, size,
			 "%s%sWhen: %s. Host: %s. Service: %s.%sIf this was not you, contact "
			 "your administrator.",
			 what, sep, when, where, service[0] != '\0' ? service : "-", sep);
	return 0;
}

/* Whether notices can go by email ([policy] methods allows it, [email] is configured) and by
 * text message ([policy] and [sms]). */
static int
secinfo_notify_by_email(const struct secinfo_conf *conf)
{
	return (conf->methods & SECINFO_KIND_BIT(SECINFO_KIND_EMAIL)) && conf->smtp_url != NULL &&
	       conf->email_from != NULL;
}

static int
secinfo_notify_by_sms(const struct secinfo_conf *conf)
{
	return (conf->methods & SECINFO_KIND_BIT(SECINFO_KIND_SMS)) && conf->sms.provider != NULL;
}

/* Sends one notice to M (an email or sms method) and audits it. Returns what the send gave. */
static int
secinfo_notify_one(const struct secinfo_conf *conf, struct secinfo_store *store,
		   const struct secinfo_user *user, const struct secinfo_notice *notice,
		   const struct secinfo_method *m, const char *host, secinfo_send_fn *send,
		   void *sender, char *why, size_t why_size)
{
	int email = m->kind == SECINFO_KIND_EMAIL;
	struct secinfo_delivery_request request = {email ? SECINFO_CHANNEL_EMAIL
							 : SECINFO_CHANNEL_SMS,
						   m->detail,
						   NULL,
						   user->name,
						   NULL,
						   secinfo_notify_subject(notice->event)};
	struct secinfo_delivery_result result;
	struct secinfo_audit_entry e = {.time = (long long)notice->when,
					.user = user->name,
					.service = notice->service != NULL ? notice->service : "",
					.rhost = notice->rhost != NULL ? notice->rhost : "",
					.method = secinfo_kind_name(m->kind),
					.event = "notify",
					.actor = notice->actor};
	char text[SECINFO_NOTIFY_TEXT_MAX + 1], masked[200];
	int rc;

	memset(&result, 0, sizeof(result));
	rc = secinfo_notify_compose(user->name, notice, host, email, text, sizeof(text));
	request.notice = text;
	if (rc == 0)
		rc = send != NULL && m->detail != NULL ? send(sender, conf, &request, &result)
						       : SECINFO_ERR_IO;
	e.result = rc == 0 ? "success" : "failure";
	if (rc != 0) {
		secinfo_method_describe(m, 0, masked, sizeof(masked));
		snprintf(why, why_size, "could not send the %s notice by %s: %s",
			 secinfo_notify_event_name(notice->event), masked,
			 result.detail[0] != '\0' ? result.detail : secinfo_strerror(rc));
	}
	/* The change is committed already: a lost audit row is reported, never undone. */
	if (store != NULL && secinfo_store_audit(store, &e) != 0 && rc == 0) {
		snprintf(why, why_size, "the %s notice was sent but its audit row was not written",
			 secinfo_notify_event_name(notice->event));
		rc = SECINFO_ERR_DB;
	}
	return rc;
}

int
secinfo_notify_send(const struct secinfo_conf *conf, struct secinfo_store *store,
		    const struct secinfo_user *user, const struct secinfo_notice *notice,
		    secinfo_send_fn *send, void *sender, char *why, size_t why_size)
{
	char host[256] = "";
	int rc = 0, step, emails = 0;

	if (why_size > 0)
		why[0] = '\0';
	if (!(conf->notify_events & (unsigned)notice->event) || user == NULL)
		return 0;
	if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "this host");
	host[sizeof(host) - 1] = '\0';
	for (size_t i = 0; secinfo_notify_by_email(conf) && i < user->n_methods; i++) {
		if (user->methods[i].kind != SECINFO_KIND_EMAIL)
			continue;
		emails++;
		step = secinfo_notify_one(conf, store, user, notice, &user->methods[i], host, send,
					  sender, why, why_size);
		if (rc == 0)
			rc = step;
	}
	if (emails > 0 || !secinfo_notify_by_sms(conf))
		return rc;
	for (size_t i = 0; i < user->n_methods; i++)
		if (user->methods[i].kind == SECINFO_KIND_SMS)
			return secinfo_notify_one(conf, store, user, notice, &user->methods[i],
						  host, send, sender, why, why_size);
	return 0;
}
