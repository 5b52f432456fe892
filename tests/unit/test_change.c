/*
 * Unit tests for libsecinfo/change.c, the changes secinfo-admin and secinfo share: each in
 * one transaction with its audit row (actor: the user, or root), the policy refused before
 * anything is asked, a repeat refused, email never the default, the default re-chosen on
 * delete, methods named by id or kind, details masked. A real store set up as the PAM tests
 * set theirs up (tests/pam/pamtest_util.c).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "change.h"
#include "check.h"
#include "error.h"
#include "pamtest_util.h"

static struct pt_env env;
static struct secinfo_store *store;
static struct secinfo_conf *conf;

/* Nothing is asked or shown: enrollments here are --no-verify. */
static int
io_ask(void *data, int echo, const char *prompt, char **answer)
{
	*answer = NULL;
	return SECINFO_ERR_CONV;
}

static int
io_say(void *data, const char *text)
{
	return 0;
}

static const struct secinfo_method_io io = {io_ask, io_say, NULL, NULL};

/* The audit rows of the user, as "event method actor" lines. */
struct rows {
	char text[2048];
	size_t n;
};

static int
row_add(const struct secinfo_audit_entry *e, void *data)
{
	struct rows *r = data;
	size_t len = strlen(r->text);

	snprintf(r->text + len, sizeof(r->text) - len, "%s %s %s %s\n", e->service, e->event,
		 e->method, e->actor != NULL ? e->actor : "(null)");
	r->n++;
	return 0;
}

static const char *
audit_of(const char *user)
{
	static struct rows r;

	memset(&r, 0, sizeof(r));
	if (secinfo_store_audit_list(store, user, 0, row_add, &r) != 0)
		return "(cannot list)";
	return r.text;
}

/* Enrolls (without verification) and stores a method of KIND with DETAIL (or the test secret
 * for app) for USER. Returns the SECINFO_ERR_* code; *id gets the new id. */
static int
add(const struct secinfo_change *change, const char *user, const char *kind, const char *detail,
    long long *id, char *why, size_t why_size)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops_by_name(kind);
	struct secinfo_enrollment e;
	struct secinfo_enroll_request request = {
		.user = user,
		.detail = detail,
		.secret = detail == NULL ? PT_SECRET_B32 : NULL,
		.options = SECINFO_ENROLL_NO_VERIFY | (detail == NULL ? SECINFO_ENROLL_SECRET : 0),
		.io = &io,
		.why = why,
		.why_size = why_size,
	};
	long long duplicate = 0;
	int rc;

	why[0] = '\0';
	*id = 0;
	rc = secinfo_change_enroll(change, ops->kind, &request, &e);
	if (rc == 0)
		rc = secinfo_change_method_add(change, user, &e, id, &duplicate);
	secinfo_enrollment_clear(&e);
	return rc;
}

static long long
default_of(const char *name)
{
	struct secinfo_user *user = NULL;
	long long id = -1;

	if (secinfo_store_user_get(store, name, &user) == 0)
		id = user->default_method;
	secinfo_user_free(user);
	return id;
}

/* A send that always fails, as a gateway that is down: the send was still asked for. */
static int
send_down(void *sender, const struct secinfo_conf *c, const struct secinfo_delivery_request *r,
	  struct secinfo_delivery_result *result)
{
	(*(int *)sender)++;
	snprintf(result->detail, sizeof(result->detail), "the gateway is down");
	return SECINFO_ERR_IO;
}

/* With limit_sends (secinfo, a person who is not root), every code an enrollment sends counts
 * toward [codes] max_sends_per_hour (5 by default), for a user who is not in the store yet too:
 * the sixth is refused before anything is sent. */
static void
test_send_limit(const struct secinfo_change *change)
{
	struct secinfo_enrollment e;
	char why[512];
	int sent = 0, rc = 0;
	struct secinfo_enroll_request request = {
		.user = "carl",
		.detail = "+14255550111",
		.send = send_down,
		.sender = &sent,
		.io = &io,
		.limit_sends = 1,
		.why = why,
		.why_size = sizeof(why),
	};

	for (int i = 0; i < 5; i++) {
		rc = secinfo_change_enroll(change, SECINFO_KIND_SMS, &request, &e);
		secinfo_enrollment_clear(&e);
		CHECK_INT(rc, SECINFO_ERR_IO, "send %d: asked for, the gateway down (%s)", i + 1,
			  why);
	}
	rc = secinfo_change_enroll(change, SECINFO_KIND_SMS, &request, &e);
	secinfo_enrollment_clear(&e);
	CHECK_INT(rc, SECINFO_ERR_DENIED, "the sixth code in the hour is refused");
	CHECK(strstr(why, "max_sends_per_hour") != NULL, "and says why: %s", why);
	CHECK_INT(sent, 5, "five sends were asked for, not six");
	request.limit_sends = 0;
	rc = secinfo_change_enroll(change, SECINFO_KIND_SMS, &request, &e);
	secinfo_enrollment_clear(&e);
	CHECK_INT(rc, SECINFO_ERR_IO, "without the limit (root) the send is asked for");
}

int
main(void)
{
	struct secinfo_change as_user, as_root, first;
	struct secinfo_user *user = NULL;
	struct secinfo_method *m = NULL;
	long long app = 0, sms = 0, email = 0, id = 0, app2 = 0;
	char why[512], masked[128];
	size_t count = 0;

	pt_setup(&env, "[policy]\nmethods = app sms email\n[sms]\nprovider = http\n"
		       "url = http://127.0.0.1:9/send\n[email]\nsmtp_url = smtp://127.0.0.1:9\n"
		       "from = a@example.net\nblocked_domains = corp.example.org\n");
	store = pt_store(&env, &conf, 0);
	as_user = (struct secinfo_change){store, conf, 1000, "secinfo", NULL, 0};
	as_root = (struct secinfo_change){store, conf, 1000, "secinfo-admin", "root", 0};
	first = (struct secinfo_change){store, conf, 1000, "secinfo", NULL, 1};

	CHECK_INT(add(&as_user, "alice", "app", NULL, &app, why, sizeof(why)), 0, "add app: %s",
		  why);
	CHECK_INT(default_of("alice"), app, "the first app becomes the default");
	CHECK(strcmp(audit_of("alice"), "secinfo method-add app alice\n") == 0,
	      "one audit row, actor the user: %s", audit_of("alice"));
	CHECK_INT(add(&as_root, "alice", "sms", "+14255551234", &sms, why, sizeof(why)), 0,
		  "add sms: %s", why);
	CHECK_INT(default_of("alice"), app, "a second 2FA method does not take the default");
	CHECK(strstr(audit_of("alice"), "secinfo-admin method-add sms root\n") != NULL,
	      "root's change names root: %s", audit_of("alice"));
	CHECK_INT(add(&as_user, "alice", "email", "alice@example.net", &email, why, sizeof(why)), 0,
		  "add email: %s", why);

	/* Only a password proven (first_only): a first method while the user has no second
	 * factor of their own, checked in the transaction; none once they have one. */
	CHECK_INT(add(&first, "bea", "email", "bea@example.net", &id, why, sizeof(why)), 0,
		  "first only: an address for a user with nothing: %s", why);
	CHECK_INT(add(&first, "bea", "app", NULL, &id, why, sizeof(why)), 0,
		  "first only: the first app of a user with only an address: %s", why);
	CHECK_INT(add(&first, "bea", "sms", "+14255559876", &id, why, sizeof(why)),
		  SECINFO_ERR_DENIED, "first only: refused once the user has a second factor");
	CHECK(strstr(audit_of("bea"), "sms") == NULL, "and nothing of it written: %s",
	      audit_of("bea"));

	/* Refusals: nothing written. */
	CHECK_INT(add(&as_user, "alice", "call", "+14255551234", &id, why, sizeof(why)),
		  SECINFO_ERR_DENIED, "a kind the policy does not allow is refused");
	CHECK(strstr(why, "does not allow call") != NULL, "and says so: %s", why);
	CHECK_INT(add(&as_user, "alice", "email", "al@corp.example.org", &id, why, sizeof(why)),
		  SECINFO_ERR_DENIED, "a blocked domain is refused");
	CHECK(strstr(why, "work or school") != NULL, "and says so: %s", why);
	CHECK_INT(add(&as_user, "alice", "sms", "+1 425 555 1234", &id, why, sizeof(why)),
		  SECINFO_ERR_EXISTS, "a repeat of a number is refused");
	CHECK_INT(secinfo_store_user_get(store, "alice", &user), 0, "alice loads");
	CHECK_INT(secinfo_change_default_set(&as_user, user, secinfo_user_method(user, email)),
		  SECINFO_ERR_DENIED, "email cannot be the default");
	CHECK_INT(default_of("alice"), app, "the default did not change");
	CHECK_INT(secinfo_change_default_set(&as_user, user, secinfo_user_method(user, app)), 0,
		  "the default again: nothing to do");
	CHECK(strstr(audit_of("alice"), "method-default") == NULL,
	      "no audit row for refused or empty changes: %s", audit_of("alice"));

	/* Naming methods. */
	CHECK(secinfo_change_method_find(user, "sms", &m, &count) == 0 && m->id == sms,
	      "a kind the user has once names it");
	CHECK_INT(secinfo_change_method_find(user, "call", &m, &count), SECINFO_ERR_NOT_FOUND,
		  "a kind the user lacks");
	CHECK_INT(secinfo_change_method_find(user, "9999", &m, &count), SECINFO_ERR_NOT_FOUND,
		  "an id the user lacks");
	CHECK_INT(secinfo_change_method_find(user, "phone", &m, &count), SECINFO_ERR_USAGE,
		  "neither an id nor a kind");
	secinfo_change_detail_masked(secinfo_user_method(user, sms), masked, sizeof(masked));
	CHECK(strcmp(masked, "+1 XXXXXXXX34") == 0, "sms masked: %s", masked);
	secinfo_change_detail_masked(secinfo_user_method(user, email), masked, sizeof(masked));
	CHECK(strstr(masked, "***@example.net") != NULL && strstr(masked, "alice") == NULL,
	      "email masked: %s", masked);
	secinfo_change_detail_masked(secinfo_user_method(user, app), masked, sizeof(masked));
	CHECK(masked[0] == '\0', "app: no detail");

	/* Default, then delete it: the next in the order key, app, sms, call. */
	CHECK_INT(secinfo_change_default_set(&as_user, user, secinfo_user_method(user, sms)), 0,
		  "sms becomes the default");
	CHECK_INT(default_of("alice"), sms, "the store says so");
	CHECK_INT(secinfo_change_method_delete(&as_user, "alice", secinfo_user_method(user, sms)),
		  0, "delete the default sms");
	CHECK_INT(default_of("alice"), app, "the app is the default again");
	secinfo_user_free(user);
	user = NULL;
	CHECK(strstr(audit_of("alice"), "secinfo method-default sms alice\n"
					"secinfo method-delete sms alice\n") != NULL,
	      "default and delete audited: %s", audit_of("alice"));

	/* Deleting the only method leaves no default. */
	CHECK_INT(add(&as_root, "bob", "app", NULL, &app2, why, sizeof(why)), 0, "bob's app");
	CHECK_INT(secinfo_store_user_get(store, "bob", &user), 0, "bob loads");
	CHECK_INT(secinfo_change_method_delete(&as_root, "bob", secinfo_user_method(user, app2)), 0,
		  "delete bob's only method");
	CHECK_INT(default_of("bob"), 0, "bob has no default now");
	secinfo_user_free(user);

	test_send_limit(&as_user);

	secinfo_store_close(store);
	secinfo_conf_free(conf);
	pt_cleanup(&env);
	return check_summary();
}
