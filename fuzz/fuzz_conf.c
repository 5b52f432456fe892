/* Fuzzes the configuration parser (libsecinfo/conf.c, secinfo.conf(5)): a configuration is
 * accepted with every value in its documented range, or refused with at least one error;
 * every problem is one line. Input: the file's text. */
#include "config.h"

#include "conf.h"
#include "error.h"
#include "fuzz.h"
#include "kind.h"

/* Checks the ranges secinfo.conf(5) documents on an accepted CONF. */
static void
fuzz_conf_accepted(const struct secinfo_conf *conf)
{
	FUZZ_ASSERT(conf->methods != 0 && (conf->methods & ~SECINFO_KINDS_ALL) == 0,
		    "[policy] methods");
	FUZZ_ASSERT(conf->tries >= 1 && conf->tries <= 10, "[policy] tries");
	FUZZ_ASSERT(conf->max_failures >= 1 && conf->max_failures <= 1000, "[policy] max_failures");
	FUZZ_ASSERT(conf->lockout >= 1 && conf->lockout <= 30L * 86400, "[policy] lockout");
	FUZZ_ASSERT(conf->issuer != NULL && conf->issuer[0] != '\0', "[policy] issuer");
	FUZZ_ASSERT(conf->db_path[0] == '/' && conf->key_file[0] == '/', "[database] paths");
	FUZZ_ASSERT(conf->app_digits >= 6 && conf->app_digits <= 8, "[app] digits");
	FUZZ_ASSERT(conf->app_period >= 10 && conf->app_period <= 300, "[app] period");
	FUZZ_ASSERT(conf->app_window <= 10, "[app] window");
	FUZZ_ASSERT(conf->code_length >= 6 && conf->code_length <= 10, "[codes] length");
	FUZZ_ASSERT(conf->code_lifetime >= 30 && conf->code_lifetime <= 86400, "[codes] lifetime");
	FUZZ_ASSERT(conf->questions_ask >= 1 && conf->questions_ask <= conf->questions_register,
		    "[questions] ask");
	FUZZ_ASSERT(conf->reset_methods_required >= 1 && conf->reset_methods_required <= 2,
		    "[reset] methods_required");
	if (conf->methods & SECINFO_KIND_BIT(SECINFO_KIND_EMAIL))
		FUZZ_ASSERT(conf->smtp_url != NULL && conf->email_from != NULL,
			    "email allowed without smtp_url and from");
	if (conf->methods & SECINFO_KIND_BIT(SECINFO_KIND_SMS))
		FUZZ_ASSERT(conf->sms.provider != NULL, "sms allowed without a provider");
	/* The lookups the module makes with the parsed lists. */
	(void)secinfo_conf_reset_denied(conf, "root");
	(void)secinfo_conf_domain_blocked(conf, "mail.example.org.");
	(void)secinfo_conf_domain_blocked(conf, "");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secinfo_problems problems = {0};
	struct secinfo_conf *conf = NULL;
	char *text = malloc(size + 1);
	long seconds = -1;
	long long id = -1;
	int rc;

	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';

	rc = secinfo_conf_parse("/etc/security/secinfo.conf", text, &conf, &problems);
	FUZZ_ASSERT((rc == 0) == (conf != NULL), "a result without success, or none with it");
	if (rc == 0) {
		FUZZ_ASSERT(problems.errors == 0, "accepted with errors");
		fuzz_conf_accepted(conf);
	} else {
		FUZZ_ASSERT(rc == SECINFO_ERR_CONFIG && problems.errors > 0,
			    "refused without an error that says why");
	}
	for (size_t i = 0; i < problems.count; i++)
		FUZZ_ASSERT(problems.text[i] != NULL && strpbrk(problems.text[i], "\r\n") == NULL,
			    "a problem is not one line");

	/* The same text as a duration and as an id (secinfo-admin arguments). */
	if (secinfo_duration_parse(text, &seconds) == 0)
		FUZZ_ASSERT(seconds >= 0, "a negative duration");
	if (secinfo_id_parse(text, &id) == 0)
		FUZZ_ASSERT(id > 0, "an id that is not positive");

	secinfo_conf_free(conf);
	secinfo_problems_free(&problems);
	free(text);
	return 0;
}
