/* secinfo: opening files that decide security, safely. */
#ifndef SECINFO_SAFEFILE_H
#define SECINFO_SAFEFILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/* What a file may be: who may read it besides root. */
enum secinfo_file_access {
	SECINFO_FILE_PUBLIC_READ, /* owner root, not writable by group or others */
	SECINFO_FILE_PRIVATE,     /* owner root, no access at all for group or others */
};

/* Returns 1 when files owned by UID may decide security: root's only. (The test build of
 * make check also trusts its own effective uid; see safefile.c.) */
int secinfo_file_owner_trusted(uid_t uid);

/*
 * Opens PATH read-only with O_NOFOLLOW|O_CLOEXEC|O_NONBLOCK (a FIFO never hangs) and checks on
 * the descriptor that it is a regular file owned by root with the required mode.
 * Returns the descriptor, or a negative SECINFO_ERR_* code; *why (if not NULL) gets a static
 * explanation for the log.
 */
int secinfo_file_open(const char *path, enum secinfo_file_access access, const char **why);

/*
 * Checks PATH as secinfo_file_open does, without opening it for reading: O_PATH|O_NOFOLLOW|
 * O_CLOEXEC (a FIFO is never opened at all) and fstat on that descriptor, which is closed
 * again (3 system calls instead of 5). *st (if not NULL) gets what fstat said. Returns 0 or
 * a negative SECINFO_ERR_* code with *why set, as secinfo_file_open.
 */
int secinfo_file_check(const char *path, enum secinfo_file_access access, struct stat *st,
		       const char **why);

/* Checks that DIR is a real directory (not a symlink) owned by root and not writable by
 * group or others. Returns 0 or a negative SECINFO_ERR_* code with *why set. */
int secinfo_dir_check(const char *dir, const char **why);

/*
 * Reads a whole safely-opened file (at most MAX bytes) into a NUL-terminated buffer that the
 * caller frees (with sodium_free when SECRET, which also keeps it out of swap and core dumps).
 * Returns 0 or a negative SECINFO_ERR_* code.
 */
int secinfo_file_read(const char *path, enum secinfo_file_access access, size_t max, int secret,
		      char **out, size_t *out_len, const char **why);

#endif
