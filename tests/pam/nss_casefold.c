/*
 * A name service for the tests that, like SSSD or LDAP with case-insensitive names, finds a user
 * by any spelling of the name and answers with its one canonical pw_name. Loaded by nss_wrapper
 * (NSS_WRAPPER_MODULE_SO_PATH, NSS_WRAPPER_MODULE_FN_PREFIX=casefold); its users are the names
 * in the environment variable SECINFO_CASEFOLD_USERS, separated by spaces.
 */
#include "config.h"

#include <errno.h>
#include <nss.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>

#define CASEFOLD_EXPORT __attribute__((visibility("default")))

/* What nss_wrapper looks up in this module (glibc's NSS interface). */
CASEFOLD_EXPORT enum nss_status _nss_casefold_getpwnam_r(const char *name, struct passwd *pw,
							 char *buffer, size_t buflen, int *errnop);
CASEFOLD_EXPORT enum nss_status _nss_casefold_getpwuid_r(uid_t uid, struct passwd *pw, char *buffer,
							 size_t buflen, int *errnop);

/* Fills PW for the user at POSITION (uid 5000 + POSITION) named NAME (LEN bytes). */
static enum nss_status
casefold_fill(const char *name, size_t len, unsigned position, struct passwd *pw, char *buffer,
	      size_t buflen, int *errnop)
{
	static const char rest[] = "x\0/nonexistent\0/usr/sbin/nologin";

	if (buflen < len + 1 + sizeof(rest)) {
		*errnop = ERANGE;
		return NSS_STATUS_TRYAGAIN;
	}
	memcpy(buffer, name, len);
	buffer[len] = '\0';
	memcpy(buffer + len + 1, rest, sizeof(rest));
	pw->pw_name = buffer;
	pw->pw_passwd = buffer + len + 1;
	pw->pw_gecos = buffer + len + 1;
	pw->pw_dir = buffer + len + 3;
	pw->pw_shell = buffer + len + 3 + sizeof("/nonexistent");
	pw->pw_uid = 5000 + position;
	pw->pw_gid = 5000 + position;
	return NSS_STATUS_SUCCESS;
}

/* Finds the user whose name equals NAME ignoring case (NAME NULL: whose uid is UID). */
static enum nss_status
casefold_find(const char *name, uid_t uid, struct passwd *pw, char *buffer, size_t buflen,
	      int *errnop)
{
	const char *users = getenv("SECINFO_CASEFOLD_USERS");
	unsigned position = 0;

	for (const char *p = users; p != NULL && *p != '\0'; position++) {
		size_t len;
		p += strspn(p, " ");
		len = strcspn(p, " ");
		if (len == 0)
			break;
		if (name != NULL ? strlen(name) == len && strncasecmp(p, name, len) == 0
				 : uid == 5000 + position)
			return casefold_fill(p, len, position, pw, buffer, buflen, errnop);
		p += len;
	}
	*errnop = ENOENT;
	return NSS_STATUS_NOTFOUND;
}

CASEFOLD_EXPORT enum nss_status
_nss_casefold_getpwnam_r(const char *name, struct passwd *pw, char *buffer, size_t buflen,
			 int *errnop)
{
	return casefold_find(name, 0, pw, buffer, buflen, errnop);
}

CASEFOLD_EXPORT enum nss_status
_nss_casefold_getpwuid_r(uid_t uid, struct passwd *pw, char *buffer, size_t buflen, int *errnop)
{
	return casefold_find(NULL, uid, pw, buffer, buflen, errnop);
}
