/* Fuzzes phone normalisation and masking (libsecinfo/phone.c): a number is E.164 or an error,
 * normalising is idempotent, and a mask fits its buffer and shows no digit it should hide.
 * Input: one byte choosing [sms] default_country, then the number. */
#include "config.h"

#include "error.h"
#include "fuzz.h"
#include "phone.h"

static const unsigned fuzz_countries[] = {0, 1, 7, 31, 44, 358, 999};

/* Returns 1 when PHONE is E.164: '+', a first digit 1-9, 7 to 15 digits in all. */
static int
fuzz_e164(const char *phone)
{
	size_t digits = strlen(phone) - 1;

	return phone[0] == '+' && phone[1] >= '1' && phone[1] <= '9' && digits >= 7 &&
	       digits <= 15 && strspn(phone + 1, "0123456789") == digits;
}

/* Masks PHONE into buffers of every size up to 32 bytes and checks each result. */
static void
fuzz_mask(const char *phone, int valid)
{
	char out[32];
	size_t len = strlen(phone);

	for (unsigned size = 0; size <= sizeof(out); size++) {
		memset(out, 'Z', sizeof(out));
		secinfo_phone_mask(phone, out, size);
		if (size == 0) {
			FUZZ_ASSERT(out[0] == 'Z', "a mask into 0 bytes wrote");
			continue;
		}
		FUZZ_ASSERT(memchr(out, '\0', size) != NULL, "a mask is not terminated");
		for (size_t i = size; i < sizeof(out); i++)
			FUZZ_ASSERT(out[i] == 'Z', "a mask wrote past its buffer");
		if (!valid || size < len + 2)
			continue;
		/* Whole: "+CC " and X for every hidden digit, then the last two digits. */
		FUZZ_ASSERT(strcmp(out + strlen(out) - 2, phone + len - 2) == 0,
			    "a mask does not end with the last two digits");
		FUZZ_ASSERT(strspn(out + strcspn(out, " ") + 1, "X") ==
				    strlen(out) - 2 - strcspn(out, " ") - 1,
			    "a mask shows a digit it should hide");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[SECINFO_PHONE_MAX + 1], again[SECINFO_PHONE_MAX + 1], *input;
	const char *why = NULL;
	unsigned country;
	int ext = -1, ext_again = -1, rc;

	if (size == 0)
		return 0;
	country = fuzz_countries[data[0] % (sizeof(fuzz_countries) / sizeof(fuzz_countries[0]))];
	input = malloc(size);
	if (input == NULL)
		abort();
	memcpy(input, data + 1, size - 1);
	input[size - 1] = '\0';

	rc = secinfo_phone_normalize(input, country, out, &ext, &why);
	FUZZ_ASSERT(rc == 0 || rc == SECINFO_ERR_INVALID, "an unexpected error code");
	FUZZ_ASSERT(ext == 0 || ext == 1, "extension_removed not set");
	if (rc == 0) {
		FUZZ_ASSERT(fuzz_e164(out), "a normalised number is not E.164");
		/* Idempotent, and an E.164 number needs no default country. */
		rc = secinfo_phone_normalize(out, country, again, &ext_again, &why);
		FUZZ_ASSERT(rc == 0 && strcmp(out, again) == 0 && ext_again == 0,
			    "normalising a normalised number changed it");
		rc = secinfo_phone_normalize(out, 0, again, &ext_again, &why);
		FUZZ_ASSERT(rc == 0 && strcmp(out, again) == 0,
			    "a normalised number needs a default country");
		fuzz_mask(out, 1);
	} else {
		FUZZ_ASSERT(out[0] == '\0', "a refused number left an output");
		FUZZ_ASSERT(why != NULL && why[0] != '\0', "a refused number without a reason");
	}
	/* Stored numbers come back from the database: any text must mask safely. */
	fuzz_mask(input, 0);
	free(input);
	return 0;
}
