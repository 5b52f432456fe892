/* The terminal side of enrolling a method, shared by secinfo-admin and secinfo. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <unistd.h>

#include "crypto.h"
#include "delivery.h"
#include "error.h"
#include "term.h"

int
secinfo_term_ask(const char *question, char *answer, size_t size)
{
	size_t n;
	char *start;

	fflush(stdout);
	fputs(question, stderr);
	fflush(stderr);
	if (fgets(answer, (int)size, stdin) == NULL) {
		fputc('\n', stderr);
		answer[0] = '\0';
		return -1;
	}
	/* A terminal echoed the newline; for piped answers end the prompt's line ourselves. */
	if (!isatty(STDIN_FILENO))
		fputc('\n', stderr);
	n = strlen(answer);
	if (n > 0 && answer[n - 1] != '\n' && !feof(stdin)) {
		/* Longer than any sensible answer: refuse rather than read the rest as the next one. */
		secinfo_wipe(answer, size);
		return -1;
	}
	while (n > 0 && isspace((unsigned char)answer[n - 1]))
		answer[--n] = '\0';
	start = answer;
	while (isspace((unsigned char)*start))
		start++;
	memmove(answer, start, strlen(start) + 1);
	return 0;
}

int
secinfo_term_confirm(const char *question)
{
	char answer[16];

	if (secinfo_term_ask(question, answer, sizeof(answer)) != 0)
		return 0;
	return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

/* Asks QUESTION with the terminal's echo off (a PIN): as secinfo_term_ask, which it calls as is
 * when standard input is not a terminal. */
static int
secinfo_term_ask_hidden(const char *question, char *answer, size_t size)
{
	struct termios saved, quiet;
	int rc;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved) != 0)
		return secinfo_term_ask(question, answer, size);
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	quiet.c_lflag |= ECHONL; /* the newline still ends the line */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return -1; /* never ask for a secret that would be echoed */
	rc = secinfo_term_ask(question, answer, size);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
	return rc;
}

static int
secinfo_term_io_ask(void *data, int echo, const char *prompt, char **answer)
{
	char line[1024];

	*answer = NULL;
	if ((echo ? secinfo_term_ask(prompt, line, sizeof(line))
		  : secinfo_term_ask_hidden(prompt, line, sizeof(line))) != 0)
		return SECINFO_ERR_CONV;
	*answer = strdup(line);
	secinfo_wipe(line, sizeof(line));
	return *answer != NULL ? 0 : SECINFO_ERR_NOMEM;
}

static int
secinfo_term_io_say(void *data, const char *text)
{
	printf("%s\n", text);
	return fflush(stdout) == 0 ? 0 : SECINFO_ERR_IO;
}

static int
secinfo_term_io_show_qr(void *data, const char *uri)
{
	return secinfo_term_qr_print(uri, stdout);
}

const struct secinfo_method_io secinfo_term_io = {secinfo_term_io_ask, secinfo_term_io_say,
						  secinfo_term_io_show_qr, NULL};

int
secinfo_term_send(void *sender, const struct secinfo_conf *conf,
		  const struct secinfo_delivery_request *request,
		  struct secinfo_delivery_result *result)
{
	return secinfo_delivery_send(conf, request, result);
}
