#!/bin/sh
# passwd end to end (issue 5): a non-root user runs `passwd` on a terminal; the password
# stack with `password requisite pam_secinfo.so` first asks for security-info verification,
# once, then pam_unix asks for the current and the new password, and /etc/shadow changes.
# A failed verification leaves the user's /etc/shadow line unchanged.
#
# passwd always uses the PAM service "passwd": /etc/pam.d/passwd is replaced for the test,
# saved before and put back afterwards (compared byte for byte).
. "$top_srcdir/tests/e2e/lib-e2e.sh"

PASSWD=$(command -v passwd || echo /usr/bin/passwd)
need "$PASSWD" passwd

write_conf <<CONF
[policy]
methods = app
tries = 1
max_failures = 50
CONF
admin init >/dev/null

add_user jill
jill=$U
s_jill=$(enroll_app "$jill")
add_user karl
karl=$U
s_karl=$(enroll_app "$karl")

# conf/pam.d/passwd: the module, then Debian's common-password.
replace_service passwd <<PAM
password   requisite  $MODULE config=$CONF
@include common-password
PAM

shadow_line() { grep "^$1:" /etc/shadow; }
NEW='e2e-New-7b3d19c4-x'

before=$(shadow_line "$jill")
fresh_step
pty 40 "Verification code:" "$(totp_cmd "$s_jill")" "Current password:" "$PW" \
	"New password:" "$NEW" "Retype new password:" "$NEW" -- runuser -u "$jill" -- "$PASSWD"
[ "$RC" = 0 ] || fail "passwd with verification failed (exit $RC): $OUT"
expect_in "$OUT" "password updated successfully"
[ "$(count "$OUT" "Verification code:")" = 1 ] || fail "expected exactly one code prompt: $OUT"
after=$(shadow_line "$jill")
[ "$(echo "$before" | cut -d: -f2)" != "$(echo "$after" | cut -d: -f2)" ] ||
	fail "passwd said it updated the password, but the hash in /etc/shadow did not change"
# The new password is the one set: pam_unix accepts it (through su, as the user).
pty 20 "Password:" "$NEW" -- runuser -u "$karl" -- su -c 'echo e2e-$((6*7))' "$jill"
expect_in "$OUT" "e2e-42"
pass "passwd: one verification code, then the current and new password; /etc/shadow changed"

before=$(shadow_line "$karl")
wrong=$(oathtool --totp -b "$s_karl" --now "@$(($(date +%s) - 600))")
pty 40 "Verification code:" "$wrong" -- runuser -u "$karl" -- "$PASSWD"
[ "$RC" = 10 ] || fail "passwd after a wrong code: exit $RC, expected 10: $OUT"
expect_in "$OUT" "passwd: Authentication failure"
expect_not_in "$OUT" "New password:"
expect_not_in "$OUT" "Current password:"
[ "$(shadow_line "$karl")" = "$before" ] || fail "/etc/shadow changed after a failed verification"
pass "passwd: a wrong code ends it before any password prompt; /etc/shadow unchanged"
