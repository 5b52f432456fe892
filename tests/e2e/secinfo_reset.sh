#!/bin/sh
# secinfo-reset end to end (issue 9): the helper as make install installs it, run by root on a
# terminal, with the real pam_unix, pam_pwquality and /etc/pam.d.
#   (a) Without /etc/pam.d/secinfo-reset, libpam would run the service "other" (on Debian: the
#       old password, then a new one, with no proof from security info): it refuses to run,
#       before asking anything, and says what is missing and what to do.
#   (b) A service whose auth stack does not verify with pam_secinfo.so purpose=reset (here the
#       password alone), or lets a "sufficient" rule skip it: refused the same way.
#   (c) The shipped service (conf/pam.d/secinfo-reset) enforces password quality for its root
#       caller: after the right code, a short new password is refused three times and nothing
#       changes in /etc/shadow; a good one is set.
#
# /etc/pam.d/secinfo-reset is saved first (or noted as absent) and put back afterwards.
. "$top_srcdir/tests/e2e/lib-e2e.sh"

RESET=${SECINFO_E2E_RESET:-$top_builddir/secinfo-reset/secinfo-reset}
[ -x "$RESET" ] || fail "secinfo-reset not built: $RESET"
[ -n "$(find /lib /usr/lib -name pam_pwquality.so 2>/dev/null | head -n 1)" ] ||
	skip "pam_pwquality.so is not installed (Debian package libpam-pwquality)"

write_conf <<CONF
[policy]
methods = app
tries = 1
max_failures = 50
CONF
admin init >/dev/null

add_user rita
rita=$U
s_rita=$(enroll_app "$rita")
add_user saul
saul=$U
s_saul=$(enroll_app "$saul")
add_user tina
tina=$U
s_tina=$(enroll_app "$tina")
add_user uma
uma=$U
s_uma=$(enroll_app "$uma")

SERVICE=/etc/pam.d/secinfo-reset
save_system_file "$SERVICE"
shadow_hash() { grep "^$1:" /etc/shadow | cut -d: -f2; }
NEW='e2e-Reset-5c81d2f0-y'
before_rita=$(shadow_hash "$rita")

# ---- (a) no service: Debian's "other" would ask for the old password and set a new one.
rm -f "$SERVICE"
pty 20 --any "User name:" "$rita" "Password:" "$PW" "New password:" "$NEW" \
	"Retype new password:" "$NEW" -- "$RESET" -c "$CONF"
[ "$RC" = 1 ] || fail "(a) secinfo-reset without its PAM service: exit $RC, expected 1: $OUT"
expect_in "$OUT" "refusing to run"
expect_in "$OUT" "$SERVICE does not exist"
expect_in "$OUT" "examples/pam.d/secinfo-reset"
expect_not_in "$OUT" "User name:"
expect_not_in "$OUT" "Password:"
[ "$(shadow_hash "$rita")" = "$before_rita" ] || fail "(a) the password changed without a service"
pass "(a) no /etc/pam.d/secinfo-reset: refuses before asking anything, says what to install"

# ---- (b) services that do not verify with the module.
for stack in "auth required pam_unix.so" \
	"auth sufficient pam_unix.so|auth required $MODULE config=$CONF purpose=reset" \
	"auth optional $MODULE config=$CONF purpose=reset|auth required pam_unix.so" \
	"auth required $MODULE config=$CONF"; do
	{
		printf '%s\n' "$stack" | tr '|' '\n'
		echo "account required pam_unix.so"
		echo "@include common-password"
	} > "$SERVICE"
	pty 20 --any "User name:" "$rita" "Password:" "$PW" "Verification code:" 000000 \
		"New password:" "$NEW" "Retype new password:" "$NEW" -- "$RESET" -c "$CONF"
	[ "$RC" = 1 ] || fail "(b) secinfo-reset with '$stack': exit $RC, expected 1: $OUT"
	expect_in "$OUT" "refusing to run"
	expect_in "$OUT" "purpose=reset"
	expect_not_in "$OUT" "User name:"
	[ "$(shadow_hash "$rita")" = "$before_rita" ] || fail "(b) the password changed with '$stack'"
	OUT=$(admin check 2>&1) && fail "(b) secinfo-admin check passed the service '$stack': $OUT"
	expect_in "$OUT" "secinfo-reset refuses to run with it"
done
pass "(b) a service without an enforcing pam_secinfo.so purpose=reset (or with a sufficient rule before it): refused, and secinfo-admin check says so"

# ---- (c) the shipped service: password quality for the root caller.
shipped_service secinfo-reset > "$SERVICE"
chmod 644 "$SERVICE"
fresh_step
# pam_pwquality asks again after each refused password ("password:" matches its "New
# password:"): three short ones, then it gives up.
pty 40 "User name:" "$rita" "Verification code:" "$(totp_cmd "$s_rita")" \
	"New password:" short "password:" short "password:" short -- "$RESET" -c "$CONF"
[ "$RC" = 1 ] || fail "(c) a short new password: exit $RC, expected 1: $OUT"
expect_in "$OUT" "BAD PASSWORD"
expect_in "$OUT" "verification failed"
expect_not_in "$OUT" "Your password has been changed."
[ "$(shadow_hash "$rita")" = "$before_rita" ] || fail "(c) the short password was set: $OUT"
pass "(c) the shipped service refuses a short new password from its root caller; /etc/shadow unchanged"

# The same with Debian's common-password as it is without libpam-pwquality (pam_unix without
# use_authtok), inlined: pam_unix takes the password pam_pwquality checked, asks for no other.
shipped_service secinfo-reset |
	sed -e 's/^@include common-password$/password [success=1 default=ignore] pam_unix.so obscure yescrypt\
password requisite pam_deny.so\
password required pam_permit.so/' > "$SERVICE"
grep -q 'pam_unix.so obscure yescrypt' "$SERVICE" || fail "(c) could not inline common-password"
before_tina=$(shadow_hash "$tina")
pty 40 "User name:" "$tina" "Verification code:" "$(totp_cmd "$s_tina")" \
	"New password:" short "password:" short "password:" short -- "$RESET" -c "$CONF"
[ "$RC" = 1 ] || fail "(c) a short new password, stock common-password: exit $RC, expected 1: $OUT"
[ "$(shadow_hash "$tina")" = "$before_tina" ] || fail "(c) the short password was set: $OUT"
before_uma=$(shadow_hash "$uma")
pty 40 "User name:" "$uma" "Verification code:" "$(totp_cmd "$s_uma")" \
	"New password:" "$NEW" "Retype new password:" "$NEW" -- "$RESET" -c "$CONF"
[ "$RC" = 0 ] || fail "(c) a good new password, stock common-password: exit $RC, expected 0: $OUT"
[ "$(count "$OUT" "New password:")" = 1 ] || fail "(c) the new password was asked twice: $OUT"
[ "$(shadow_hash "$uma")" != "$before_uma" ] || fail "(c) /etc/shadow did not change"
pass "(c) also with Debian's common-password without pam_pwquality"

before_saul=$(shadow_hash "$saul")
pty 40 "User name:" "$saul" "Verification code:" "$(totp_cmd "$s_saul")" \
	"New password:" "$NEW" "Retype new password:" "$NEW" -- "$RESET" -c "$CONF"
[ "$RC" = 0 ] || fail "(c) a good new password: exit $RC, expected 0: $OUT"
expect_in "$OUT" "Your password has been changed."
[ "$(shadow_hash "$saul")" != "$before_saul" ] || fail "(c) /etc/shadow did not change"
pty 20 "Password:" "$NEW" -- runuser -u "$rita" -- su -c 'echo e2e-$((6*7))' "$saul"
expect_in "$OUT" "e2e-42"
pass "(c) the shipped service sets a good new password after the code; it works with su"
