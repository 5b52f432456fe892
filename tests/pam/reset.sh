#!/bin/sh
# Password reset (SPEC §4.3) through real stacks, with pam_matrix as the password database:
# purpose=reset, the password stack's PRELIM_CHECK, methods_required = 2, deny_users, and the
# lockout shared with sign-in. pamdrive answers one line per prompt.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need pamtester pamtester
need_pam_matrix

start_gateway gw
write_conf <<CONF
[policy]
methods = app sms
max_failures = 4
$(twilio_section sms)
[reset]
methods_required = 1
deny_users = root
CONF
admin init >/dev/null
for u in alice bob carol dave root; do enroll_app $u; done
PASSDB="$T/passdb"
printf 'alice:old-a:passwd\nbob:old-b:passwd\ncarol:old-c:secinfo-reset\nroot:old-r:passwd\n' \
	> "$PASSDB"
printf 'dave:old-d:passwd\n' >> "$PASSDB"
# passwd: the password stack asks for proof from security info before the new password
# (pam_matrix, the stand-in password database, then asks the old and the new password).
cat > "$T/pam.d/passwd" <<SERVICE
password requisite $MODULE config=$CONF
password required $PAM_MATRIX passdb=$PASSDB
SERVICE
# secinfo-reset: auth purpose=reset, then account, then the new password.
cat > "$T/pam.d/secinfo-reset" <<SERVICE
auth     required $MODULE config=$CONF purpose=reset
account  required $PAM_MATRIX passdb=$PASSDB
password requisite $MODULE config=$CONF
password required $PAM_MATRIX passdb=$PASSDB
SERVICE
service s

stored() { grep "^$1:" "$PASSDB" | cut -d: -f2; }

fresh_step
expect_pam success "$(printf '%s\nold-a\nnew-a\nnew-a\n' "$(totp $SECRET_DEFAULT)")" passwd alice chauthtok
[ "$(stored alice)" = new-a ] || fail "the new password was not stored: $(cat "$PASSDB")"
[ "$(printf '%s\n' "$LAST_OUT" | grep -c 'Verification code')" = 1 ] ||
	fail "the code was asked more than once: $LAST_OUT"
pass "passwd: verification once, then the new password is stored"

# The same with pamtester, the stock client, on a terminal (its misc_conv reads the terminal
# line by line).
printf 'frank:old-f:passwd\n' >> "$PASSDB"
enroll_app frank
fresh_step
out=$(python3 "$top_srcdir/tests/ptydrive.py" 'Verification code:' "$(totp $SECRET_DEFAULT)" \
	'Old password:' old-f 'New Password :' new-f 'Verify New Password :' new-f \
	-- $WRAPPED pamtester passwd frank chauthtok 2>&1) || fail "pamtester chauthtok failed: $out"
expect_in "$out" "authentication token altered successfully"
[ "$(stored frank)" = new-f ] || fail "pamtester: the new password was not stored"
pass "pamtester chauthtok: verification, then the new password"

expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\nold-b\nnew-b\nnew-b\n')" passwd bob chauthtok
[ "$(stored bob)" = old-b ] || fail "a failed verification changed the password"
pass "a failed verification leaves the stored password unchanged"

fresh_step
expect_pam success "$(printf '%s\nold-c\nnew-c\nnew-c\n' "$(totp $SECRET_DEFAULT)")" secinfo-reset carol \
	authenticate acct_mgmt chauthtok
[ "$(stored carol)" = new-c ] || fail "secinfo-reset stack did not set the password"
[ "$(printf '%s\n' "$LAST_OUT" | grep -c 'Verification code')" = 1 ] ||
	fail "auth purpose=reset and the password stack both asked: $LAST_OUT"
pass "auth purpose=reset then chauthtok: one verification per password change"

fresh_step
expect_pam "Authentication failure" "$(printf '%s\nold-r\nnew-r\nnew-r\n' "$(totp $SECRET_DEFAULT)")" passwd root chauthtok
[ "$(stored root)" = old-r ] || fail "root reset its password through security info"
expect_in "$LAST_OUT" "result=reset-denied"
pass "deny_users: root can never reset this way, even with the right code"

# The lockout is shared: wrong answers in a reset lock sign-in too (max_failures = 4).
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" passwd dave chauthtok
expect_pam "maximum number of retries" "$(printf '000003\n')" passwd dave chauthtok
expect_in "$LAST_OUT" "user=dave service=passwd rhost=203.0.113.9 method=app result=locked"
expect_pam "maximum number of retries" "$(totp $SECRET_DEFAULT)" s dave authenticate
pass "reset failures count towards the sign-in lockout"

# methods_required = 2: the default method, then a different kind the user picks.
sed -i 's/^methods_required = 1$/methods_required = 2/' "$CONF"
admin method add alice sms +14255551234 --no-verify >/dev/null
expect_pam "Authentication failure" "$(printf '%s\n000000\n000001\n000002\n' "$(totp $SECRET_DEFAULT 1)")" \
	passwd bob chauthtok
# Bob's one kind is not enough: he is treated as not enrolled for a reset, so even his right
# code (typed first) is refused, with the same three prompts anyone gets; no second method.
expect_in "$LAST_OUT" "user=bob service=passwd rhost=203.0.113.9 method=- result=not-enrolled"
[ "$(count "$LAST_OUT" "[prompt] Verification code:")" = 3 ] || fail "expected 3 code prompts: $LAST_OUT"
expect_not_in "$LAST_OUT" "second, different method"
[ "$(stored bob)" = old-b ] || fail "bob's password changed"
pass "methods_required = 2 with only one kind registered: no reset, even with the right code"
fresh_step
before=$(requests)
LAST_OUT=$({
	totp $SECRET_DEFAULT 1
	echo 1       # the second method: the text message
	echo         # Enter: send it
	wait_request "$before"
	request 're.sub(r"\D", "", r["form"]["Body"])[-6:]'
	echo new-a
	echo new-a2
	echo new-a2
} | pam passwd alice chauthtok 2>&1) || fail "reset with two methods failed: $LAST_OUT"
expect_in "$LAST_OUT" "A password reset needs a second, different method:"
expect_in "$LAST_OUT" "1. text message to +1 XXXXXXXX34"
expect_not_in "$LAST_OUT" "authenticator app #"
[ "$(stored alice)" = new-a2 ] || fail "the password was not set after two methods"
pass "methods_required = 2: app, then the text message the user picked; password set"
