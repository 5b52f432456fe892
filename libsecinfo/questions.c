#include "config.h"

#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "error.h"
#include "questions.h"

_Static_assert(SECINFO_ANSWER_HASH_SIZE == crypto_pwhash_STRBYTES,
	       "SECINFO_ANSWER_HASH_SIZE must be crypto_pwhash_STRBYTES");

/* The C locale's white space, without depending on the locale of the program we run in. */
static int
secinfo_answer_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int
secinfo_question_text_check(const char *text, const char **why)
{
	size_t n = strlen(text), blank = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c == 0x7f) {
			*why = "a question cannot contain control characters (tabs, newlines, ...)";
			return SECINFO_ERR_INVALID;
		}
		blank += c == ' ';
	}
	if (blank == n) {
		*why = "a question cannot be empty";
		return SECINFO_ERR_INVALID;
	}
	if (n > SECINFO_QUESTION_TEXT_MAX) {
		*why = "a question has at most 500 bytes";
		return SECINFO_ERR_INVALID;
	}
	return 0;
}

int
secinfo_answer_normalize(const char *answer, char *out, size_t size)
{
	size_t pos = 0;
	int pending_space = 0;

	if (size == 0)
		return SECINFO_ERR_INVALID;
	for (const unsigned char *p = (const unsigned char *)answer; *p != '\0'; p++) {
		unsigned char c = *p;

		if (secinfo_answer_space(c)) {
			pending_space = pos > 0; /* never a leading space */
			continue;
		}
		/* Room for the character, a pending space and the final NUL. */
		if (pos + (size_t)pending_space + 1 >= size) {
			secinfo_wipe(out, size);
			return SECINFO_ERR_INVALID;
		}
		if (pending_space)
			out[pos++] = ' ';
		pending_space = 0;
		out[pos++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	}
	out[pos] = '\0'; /* a trailing space was never written */
	return 0;
}

/* Counts the UTF-8 code points of S (bytes that do not continue a sequence). */
static size_t
secinfo_answer_chars(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		n += (*p & 0xc0) != 0x80;
	return n;
}

int
secinfo_answer_check(const char *normalized, const char *question, unsigned min_length,
		     const char **why)
{
	char folded[SECINFO_QUESTION_TEXT_MAX + 1];
	size_t n;
	int contains;

	if (secinfo_answer_chars(normalized) < min_length) {
		*why = "the answer is too short ([questions] min_answer_length)";
		return SECINFO_ERR_INVALID;
	}
	if (question == NULL || secinfo_answer_normalize(question, folded, sizeof(folded)) != 0)
		return 0; /* no longer than a question may be: nothing to compare */
	/* "What is your pet's name?" is contained in "what is your pet's name rex". */
	n = strlen(folded);
	while (n > 0 && strchr("?.:!", folded[n - 1]) != NULL)
		folded[--n] = '\0';
	while (n > 0 && folded[n - 1] == ' ')
		folded[--n] = '\0';
	contains = n > 0 && strstr(normalized, folded) != NULL;
	if (contains) {
		*why = "the answer cannot contain the question";
		return SECINFO_ERR_INVALID;
	}
	return 0;
}

int
secinfo_answer_hash(const char *normalized, char hash[SECINFO_ANSWER_HASH_SIZE])
{
	if (crypto_pwhash_str(hash, normalized, strlen(normalized),
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		return SECINFO_ERR_NOMEM; /* libsodium fails here only when it cannot allocate */
	/* crypto_pwhash_str uses the default algorithm: make sure it is the one SPEC §6 names. */
	if (strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
		    strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0) {
		secinfo_wipe(hash, SECINFO_ANSWER_HASH_SIZE);
		return SECINFO_ERR_CRYPTO;
	}
	return 0;
}

int
secinfo_answer_verify(const char *hash, const char *normalized)
{
	/* Only Argon2id: a row rewritten to a cheaper algorithm is not accepted. */
	if (strlen(hash) >= SECINFO_ANSWER_HASH_SIZE ||
	    strncmp(hash, crypto_pwhash_argon2id_STRPREFIX,
		    strlen(crypto_pwhash_argon2id_STRPREFIX)) != 0)
		return SECINFO_ERR_WRONG;
	return crypto_pwhash_str_verify(hash, normalized, strlen(normalized)) == 0
		       ? 0
		       : SECINFO_ERR_WRONG;
}
