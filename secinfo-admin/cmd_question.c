/*
 * secinfo-admin question add|list|retire: the organisation's security questions (SPEC §6, §7).
 * A user's answers are enrolled by the questions method (libsecinfo/method_questions.c).
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
	if (rc != SECINFO_OK)
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
	return SECINFO_OK;
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
	if (rc != SECINFO_OK)
		return rc;
	rc = secinfo_store_questions_get(admin->store, 0, &list, &n);
	if (rc != 0)
		return secinfo_admin_error(rc, "cannot read the questions: %s",
					   secinfo_strerror(rc));
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
	return rc == 0 ? SECINFO_OK : secinfo_admin_fail("out of memory");
}

int
secinfo_admin_cmd_question_retire(struct secinfo_admin *admin,
				  const struct secinfo_admin_args *args)
{
	long long id = 0;
	int rc;

	if (secinfo_id_parse(args->words[0], &id) != 0)
		return secinfo_admin_usage_fail("ID '%s' is not a question id", args->words[0]);
	rc = secinfo_admin_open(admin);
	if (rc != SECINFO_OK)
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
		return secinfo_admin_error(rc, "cannot retire question %lld: %s", id,
					   secinfo_strerror(rc));
	printf("Retired question %lld: it is no longer asked or offered, and answers to it no "
	       "longer count.\n",
	       id);
	return SECINFO_OK;
}
