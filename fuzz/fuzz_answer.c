/* Fuzzes security-question rules (libsecinfo/questions.c): a normalised answer has no leading,
 * trailing or doubled space, no other white space and no upper-case ASCII, keeps every other
 * byte in order, fits its buffer, and normalising it again changes nothing; a failure wipes
 * the buffer. Input: one byte choosing the buffer size and min_answer_length, the answer. */
#include "config.h"

#include "error.h"
#include "fuzz.h"
#include "questions.h"

/* Returns 1 when C is white space for the answer rules. */
static int
fuzz_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void
fuzz_answer_normalized(const char *input, const char *out, size_t size)
{
	char again[SECINFO_ANSWER_MAX + 1];
	size_t len = strlen(out);
	const char *p = input;

	FUZZ_ASSERT(len < size, "the answer does not fit its buffer");
	FUZZ_ASSERT(len == 0 || (out[0] != ' ' && out[len - 1] != ' '),
		    "a leading or trailing space");
	FUZZ_ASSERT(strstr(out, "  ") == NULL, "two spaces in a row");
	FUZZ_ASSERT(!fuzz_has_any(out, len, "\t\n\r\v\fABCDEFGHIJKLMNOPQRSTUVWXYZ"),
		    "white space other than a space, or an upper-case letter");
	/* The same bytes in the same order, white space aside, ASCII letters folded. */
	for (const char *q = out; *q != '\0'; q++) {
		if (*q == ' ')
			continue;
		while (fuzz_space(*p))
			p++;
		FUZZ_ASSERT(*p == *q || (*p >= 'A' && *p <= 'Z' && *p - 'A' + 'a' == *q),
			    "a byte of the answer changed");
		p++;
	}
	while (fuzz_space(*p))
		p++;
	FUZZ_ASSERT(*p == '\0', "a byte of the answer was dropped");
	if (len < sizeof(again))
		FUZZ_ASSERT(secinfo_answer_normalize(out, again, len + 1) == 0 &&
				    strcmp(again, out) == 0,
			    "normalising a normalised answer changed it");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = {SECINFO_ANSWER_MAX + 1, 1, 2, 3, 8, 17};
	char out[SECINFO_ANSWER_MAX + 1], *input;
	const char *why = NULL;
	size_t out_size;
	int rc;

	if (size == 0)
		return 0;
	out_size = sizes[data[0] % (sizeof(sizes) / sizeof(sizes[0]))];
	input = malloc(size);
	if (input == NULL)
		abort();
	memcpy(input, data + 1, size - 1);
	input[size - 1] = '\0';

	memset(out, 'Z', sizeof(out));
	rc = secinfo_answer_normalize(input, out, out_size);
	FUZZ_ASSERT(rc == 0 || rc == SECINFO_ERR_INVALID, "an unexpected error code");
	for (size_t i = out_size; i < sizeof(out); i++)
		FUZZ_ASSERT(out[i] == 'Z', "written past the buffer");
	if (rc == 0) {
		fuzz_answer_normalized(input, out, out_size);
		/* The registration rules, with the answer as its own question too. */
		rc = secinfo_answer_check(out, input, (unsigned)(data[0] >> 4), &why);
		FUZZ_ASSERT(rc == 0 || (rc == SECINFO_ERR_INVALID && why != NULL),
			    "a refused answer without a reason");
		rc = secinfo_answer_check(out, NULL, 1, &why);
		FUZZ_ASSERT(rc == 0 || rc == SECINFO_ERR_INVALID, "an unexpected error code");
	} else {
		for (size_t i = 0; i < out_size; i++)
			FUZZ_ASSERT(out[i] == '\0', "a refused answer was not wiped");
	}
	why = NULL;
	rc = secinfo_question_text_check(input, &why);
	FUZZ_ASSERT(rc == 0 || (rc == SECINFO_ERR_INVALID && why != NULL),
		    "a refused question without a reason");
	if (rc == 0)
		FUZZ_ASSERT(strlen(input) <= SECINFO_QUESTION_TEXT_MAX &&
				    !fuzz_has_any(input, strlen(input), "\t\n\r\v\f\x1b\x7f"),
			    "an accepted question is too long or has a control character");
	free(input);
	return 0;
}
