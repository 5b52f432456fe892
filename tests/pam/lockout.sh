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
