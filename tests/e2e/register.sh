#!/bin/sh
# Registration at first sign-in over a real sshd (SPEC 13): keyboard-interactive with the
# password, then `pam_secinfo.so register`. A new user's first login shows the QR code and
# the otpauth:// URI as text and asks for a current code (computed by oathtool from the URI
# the client printed), and logs in; the second login asks for that app's code and logs in
# with a fresh one; the registration's own code is spent. A wrong code at registration
# stores nothing.
. "$top_srcdir/tests/e2e/lib-e2e.sh"

need_sshd

write_conf <<CONF
[policy]
methods = app
tries = 2
max_failures = 50
CONF
admin init >/dev/null
start_register_sshd reg

# The answer command: the code of the secret in the last otpauth:// URI the client printed
# (ptydrive.py gives it the transcript on standard input); the code is kept in $T/reg.code.
REG_CODE="!s=\$(grep -a -o 'otpauth://totp/[^?]*?secret=[A-Z2-7]*' | tail -n 1 | sed 's/.*secret=//');
[ -n \"\$s\" ] && printf '%s\n' \"\$s\" > $T/reg.secret && oathtool --totp -b \"\$s\" | tee $T/reg.code"

add_user nina
nina=$U
fresh_step
ssh_as "$nina" $KBD -- "Password:" "$PW" "Verification code:" "$REG_CODE"
printf '%s\n' "---- what the user sees: the first login registers an app" "$OUT"
[ "$RC" = 0 ] || fail "the first login with registration failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
expect_in "$OUT" "You have no verification method yet"
expect_in "$OUT" "█"
expect_in "$OUT" "URI: otpauth://totp/"
secret=$(cat "$T/reg.secret")
admin user show "$nina" --json | python3 -c 'import json, sys; u = json.load(sys.stdin)
m = u["methods"]; assert len(m) == 1 and m[0]["kind"] == "app" and u["default"] == m[0]["id"], u' ||
	fail "the registered app is not $nina's default: $(admin user show "$nina" --json)"
admin audit --user "$nina" --json | python3 -c 'import json, sys; rows = json.load(sys.stdin)
a = [r for r in rows if r["event"] == "method-add"]
assert len(a) == 1 and a[0]["actor"] == "pam_secinfo" and a[0]["rhost"] == "127.0.0.1", rows' ||
	fail "audit rows of the registration: $(admin audit --user "$nina" --json)"
pass "sshd: a new user's first login shows the QR code and URI, registers the app with its code, logs in"

# The second login asks for the app's code: the registration's code is refused (tries = 2),
# a fresh one from the next step logs in.
ssh_as "$nina" $KBD -- "Password:" "$PW" "Verification code:" "$(cat "$T/reg.code")" \
	"Verification code:" "!oathtool --totp -b $secret --now @\$((\$(date +%s) + 30))"
printf '%s\n' "---- what the user sees: the second login" "$OUT"
[ "$RC" = 0 ] || fail "the second login with the app failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
expect_in "$OUT" "Wrong code, try again."
expect_not_in "$OUT" "otpauth://"
pass "sshd: the second login asks for the app's code; the registration's code is spent, a fresh one logs in"

# A wrong code at registration ([policy] tries = 2): refused, nothing stored.
add_user owen
owen=$U
ssh_as "$owen" $KBD -- "Password:" "$PW" "Verification code:" 000000 "Verification code:" 000001
[ "$RC" = 255 ] || fail "wrong codes at registration: ssh exit $RC, expected 255: $OUT"
expect_not_in "$OUT" "e2e-42"
expect_in "$OUT" "URI: otpauth://totp/"
if admin user show "$owen" --json >/dev/null 2>&1; then
	admin user show "$owen" --json | python3 -c 'import json, sys
assert json.load(sys.stdin)["methods"] == []' || fail "an app was stored after wrong codes"
fi
pass "sshd: wrong codes at registration are refused and nothing is stored"
