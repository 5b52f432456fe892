#!/bin/sh
# Sign-in by text message and by call through the real module, its delivery plugin and a
# loopback gateway that checks requests the way Twilio does (issue 3). The test reads each
# code from what the gateway received, as a person reads it from their phone.
. "$top_srcdir/tests/lib.sh"
need_pamdrive

start_gateway gw
write_conf <<CONF
[policy]
methods = app sms call
tries = 3
max_failures = 50
[codes]
lifetime = 30s
max_sends_per_hour = 4
$(twilio_section sms)
$(twilio_section call)
CONF
admin init >/dev/null
admin method add alice sms +14255551234 --no-verify >/dev/null
enroll_app alice
admin method add carl call +14255550134 --no-verify >/dev/null
for u in limit fail; do admin method add $u sms +1425555020$((${#u} % 10)) --no-verify >/dev/null; done
service s

# sent_code: the code in the last text message or call the gateway received.
sent_code() {
	request 're.sub(r"\D", "", (r["form"].get("Body") or re.sub(r"Again.*", "", r["form"]["Twiml"])))[-6:]'
}

# signin_by_code SERVICE USER [WRONG...]: answers Enter at the send question, waits for the
# gateway to receive the code, types the WRONG answers (if any), then the code received.
signin_by_code() {
	svc=$1 user=$2
	shift 2
	before=$(requests)
	LAST_OUT=$({
		echo
		wait_request "$before"
		for w in "$@"; do echo "$w"; done
		sent_code
	} | pam "$svc" "$user" authenticate 2>&1) && RESULT=success || RESULT=failed
}

signin_by_code s alice
[ "$RESULT" = success ] || fail "sign-in by text message failed: $LAST_OUT"
expect_in "$LAST_OUT" "Press Enter to receive a code by text message to +1 XXXXXXXX34"
expect_in "$LAST_OUT" "A code was sent by text message to +1 XXXXXXXX34."
expect_in "$LAST_OUT" "method=sms result=success"
expect_not_in "$LAST_OUT" "+14255551234"
expect_request 'r["path"]' "/2010-04-01/Accounts/$SID/Messages.json"
expect_request 'r["form"]["To"]' "+14255551234"
pass "sign-in by text message (twilio): masked number, code from the gateway accepted"
code=$(sent_code)

signin_by_code s carl
[ "$RESULT" = success ] || fail "sign-in by call failed: $LAST_OUT"
expect_request 'r["path"]' "/2010-04-01/Accounts/$SID/Calls.json"
expect_in "$LAST_OUT" "Calling +1 XXXXXXXX34"
pass "sign-in by phone call (twilio, TwiML <Say>)"

signin_by_code s alice 000000
[ "$RESULT" = success ] || fail "wrong then right failed: $LAST_OUT"
expect_in "$LAST_OUT" "Wrong code, try again."
pass "a wrong code, then the right one"

before=$(requests)
out=$( { echo; sleep 1; echo "$code"; echo "$code"; echo "$code"; } | pam s alice authenticate 2>&1) &&
	fail "an old, used code was accepted: $out"
[ "$(requests)" = $((before + 1)) ] || fail "expected exactly one new text message"
pass "a code that was already used is refused (replay)"

# The user asks for another way at the send question: nothing is sent, the app is used.
before=$(requests)
fresh_step
out=$(printf '?\n1\n%s\n' "$(totp $SECRET_DEFAULT)" | pam s alice authenticate 2>&1) ||
	fail "? to the app failed: $out"
[ "$(requests)" = "$before" ] || fail "a text message was sent although the user chose ?"
expect_in "$out" "authenticator app"
pass "? at the send question switches to the app and sends nothing"

# A closed conversation at the send question (sudo -n, cron): nothing leaves the machine.
before=$(requests)
out=$(pam s alice authenticate </dev/null 2>&1) && fail "signed in without an answer"
expect_in "$out" "Conversation error"
[ "$(requests)" = "$before" ] || fail "a text message was sent without an answer"
pass "a NULL reply at the send question ends the sign-in with nothing sent"

# autosend: no question, the code goes at once; proxies in the environment are ignored.
service auto autosend
before=$(requests)
LAST_OUT=$({
	wait_request "$before"
	sent_code
} | http_proxy=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 ALL_PROXY=http://127.0.0.1:9 \
	pam auto alice authenticate 2>&1) || fail "autosend sign-in failed: $LAST_OUT"
expect_not_in "$LAST_OUT" "Press Enter"
pass "autosend sends without asking; http_proxy/ALL_PROXY are ignored"

# Expiry ([codes] lifetime): tests/pam/code_expiry.sh.

# The send limit: max_sends_per_hour = 4; a fifth send does not leave the machine.
for i in 1 2 3 4; do signin_by_code s limit; done
before=$(requests)
out=$(printf '\n000000\n' | pam s limit authenticate 2>&1) && fail "signed in without a code"
expect_in "$out" "limit of 4 codes per hour"
[ "$(requests)" = "$before" ] || fail "a text message left the machine past the limit"
expect_in "$out" "result=send-limit"
pass "max_sends_per_hour: the limit is said and no request is made"

# A gateway that answers an error (404 here: a wrong api_base): the clear message, the audit
# event, and ? still works.
sed -i "s|^api_base = http://127.0.0.1:$PORT$|api_base = http://127.0.0.1:$PORT/status/500|" "$CONF"
admin method add fail2 sms +14255550299 --no-verify >/dev/null
enroll_app fail2
fresh_step
out=$(printf '\n?\n1\n%s\n' "$(totp $SECRET_DEFAULT)" | pam s fail2 authenticate 2>&1) ||
	fail "? after a failed send did not lead to the app: $out"
expect_in "$out" "could not send the text message; type ? to choose another way"
expect_in "$out" "result=send-failed gateway_status=404"
admin audit --user fail2 --json | python3 -c 'import json,sys; rows=json.load(sys.stdin);
assert any(r["event"]=="delivery" and r["result"]=="send-failed" for r in rows), rows' ||
	fail "no audit event for the failed send"
pass "a gateway error: 'could not send', an audit event, and ? to another way"

# Enrolment as the seeds describe it: the code is sent, the owner types it, then it is added.
sed -i "s|^api_base = http://127.0.0.1:$PORT/status/500$|api_base = http://127.0.0.1:$PORT|" "$CONF"
before=$(requests)
out=$({
	wait_request "$before"
	sent_code
} | admin method add dora sms '+1 (425) 555-0177' 2>&1) || fail "enrolment by text failed: $out"
expect_in "$out" "A code was sent by text message to +1 XXXXXXXX77."
expect_request 'r["form"]["To"]' "+14255550177"
admin user show dora --json | python3 -c 'import json,sys; u=json.load(sys.stdin);
assert [m["detail"] for m in u["methods"]] == ["+14255550177"], u' || fail "dora's number not stored"
rc=0
out=$(echo 000000 | admin method add erik call +14255550178 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "a wrong enrolment code: exit $rc, expected 1: $out"
expect_in "$out" "nothing added"
rc=0
out=$(admin user show erik 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "erik exists after a wrong enrolment code: $out"
expect_in "$out" "there is no user 'erik' in the database"
pass "method add sms sends a code and adds the number only when it is typed back"

out=$(admin send-test call +14255550179 2>&1) || fail "send-test failed: $out"
expect_in "$out" "gateway answered 201"
expect_request 'r["path"]' "/2010-04-01/Accounts/$SID/Calls.json"
pass "send-test call reaches the gateway and prints its answer"

# The generic http provider, JSON template: the same sign-in through any gateway.
admin method add hugo sms +14255550188 --no-verify >/dev/null
python3 - "$CONF" "$PORT" <<'PY'
import re, sys
path, port = sys.argv[1], sys.argv[2]
text = open(path).read()
sms = ("[sms]\nprovider = http\nurl = http://127.0.0.1:%s/send\nmethod = POST\n"
       "content_type = application/json\nbody = {\"to\": \"%%{to}\", \"text\": \"%%{message}\"}\n"
       "timeout = 5s\n" % port)
text = re.sub(r"\[sms\]\n(?:(?!\[).*\n)*", sms, text)
open(path, "w").write(text)
PY
before=$(requests)
LAST_OUT=$({
	echo
	wait_request "$before"
	request 're.search(r"code is (\d+)", r["json"]["text"]).group(1)'
} | pam s hugo authenticate 2>&1) || fail "sign-in through the http provider failed: $LAST_OUT"
expect_request 'r["path"]' "/send"
expect_request 'r["json"]["to"]' "+14255550188"
pass "sign-in by text message through the generic http provider (JSON template)"
