/*
 * The security questions method (reset only, SPEC §4.3): the module asks [questions] ask of the
 * user's registered questions that are still active, in random order, and accepts only when
 * every answer is right, without saying which one was wrong.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "crypto.h"
#include "error.h"
#include "method.h"
#include "questions.h"

static void
secinfo_questions_describe(const struct secinfo_method *m, char *out, size_t size)
{
	snprintf(out, size, "security questions");
}

static int
secinfo_questions_challenge(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
			    char *info, size_t info_size)
{
	return 0; /* nothing to send: converse asks the questions */
}

/* One answer never proves this method: only converse, with all the questions, can. */
static int
secinfo_questions_verify(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
			 const char *answer)
{
	return SECINFO_ERR_WRONG;
}

/* Moves COUNT randomly chosen answers to the front of ANSWERS, in random order (the first
 * COUNT steps of a Fisher-Yates shuffle). */
static void
secinfo_questions_pick(struct secinfo_answer *answers, size_t n, size_t count)
{
	for (size_t i = 0; i < count && i + 1 < n; i++) {
		size_t j = i + randombytes_uniform((uint32_t)(n - i));
		struct secinfo_answer tmp = answers[i];

		answers[i] = answers[j];
		answers[j] = tmp;
	}
}

/* Asks one question and checks the answer. Returns 0 (right), SECINFO_ERR_WRONG, or the error
 * of a failed conversation. */
static int
secinfo_questions_ask_one(const struct secinfo_answer *a,
			  int (*ask)(void *conv, int echo, const char *prompt, char **answer),
			  void *conv)
{
	char prompt[SECINFO_QUESTION_TEXT_MAX + 8], normalized[SECINFO_ANSWER_MAX + 1];
	size_t n = strlen(a->question);
	char *answer = NULL;
	int rc, right;

	/* "What was your first pet's name? " or "Your first school: " */
	snprintf(prompt, sizeof(prompt), "%s%s", a->question,
		 n > 0 && strchr("?:", a->question[n - 1]) != NULL ? " " : ": ");
	rc = ask(conv, 1, prompt, &answer);
	if (rc != 0 || answer == NULL) {
		rc = rc != 0 ? rc : SECINFO_ERR_CONV;
		goto out;
	}
	/* An answer too long to be right still costs one hash, like any other. */
	right = secinfo_answer_normalize(answer, normalized, sizeof(normalized)) == 0;
	if (!right)
		normalized[0] = '\0';
	rc = secinfo_answer_verify(a->hash, normalized) == 0 && right ? 0 : SECINFO_ERR_WRONG;
out:
	if (answer != NULL) {
		secinfo_wipe(answer, strlen(answer));
		free(answer);
	}
	secinfo_wipe(normalized, sizeof(normalized));
	return rc;
}

/*
 * Asks the questions. With fewer active answered questions than [questions] ask (questions
 * retired since the user registered) the method cannot prove anything: SECINFO_ERR_WRONG
 * without a prompt, so the flow moves on like after any failure; 'secinfo-admin user show'
 * and the audit trail tell the administrator, and the user registers again. The decoy path
 * (no STORE) gets SECINFO_ERR_WRONG too.
 */
static int
secinfo_questions_converse(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m,
			   int (*ask)(void *conv, int echo, const char *prompt, char **answer),
			   void *conv)
{
	struct secinfo_answer *answers = NULL;
	size_t n = 0, count = ctx->conf->questions_ask;
	int rc, wrong = 0;

	if (ctx->store == NULL || count == 0)
		return SECINFO_ERR_WRONG;
	rc = secinfo_store_answers_get(ctx->store, m->id, &answers, &n);
	if (rc != 0)
		return rc;
	if (n < count) {
		rc = SECINFO_ERR_WRONG;
		goto out;
	}
	secinfo_questions_pick(answers, n, count);
	/* Every question is asked and checked even after a wrong answer: the same prompts and the
	 * same work whichever answer was wrong. */
	for (size_t i = 0; i < count; i++) {
		rc = secinfo_questions_ask_one(&answers[i], ask, conv);
		if (rc == SECINFO_ERR_WRONG)
			wrong = 1;
		else if (rc != 0)
			goto out;
	}
	rc = wrong ? SECINFO_ERR_WRONG : 0;
out:
	secinfo_answers_free(answers, n);
	return rc;
}

const struct secinfo_method_ops secinfo_method_questions = {
	.kind = SECINFO_KIND_QUESTIONS,
	.prompt = "Answer: ", /* not used: converse prompts with each question */
	.describe = secinfo_questions_describe,
	.challenge = secinfo_questions_challenge,
	.converse = secinfo_questions_converse,
	.verify = secinfo_questions_verify,
};
