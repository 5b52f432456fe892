/* secinfo-admin: codes sent by text message, call and email — enrolment checks, send-test. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "code.h"
#include "crypto.h"
#include "delivery.h"
#include "error.h"
#include "email.h"
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
secinfo_admin_code_verify(struct secinfo_admin *admin, enum secinfo_kind kind, const char *to,
			  const char *user)
{
	const char *what = kind == SECINFO_KIND_CALL    ? "call"
			   : kind == SECINFO_KIND_EMAIL ? "email"
							: "text message";
	struct secinfo_delivery_result result;
	char code[SECINFO_CODE_MAX + 1], answer[64], masked[SECINFO_EMAIL_MAX + 1];
	int rc, right;

	rc = secinfo_code_generate(admin->conf->code_length, code);
	if (rc == 0)
		rc = secinfo_admin_send(admin, kind, to, user, code, &result);
	if (rc != 0) {
		secinfo_wipe(code, sizeof(code));
		return secinfo_admin_fail("could not send the %s to %s: %s; nothing added (check "
					  "the gateway with 'secinfo-admin send-test')",
					  what, to, result.detail);
	}
	if (kind == SECINFO_KIND_EMAIL)
		secinfo_email_mask(to, masked, sizeof(masked));
	else
		secinfo_phone_mask(to, masked, sizeof(masked));
	printf("A code was sent by %s to %s.\n", what, masked);
	/* As the seeds describe: the number is only added once its owner typed the code. */
	rc = secinfo_admin_ask("Enter the code you received: ", answer, sizeof(answer));
	right = rc == 0 && strlen(answer) == strlen(code) &&
		secinfo_equal(answer, code, strlen(code));
	secinfo_wipe(code, sizeof(code));
	secinfo_wipe(answer, sizeof(answer));
	if (!right)
		return secinfo_admin_fail("the code was not right; nothing added (add it again to "
					  "get a new code)");
	return SECINFO_ADMIN_OK;
}

int
secinfo_admin_cmd_send_test(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	int kind = args->n_words == 2 ? secinfo_kind_parse(args->words[0]) : -1;
	struct secinfo_delivery_result result;
	char to[SECINFO_EMAIL_MAX + 1], code[SECINFO_CODE_MAX + 1], escaped[600];
	const char *why = "";
	int extension = 0, rc;

	if (kind != SECINFO_KIND_SMS && kind != SECINFO_KIND_CALL && kind != SECINFO_KIND_EMAIL)
		return secinfo_admin_usage_fail("send-test sms|call|email DESTINATION");
	rc = secinfo_admin_load_conf(admin);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	if (!(admin->conf->methods & SECINFO_KIND_BIT(kind)))
		return secinfo_admin_fail("[policy] methods does not allow %s: its gateway is not "
					  "configured",
					  args->words[0]);
	rc = kind == SECINFO_KIND_EMAIL
		     ? secinfo_email_normalize(admin->conf, args->words[1], to, &why)
		     : secinfo_phone_normalize(args->words[1], admin->conf->sms.default_country, to,
					       &extension, &why);
	if (rc != 0)
		return secinfo_admin_fail("cannot send to '%s': %s",
					  secinfo_escape_text(args->words[1], escaped, 128), why);
	rc = secinfo_code_generate(admin->conf->code_length, code);
	if (rc == 0)
		rc = secinfo_admin_send(admin, (enum secinfo_kind)kind, to, "send-test", code,
					&result);
	secinfo_wipe(code, sizeof(code));
	printf("gateway: %s\n", result.detail);
	if (result.response[0] != '\0')
		printf("answer: %s\n",
		       secinfo_escape_text(result.response, escaped, sizeof(escaped)));
	if (rc != 0)
		return secinfo_admin_fail("the test %s to %s was not accepted", args->words[0], to);
	printf("The gateway accepted a test %s to %s.\n", args->words[0], to);
	return SECINFO_ADMIN_OK;
}
