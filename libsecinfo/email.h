/* secinfo: e-mail addresses for password reset. */
#ifndef SECINFO_EMAIL_H
#define SECINFO_EMAIL_H

#include "conf.h"

#define SECINFO_EMAIL_MAX 254

/*
 * Checks ADDRESS and writes it to OUT with the domain in lower case. Refuses malformed
 * addresses, control characters (C1 too), text that is not valid UTF-8, and
 * (SECINFO_ERR_DENIED) domains in [email] blocked_domains or below them: a work or school
 * address cannot be used.
 * Returns 0, SECINFO_ERR_INVALID or SECINFO_ERR_DENIED, with *why set.
 */
int secinfo_email_normalize(const struct secinfo_conf *conf, const char *address,
			    char out[SECINFO_EMAIL_MAX + 1], const char **why);

/* Writes ADDRESS masked ("a***@example.net", the whole first UTF-8 character) into OUT. */
void secinfo_email_mask(const char *address, char *out, unsigned out_size);

#endif
