#!/bin/sh
# The sign-in's audit rows a helpdesk reads (issue 10 point 5), each exactly: code-sent when a
# text, call or email code leaves, wrong for each wrong answer, switch when "?" moves to another
# method (naming it), locked for the failure that locks, and the decision row (event auth).
. "$top_srcdir/tests/lib.sh"
need_pamdrive

start_gateway gw
write_conf <<CONF
[policy]
methods = app sms
tries = 3
max_failures = 4
lockout = 10m
$(twilio_section sms)
[notify]
events =
CONF
admin init >/dev/null
admin method add alice sms +14255551234 --no-verify >/dev/null
enroll_app alice
enroll_app bob
admin method add carl sms +14255550134 --no-verify >/dev/null
service s

# rows USER: "event:method:result" of USER's rows written by the module (service s), in order.
rows() {
	admin audit --user "$1" --json | python3 -c 'import json, sys
print(" ".join("%s:%s:%s" % (r["event"], r["method"], r["result"])
               for r in json.load(sys.stdin) if r["service"] == "s"))'
}
# expect_rows USER WANT: USER's rows are exactly WANT.
expect_rows() {
	got=$(rows "$1")
	[ "$got" = "$2" ] || fail "audit rows of $1: '$got', expected '$2'"
}

# A code by text message, a wrong answer, "?" to the app, the right code.
before=$(requests)
fresh_step
expect_pam success "$(printf '\n000000\n?\n1\n%s\n' "$(totp "$SECRET_DEFAULT")")" s alice authenticate
[ "$(requests)" = $((before + 1)) ] || fail "expected one text message"
expect_rows alice "code-sent:sms:success wrong:sms:failure switch:app:success auth:app:success"
pass "code-sent, wrong, switch (naming the app), then the decision row"

# Wrong answers up to the lock: each is a row; the one that locks adds locked; a sign-in while
# locked is the decision row alone.
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s bob authenticate
expect_rows bob "wrong:app:failure wrong:app:failure wrong:app:failure auth:app:failure"
expect_pam "maximum number of retries" "$(printf '000003\n')" s bob authenticate
expect_pam "maximum number of retries" "$(printf '000004\n')" s bob authenticate
expect_rows bob "wrong:app:failure wrong:app:failure wrong:app:failure auth:app:failure wrong:app:failure locked:app:locked auth:app:locked auth::locked"
pass "wrong per wrong answer, locked for the failure that locks, then auth/locked"

# A code sent and then no answer (Ctrl-D): the code-sent row is still written.
before=$(requests)
out=$(printf '\n' | pam s carl authenticate 2>&1) && fail "signed in without a code: $out"
[ "$(requests)" = $((before + 1)) ] || fail "expected one text message"
expect_rows carl "code-sent:sms:success auth:sms:conversation-failed"
pass "a code sent without an answer: code-sent, then the decision row"

# Someone who is not enrolled: the same wrong rows (no method), then not-enrolled.
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s nobody authenticate
expect_rows nobody "wrong::failure wrong::failure wrong::failure auth::not-enrolled"
pass "not enrolled: a wrong row per answer, without a method, and the decision row"
