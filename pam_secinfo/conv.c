#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "conv.h"
#include "crypto.h"
#include "error.h"

int
secinfo_conv_ask(pam_handle_t *pamh, int echo, const char *prompt, char **answer)
{
	char *response = NULL;
	int rc;

	*answer = NULL;
	rc = pam_prompt(pamh, echo ? PAM_PROMPT_ECHO_ON : PAM_PROMPT_ECHO_OFF, &response, "%s",
			prompt);
	if (rc != PAM_SUCCESS || response == NULL) {
		secinfo_conv_free(response);
		return SECINFO_ERR_CONV;
	}
	*answer = response;
	return 0;
}

void
secinfo_conv_free(char *answer)
{
	if (answer == NULL)
		return;
	secinfo_wipe(answer, strlen(answer));
	free(answer);
}

int
secinfo_conv_say(pam_handle_t *pamh, int is_error, const char *text)
{
	return pam_prompt(pamh, is_error ? PAM_ERROR_MSG : PAM_TEXT_INFO, NULL, "%s", text) ==
			       PAM_SUCCESS
		       ? 0
		       : SECINFO_ERR_CONV;
}
