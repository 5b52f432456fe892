#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "error.h"
#include "safefile.h"

#ifdef SECINFO_TEST_TRUST_EUID
/* A mark that tests/owner.sh and installcheck look for: no installed file may contain it. */
__attribute__((used)) static const char secinfo_file_test_mark[] =
	"SECINFO-TEST-BUILD: trusts the files of the user running the tests";
#endif

/* The one owner check. The installed programs trust root alone. The test build (Makefile.am:
 * the check_ copies under tests/testbuild/, compiled with SECINFO_TEST_TRUST_EUID and never
 * installed) also trusts the user running the tests, so that make check needs no root. No
 * argument, environment variable or configuration key changes this: only that define. */
int
secinfo_file_owner_trusted(uid_t uid)
{
#ifdef SECINFO_TEST_TRUST_EUID
	if (uid == geteuid())
		return 1;
#endif
	return uid == 0;
}

static int
secinfo_stat_check(const struct stat *st, enum secinfo_file_access access, const char **why)
{
	if (!S_ISREG(st->st_mode)) {
		*why = "not a regular file";
		return SECINFO_ERR_UNSAFE;
	}
	if (!secinfo_file_owner_trusted(st->st_uid)) {
		*why = "not owned by root";
		return SECINFO_ERR_UNSAFE;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "writable by group or others";
		return SECINFO_ERR_UNSAFE;
	}
	if (access == SECINFO_FILE_PRIVATE && (st->st_mode & (S_IRWXG | S_IRWXO))) {
		*why = "readable by group or others";
		return SECINFO_ERR_UNSAFE;
	}
	return 0;
}

int
secinfo_file_open(const char *path, enum secinfo_file_access access, const char **why)
{
	const char *dummy;
	struct stat st;
	int fd, rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		*why = errno == ELOOP ? "is a symbolic link" : strerror(errno);
		return errno == ENOENT  ? SECINFO_ERR_NOT_FOUND
		       : errno == ELOOP ? SECINFO_ERR_UNSAFE
					: SECINFO_ERR_IO;
	}
	if (fstat(fd, &st) != 0) {
		*why = strerror(errno);
		close(fd);
		return SECINFO_ERR_IO;
	}
	rc = secinfo_stat_check(&st, access, why);
	if (rc != 0) {
		close(fd);
		return rc;
	}
	/* Regular file confirmed: reads must block normally from here on. */
	if (fcntl(fd, F_SETFL, O_RDONLY) != 0) {
		*why = strerror(errno);
		close(fd);
		return SECINFO_ERR_IO;
	}
	return fd;
}

int
secinfo_file_check(const char *path, enum secinfo_file_access access, struct stat *st_out,
		   const char **why)
{
	const char *dummy;
	struct stat st;
	int fd, rc;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*why = errno == ELOOP ? "is a symbolic link" : strerror(errno);
		return errno == ENOENT  ? SECINFO_ERR_NOT_FOUND
		       : errno == ELOOP ? SECINFO_ERR_UNSAFE
					: SECINFO_ERR_IO;
	}
	rc = fstat(fd, &st) == 0 ? 0 : SECINFO_ERR_IO;
	if (rc != 0)
		*why = strerror(errno);
	close(fd);
	/* O_PATH|O_NOFOLLOW opens a symbolic link itself, where open() without O_PATH fails
	 * with ELOOP: the type check below refuses it as not a regular file. */
	if (rc == 0 && S_ISLNK(st.st_mode)) {
		*why = "is a symbolic link";
		return SECINFO_ERR_UNSAFE;
	}
	if (rc == 0)
		rc = secinfo_stat_check(&st, access, why);
	if (rc == 0 && st_out != NULL)
		*st_out = st;
	return rc;
}

int
secinfo_dir_check(const char *dir, const char **why)
{
	const char *dummy;
	struct stat st;
	int fd, rc = 0;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		*why = errno == ELOOP || errno == ENOTDIR
			       ? "is not a directory (or is a symbolic link)"
			       : strerror(errno);
		return errno == ENOENT ? SECINFO_ERR_NOT_FOUND : SECINFO_ERR_UNSAFE;
	}
	if (fstat(fd, &st) != 0) {
		*why = strerror(errno);
		rc = SECINFO_ERR_IO;
	} else if (!secinfo_file_owner_trusted(st.st_uid)) {
		*why = "directory not owned by root";
		rc = SECINFO_ERR_UNSAFE;
	} else if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		*why = "directory writable by group or others";
		rc = SECINFO_ERR_UNSAFE;
	}
	close(fd);
	return rc;
}

int
secinfo_file_read(const char *path, enum secinfo_file_access access, size_t max, int secret,
		  char **out, size_t *out_len, const char **why)
{
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd, rc = 0;

	*out = NULL;
	fd = secinfo_file_open(path, access, why);
	if (fd < 0)
		return fd;
	buf = secret ? sodium_malloc(max + 1) : malloc(max + 1);
	if (buf == NULL) {
		rc = SECINFO_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, max + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*why = strerror(errno);
			rc = SECINFO_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			*why = "file is too large";
			rc = SECINFO_ERR_UNSAFE;
			goto out;
		}
	}
	buf[len] = '\0';
	*out = buf;
	if (out_len != NULL)
		*out_len = len;
	buf = NULL;
out:
	if (buf != NULL) {
		if (secret) {
			sodium_free(buf);
		} else {
			free(buf);
		}
	}
	close(fd);
	return rc;
}
