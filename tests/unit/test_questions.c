/*
 * Unit tests for questions.c (normalisation, the answer rules, Argon2id hashes) and
 * method_questions.c (the converse operation against a real store: random choice of the
 * active questions, every answer checked, nothing said about which was wrong). Linked with
 * the test build of libsecinfo, whose store also trusts the files of the user running it.
 */
#include "config.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "conf.h"
#include "crypto.h"
#include "error.h"
#include "method.h"
#include "questions.h"
#include "safefile.h"
#include "store.h"

static char dir[64] = "";

static void
test_normalize(void)
{
	char out[SECINFO_ANSWER_MAX + 1], tiny[4];
	char long_answer[SECINFO_ANSWER_MAX + 2];

	CHECK_INT(secinfo_answer_normalize("  Rex  the\tDog ", out, sizeof(out)), 0, "normalises");
	CHECK_STR(out, "rex the dog", "trimmed, whitespace collapsed, case-folded");
	CHECK_INT(secinfo_answer_normalize("\r\n\v\fA\n\nB\r\n", out, sizeof(out)), 0, "CR LF");
	CHECK_STR(out, "a b", "every kind of white space counts");
	CHECK_INT(secinfo_answer_normalize("   ", out, sizeof(out)), 0, "blank");
	CHECK_STR(out, "", "only white space becomes empty");
	CHECK_INT(secinfo_answer_normalize("Ünïcode ÉCOLE", out, sizeof(out)), 0, "UTF-8");
	CHECK_STR(out, "Ünïcode École", "only ASCII letters are folded; UTF-8 bytes kept");
	CHECK_INT(secinfo_answer_normalize("abc", tiny, sizeof(tiny)), 0, "exactly fits");
	CHECK_STR(tiny, "abc", "three letters in four bytes");
	CHECK_INT(secinfo_answer_normalize("abcd", tiny, sizeof(tiny)), SECINFO_ERR_INVALID,
		  "too long for the buffer is refused");
	CHECK_INT(secinfo_answer_normalize("ab  ", tiny, sizeof(tiny)), 0, "trailing space");
	CHECK_STR(tiny, "ab", "trailing space never counts against the size");
	memset(long_answer, 'x', sizeof(long_answer) - 1);
	long_answer[sizeof(long_answer) - 1] = '\0';
	CHECK_INT(secinfo_answer_normalize(long_answer, out, sizeof(out)), SECINFO_ERR_INVALID,
		  "an answer longer than SECINFO_ANSWER_MAX is refused");
}

static void
test_rules(void)
{
	const char *why = NULL;

	CHECK_INT(secinfo_answer_check("ab", "Pet?", 3, &why), SECINFO_ERR_INVALID,
		  "two characters with min_answer_length 3 refused");
	CHECK(why != NULL && strstr(why, "short") != NULL, "and it says too short");
	CHECK_INT(secinfo_answer_check("abc", "Pet?", 3, &why), 0, "three characters accepted");
	CHECK_INT(secinfo_answer_check("éé", "Pet?", 3, &why), SECINFO_ERR_INVALID,
		  "length counts characters, not UTF-8 bytes");
	CHECK_INT(secinfo_answer_check("ééé", "Pet?", 3, &why), 0, "three UTF-8 characters");
	CHECK_INT(secinfo_answer_check("my first pet's name is rex",
				       "What is  your FIRST pet's name?", 3, &why),
		  0, "an answer sharing words with the question is fine");
	CHECK_INT(secinfo_answer_check("what is your first pet's name rex",
				       "What is  your FIRST pet's name?", 3, &why),
		  SECINFO_ERR_INVALID, "an answer containing the question is refused");
	CHECK(why != NULL && strstr(why, "question") != NULL, "and it says so");
	CHECK_INT(secinfo_answer_check("first school", "First school:", 3, &why),
		  SECINFO_ERR_INVALID, "the question itself as the answer is refused");

	CHECK_INT(secinfo_question_text_check("What was your first car?", &why), 0, "question ok");
	CHECK_INT(secinfo_question_text_check("", &why), SECINFO_ERR_INVALID, "empty refused");
	CHECK_INT(secinfo_question_text_check("   ", &why), SECINFO_ERR_INVALID, "blank refused");
	CHECK_INT(secinfo_question_text_check("a\tb", &why), SECINFO_ERR_INVALID, "tab refused");
	CHECK_INT(secinfo_question_text_check("a\nb", &why), SECINFO_ERR_INVALID,
		  "newline refused");
	CHECK_INT(secinfo_question_text_check("a\x7f", &why), SECINFO_ERR_INVALID, "DEL refused");
}

static void
test_hash(void)
{
	char hash[SECINFO_ANSWER_HASH_SIZE], other[SECINFO_ANSWER_HASH_SIZE];

	if (!CHECK_INT(secinfo_answer_hash("rex the dog", hash), 0, "hashes"))
		return;
	CHECK(strncmp(hash, "$argon2id$", 10) == 0, "the hash is an Argon2id string (%.24s...)",
	      hash);
	CHECK(strstr(hash, "rex") == NULL, "the hash does not hold the answer");
	CHECK_INT(secinfo_answer_verify(hash, "rex the dog"), 0, "right answer verifies");
	CHECK_INT(secinfo_answer_verify(hash, "rex the cat"), SECINFO_ERR_WRONG, "wrong refused");
	CHECK_INT(secinfo_answer_verify(hash, "Rex the dog"), SECINFO_ERR_WRONG,
		  "verify takes the normalised answer");
	CHECK_INT(secinfo_answer_hash("rex the dog", other), 0, "hashes again");
	CHECK(strcmp(hash, other) != 0, "each hash has its own salt");
	CHECK_INT(secinfo_answer_verify("$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA", "x"),
		  SECINFO_ERR_WRONG, "a non-Argon2id hash is never accepted");
	CHECK_INT(secinfo_answer_verify("", ""), SECINFO_ERR_WRONG, "an empty hash is wrong");
}

/* The scripted conversation: answers by question text, and what was asked. */
struct script {
	const char *right[8][2]; /* question text, answer */
	const char *wrong_for;   /* this question gets a wrong answer */
	int fail;                /* the conversation fails (NULL reply) */
	unsigned asked;
	char prompts[8][128];
};

static int
script_ask(void *conv, int echo, const char *prompt, char **answer)
{
	struct script *s = conv;
	const char *reply = "no such question";

	*answer = NULL;
	if (s->fail)
		return SECINFO_ERR_CONV;
	if (s->asked < 8)
		snprintf(s->prompts[s->asked], sizeof(s->prompts[0]), "%s", prompt);
	s->asked++;
	CHECK(echo == 1, "questions are asked with echo on");
	for (int i = 0; i < 8 && s->right[i][0] != NULL; i++)
		if (strncmp(prompt, s->right[i][0], strlen(s->right[i][0])) == 0)
			reply = s->wrong_for != NULL && strcmp(s->wrong_for, s->right[i][0]) == 0
					? "wrong answer"
					: s->right[i][1];
	*answer = strdup(reply);
	return *answer != NULL ? 0 : SECINFO_ERR_NOMEM;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

/* A store in DIR with questions Q1..Q4 and a questions method for alice answering Q1..Q3. */
static struct secinfo_store *
setup_store(struct secinfo_conf **conf, long long *method_id, long long qid[4])
{
	static const char *const texts[] = {"First pet?", "Birth town?", "First car?", "Q4?"};
	static const char *const answers[] = {"rex", "  Delft ", "Beetle"};
	struct secinfo_problems problems = {0};
	struct secinfo_store *store = NULL;
	char text[1024], why[512] = "", hash[SECINFO_ANSWER_HASH_SIZE], norm[64];
	const char *why_key = NULL;
	int rc;

	snprintf(dir, sizeof(dir), "/tmp/secinfo-unit.XXXXXX");
	if (!CHECK(mkdtemp(dir) != NULL, "temporary directory created"))
		return NULL;
	chmod(dir, 0700);
	snprintf(text, sizeof(text),
		 "[questions]\nregister = 3\nask = 2\n"
		 "[database]\npath = %s/secinfo.db\nkey_file = %s/secinfo.key\n",
		 dir, dir);
	rc = secinfo_conf_parse("test.conf", text, conf, &problems);
	secinfo_problems_free(&problems);
	if (!CHECK_INT(rc, 0, "configuration parses"))
		return NULL;
	snprintf(text, sizeof(text), "%s/secinfo.key", dir);
	CHECK_INT(secinfo_key_create(text, &why_key), 0, "key created");
	if (!CHECK_INT(secinfo_store_open(*conf, SECINFO_STORE_CREATE, &store, why, sizeof(why)), 0,
		       "store opens (%s)", why))
		return NULL;
	rc = secinfo_store_begin(store);
	for (int i = 0; rc == 0 && i < 4; i++)
		rc = secinfo_store_question_add(store, texts[i], &qid[i]);
	if (rc == 0)
		rc = secinfo_store_method_add(store, "alice", SECINFO_KIND_QUESTIONS, NULL, NULL, 0,
					      NULL, 1000, method_id);
	for (int i = 0; rc == 0 && i < 3; i++) {
		rc = secinfo_answer_normalize(answers[i], norm, sizeof(norm));
		if (rc == 0)
			rc = secinfo_answer_hash(norm, hash);
		if (rc == 0)
			rc = secinfo_store_answer_add(store, *method_id, qid[i], hash);
	}
	if (rc == 0)
		rc = secinfo_store_commit(store);
	if (!CHECK_INT(rc, 0, "questions, method and answers stored")) {
		secinfo_store_close(store);
		return NULL;
	}
	return store;
}

static void
test_store_answers(struct secinfo_store *store, long long method_id, const long long qid[4])
{
	struct secinfo_question *questions = NULL;
	size_t n = 0;

	CHECK_INT(secinfo_store_answer_add(store, method_id, qid[0], "$argon2id$x"),
		  SECINFO_ERR_EXISTS, "a question is answered once per method");
	CHECK_INT(secinfo_store_answer_add(store, method_id, 999, "$argon2id$x"),
		  SECINFO_ERR_NOT_FOUND, "an unknown question cannot be answered");
	CHECK_INT(secinfo_store_questions_get(store, 0, &questions, &n), 0, "questions listed");
	CHECK(n == 4 && questions != NULL && strcmp(questions[1].text, "Birth town?") == 0 &&
		      questions[3].active == 1,
	      "four active questions in id order");
	secinfo_questions_free(questions, n);
}

static int
converse(struct secinfo_store *store, const struct secinfo_conf *conf, long long method_id,
	 struct script *s)
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(SECINFO_KIND_QUESTIONS);
	struct secinfo_method_io io = {.ask = script_ask, .data = s};
	struct secinfo_method_ctx ctx = {
		.store = store, .conf = conf, .now = 2000, .user = "alice", .io = &io};
	struct secinfo_method m = {.id = method_id, .kind = SECINFO_KIND_QUESTIONS, .counter = -1};

	if (ops == NULL || ops->converse == NULL)
		return SECINFO_ERR_INTERNAL;
	return ops->converse(&ctx, &m);
}

static void
test_converse(struct secinfo_store *store, const struct secinfo_conf *conf, long long method_id,
	      const long long qid[4])
{
	const struct secinfo_method_ops *ops = secinfo_method_ops(SECINFO_KIND_QUESTIONS);
	struct script right = {.right = {{"First pet?", "REX"},
					 {"Birth town?", " delft"},
					 {"First car?", "beetle  "}}};
	struct script s;
	unsigned seen_first_pet_first = 0, seen_other_first = 0;
	char text[64];
	int rc;

	if (!CHECK(ops != NULL && ops->converse != NULL, "questions have a converse operation"))
		return;
	ops->describe(NULL, 0, text, sizeof(text));
	CHECK_STR(text, "security questions", "describe for the user");
	ops->describe(NULL, 1, text, sizeof(text));
	CHECK_STR(text, "the security questions", "describe for administrators");
	CHECK_INT(ops->verify(NULL, NULL, "rex"), SECINFO_ERR_WRONG, "one answer never proves it");

	for (int i = 0; i < 30; i++) {
		s = right;
		CHECK_INT(converse(store, conf, method_id, &s), 0,
			  "right answers (any case, spaces)");
		CHECK_INT(s.asked, 2, "[questions] ask = 2 questions asked");
		CHECK(strcmp(s.prompts[0], s.prompts[1]) != 0, "two different questions");
		CHECK(strstr(s.prompts[0], "Q4?") == NULL && strstr(s.prompts[1], "Q4?") == NULL,
		      "a question the user did not answer is never asked");
		if (strcmp(s.prompts[0], "First pet? ") == 0)
			seen_first_pet_first++;
		else
			seen_other_first++;
	}
	/* 30 tries with a 1/3 chance each: all the same way has probability < 1e-5. */
	CHECK(seen_first_pet_first > 0 && seen_other_first > 0, "the order is random (%u, %u)",
	      seen_first_pet_first, seen_other_first);

	for (int i = 0; i < 6; i++) {
		s = right;
		s.wrong_for = "First pet?";
		rc = converse(store, conf, method_id, &s);
		CHECK_INT(rc,
			  strstr(s.prompts[0], "First pet?") || strstr(s.prompts[1], "First pet?")
				  ? SECINFO_ERR_WRONG
				  : 0,
			  "one wrong answer fails the whole method");
		CHECK_INT(s.asked, 2, "every question is asked even after a wrong answer");
	}
	s = right;
	s.fail = 1;
	CHECK_INT(converse(store, conf, method_id, &s), SECINFO_ERR_CONV,
		  "a failed conversation is an error, never a success");

	CHECK_INT(secinfo_store_question_retire(store, qid[0]), 0, "retire First pet?");
	CHECK_INT(secinfo_store_question_retire(store, 999), SECINFO_ERR_NOT_FOUND,
		  "retiring an unknown question");
	for (int i = 0; i < 4; i++) {
		s = right;
		s.wrong_for = "First pet?";
		CHECK_INT(converse(store, conf, method_id, &s), 0,
			  "a retired question is no longer asked");
	}
	CHECK_INT(secinfo_store_question_retire(store, qid[1]), 0, "retire Birth town?");
	s = right;
	CHECK_INT(converse(store, conf, method_id, &s), SECINFO_ERR_WRONG,
		  "fewer active answered questions than ask: the method cannot succeed");
	CHECK_INT(s.asked, 0, "and nothing is asked");
}

int
main(void)
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = NULL;
	long long method_id = 0, qid[4] = {0};

	if (!CHECK_INT(secinfo_crypto_init(), 0, "libsodium initialises"))
		return check_summary();
	test_normalize();
	test_rules();
	test_hash();
	/* Linked with the test build of libsecinfo (Makefile.am), which trusts our own files. */
	if (!CHECK(secinfo_file_owner_trusted(geteuid()), "the test build trusts our own files"))
		return check_summary();
	store = setup_store(&conf, &method_id, qid);
	if (store != NULL) {
		test_store_answers(store, method_id, qid);
		test_converse(store, conf, method_id, qid);
	}
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	if (dir[0] != '\0' && strchr(dir, 'X') == NULL)
		nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return check_summary();
}
