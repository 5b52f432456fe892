#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "crypto.h"
#include "otp.h"
#include "pamtest_util.h"
#include "store.h"

static struct pt_env *pt_exit_env; /* removed at exit, also after exit(99) */

static void
pt_cleanup_at_exit(void)
{
	if (pt_exit_env != NULL)
		pt_cleanup(pt_exit_env);
}

void
pt_adopt(struct pt_env *env, const char *dir)
{
	snprintf(env->dir, sizeof(env->dir), "%s", dir);
	snprintf(env->conf, sizeof(env->conf), "%s/secinfo.conf", dir);
	pt_exit_env = env;
	atexit(pt_cleanup_at_exit);
}

static void
pt_die(const char *what)
{
	fprintf(stderr, "setup failed: %s: %s\n", what, strerror(errno));
	exit(99);
}

static void
pt_write(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) != 0)
		pt_die(path);
}

struct secinfo_store *
pt_store(struct pt_env *env, struct secinfo_conf **conf, int flags)
{
	struct secinfo_problems problems = {0};
	struct secinfo_store *store = NULL;
	char why[512];

	if (secinfo_conf_load(env->conf, conf, &problems) != 0) {
		for (size_t i = 0; i < problems.count; i++)
			fprintf(stderr, "%s\n", problems.text[i]);
		exit(99);
	}
	secinfo_problems_free(&problems);
	if (secinfo_store_open(*conf, flags, &store, why, sizeof(why)) != 0) {
		fprintf(stderr, "store: %s\n", why);
		exit(99);
	}
	return store;
}

void
pt_setup(struct pt_env *env, const char *extra)
{
	const char *top = getenv("top_builddir");
	char path[512], text[4096];
	struct secinfo_conf *conf = NULL;
	const char *why = NULL;

	if (secinfo_crypto_init() != 0 || secinfo_otp_init() != 0)
		pt_die("crypto init");
	/* The test build (Makefile.am): it trusts our own files, so no root is needed. */
	snprintf(env->module, sizeof(env->module), "%s/tests/testbuild/.libs/pam_secinfo.so",
		 top != NULL ? top : ".");
	snprintf(env->dir, sizeof(env->dir), "/tmp/secinfo-ctest.XXXXXX");
	if (mkdtemp(env->dir) == NULL)
		pt_die("mkdtemp");
	pt_exit_env = env;
	atexit(pt_cleanup_at_exit);
	snprintf(path, sizeof(path), "%s/db", env->dir);
	if (mkdir(path, 0700) != 0)
		pt_die(path);
	snprintf(path, sizeof(path), "%s/pam.d", env->dir);
	if (mkdir(path, 0700) != 0)
		pt_die(path);
	snprintf(env->conf, sizeof(env->conf), "%s/secinfo.conf", env->dir);
	snprintf(text, sizeof(text), "[database]\npath = %s/db/secinfo.db\nkey_file = %s/key\n%s",
		 env->dir, env->dir, extra != NULL ? extra : "");
	pt_write(env->conf, text, 0644);
	snprintf(path, sizeof(path), "%s/key", env->dir);
	if (secinfo_key_create(path, &why) != 0)
		pt_die("key");
	secinfo_store_close(pt_store(env, &conf, SECINFO_STORE_CREATE));
	secinfo_conf_free(conf);
}

void
pt_cleanup(struct pt_env *env)
{
	char cmd[512];

	if (env->dir[0] == '\0' || getenv("SECINFO_TEST_KEEP") != NULL)
		return;
	/* Not under pam_wrapper: the shell would set up a /tmp/pam.X directory of its own and
	 * leave it behind (it ends with _exit), one of the 62 that every test shares. */
	unsetenv("PAM_WRAPPER");
	unsetenv("LD_PRELOAD");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", env->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", env->dir);
	env->dir[0] = '\0';
}

static void
pt_add(struct pt_env *env, const char *user, int kind, const char *detail,
       const unsigned char *secret, size_t secret_len, const struct secinfo_otp_params *otp)
{
	struct secinfo_conf *conf = NULL;
	struct secinfo_store *store = pt_store(env, &conf, 0);
	long long id = 0;

	if (secinfo_store_begin(store) != 0 ||
	    secinfo_store_method_add(store, user, kind, detail, secret, secret_len, otp, time(NULL),
				     &id) != 0 ||
	    secinfo_store_commit(store) != 0)
		pt_die("method add");
	secinfo_store_close(store);
	secinfo_conf_free(conf);
}

void
pt_enroll_app(struct pt_env *env, const char *user, int hotp)
{
	struct secinfo_otp_params otp = {0, 6, 30, hotp};
	unsigned char *secret = NULL;
	size_t len = 0;

	if (secinfo_base32_decode(PT_SECRET_B32, &secret, &len) != 0)
		pt_die("base32");
	pt_add(env, user, SECINFO_KIND_APP, NULL, secret, len, &otp);
	secinfo_secret_free(secret);
}

void
pt_enroll_detail(struct pt_env *env, const char *user, const char *kind, const char *detail)
{
	pt_add(env, user, secinfo_kind_parse(kind), detail, NULL, 0, NULL);
}

void
pt_totp(int steps, char code[16])
{
	char cmd[256];
	FILE *p;

	/* Without the test's preloads (pam_wrapper, the ASan runtime): oathtool is not ours. */
	snprintf(cmd, sizeof(cmd), "env -u LD_PRELOAD oathtool --totp -b %s --now @%lld",
		 PT_SECRET_B32, (long long)time(NULL) + steps * 30);
	p = popen(cmd, "r");
	if (p == NULL || fgets(code, 16, p) == NULL)
		pt_die("oathtool");
	pclose(p);
	code[strcspn(code, "\n")] = '\0';
}

void
pt_service(struct pt_env *env, const char *name, const char *args)
{
	char path[512], text[4096];

	snprintf(path, sizeof(path), "%s/pam.d/%s", env->dir, name);
	snprintf(text, sizeof(text),
		 "auth required %s config=%s %s\naccount required %s config=%s %s\n", env->module,
		 env->conf, args, env->module, env->conf, args);
	pt_write(path, text, 0644);
}

void
pt_wrap(struct pt_env *env, int argc, char **argv)
{
	char dir[512], self[1024], preload[1024];
	ssize_t n;

	(void)argc;
	if (getenv("PAM_WRAPPER") != NULL) {
		/* Re-executed: without pam_wrapper the loader went on without it, and PAM would
		 * read the system's /etc/pam.d. */
		if (dlopen("libpam_wrapper.so", RTLD_LAZY | RTLD_NOLOAD) == NULL) {
			printf("SKIP: libpam_wrapper.so is not installed (Debian package "
			       "libpam-wrapper)\n");
			exit(77);
		}
		return;
	}
	snprintf(dir, sizeof(dir), "%s/pam.d", env->dir);
	setenv("PAM_WRAPPER", "1", 1);
	setenv("PAM_WRAPPER_SERVICE_DIR", dir, 1);
	setenv("PAM_WRAPPER_DISABLE_DEEPBIND", "1", 1);
	/* SECINFO_TEST_PRELOAD: the ASan runtime in sanitizer builds, which must come first. */
	snprintf(preload, sizeof(preload), "%s%slibpam_wrapper.so",
		 getenv("SECINFO_TEST_PRELOAD") ? getenv("SECINFO_TEST_PRELOAD") : "",
		 getenv("SECINFO_TEST_PRELOAD") ? " " : "");
	setenv("LD_PRELOAD", preload, 1);
	setenv("SECINFO_TEST_DIR", env->dir, 1);
	/* glibc's per-thread cache keeps freed chunks counted as in use by mallinfo2; without it
	 * the heap figures of the leak tests are exact. */
	setenv("GLIBC_TUNABLES", "glibc.malloc.tcache_count=0", 1);
	/* readlink, not exec of /proc/self/exe: valgrind answers the readlink with the client. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		pt_die("readlink /proc/self/exe");
	self[n] = '\0';
	execv(self, argv);
	pt_die("execv");
}

int
pt_conv_fn(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	struct pt_conv *c = data;
	struct pam_response *r;

	if (c->fail)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		size_t used = strlen(c->transcript);
		int style = msg[i]->msg_style;
		snprintf(c->transcript + used, sizeof(c->transcript) - used, "%s%s\n",
			 style == PAM_PROMPT_ECHO_OFF  ? "[off] "
			 : style == PAM_PROMPT_ECHO_ON ? "[on] "
			 : style == PAM_ERROR_MSG      ? "[error] "
						       : "[info] ",
			 msg[i]->msg);
		if (style != PAM_PROMPT_ECHO_OFF && style != PAM_PROMPT_ECHO_ON)
			continue;
		c->prompts++;
		if (c->hook != NULL && c->prompts == c->hook_at)
			c->hook(c->hook_arg);
		if (c->next >= c->n_answers || c->answers[c->next] == NULL) {
			c->next++;
			free(r);
			*resp = NULL;
			return PAM_SUCCESS; /* a NULL reply, as a closed terminal gives */
		}
		r[i].resp = strdup(c->answers[c->next++]);
	}
	*resp = r;
	return PAM_SUCCESS;
}
