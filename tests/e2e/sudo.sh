#!/bin/sh
# sudo step-up end to end (issue 5): a non-root test user runs `sudo -k` on a terminal; the
# sudo PAM stack asks for the password, then the code. A wrong code is refused; `sudo -n`
# without a terminal fails and sends no text message.
#
# sudo always uses the PAM service "sudo": /etc/pam.d/sudo is replaced for the test, saved
# before and put back afterwards (compared byte for byte); the sudoers rule for the test
# users is a file of our own, /etc/sudoers.d/secinfo-e2e.
. "$top_srcdir/tests/e2e/lib-e2e.sh"

need sudo sudo
need visudo sudo
need setsid util-linux
[ -d /etc/sudoers.d ] || skip "/etc/sudoers.d does not exist"
grep -Eq '^[@#]includedir[[:space:]]+/etc/sudoers.d' /etc/sudoers ||
	skip "/etc/sudoers does not include /etc/sudoers.d"

start_gateway gw
write_conf <<CONF
[policy]
methods = app sms
tries = 1
max_failures = 50
$(twilio_section sms)
CONF
admin init >/dev/null

add_user erin
erin=$U
s_erin=$(enroll_app "$erin")
add_user fay
fay=$U
s_fay=$(enroll_app "$fay")
add_user gus
gus=$U
admin method add "$gus" sms +14255559934 --no-verify >/dev/null

# passwd_tries=1: one PAM conversation per sudo, so a refused attempt ends sudo.
own_file /etc/sudoers.d/$E2E_PREFIX
cat > "$T/sudoers" <<SUDOERS
User_Alias SECINFO_E2E = $erin, $fay, $gus
Defaults:SECINFO_E2E passwd_tries=1, !lecture, timestamp_timeout=0
SECINFO_E2E ALL=(root) ALL
SUDOERS
visudo -c -q -f "$T/sudoers" || fail "visudo refused the test rule"
install -m 440 "$T/sudoers" /etc/sudoers.d/$E2E_PREFIX

# Debian's stock sudo stack, with the password (common-auth) and the code (the module).
replace_service sudo <<PAM
#%PAM-1.0
session    required   pam_limits.so
session    required   pam_env.so readenv=1 user_readenv=0
session    required   pam_env.so readenv=1 envfile=/etc/default/locale user_readenv=0
@include common-auth
auth       required   $MODULE config=$CONF
@include common-account
@include common-session-noninteractive
PAM

# sudo_as USER PROMPT ANSWER ...: USER runs `sudo -k sh -c ...` on a terminal; it prints
# e2e-0-ok only when the command ran as root.
sudo_as() {
	user=$1
	shift
	pty 30 "$@" -- runuser -u "$user" -- sudo -k sh -c 'echo e2e-$(id -u)-ok'
}

fresh_step
sudo_as "$erin" "password for $erin:" "$PW" "Verification code:" "$(totp_cmd "$s_erin")"
[ "$RC" = 0 ] || fail "sudo with password + code failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-0-ok"
[ "$(count "$OUT" "Verification code:")" = 1 ] || fail "expected one code prompt: $OUT"
pass "sudo -k: the password, then the app code, runs the command as root"

wrong=$(oathtool --totp -b "$s_fay" --now "@$(($(date +%s) - 600))")
sudo_as "$fay" "password for $fay:" "$PW" "Verification code:" "$wrong"
[ "$RC" = 1 ] || fail "sudo with a wrong code: exit $RC, expected 1: $OUT"
expect_not_in "$OUT" "e2e-0-ok"
expect_in "$OUT" "sudo: 1 incorrect password attempt"
pass "sudo -k: the right password with a wrong code is refused"

# A wrong password ends the stack (common-auth's requisite pam_deny.so): no code prompt.
sudo_as "$fay" "password for $fay:" "not-the-password"
[ "$RC" = 1 ] || fail "sudo with a wrong password: exit $RC, expected 1: $OUT"
expect_not_in "$OUT" "e2e-0-ok"
expect_not_in "$OUT" "Verification code:"
expect_in "$OUT" "sudo: 1 incorrect password attempt"
pass "sudo -k: a wrong password is refused before the code prompt"

# sudo -n without a terminal: no conversation, so the module stops at the send question.
before=$(requests)
out=$(setsid -w runuser -u "$gus" -- sudo -n -k sh -c 'echo e2e-$(id -u)-ok' </dev/null 2>&1) &&
	fail "sudo -n without a terminal ran the command: $out"
expect_not_in "$out" "e2e-0-ok"
sleep 1
[ "$(requests)" = "$before" ] || fail "sudo -n sent a text message ($(requests) requests, $before before)"
pass "sudo -n without a terminal fails and no text message leaves the machine"

# The same sms user on a terminal: password, Enter at the send question, the code received.
before=$(requests)
sudo_as "$gus" "password for $gus:" "$PW" \
	"Press Enter to receive a code by text message to +1 XXXXXXXX34" "" \
	"Verification code:" "$SENT_CODE"
[ "$RC" = 0 ] || fail "sudo by text message failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-0-ok"
expect_in "$OUT" "A code was sent by text message to +1 XXXXXXXX34."
[ "$(requests)" = $((before + 1)) ] || fail "expected one text message"
pass "sudo -k by text message: the masked number, the code from the gateway"

# ---- issue 9: the shipped stack (conf/pam.d/sudo, exhausted=abort) after [policy] tries wrong
# codes and after a lockout, with sudo's default passwd_tries (3). sudo asks again after
# PAM_AUTH_ERR and PAM_MAXTRIES (three rounds of `tries` codes, then "3 incorrect password
# attempts" although the password was right); the module's PAM_ABORT ends it at once.
write_conf <<CONF
[policy]
methods = app
tries = 2
max_failures = 3
lockout = 15m
CONF
add_user hal
hal=$U
s_hal=$(enroll_app "$hal")
cat > "$T/sudoers" <<SUDOERS
User_Alias SECINFO_E2E = $erin, $fay, $gus
Defaults:SECINFO_E2E passwd_tries=1, !lecture, timestamp_timeout=0
Defaults:$hal !lecture, timestamp_timeout=0
SECINFO_E2E, $hal ALL=(root) ALL
SUDOERS
visudo -c -q -f "$T/sudoers" || fail "visudo refused the test rule"
install -m 440 "$T/sudoers" /etc/sudoers.d/$E2E_PREFIX
shipped_service sudo | replace_service sudo
# failures USER: the user's failure count in the database.
failures() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(c.execute("SELECT failures FROM users WHERE name = ?", (sys.argv[2],)).fetchone()[0])' "$DB" "$1"
}

sudo_as "$hal" "password for $hal:" "$PW" "Verification code:" 000000 "Verification code:" 000001
printf '%s\n' "---- what the user sees: [policy] tries = 2 wrong codes" "$OUT"
[ "$RC" = 1 ] || fail "sudo after tries wrong codes: exit $RC, expected 1: $OUT"
expect_not_in "$OUT" "e2e-0-ok"
[ "$(count "$OUT" "password for $hal:")" = 1 ] || fail "sudo asked for the password again: $OUT"
[ "$(count "$OUT" "Verification code:")" = 2 ] || fail "more than [policy] tries code prompts: $OUT"
expect_not_in "$OUT" "Sorry, try again."
expect_not_in "$OUT" "incorrect password attempt"
expect_in "$OUT" "Verification failed: too many wrong answers."
expect_in "$OUT" "sudo: PAM authentication error"
[ "$(failures "$hal")" = 2 ] || fail "expected 2 failures counted, got $(failures "$hal")"
pass "sudo: [policy] tries wrong codes end sudo with the module's message; no second password round"

sudo_as "$hal" "password for $hal:" "$PW" "Verification code:" 000002
printf '%s\n' "---- what the user sees: the wrong code that locks" "$OUT"
[ "$RC" = 1 ] || fail "sudo at the lockout: exit $RC, expected 1: $OUT"
expect_in "$OUT" "Verification is locked for this account until"
[ "$(count "$OUT" "password for $hal:")" = 1 ] || fail "sudo asked for the password again: $OUT"
expect_not_in "$OUT" "Sorry, try again."
expect_not_in "$OUT" "Verification failed: too many wrong answers."
fresh_step
sudo_as "$hal" --any "password for $hal:" "$PW" "Verification code:" "$(totp_cmd "$s_hal")"
printf '%s\n' "---- what the user sees: sudo while locked out" "$OUT"
[ "$RC" = 1 ] || fail "sudo while locked: exit $RC, expected 1: $OUT"
expect_not_in "$OUT" "e2e-0-ok"
expect_in "$OUT" "Verification is locked for this account until"
expect_not_in "$OUT" "Verification code:"
[ "$(count "$OUT" "password for $hal:")" = 1 ] || fail "sudo asked for the password again: $OUT"
expect_not_in "$OUT" "incorrect password attempt"
expect_in "$OUT" "sudo: PAM authentication error"
pass "sudo after a lockout: one password prompt, the 'locked until' message, and sudo ends"
