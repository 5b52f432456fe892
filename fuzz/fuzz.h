/*
 * secinfo fuzzers: what every libFuzzer harness in fuzz/ shares (fuzz/README.md).
 *
 * A harness checks what the code promises, not only that it does not crash: FUZZ_ASSERT
 * prints the broken property and aborts, and libFuzzer keeps the input as a crash.
 */
#ifndef SECINFO_FUZZ_H
#define SECINFO_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond, what)                                                                    \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property broken: %s (%s)\n", __FILE__, __LINE__,   \
				what, #cond);                                                      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* The most fields fuzz_split gives. */
#define FUZZ_FIELDS_MAX 16

/* The input cut at its NUL bytes into NUL-terminated copies, as C strings reach the code. */
struct fuzz_fields {
	char *field[FUZZ_FIELDS_MAX];
	size_t count;
};

/* Splits DATA (SIZE bytes) at NUL bytes into at most FUZZ_FIELDS_MAX fields (the last one
 * keeps any further NUL-separated text cut off). Aborts when out of memory. */
static inline void
fuzz_split(const uint8_t *data, size_t size, struct fuzz_fields *fields)
{
	size_t start = 0;

	memset(fields, 0, sizeof(*fields));
	while (fields->count < FUZZ_FIELDS_MAX) {
		const uint8_t *nul = memchr(data + start, '\0', size - start);
		size_t len = nul != NULL ? (size_t)(nul - (data + start)) : size - start;
		char *copy = malloc(len + 1);

		if (copy == NULL)
			abort();
		memcpy(copy, data + start, len);
		copy[len] = '\0';
		fields->field[fields->count++] = copy;
		if (nul == NULL)
			break;
		start += len + 1;
	}
}

/* The field I, or NULL when the input had fewer fields. */
static inline const char *
fuzz_field(const struct fuzz_fields *fields, size_t i)
{
	return i < fields->count ? fields->field[i] : NULL;
}

static inline void
fuzz_fields_free(struct fuzz_fields *fields)
{
	for (size_t i = 0; i < fields->count; i++)
		free(fields->field[i]);
	fields->count = 0;
}

/* Returns 1 when TEXT (LEN bytes) holds a byte of SET. */
static inline int
fuzz_has_any(const char *text, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (text[i] != '\0' && strchr(set, text[i]) != NULL)
			return 1;
	return 0;
}

#endif
