#!/bin/sh
# The temporary access pass at sign-in (SPEC 14), under pam_wrapper: offered first, typed in
# either case with or without dashes, single use by default, --uses 2 twice, expired and
# revoked passes not accepted, wrong passes counted toward the lockout, "?" switches to the
# user's other methods, a user with only a pass is enrolled (not PAM_IGNORE with nullok), a
# service's methods= list without tap leaves it out, and purpose=reset never accepts one.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf <<CONF
[policy]
methods = app
tries = 3
max_failures = 4
lockout = 10m
CONF
admin init >/dev/null
service s
service n nullok
service m methods=app
service r purpose=reset nullok
service rx purpose=reset

PASS_RE='[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}'
# issue USER [ARGS...]: prints the pass that secinfo-admin issued.
issue() {
	admin tap issue "$@" 2>/dev/null | grep -o -E "$PASS_RE" | head -n 1
}
lower_plain() { printf '%s' "$1" | tr -d - | tr 'A-Z' 'a-z'; }
failures() { db_query "SELECT failures FROM users WHERE name = '$1'"; }

enroll_app alice
P=$(issue alice)
[ -n "$P" ] || fail "no pass issued"
expect_pam success "$(lower_plain "$P")" s alice authenticate
expect_in "$LAST_OUT" "Temporary access pass: "
expect_not_in "$LAST_OUT" "Verification code"
expect_in "$LAST_OUT" "method=tap"
pass "a pass is offered before the default app and accepted in lower case without dashes"

expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$P" "$P" "$P")" s alice authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
expect_in "$LAST_OUT" "Verification code"
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s alice authenticate
pass "single use: the pass is gone, the app is asked for again and works"

# A user whose only method is a pass is enrolled while it is active.
P=$(issue tess --uses 2)
expect_pam success "$P" n tess authenticate
expect_in "$LAST_OUT" "Temporary access pass: "
expect_pam success "$(lower_plain "$P")" s tess authenticate
pass "--uses 2: the pass works twice; with only a pass the user is enrolled (nullok does not skip)"
expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$P" "$P" "$P")" s tess authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
expect_in "$LAST_OUT" "result=not-enrolled"
out=$(printf '\n' | pam n tess authenticate 2>&1) || true
expect_in "$out" "ignored-not-enrolled"
pass "spent after two uses: tess is not enrolled any more (decoy prompt; nullok ignores)"

# Expired: the row's expiry moved to the past.
enroll_app eve
P=$(issue eve)
db_query "UPDATE methods SET expires = 1000 WHERE kind = 'tap'" >/dev/null
expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$P" "$P" "$P")" s eve authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
expect_in "$LAST_OUT" "Verification code"
pass "an expired pass is neither offered nor accepted"
admin user unlock eve >/dev/null

# Revoked.
enroll_app rob
P=$(issue rob)
admin tap revoke rob >/dev/null
expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$P" "$P" "$P")" s rob authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
pass "a revoked pass is not accepted"

# Wrong passes count toward the lockout, like wrong codes.
P=$(issue frank)
expect_pam "Authentication failure" "$(printf 'AAAA-BBBB-CCCC-DDDD\nnot a pass\nZZZZZZZZZZZZZZZZ\n')" \
	s frank authenticate
[ "$(count "$LAST_OUT" "Wrong temporary access pass, try again.")" = 2 ] ||
	fail "expected two re-prompts after wrong passes: $LAST_OUT"
[ "$(count "$LAST_OUT" "Temporary access pass: ")" = 3 ] ||
	fail "expected three pass prompts ([policy] tries): $LAST_OUT"
[ "$(failures frank)" = 3 ] || fail "three wrong passes should count 3 failures: $(failures frank)"
expect_pam "maximum number of retries" "$(printf 'AAAA-BBBB-CCCC-DDDD\n')" s frank authenticate
expect_in "$LAST_OUT" "locked"
expect_pam "maximum number of retries" "$P" s frank authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
pass "wrong passes re-prompt within [policy] tries, count toward the lockout and lock"
admin user unlock frank >/dev/null
expect_pam success "$P" s frank authenticate
pass "the right pass works after the unlock (nothing was used up by wrong ones)"

# "?" switches to the other methods; the pass stays.
enroll_app gina
P=$(issue gina)
fresh_step
expect_pam success "$(printf '?\n1\n%s\n' "$(totp $SECRET_DEFAULT)")" s gina authenticate
expect_in "$LAST_OUT" "Other ways to verify:"
expect_in "$LAST_OUT" "1. authenticator app"
expect_in "$LAST_OUT" "method=app"
expect_pam success "$P" s gina authenticate
pass "? at the pass prompt switches to the app; the pass stays for later"

# A service whose methods= does not list tap leaves the pass out.
enroll_app ivy
P=$(issue ivy)
expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$P" "$P" "$P")" m ivy authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
admin user unlock ivy >/dev/null
service m2 methods=app,tap
expect_pam success "$P" m2 ivy authenticate
pass "methods=app leaves the pass out; methods=app,tap offers it"

# Never for a password reset.
P=$(issue hank)
out=$(printf '%s\n' "$P" | pam r hank authenticate 2>&1) || true
expect_in "$out" "ignored-not-enrolled"
expect_not_in "$out" "Temporary access pass: "
expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$P" "$P" "$P")" rx hank authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
enroll_app hank
expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$P" "$P" "$P")" rx hank authenticate
expect_not_in "$LAST_OUT" "Temporary access pass: "
expect_in "$LAST_OUT" "Verification code"
admin user unlock hank >/dev/null
expect_pam success "$P" s hank authenticate
pass "purpose=reset never offers nor accepts a pass (the pass still signs in)"
