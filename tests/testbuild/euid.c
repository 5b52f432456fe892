/*
 * Test build only (tests/testbuild/, never installed). secinfo-admin init and secinfo-reset
 * refuse to run unless the effective uid is 0, because the installed module trusts only
 * root's files. Their test copies are compiled with -Dgeteuid=secinfo_test_geteuid, so that
 * the same question is answered by the test build's owner rule instead: the user running the
 * tests counts as root there, and only there.
 */
#include "config.h"

#include <unistd.h>

#include "safefile.h"

uid_t secinfo_test_geteuid(void);

uid_t
secinfo_test_geteuid(void)
{
	uid_t uid = geteuid();

	return secinfo_file_owner_trusted(uid) ? 0 : uid;
}
