#!/bin/sh
# A reset counts the method the user proved, whatever they switched to with "?" (issue 8,
# item 1): switching from the app to email during the first method and verifying email must
# not leave email on offer as the "second, different method". With methods_required = 1 the
# switched-to method is the one recorded.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need_smtp

start_smtp mail
write_conf <<CONF
[policy]
methods = app email
max_failures = 20
[email]
smtp_url = smtp://127.0.0.1:$PORT
starttls = off
from = Security info <noreply@example.net>
[reset]
methods_required = 2
CONF
admin init >/dev/null
enroll_app sam
admin method add sam email sam@example.net --no-verify >/dev/null
cat > "$T/pam.d/reset" <<SERVICE
auth required $MODULE config=$CONF purpose=reset
SERVICE
mails() { wc -l < "$LOG" | tr -d ' '; }
# last_code: waits for a new message after $1 messages and prints its code.
last_code() {
	i=0
	while [ "$(mails)" = "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	python3 -c 'import json, re, sys
m = [json.loads(l) for l in open(sys.argv[1])][-1]
print(re.search(r"code is (\d+)", m["data"]).group(1))' "$LOG"
}
# second_menu TEXT: the lines of the "second, different method" menu in a transcript.
second_menu() {
	printf '%s\n' "$1" | sed -n '/second, different method/,/Choose a number/p'
}

# First method: the app's prompt, "?", switch to email (1), Enter, the emailed code. Then the
# second menu must offer the app alone; choosing it and its code completes the reset.
fresh_step
before=$(mails)
LAST_OUT=$({
	printf '?\n1\n\n'
	last_code "$before"
	printf '1\n%s\n' "$(totp $SECRET_DEFAULT)"
} | pam reset sam authenticate 2>&1) || fail "switch to email, then the app: $LAST_OUT"
expect_in "$LAST_OUT" "Other ways to verify:"
menu=$(second_menu "$LAST_OUT")
expect_in "$menu" "1. authenticator app"
expect_not_in "$menu" "email"
expect_not_in "$menu" "2."
pass "methods_required = 2: after switching to email and verifying it, only the app is offered"

# The attack of the review: verify email twice. The second menu has one entry (the app), so
# "2" is not a choice, and answering with email's code is never checked against email.
fresh_step
before=$(mails)
out=$({
	printf '?\n1\n\n'
	last_code "$before"
	printf '2\n2\n2\n'
} | pam reset sam authenticate 2>&1) && fail "a reset passed with one method counted twice: $out"
expect_in "$out" "That is not one of the numbers shown."
[ "$(mails)" = "$((before + 1))" ] || fail "a second email was sent: the email method was offered again"
pass "methods_required = 2: email verified once cannot be chosen again as the second method"

# methods_required = 1: the switched-to method is the one that counts and is recorded.
sed -i 's/^methods_required = 2/methods_required = 1/' "$CONF"
before=$(mails)
LAST_OUT=$({
	printf '?\n1\n\n'
	last_code "$before"
} | pam reset sam authenticate 2>&1) || fail "methods_required = 1, switch to email: $LAST_OUT"
expect_in "$LAST_OUT" "method=email result=success"
admin audit --user sam --json | python3 -c 'import json, sys
rows = json.load(sys.stdin)
assert rows[-1]["method"] == "email" and rows[-1]["result"] == "success", rows[-1]' ||
	fail "the audit trail does not record the email method as verified"
pass "methods_required = 1: the method switched to is the one verified and audited"

# Proving the first of two methods is not a decision: it must not clear the failures counted
# against the other (a review's scenario: wrong app codes at sign-in, then a reset session that
# proves email and hangs up at the second method, again and again, never locked).
sed -i 's/^methods_required = 1/methods_required = 2/; s/^max_failures = 20/max_failures = 4/' "$CONF"
service s
fresh_step
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s sam authenticate
before=$(mails)
out=$({
	printf '?\n1\n\n'
	last_code "$before"
} | pam reset sam authenticate 2>&1) && fail "a reset passed with one method: $out"
expect_in "$out" "second, different method"
expect_pam "Have exhausted maximum number of retries" "000003" s sam authenticate
expect_in "$LAST_OUT" "locked"
pass "methods_required = 2: a proven first method does not clear the failures counted before"
