/* secinfo delivery: picks the provider, then sends its request with libcurl under the rules of
 * SPEC §9 (no proxy, CA or key-log file from the environment, no redirects, capped answers,
 * the whole exchange bounded by the section's timeout). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#ifdef HAVE_OPENSSL_CLEANSE
#include <openssl/ssl.h>
#endif

#include "crypto.h"
#include "curl_alloc.h"
#include "delivery_internal.h"
#include "error.h"
#include "http_template.h"
#include "safefile.h"

/* What is kept of a gateway's answer; a longer one is refused as "answer too large". */
#define SECINFO_ANSWER_MAX 16384
/* The largest credential file (auth_token_file, secret_file). */
#define SECINFO_SECRET_MAX 4096

struct secinfo_answer {
	char data[SECINFO_ANSWER_MAX + 1];
	size_t len;
	int too_large;
};

static const struct secinfo_delivery_provider {
	const char *name;
	int (*prepare)(const struct secinfo_conf *conf, const struct secinfo_gateway *gw,
		       const struct secinfo_delivery_request *request,
		       struct secinfo_delivery_job *job, struct secinfo_delivery_result *result);
} secinfo_delivery_providers[] = {
	{"twilio", secinfo_twilio_prepare},
	{"http", secinfo_http_prepare},
	{NULL, NULL},
};

int
secinfo_delivery_global_init(void)
{
	const char *keylog = getenv("SSLKEYLOGFILE");
	char *saved = NULL;
	CURLcode code;

	/* libcurl's OpenSSL backend opens the file named by SSLKEYLOGFILE during global init and
	 * then writes every TLS session key to it. The invoking user of sudo or passwd must not
	 * be able to make us do that, so the variable is removed for this call and restored
	 * right after (the environment belongs to the host program). Not thread-safe, like
	 * curl_global_init itself on older libcurl. */
	if (keylog != NULL) {
		saved = strdup(keylog);
		if (saved == NULL)
			return SECINFO_ERR_NOMEM;
		unsetenv("SSLKEYLOGFILE");
	}
	/* libcurl's own blocks (request, answer) are wiped when it frees them (curl_alloc.c). */
	code = secinfo_curl_global_init(CURL_GLOBAL_DEFAULT);
	if (saved != NULL) {
		setenv("SSLKEYLOGFILE", saved, 1);
		free(saved);
	}
	return code == CURLE_OK ? 0 : SECINFO_ERR_INTERNAL;
}

void
secinfo_delivery_global_cleanup(void)
{
	curl_global_cleanup();
}

int
secinfo_delivery_url_ok(const char *url)
{
	return url != NULL &&
	       (strncasecmp(url, "https://", 8) == 0 || strncasecmp(url, "http://", 7) == 0);
}

int
secinfo_delivery_read_secret(const char *path, const char *section, const char *key, char **out,
			     struct secinfo_delivery_result *result)
{
	const char *why = NULL;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = secinfo_file_read(path, SECINFO_FILE_PRIVATE, SECINFO_SECRET_MAX, 1, &text, &len,
			       &why);
	if (rc != 0) {
		snprintf(result->detail, sizeof(result->detail), "[%s] %s %s: %s", section, key,
			 path, why != NULL ? why : secinfo_strerror(rc));
		return SECINFO_ERR_CONFIG;
	}
	while (len > 0 && strchr("\r\n \t", text[len - 1]) != NULL)
		text[--len] = '\0';
	if (len == 0 || !secinfo_template_value_ok(text, SECINFO_ESCAPE_TEXT)) {
		snprintf(result->detail, sizeof(result->detail),
			 "[%s] %s %s: empty, or more than one line", section, key, path);
		secinfo_secret_free(text);
		return SECINFO_ERR_CONFIG;
	}
	*out = text;
	return 0;
}

int
secinfo_delivery_message(const struct secinfo_conf *conf,
			 const struct secinfo_delivery_request *request, const char *code_text,
			 struct secinfo_buf *out, struct secinfo_delivery_result *result)
{
	struct secinfo_template_vars vars = {.code = code_text,
					     .issuer = conf->issuer,
					     .user = request->user,
					     .to = request->to};
	const char *template = conf->code_message != NULL
				       ? conf->code_message
				       : "Your %{issuer} verification code is %{code}";

	if (request->notice != NULL) { /* checked by secinfo_delivery_route */
		secinfo_buf_append_str(out, request->notice);
		return out->failed ? SECINFO_ERR_NOMEM : 0;
	}
	return secinfo_template_render(template, &vars, SECINFO_ESCAPE_TEXT, "[codes] message", out,
				       result->detail, sizeof(result->detail));
}

void
secinfo_delivery_redact_one(char *text, size_t len, const char *secret)
{
	size_t n = secret != NULL ? strlen(secret) : 0;
	char *p = text;

	if (n == 0)
		return;
	while ((p = memmem(p, len - (size_t)(p - text), secret, n)) != NULL) {
		memset(p, '*', n);
		p += n;
	}
}

/* The code and the credentials never leave in a result, even when a gateway echoes them. */
static void
secinfo_delivery_redact(char *text, size_t len, const struct secinfo_delivery_job *job,
			const char *code)
{
	secinfo_delivery_redact_one(text, len, code);
	secinfo_delivery_redact_one(text, len, job->password);
	secinfo_delivery_redact_one(text, len, job->secret);
}

static size_t
secinfo_delivery_write(char *data, size_t size, size_t nmemb, void *userdata)
{
	struct secinfo_answer *answer = userdata;
	size_t n = size * nmemb;

	if (n > SECINFO_ANSWER_MAX - answer->len) {
		answer->too_large = 1;
		return 0; /* anything but n aborts the transfer with CURLE_WRITE_ERROR */
	}
	memcpy(answer->data + answer->len, data, n);
	answer->len += n;
	return n;
}

#ifdef HAVE_OPENSSL_CLEANSE
/* OpenSSL keeps a received record's plaintext (the gateway's answer, which may echo the code
 * and the number) in its read buffer and frees it with its own allocator, which
 * curl_alloc.c does not reach: ask it to cleanse what it has handed over. */
static CURLcode
secinfo_delivery_ssl_ctx(CURL *curl, void *ssl_ctx, void *data)
{
	SSL_CTX_set_options(ssl_ctx, SSL_OP_CLEANSE_PLAINTEXT);
	return CURLE_OK;
}
#endif

int
secinfo_delivery_setopt_safe(CURL *curl, long timeout_ms, const char *ca_file)
{
	const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
	int bad = 0;

	/* An empty proxy disables every proxy, including http_proxy and ALL_PROXY. */
	bad |= curl_easy_setopt(curl, CURLOPT_PROXY, "") != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_NOPROXY, "*") != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) !=
	       CURLE_OK;
	/* The CA comes from the configuration or libcurl's built-in default, set explicitly so
	 * that OpenSSL never falls back to SSL_CERT_FILE/SSL_CERT_DIR from the environment. */
	bad |= curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file != NULL ? ca_file : info->cainfo) !=
	       CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_CAPATH, ca_file != NULL ? NULL : info->capath) !=
	       CURLE_OK;
#ifdef HAVE_OPENSSL_CLEANSE
	/* Only when libcurl's TLS is OpenSSL's: another backend never gets an OpenSSL context. */
	if (info->ssl_version != NULL && strncmp(info->ssl_version, "OpenSSL/", 8) == 0)
		bad |= curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, secinfo_delivery_ssl_ctx) !=
		       CURLE_OK;
#endif
	return bad ? SECINFO_ERR_INTERNAL : 0;
}

/* The transport rules that hold for every HTTP gateway. Returns 0 or SECINFO_ERR_INTERNAL. */
static int
secinfo_delivery_setopt_transport(CURL *curl, const struct secinfo_gateway *gw,
				  struct secinfo_answer *answer, char *errbuf)
{
	long timeout_ms = (gw->timeout > 0 ? gw->timeout : 10) * 1000L;
	int bad = secinfo_delivery_setopt_safe(curl, timeout_ms, gw->ca_file) != 0;

#if LIBCURL_VERSION_NUM >= 0x075500
	bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
	/* Redirects are never followed (FOLLOWLOCATION 0); libcurl refuses an empty list here, so
	 * the redirect protocols are limited to the same two as a second fence. */
	bad |= curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
#else
	bad |= curl_easy_setopt(curl, CURLOPT_PROTOCOLS,
				(long)(CURLPROTO_HTTP | CURLPROTO_HTTPS)) != CURLE_OK;
#endif
	bad |= curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_USERAGENT, "secinfo/" PACKAGE_VERSION) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, secinfo_delivery_write) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_WRITEDATA, answer) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)SECINFO_ANSWER_MAX) !=
	       CURLE_OK;
	return bad ? SECINFO_ERR_INTERNAL : 0;
}

/* The request itself: URL, method, body, headers, basic auth. */
static int
secinfo_delivery_setopt_request(CURL *curl, const struct secinfo_delivery_job *job,
				struct curl_slist *headers)
{
	int bad = 0;

	bad |= curl_easy_setopt(curl, CURLOPT_URL, secinfo_buf_text(&job->url)) != CURLE_OK;
	bad |= curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers) != CURLE_OK;
	if (strcmp(job->method, "GET") == 0) {
		bad |= curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L) != CURLE_OK;
	} else {
		/* POSTFIELDS is not copied: the buffer is ours, wiped after the transfer. */
		bad |= curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
					(curl_off_t)job->body.len) != CURLE_OK;
		bad |= curl_easy_setopt(curl, CURLOPT_POSTFIELDS, secinfo_buf_text(&job->body)) !=
		       CURLE_OK;
		if (strcmp(job->method, "POST") != 0)
			bad |= curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, job->method) !=
			       CURLE_OK;
	}
	if (job->username != NULL && job->password != NULL) {
		bad |= curl_easy_setopt(curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) != CURLE_OK;
		bad |= curl_easy_setopt(curl, CURLOPT_USERNAME, job->username) != CURLE_OK;
		bad |= curl_easy_setopt(curl, CURLOPT_PASSWORD, job->password) != CURLE_OK;
	}
	return bad ? SECINFO_ERR_INTERNAL : 0;
}

static void
secinfo_delivery_headers_free(struct curl_slist *headers)
{
	for (struct curl_slist *h = headers; h != NULL; h = h->next)
		secinfo_wipe(h->data, strlen(h->data));
	curl_slist_free_all(headers);
}

/* Content-Type, no "Expect: 100-continue", and the configured header line (may hold the
 * secret: the list is wiped when freed). Returns 0 or SECINFO_ERR_NOMEM. */
static int
secinfo_delivery_headers(const struct secinfo_delivery_job *job, struct curl_slist **headers)
{
	struct secinfo_buf line = {0};
	struct curl_slist *list = NULL, *next;
	int rc = SECINFO_ERR_NOMEM;

	*headers = NULL;
	if ((list = curl_slist_append(NULL, "Expect:")) == NULL)
		goto out;
	if (job->has_body && job->content_type != NULL) {
		secinfo_buf_append_str(&line, "Content-Type: ");
		secinfo_buf_append_str(&line, job->content_type);
		if (line.failed || (next = curl_slist_append(list, line.data)) == NULL)
			goto out;
		list = next;
	}
	if (job->header.len > 0) {
		if ((next = curl_slist_append(list, job->header.data)) == NULL)
			goto out;
		list = next;
	}
	*headers = list;
	list = NULL;
	rc = 0;
out:
	secinfo_delivery_headers_free(list);
	secinfo_buf_free(&line);
	return rc;
}

/* Turns libcurl's outcome into RESULT. Returns 0 for a 2xx answer, else SECINFO_ERR_IO. */
static int
secinfo_delivery_outcome(CURLcode code, const struct secinfo_gateway *gw,
			 const struct secinfo_answer *answer, const char *errbuf,
			 struct secinfo_delivery_result *result)
{
	const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(code);
	char *detail = result->detail;
	size_t size = sizeof(result->detail);

	if (code == CURLE_OK) {
		snprintf(detail, size, "gateway answered %ld", result->http_status);
		return result->http_status >= 200 && result->http_status < 300 ? 0 : SECINFO_ERR_IO;
	}
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(detail, size, "timed out after %ld s", gw->timeout);
		break;
	case CURLE_COULDNT_CONNECT:
		snprintf(detail, size, "could not connect to the gateway: %.200s", why);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(detail, size, "could not resolve the gateway's host name: %.200s", why);
		break;
	case CURLE_PEER_FAILED_VERIFICATION:
		snprintf(detail, size, "TLS verification failed: %.200s", why);
		break;
	case CURLE_SSL_CONNECT_ERROR:
		snprintf(detail, size, "TLS handshake failed: %.200s", why);
		break;
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_WRITE_ERROR:
		if (code == CURLE_FILESIZE_EXCEEDED || answer->too_large) {
			snprintf(detail, size, "answer too large (over %d bytes)",
				 SECINFO_ANSWER_MAX);
			break;
		}
		__attribute__((fallthrough));
	default: snprintf(detail, size, "sending failed: %.200s", why); break;
	}
	return SECINFO_ERR_IO;
}

/* Copies the start of the answer, printable ASCII only, into RESULT->response. */
static void
secinfo_delivery_response(const struct secinfo_answer *answer,
			  struct secinfo_delivery_result *result)
{
	size_t n = answer->len < sizeof(result->response) - 1 ? answer->len
							      : sizeof(result->response) - 1;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)answer->data[i];
		result->response[i] = c == '\n' || c == '\r' || c == '\t' ? ' '
				      : c < 0x20 || c >= 0x7f             ? '?'
									  : (char)c;
	}
	result->response[n] = '\0';
}

/* Sends JOB; fills RESULT. Returns 0 for a 2xx answer, or a negative SECINFO_ERR_* code. */
static int
secinfo_delivery_perform(const struct secinfo_gateway *gw, const struct secinfo_delivery_job *job,
			 const char *code_digits, struct secinfo_delivery_result *result)
{
	struct secinfo_answer *answer = NULL;
	struct curl_slist *headers = NULL;
	char errbuf[CURL_ERROR_SIZE] = "";
	CURL *curl = NULL;
	CURLcode code;
	int rc, initialised = 0;

	snprintf(result->detail, sizeof(result->detail), "could not set up libcurl");
	if ((answer = calloc(1, sizeof(*answer))) == NULL) {
		rc = SECINFO_ERR_NOMEM;
		goto out;
	}
	if ((rc = secinfo_delivery_global_init()) != 0)
		goto out;
	initialised = 1;
	rc = SECINFO_ERR_INTERNAL;
	if ((curl = curl_easy_init()) == NULL)
		goto out;
	if ((rc = secinfo_delivery_headers(job, &headers)) != 0 ||
	    (rc = secinfo_delivery_setopt_transport(curl, gw, answer, errbuf)) != 0 ||
	    (rc = secinfo_delivery_setopt_request(curl, job, headers)) != 0)
		goto out;
	code = curl_easy_perform(curl);
	if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result->http_status) != CURLE_OK)
		result->http_status = 0;
	secinfo_delivery_redact(errbuf, strlen(errbuf), job, code_digits);
	secinfo_delivery_redact(answer->data, answer->len, job, code_digits);
	rc = secinfo_delivery_outcome(code, gw, answer, errbuf, result);
	secinfo_delivery_response(answer, result);
out:
	curl_easy_cleanup(curl);
	secinfo_delivery_headers_free(headers);
	if (answer != NULL) {
		secinfo_wipe(answer, sizeof(*answer));
		free(answer);
	}
	if (initialised)
		secinfo_delivery_global_cleanup();
	return rc;
}

/* Returns 1 for E.164: "+", a non-zero digit, 7 to 15 digits in all. */
static int
secinfo_delivery_e164(const char *to)
{
	size_t digits = to != NULL && to[0] == '+' ? strspn(to + 1, "0123456789") : 0;

	return digits >= 7 && digits <= 15 && to[digits + 1] == '\0' && to[1] != '0';
}

/* Checks REQUEST and finds its gateway and provider. Returns 0 or a negative SECINFO_ERR_*. */
static int
secinfo_delivery_route(const struct secinfo_conf *conf,
		       const struct secinfo_delivery_request *request,
		       const struct secinfo_gateway **gw,
		       const struct secinfo_delivery_provider **provider,
		       struct secinfo_delivery_job *job, struct secinfo_delivery_result *result)
{
	size_t code_len = request->code != NULL ? strlen(request->code) : 0;

	if (request->channel != SECINFO_CHANNEL_SMS && request->channel != SECINFO_CHANNEL_CALL) {
		snprintf(result->detail, sizeof(result->detail), "not a text or call method");
		return SECINFO_ERR_INVALID;
	}
	job->section = request->channel == SECINFO_CHANNEL_SMS ? "sms" : "call";
	*gw = request->channel == SECINFO_CHANNEL_SMS ? &conf->sms : &conf->call;
	if (request->notice != NULL) {
		/* A notice goes by text message only, as one line of text. */
		if (request->channel != SECINFO_CHANNEL_SMS || request->code != NULL ||
		    request->notice[0] == '\0' ||
		    strlen(request->notice) > SECINFO_DELIVERY_NOTICE_MAX ||
		    !secinfo_template_value_ok(request->notice, SECINFO_ESCAPE_TEXT) ||
		    !secinfo_delivery_e164(request->to)) {
			snprintf(result->detail, sizeof(result->detail),
				 "refused: a notice goes by text message, as one line of text, "
				 "to an E.164 number");
			return SECINFO_ERR_INVALID;
		}
	} else if (code_len == 0 || code_len > 16 ||
		   strspn(request->code, "0123456789") != code_len ||
		   !secinfo_delivery_e164(request->to)) {
		snprintf(result->detail, sizeof(result->detail),
			 "refused: the code must be digits and the number E.164");
		return SECINFO_ERR_INVALID;
	}
	for (*provider = secinfo_delivery_providers; (*provider)->name != NULL; (*provider)++)
		if ((*gw)->provider != NULL && strcmp((*gw)->provider, (*provider)->name) == 0)
			return 0;
	snprintf(result->detail, sizeof(result->detail),
		 "[%s] provider is not set (twilio or http)", job->section);
	return SECINFO_ERR_CONFIG;
}

__attribute__((visibility("default"))) int
secinfo_delivery_send(const struct secinfo_conf *conf,
		      const struct secinfo_delivery_request *request,
		      struct secinfo_delivery_result *result)
{
	const struct secinfo_delivery_provider *provider = NULL;
	const struct secinfo_gateway *gw = NULL;
	struct secinfo_delivery_job job = {0};
	int rc;

	memset(result, 0, sizeof(*result));
	/* Credentials are read into libsodium's guarded memory. */
	if (secinfo_crypto_init() != 0) {
		snprintf(result->detail, sizeof(result->detail), "libsodium failed to initialise");
		return SECINFO_ERR_CRYPTO;
	}
	if (request->channel == SECINFO_CHANNEL_EMAIL)
		return secinfo_smtp_send(conf, request, result);
	rc = secinfo_delivery_route(conf, request, &gw, &provider, &job, result);
	if (rc == 0)
		rc = provider->prepare(conf, gw, request, &job, result);
	if (rc == 0)
		rc = secinfo_delivery_perform(gw, &job, request->code, result);
	secinfo_delivery_redact(result->detail, strlen(result->detail), &job, request->code);
	secinfo_secret_free(job.password);
	secinfo_secret_free(job.secret);
	secinfo_buf_free(&job.url);
	secinfo_buf_free(&job.body);
	secinfo_buf_free(&job.header);
	return rc;
}
