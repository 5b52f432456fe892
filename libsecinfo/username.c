/* secinfo: user names checked and made canonical through the name service. */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "username.h"

int
secinfo_username_check(const char *name)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len == 0 || len > SECINFO_USERNAME_MAX || name[0] == ' ' || name[len - 1] == ' ')
		return SECINFO_ERR_INVALID;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return SECINFO_ERR_INVALID;
	return 0;
}

int
secinfo_username_canonical(const char *name, char *out, size_t size, int *known)
{
	struct passwd pw, *found = NULL;
	size_t buflen = 1024;
	char *buf = NULL;
	int rc;

	for (;;) {
		char *bigger = realloc(buf, buflen);
		if (bigger == NULL) {
			free(buf);
			return SECINFO_ERR_NOMEM;
		}
		buf = bigger;
		rc = getpwnam_r(name, &pw, buf, buflen, &found);
		if (rc != ERANGE || buflen >= 1024 * 1024)
			break;
		buflen *= 4;
	}
	/* glibc says "unknown" with 0 and no entry, nss_wrapper with ENOENT (getpwnam_r(3) lists
	 * both, and ESRCH). Any other error number is a name service that could not answer: never
	 * taken for "unknown", which would let the spelling as typed decide. (An outage that
	 * looks like ENOENT leaves the spelling as typed; the module then still refuses to pass
	 * over a user enrolled under a spelling that differs only in case.) */
	if (found != NULL)
		rc = secinfo_username_check(pw.pw_name) != 0 || strlen(pw.pw_name) >= size
			     ? SECINFO_ERR_INVALID
			     : 0;
	else if (rc == 0 || rc == ENOENT || rc == ESRCH)
		rc = strlen(name) >= size ? SECINFO_ERR_INVALID : 0;
	else
		rc = SECINFO_ERR_IO;
	if (known != NULL)
		*known = found != NULL;
	if (rc == 0)
		memcpy(out, found != NULL ? pw.pw_name : name,
		       strlen(found != NULL ? pw.pw_name : name) + 1);
	free(buf);
	return rc;
}
