#!/bin/sh
# Failures in a row lock verification ([policy] max_failures, lockout); unlock and expiry.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
# The lock must outlast the slowest checks below (valgrind), and the test waits for its end.
LOCKOUT=$((SLOW * 6))
write_conf <<CONF
[policy]
tries = 3
max_failures = 4
lockout = ${LOCKOUT}s
CONF
admin init >/dev/null
enroll_app alice
service s

expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s alice authenticate
expect_pam "maximum number of retries" "$(printf '000003\n000004\n000005\n')" s alice authenticate
expect_in "$LAST_OUT" "locked"
expect_in "$LAST_OUT" "result=locked"
pass "the 4th failure in a row locks: PAM_MAXTRIES with a message saying 'locked'"

fresh_step
expect_pam "maximum number of retries" "$(totp $SECRET_DEFAULT)" s alice authenticate
expect_in "$LAST_OUT" "locked for this account until"
expect_not_in "$LAST_OUT" "Verification code: "
pass "while locked even the right code is not asked for"

expect_pam "Permission denied" "$(echo)" s alice acct_mgmt
pass "account management denies a locked user"
admin user show alice --json | python3 -c 'import json,sys; u=json.load(sys.stdin);
assert u["locked_until"] is not None' || fail "locked_until not shown"

admin user unlock alice >/dev/null
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s alice authenticate
pass "secinfo-admin user unlock lets the user in again"

enroll_app bob
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s bob authenticate
expect_pam "maximum number of retries" "$(printf '000003\n')" s bob authenticate
sleep $((LOCKOUT + 1))
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s bob authenticate
pass "the lockout ends by itself after [policy] lockout"

enroll_app carol
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s carol authenticate
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s carol authenticate
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s carol authenticate
pass "a success resets the count: 3 + 3 failures around a success do not lock"

# exhausted= (issue 9): how a sign-in that cannot go on ends, for the programs that would ask
# again otherwise. maxtries: PAM_MAXTRIES after [policy] tries wrong answers too (sshd ends the
# connection); abort: PAM_ABORT after the tries and when locked (sudo stops). Each says why;
# users who are not enrolled (the decoy) end exactly like enrolled ones.
service maxtries exhausted=maxtries
service abort exhausted=abort
enroll_app dave
for who in dave nobody-enrolled; do
	expect_pam "maximum number of retries" "$(printf '000000\n000001\n000002\n')" maxtries "$who" authenticate
	expect_in "$LAST_OUT" "Verification failed: too many wrong answers."
	[ "$(count "$LAST_OUT" "Verification code: ")" = 3 ] || fail "expected 3 code prompts: $LAST_OUT"
done
pass "exhausted=maxtries: [policy] tries wrong codes end with PAM_MAXTRIES and a message, enrolled or not"
admin user unlock dave >/dev/null
for who in dave nobody-enrolled; do
	expect_pam "Critical error - immediate abort" "$(printf '000003\n000004\n000005\n')" abort "$who" authenticate
	expect_in "$LAST_OUT" "Verification failed: too many wrong answers."
done
pass "exhausted=abort: [policy] tries wrong codes end with PAM_ABORT and a message, enrolled or not"
# dave has 3 failures in a row: the 4th locks him.
expect_pam "Critical error - immediate abort" "$(printf '000006\n')" abort dave authenticate
expect_in "$LAST_OUT" "locked for this account until"
expect_not_in "$LAST_OUT" "too many wrong answers"
expect_pam "maximum number of retries" "$(printf '000007\n')" maxtries dave authenticate
expect_in "$LAST_OUT" "locked for this account until"
pass "exhausted=abort: a locked user gets PAM_ABORT (exhausted=maxtries: PAM_MAXTRIES), with the lock message"
