#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <security/pam_ext.h>

#include "conv.h"
#include "crypto.h"
#include "error.h"
#include "escape.h"
#include "flow.h"

/* A bound on "?" menus per verification, so a conversation always ends. */
#define SECINFO_FLOW_MAX_SWITCHES 10

/* Appends one audit row of this verification (the user, service and remote host of
 * flow->audit), EVENT and RESULT for METHOD at WHEN, to the open transaction (or on its own);
 * with WRITE 0 (its transaction could not begin) the row is only logged as lost. A lost row
 * is logged, never fatal: these rows explain a decision, whose own row is what must not go
 * missing. */
static void
secinfo_flow_audit_row(struct secinfo_flow *flow, const char *event, const char *method,
		       const char *result, long long when, int write)
{
	struct secinfo_audit_entry e = flow->audit;

	e.time = when;
	e.event = event;
	e.method = method;
	e.result = result;
	if (!write || secinfo_store_audit(flow->store, &e) != 0)
		secinfo_audit_lost(flow->pamh, &e, "");
}

void
secinfo_flow_steps_write(struct secinfo_flow *flow)
{
	int rc;

	if (flow->n_steps == 0 || flow->store == NULL)
		return;
	/* A savepoint inside the try's transaction, or a transaction of its own at the end. */
	rc = secinfo_store_begin(flow->store);
	for (unsigned i = 0; i < flow->n_steps; i++)
		secinfo_flow_audit_row(flow, flow->steps[i].event, flow->steps[i].method, "success",
				       flow->steps[i].time, rc == 0);
	if (rc == 0 && secinfo_store_commit(flow->store) != 0)
		secinfo_store_rollback(flow->store);
	flow->n_steps = 0;
}

/* Queues the audit row of a step (EVENT for METHOD) for the next transaction. */
static void
secinfo_flow_step(struct secinfo_flow *flow, const char *event, const struct secinfo_method *method)
{
	if (flow->n_steps == sizeof(flow->steps) / sizeof(flow->steps[0]))
		secinfo_flow_steps_write(flow); /* many "?" in one sign-in: a commit of their own */
	flow->steps[flow->n_steps].event = event;
	flow->steps[flow->n_steps].method = secinfo_kind_name(method->kind);
	flow->steps[flow->n_steps].time = (long long)flow->now;
	flow->n_steps++;
}

/* Returns the kinds usable for this flow's purpose and service. */
static unsigned
secinfo_flow_usable(const struct secinfo_flow *flow)
{
	/* A reset with two methods needs two different kinds: a kind used once is done. */
	return secinfo_method_usable_kinds(flow->conf, flow->args->methods, flow->purpose) &
	       ~flow->used_kinds & ~flow->unavailable_kinds;
}

/* SPEC §4.2 step 2: an active temporary access pass first (SPEC 14: the helpdesk issued it
 * because the usual method is lost), then the default method if usable here, else the first
 * usable one. */
static const struct secinfo_method *
secinfo_flow_first(const struct secinfo_flow *flow)
{
	unsigned usable = secinfo_flow_usable(flow);
	const struct secinfo_method *m = secinfo_user_temporary_method(flow->user, usable);

	if (m != NULL)
		return m;
	m = secinfo_user_method(flow->user, flow->user->default_method);
	if (m != NULL && (usable & SECINFO_KIND_BIT(m->kind)))
		return m;
	return secinfo_user_first_method(flow->user, flow->purpose, usable);
}

/*
 * Lists the user's usable methods other than EXCLUDE under TITLE and lets them pick one.
 * Returns 0 with *pick set (or NULL when nothing was picked: none listed, Enter, or a
 * number not shown — the user was told), or a negative SECINFO_ERR_* code.
 */
static int
secinfo_flow_choose(struct secinfo_flow *flow, const char *title, const char *prompt,
		    const struct secinfo_method *exclude, const struct secinfo_method **pick)
{
	const struct secinfo_method *choices[16];
	unsigned usable = secinfo_flow_usable(flow);
	char text[1024], line[160], *answer = NULL, *end = NULL;
	size_t n = 0, pos = 0;
	long number;
	int rc;

	*pick = NULL;
	for (size_t i = 0; flow->user != NULL && i < flow->user->n_methods && n < 16; i++) {
		const struct secinfo_method *m = &flow->user->methods[i];
		if (m != exclude && (usable & SECINFO_KIND_BIT(m->kind)))
			choices[n++] = m;
	}
	if (n == 0)
		return secinfo_conv_say(flow->pamh, 1,
					"No other verification method is available.");
	pos = (size_t)snprintf(text, sizeof(text), "%s", title);
	for (size_t i = 0; i < n && pos < sizeof(text); i++) {
		secinfo_method_describe(choices[i], 0, line, sizeof(line));
		pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "\n  %zu. %s", i + 1, line);
	}
	rc = secinfo_conv_say(flow->pamh, 0, text);
	if (rc == 0)
		rc = secinfo_conv_ask(flow->pamh, 1, prompt, &answer);
	if (rc != 0)
		return rc;
	number = strtol(answer, &end, 10);
	if (answer[0] != '\0' && *end == '\0' && number >= 1 && (size_t)number <= n)
		*pick = choices[number - 1];
	else if (answer[0] != '\0')
		rc = secinfo_conv_say(flow->pamh, 1, "That is not one of the numbers shown.");
	secinfo_conv_free(answer);
	return rc;
}

/* "?": lists the user's other usable methods and lets them switch to one. */
static int
secinfo_flow_another_way(struct secinfo_flow *flow, const struct secinfo_method **current)
{
	const struct secinfo_method *pick = NULL;
	int rc = secinfo_flow_choose(
		flow, "Other ways to verify:",
		"Choose a number (Enter to keep the current method): ", *current, &pick);

	if (rc == 0 && pick != NULL && pick != *current && flow->user != NULL)
		secinfo_flow_step(flow, "switch", pick);
	if (rc == 0 && pick != NULL)
		*current = pick;
	return rc;
}

void
secinfo_flow_say_locked(struct secinfo_flow *flow, long long locked_until)
{
	char text[160], when[64] = "later";
	time_t until = (time_t)locked_until;
	struct tm tm;

	flow->locked_until = locked_until;
	if (gmtime_r(&until, &tm) != NULL)
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	snprintf(text, sizeof(text),
		 "Verification is locked for this account until %s after too many wrong codes.",
		 when);
	secinfo_conv_say(flow->pamh, 1, text);
}

/* Counts the attempt before its answer is checked; the decoy makes a write of the same cost
 * so that the time between prompts does not tell enrolled users from others. */
static int
secinfo_flow_attempt(struct secinfo_flow *flow, int decoy)
{
	if (decoy)
		return secinfo_store_failure_unenrolled(flow->store);
	return secinfo_store_attempt(flow->store, flow->user->id, flow->conf->max_failures,
				     flow->conf->lockout, flow->now, &flow->locked_until);
}

/* Whether a try with result RC decides the verification, so its audit row belongs in the
 * try's own transaction: a success of the last method needed, a lockout, or a wrong answer
 * at the last try. */
static int
secinfo_flow_decisive(const struct secinfo_flow *flow, int rc, int last_try)
{
	return (rc == 0 && flow->methods_left <= 1) || rc == SECINFO_ERR_LOCKED ||
	       (rc == SECINFO_ERR_WRONG && last_try);
}

void
secinfo_audit_lost(pam_handle_t *pamh, const struct secinfo_audit_entry *e, const char *consequence)
{
	char user[128], service[64], rhost[128];
	int success = e->result != NULL && strcmp(e->result, "success") == 0;

	pam_syslog(pamh, success ? LOG_CRIT : LOG_ERR,
		   "AUDIT TRAIL NOT WRITTEN: lost the row time=%lld event=%s user=%s service=%s "
		   "rhost=%s method=%s result=%s%s",
		   e->time, e->event != NULL ? e->event : "",
		   secinfo_escape(e->user, user, sizeof(user)),
		   secinfo_escape(e->service, service, sizeof(service)),
		   secinfo_escape(e->rhost, rhost, sizeof(rhost)),
		   e->method != NULL && e->method[0] != '\0' ? e->method : "-",
		   e->result != NULL ? e->result : "", consequence);
}

/* Appends the decision's audit row to the open transaction; a failure is logged loudly. */
static int
secinfo_flow_audit(struct secinfo_flow *flow, const struct secinfo_method *method, int decoy,
		   int rc)
{
	struct secinfo_audit_entry e = flow->audit;
	int step;

	e.time = (long long)flow->now;
	e.method = decoy ? "" : secinfo_kind_name(method->kind);
	/* The entry point may have named the decoy's result ("reset-denied"). */
	e.result = rc == 0                      ? "success"
		   : rc == SECINFO_ERR_LOCKED   ? "locked"
		   : !decoy                     ? "failure"
		   : flow->audit.result != NULL ? flow->audit.result
						: "not-enrolled";
	step = secinfo_store_audit(flow->store, &e);
	if (step != 0)
		secinfo_audit_lost(flow->pamh, &e,
				   rc == 0 ? "; the verification succeeded but is refused: no "
					     "success goes unaudited"
					   : "");
	return step;
}

/*
 * Records the outcome RC of one try inside its transaction, and ends it: the deciding success
 * clears the failures and sets the last use (unless a concurrent failure locked the user
 * meanwhile); a wrong answer is committed, counted, and may lock the user; the decision's
 * audit row goes with it. Only a commit makes the answer's outcome known to the user.
 * Returns RC, SECINFO_ERR_LOCKED, or an error (the transaction rolled back: nothing of the
 * try remains).
 */
static int
secinfo_flow_settle(struct secinfo_flow *flow, const struct secinfo_method *method, int decoy,
		    int rc, int last_try)
{
	int step = 0, wrong = rc == SECINFO_ERR_WRONG;

	/* Only the decision clears the failures: the first of two reset methods proven leaves
	 * its attempt counted, or proving a reset-only method again and again (or one the
	 * attacker holds) would wipe the count of wrong guesses at the other. */
	if (rc == 0 && !decoy && flow->methods_left <= 1)
		step = secinfo_store_success(flow->store, flow->user->id, method->id, flow->now,
					     &flow->locked_until);
	else if (rc == SECINFO_ERR_WRONG && !decoy)
		step = secinfo_store_failure(flow->store, flow->user->id, flow->conf->max_failures,
					     flow->conf->lockout, flow->now, &flow->locked_until);
	if (step != 0)
		rc = step;
	if (rc != 0 && rc != SECINFO_ERR_WRONG && rc != SECINFO_ERR_LOCKED) {
		secinfo_store_rollback(flow->store);
		return rc;
	}
	/* The helpdesk's rows, in the same transaction: the steps before this try, the wrong
	 * answer (the decoy's too, so that both cost the same), and the lock it set. */
	secinfo_flow_steps_write(flow);
	if (wrong)
		secinfo_flow_audit_row(flow, "wrong", decoy ? "" : secinfo_kind_name(method->kind),
				       "failure", (long long)flow->now, 1);
	if (wrong && rc == SECINFO_ERR_LOCKED)
		secinfo_flow_audit_row(flow, "locked", secinfo_kind_name(method->kind), "locked",
				       (long long)flow->now, 1);
	if (secinfo_flow_decisive(flow, rc, last_try)) {
		step = secinfo_flow_audit(flow, method, decoy, rc);
		flow->audited = step == 0;
	}
	if (step == 0)
		step = secinfo_store_commit(flow->store);
	if (step != 0) {
		secinfo_store_rollback(flow->store);
		flow->audited = 0;
		return step;
	}
	flow->locked_now = wrong && rc == SECINFO_ERR_LOCKED;
	if (rc == SECINFO_ERR_LOCKED)
		secinfo_flow_say_locked(flow, flow->locked_until);
	return rc;
}

/* After a wrong answer with tries left: says so, without saying which answer was wrong. */
static int
secinfo_flow_failed(struct secinfo_flow *flow, const struct secinfo_method *method,
		    unsigned tries_left)
{
	if (tries_left == 0)
		return 0;
	return secinfo_conv_say(flow->pamh, 1, secinfo_method_ops(method->kind)->wrong);
}

/* The ask function handed to methods that ask their own questions. */
static int
secinfo_flow_ask(void *data, int echo, const char *prompt, char **answer)
{
	struct secinfo_flow *flow = data;

	return secinfo_conv_ask(flow->pamh, echo, prompt, answer);
}

/* The say function handed to methods: an informational message. */
static int
secinfo_flow_say(void *data, const char *text)
{
	struct secinfo_flow *flow = data;

	return secinfo_conv_say(flow->pamh, 0, text);
}

/* The context methods get: the store (none for the decoy), the time, how to send and how to
 * talk to the user. */
static void
secinfo_flow_ctx(struct secinfo_flow *flow, int decoy, struct secinfo_method_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->store = decoy ? NULL : flow->store;
	ctx->conf = flow->conf;
	ctx->now = flow->now;
	ctx->user_id = decoy ? 0 : flow->user->id;
	ctx->user = decoy ? "" : flow->user->name;
	ctx->send = secinfo_plugin_send;
	ctx->sender = &flow->plugin;
	ctx->delivery = &flow->delivery;
	ctx->owner = decoy ? NULL : flow->user;
	ctx->rhost = flow->audit.rhost;
	ctx->fido_load = secinfo_plugin_fido;
	ctx->fido_data = &flow->plugin;
	ctx->proof = &flow->proof;
	flow->why[0] = '\0';
	ctx->why = flow->why;
	ctx->why_size = sizeof(flow->why);
	flow->io.ask = secinfo_flow_ask;
	flow->io.say = secinfo_flow_say;
	flow->io.data = flow;
	ctx->io = &flow->io;
}

static int secinfo_flow_device(struct secinfo_flow *flow, struct secinfo_method_ctx *ctx,
			       const struct secinfo_method **current, const char *answer,
			       int last_try);
static void secinfo_flow_cloned(struct secinfo_flow *flow, const struct secinfo_method *method);

/*
 * Checks ANSWER for METHOD at this moment: one transaction, begun after the answer arrived,
 * counts the attempt (refused while locked), checks the answer (consuming the code or TOTP
 * step), records the outcome and the decision's audit row, and commits once. A method that
 * asks its own questions (converse) prompts, so its attempt is counted and committed first:
 * no write lock is held while a prompt is open. LAST_TRY: no try is left after this one.
 * Returns 0, SECINFO_ERR_WRONG, SECINFO_ERR_LOCKED or another error.
 */
static int
secinfo_flow_check(struct secinfo_flow *flow, const struct secinfo_method **current, int decoy,
		   const char *answer, int last_try)
{
	const struct secinfo_method *method = *current;
	const struct secinfo_method_ops *ops = secinfo_method_ops(method->kind);
	struct secinfo_method_ctx ctx;
	int rc;

	flow->now = time(NULL); /* a prompt may have been open for a long time */
	secinfo_flow_ctx(flow, decoy, &ctx);
	if (ops->device != NULL && !decoy) {
		rc = secinfo_flow_device(flow, &ctx, current, answer, last_try);
	} else if (ops->converse != NULL) {
		rc = secinfo_flow_attempt(flow, decoy);
		if (rc == 0)
			rc = ops->converse(&ctx, method); /* its own questions */
		if (rc == 0 || rc == SECINFO_ERR_WRONG || rc == SECINFO_ERR_LOCKED) {
			flow->now = time(NULL);
			rc = secinfo_store_begin(flow->store) == 0
				     ? secinfo_flow_settle(flow, method, decoy, rc, last_try)
				     : SECINFO_ERR_DB;
		}
	} else {
		rc = secinfo_store_begin(flow->store);
		if (rc == 0) {
			rc = secinfo_flow_attempt(flow, decoy);
			if (rc == 0)
				rc = ops->verify(&ctx, method, answer);
			rc = secinfo_flow_settle(flow, method, decoy, rc, last_try);
		}
	}
	/* The user's row vanishing mid-way is a database problem, never "not enrolled". */
	return rc == SECINFO_ERR_NOT_FOUND ? SECINFO_ERR_DB : rc;
}

/* Logs a refused signature counter (a possible cloned key); the decision's audit row says
 * cloned-key (pam_secinfo.c). */
static void
secinfo_flow_cloned(struct secinfo_flow *flow, const struct secinfo_method *method)
{
	pam_syslog(flow->pamh, LOG_WARNING,
		   "security key method=%lld: the signature counter did not grow (a possible "
		   "cloned key); refused",
		   method->id);
}

/*
 * A try of a method whose answer goes to a device (a security key): the attempt is counted and
 * committed first, so no write lock is held while the key waits for a touch; then the device;
 * then one transaction settles what it proved. The credential that answered decides which
 * method was used (*CURRENT). Returns as secinfo_flow_check.
 */
static int
secinfo_flow_device(struct secinfo_flow *flow, struct secinfo_method_ctx *ctx,
		    const struct secinfo_method **current, const char *answer, int last_try)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops((*current)->kind);
	const struct secinfo_method *answered;
	int rc;

	rc = secinfo_flow_attempt(flow, 0);
	if (rc == 0)
		rc = ops->device(ctx, *current, answer);
	if (rc == 0) {
		answered = secinfo_user_method(flow->user, flow->proof.method_id);
		if (answered == NULL || answered->kind != (*current)->kind)
			rc = SECINFO_ERR_INTERNAL;
		else
			*current = answered;
	}
	if (rc != 0 && rc != SECINFO_ERR_WRONG && rc != SECINFO_ERR_LOCKED) {
		if (flow->why[0] != '\0')
			secinfo_conv_say(flow->pamh, 1, flow->why);
		return rc;
	}
	flow->now = time(NULL);
	if (secinfo_store_begin(flow->store) != 0)
		return SECINFO_ERR_DB;
	if (rc == 0)
		rc = ops->verify(ctx, *current, answer);
	rc = secinfo_flow_settle(flow, *current, 0, rc, last_try);
	if (rc == SECINFO_ERR_DENIED && flow->proof.cloned)
		secinfo_flow_cloned(flow, *current);
	if (rc == SECINFO_ERR_DENIED && flow->why[0] != '\0')
		secinfo_conv_say(flow->pamh, 1, flow->why);
	return rc;
}

/* Logs and audits a code that could not be sent (never the code, never the full number). */
static void
secinfo_flow_delivery_failed(struct secinfo_flow *flow, const struct secinfo_method *method, int rc)
{
	const char *result = rc == SECINFO_ERR_DENIED ? "send-limit" : "send-failed";
	char user[128], detail[300];

	secinfo_escape(flow->user->name, user, sizeof(user));
	secinfo_escape(flow->delivery.detail, detail, sizeof(detail));
	pam_syslog(flow->pamh, LOG_WARNING,
		   "delivery user=%s method=%s result=%s gateway_status=%ld detail=%s", user,
		   secinfo_kind_name(method->kind), result, flow->delivery.http_status, detail);
	secinfo_flow_audit_row(flow, "delivery", secinfo_kind_name(method->kind), result,
			       (long long)flow->now, 1);
}

/*
 * Challenges METHOD. Before a text, a call or an email leaves the machine, one round trip
 * says where it will go and waits for Enter ("?": another way), unless autosend. A code
 * that could not be sent leaves the user at the prompt to choose another way.
 * Returns 0, 1 when the user asked for another way, or a negative SECINFO_ERR_* code.
 */
static int
secinfo_flow_challenge(struct secinfo_flow *flow, const struct secinfo_method *method, int decoy)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(method->kind);
	struct secinfo_method_ctx ctx;
	char info[512], where[160], *answer = NULL;
	int rc, other;

	if (ops->sends != NULL && !flow->args->autosend) {
		secinfo_method_describe(method, 0, where, sizeof(where));
		snprintf(info, sizeof(info),
			 "Press Enter to receive a code by %s, or type ? to "
			 "choose another way: ",
			 where);
		rc = secinfo_conv_ask(flow->pamh, 1, info, &answer);
		if (rc != 0)
			return rc; /* nothing was sent */
		other = strcmp(answer, "?") == 0;
		secinfo_conv_free(answer);
		if (other)
			return 1;
	}
	info[0] = '\0';
	flow->now = time(NULL);
	secinfo_flow_ctx(flow, decoy, &ctx);
	memset(&flow->delivery, 0, sizeof(flow->delivery));
	rc = ops->challenge(&ctx, method, info, sizeof(info));
	if (rc == SECINFO_ERR_IO || rc == SECINFO_ERR_DENIED) {
		secinfo_flow_delivery_failed(flow, method, rc);
		return secinfo_conv_say(flow->pamh, 1, info);
	}
	if (rc == 0 && ops->sends != NULL && !decoy)
		secinfo_flow_step(flow, "code-sent", method);
	if (rc == 0 && info[0] != '\0')
		rc = secinfo_conv_say(flow->pamh, 0, info);
	return rc;
}

/*
 * The conversation itself, shared by real users and the decoy: challenge, prompt, "?" menu,
 * tries. DECOY is the throw-away method for users without one (flow->user is then unused).
 * The user may switch methods with "?": on success *VERIFIED is the method that was proven,
 * which need not be METHOD.
 */
static int
secinfo_flow_converse(struct secinfo_flow *flow, const struct secinfo_method *method, int decoy,
		      const struct secinfo_method **verified)
{
	const struct secinfo_method *challenged = NULL;
	unsigned tries_left = flow->conf->tries, switches = 0;
	char *answer = NULL;
	int rc = SECINFO_ERR_WRONG, other_way = 0;

	while (tries_left > 0) {
		const struct secinfo_method_ops *ops = secinfo_method_ops(method->kind);
		flow->method_name = secinfo_kind_name(method->kind);
		if (challenged != method) {
			rc = secinfo_flow_challenge(flow, method, decoy);
			if (rc < 0)
				break;
			/* Asked for another way before anything was sent: if the user keeps this
			 * method after all, the question comes again. */
			other_way = rc == 1;
			if (!other_way)
				challenged = method;
		}
		if (!other_way && ops->converse == NULL) {
			/* A PIN never echoes, whatever echo_code says of codes. */
			rc = secinfo_conv_ask(flow->pamh,
					      ops->device != NULL ? 0 : flow->args->echo_code,
					      ops->prompt, &answer);
			if (rc != 0)
				break;
			other_way = strcmp(answer, "?") == 0;
		}
		if (other_way && switches++ < SECINFO_FLOW_MAX_SWITCHES) {
			secinfo_conv_free(answer);
			answer = NULL;
			other_way = 0;
			rc = secinfo_flow_another_way(flow, &method);
			if (rc != 0)
				break;
			continue;
		}
		rc = secinfo_flow_check(flow, &method, decoy, answer != NULL ? answer : "?",
					tries_left == 1);
		secinfo_conv_free(answer);
		answer = NULL;
		other_way = 0;
		if (rc == 0)
			*verified = method;
		if (rc != SECINFO_ERR_WRONG)
			break;
		rc = secinfo_flow_failed(flow, method, --tries_left);
		if (rc != 0)
			break;
		rc = SECINFO_ERR_WRONG;
	}
	return rc;
}

/* Counts the kinds among the user's methods that are usable here. */
static unsigned
secinfo_flow_usable_kinds_of_user(const struct secinfo_flow *flow)
{
	unsigned usable = secinfo_flow_usable(flow), kinds = 0, n = 0;

	for (size_t i = 0; i < flow->user->n_methods; i++)
		kinds |= SECINFO_KIND_BIT(flow->user->methods[i].kind) & usable;
	for (; kinds != 0; kinds &= kinds - 1)
		n++;
	return n;
}

/* A reset with [reset] methods_required = 2: the user picks a second method of another kind.
 * Returns 0, or a negative SECINFO_ERR_* code. */
static int
secinfo_flow_second_method(struct secinfo_flow *flow)
{
	const struct secinfo_method *pick = NULL;
	int rc = 0;

	for (int round = 0; rc == 0 && pick == NULL && round < 3; round++)
		rc = secinfo_flow_choose(flow, "A password reset needs a second, different method:",
					 "Choose a number: ", NULL, &pick);
	if (rc != 0)
		return rc;
	if (pick == NULL)
		return SECINFO_ERR_WRONG;
	rc = secinfo_flow_converse(flow, pick, 0, &pick);
	if (rc == 0)
		flow->used_kinds |= SECINFO_KIND_BIT(pick->kind);
	return rc;
}

/* Asks each of the user's kinds that has an availability op (a security key: not remote, a
 * device present) whether it is usable for this sign-in; a sign-in of a user without such a
 * method asks nothing (and never loads libfido2). Returns 0 or a negative SECINFO_ERR_* code. */
static int
secinfo_flow_where(struct secinfo_flow *flow)
{
	unsigned usable = secinfo_flow_usable(flow), asked = 0;
	struct secinfo_method_ctx ctx;
	int rc;

	for (size_t i = 0; i < flow->user->n_methods; i++) {
		enum secinfo_kind kind = flow->user->methods[i].kind;
		const struct secinfo_method_ops *ops = secinfo_method_ops(kind);
		if (ops == NULL || ops->available == NULL || !(usable & SECINFO_KIND_BIT(kind)) ||
		    (asked & SECINFO_KIND_BIT(kind)))
			continue;
		asked |= SECINFO_KIND_BIT(kind);
		secinfo_flow_ctx(flow, 0, &ctx);
		rc = ops->available(&ctx);
		if (rc < 0) {
			pam_syslog(flow->pamh, LOG_ERR, "%s methods cannot be used: %s", ops->name,
				   flow->why[0] != '\0' ? flow->why : secinfo_strerror(rc));
			return rc;
		}
		if (rc == 0)
			flow->unavailable_kinds |= SECINFO_KIND_BIT(kind);
	}
	return 0;
}

/* When the method the user would have got (WOULD) is not usable where they are: says so and
 * which method is used instead (METHOD), or that none is. */
static void
secinfo_flow_say_elsewhere(struct secinfo_flow *flow, const struct secinfo_method *would,
			   const struct secinfo_method *method)
{
	const char *noun = method != NULL ? secinfo_method_ops(method->kind)->noun : "";
	char text[256];

	if (method != NULL)
		snprintf(text, sizeof(text), "No %s here; using %s%s.",
			 secinfo_method_ops(would->kind)->noun,
			 strncmp(noun, "the ", 4) == 0 ? "" : "a ", noun);
	else
		snprintf(text, sizeof(text),
			 "No %s here, and no other method of yours can be used here: sign in "
			 "where your %s is plugged in, or ask your administrator for another "
			 "method.",
			 secinfo_method_ops(would->kind)->noun,
			 secinfo_method_ops(would->kind)->noun);
	secinfo_conv_say(flow->pamh, method == NULL, text);
}

/*
 * The first method for this sign-in where the user is (SPEC 11: a key is only usable where it
 * is plugged in): *METHOD, or NULL when none is usable. When the user would have got a method
 * that is not usable here, says so. Returns 0, SECINFO_ERR_DENIED when the user has enough
 * methods but not here (never "not enrolled": nullok must not pass them), or another error.
 */
static int
secinfo_flow_first_here(struct secinfo_flow *flow, unsigned required,
			const struct secinfo_method **method)
{
	const struct secinfo_method *would;
	unsigned unavailable;
	int rc, enough;

	flow->unavailable_kinds = 0;
	*method = NULL;
	rc = secinfo_flow_where(flow);
	if (rc != 0)
		return rc;
	*method = secinfo_flow_first(flow);
	if (flow->unavailable_kinds == 0)
		return 0;
	unavailable = flow->unavailable_kinds;
	flow->unavailable_kinds = 0; /* what the user would have got anywhere */
	would = secinfo_flow_first(flow);
	enough = secinfo_flow_usable_kinds_of_user(flow) >= required;
	flow->unavailable_kinds = unavailable;
	if (secinfo_flow_usable_kinds_of_user(flow) < required)
		*method = NULL;
	if (would != NULL && (unavailable & SECINFO_KIND_BIT(would->kind)))
		secinfo_flow_say_elsewhere(flow, would, *method);
	return *method == NULL && enough ? SECINFO_ERR_DENIED : 0;
}

int
secinfo_flow_verify(struct secinfo_flow *flow)
{
	unsigned required =
		flow->purpose == SECINFO_PURPOSE_RESET ? flow->conf->reset_methods_required : 1;
	const struct secinfo_method *method;
	int rc;

	flow->method_name = "";
	flow->used_kinds = 0;
	if (flow->user == NULL)
		return SECINFO_ERR_NOT_ENROLLED;
	rc = secinfo_flow_first_here(flow, required, &method);
	if (rc != 0)
		return rc;
	if (method == NULL || secinfo_flow_usable_kinds_of_user(flow) < required)
		return SECINFO_ERR_NOT_ENROLLED; /* too few methods for this purpose */
	/* What counts is the method the user proved, whatever they switched to with "?". */
	flow->methods_left = required;
	rc = secinfo_flow_converse(flow, method, 0, &method);
	if (rc == 0) {
		flow->used_kinds |= SECINFO_KIND_BIT(method->kind);
		flow->methods_left--;
	}
	if (rc == 0 && required == 2)
		rc = secinfo_flow_second_method(flow);
	return rc;
}

int
secinfo_flow_decoy(struct secinfo_flow *flow)
{
	struct secinfo_method decoy;
	const struct secinfo_method *verified = NULL;
	struct secinfo_user *real = flow->user;
	int rc;

	rc = secinfo_method_decoy(&decoy, flow->conf);
	if (rc != 0)
		return rc;
	flow->user = NULL; /* the "?" menu then offers nothing, as for an app-only user */
	flow->methods_left = 1;
	rc = secinfo_flow_converse(flow, &decoy, 1, &verified);
	flow->user = real;
	flow->method_name = "";
	secinfo_method_decoy_clear(&decoy);
	return rc == 0 ? SECINFO_ERR_INTERNAL : rc;
}
