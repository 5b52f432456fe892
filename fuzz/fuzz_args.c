/* Fuzzes the PAM module's arguments (secinfo_args_parse, libsecinfo/conf.c, pam_secinfo(8)):
 * accepted arguments give an absolute config path, one purpose and a non-empty set of
 * methods; refused ones name the argument at fault. Input: the arguments, NUL-separated. */
#include "config.h"

#include "conf.h"
#include "error.h"
#include "fuzz.h"
#include "kind.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_fields fields;
	struct secinfo_args args;
	const char *argv[FUZZ_FIELDS_MAX], *bad = NULL;
	int argc, rc, found = 0;

	fuzz_split(data, size, &fields);
	argc = (int)fields.count;
	for (int i = 0; i < argc; i++)
		argv[i] = fields.field[i];

	rc = secinfo_args_parse(argc, argv, &args, &bad);
	if (rc == 0) {
		FUZZ_ASSERT(bad == NULL, "accepted, yet an argument is named as bad");
		FUZZ_ASSERT(args.config != NULL && args.config[0] == '/', "config= not absolute");
		FUZZ_ASSERT(args.purpose == SECINFO_PURPOSE_2FA ||
				    args.purpose == SECINFO_PURPOSE_RESET,
			    "not exactly one purpose");
		FUZZ_ASSERT(args.methods != 0 && (args.methods & ~SECINFO_KINDS_ALL) == 0,
			    "methods= empty or naming a kind that does not exist");
		FUZZ_ASSERT((args.nullok | args.echo_code | args.autosend | args.debug) <= 1,
			    "a flag that is not 0 or 1");
	} else {
		FUZZ_ASSERT(rc == SECINFO_ERR_CONFIG, "an unexpected error code");
		for (int i = 0; i < argc; i++)
			found |= bad == argv[i];
		FUZZ_ASSERT(found, "refused without naming the argument at fault");
	}
	fuzz_fields_free(&fields);
	return 0;
}
