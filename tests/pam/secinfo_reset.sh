#!/bin/sh
# secinfo-reset end to end on a pseudo-terminal, against a pam_matrix password database: the
# user name, the verification, the new password; and "verification failed" whatever the
# reason, with every attempt in the audit trail.
. "$top_srcdir/tests/lib.sh"
need_pam_wrapper
need_pam_matrix
DRIVE="$top_srcdir/tests/ptydrive.py"

write_conf </dev/null
admin init >/dev/null
enroll_app alice
enroll_app root
PASSDB="$T/passdb"
printf 'alice:old-a:secinfo-reset\nbob:old-b:secinfo-reset\nroot:old-r:secinfo-reset\n' > "$PASSDB"
cat > "$T/pam.d/secinfo-reset" <<SERVICE
auth     required $MODULE config=$CONF purpose=reset
account  required $PAM_MATRIX passdb=$PASSDB
password requisite $MODULE config=$CONF
password required $PAM_MATRIX passdb=$PASSDB
SERVICE
stored() { grep "^$1:" "$PASSDB" | cut -d: -f2; }
cp "$T/pam.d/secinfo-reset" "$T/secinfo-reset.service"
reset() {
	OUT=$(python3 "$DRIVE" "$@" -- $WRAPPED "$RESET" -c "$CONF" 2>&1) && RC=0 || RC=$?
}

fresh_step
reset 'User name:' alice 'Verification code:' "$(totp $SECRET_DEFAULT)" \
	'Old password:' old-a 'New Password :' new-a 'Verify New Password :' new-a
[ "$RC" = 0 ] || fail "secinfo-reset failed ($RC): $OUT"
expect_in "$OUT" "Your password has been changed."
[ "$(stored alice)" = new-a ] || fail "the new password was not stored"
pass "secinfo-reset on a terminal: user name, code, new password stored"

for who in "bob 000000" "root $(totp $SECRET_DEFAULT 1)" "nobody-at-all 000000"; do
	set -- $who
	reset 'User name:' "$1" 'Verification code:' "$2" 'Verification code:' 000001 \
		'Verification code:' 000002
	[ "$RC" = 1 ] || fail "secinfo-reset for $1 did not fail ($RC): $OUT"
	expect_in "$OUT" "verification failed"
	expect_not_in "$OUT" "locked"
	expect_not_in "$OUT" "not allowed"
done
[ "$(stored bob)" = old-b ] && [ "$(stored root)" = old-r ] || fail "a password changed"
pass "not enrolled, denied (root) or unknown: only 'verification failed', nothing changed"

reset 'User name:' '-rf /' 
[ "$RC" = 1 ] || fail "secinfo-reset for a malformed name did not fail ($RC): $OUT"
expect_in "$OUT" "verification failed"
expect_not_in "$OUT" "Verification code:" # refused before any PAM call
# One row per attempt: alice's success, then the four failures in order.
attempts=$(admin audit --json | python3 -c 'import json, sys
rows = [r for r in json.load(sys.stdin) if r["event"] == "password-reset"]
print(" ".join("%s:%s" % (r["user"], r["result"]) for r in rows))')
[ "$attempts" = "alice:success bob:failure root:failure nobody-at-all:failure -rf /:failure" ] ||
	fail "audited attempts: $attempts"
pass "every attempt is audited in order, a malformed user name included (as it is)"

# Without its service, or with one that does not verify with pam_secinfo.so purpose=reset,
# it refuses to run before asking anything (libpam would run "other").
rm "$T/pam.d/secinfo-reset"
reset --any 'User name:' alice
[ "$RC" = 1 ] || fail "secinfo-reset without its service did not refuse ($RC): $OUT"
expect_in "$OUT" "refusing to run: $T/pam.d/secinfo-reset does not exist"
expect_not_in "$OUT" "User name:"
sed 's/ purpose=reset//' "$T/secinfo-reset.service" > "$T/pam.d/secinfo-reset"
reset --any 'User name:' alice
[ "$RC" = 1 ] || fail "secinfo-reset with a 2fa stack did not refuse ($RC): $OUT"
expect_in "$OUT" 'has no "auth required pam_secinfo.so purpose=reset" line'
expect_not_in "$OUT" "User name:"
[ "$(stored alice)" = new-a ] || fail "a password changed"
pass "no service, or one without pam_secinfo.so purpose=reset: refuses to run, says what is missing"

# ---- where the person is (SPEC 11) --------------------------------------------------------------
# As the forced command of an SSH account, secinfo-reset's person is remote: PAM_RHOST comes from
# SSH_CONNECTION (set by sshd), so a security key plugged into this machine is never asked for
# their guesses. Without it, a pseudo-terminal (sudo's env_reset drops SSH_CONNECTION) is not
# taken for the console either: only a real terminal through a getty is, which a test cannot
# have (ptydrive runs everything on a pseudo-terminal).
SHIM="$top_builddir/tests/fido/.libs/softfido.so"
CTL="$top_builddir/tests/fido/softfido-ctl"
if [ ! -f "$SHIM" ] || [ ! -x "$CTL" ]; then
	echo "# skipped: the software FIDO2 key is not built (configure found no libcbor, libcrypto 3 or libfido2 headers)"
	exit 0
fi
cp "$T/secinfo-reset.service" "$T/pam.d/secinfo-reset"
printf '[policy]\nmethods = app key\n' >> "$CONF"
S="$T/key.state"
"$CTL" "$S" init --pin 1234 || fail "softfido-ctl init"
printf 'dora:old-d:secinfo-reset\n' >> "$PASSDB"
printf '1234\n' | SOFTFIDO_STATE="$S" LD_PRELOAD="$SHIM" admin method add dora key >/dev/null ||
	fail "cannot register dora's key"
enroll_app dora
retries=$("$CTL" "$S" show | sed -n 's/^retries=//p')
# reset_on_key STEP ENV...: secinfo-reset for dora with the key plugged in and ENV set, the
# app's code of STEP steps from now.
reset_on_key() {
	step=$1
	shift
	W=$(echo "$WRAPPED" | sed "s|LD_PRELOAD=\([^ ]*\)|LD_PRELOAD=\1:$SHIM|")
	OUT=$(env SOFTFIDO_STATE="$S" "$@" python3 "$DRIVE" --any 'User name:' dora \
		'PIN for your security key:' 0000 'Verification code:' "$(totp $SECRET_DEFAULT "$step")" \
		'Old password:' "$old" 'New Password :' "$new" 'Verify New Password :' "$new" \
		-- $W "$RESET" -c "$CONF" 2>&1) && RC=0 || RC=$?
}
fresh_step
old=old-d new=new-d
reset_on_key 0 SSH_CONNECTION="203.0.113.9 50022 192.0.2.1 22"
[ "$RC" = 0 ] || fail "secinfo-reset over SSH with the app failed ($RC): $OUT"
expect_in "$OUT" "No security key here; using the authenticator app."
expect_not_in "$OUT" "PIN for your security key"
[ "$("$CTL" "$S" show | sed -n 's/^retries=//p')" = "$retries" ] || fail "the key was asked over SSH"
[ "$(stored dora)" = new-d ] || fail "dora's new password was not stored"
pass "secinfo-reset over SSH (SSH_CONNECTION): remote, the key is not asked, the app is"
old=new-d new=newer-d
reset_on_key 1 SSH_CONNECTION=
[ "$RC" = 0 ] || fail "secinfo-reset on a pseudo-terminal without SSH_CONNECTION: exit $RC: $OUT"
[ "$(stored dora)" = newer-d ] || fail "dora's newer password was not stored"
expect_not_in "$OUT" "PIN for your security key"
expect_in "$OUT" "No security key here; using the authenticator app."
[ "$("$CTL" "$S" show | sed -n 's/^retries=//p')" = "$retries" ] ||
	fail "the key was asked on a pseudo-terminal without SSH_CONNECTION"
pass "secinfo-reset on a pseudo-terminal without SSH_CONNECTION (sudo's env_reset): not the console, the key is not asked"
