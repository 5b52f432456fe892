/*
 * Issue 9: parallel guesses never pass max_failures. Forty processes answer wrongly at
 * the same moment, through libpam and the real stack (pam_start_confdir: the service files of
 * the test; not pam_wrapper, whose per-process set-up in /tmp/pam.X races when many processes
 * start at once), with max_failures = 3: at most three
 * answers are checked, the others are refused before they are asked anything, and the user ends
 * locked. Security questions count their attempt and commit it before they ask (no write lock
 * across a prompt), so there the limit must hold across transactions; an app code is counted
 * and checked in one.
 */
#include "config.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "check.h"
#include "conf.h"
#include "crypto.h"
#include "kind.h"
#include "pamtest_util.h"
#include "questions.h"
#include "store.h"

#define PG_PROCESSES    40
#define PG_MAX_FAILURES 3

/* What one child saw: asked anything (a code or a question), and how it ended. */
enum { PG_ASKED = 8, PG_AUTH_ERR = 1, PG_MAXTRIES = 2, PG_OTHER = 3 };

/* One child: starts PAM, says it is ready, waits at the gate, then answers every prompt
 * wrongly. Returns PG_ASKED (if a prompt was answered) plus how it ended. */
static int
pg_child(const char *confdir, const char *service, const char *user, int ready, int gate)
{
	struct pt_conv c = {.answers = {"wrong answer", "wrong answer", "wrong answer"},
			    .n_answers = 3};
	struct pam_conv pc = {pt_conv_fn, &c};
	pam_handle_t *pamh = NULL;
	char byte = 1;
	int rc;

	if (pam_start_confdir(service, user, &pc, confdir, &pamh) != PAM_SUCCESS) {
		(void)!write(ready, &byte, 1); /* the parent waits for every child's byte */
		return PG_OTHER;
	}
	if (write(ready, &byte, 1) != 1 || read(gate, &byte, 1) < 0)
		return PG_OTHER;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return (c.prompts > 0 ? PG_ASKED : 0) + (rc == PAM_AUTH_ERR   ? PG_AUTH_ERR
						 : rc == PAM_MAXTRIES ? PG_MAXTRIES
								      : PG_OTHER);
}

/* Starts PG_PROCESSES sign-ins of USER on SERVICE at one moment; counts the children that were
 * asked (*asked), and their endings in ENDS[PG_AUTH_ERR..PG_OTHER]. */
static void
pg_round(const char *confdir, const char *service, const char *user, int *asked, int ends[4])
{
	struct pollfd p = {.events = POLLIN};
	pid_t pids[PG_PROCESSES];
	int gate[2], ready[2], status;
	char c;

	*asked = 0;
	memset(ends, 0, 4 * sizeof(int));
	if (pipe(gate) != 0 || pipe(ready) != 0)
		exit(99);
	for (int i = 0; i < PG_PROCESSES; i++) {
		pid_t pid = fork();
		if (pid < 0)
			exit(99);
		if (pid == 0) {
			close(gate[1]);
			_exit(pg_child(confdir, service, user, ready[1], gate[0]));
		}
		pids[i] = pid;
		/* One pam_start at a time, the sign-ins all at once. A child that died without a
		 * word must not leave the test waiting for ever. */
		p.fd = ready[0];
		if (poll(&p, 1, 60000) != 1 || read(ready[0], &c, 1) != 1) {
			fprintf(stderr, "child %d did not start its sign-in\n", i);
			for (int k = 0; k <= i; k++)
				kill(pids[k], SIGKILL);
			exit(99);
		}
	}
	close(gate[0]);
	close(gate[1]); /* every child wakes at once */
	for (int i = 0; i < PG_PROCESSES; i++) {
		if (wait(&status) < 0 || !WIFEXITED(status)) {
			ends[PG_OTHER]++;
			continue;
		}
		*asked += (WEXITSTATUS(status) & PG_ASKED) != 0;
		ends[WEXITSTATUS(status) & 3]++;
	}
	close(ready[0]);
	close(ready[1]);
}

/* Enrolls USER with security questions: three questions, each answered "blue". */
static void
pg_enroll_questions(struct pt_env *env, const char *user)
{
	static const char *texts[] = {"What was the name of your first pet?",
				      "In which city were you born?",
				      "What is your favourite animal?"};
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = pt_store(env, &conf, 0);
	char hash[SECINFO_ANSWER_HASH_SIZE];
	long long method = 0, question = 0;
	int rc = secinfo_store_begin(store);

	if (rc == 0)
		rc = secinfo_store_method_add(store, user, SECINFO_KIND_QUESTIONS, NULL, NULL, 0,
					      NULL, time(NULL), &method);
	for (size_t i = 0; rc == 0 && i < 3; i++) {
		rc = secinfo_store_question_add(store, texts[i], &question);
		if (rc == 0)
			rc = secinfo_answer_hash("blue", hash);
		if (rc == 0)
			rc = secinfo_store_answer_add(store, method, question, hash);
	}
	if (rc != 0 || secinfo_store_commit(store) != 0) {
		fprintf(stderr, "cannot enroll %s's questions\n", user);
		exit(99);
	}
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

/* Whether USER is locked now, from the database. */
static int
pg_locked(struct pt_env *env, const char *user)
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = pt_store(env, &conf, 0);
	struct secinfo_user *u = NULL;
	int locked = secinfo_store_user_get(store, user, &u) == 0 &&
		     u->locked_until > (long long)time(NULL);

	secinfo_user_free(u);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	return locked;
}

int
main(void)
{
	struct pt_env env = {0};
	int asked = 0, ends[4];
	char extra[256], confdir[300];

	snprintf(extra, sizeof(extra),
		 "[policy]\nmethods = app questions\ntries = 1\nmax_failures = %d\n"
		 "[questions]\nregister = 3\nask = 2\n",
		 PG_MAX_FAILURES);
	pt_setup(&env, extra);
	if (secinfo_crypto_init() != 0)
		return 99;
	pg_enroll_questions(&env, "quinn");
	pt_enroll_app(&env, "alice", 0);
	pt_service(&env, "secinfo-guesses", "");
	pt_service(&env, "secinfo-guesses-reset", "purpose=reset");
	snprintf(confdir, sizeof(confdir), "%s/pam.d", env.dir);

	pg_round(confdir, "secinfo-guesses-reset", "quinn", &asked, ends);
	CHECK(asked <= PG_MAX_FAILURES,
	      "%d parallel wrong answers to security questions: at most max_failures = %d are "
	      "asked and checked (asked: %d)",
	      PG_PROCESSES, PG_MAX_FAILURES, asked);
	CHECK(asked >= 1, "at least one of them is asked (asked: %d)", asked);
	CHECK(ends[PG_AUTH_ERR] + ends[PG_MAXTRIES] == PG_PROCESSES,
	      "every one ends in PAM_AUTH_ERR or PAM_MAXTRIES (%d others)", ends[PG_OTHER]);
	CHECK(pg_locked(&env, "quinn"), "quinn is locked afterwards");

	pg_round(confdir, "secinfo-guesses", "alice", &asked, ends);
	/* Those that read the user after the lockout are told at once, without a prompt. */
	CHECK(asked >= PG_MAX_FAILURES - 1, "app sign-ins are asked for their code (%d)", asked);
	CHECK(ends[PG_AUTH_ERR] == PG_MAX_FAILURES - 1,
	      "%d parallel wrong app codes: %d are checked and refused before the lockout "
	      "(PAM_AUTH_ERR: %d)",
	      PG_PROCESSES, PG_MAX_FAILURES - 1, ends[PG_AUTH_ERR]);
	CHECK(ends[PG_MAXTRIES] == PG_PROCESSES - (PG_MAX_FAILURES - 1),
	      "the rest end locked (PAM_MAXTRIES: %d, others: %d)", ends[PG_MAXTRIES],
	      ends[PG_OTHER]);
	CHECK(pg_locked(&env, "alice"), "alice is locked afterwards");
	pt_cleanup(&env);
	return check_summary();
}
