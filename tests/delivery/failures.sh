#!/bin/sh
# A gateway that fails, hangs, redirects, answers too much or shows a certificate nobody
# trusts: each send fails with a clear detail; proxies from the environment are ignored
# (SPEC §8, §9).
. "$top_srcdir/tests/lib.sh"
make_certs
start_gateway rogue --cert "$T/tls/rogue.pem" --key "$T/tls/rogue.key"
ROGUE_PORT=$PORT
start_gateway good --cert "$T/tls/server.pem" --key "$T/tls/server.key"
TLS_PORT=$PORT
start_gateway plain --hang 20
PLAIN_PORT=$PORT

# gateway_conf URL [TIMEOUT] [CA_FILE]: [sms] provider = http posting a JSON body to URL.
gateway_conf() {
	{
		printf '[policy]\nmethods = app sms\n'
		printf '[sms]\nprovider = http\nurl = %s\ncontent_type = application/json\n' "$1"
		printf 'body = {"to": "%%{to}", "text": "%%{message}"}\ntimeout = %s\n' "${2:-5s}"
		[ -z "${3:-}" ] || printf 'ca_file = %s\n' "$3"
	} | write_conf
}

# A 500 from the gateway.
gateway_conf "http://127.0.0.1:$PLAIN_PORT/status/500"
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "status=500"
expect_in "$OUT" "detail=gateway answered 500"
pass "500 is a failure"

# A gateway that hangs: the send gives up after timeout, not much later.
gateway_conf "http://127.0.0.1:$PLAIN_PORT/hang" 2s
start=$(date +%s)
send_code sms "$TO" "$(random_code)"
elapsed=$(($(date +%s) - start))
expect_rc 1
expect_in "$OUT" "detail=timed out after 2 s"
[ "$elapsed" -le 4 ] || fail "a 2 s timeout took $elapsed s"
expect_request "r['path']" /hang
pass "hang: timed out after 2 s (took $elapsed s)"

# Nobody listening.
gateway_conf "http://127.0.0.1:$(free_port)/send"
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "status=0"
expect_in "$OUT" "detail=could not connect to the gateway"
pass "connection refused"

# A redirect is an answer, not an instruction: 302 fails and /redirected is never asked for.
gateway_conf "http://127.0.0.1:$PLAIN_PORT/redirect"
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "status=302"
expect_in "$OUT" "detail=gateway answered 302"
sleep 0.5
expect_request "r['path']" /redirect
if grep -q '/redirected' "$T"/*.log; then fail "the redirect was followed"; fi
pass "redirect not followed"

# Answers over the cap, announced by Content-Length or streamed in chunks.
for path in /big /big-chunked; do
	gateway_conf "http://127.0.0.1:$PLAIN_PORT$path"
	send_code sms "$TO" "$(random_code)"
	expect_rc 1
	expect_in "$OUT" "detail=answer too large"
done
pass "oversized answers refused"

# TLS: the test CA works; a self-signed certificate is refused, with ca_file and with the
# system store; a certificate for another name is refused.
gateway_conf "https://127.0.0.1:$TLS_PORT/send" 5s "$T/tls/ca.pem"
send_code sms "$TO" "$(random_code)"
expect_rc 0
before=$(wc -l < "$T/rogue.log")
for ca in "$T/tls/ca.pem" ""; do
	gateway_conf "https://127.0.0.1:$ROGUE_PORT/send" 5s "$ca"
	send_code sms "$TO" "$(random_code)"
	expect_rc 1
	expect_in "$OUT" "status=0"
	expect_in "$OUT" "detail=TLS verification failed"
done
[ "$(wc -l < "$T/rogue.log")" = "$before" ] || fail "a request reached the untrusted gateway"
gateway_conf "https://localhost:$TLS_PORT/send" 5s "$T/tls/ca.pem"
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "detail=TLS"
pass "untrusted or misnamed certificates refused"

# Proxies in the environment (a dead one) are ignored, for http and https.
dead=$(free_port)
for url in "http://127.0.0.1:$PLAIN_PORT/send" "https://127.0.0.1:$TLS_PORT/send"; do
	gateway_conf "$url" 5s "$T/tls/ca.pem"
	code=$(random_code)
	OUT=$(http_proxy="http://127.0.0.1:$dead" HTTP_PROXY="http://127.0.0.1:$dead" \
		https_proxy="http://127.0.0.1:$dead" HTTPS_PROXY="http://127.0.0.1:$dead" \
		ALL_PROXY="http://127.0.0.1:$dead" all_proxy="http://127.0.0.1:$dead" \
		NO_PROXY= no_proxy= "$SEND" "$CONF" sms "$TO" "$code" 2>&1) && RC=0 || RC=$?
	expect_rc 0
	LOG="$T/plain.log"
	case $url in https:*) LOG="$T/good.log" ;; esac
	expect_request "r['json']['text'].endswith('$code')" True
done
pass "http_proxy, HTTPS_PROXY and ALL_PROXY ignored"
