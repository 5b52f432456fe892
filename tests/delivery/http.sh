#!/bin/sh
# provider = http: url, method, content_type, body and header templates, each value escaped
# for where it lands; CR/LF and unknown variables refused before any request (SPEC §5, §8).
. "$top_srcdir/tests/lib.sh"
make_certs
start_gateway http --cert "$T/tls/server.pem" --key "$T/tls/server.key"
SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s\n' "$SECRET" > "$T/sms.secret"
chmod 600 "$T/sms.secret"

# http_conf CONTENT_TYPE BODY [URL_PATH] [METHOD] [HEADER]: [sms] through the https gateway.
http_conf() {
	{
		printf '[policy]\nmethods = app sms\nissuer = exa"mple\\org\n'
		printf '[codes]\nmessage = Code %%{code} for %%{user} from %%{issuer}\n'
		printf '[sms]\nprovider = http\nurl = https://127.0.0.1:%s%s\n' "$PORT" \
			"${3:-/send?to=%{to\}&user=%{user\}}"
		printf 'method = %s\n' "${4:-POST}"
		[ -n "$1" ] && printf 'content_type = %s\n' "$1"
		[ -n "$2" ] && printf 'body = %s\n' "$2"
		printf 'header = %s\nsecret_file = %s\n' "${5:-Authorization: Bearer %{secret\}}" \
			"$T/sms.secret"
		printf 'ca_file = %s\ntimeout = 5s\n' "$T/tls/ca.pem"
	} | write_conf
}

# JSON: a user and an issuer with a quote and a backslash come out as the same strings.
user='o"brien\x & y=1'
message="Code CODE for $user from exa\"mple\\org"
http_conf application/json \
	'{"to": "%{to}", "text": "%{message}", "user": "%{user}", "code": "%{code}"}'
code=$(random_code)
send_code sms "$TO" "$code" "$user"
expect_rc 0
expect_in "$OUT" "status=200"
expect_not_in "$OUT" "$SECRET"
expect_request "r['method']" POST
expect_request "r['headers']['Content-Type']" application/json
expect_request "r['headers']['Authorization']" "Bearer $SECRET"
expect_request "r.get('json_error', 'parsed')" parsed
expect_request "r['json']['to']" "$TO"
expect_request "r['json']['user']" "$user"
expect_request "r['json']['code']" "$code"
expect_request "r['json']['text']" "$(echo "$message" | sed "s/CODE/$code/")"
expect_request "urllib.parse.parse_qs(urllib.parse.urlsplit(r['path']).query)['to'][0]" "$TO"
expect_request "urllib.parse.parse_qs(urllib.parse.urlsplit(r['path']).query)['user'][0]" "$user"
pass "json body: values JSON-escaped, url values percent-encoded, secret in the header"

# Form: '&' and '=' in a value stay inside their field.
http_conf application/x-www-form-urlencoded 'to=%{to}&msg=%{message}&u=%{user}'
code=$(random_code)
send_code sms "$TO" "$code" "$user"
expect_rc 0
expect_request "sorted(r['form'])" "['msg', 'to', 'u']"
expect_request "r['form']['u']" "$user"
expect_request "r['form']['to']" "$TO"
expect_request "r['form']['msg']" "$(echo "$message" | sed "s/CODE/$code/")"
pass "form body: values form-encoded"

# GET: everything in the url.
http_conf "" "" "/send?to=%{to}&text=%{message}" GET
code=$(random_code)
send_code sms "$TO" "$code" bob
expect_rc 0
expect_request "r['method']" GET
expect_request "r['body']" ""
expect_request "urllib.parse.parse_qs(urllib.parse.urlsplit(r['path']).query)['text'][0]" \
	"Code $code for bob from exa\"mple\\org"
pass "GET with the values in the url"

# Refused before anything leaves: CR/LF in a value (header, body, url), an unknown variable,
# %{secret} without secret_file, variables in a body of unknown type.
before=$(requests)
http_conf application/json '{"text": "%{message}"}' "" POST "X-User: %{user}"
send_code sms "$TO" "$(random_code)" "$(printf 'a\r\nX-Evil: 1')"
expect_rc 1
expect_in "$OUT" "line break"
send_code sms "$TO" "$(random_code)" "$(printf 'a\nb')"
expect_rc 1
http_conf application/json '{"text": "%{nope}"}'
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "unknown template variable %{nope}"
expect_in "$OUT" "error=invalid configuration"
http_conf text/xml '<m>%{message}</m>'
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "content_type"
http_conf application/json '{"text": "%{message}"' "/send?k=%{secret"
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "unterminated"
[ "$(requests)" = "$before" ] || fail "a refused template reached the gateway"
pass "CR/LF, unknown variables and unknown body types refused without a request"
