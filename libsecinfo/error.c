#include "config.h"

#include "error.h"

static const struct {
	int code;
	const char *text;
} secinfo_error_table[] = {
	{SECINFO_OK, "success"},
	{SECINFO_ERR_NOMEM, "out of memory"},
	{SECINFO_ERR_IO, "input/output error"},
	{SECINFO_ERR_UNSAFE, "unsafe file (owner, permissions, type or symlink)"},
	{SECINFO_ERR_NOT_FOUND, "not found"},
	{SECINFO_ERR_CONFIG, "invalid configuration"},
	{SECINFO_ERR_DB, "database error"},
	{SECINFO_ERR_CORRUPT, "stored data is corrupt or the key does not match"},
	{SECINFO_ERR_CRYPTO, "cryptographic failure"},
	{SECINFO_ERR_INVALID, "invalid input"},
	{SECINFO_ERR_WRONG, "wrong or expired code"},
	{SECINFO_ERR_LOCKED, "locked out"},
	{SECINFO_ERR_CONV, "conversation failed"},
	{SECINFO_ERR_DENIED, "method not allowed here"},
	{SECINFO_ERR_EXISTS, "already exists"},
	{SECINFO_ERR_UNSUPPORTED, "not supported"},
	{SECINFO_ERR_INTERNAL, "internal error"},
	{SECINFO_ERR_NOT_ENROLLED, "no usable method"},
	{SECINFO_ERR_USAGE, "usage error"},
};

const char *
secinfo_strerror(int err)
{
	for (unsigned i = 0; i < sizeof(secinfo_error_table) / sizeof(secinfo_error_table[0]); i++)
		if (secinfo_error_table[i].code == err)
			return secinfo_error_table[i].text;
	return "unknown error";
}
