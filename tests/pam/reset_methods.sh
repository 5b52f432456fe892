#!/bin/sh
# Password reset with the reset-only methods (issue 4): a code by email from a real SMTP
# server on loopback, and the security questions asked in random order, answered in varied
# case and spacing; one wrong answer fails without saying which. pam_matrix stores passwords.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need_smtp
need_pam_matrix
DRIVE="$top_srcdir/tests/ptydrive.py"

start_smtp mail
write_conf <<CONF
[policy]
methods = app email questions
max_failures = 20
[email]
smtp_url = smtp://127.0.0.1:$PORT
starttls = off
from = Security info <noreply@example.net>
blocked_domains = example.org
[questions]
register = 3
ask = 2
min_answer_length = 3
CONF
admin init >/dev/null
q1=$(admin question add "What was the name of your first pet?")
q2=$(admin question add "In which city were you born?")
q3=$(admin question add "What is your favourite animal?")
admin method add erin email erin@example.net --no-verify >/dev/null
printf '%s\tRex\n%s\tAmsterdam\n%s\tBlue whale\n' "$q1" "$q2" "$q3" > "$T/answers"
admin method add quinn questions --answers-file "$T/answers" >/dev/null
enroll_app quinn_app_only
PASSDB="$T/passdb"
printf 'erin:old-e:passwd\nquinn:old-q:passwd\nquinn_app_only:old-x:passwd\n' > "$PASSDB"
cat > "$T/pam.d/passwd" <<SERVICE
password requisite $MODULE config=$CONF
password required $PAM_MATRIX passdb=$PASSDB
SERVICE
service s
stored() { grep "^$1:" "$PASSDB" | cut -d: -f2; }

# Reset by email: Enter to send, the code from the message, then the new password.
before=$(requests)
LAST_OUT=$({
	echo
	wait_request "$before"
	python3 -c 'import json, re, sys
m = [json.loads(l) for l in open(sys.argv[1])][-1]
print(re.search(r"code is (\d+)", m["data"]).group(1))' "$LOG"
	printf 'old-e\nnew-e\nnew-e\n'
} | pam passwd erin chauthtok 2>&1) || fail "reset by email failed: $LAST_OUT"
# One mail with the code, then the password-reset notice (SPEC 15) once it is verified.
[ "$(requests)" = $((before + 2)) ] || fail "expected the code's mail and the reset notice"
python3 -c 'import json, sys
m = [json.loads(l) for l in open(sys.argv[1])][-2:]
assert "code is" in m[0]["data"] and "Subject: Password reset verified" in m[1]["data"], m' "$LOG" ||
	fail "expected the code, then the notice"
expect_in "$LAST_OUT" "Press Enter to receive a code by email to e***@example.net"
[ "$(stored erin)" = new-e ] || fail "the password was not set after the email code"
python3 -c 'import json, sys
m = [json.loads(l) for l in open(sys.argv[1])][-1]
assert m["rcpt_tos"] == ["erin@example.net"], m["rcpt_tos"]' "$LOG" || fail "wrong recipient"
pass "reset by email: the code from a real SMTP server, then the new password"

# The same email method at sign-in: refused as a second factor. Erin gets exactly what a user
# who does not exist gets (the code prompt, PAM_AUTH_ERR), and no mail leaves the machine,
# although the very same method just served the reset above.
# transcript: the conversation and result of the last expect_pam, the user name replaced.
transcript() { printf '%s\n' "$LAST_OUT" | grep -e '^\[' -e '^pamdrive:' | sed "s/$1/USER/g"; }
before=$(requests)
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s erin authenticate
expect_in "$LAST_OUT" "user=erin service=s rhost=203.0.113.9 method=- result=not-enrolled"
erin_out=$(transcript erin)
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s nobody-at-all authenticate
[ "$erin_out" = "$(transcript nobody-at-all)" ] || fail "erin (email only) and an unknown user differ:
$erin_out
---
$(transcript nobody-at-all)"
expect_in "$erin_out" "[prompt] Verification code:"
[ "$(requests)" = "$before" ] || fail "a mail was sent at sign-in"
pass "email is never a second factor at sign-in: the same refusal as an unknown user, no mail"

# Security questions: two of three, random order, varied case and spacing; then pam_matrix's
# old and new password. The driver answers whichever prompts come, in any order.
reset_q() {
	OUT=$(python3 "$DRIVE" --any "first pet" "$1" "were you born" "$2" "favourite animal" "$3" \
		"Old password:" "$(stored quinn)" "New Password :" "$4" "Verify New Password :" "$4" \
		-- $WRAPPED "$PAMDRIVE" passwd quinn chauthtok 2>&1) && RC=0 ||
		RC=$?
}
reset_q "  rEX " "amsterdam" "BLUE    whale" new-q
[ "$RC" = 0 ] || fail "reset by questions failed ($RC): $OUT"
[ "$(printf '%s\n' "$OUT" | grep -c '\[prompt-echo\] \(What\|In which\)')" = 2 ] ||
	fail "expected exactly [questions] ask = 2 questions: $OUT"
[ "$(stored quinn)" = new-q ] || fail "the password was not set after the questions"
pass "reset by security questions: two of three, answers in any case and spacing"

# Two of the three answers wrong: whichever two are asked, one is wrong.
reset_q "Rex" "Rotterdam" "grey whale" new-q2
[ "$RC" != 0 ] || fail "wrong answers were accepted: $OUT"
expect_not_in "$OUT" "first pet?\" is wrong"
expect_in "$OUT" "Not all answers were right"
[ "$(stored quinn)" = new-q ] || fail "the password changed after a wrong answer"
pass "a wrong answer fails the reset, without saying which"

# Quinn's three answers are three rows, each an Argon2id hash (a failed query fails the test).
hashes=$(db_query "SELECT hash FROM answers") || fail "cannot read the answers"
[ "$(printf '%s\n' "$hashes" | wc -l)" = 3 ] || fail "expected 3 stored answers: $hashes"
[ "$(printf '%s\n' "$hashes" | grep -c '^\$argon2id\$v=19\$m=[0-9]*,t=[0-9]*,p=[0-9]*\$')" = 3 ] ||
	fail "an answer is stored otherwise than as an Argon2id hash: $hashes"
# The store is searched where the questions' own text is found (the search reads the data),
# and the answers are not: sqlite's files themselves, PostgreSQL's every row (pg_dump).
db_dump > "$T/dump"
grep -a -q "name of your first pet" "$T/dump" || fail "the search does not read the database"
grep -a -i -q -e amsterdam -e 'blue whale' -e 'blue    whale' "$T/dump" &&
	fail "an answer is stored in clear"
pass "answers are stored only as Argon2id hashes"

admin question retire "$q2" >/dev/null
reset_q "rex" "amsterdam" "blue whale" new-q3
[ "$RC" = 0 ] || fail "reset after a retirement failed ($RC): $OUT"
[ "$(stored quinn)" = new-q3 ] || fail "the password was not set after the retirement"
# ask = 2 and two questions remain: exactly those two are asked, the retired one never.
[ "$(count "$OUT" "[prompt-echo] What was the name of your first pet?")" = 1 ] &&
	[ "$(count "$OUT" "[prompt-echo] What is your favourite animal?")" = 1 ] ||
	fail "expected the two remaining questions once each: $OUT"
expect_not_in "$OUT" "were you born"
pass "a retired question is no longer asked"

# A user whose only method is the app can reset with it too (methods_required = 1).
fresh_step
expect_pam success "$(printf '%s\nold-x\nnew-x\nnew-x\n' "$(totp $SECRET_DEFAULT)")" passwd \
	quinn_app_only chauthtok
pass "the app serves a reset as well"
