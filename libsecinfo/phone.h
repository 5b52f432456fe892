/* secinfo: phone numbers, normalised to E.164. */
#ifndef SECINFO_PHONE_H
#define SECINFO_PHONE_H

#define SECINFO_PHONE_MAX 16 /* '+' and at most 15 digits */

/*
 * Normalises INPUT to E.164 ("+14255551234") in OUT: drops spaces, dashes, dots, slashes and
 * brackets; removes an extension (X12345, x12345, ext 12345, ;ext=12345, #12345) and sets
 * *extension_removed; a number with a leading "00" is international; any other number without
 * '+' gets DEFAULT_COUNTRY (0: none, refused) after dropping one national trunk '0'.
 * Returns 0, or SECINFO_ERR_INVALID with *why saying what is wrong.
 */
int secinfo_phone_normalize(const char *input, unsigned default_country,
			    char out[SECINFO_PHONE_MAX + 1], int *extension_removed,
			    const char **why);

/* Writes PHONE masked to its last two digits ("+1 XXXXXXXX34") into OUT. */
void secinfo_phone_mask(const char *phone, char *out, unsigned out_size);

#endif
