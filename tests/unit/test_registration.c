/*
 * Unit tests of libsecinfo/registration.c: who [registration] users offers registration to.
 * Runs itself again under nss_wrapper with a passwd and a group file of its own, so the
 * groups are known: alice's primary group is staff, bob is a supplementary member of
 * helpdesk, carol is in neither, and dave is unknown to the name service.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pwd.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "error.h"
#include "registration.h"

static const char passwd_text[] = "alice:x:1001:2001:Alice:/home/alice:/bin/sh\n"
				  "bob:x:1002:2003:Bob:/home/bob:/bin/sh\n"
				  "carol:x:1003:2003:Carol:/home/carol:/bin/sh\n";
static const char group_text[] = "staff:x:2001:\n"
				 "helpdesk:x:2002:bob,erin\n"
				 "users:x:2003:\n";

/* Writes TEXT to DIR/NAME. Returns 0 or -1. */
static int
write_file(const char *dir, const char *name, const char *text, char *path, size_t size)
{
	FILE *f;

	snprintf(path, size, "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f == NULL)
		return -1;
	fputs(text, f);
	return fclose(f);
}

/* Runs this program again under nss_wrapper; returns only when it cannot. */
static int
reexec_under_nss_wrapper(char **argv)
{
	char dir[] = "/tmp/secinfo-registration.XXXXXX", passwd[256], group[256];

	if (mkdtemp(dir) == NULL ||
	    write_file(dir, "passwd", passwd_text, passwd, sizeof(passwd)) ||
	    write_file(dir, "group", group_text, group, sizeof(group))) {
		perror("test_registration: cannot write the name service files");
		return 1;
	}
	setenv("NSS_WRAPPER_PASSWD", passwd, 1);
	setenv("NSS_WRAPPER_GROUP", group, 1);
	setenv("NSS_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	setenv("SECINFO_TEST_NSS_DIR", dir, 1);
	setenv("LD_PRELOAD", "libnss_wrapper.so", 1);
	execv("/proc/self/exe", argv);
	perror("test_registration: cannot run itself again");
	return 1;
}

/* Whether USER is offered registration with [registration] users = LIST. */
static int
offered(const char *list, const char *user)
{
	struct secinfo_conf conf;
	char copy[256];

	snprintf(copy, sizeof(copy), "%s", list);
	memset(&conf, 0, sizeof(conf));
	conf.registration_users = copy;
	return secinfo_registration_offered(&conf, user);
}

static void
cleanup(void)
{
	const char *dir = getenv("SECINFO_TEST_NSS_DIR");
	char path[300];

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/passwd", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/group", dir);
	unlink(path);
	rmdir(dir);
}

int
main(int argc, char **argv)
{
	struct passwd *pw;

	(void)argc;
	if (getenv("SECINFO_TEST_NSS_DIR") == NULL)
		return reexec_under_nss_wrapper(argv);
	pw = getpwnam("alice");
	if (pw == NULL || pw->pw_uid != 1001) {
		cleanup();
		printf("SKIP: libnss_wrapper.so is not installed (Debian package "
		       "libnss-wrapper)\n");
		return CHECK_SKIP;
	}

	CHECK_INT(offered("*", "carol"), 1, "* offers everyone");
	CHECK_INT(offered("*", "dave"), 1, "* offers users the name service does not know");
	CHECK_INT(offered("alice", "alice"), 1, "a listed name");
	CHECK_INT(offered("bob, alice", "alice"), 1, "a name after a comma");
	CHECK_INT(offered("alice", "alic"), 0, "a prefix of a name is not the name");
	CHECK_INT(offered("alic", "alice"), 0, "a name is not a prefix");
	CHECK_INT(offered("ALICE", "alice"), 0, "names are compared exactly");
	CHECK_INT(offered("", "alice"), 0, "an empty list offers nobody");
	CHECK_INT(offered("@staff", "alice"), 1, "@group: a member by the primary group");
	CHECK_INT(offered("@helpdesk", "bob"), 1, "@group: a supplementary member");
	CHECK_INT(offered("@helpdesk", "carol"), 0, "@group: not a member");
	CHECK_INT(offered("@staff", "bob"), 0, "@group: another group's member");
	CHECK_INT(offered("@helpdesk", "erin"), 0,
		  "@group: a member the passwd file does not know is not offered");
	CHECK_INT(offered("@nosuchgroup", "alice"), 0, "@group: an unknown group offers nobody");
	CHECK_INT(offered("@", "alice"), 0, "a lone @ offers nobody");
	CHECK_INT(offered("@nosuchgroup carol @helpdesk", "bob"), 1, "a later entry matches");
	CHECK_INT(offered("@nosuchgroup carol @helpdesk", "carol"), 1, "a name among groups");
	CHECK_INT(offered("@users", "carol"), 1, "@group: carol by her primary group");
	CHECK_INT(offered("@users", "bob"), 1, "@group: bob by his primary group too");
	CHECK_INT(offered("staff", "alice"), 0, "a group without @ is a user name");
	CHECK_INT(offered("@staff", "dave"), 0, "an unknown user is in no group");
	cleanup();
	return check_summary();
}
