/* Unit tests for libsecinfo/notify.c: the notice's text (SPEC 15) and who it goes to, with a
 * send function that records the requests instead of a gateway. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "error.h"
#include "notify.h"

/* What the recording send function saw. */
struct sent {
	int n, fail;
	enum secinfo_channel channel[4];
	char to[4][64], notice[4][1024], subject[4][64];
};

static int
record_send(void *data, const struct secinfo_conf *conf,
	    const struct secinfo_delivery_request *request, struct secinfo_delivery_result *result)
{
	struct sent *sent = data;

	if (sent->n < 4) {
		sent->channel[sent->n] = request->channel;
		snprintf(sent->to[sent->n], sizeof(sent->to[0]), "%s", request->to);
		snprintf(sent->notice[sent->n], sizeof(sent->notice[0]), "%s",
			 request->notice != NULL ? request->notice : "(none)");
		snprintf(sent->subject[sent->n], sizeof(sent->subject[0]), "%s",
			 request->subject != NULL ? request->subject : "(none)");
		CHECK(request->code == NULL, "a notice carries no code");
	}
	sent->n++;
	if (sent->fail) {
		snprintf(result->detail, sizeof(result->detail), "could not connect");
		return SECINFO_ERR_IO;
	}
	return 0;
}

static void
test_compose(void)
{
	char number[] = "+14255551234";
	struct secinfo_method sms = {.id = 7, .kind = SECINFO_KIND_SMS, .detail = number};
	struct secinfo_notice notice = {.event = SECINFO_NOTIFY_METHOD_ADDED,
					.when = 86400 + 3661,
					.service = "sshd",
					.rhost = "198.51.100.7",
					.method = &sms};
	char out[1024];

	CHECK_INT(secinfo_notify_compose("alice", &notice, "web1", 1, out, sizeof(out)), 0,
		  "an email notice");
	CHECK_STR(out,
		  "Hello alice,\n\nA sign-in method was added to your security info: text message "
		  "to +1 XXXXXXXX34.\n\nWhen: 1970-01-02 01:01:01 UTC\nHost: web1 (from "
		  "198.51.100.7)\nService: sshd\n\nIf this was not you, contact your "
		  "administrator.",
		  "what, when in UTC, host with the remote host, service, 'not you'");
	CHECK(strstr(out, "+14255551234") == NULL, "the number is masked");
	CHECK_INT(secinfo_notify_compose("alice", &notice, "web1", 0, out, sizeof(out)), 0,
		  "a text message notice");
	CHECK(strchr(out, '\n') == NULL, "a text message is one line");
	notice.event = SECINFO_NOTIFY_DEFAULT_CHANGED;
	notice.rhost = "";
	notice.service = "x\ny";
	CHECK_INT(secinfo_notify_compose("bob\033[2J", &notice, "web1", 0, out, sizeof(out)), 0,
		  "default-changed");
	CHECK_STR(out,
		  "Your default sign-in method was changed to text message to +1 XXXXXXXX34. "
		  "When: 1970-01-02 01:01:01 UTC. Host: web1. Service: x\\x0ay. If this was not "
		  "you, contact your administrator.",
		  "no remote host: the host alone; a service with a line break escaped");
	CHECK_INT(secinfo_notify_compose("bob\033[2J", &notice, "web1", 1, out, sizeof(out)), 0,
		  "an email to a user name with an escape");
	CHECK(strchr(out, '\033') == NULL, "the user name is escaped");
	notice.event = SECINFO_NOTIFY_METHOD_ADDED | SECINFO_NOTIFY_LOCKED;
	CHECK_INT(secinfo_notify_compose("bob", &notice, "web1", 1, out, sizeof(out)),
		  SECINFO_ERR_INVALID, "two events at once are refused");
	CHECK_STR(secinfo_notify_subject(SECINFO_NOTIFY_LOCKED), "Verification locked",
		  "the lock's subject");
	CHECK_STR(secinfo_notify_event_name(SECINFO_NOTIFY_PASSWORD_RESET), "password-reset",
		  "event names as in [notify] events");
}

static void
test_send(void)
{
	char url[] = "smtp://127.0.0.1:25", from[] = "noreply@example.org", twilio[] = "twilio";
	struct secinfo_conf conf = {.methods = SECINFO_KINDS_ALL,
				    .smtp_url = url,
				    .email_from = from,
				    .notify_events = SECINFO_NOTIFY_ALL};
	char sms1[] = "+14255551234", sms2[] = "+14255559999", a[] = "a@example.net",
	     b[] = "b@example.net", alice[] = "alice";
	struct secinfo_method methods[] = {
		{.id = 1, .kind = SECINFO_KIND_APP},
		{.id = 2, .kind = SECINFO_KIND_SMS, .detail = sms1},
		{.id = 3, .kind = SECINFO_KIND_EMAIL, .detail = a},
		{.id = 4, .kind = SECINFO_KIND_EMAIL, .detail = b},
		{.id = 5, .kind = SECINFO_KIND_SMS, .detail = sms2},
	};
	struct secinfo_user user = {.id = 1, .name = alice, .methods = methods, .n_methods = 5};
	struct secinfo_notice notice = {.event = SECINFO_NOTIFY_LOCKED, .when = 1000};
	struct sent sent = {0};
	char why[256];

	conf.sms.provider = twilio;
	CHECK_INT(secinfo_notify_send(&conf, NULL, &user, &notice, record_send, &sent, why,
				      sizeof(why)),
		  0, "sent");
	CHECK_INT(sent.n, 2, "to each email address, no text message");
	CHECK_STR(sent.to[0], "a@example.net", "the first address");
	CHECK_STR(sent.to[1], "b@example.net", "the second address");
	CHECK_STR(sent.subject[0], "Verification locked", "with the event's subject");
	CHECK(strstr(sent.notice[0], "Verification was locked") != NULL, "saying what happened");

	/* Without an email address, or with email not allowed: the first sms method. */
	memset(&sent, 0, sizeof(sent));
	conf.methods &= ~SECINFO_KIND_BIT(SECINFO_KIND_EMAIL);
	CHECK_INT(secinfo_notify_send(&conf, NULL, &user, &notice, record_send, &sent, why,
				      sizeof(why)),
		  0, "sent by text");
	CHECK_INT(sent.n, 1, "one text message");
	CHECK(sent.channel[0] == SECINFO_CHANNEL_SMS, "by text message");
	CHECK_STR(sent.to[0], "+14255551234", "to the first sms method");

	/* Neither channel allowed or configured: nothing, and that is no error. */
	memset(&sent, 0, sizeof(sent));
	conf.sms.provider = NULL;
	CHECK_INT(secinfo_notify_send(&conf, NULL, &user, &notice, record_send, &sent, why,
				      sizeof(why)),
		  0, "nothing to send");
	CHECK_INT(sent.n, 0, "nothing sent without [sms] provider");

	/* An event not in [notify] events: nothing. */
	conf.methods = SECINFO_KINDS_ALL;
	conf.notify_events = SECINFO_NOTIFY_ALL & ~SECINFO_NOTIFY_LOCKED;
	CHECK_INT(secinfo_notify_send(&conf, NULL, &user, &notice, record_send, &sent, why,
				      sizeof(why)),
		  0, "an unlisted event");
	CHECK_INT(sent.n, 0, "is not sent");

	/* A failed send: SECINFO_ERR_IO with why; every address is still tried. */
	conf.notify_events = SECINFO_NOTIFY_ALL;
	sent.fail = 1;
	CHECK_INT(secinfo_notify_send(&conf, NULL, &user, &notice, record_send, &sent, why,
				      sizeof(why)),
		  SECINFO_ERR_IO, "a failed send is reported");
	CHECK_INT(sent.n, 2, "both addresses tried");
	CHECK(strstr(why, "could not send the locked notice by email to ") != NULL &&
		      strstr(why, "could not connect") != NULL,
	      "why says which notice, where (masked) and why: %s", why);
	CHECK(strstr(why, "a@example.net") == NULL, "the address is masked in why");
}

int
main(void)
{
	test_compose();
	test_send();
	return check_summary();
}
