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

/* getpwnam_r's "not found" answers (getpwnam_r(3)): 0 with no entry, or one of these. */
static int
secinfo_username_unknown(int rc)
{
	return rc == 0 || rc == ENOENT || rc == ESRCH || rc == EBADF || rc == EPERM;
}

int
secinfo_username_canonical(const char *name, char *out, size_t size)
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
	if (found != NULL)
		rc = secinfo_username_check(pw.pw_name) != 0 || strlen(pw.pw_name) >= size
			     ? SECINFO_ERR_INVALID
			     : 0;
	else if (secinfo_username_unknown(rc))
		rc = strlen(name) >= size ? SECINFO_ERR_INVALID : 0;
	else
		rc = SECINFO_ERR_IO;
	if (rc == 0)
		memcpy(out, found != NULL ? pw.pw_name : name,
		       strlen(found != NULL ? pw.pw_name : name) + 1);
	free(buf);
	return rc;
}
