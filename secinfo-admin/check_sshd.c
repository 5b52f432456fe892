/*
 * secinfo-admin check: sshd's password method and the module do not mix. With
 * PasswordAuthentication yes, sshd answers every prompt of the PAM conversation with the
 * password the client sent, so pam_secinfo's code prompt receives the password: the sign-in
 * fails, counts a failure toward the user's lockout, and a client that tries the password
 * method first can lock its user out by itself. The code belongs in keyboard-interactive.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_sshd.h"
#include "pamstack.h"

#define SECINFO_SSHD_OUTPUT_MAX (256 * 1024)

/* Stops the walk at the first rule that runs the module for sign-in. */
static int
secinfo_admin_sshd_visit(const struct secinfo_pam_rule *rule, void *arg)
{
	struct secinfo_pam_rule *found = arg;

	if (!secinfo_pam_rule_is_secinfo(rule) || secinfo_pam_rule_has_arg(rule, "purpose=reset"))
		return 0;
	*found = *rule;
	return 1;
}

/* Runs `SSHD -T` with an empty environment; OUT gets what it printed. Returns 0 when it
 * exited 0. */
static int
secinfo_admin_sshd_dump(const char *sshd, char *out, size_t size)
{
	char path[4096], dash_t[] = "-T", env_path[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
	char *const argv[] = {path, dash_t, NULL};
	char *const envp[] = {env_path, NULL};
	size_t used = 0;
	ssize_t got;
	int pipefd[2], status = 0;
	pid_t pid;

	if (snprintf(path, sizeof(path), "%s", sshd) >= (int)sizeof(path) ||
	    pipe2(pipefd, O_CLOEXEC) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null < 0 || dup2(pipefd[1], STDOUT_FILENO) < 0 ||
		    dup2(null, STDERR_FILENO) < 0 || dup2(null, STDIN_FILENO) < 0)
			_exit(127);
		execve(sshd, argv, envp);
		_exit(127);
	}
	close(pipefd[1]);
	while (pid > 0 && (got = read(pipefd[0], out + used, size - 1 - used)) > 0)
		used += (size_t)got;
	out[used] = '\0';
	close(pipefd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Whether the dump has the line "KEY VALUE" (sshd -T prints keys in lower case). */
static int
secinfo_admin_sshd_says(const char *dump, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = dump; (p = strstr(p, line)) != NULL; p += n)
		if ((p == dump || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
			return 1;
	return 0;
}

int
secinfo_admin_check_sshd(const char *sshd, const char *pam_dir, char *why, size_t size)
{
	static char dump[SECINFO_SSHD_OUTPUT_MAX];
	struct secinfo_pam_rule rule;
	char where[512];

	if (access(sshd, X_OK) != 0)
		return 0; /* no sshd here */
	memset(&rule, 0, sizeof(rule));
	if (secinfo_pam_service_walk(pam_dir, "sshd", "auth", secinfo_admin_sshd_visit, &rule) != 1)
		return 0; /* no service, or the module is not in it */
	snprintf(where, sizeof(where), "%s line %d", rule.file, rule.line);
	if (secinfo_admin_sshd_dump(sshd, dump, sizeof(dump)) != 0) {
		snprintf(why, size,
			 "sshd's PAM stack runs pam_secinfo.so (%s), but '%s -T' failed, so "
			 "sshd's PasswordAuthentication was not checked: it must be no, or sshd's "
			 "password method hands the code prompt the password",
			 where, sshd);
		return -1;
	}
	if (!secinfo_admin_sshd_says(dump, "passwordauthentication yes") ||
	    !secinfo_admin_sshd_says(dump, "usepam yes"))
		return 0;
	snprintf(why, size,
		 "sshd has PasswordAuthentication yes ('%s -T') and its PAM stack runs "
		 "pam_secinfo.so (%s): sshd's password method answers every PAM prompt with the "
		 "password, so the code prompt receives the password, the sign-in fails and counts "
		 "toward the user's lockout (a client that tries passwords first locks its user "
		 "out). Set PasswordAuthentication no and KbdInteractiveAuthentication yes in "
		 "sshd_config: the password and the code are then both asked in the "
		 "keyboard-interactive exchange",
		 sshd, where);
	return 1;
}
