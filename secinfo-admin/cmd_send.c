/* secinfo-admin: codes sent by text message and call — enrolment checks and send-test. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "code.h"
#include "crypto.h"
#include "delivery.h"
#include "error.h"
#include "escape.h"
#include "phone.h"

/* Sends CODE to the E.164 number TO by KIND. Prints what the gateway answered on failure.
 * Returns 0 or a negative SECINFO_ERR_* code. */
static int
secinfo_admin_send(struct secinfo_admin *admin, enum secinfo_kind kind, const char *to,
		   const char *user, const char *code, struct secinfo_delivery_result *result)
{
	struct secinfo_delivery_request request = {kind, to, code, user};

	memset(result, 0, sizeof(*result));
	return secinfo_delivery_send(admin->conf, &request, result);
}

int
secinfo_admin_phone_verify(struct secinfo_admin *admin, enum secinfo_kind kind, const char *e164,
			   const char *user)
{
	const char *what = kind == SECINFO_KIND_CALL ? "call" : "text message";
	struct secinfo_delivery_result result;
	char code[SECINFO_CODE_MAX + 1], answer[64], masked[32];
	int rc, right;

	rc = secinfo_code_generate(admin->conf->code_length, code);
	if (rc == 0)
		rc = secinfo_admin_send(admin, kind, e164, user, code, &result);
	if (rc != 0) {
		secinfo_wipe(code, sizeof(code));
		return secinfo_admin_fail("could not send the %s to %s: %s; nothing added (check "
					  "the gateway with 'secinfo-admin send-test')",
					  what, e164, result.detail);
	}
	secinfo_phone_mask(e164, masked, sizeof(masked));
	printf("A code was sent by %s to %s.\n", what, masked);
	/* As the seeds describe: the number is only added once its owner typed the code. */
	rc = secinfo_admin_ask("Enter the code you received: ", answer, sizeof(answer));
	right = rc == 0 && strlen(answer) == strlen(code) &&
		secinfo_equal(answer, code, strlen(code));
	secinfo_wipe(code, sizeof(code));
	secinfo_wipe(answer, sizeof(answer));
	if (!right)
		return secinfo_admin_fail("the code was not right; nothing added (add the number "
					  "again to get a new code)");
	return SECINFO_ADMIN_OK;
}

int
secinfo_admin_cmd_send_test(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	int kind = args->n_words == 2 ? secinfo_kind_parse(args->words[0]) : -1;
	struct secinfo_delivery_result result;
	char e164[SECINFO_PHONE_MAX + 1], code[SECINFO_CODE_MAX + 1], escaped[600];
	const char *why = "";
	int extension = 0, rc;

	if (kind != SECINFO_KIND_SMS && kind != SECINFO_KIND_CALL) {
		if (kind == SECINFO_KIND_EMAIL)
			return secinfo_admin_fail(
				"send-test email is not available in this version");
		return secinfo_admin_usage_fail("send-test sms|call DESTINATION");
	}
	rc = secinfo_admin_load_conf(admin);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	if (!(admin->conf->methods & SECINFO_KIND_BIT(kind)))
		return secinfo_admin_fail("[policy] methods does not allow %s: its gateway is not "
					  "configured",
					  args->words[0]);
	if (secinfo_phone_normalize(args->words[1], admin->conf->sms.default_country, e164,
				    &extension, &why) != 0)
		return secinfo_admin_fail("cannot send to '%s': %s",
					  secinfo_escape(args->words[1], escaped, 128), why);
	rc = secinfo_code_generate(admin->conf->code_length, code);
	if (rc == 0)
		rc = secinfo_admin_send(admin, (enum secinfo_kind)kind, e164, "send-test", code,
					&result);
	secinfo_wipe(code, sizeof(code));
	printf("gateway: %s\n", result.detail);
	if (result.response[0] != '\0')
		printf("answer: %s\n", secinfo_escape(result.response, escaped, sizeof(escaped)));
	if (rc != 0)
		return secinfo_admin_fail("the test %s to %s was not accepted", args->words[0],
					  e164);
	printf("The gateway accepted a test %s to %s.\n", args->words[0], e164);
	return SECINFO_ADMIN_OK;
}
