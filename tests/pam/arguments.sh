#!/bin/sh
# Module arguments (SPEC §4.1): unknown or invalid ones fail closed, even with nullok.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf </dev/null
admin init >/dev/null
enroll_app alice

for args in "bogus" "nullok bogus" "nullok=1" "purpose=other" "methods=app,fax" "methods=" \
	"config=relative/path" "debug=yes" "exhausted=" "exhausted=auth_err" "exhausted" \
	"register=yes"; do
	service bad $args
	expect_pam "$UNAVAIL" "$(echo 000000)" bad alice authenticate
	expect_in "$LAST_OUT" "unknown or invalid module argument"
	expect_pam "$UNAVAIL" "$(echo 000000)" bad nobody authenticate
done
pass "unknown or malformed arguments fail closed and are logged"

# register is for sign-in only: with purpose=reset (either order) a configuration error.
for args in "purpose=reset register" "register purpose=reset nullok"; do
	service bad $args
	expect_pam "$UNAVAIL" "$(echo 000000)" bad alice authenticate
	expect_in "$LAST_OUT" "the module argument 'register' is only for purpose=2fa"
	expect_not_in "$LAST_OUT" "Verification code"
	expect_pam "$UNAVAIL" "$(echo 000000)" bad nobody authenticate
done
pass "register with purpose=reset fails closed and says why"

service good debug echo_code autosend methods=app,key register
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" good alice authenticate
pass "all valid arguments together are accepted"

cat > "$T/pam.d/onlykey" <<SERVICE
auth required $MODULE config=$CONF methods=key
SERVICE
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" onlykey alice authenticate
fresh_step
expect_pam "Authentication failure" "$(printf '%s\n000000\n000001' "$(totp $SECRET_DEFAULT 1)")" \
	onlykey alice authenticate
pass "methods=key excludes the app in this service: even the right app code fails"
