/*
 * The softfido state file: KNOB=VALUE lines, read and rewritten whole under flock so that a
 * registration in one process and a sign-in in another see the same key.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "softfido.h"

#define STATE_MAX 4096

static const struct {
	const char *name;
	int bit;
} alg_names[] = {
	{"es256", SOFTFIDO_ALG_ES256},
	{"eddsa", SOFTFIDO_ALG_EDDSA},
	{"rs256", SOFTFIDO_ALG_RS256},
};

int
softfido_state_new(struct softfido_state *st)
{
	memset(st, 0, sizeof(*st));
	if (RAND_bytes(st->secret, sizeof(st->secret)) != 1 ||
	    RAND_bytes(st->aaguid, sizeof(st->aaguid)) != 1) {
		fprintf(stderr, "softfido: RAND_bytes failed\n");
		return -1;
	}
	st->retries = SOFTFIDO_MAX_RETRIES;
	st->algs = SOFTFIDO_ALG_ES256;
	st->uv = 1;
	st->touch = SOFTFIDO_TOUCH_AUTO;
	return 0;
}

void
softfido_state_set_pin(struct softfido_state *st, const char *pin)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	st->pin_set = 0;
	OPENSSL_cleanse(st->pin_hash, sizeof(st->pin_hash));
	st->retries = SOFTFIDO_MAX_RETRIES;
	if (pin == NULL)
		return;
	if (EVP_Digest(pin, strlen(pin), digest, &n, EVP_sha256(), NULL) != 1 || n < 16)
		abort();
	memcpy(st->pin_hash, digest, sizeof(st->pin_hash));
	OPENSSL_cleanse(digest, sizeof(digest));
	st->pin_set = 1;
}

int
softfido_state_parse_algs(const char *text, int *algs)
{
	const char *p = text;
	int bits = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		size_t i;
		int found = 0;

		for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++) {
			if (strlen(alg_names[i].name) == len &&
			    strncmp(alg_names[i].name, p, len) == 0) {
				bits |= alg_names[i].bit;
				found = 1;
			}
		}
		if (!found)
			return -1;
		p += len;
		if (*p == ',')
			p++;
	}
	if (bits == 0)
		return -1;
	*algs = bits;
	return 0;
}

static int
parse_hex(const char *text, unsigned char *out, size_t out_len)
{
	size_t i;

	if (strlen(text) != 2 * out_len)
		return -1;
	for (i = 0; i < out_len; i++) {
		char pair[3] = {text[2 * i], text[2 * i + 1], '\0'};
		char *end = NULL;
		unsigned long v = strtoul(pair, &end, 16);

		if (end != pair + 2)
			return -1;
		out[i] = (unsigned char)v;
	}
	return 0;
}

static int
parse_ulong(const char *text, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	unsigned long v;

	if (*text < '0' || *text > '9')
		return -1;
	errno = 0;
	v = strtoul(text, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int
parse_bool(const char *text, int *out)
{
	if (strcmp(text, "0") == 0)
		*out = 0;
	else if (strcmp(text, "1") == 0)
		*out = 1;
	else
		return -1;
	return 0;
}

/* One line of the file or one "softfido-ctl set" argument; file_only: also the lines a person
 * does not set (secret, aaguid, pin, credentials). */
static int
apply(struct softfido_state *st, const char *name, const char *value, int file_only)
{
	unsigned long n = 0;

	if (strcmp(name, "touch") == 0) {
		if (strcmp(value, "auto") == 0)
			st->touch = SOFTFIDO_TOUCH_AUTO;
		else if (strcmp(value, "none") == 0)
			st->touch = SOFTFIDO_TOUCH_NONE;
		else if (strncmp(value, "slow:", 5) == 0 &&
			 parse_ulong(value + 5, 600000, &n) == 0) {
			st->touch = SOFTFIDO_TOUCH_SLOW;
			st->touch_ms = (long)n;
		} else
			return -1;
		return 0;
	}
	if (strcmp(name, "absent") == 0)
		return parse_bool(value, &st->absent);
	if (strcmp(name, "unplug") == 0)
		return parse_bool(value, &st->unplug);
	if (strcmp(name, "uv") == 0)
		return parse_bool(value, &st->uv);
	if (strcmp(name, "counter_mode") == 0 ||
	    (strcmp(name, "counter") == 0 && (value[0] < '0' || value[0] > '9'))) {
		if (strcmp(value, "grow") == 0)
			st->counter_frozen = 0;
		else if (strcmp(value, "frozen") == 0)
			st->counter_frozen = 1;
		else
			return -1;
		return 0;
	}
	if (strcmp(name, "counter") == 0) {
		if (parse_ulong(value, 0xffffffffUL, &n) != 0)
			return -1;
		st->counter = n;
		return 0;
	}
	if (strcmp(name, "retries") == 0) {
		if (parse_ulong(value, SOFTFIDO_MAX_RETRIES, &n) != 0)
			return -1;
		st->retries = (int)n;
		return 0;
	}
	if (strcmp(name, "alg") == 0)
		return softfido_state_parse_algs(value, &st->algs);
	if (!file_only)
		return -1;
	if (strcmp(name, "secret") == 0)
		return parse_hex(value, st->secret, sizeof(st->secret));
	if (strcmp(name, "aaguid") == 0)
		return parse_hex(value, st->aaguid, sizeof(st->aaguid));
	if (strcmp(name, "credentials") == 0) {
		if (parse_ulong(value, ULONG_MAX, &n) != 0)
			return -1;
		st->credentials = n;
		return 0;
	}
	if (strcmp(name, "pin") == 0) {
		if (strcmp(value, "none") == 0) {
			st->pin_set = 0;
			return 0;
		}
		st->pin_set = 1;
		return parse_hex(value, st->pin_hash, sizeof(st->pin_hash));
	}
	return -1;
}

int
softfido_state_set(struct softfido_state *st, const char *assignment)
{
	char name[32];
	size_t len = strcspn(assignment, "=");

	if (assignment[len] == '=' && len > 0 && len < sizeof(name)) {
		memcpy(name, assignment, len);
		name[len] = '\0';
		if (apply(st, name, assignment + len + 1, 0) == 0)
			return 0;
	}
	fprintf(stderr,
		"softfido-ctl: cannot set '%s': use touch=auto|none|slow:MS, absent=0|1, "
		"counter=grow|frozen|N, uv=1|0, retries=0..%d, unplug=0|1, "
		"alg=es256[,eddsa][,rs256]\n",
		assignment, SOFTFIDO_MAX_RETRIES);
	return -1;
}

static int
parse(const char *path, char *text, struct softfido_state *st)
{
	char *line = text;
	int lineno = 0;

	memset(st, 0, sizeof(*st));
	st->retries = SOFTFIDO_MAX_RETRIES;
	st->algs = SOFTFIDO_ALG_ES256;
	st->uv = 1;
	while (*line != '\0') {
		size_t len = strcspn(line, "\n");
		char *eq;

		lineno++;
		if (line[len] == '\n')
			line[len++] = '\0';
		eq = strchr(line, '=');
		if (line[0] != '#' && line[0] != '\0') {
			if (eq == NULL)
				goto bad;
			*eq = '\0';
			if (apply(st, line, eq + 1, 1) != 0)
				goto bad;
		}
		line += len;
		continue;
	bad:
		fprintf(stderr,
			"softfido: %s:%d: not a state line; recreate it with softfido-ctl init\n",
			path, lineno);
		return -1;
	}
	return 0;
}

static int
lock_and_read(const char *path, int how, int *lock_fd, struct softfido_state *st)
{
	char text[STATE_MAX + 1];
	ssize_t n;
	size_t have = 0;
	int fd;

	fd = open(path, (how == LOCK_EX ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		fprintf(stderr,
			"softfido: cannot open the state %s: %s (create it with softfido-ctl "
			"init)\n",
			path, strerror(errno));
		return -1;
	}
	if (flock(fd, how) != 0) {
		fprintf(stderr, "softfido: cannot lock %s: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	while ((n = pread(fd, text + have, STATE_MAX - have, (off_t)have)) > 0)
		have += (size_t)n;
	text[have] = '\0';
	if (n < 0 || have == STATE_MAX || parse(path, text, st) != 0) {
		if (n < 0 || have == STATE_MAX)
			fprintf(stderr, "softfido: cannot read %s\n", path);
		OPENSSL_cleanse(text, sizeof(text));
		close(fd);
		return -1;
	}
	OPENSSL_cleanse(text, sizeof(text));
	*lock_fd = fd;
	return 0;
}

int
softfido_state_lock(const char *path, int *lock_fd, struct softfido_state *st)
{
	return lock_and_read(path, LOCK_EX, lock_fd, st);
}

int
softfido_state_read(const char *path, struct softfido_state *st)
{
	int fd = -1;

	if (lock_and_read(path, LOCK_SH, &fd, st) != 0)
		return -1;
	close(fd);
	return 0;
}

static void
hex(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
format(const struct softfido_state *st, char *out, size_t size)
{
	char secret[65], aaguid[33], pin[33], algs[32] = "";
	char touch[32];
	size_t i;
	int n;

	hex(secret, st->secret, sizeof(st->secret));
	hex(aaguid, st->aaguid, sizeof(st->aaguid));
	if (st->pin_set)
		hex(pin, st->pin_hash, sizeof(st->pin_hash));
	else
		snprintf(pin, sizeof(pin), "none");
	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (st->algs & alg_names[i].bit)
			snprintf(algs + strlen(algs), sizeof(algs) - strlen(algs), "%s%s",
				 algs[0] ? "," : "", alg_names[i].name);
	if (st->touch == SOFTFIDO_TOUCH_SLOW)
		snprintf(touch, sizeof(touch), "slow:%ld", st->touch_ms);
	else
		snprintf(touch, sizeof(touch), "%s",
			 st->touch == SOFTFIDO_TOUCH_NONE ? "none" : "auto");
	n = snprintf(out, size,
		     "# softfido state (tests/fido): change it with softfido-ctl\n"
		     "secret=%s\naaguid=%s\npin=%s\nretries=%d\ncounter=%lu\ncounter_mode=%s\n"
		     "credentials=%lu\nalg=%s\nuv=%d\ntouch=%s\nabsent=%d\nunplug=%d\n",
		     secret, aaguid, pin, st->retries, st->counter,
		     st->counter_frozen ? "frozen" : "grow", st->credentials, algs, st->uv, touch,
		     st->absent, st->unplug);
	OPENSSL_cleanse(secret, sizeof(secret));
	return n < 0 || (size_t)n >= size ? -1 : n;
}

static int
write_all(int fd, const struct softfido_state *st)
{
	char text[STATE_MAX];
	int n = format(st, text, sizeof(text));
	int rc = -1;

	if (n >= 0 && ftruncate(fd, 0) == 0 && pwrite(fd, text, (size_t)n, 0) == n)
		rc = 0;
	OPENSSL_cleanse(text, sizeof(text));
	if (rc != 0)
		fprintf(stderr, "softfido: cannot write the state: %s\n", strerror(errno));
	return rc;
}

int
softfido_state_save(int lock_fd, const struct softfido_state *st)
{
	return write_all(lock_fd, st);
}

void
softfido_state_unlock(int lock_fd)
{
	if (lock_fd >= 0)
		close(lock_fd);
}

int
softfido_state_create(const char *path, const struct softfido_state *st)
{
	int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	int rc;

	if (fd < 0) {
		fprintf(stderr, "softfido-ctl: cannot create %s: %s%s\n", path, strerror(errno),
			errno == EEXIST ? " (remove it first: init makes a new key)" : "");
		return -1;
	}
	rc = write_all(fd, st);
	close(fd);
	return rc;
}

void
softfido_state_print(const struct softfido_state *st, void *stdio_file)
{
	FILE *out = stdio_file;
	char algs[32] = "";
	size_t i;

	for (i = 0; i < sizeof(alg_names) / sizeof(alg_names[0]); i++)
		if (st->algs & alg_names[i].bit)
			snprintf(algs + strlen(algs), sizeof(algs) - strlen(algs), "%s%s",
				 algs[0] ? "," : "", alg_names[i].name);
	fprintf(out, "counter=%lu\nretries=%d\ncredentials=%lu\npin=%s\nabsent=%d\n", st->counter,
		st->retries, st->credentials, st->pin_set ? "set" : "none", st->absent);
	fprintf(out, "counter_mode=%s\nuv=%d\nunplug=%d\nalg=%s\n",
		st->counter_frozen ? "frozen" : "grow", st->uv, st->unplug, algs);
	if (st->touch == SOFTFIDO_TOUCH_SLOW)
		fprintf(out, "touch=slow:%ld\n", st->touch_ms);
	else
		fprintf(out, "touch=%s\n", st->touch == SOFTFIDO_TOUCH_NONE ? "none" : "auto");
	fprintf(out, "aaguid=");
	for (i = 0; i < sizeof(st->aaguid); i++)
		fprintf(out, "%02x", st->aaguid[i]);
	fprintf(out, "\n");
}
