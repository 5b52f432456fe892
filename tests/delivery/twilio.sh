#!/bin/sh
# provider = twilio against the loopback gateway over https (test CA in ca_file), checked the
# way Twilio checks: path with the account SID, basic auth, form fields, E.164 (SPEC §8).
. "$top_srcdir/tests/lib.sh"
make_certs
start_gateway twilio --cert "$T/tls/server.pem" --key "$T/tls/server.key"

# twilio_conf TOKEN_FILE [FROM]: [sms] and [call] through the gateway.
twilio_conf() {
	for section in sms call; do
		printf '[%s]\nprovider = twilio\naccount_sid = %s\nauth_token_file = %s\n' \
			"$section" "$SID" "$1"
		printf 'from = %s\napi_base = https://127.0.0.1:%s/\nca_file = %s\ntimeout = 5s\n' \
			"${2:-$FROM}" "$PORT" "$T/tls/ca.pem"
	done | {
		printf '[policy]\nmethods = app sms call\nissuer = example.org\n'
		cat
	} | write_conf
}
twilio_conf "$T/twilio.token"

# A text message: the Messages API, every field as Twilio wants it.
code=$(random_code)
send_code sms "$TO" "$code"
expect_rc 0
expect_in "$OUT" "status=201"
expect_in "$OUT" '"sid": "SM'
expect_not_in "$OUT" "$code" # the gateway echoes the body; the result never holds the code
expect_not_in "$OUT" "$TOKEN"
expect_request "r['method']" POST
expect_request "r['path']" "/2010-04-01/Accounts/$SID/Messages.json"
expect_request "base64.b64decode(r['headers']['Authorization'].split()[1]).decode()" "$SID:$TOKEN"
expect_request "r['headers']['Content-Type']" application/x-www-form-urlencoded
expect_request "r['headers']['User-Agent'].startswith('secinfo/')" True
expect_request "sorted(r['form'])" "['Body', 'From', 'To']"
expect_request "r['form']['To']" "$TO"
expect_request "r['form']['From']" "$FROM"
expect_request "r['form']['Body']" "Your example.org verification code is $code"
expect_request "re.findall(r'\\b\\d{6}\\b', r['form']['Body'])" "['$code']"
pass "sms: Messages API over https with basic auth, To/From/Body and the code"

# A call: the Calls API with TwiML that says the digits one by one, twice.
code=$(random_code)
spoken=$(echo "$code" | sed 's/./&, /g; s/, $//')
send_code call "$TO" "$code"
expect_rc 0
expect_in "$OUT" '"sid": "CA'
expect_request "r['path']" "/2010-04-01/Accounts/$SID/Calls.json"
expect_request "sorted(r['form'])" "['From', 'To', 'Twiml']"
expect_request "r['form']['Twiml']" \
	"<Response><Say>Your example.org verification code is $spoken. Again: $spoken.</Say></Response>"
expect_request "len(re.findall(r'(?:\\d, ){5}\\d', r['form']['Twiml']))" 2
pass "call: Calls API with TwiML <Say>, digits separated, twice"

# A wrong token: Twilio's 401, reported as a failure with the status; the token never shows.
printf 'wrong%s\n' "$TOKEN" > "$T/wrong.token"
chmod 600 "$T/wrong.token"
twilio_conf "$T/wrong.token"
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "status=401"
expect_in "$OUT" "detail=gateway answered 401"
expect_in "$OUT" '"code": 20003'
expect_not_in "$OUT" "wrong$TOKEN"
pass "wrong token: 401 is a failure with its status"

# The gateway's own checks: an invalid From is Twilio's 400 / 21212.
twilio_conf "$T/twilio.token" 555
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "status=400"
expect_in "$OUT" '"code": 21212'
pass "invalid From: the gateway's 400 is a failure"

# Refused before anything leaves: a number that is not E.164, a token file others can read.
twilio_conf "$T/twilio.token"
before=$(requests)
send_code sms 4255551234 "$(random_code)"
expect_rc 1
chmod 644 "$T/twilio.token"
send_code sms "$TO" "$(random_code)"
expect_rc 1
expect_in "$OUT" "auth_token_file"
chmod 600 "$T/twilio.token"
[ "$(requests)" = "$before" ] || fail "a refused send reached the gateway"
pass "no request for a non-E.164 number or an unsafe token file"

# SSLKEYLOGFILE from the environment is never honoured: no TLS secrets written anywhere.
SSLKEYLOGFILE="$T/keylog" send_code sms "$TO" "$(random_code)"
expect_rc 0
[ ! -e "$T/keylog" ] || fail "libcurl wrote TLS keys to SSLKEYLOGFILE"
pass "SSLKEYLOGFILE ignored"

# Once under valgrind: no errors, no leaks, every secret path included.
# (Not in the sanitizer build: valgrind cannot run ASan-instrumented programs; ASan checks it.)
if command -v valgrind >/dev/null && [ -z "${SECINFO_TEST_PRELOAD:-}" ]; then
	code=$(random_code)
	OUT=$(valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect "$SEND" "$CONF" sms "$TO" "$code" 2>&1) &&
		RC=0 || RC=$?
	expect_rc 0
	expect_request "r['form']['Body']" "Your example.org verification code is $code"
	pass "valgrind: clean"
else
	echo "# valgrind is not installed, or this is the ASan build: valgrind check skipped"
fi

# The plugin the module dlopens exports its entry point and nothing else.
PLUGIN="$top_builddir/pam_secinfo/.libs/secinfo-delivery.so"
[ -f "$PLUGIN" ] || fail "plugin not built: $PLUGIN"
if command -v nm >/dev/null; then
	exports=$(nm -D --defined-only "$PLUGIN" | awk '$2 ~ /^[TDBRVW]$/ {print $3}')
	[ "$exports" = secinfo_delivery_send ] || fail "the plugin exports: $exports"
	pass "plugin exports only secinfo_delivery_send"
fi
