/*
 * secinfo: the user proves who they are through the PAM service "secinfo" (the password, then
 * pam_secinfo.so with the user's current method), as a sign-in does; then what that proof
 * allows. The module says which kind it verified in the PAM environment variable
 * SECINFO_FACTOR (cleared at the start of its authentication, so nothing earlier counts).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>
#include <security/pam_misc.h>

#include "error.h"
#include "kind.h"
#include "method.h"
#include "secinfo.h"

#define SECINFO_CMD_SERVICE "secinfo"

int
secinfo_cmd_authenticate(struct secinfo_cmd *cmd)
{
	struct pam_conv conv = {misc_conv, NULL};
	pam_handle_t *pamh = NULL;
	const char *factor, *tty = ttyname(STDIN_FILENO);
	int rc;

	cmd->factor[0] = '\0';
	rc = pam_start(SECINFO_CMD_SERVICE, cmd->user, &conv, &pamh);
	if (rc == PAM_SUCCESS && tty != NULL)
		rc = pam_set_item(pamh, PAM_TTY, tty);
	if (rc == PAM_SUCCESS)
		rc = pam_set_item(pamh, PAM_RUSER, cmd->user);
	if (rc == PAM_SUCCESS)
		rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	if (rc == PAM_SUCCESS) {
		factor = pam_getenv(pamh, "SECINFO_FACTOR");
		if (factor != NULL && strlen(factor) < sizeof(cmd->factor))
			snprintf(cmd->factor, sizeof(cmd->factor), "%s", factor);
	}
	if (pamh != NULL)
		pam_end(pamh, rc);
	if (rc != PAM_SUCCESS)
		return secinfo_cmd_fail("verification failed");
	return 0;
}

int
secinfo_cmd_authorize(struct secinfo_cmd *cmd, const struct secinfo_user *user, const char *command)
{
	unsigned usable =
		secinfo_method_usable_kinds(cmd->conf, SECINFO_KINDS_ALL, SECINFO_PURPOSE_2FA);

	cmd->first_only = 0;
	if (cmd->as_root)
		return 0; /* root needs no proof, as with passwd and chsh */
	/* The module verified a method of the user's, or a temporary access pass that a
	 * helpdesk issued: that is the proof every change needs. */
	if (cmd->factor[0] != '\0')
		return 0;
	if (secinfo_user_has_own_2fa(user)) {
		if (secinfo_user_first_method(user, SECINFO_PURPOSE_2FA,
					      usable & ~SECINFO_KIND_BIT(SECINFO_KIND_TAP)) == NULL)
			return secinfo_cmd_fail("none of your methods can be used to sign in under "
						"your organisation's policy; ask your helpdesk for "
						"a temporary access pass and run secinfo again");
		/* Then the module must have verified one: a service without it proves nothing. */
		return secinfo_cmd_fail("the PAM service secinfo did not verify your security "
					"info; ask your administrator to check /etc/pam.d/secinfo "
					"(it needs 'auth required pam_secinfo.so nullok')");
	}
	/* No second factor of their own yet: the password (and nullok) got the user here. */
	if (strcmp(command, "show") == 0)
		return 0;
	if (strcmp(command, "add") != 0)
		return secinfo_cmd_fail(
			"you have no method to sign in with yet, so only your "
			"password proved who you are: that is enough to add a first "
			"method (secinfo add app), not to %s one",
			strcmp(command, "delete") == 0 ? "delete" : "change the default");
	if (cmd->conf->registration_first_method == SECINFO_FIRST_METHOD_TAP)
		return secinfo_cmd_fail("you have no method yet; ask your helpdesk for a temporary "
					"access pass and run secinfo again");
	cmd->first_only = 1; /* checked again when the method is stored */
	return 0;
}
