/* secinfo-admin send-test: one code through the configured gateway, and what it answered. */
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
#include "method.h"
#include "phone.h"

int
secinfo_admin_cmd_send_test(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops_by_name(args->words[0]);
	struct secinfo_delivery_request request = {0};
	struct secinfo_delivery_result result;
	char to[SECINFO_EMAIL_MAX + 1], code[SECINFO_CODE_MAX + 1], escaped[600];
	const char *why = "", *note = NULL;
	int rc;

	if (ops == NULL || ops->channel < 0 || ops->parse_detail == NULL)
		return secinfo_admin_usage_fail("send-test sms|call|email DESTINATION");
	rc = secinfo_admin_load_conf(admin);
	if (rc != SECINFO_OK)
		return rc;
	if (!(admin->conf->methods & SECINFO_KIND_BIT(ops->kind)))
		return secinfo_admin_fail("[policy] methods does not allow %s: its gateway is not "
					  "configured",
					  ops->name);
	if (ops->parse_detail(admin->conf, args->words[1], to, sizeof(to), &why, &note) != 0)
		return secinfo_admin_fail("cannot send to '%s': %s",
					  secinfo_escape_text(args->words[1], escaped, 128), why);
	memset(&result, 0, sizeof(result));
	rc = secinfo_code_generate(admin->conf->code_length, code);
	request.channel = (enum secinfo_channel)ops->channel;
	request.to = to;
	request.code = code;
	request.user = "send-test";
	if (rc == 0)
		rc = secinfo_delivery_send(admin->conf, &request, &result);
	secinfo_wipe(code, sizeof(code));
	printf("gateway: %s\n", result.detail);
	if (result.response[0] != '\0')
		printf("answer: %s\n",
		       secinfo_escape_text(result.response, escaped, sizeof(escaped)));
	if (rc != 0)
		return secinfo_admin_fail("the test %s to %s was not accepted", ops->name, to);
	printf("The gateway accepted a test %s to %s.\n", ops->name, to);
	return SECINFO_OK;
}
