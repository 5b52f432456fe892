/* secinfo: the organisation's security questions and the users' answers (Argon2id hashes). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "error.h"
#include "store_sql.h"

int
secinfo_store_question_add(struct secinfo_store *store, const char *text, long long *id)
{
	store->checkpoint_on_close = 1; /* an enrollment change */
	return secinfo_store_sql_int(
		store, id, "INSERT INTO questions (text, active) VALUES (?1, 1) RETURNING id", "t",
		text);
}

int
secinfo_store_question_retire(struct secinfo_store *store, long long id)
{
	int changes = 0, rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_sql_exec(store, &changes,
				    "UPDATE questions SET active = 0 WHERE id = ?1", "i", id);
	return rc != 0 ? rc : changes == 1 ? 0 : SECINFO_ERR_NOT_FOUND;
}

void
secinfo_questions_free(struct secinfo_question *questions, size_t count)
{
	for (size_t i = 0; questions != NULL && i < count; i++)
		free(questions[i].text);
	free(questions);
}

/* One questions row (id, text, active) into ELEMENT. */
static int
secinfo_question_fill(const struct secinfo_sql_row *row, void *element, void *data)
{
	struct secinfo_question *q = element;

	q->id = secinfo_sql_row_int(row, 0);
	q->active = secinfo_sql_row_int(row, 2) != 0;
	q->text = strdup(secinfo_sql_row_text(row, 1));
	return q->text != NULL ? 0 : SECINFO_ERR_NOMEM;
}

int
secinfo_store_questions_get(struct secinfo_store *store, int active_only,
			    struct secinfo_question **out, size_t *count)
{
	struct secinfo_sql_array array = {.size = sizeof(**out), .fill = secinfo_question_fill};
	int rc;

	*out = NULL;
	*count = 0;
	rc = secinfo_store_sql_array(store, &array,
				     "SELECT id, text, active FROM questions"
				     " WHERE ?1 = 0 OR active = 1 ORDER BY id",
				     "iti", "i", (long long)(active_only ? 1 : 0));
	if (rc != 0) {
		secinfo_questions_free(array.array, array.count);
		return rc;
	}
	*out = array.array;
	*count = array.count;
	return 0;
}

int
secinfo_store_answer_add(struct secinfo_store *store, long long method_id, long long question_id,
			 const char *hash)
{
	long long active = 0;
	int changes = 0, rc;

	store->checkpoint_on_close = 1; /* an enrollment change */
	rc = secinfo_store_sql_exec(store, &changes,
				    "INSERT INTO answers (method_id, question_id, hash)"
				    " SELECT ?1, id, ?3 FROM questions WHERE id = ?2 AND active = 1"
				    " ON CONFLICT (method_id, question_id) DO NOTHING",
				    "iit", method_id, question_id, hash);
	if (rc != 0 || changes == 1)
		return rc;
	rc = secinfo_store_sql_int(store, &active, "SELECT active FROM questions WHERE id = ?1",
				   "i", question_id);
	if (rc == SECINFO_ERR_NOT_FOUND || (rc == 0 && active == 0))
		return SECINFO_ERR_NOT_FOUND;
	return rc != 0 ? rc : SECINFO_ERR_EXISTS;
}

void
secinfo_answers_free(struct secinfo_answer *answers, size_t count)
{
	for (size_t i = 0; answers != NULL && i < count; i++) {
		free(answers[i].question);
		if (answers[i].hash != NULL)
			secinfo_wipe(answers[i].hash, strlen(answers[i].hash));
		free(answers[i].hash);
	}
	free(answers);
}

/* One answer row (question id, question text, hash) into ELEMENT. */
static int
secinfo_answer_fill(const struct secinfo_sql_row *row, void *element, void *data)
{
	struct secinfo_answer *a = element;

	a->question_id = secinfo_sql_row_int(row, 0);
	a->question = strdup(secinfo_sql_row_text(row, 1));
	a->hash = strdup(secinfo_sql_row_text(row, 2));
	return a->question != NULL && a->hash != NULL ? 0 : SECINFO_ERR_NOMEM;
}

int
secinfo_store_answers_get(struct secinfo_store *store, long long method_id,
			  struct secinfo_answer **out, size_t *count)
{
	struct secinfo_sql_array array = {.size = sizeof(**out), .fill = secinfo_answer_fill};
	int rc;

	*out = NULL;
	*count = 0;
	rc = secinfo_store_sql_array(store, &array,
				     "SELECT q.id, q.text, a.hash FROM answers a"
				     " JOIN questions q ON q.id = a.question_id"
				     " WHERE a.method_id = ?1 AND q.active = 1 ORDER BY q.id",
				     "itt", "i", method_id);
	if (rc != 0) {
		secinfo_answers_free(array.array, array.count);
		return rc;
	}
	*out = array.array;
	*count = array.count;
	return 0;
}
