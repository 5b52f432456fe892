/* secinfo tests: sends one code through the delivery code, as the module would.
 * Usage: send CONFIG_FILE sms|call|email E164|ADDRESS CODE [USER]
 * Prints status=N, detail=... and response=...; exits 0 when the gateway accepted, 1 when
 * sending failed, 2 on a usage or configuration error. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "delivery.h"
#include "error.h"

int
main(int argc, char **argv)
{
	struct secinfo_delivery_request request = {0};
	struct secinfo_delivery_result result;
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	int rc;

	if (argc < 5 || argc > 6 ||
	    (strcmp(argv[2], "sms") != 0 && strcmp(argv[2], "call") != 0 &&
	     strcmp(argv[2], "email") != 0)) {
		fprintf(stderr,
			"usage: send CONFIG_FILE sms|call|email E164|ADDRESS CODE [USER]\n");
		return 2;
	}
	rc = secinfo_conf_load(argv[1], &conf, &problems);
	for (size_t i = 0; i < problems.count; i++)
		fprintf(stderr, "send: %s\n", problems.text[i]);
	secinfo_problems_free(&problems);
	if (rc != 0) {
		fprintf(stderr, "send: cannot load %s: %s\n", argv[1], secinfo_strerror(rc));
		return 2;
	}
	request.channel = strcmp(argv[2], "sms") == 0    ? SECINFO_CHANNEL_SMS
			  : strcmp(argv[2], "call") == 0 ? SECINFO_CHANNEL_CALL
							 : SECINFO_CHANNEL_EMAIL;
	request.to = argv[3];
	request.code = argv[4];
	request.user = argc == 6 ? argv[5] : "alice";
	rc = secinfo_delivery_send(conf, &request, &result);
	printf("status=%ld\ndetail=%s\nresponse=%s\n", result.http_status, result.detail,
	       result.response);
	if (rc != 0)
		printf("error=%s\n", secinfo_strerror(rc));
	secinfo_conf_free(conf);
	return rc == 0 ? 0 : 1;
}
