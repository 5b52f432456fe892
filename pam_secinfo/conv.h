/* pam_secinfo: talking to the user through the PAM conversation. */
#ifndef SECINFO_CONV_H
#define SECINFO_CONV_H

#include <security/pam_modules.h>

/* Asks PROMPT (echoing the answer when ECHO) and returns the answer in *answer, to be freed
 * with secinfo_conv_free. A missing conversation, a failed or a NULL reply is SECINFO_ERR_CONV.
 * Returns 0 or a negative SECINFO_ERR_* code. */
int secinfo_conv_ask(pam_handle_t *pamh, int echo, const char *prompt, char **answer);

/* Wipes and frees an answer; accepts NULL. */
void secinfo_conv_free(char *answer);

/* Shows TEXT as information (or as an error when IS_ERROR). Returns 0 or SECINFO_ERR_CONV. */
int secinfo_conv_say(pam_handle_t *pamh, int is_error, const char *text);

#endif
