/*
 * secinfo-admin question add|list|retire: the organisation's security questions; and
 * method add USER questions: a user's answers, read from standard input or --answers-file,
 * normalised, checked and stored only as Argon2id hashes (SPEC §6, §7).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "admin.h"
#include "crypto.h"
#include "error.h"
#include "json.h"
#include "kind.h"
#include "questions.h"

/* An answers file is a few short lines: anything bigger is not one. */
#define SECINFO_ADMIN_ANSWERS_FILE_MAX 65536
/* Longest line read for one answer before normalisation. */
#define SECINFO_ADMIN_ANSWER_LINE 1024
/* [questions] register is at most 5 (conf.c); room for more costs nothing. */
#define SECINFO_ADMIN_ANSWERS_MAX 16

/* Parses a positive decimal id. Returns 0 and *id, or -1. */
static int
secinfo_admin_id_parse(const char *text, long long *id)
{
	char *end = NULL;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	*id = strtoll(text, &end, 10);
	return errno == 0 && end != NULL && *end == '\0' && *id > 0 ? 0 : -1;
}

int
secinfo_admin_cmd_question_add(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	const char *text = args->words[0], *why = "";
	struct secinfo_question *active = NULL;
	char a[SECINFO_QUESTION_TEXT_MAX + 1], b[SECINFO_QUESTION_TEXT_MAX + 1];
	size_t n = 0;
	long long id = 0, same = 0;
	int rc;

	if (secinfo_question_text_check(text, &why) != 0)
		return secinfo_admin_fail("cannot add the question: %s", why);
	rc = secinfo_admin_open(admin);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_store_questions_get(admin->store, 1, &active, &n);
	/* The same question twice (up to case and spacing) would be asked twice. */
	for (size_t i = 0; rc == 0 && i < n && same == 0; i++)
		if (secinfo_answer_normalize(text, a, sizeof(a)) == 0 &&
		    secinfo_answer_normalize(active[i].text, b, sizeof(b)) == 0 &&
		    strcmp(a, b) == 0)
			same = active[i].id;
	if (rc == 0 && same != 0)
		rc = SECINFO_ERR_EXISTS;
	if (rc == 0)
		rc = secinfo_store_question_add(admin->store, text, &id);
	secinfo_questions_free(active, n);
	rc = secinfo_admin_end(admin, rc, "", "questions", "question-add");
	if (rc == SECINFO_ERR_EXISTS)
		return secinfo_admin_fail("question %lld already asks this; nothing added", same);
	if (rc != 0)
		return secinfo_admin_fail("cannot add the question: %s; nothing added",
					  secinfo_strerror(rc));
	printf("%lld\n", id); /* only the id, for scripts: id=$(secinfo-admin question add ...) */
	return SECINFO_ADMIN_OK;
}

int
secinfo_admin_cmd_question_list(struct secinfo_admin *admin, const struct secinfo_admin_args *args)
{
	static const char *const headings[] = {"ID", "ACTIVE", "QUESTION"};
	struct secinfo_question *list = NULL;
	struct secinfo_admin_table table;
	size_t n = 0;
	char id[32];
	int rc;

	rc = secinfo_admin_open(admin);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	rc = secinfo_store_questions_get(admin->store, 0, &list, &n);
	if (rc != 0)
		return secinfo_admin_fail("cannot read the questions: %s", secinfo_strerror(rc));
	if (args->options & SECINFO_OPT_JSON) {
		fputc('[', stdout);
		for (size_t i = 0; i < n; i++) {
			printf("%s{\"id\": %lld, ", i == 0 ? "\n  " : ",\n  ", list[i].id);
			secinfo_json_key(stdout, "text");
			secinfo_json_string(stdout, list[i].text);
			printf(", \"active\": %s}", list[i].active ? "true" : "false");
		}
		fputs(n > 0 ? "\n]\n" : "]\n", stdout);
	} else if (n == 0) {
		printf("No security questions; add them with 'secinfo-admin question add TEXT'.\n");
	} else {
		secinfo_admin_table_init(&table, 3, headings);
		for (size_t i = 0; i < n; i++) {
			snprintf(id, sizeof(id), "%lld", list[i].id);
			secinfo_admin_table_add(
				&table,
				(const char *const[]){id, list[i].active ? "yes" : "retired",
						      list[i].text});
		}
		rc = secinfo_admin_table_print(&table, stdout);
		secinfo_admin_table_free(&table);
	}
	secinfo_questions_free(list, n);
	return rc == 0 ? SECINFO_ADMIN_OK : secinfo_admin_fail("out of memory");
}

int
secinfo_admin_cmd_question_retire(struct secinfo_admin *admin,
				  const struct secinfo_admin_args *args)
{
	long long id = 0;
	int rc;

	if (secinfo_admin_id_parse(args->words[0], &id) != 0)
		return secinfo_admin_usage_fail("ID '%s' is not a question id", args->words[0]);
	rc = secinfo_admin_open(admin);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	rc = secinfo_store_begin(admin->store);
	if (rc == 0)
		rc = secinfo_store_question_retire(admin->store, id);
	rc = secinfo_admin_end(admin, rc, "", "questions", "question-retire");
	if (rc == SECINFO_ERR_NOT_FOUND)
		return secinfo_admin_fail(
			"there is no question with id %lld; 'secinfo-admin question "
			"list' shows them",
			id);
	if (rc != 0)
		return secinfo_admin_fail("cannot retire question %lld: %s", id,
					  secinfo_strerror(rc));
	printf("Retired question %lld: it is no longer asked or offered, and answers to it no "
	       "longer count.\n",
	       id);
	return SECINFO_ADMIN_OK;
}

/* --- method add USER questions ----------------------------------------------------------- */

/* The answers collected for one registration: hashes only, never the text. */
struct secinfo_admin_answers {
	const struct secinfo_question *questions; /* the active ones */
	size_t n_questions;
	unsigned min_length;
	size_t count;
	long long question_id[SECINFO_ADMIN_ANSWERS_MAX];
	char hash[SECINFO_ADMIN_ANSWERS_MAX][SECINFO_ANSWER_HASH_SIZE];
};

/* Finds active question ID. Returns it, or NULL. */
static const struct secinfo_question *
secinfo_admin_question_find(const struct secinfo_admin_answers *answers, long long id)
{
	for (size_t i = 0; i < answers->n_questions; i++)
		if (answers->questions[i].id == id)
			return &answers->questions[i];
	return NULL;
}

/* Normalises, checks and hashes RAW as the answer to Q (WHERE names it in messages), and
 * appends the hash. Returns SECINFO_ADMIN_OK or _FAILED. */
static int
secinfo_admin_answer_add(struct secinfo_admin_answers *answers, const struct secinfo_question *q,
			 const char *raw, const char *where)
{
	char normalized[SECINFO_ANSWER_MAX + 1];
	const char *why = "";
	int rc;

	for (size_t i = 0; i < answers->count; i++)
		if (answers->question_id[i] == q->id)
			return secinfo_admin_fail("%s: question %lld is answered twice", where,
						  q->id);
	if (answers->count >= SECINFO_ADMIN_ANSWERS_MAX)
		return secinfo_admin_fail("%s: too many answers", where);
	if (secinfo_answer_normalize(raw, normalized, sizeof(normalized)) != 0)
		return secinfo_admin_fail("%s: the answer to question %lld is longer than %d bytes",
					  where, q->id, SECINFO_ANSWER_MAX);
	rc = secinfo_answer_check(normalized, q->text, answers->min_length, &why);
	if (rc == 0)
		rc = secinfo_answer_hash(normalized, answers->hash[answers->count]);
	secinfo_wipe(normalized, sizeof(normalized));
	if (rc == SECINFO_ERR_INVALID)
		return secinfo_admin_fail(
			"%s: the answer to question %lld is refused: %s; an answer has at "
			"least %u characters and does not contain the question",
			where, q->id, why, answers->min_length);
	if (rc != 0)
		return secinfo_admin_fail("%s: cannot hash the answer: %s", where,
					  secinfo_strerror(rc));
	answers->question_id[answers->count++] = q->id;
	return SECINFO_ADMIN_OK;
}

/* Asks the first WANT active questions on standard input. Returns SECINFO_ADMIN_*. */
static int
secinfo_admin_answers_ask(struct secinfo_admin_answers *answers, size_t want)
{
	char line[SECINFO_ADMIN_ANSWER_LINE], prompt[SECINFO_QUESTION_TEXT_MAX + 32], where[32];
	int rc = SECINFO_ADMIN_OK;

	for (size_t i = 0; rc == SECINFO_ADMIN_OK && i < want; i++) {
		const struct secinfo_question *q = &answers->questions[i];

		snprintf(prompt, sizeof(prompt), "(%zu/%zu) %s ", i + 1, want, q->text);
		snprintf(where, sizeof(where), "answer %zu", i + 1);
		if (secinfo_admin_ask(prompt, line, sizeof(line)) != 0)
			rc = secinfo_admin_fail(
				"no answer to question %lld (end of input or a line "
				"too long); nothing added",
				q->id);
		else
			rc = secinfo_admin_answer_add(answers, q, line, where);
		secinfo_wipe(line, sizeof(line));
	}
	return rc;
}

/* Opens an administrator's answers file: no symlink, a regular file of sensible size (a FIFO
 * would hang, a device is not a file). Returns the stream, or NULL with the reason printed. */
static FILE *
secinfo_admin_answers_open(const char *path)
{
	struct stat st;
	FILE *f = NULL;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		secinfo_admin_fail("cannot open the answers file %s: %s", path,
				   errno == ELOOP ? "it is a symbolic link" : strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		secinfo_admin_fail("the answers file %s is not a regular file", path);
	else if (st.st_size > SECINFO_ADMIN_ANSWERS_FILE_MAX)
		secinfo_admin_fail("the answers file %s is too big", path);
	else if ((f = fdopen(fd, "r")) == NULL)
		secinfo_admin_fail("cannot read the answers file %s: %s", path, strerror(errno));
	if (f == NULL)
		close(fd);
	return f;
}

/* Parses one "QUESTION_ID<TAB>ANSWER" line (newline removed) and adds its answer. */
static int
secinfo_admin_answers_line(struct secinfo_admin_answers *answers, char *line, const char *where)
{
	const struct secinfo_question *q;
	char *tab = strchr(line, '\t');
	long long id = 0;

	if (tab == NULL)
		return secinfo_admin_fail("%s: expected QUESTION_ID<TAB>ANSWER", where);
	*tab = '\0';
	if (secinfo_admin_id_parse(line, &id) != 0)
		return secinfo_admin_fail("%s: '%s' is not a question id", where, line);
	q = secinfo_admin_question_find(answers, id);
	if (q == NULL)
		return secinfo_admin_fail("%s: question %lld does not exist or is retired; "
					  "'secinfo-admin question list' shows the questions",
					  where, id);
	return secinfo_admin_answer_add(answers, q, tab + 1, where);
}

/* Reads --answers-file: exactly WANT lines for distinct active questions (blank lines are
 * skipped). Returns SECINFO_ADMIN_*. */
static int
secinfo_admin_answers_read(struct secinfo_admin_answers *answers, const char *path, size_t want)
{
	char *line = NULL, where[4096 + 32];
	size_t size = 0, number = 0;
	ssize_t len;
	FILE *f;
	int rc = SECINFO_ADMIN_OK;

	f = secinfo_admin_answers_open(path);
	if (f == NULL)
		return SECINFO_ADMIN_FAILED;
	while (rc == SECINFO_ADMIN_OK && (len = getline(&line, &size, f)) >= 0) {
		number++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		snprintf(where, sizeof(where), "%s:%zu", path, number);
		rc = secinfo_admin_answers_line(answers, line, where);
		secinfo_wipe(line, size);
	}
	if (rc == SECINFO_ADMIN_OK && ferror(f))
		rc = secinfo_admin_fail("cannot read the answers file %s", path);
	if (rc == SECINFO_ADMIN_OK && answers->count != want)
		rc = secinfo_admin_fail("the answers file %s answers %zu questions; [questions] "
					"register asks for %zu",
					path, answers->count, want);
	if (line != NULL)
		secinfo_wipe(line, size);
	free(line);
	fclose(f);
	return rc;
}

/* Returns the id of USER's questions method, or 0. */
static long long
secinfo_admin_questions_method(const struct secinfo_user *user)
{
	for (size_t i = 0; user != NULL && i < user->n_methods; i++)
		if (user->methods[i].kind == SECINFO_KIND_QUESTIONS)
			return user->methods[i].id;
	return 0;
}

/* Stores the questions method of NAME with its answers and the audit row in one transaction;
 * *existing gets the id of a questions method NAME already has. Returns 0 or SECINFO_ERR_*. */
static int
secinfo_admin_answers_store(struct secinfo_admin *admin, const char *name,
			    const struct secinfo_admin_answers *answers, long long *id,
			    long long *existing)
{
	struct secinfo_user *user = NULL;
	int rc;

	rc = secinfo_store_begin(admin->store);
	if (rc == 0) {
		rc = secinfo_store_user_get(admin->store, name, &user);
		if (rc == SECINFO_ERR_NOT_FOUND)
			rc = 0;
	}
	if (rc == 0 && (*existing = secinfo_admin_questions_method(user)) != 0)
		rc = SECINFO_ERR_EXISTS;
	if (rc == 0)
		rc = secinfo_store_method_add(admin->store, name, SECINFO_KIND_QUESTIONS, NULL,
					      NULL, 0, NULL, admin->now, id);
	/* A question retired since it was asked is refused here (NOT_FOUND). */
	for (size_t i = 0; rc == 0 && i < answers->count; i++)
		rc = secinfo_store_answer_add(admin->store, *id, answers->question_id[i],
					      answers->hash[i]);
	secinfo_user_free(user);
	return secinfo_admin_end(admin, rc, name, "questions", "method-add");
}

/* Refuses before asking anything when NAME already has questions. Returns SECINFO_ADMIN_*. */
static int
secinfo_admin_questions_absent(struct secinfo_admin *admin, const char *name)
{
	struct secinfo_user *user = NULL;
	long long existing;
	int rc = secinfo_store_user_get(admin->store, name, &user);

	if (rc == SECINFO_ERR_NOT_FOUND)
		return SECINFO_ADMIN_OK;
	if (rc != 0)
		return secinfo_admin_fail("cannot read user '%s': %s", name, secinfo_strerror(rc));
	existing = secinfo_admin_questions_method(user);
	secinfo_user_free(user);
	if (existing != 0)
		return secinfo_admin_fail("%s already has security questions (method id %lld); "
					  "delete them with 'secinfo-admin method delete %s "
					  "questions' and add them again; nothing added",
					  name, existing, name);
	return SECINFO_ADMIN_OK;
}

int
secinfo_admin_method_add_questions(struct secinfo_admin *admin,
				   const struct secinfo_admin_args *args)
{
	const char *name = args->words[0];
	struct secinfo_question *active = NULL;
	struct secinfo_admin_answers *answers = NULL;
	size_t n = 0, want = admin->conf->questions_register;
	long long id = 0, existing = 0;
	int rc;

	rc = secinfo_admin_questions_absent(admin, name);
	if (rc != SECINFO_ADMIN_OK)
		return rc;
	rc = secinfo_store_questions_get(admin->store, 1, &active, &n);
	if (rc != 0)
		return secinfo_admin_fail("cannot read the questions: %s", secinfo_strerror(rc));
	if (n < want || want > SECINFO_ADMIN_ANSWERS_MAX) {
		rc = secinfo_admin_fail("there are %zu active security questions and [questions] "
					"register asks for %zu; add questions with 'secinfo-admin "
					"question add TEXT'; nothing added",
					n, want);
		goto out;
	}
	answers = calloc(1, sizeof(*answers));
	if (answers == NULL) {
		rc = secinfo_admin_fail("out of memory");
		goto out;
	}
	answers->questions = active;
	answers->n_questions = n;
	answers->min_length = admin->conf->questions_min_answer_length;
	if (args->answers_file != NULL)
		rc = secinfo_admin_answers_read(answers, args->answers_file, want);
	else
		rc = secinfo_admin_answers_ask(answers, want);
	if (rc != SECINFO_ADMIN_OK)
		goto out;
	rc = secinfo_admin_answers_store(admin, name, answers, &id, &existing);
	if (rc == SECINFO_ERR_EXISTS)
		rc = secinfo_admin_fail("%s already has security questions (method id %lld); "
					"nothing added",
					name, existing);
	else if (rc == SECINFO_ERR_NOT_FOUND)
		rc = secinfo_admin_fail("a question was retired meanwhile; nothing added");
	else if (rc != 0)
		rc = secinfo_admin_fail("cannot add the method: %s; nothing added",
					secinfo_strerror(rc));
	else
		printf("Added the security questions for %s (%zu answers): method id %lld.\n"
		       "They can only be used for password reset, so they are never the default.\n",
		       name, answers->count, id);
out:
	if (answers != NULL)
		secinfo_wipe(answers, sizeof(*answers));
	free(answers);
	secinfo_questions_free(active, n);
	return rc;
}
