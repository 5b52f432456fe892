/* secinfo: security questions — question text rules, answer normalisation, Argon2id hashes. */
#ifndef SECINFO_QUESTIONS_H
#define SECINFO_QUESTIONS_H

#include <stddef.h>

/* Longest question text, in bytes. */
#define SECINFO_QUESTION_TEXT_MAX 500
/* Longest normalised answer, in bytes (with its NUL: SECINFO_ANSWER_MAX + 1). */
#define SECINFO_ANSWER_MAX 256
/* Size of a stored hash string with its NUL (crypto_pwhash_STRBYTES). */
#define SECINFO_ANSWER_HASH_SIZE 128

/*
 * Checks a question's text for 'question add': not empty or only white space, no control
 * characters (so it prints on one line and in a PAM prompt), at most SECINFO_QUESTION_TEXT_MAX
 * bytes. Returns 0, or SECINFO_ERR_INVALID with *why saying what is wrong.
 */
int secinfo_question_text_check(const char *text, const char **why);

/*
 * Normalises ANSWER into OUT (SIZE bytes): leading and trailing white space removed, each run
 * of inner white space (space, tab, CR, LF, VT, FF) made one space, ASCII letters folded to
 * lower case. Bytes of 0x80 and above (UTF-8) are kept as they are: folding them would depend
 * on the locale of the program that loaded the module. Returns 0, or SECINFO_ERR_INVALID when
 * the result does not fit (OUT is then wiped).
 */
int secinfo_answer_normalize(const char *answer, char *out, size_t size);

/*
 * Checks a normalised answer for registration: at least MIN_LENGTH characters (UTF-8 code
 * points), and not containing QUESTION (normalised the same way, its closing '?', '.', ':' or
 * '!' dropped). Returns 0, or SECINFO_ERR_INVALID with *why (static text, no answer in it).
 */
int secinfo_answer_check(const char *normalized, const char *question, unsigned min_length,
			 const char **why);

/* Hashes a normalised answer with Argon2id (crypto_pwhash_str, interactive limits) into HASH
 * ("$argon2id$..."). Returns 0, SECINFO_ERR_NOMEM or SECINFO_ERR_CRYPTO. */
int secinfo_answer_hash(const char *normalized, char hash[SECINFO_ANSWER_HASH_SIZE]);

/* Checks a normalised answer against a stored hash. Returns 0 (right), SECINFO_ERR_WRONG (wrong,
 * or a hash that is not a valid Argon2id string). */
int secinfo_answer_verify(const char *hash, const char *normalized)
	__attribute__((warn_unused_result));

#endif
