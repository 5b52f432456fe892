#!/bin/sh
# Console login end to end (issue 5): `login USER` on a pseudo-terminal asks for the password,
# then the code, and starts the user's shell; a wrong code is refused.
#
# login always uses the PAM service "login": /etc/pam.d/login is replaced for the test, saved
# before and put back afterwards (compared byte for byte).
. "$top_srcdir/tests/e2e/lib-e2e.sh"

LOGIN=$(command -v login || echo /bin/login)
need "$LOGIN" login

write_conf <<CONF
[policy]
methods = app
tries = 1
max_failures = 50
CONF
admin init >/dev/null

add_user hana
hana=$U
s_hana=$(enroll_app "$hana")
add_user ivan
ivan=$U
s_ivan=$(enroll_app "$ivan")

login_service

# The shell prints e2e-42 only when it runs; then it exits, and login with it.
fresh_step
pty 40 "Password:" "$PW" "Verification code:" "$(totp_cmd "$s_hana")" \
	"$hana@" 'echo e2e-$((6*7)); exit' -- "$LOGIN" "$hana"
[ "$RC" = 0 ] || fail "login with password + code failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
[ "$(count "$OUT" "Verification code:")" = 1 ] || fail "expected one code prompt: $OUT"
pass "login: the password, then the app code, starts the user's shell"

# A wrong code: "Login incorrect", login asks for a user name again; Ctrl-D ends it.
wrong=$(oathtool --totp -b "$s_ivan" --now "@$(($(date +%s) - 600))")
pty 40 "Password:" "$PW" "Verification code:" "$wrong" "login:" "^D" -- "$LOGIN" "$ivan"
expect_in "$OUT" "Login incorrect"
expect_not_in "$OUT" "$ivan@"
pass "login: the right password with a wrong code is refused"
