#!/bin/sh
# After a send through the loopback gateway, no freed block of the process holds the code or
# the phone number: libcurl's own buffers (the request with the form body, the gateway's
# answer, which echoes both) are wiped by the plugin's allocators, the plugin's buffers by
# their free (issue 9). tests/delivery/wipe.c scans every block at free time.
. "$top_srcdir/tests/lib.sh"
WIPE="$top_builddir/tests/delivery/wipe"
[ -x "$WIPE" ] || fail "driver not built: $WIPE (make check builds it)"
start_gateway wipe
# The number in every form a request or an answer carries it: +1..., %2B1..., 1 (425) ... .
DIGITS=4255551234

# wipe_run KIND TO CODE NEEDLE...: runs the driver; fails unless the send was accepted and no
# freed block held the code or a needle.
wipe_run() {
	rc=0
	out=$("$WIPE" "$CONF" "$@" 2>&1) || rc=$?
	[ -z "${TLS_NEEDS_CLEANSE:-}" ] || case $out in *tls_cleanse=no*)
		echo "SKIP (this case): built without OpenSSL 3 headers (libssl-dev): OpenSSL's freed read buffers are not cleansed"
		return 1 ;; esac
	[ "$rc" != 77 ] || skip "$out"
	printf '%s\n' "$out"
	[ "$rc" = 0 ] || fail "after a $1 send, freed memory held a secret (exit $rc): $out"
	expect_in "$out" "send: accepted"
	scanned=$(printf '%s\n' "$out" | sed -n 's/^freed blocks scanned: \([0-9]*\);.*/\1/p')
	[ "${scanned:-0}" -ge 20 ] || fail "only ${scanned:-0} blocks were freed: did the scan see libcurl's? $out"
}

{
	printf '[policy]\nmethods = app sms call\nissuer = example.org\n'
	twilio_section sms
	twilio_section call
} | write_conf
before=$(requests)
code=$(random_code)0123
wipe_run sms "$TO" "$code" "$DIGITS"
[ "$(requests)" -gt "$before" ] || fail "the gateway received nothing"
expect_request "r['form']['Body']" "Your example.org verification code is $code"
pass "sms (Twilio form body, echoed back): no freed block holds the code or the number"

code=$(random_code)4567
wipe_run call "$TO" "$code" "$DIGITS"
pass "call (TwiML): no freed block holds the code or the number"

# provider = http with a JSON body and a bearer secret in a header.
SECRET=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s\n' "$SECRET" > "$T/sms.secret"
chmod 600 "$T/sms.secret"
write_conf <<CONF
[policy]
methods = app sms
[sms]
provider = http
url = http://127.0.0.1:$PORT/send?to=%{to}
content_type = application/json
body = {"to": "%{to}", "text": "%{message}"}
header = Authorization: Bearer %{secret}
secret_file = $T/sms.secret
timeout = 5s
CONF
code=$(random_code)8901
wipe_run sms "$TO" "$code" "$DIGITS" "$SECRET"
pass "sms (http gateway, JSON): no freed block holds the code, the number or the secret"

# Over TLS: OpenSSL decrypts the answer into a buffer of its own, freed by its own allocator;
# the plugin asks it to cleanse what it handed over (SSL_OP_CLEANSE_PLAINTEXT).
make_certs
start_gateway wipe-tls --cert "$T/tls/server.pem" --key "$T/tls/server.key"
{
	printf '[policy]\nmethods = app sms\nissuer = example.org\n'
	twilio_section sms | sed "s|^api_base = http://|api_base = https://|"
	printf 'ca_file = %s\n' "$T/tls/ca.pem"
} | write_conf
code=$(random_code)2345
if TLS_NEEDS_CLEANSE=1 wipe_run sms "$TO" "$code" "$DIGITS" "$TOKEN"; then
	pass "sms over https: no freed block holds the code, the number or the token"
fi
