/* secinfo-admin check: sshd's configuration against its PAM stack. */
#ifndef SECINFO_ADMIN_CHECK_SSHD_H
#define SECINFO_ADMIN_CHECK_SSHD_H

#include <stddef.h>

/* Where sshd is installed on Debian and most distributions. */
#define SECINFO_SSHD_PATH "/usr/sbin/sshd"

/* Looks for the one sshd setting that breaks the module: PasswordAuthentication yes (with
 * UsePAM yes), as `SSHD -T` reports the effective configuration, while the PAM service sshd of
 * PAM_DIR runs pam_secinfo.so for sign-in in its auth stack. Returns 1 with the warning in
 * WHY, 0 when there is nothing to say (sshd not installed, the module not in its stack, or
 * the password method off), or -1 with WHY saying what could not be checked. */
int secinfo_admin_check_sshd(const char *sshd, const char *pam_dir, char *why, size_t size);

#endif
