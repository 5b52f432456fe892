#!/bin/sh
# Users without a usable 2FA method: same prompt as an app user and PAM_AUTH_ERR, or PAM_IGNORE
# with nullok; email is never a second factor (SPEC §2, §4.2).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf <<CONF
[policy]
methods = app key email
[email]
smtp_url = smtp://127.0.0.1:25
from = Security info <noreply@example.net>
CONF
admin init >/dev/null
enroll_app alice
admin method add erin email erin@example.net --no-verify >/dev/null
service strict
# With nullok the module steps aside; pam_permit then decides, as in a stack during enrolment.
cat > "$T/pam.d/lenient" <<SERVICE
auth required $MODULE config=$CONF nullok
auth required pam_permit.so
SERVICE

expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" strict alice authenticate
app_out=$(printf '%s\n' "$LAST_OUT" | grep -e '^\[' -e '^pamdrive:' | sed 's/alice/USER/g')
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" strict mallory authenticate
unknown_out=$(printf '%s\n' "$LAST_OUT" | grep -e '^\[' -e '^pamdrive:' | sed 's/mallory/USER/g')
[ "$app_out" = "$unknown_out" ] || fail "an unknown user sees something else than an app user:
--- app user
$app_out
--- unknown user
$unknown_out"
pass "unknown user: the same prompts as an app user, then PAM_AUTH_ERR"

expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" strict erin authenticate
erin_out=$(printf '%s\n' "$LAST_OUT" | grep -e '^\[' -e '^pamdrive:' | sed 's/erin/USER/g')
[ "$app_out" = "$erin_out" ] || fail "an email-only user sees something else than an app user"
pass "email-only user: refused for 2FA with the same prompts"

expect_pam success "$(echo)" lenient mallory authenticate
expect_not_in "$LAST_OUT" "Verification code"
expect_in "$LAST_OUT" "result=ignored-not-enrolled"
expect_pam success "$(echo)" lenient erin authenticate
pass "nullok: unknown and email-only users are passed over (PAM_IGNORE) without a prompt"

expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" lenient alice authenticate
pass "nullok does not weaken enrolled users: wrong codes still fail"

# Method 2 is erin's email (alice's app is 1): asking for it as the default is refused for
# that reason, and erin still has no default.
admin user show erin --json | python3 -c 'import json, sys; u = json.load(sys.stdin)
assert [(m["id"], m["kind"]) for m in u["methods"]] == [(2, "email")] and u["default"] is None, u' ||
	fail "erin's methods are not what this test expects"
rc=0
out=$(admin method default erin 2 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "method default erin 2 (email): exit $rc, expected 1: $out"
expect_in "$out" "email can only be used for password reset"
admin user show erin --json | python3 -c 'import json, sys; assert json.load(sys.stdin)["default"] is None' ||
	fail "erin has a default method after the refusal"
pass "email cannot become the default method"
