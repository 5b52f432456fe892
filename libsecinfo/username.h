/* secinfo: user names as PAM hands them over: checked, and canonical as the name service has them. */
#ifndef SECINFO_USERNAME_H
#define SECINFO_USERNAME_H

#include <stddef.h>

/* The longest user name accepted, in bytes (Linux allows 32; name services allow more). */
#define SECINFO_USERNAME_MAX 255

/*
 * Checks a user name from PAM (an untrusted item): not empty, at most SECINFO_USERNAME_MAX
 * bytes, no control character, no space at either end. Such a name is refused, never treated
 * as "not enrolled": "alice " must not pass for an unenrolled user beside an enrolled alice.
 * Returns 0 or SECINFO_ERR_INVALID.
 */
int secinfo_username_check(const char *name);

/*
 * Writes into OUT (SIZE bytes) the name under which NAME is enrolled: the name service's own
 * pw_name for NAME (getpwnam_r), so that a name service that ignores case (SSSD, LDAP) gives
 * "alice" for "ALICE"; NAME itself when the name service does not know it. *KNOWN (unless
 * NULL) says whether the name service knew it. Returns 0, SECINFO_ERR_INVALID (the canonical
 * name fails secinfo_username_check), SECINFO_ERR_NOMEM, or SECINFO_ERR_IO when the name
 * service could not answer (fail closed: an outage is not "unknown").
 */
int secinfo_username_canonical(const char *name, char *out, size_t size, int *known);

#endif
