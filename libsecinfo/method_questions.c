/*
 * The security questions method (reset only, SPEC §4.3): the module asks [questions] ask of the
 * user's registered questions that are still active, in random order, and accepts only when
 * every answer is right, without saying which one was wrong.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "crypto.h"
#include "error.h"
#include "method.h"
#include "questions.h"

/* An answers file is a few short lines: anything bigger is not one. */
#define SECINFO_ANSWERS_FILE_MAX 65536

static void
secinfo_questions_describe(const struct secinfo_method *m, int full, char *out, size_t size)
{
	snprintf(out, size, full ? "the security questions" : "security questions");
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
secinfo_questions_ask_one(const struct secinfo_answer *a, const struct secinfo_method_io *io)
{
	char prompt[SECINFO_QUESTION_TEXT_MAX + 8], normalized[SECINFO_ANSWER_MAX + 1];
	size_t n = strlen(a->question);
	char *answer = NULL;
	int rc, right;

	/* "What was your first pet's name? " or "Your first school: " */
	snprintf(prompt, sizeof(prompt), "%s%s", a->question,
		 n > 0 && strchr("?:", a->question[n - 1]) != NULL ? " " : ": ");
	rc = io->ask(io->data, 1, prompt, &answer);
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
secinfo_questions_converse(const struct secinfo_method_ctx *ctx, const struct secinfo_method *m)
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
		rc = secinfo_questions_ask_one(&answers[i], ctx->io);
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

/* --- enrollment ---------------------------------------------------------------------------- */

/* What one enrollment works with: the active questions and the answers collected so far. */
struct secinfo_questions_enroll {
	const struct secinfo_enroll_request *request;
	struct secinfo_enrollment *out;
	const struct secinfo_question *questions; /* the active ones */
	size_t n_questions;
};

/* Finds active question ID. Returns it, or NULL. */
static const struct secinfo_question *
secinfo_questions_find(const struct secinfo_questions_enroll *e, long long id)
{
	for (size_t i = 0; i < e->n_questions; i++)
		if (e->questions[i].id == id)
			return &e->questions[i];
	return NULL;
}

/* Normalises, checks and hashes RAW as the answer to Q (WHERE names it in messages), and
 * appends the hash. Returns 0 or an error with the request's why. */
static int
secinfo_questions_answer_add(struct secinfo_questions_enroll *e, const struct secinfo_question *q,
			     const char *raw, const char *where)
{
	const struct secinfo_enroll_request *request = e->request;
	struct secinfo_enrollment *out = e->out;
	unsigned min_length = request->conf->questions_min_answer_length;
	char normalized[SECINFO_ANSWER_MAX + 1];
	const char *why = "";
	int rc;

	for (size_t i = 0; i < out->n_answers; i++)
		if (out->question_id[i] == q->id)
			return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID,
						     "%s: question %lld is answered twice", where,
						     q->id);
	if (out->n_answers >= SECINFO_ENROLL_ANSWERS_MAX)
		return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID, "%s: too many answers",
					     where);
	if (secinfo_answer_normalize(raw, normalized, sizeof(normalized)) != 0)
		return secinfo_enroll_refuse(request, SECINFO_ERR_INVALID,
					     "%s: the answer to question %lld is longer than %d "
					     "bytes",
					     where, q->id, SECINFO_ANSWER_MAX);
	rc = secinfo_answer_check(normalized, q->text, min_length, &why);
	if (rc == 0)
		rc = secinfo_answer_hash(normalized, out->hash[out->n_answers]);
	secinfo_wipe(normalized, sizeof(normalized));
	if (rc == SECINFO_ERR_INVALID)
		return secinfo_enroll_refuse(request, rc,
					     "%s: the answer to question %lld is refused: %s; an "
					     "answer has at least %u characters and does not "
					     "contain the question",
					     where, q->id, why, min_length);
	if (rc != 0)
		return secinfo_enroll_refuse(request, rc, "%s: cannot hash the answer: %s", where,
					     secinfo_strerror(rc));
	out->question_id[out->n_answers++] = q->id;
	return 0;
}

/* Asks the first WANT active questions. */
static int
secinfo_questions_enroll_ask(struct secinfo_questions_enroll *e, size_t want)
{
	const struct secinfo_method_io *io = e->request->io;
	char prompt[SECINFO_QUESTION_TEXT_MAX + 32], where[32];
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < want; i++) {
		const struct secinfo_question *q = &e->questions[i];
		char *answer = NULL;

		snprintf(prompt, sizeof(prompt), "(%zu/%zu) %s ", i + 1, want, q->text);
		snprintf(where, sizeof(where), "answer %zu", i + 1);
		rc = io->ask(io->data, 1, prompt, &answer);
		if (rc != 0 || answer == NULL)
			rc = secinfo_enroll_refuse(e->request, rc != 0 ? rc : SECINFO_ERR_CONV,
						   "no answer to question %lld (end of input or a "
						   "line too long); nothing added",
						   q->id);
		else
			rc = secinfo_questions_answer_add(e, q, answer, where);
		if (answer != NULL) {
			secinfo_wipe(answer, strlen(answer));
			free(answer);
		}
	}
	return rc;
}

/* Opens an administrator's answers file: no symlink, a regular file of sensible size (a FIFO
 * would hang, a device is not a file). Returns the stream, or NULL with the request's why. */
static FILE *
secinfo_questions_file_open(const struct secinfo_enroll_request *request, const char *path)
{
	struct stat st;
	FILE *f = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		secinfo_enroll_refuse(request, SECINFO_ERR_IO,
				      "cannot open the answers file %s: %s", path,
				      errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		secinfo_enroll_refuse(request, SECINFO_ERR_IO,
				      "the answers file %s is not a regular file", path);
	else if (st.st_size > SECINFO_ANSWERS_FILE_MAX)
		secinfo_enroll_refuse(request, SECINFO_ERR_IO, "the answers file %s is too big",
				      path);
	else if ((f = fdopen(fd, "r")) == NULL)
		secinfo_enroll_refuse(request, SECINFO_ERR_IO,
				      "cannot read the answers file %s: %s", path, strerror(errno));
	if (f == NULL)
		close(fd);
	return f;
}

/* Parses one "QUESTION_ID<TAB>ANSWER" line (newline removed) and adds its answer. */
static int
secinfo_questions_file_line(struct secinfo_questions_enroll *e, char *line, const char *where)
{
	const struct secinfo_question *q;
	char *tab = strchr(line, '\t');
	long long id = 0;

	if (tab == NULL)
		return secinfo_enroll_refuse(e->request, SECINFO_ERR_INVALID,
					     "%s: expected QUESTION_ID<TAB>ANSWER", where);
	*tab = '\0';
	/* Never echo what is there: it may be an answer (columns swapped, a stray tab). */
	if (secinfo_id_parse(line, &id) != 0)
		return secinfo_enroll_refuse(e->request, SECINFO_ERR_INVALID,
					     "%s: the line does not start with a question id; "
					     "expected QUESTION_ID<TAB>ANSWER ('secinfo-admin "
					     "question list' shows the ids)",
					     where);
	q = secinfo_questions_find(e, id);
	if (q == NULL)
		return secinfo_enroll_refuse(e->request, SECINFO_ERR_NOT_FOUND,
					     "%s: question %lld does not exist or is retired; "
					     "'secinfo-admin question list' shows the questions",
					     where, id);
	return secinfo_questions_answer_add(e, q, tab + 1, where);
}

/* Reads the answers file: exactly WANT lines for distinct active questions (blank lines are
 * skipped). */
static int
secinfo_questions_enroll_file(struct secinfo_questions_enroll *e, const char *path, size_t want)
{
	/* stdio's buffer holds the answers in clear: ours, so that it can be wiped. */
	char buffer[BUFSIZ];
	char *line = NULL, where[4096 + 32];
	size_t size = 0, number = 0;
	ssize_t len;
	FILE *f;
	int rc = 0;

	f = secinfo_questions_file_open(e->request, path);
	if (f == NULL)
		return SECINFO_ERR_IO;
	setvbuf(f, buffer, _IOFBF, sizeof(buffer));
	while (rc == 0 && (len = getline(&line, &size, f)) >= 0) {
		number++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		snprintf(where, sizeof(where), "%s:%zu", path, number);
		rc = secinfo_questions_file_line(e, line, where);
		secinfo_wipe(line, size);
	}
	if (rc == 0 && ferror(f))
		rc = secinfo_enroll_refuse(e->request, SECINFO_ERR_IO,
					   "cannot read the answers file %s", path);
	if (rc == 0 && e->out->n_answers != want)
		rc = secinfo_enroll_refuse(e->request, SECINFO_ERR_INVALID,
					   "the answers file %s answers %zu questions; [questions] "
					   "register asks for %zu",
					   path, e->out->n_answers, want);
	if (line != NULL)
		secinfo_wipe(line, size);
	free(line);
	fclose(f);
	secinfo_wipe(buffer, sizeof(buffer));
	return rc;
}

/* Refuses before asking anything when the user already has questions. */
static int
secinfo_questions_absent(const struct secinfo_enroll_request *request)
{
	struct secinfo_user *user = NULL;
	long long existing;
	int rc = secinfo_store_user_get(request->store, request->user, &user);

	if (rc == SECINFO_ERR_NOT_FOUND)
		return 0;
	if (rc != 0)
		return secinfo_enroll_refuse(request, rc, "cannot read user '%s': %s",
					     request->user, secinfo_strerror(rc));
	existing = secinfo_user_method_find(user, SECINFO_KIND_QUESTIONS, NULL);
	secinfo_user_free(user);
	if (existing != 0)
		return secinfo_enroll_refuse(request, SECINFO_ERR_EXISTS,
					     "%s already has security questions (method id %lld); "
					     "delete them with 'secinfo-admin method delete %s "
					     "questions' and add them again; nothing added",
					     request->user, existing, request->user);
	return 0;
}

/* The answers to [questions] register of the active questions, asked or from a file, checked
 * and hashed; nothing but the hashes is kept. */
static int
secinfo_questions_enroll(const struct secinfo_enroll_request *request,
			 struct secinfo_enrollment *out)
{
	struct secinfo_questions_enroll e = {.request = request, .out = out};
	struct secinfo_question *active = NULL;
	size_t n = 0, want = request->conf->questions_register;
	int rc;

	if (request->store == NULL)
		return secinfo_enroll_refuse(request, SECINFO_ERR_INTERNAL, "no database");
	rc = secinfo_questions_absent(request);
	if (rc != 0)
		return rc;
	rc = secinfo_store_questions_get(request->store, 1, &active, &n);
	if (rc != 0)
		return secinfo_enroll_refuse(request, rc, "cannot read the questions: %s",
					     secinfo_strerror(rc));
	e.questions = active;
	e.n_questions = n;
	if (n < want || want > SECINFO_ENROLL_ANSWERS_MAX)
		rc = secinfo_enroll_refuse(
			request, SECINFO_ERR_INVALID,
			"there are %zu active security questions and [questions] "
			"register asks for %zu; add questions with "
			"'secinfo-admin question add TEXT'; nothing added",
			n, want);
	else if ((request->options & SECINFO_ENROLL_ANSWERS_FILE) && request->answers_file != NULL)
		rc = secinfo_questions_enroll_file(&e, request->answers_file, want);
	else
		rc = secinfo_questions_enroll_ask(&e, want);
	secinfo_questions_free(active, n);
	return rc;
}

/* Security questions prove a reset only: never a second factor (SPEC 2). */
const struct secinfo_method_ops secinfo_method_questions = {
	.kind = SECINFO_KIND_QUESTIONS,
	.name = "questions",
	.noun = "security questions",
	.purposes = SECINFO_PURPOSE_RESET,
	.detail_form = SECINFO_DETAIL_NONE,
	.one_per_user = 1,
	.enroll_options = SECINFO_ENROLL_ANSWERS_FILE,
	.channel = -1,
	.prompt = "Answer: ", /* not used: converse prompts with each question */
	.wrong = "Not all answers were right; try again.",
	.describe = secinfo_questions_describe,
	.enroll = secinfo_questions_enroll,
	.challenge = secinfo_questions_challenge,
	.converse = secinfo_questions_converse,
	.verify = secinfo_questions_verify,
};
