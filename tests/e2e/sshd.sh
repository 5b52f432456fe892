#!/bin/sh
# OpenSSH end to end (issue 5): a real sshd on a loopback port with its own configuration and
# host key, UsePAM and keyboard-interactive; the OpenSSH client answers the prompts on a
# pseudo-terminal. (a) password + app code, (b) publickey,keyboard-interactive with the code
# only, (c) a wrong code is refused, (d) the masked "code sent" text for sms reaches the
# client, (e) "?" another way works over SSH.
#
# sshd names its PAM service after the name it was run by (__progname): run through a
# symbolic link called secinfo-e2e-sshd-pw, it uses /etc/pam.d/secinfo-e2e-sshd-pw, a file of
# our own. The machine's /etc/pam.d/sshd and /etc/ssh are never touched.
. "$top_srcdir/tests/e2e/lib-e2e.sh"

need_sshd

start_gateway gw
write_conf <<CONF
[policy]
methods = app sms
tries = 1
max_failures = 50
$(twilio_section sms)
CONF
admin init >/dev/null
setup_sshd

# ---- password, then code: the stack of conf/pam.d/sshd (common-auth, then the module).
install_service $E2E_PREFIX-sshd-pw <<PAM
@include common-auth
auth       required     $MODULE config=$CONF
account    required     pam_nologin.so
@include common-account
session    required     pam_unix.so
PAM
start_sshd sshd-pw keyboard-interactive

add_user alice
alice=$U
s_alice=$(enroll_app "$alice")
fresh_step
ssh_as "$alice" $KBD -- "Password:" "$PW" "Verification code:" "$(totp_cmd "$s_alice")"
[ "$RC" = 0 ] || fail "(a) password + app code over ssh failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
pass "(a) sshd: password, then the app code, logs in"

# (c) a wrong code is refused (the right password, a code from another step).
add_user carl
carl=$U
s_carl=$(enroll_app "$carl")
wrong=$(oathtool --totp -b "$s_carl" --now "@$(($(date +%s) - 600))")
ssh_as "$carl" $KBD -- "Password:" "$PW" "Verification code:" "$wrong"
[ "$RC" = 255 ] || fail "(c) a wrong code: ssh exit $RC, expected 255: $OUT"
expect_not_in "$OUT" "e2e-42"
expect_in "$OUT" "$carl@127.0.0.1: Permission denied (keyboard-interactive)."
pass "(c) sshd: a wrong code is refused"
# ... and a wrong password: common-auth's "requisite pam_deny.so" ends the stack, so no code
# is asked for (and no TOTP step is spent).
ssh_as "$carl" $KBD -- "Password:" "not-the-password"
[ "$RC" = 255 ] || fail "(c) a wrong password: ssh exit $RC, expected 255: $OUT"
expect_not_in "$OUT" "e2e-42"
expect_in "$OUT" "$carl@127.0.0.1: Permission denied (keyboard-interactive)."
expect_not_in "$OUT" "Verification code:"
pass "(c) sshd: a wrong password is refused before the code prompt"

# (d) sms: the masked number is shown to the client; the code read from the gateway works.
add_user dora
dora=$U
admin method add "$dora" sms +14255551234 --no-verify >/dev/null
before=$(requests)
ssh_as "$dora" $KBD -- "Password:" "$PW" \
	"Press Enter to receive a code by text message to +1 XXXXXXXX34" "" \
	"Verification code:" "$SENT_CODE"
[ "$RC" = 0 ] || fail "(d) sign-in by text message over ssh failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
expect_in "$OUT" "A code was sent by text message to +1 XXXXXXXX34."
expect_not_in "$OUT" "4255551234"
[ "$(requests)" = $((before + 1)) ] || fail "(d) expected one text message, the gateway got $(($(requests) - before))"
pass "(d) sshd: the masked 'code sent to +1 XXXXXXXX34' text reaches the client; the code logs in"

# (e) "?" another way: the sms user who also has an app picks the app; nothing is sent.
add_user eve
eve=$U
admin method add "$eve" sms +14255556734 --no-verify >/dev/null
s_eve=$(enroll_app "$eve")
admin method default "$eve" sms >/dev/null 2>&1 || true
before=$(requests)
fresh_step
ssh_as "$eve" $KBD -- "Password:" "$PW" \
	"or type ? to choose another way" "?" \
	"Choose a number" "1" \
	"Verification code:" "$(totp_cmd "$s_eve")"
[ "$RC" = 0 ] || fail "(e) ? then the app over ssh failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
expect_in "$OUT" "authenticator app"
[ "$(requests)" = "$before" ] || fail "(e) a text message was sent although the user chose ?"
pass "(e) sshd: '?' at the send question, then the app code, logs in with nothing sent"

# ---- (b) public key, then the code only (AuthenticationMethods publickey,keyboard-interactive).
install_service $E2E_PREFIX-sshd-key <<PAM
auth       required     $MODULE config=$CONF
account    required     pam_nologin.so
@include common-account
session    required     pam_unix.so
PAM
start_sshd sshd-key publickey,keyboard-interactive

add_user bob
bob=$U
s_bob=$(enroll_app "$bob")
home=$(getent passwd "$bob" | cut -d: -f6)
install -d -m 700 -o "$bob" -g "$bob" "$home/.ssh"
install -m 600 -o "$bob" -g "$bob" "$T/ssh/client_key.pub" "$home/.ssh/authorized_keys"
SSH_KEY_OPTS="-i $T/ssh/client_key -o IdentitiesOnly=yes -o PreferredAuthentications=publickey,keyboard-interactive"
fresh_step
ssh_as "$bob" $SSH_KEY_OPTS -- "Verification code:" "$(totp_cmd "$s_bob")"
[ "$RC" = 0 ] || fail "(b) key + code over ssh failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
expect_not_in "$OUT" "Password:"
grep -q "Partial publickey for $bob" "$T/$E2E_PREFIX-sshd-key.log" ||
	fail "(b) sshd did not log the partial public-key success: $(tail -20 "$T/$E2E_PREFIX-sshd-key.log")"
pass "(b) sshd: public key, then only the code (no password prompt), logs in"

ssh_as "$bob" $SSH_KEY_OPTS -- "Verification code:" "000000"
[ "$RC" = 255 ] || fail "(b) key + wrong code: ssh exit $RC, expected 255: $OUT"
expect_not_in "$OUT" "e2e-42"
expect_in "$OUT" "$bob@127.0.0.1: Permission denied (keyboard-interactive)."
pass "(b) sshd: public key with a wrong code is refused"

# Without the key, keyboard-interactive alone is not enough for this sshd.
ssh_as "$bob" $KBD --
expect_not_in "$OUT" "Verification code:"
[ "$RC" = 255 ] || fail "(b) without the key: ssh exit $RC, expected 255: $OUT"
expect_not_in "$OUT" "e2e-42"
# sshd itself refuses: the key is missing, so keyboard-interactive is never offered.
expect_in "$OUT" "$bob@127.0.0.1: Permission denied (publickey)."
pass "(b) sshd: the code without the key is refused"

# ---- issue 9: the shipped stack (conf/pam.d/sshd, exhausted=maxtries) after [policy] tries
# wrong codes and after a lockout, with the client's defaults (three password prompts, its
# messages shown). After PAM_AUTH_ERR sshd starts keyboard-interactive again (the password,
# then more codes); PAM_MAXTRIES makes it end the connection.
write_conf <<CONF
[policy]
methods = app
tries = 2
max_failures = 3
lockout = 15m
CONF
install_service $E2E_PREFIX-sshd-shipped </dev/null
shipped_service sshd > /etc/pam.d/$E2E_PREFIX-sshd-shipped
start_sshd sshd-shipped keyboard-interactive
add_user hugo
hugo=$U
s_hugo=$(enroll_app "$hugo")
SSH_OPTS=$(printf '%s\n' "$SSH_OPTS" | sed -e 's/LogLevel=ERROR/LogLevel=INFO/' \
	-e 's/-o NumberOfPasswordPrompts=1//')
failures() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(c.execute("SELECT failures FROM users WHERE name = ?", (sys.argv[2],)).fetchone()[0])' "$DB" "$1"
}

ssh_as "$hugo" $KBD -- "Password:" "$PW" "Verification code:" 000000 "Verification code:" 000001
printf '%s\n' "---- what the user sees: [policy] tries = 2 wrong codes" "$OUT"
[ "$RC" = 255 ] || fail "ssh after tries wrong codes: exit $RC, expected 255: $OUT"
expect_not_in "$OUT" "e2e-42"
[ "$(count "$OUT" "Password:")" = 1 ] || fail "ssh asked for the password again: $OUT"
[ "$(count "$OUT" "Verification code:")" = 2 ] || fail "more than [policy] tries code prompts: $OUT"
expect_in "$OUT" "Verification failed: too many wrong answers."
expect_in "$OUT" "Too many authentication failures"
[ "$(failures "$hugo")" = 2 ] || fail "expected 2 failures counted, got $(failures "$hugo")"
pass "sshd: [policy] tries wrong codes end the connection with the module's message; no new password prompt"

ssh_as "$hugo" $KBD --any -- "Password:" "$PW" "Verification code:" 000002
printf '%s\n' "---- what the user sees: the wrong code that locks" "$OUT"
[ "$RC" = 255 ] || fail "ssh at the lockout: exit $RC, expected 255: $OUT"
expect_in "$OUT" "Verification is locked for this account until"
[ "$(count "$OUT" "Password:")" = 1 ] || fail "ssh asked for the password again: $OUT"
fresh_step
ssh_as "$hugo" $KBD --any -- "Password:" "$PW" "Verification code:" "$(totp_cmd "$s_hugo")"
printf '%s\n' "---- what the user sees: ssh while locked out" "$OUT"
[ "$RC" = 255 ] || fail "ssh while locked: exit $RC, expected 255: $OUT"
expect_not_in "$OUT" "e2e-42"
expect_in "$OUT" "Verification is locked for this account until"
expect_not_in "$OUT" "Verification code:"
[ "$(count "$OUT" "Password:")" = 1 ] || fail "ssh asked for the password again: $OUT"
expect_in "$OUT" "Too many authentication failures"
pass "sshd after a lockout: one password prompt, the 'locked until' message, and the connection ends"

# ---- issue 9: secinfo-admin check warns when sshd's password method is on (sshd -T) while
# its PAM stack runs the module: the password method would hand the code prompt the password.
# /etc/pam.d/sshd is replaced (saved and put back), the sshd setting comes from a drop-in of our
# own in /etc/ssh/sshd_config.d (read first by Debian's sshd_config: first value wins).
if ! [ -d /etc/ssh/sshd_config.d ] || ! grep -q '^Include /etc/ssh/sshd_config.d/' /etc/ssh/sshd_config; then
	echo "# not checked: /etc/ssh/sshd_config does not include /etc/ssh/sshd_config.d"
	exit 0
fi
DROPIN=/etc/ssh/sshd_config.d/$E2E_PREFIX.conf
own_file "$DROPIN"
shipped_service sshd | replace_service sshd
check_out() { out=$(admin check 2>&1) || fail "check failed: $out"; }
printf 'PasswordAuthentication yes\nUsePAM yes\n' > "$DROPIN"
check_out
expect_in "$out" "warning: sshd has PasswordAuthentication yes"
expect_in "$out" "/etc/pam.d/sshd line"
expect_in "$out" "Set PasswordAuthentication no"
printf '%s\n' "---- secinfo-admin check with PasswordAuthentication yes" "$out"
printf 'PasswordAuthentication no\nUsePAM yes\n' > "$DROPIN"
check_out
expect_not_in "$out" "PasswordAuthentication"
printf 'PasswordAuthentication yes\nUsePAM yes\n' > "$DROPIN"
printf '@include common-auth\n@include common-account\n' | replace_service sshd
check_out
expect_not_in "$out" "PasswordAuthentication"
pass "check warns about PasswordAuthentication yes only when sshd's PAM stack runs the module"
