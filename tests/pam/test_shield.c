/*
 * Issue 9: a user cannot stop a set-user-id sign-in that holds the store's lock. A user who runs
 * passwd (set-user-id root, with pam_secinfo in its stack) owns the process's real uid, so
 * kill(2) lets them send it SIGSTOP; stopped while it holds the database's write lock, it would
 * keep every other sign-in on the host waiting and failing. Here a child runs a sign-in as
 * passwd would for the user nobody (real uid nobody, effective and saved uid root). The test
 * holds the write lock itself, so the child's sign-in waits for it right after its answer,
 * inside the store; meanwhile a process of the user nobody tries to stop it. It must be
 * refused (EPERM), the job-control signals (Ctrl-Z) must be blocked, and after the sign-in
 * the child's real uid is nobody again. Needs root (skips otherwise).
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pwd.h>
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
#include "pamtest_util.h"
#include "store.h"

/* Written by the child's conversation when it answers the prompt. */
static int ts_answered = -1;

static void
ts_hook(const void *arg)
{
	char byte = 1;

	(void)arg;
	(void)!write(ts_answered, &byte, 1);
}

/* The child: a sign-in as a set-user-id program run by UID would make it. Exits 0 when it
 * succeeded and the real uid is UID again afterwards, 1 when it failed, 2 when the real uid
 * was not given back, 3 when it could not start. */
static int
ts_child(uid_t uid, const char *code)
{
	struct pt_conv c = {.answers = {code}, .n_answers = 1, .hook = ts_hook, .hook_at = 1};
	struct pam_conv pc = {pt_conv_fn, &c};
	pam_handle_t *pamh = NULL;
	int rc;

	if (setresuid(uid, 0, 0) != 0 || pam_start("secinfo-shield", "alice", &pc, &pamh) != 0)
		return 3;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	if (getuid() != uid)
		return 2;
	return rc == PAM_SUCCESS ? 0 : 1;
}

/* The holder: opens the store, begins a write transaction, says so on LOCKED, and keeps it
 * until RELEASE is closed. */
static int
ts_hold(struct pt_env *env, int locked, int release)
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = pt_store(env, &conf, 0);
	char byte = 1;

	if (secinfo_store_begin(store) != 0 || write(locked, &byte, 1) != 1)
		return 1;
	(void)!read(release, &byte, 1);
	secinfo_store_rollback(store);
	secinfo_store_close(store);
	secinfo_conf_free(conf);
	return 0;
}

/* Reads field NAME of /proc/PID/status into VALUE (SIZE bytes). Returns 0 or -1. */
static int
ts_status(pid_t pid, const char *name, char *value, size_t size)
{
	char path[64], line[256];
	size_t len = strlen(name);
	FILE *f;
	int rc = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, name, len) == 0 && line[len] == ':') {
			snprintf(value, size, "%s", line + len + 1 + strspn(line + len + 1, " \t"));
			value[strcspn(value, "\n")] = '\0';
			rc = 0;
			break;
		}
	if (f != NULL)
		fclose(f);
	return rc;
}

/* A process of the user UID sends SIG to PID. Returns 0 when it was sent, else its errno. */
static int
ts_user_kill(uid_t uid, pid_t pid, int sig)
{
	pid_t k = fork();
	int status;

	if (k == 0) {
		if (setresgid(65534, 65534, 65534) != 0 || setresuid(uid, uid, uid) != 0)
			_exit(255);
		_exit(kill(pid, sig) == 0 ? 0 : errno);
	}
	if (k < 0 || waitpid(k, &status, 0) != k || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

int
main(int argc, char **argv)
{
	struct pt_env env = {0};
	struct passwd *nobody = getpwnam("nobody");
	const char *dir = getenv("SECINFO_TEST_DIR");
	struct pollfd p = {.events = POLLIN};
	char code[16], uids[128], blocked[64], byte;
	int answered[2], locked[2], release[2], status = 0, sent;
	uid_t uid;
	pid_t child, holder;

	if (geteuid() != 0) {
		printf("SKIP: needs root: it signs in as a set-user-id program run by nobody\n");
		return 77;
	}
	if (nobody == NULL)
		return 99;
	uid = nobody->pw_uid;
	if (dir == NULL) {
		pt_setup(&env, "[database]\nbusy_timeout = 20s\n");
		pt_enroll_app(&env, "alice", 0);
		pt_service(&env, "secinfo-shield", "");
		pt_wrap(&env, argc, argv); /* does not return */
	}
	if (secinfo_crypto_init() != 0)
		return 99;
	pt_adopt(&env, dir);
	while (30 - time(NULL) % 30 < 8)
		sleep(1); /* the code stays current while the sign-in waits */
	pt_totp(0, code);

	/* A holder process takes the write lock (its own connection: none survives a fork), so
	 * the child's sign-in will wait for it inside the store. */
	if (pipe(answered) != 0 || pipe(locked) != 0 || pipe(release) != 0)
		return 99;
	holder = fork();
	if (holder == 0) {
		close(release[1]);
		_exit(ts_hold(&env, locked[1], release[0]));
	}
	close(locked[1]);
	close(release[0]);
	CHECK(holder > 0 && read(locked[0], &byte, 1) == 1, "a process holds the write lock");
	child = fork();
	if (child == 0) {
		close(answered[0]);
		close(release[1]); /* only the parent may let the holder go */
		ts_answered = answered[1];
		_exit(ts_child(uid, code));
	}
	close(answered[1]);
	p.fd = answered[0];
	CHECK(child > 0 && poll(&p, 1, 20000) == 1 && read(answered[0], &byte, 1) == 1,
	      "the child answered its prompt");
	usleep(300 * 1000); /* it now waits for the lock, in the store */

	CHECK(ts_status(child, "Uid", uids, sizeof(uids)) == 0 && strncmp(uids, "0\t0\t0", 5) == 0,
	      "while it waits for the lock, its real, effective and saved uid are root (%s)", uids);
	CHECK(ts_status(child, "SigBlk", blocked, sizeof(blocked)) == 0 &&
		      (strtoull(blocked, NULL, 16) & (1ULL << (SIGTSTP - 1))) &&
		      (strtoull(blocked, NULL, 16) & (1ULL << (SIGTTIN - 1))) &&
		      (strtoull(blocked, NULL, 16) & (1ULL << (SIGTTOU - 1))),
	      "and SIGTSTP, SIGTTIN and SIGTTOU are blocked (SigBlk %s)", blocked);
	sent = ts_user_kill(uid, child, SIGSTOP);
	CHECK(sent == EPERM, "the user cannot stop it: kill(SIGSTOP) from nobody gives EPERM (%s)",
	      sent == 0 ? "it was stopped" : strerror(sent));
	if (sent == 0)
		kill(child, SIGCONT);

	close(release[1]); /* the holder lets go of the lock: the sign-in goes on */
	waitpid(holder, NULL, 0);
	if (waitpid(child, &status, 0) != child)
		status = -1;
	CHECK(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the sign-in then succeeds, and the child's real uid is nobody again (exit %d)",
	      status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	pt_cleanup(&env);
	return check_summary();
}
