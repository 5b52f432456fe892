/* secinfo: error codes shared by the library, the module and the CLI. */
#ifndef SECINFO_ERROR_H
#define SECINFO_ERROR_H

/* Every failure is a negative SECINFO_ERR_* value; 0 is success. */
enum secinfo_error {
	SECINFO_OK = 0,
	SECINFO_ERR_NOMEM = -1,         /* out of memory */
	SECINFO_ERR_IO = -2,            /* read or write failed */
	SECINFO_ERR_UNSAFE = -3,        /* owner, mode, type or symlink not acceptable */
	SECINFO_ERR_NOT_FOUND = -4,     /* file, user, method or question does not exist */
	SECINFO_ERR_CONFIG = -5,        /* configuration or argument invalid */
	SECINFO_ERR_DB = -6,            /* sqlite failed */
	SECINFO_ERR_CORRUPT = -7,       /* stored data fails to decrypt or parse */
	SECINFO_ERR_CRYPTO = -8,        /* libsodium or key failure */
	SECINFO_ERR_INVALID = -9,       /* input refused (bad phone, blocked email, ...) */
	SECINFO_ERR_WRONG = -10,        /* wrong, expired or replayed code */
	SECINFO_ERR_LOCKED = -11,       /* user locked out */
	SECINFO_ERR_CONV = -12,         /* PAM conversation failed or gave no answer */
	SECINFO_ERR_DENIED = -13,       /* method not allowed for this purpose */
	SECINFO_ERR_EXISTS = -14,       /* already present */
	SECINFO_ERR_UNSUPPORTED = -15,  /* not available in this build or version */
	SECINFO_ERR_INTERNAL = -16,     /* a bug: an impossible state */
	SECINFO_ERR_NOT_ENROLLED = -17, /* the user has no method usable here */
	SECINFO_ERR_USAGE = -18,        /* a command line is wrong */
};

/* Returns a static English text for a SECINFO_ERR_* code (never NULL). */
const char *secinfo_strerror(int err);

#endif
