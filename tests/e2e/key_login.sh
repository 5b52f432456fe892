#!/bin/sh
# Console login with a FIDO2 security key, end to end (issue 11): the real `login` on a
# pseudo-terminal, the build's module and its plugin secinfo-key.so (the files make install
# installs), and the key played by the tests' software authenticator:
# tests/fido/.libs/softfido.so is preloaded into secinfo-admin and login, where it answers
# libfido2's fido_dev_info_manifest and fido_dev_open for the device /dev/softfido; its state
# (device secret, PIN, retries, counter, knobs) is the file named by SOFTFIDO_STATE, read by
# the shim's constructor, before login clears its environment. Nothing in the module, the
# plugin or secinfo-admin chooses the software key.
#   1. a key registered with `secinfo-admin method add USER key` (PIN, touch): login asks for
#      the password, the PIN (echo off) and the touch, and starts the shell; the key's counter
#      grew and the audit trail has the key's success;
#   2. a wrong PIN: "Login incorrect", no shell; the key counted the wrong PIN and so did the
#      lockout (an audit row "wrong");
#   3. a copy of the key (its state file copied) after the key signed in: refused, the
#      signature counter did not grow, and the audit row's result is cloned-key;
#   4. a user with a key (the default) and an app, the key not plugged in: "No security key
#      here; using the authenticator app.", then the app's code logs in;
#   5. the key plugged in but the login remote (login -h: PAM_RHOST a remote host): the same
#      fallback to the app; the key is not asked.
# login always uses the PAM service "login": /etc/pam.d/login is replaced for the test, saved
# before and put back afterwards (compared byte for byte).
. "$top_srcdir/tests/e2e/lib-e2e.sh"

LOGIN=$(command -v login || echo /bin/login)
need "$LOGIN" login
SOFTFIDO_LIB="$top_builddir/tests/fido/.libs/softfido.so"
SOFTFIDO_CTL="$top_builddir/tests/fido/softfido-ctl"
KEY_PLUGIN="${MODULE%/*}/secinfo-key.so"
[ -f "$KEY_PLUGIN" ] || fail "the security key plugin is not built beside the module: $KEY_PLUGIN"
# The software authenticator is a make check target (check_LTLIBRARIES, check_PROGRAMS).
if [ ! -f "$SOFTFIDO_LIB" ] || [ ! -x "$SOFTFIDO_CTL" ]; then
	make -C "$top_builddir" tests/fido/softfido.la tests/fido/softfido-ctl >"$T/softfido-make.log" 2>&1 ||
		fail "could not build the software authenticator: $(tail -20 "$T/softfido-make.log")"
fi
[ -f "$SOFTFIDO_LIB" ] || fail "no $SOFTFIDO_LIB after building tests/fido/softfido.la"

softfido() { "$SOFTFIDO_CTL" "$@"; }
# field STATE NAME: one value of softfido-ctl STATE show (lines NAME=VALUE).
field() { softfido "$1" show | sed -n "s/^$2=//p"; }
# with_key STATE COMMAND...: COMMAND with the software authenticator of STATE plugged in.
with_key() {
	state=$1
	shift
	echo env LD_PRELOAD="$SOFTFIDO_LIB" SOFTFIDO_STATE="$state" "$@"
}
PIN=4826
WRONG_PIN=7391

write_conf <<CONF
[policy]
methods = app key
tries = 1
max_failures = 50

[key]
timeout = 10s
CONF
admin init >/dev/null

# register_key USER STATE: a new software key in STATE (PIN $PIN), registered for USER with
# secinfo-admin as an administrator does it: on a terminal, PIN echo off, then the touch.
register_key() {
	softfido "$2" init --pin "$PIN" >/dev/null
	pty 40 "PIN" "$PIN" -- $(with_key "$2" "$ADMIN" -c "$CONF" method add "$1" key)
	[ "$RC" = 0 ] || fail "secinfo-admin method add $1 key failed (exit $RC): $OUT"
	expect_in "$OUT" "Touch your security key."
	expect_not_in "$OUT" "$PIN"
	admin user show "$1" --json | python3 -c 'import json, sys; u = json.load(sys.stdin)
k = [m for m in u["methods"] if m["kind"] == "key"]
assert len(k) == 1, u' || fail "$1 has no key method after registration: $(admin user show "$1" --json)"
}
# audit_count USER EVENT RESULT KIND: the audit rows of USER with that event, result and kind.
audit_count() {
	admin audit --user "$1" --json | python3 -c 'import json, sys
e, r, k = sys.argv[1:4]
print(sum(1 for x in json.load(sys.stdin) if x["event"] == e and x["result"] == r and x["method"] == k))' "$2" "$3" "$4"
}

add_user hana
hana=$U
key_hana="$T/hana.softfido"
register_key "$hana" "$key_hana"
pass "secinfo-admin method add $hana key: the PIN (not echoed) and a touch register the key"

login_service

# 1. Password, PIN, touch: the shell prints e2e-42 only when it runs; then it exits, and login
# with it.
counter_before=$(field "$key_hana" counter)
pty 40 "Password:" "$PW" "PIN for your security key:" "$PIN" \
	"$hana@" 'echo e2e-$((6*7)); exit' -- $(with_key "$key_hana" "$LOGIN" "$hana")
[ "$RC" = 0 ] || fail "1. login with password, PIN and touch failed (exit $RC): $OUT"
expect_in "$OUT" "Touch your security key."
expect_in "$OUT" "e2e-42"
expect_not_in "$OUT" "$PIN"
expect_not_in "$OUT" "Verification code:"
counter_after=$(field "$key_hana" counter)
[ "$counter_after" -gt "$counter_before" ] ||
	fail "1. the key's signature counter did not grow: $counter_before, then $counter_after"
[ "$(audit_count "$hana" auth success key)" = 1 ] ||
	fail "1. no audit row of the key's success: $(admin audit --user "$hana")"
pass "1. login: the password, the key's PIN (echo off) and a touch start the user's shell"

# 2. A wrong PIN: the key refuses it (and counts it), the module counts a wrong answer, and
# with tries = 1 login says "Login incorrect" and asks for a user name again (Ctrl-D there
# is one more failed attempt, so login waits for a name until ptydrive's timeout ends it).
retries_before=$(field "$key_hana" retries)
wrong_before=$(audit_count "$hana" wrong failure key)
pty 12 "Password:" "$PW" "PIN for your security key:" "$WRONG_PIN" "login:" "^D" -- \
	$(with_key "$key_hana" "$LOGIN" "$hana")
expect_in "$OUT" "Login incorrect"
expect_not_in "$OUT" "e2e-42"
expect_not_in "$OUT" "$hana@"
[ "$(field "$key_hana" retries)" = $((retries_before - 1)) ] ||
	fail "2. the key did not see the wrong PIN: retries $retries_before, then $(field "$key_hana" retries)"
[ "$(audit_count "$hana" wrong failure key)" = $((wrong_before + 1)) ] ||
	fail "2. the wrong PIN was not counted as a wrong answer: $(admin audit --user "$hana")"
[ "$(audit_count "$hana" auth success key)" = 1 ] || fail "2. a second success was recorded"
pass "2. login: the right password with a wrong PIN is refused, counted by the key and by the lockout"

# 3. A copy of the key (its state file copied: the same device secret and counter). The key
# signs in, then the copy answers with a counter that did not grow: refused, and the
# decision's audit row says cloned-key.
cp -p "$key_hana" "$T/hana-copy.softfido"
pty 40 "Password:" "$PW" "PIN for your security key:" "$PIN" \
	"$hana@" 'echo e2e-$((6*7)); exit' -- $(with_key "$key_hana" "$LOGIN" "$hana")
[ "$RC" = 0 ] || fail "3. login with the key before its copy failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
pty 12 "Password:" "$PW" "PIN for your security key:" "$PIN" "login:" "^D" -- \
	$(with_key "$T/hana-copy.softfido" "$LOGIN" "$hana")
expect_in "$OUT" "signature counter did not grow"
expect_in "$OUT" "Login incorrect"
expect_not_in "$OUT" "e2e-42"
[ "$(audit_count "$hana" auth cloned-key key)" = 1 ] ||
	fail "3. no audit row with the result cloned-key: $(admin audit --user "$hana")"
pass "3. login with a copy of the key after the key itself: refused (counter did not grow), audited cloned-key"

# 4. A key (the default: registered first) and an app; the key is not plugged in.
add_user ivan
ivan=$U
key_ivan="$T/ivan.softfido"
register_key "$ivan" "$key_ivan"
s_ivan=$(enroll_app "$ivan")
admin user show "$ivan" --json | python3 -c 'import json, sys; u = json.load(sys.stdin)
d = [m for m in u["methods"] if m["id"] == u["default"]]
assert len(d) == 1 and d[0]["kind"] == "key", u' ||
	fail "4. the key is not $ivan's default: $(admin user show "$ivan" --json)"
softfido "$key_ivan" set absent=1
counter_before=$(field "$key_ivan" counter)
fresh_step
pty 40 "Password:" "$PW" "Verification code:" "$(totp_cmd "$s_ivan")" \
	"$ivan@" 'echo e2e-$((6*7)); exit' -- $(with_key "$key_ivan" "$LOGIN" "$ivan")
[ "$RC" = 0 ] || fail "4. login with the app where no key is plugged in failed (exit $RC): $OUT"
expect_in "$OUT" "No security key here; using the authenticator app."
expect_in "$OUT" "e2e-42"
expect_not_in "$OUT" "PIN for your security key:"
expect_not_in "$OUT" "Touch your security key."
[ "$(field "$key_ivan" counter)" = "$counter_before" ] || fail "4. the absent key was used"
[ "$(audit_count "$ivan" auth success app)" = 1 ] ||
	fail "4. no audit row of the app's success: $(admin audit --user "$ivan")"
pass "4. login: no key plugged in: \"No security key here; using the authenticator app.\", then the app's code"

# 5. The key plugged in, but the login remote: login -h sets PAM_RHOST (as telnetd would).
# Another user with a key (the default) and an app, so that a fresh TOTP step is at hand.
add_user jana
jana=$U
key_jana="$T/jana.softfido"
register_key "$jana" "$key_jana"
s_jana=$(enroll_app "$jana")
counter_before=$(field "$key_jana" counter)
fresh_step
pty 40 "Password:" "$PW" "Verification code:" "$(totp_cmd "$s_jana")" \
	"$jana@" 'echo e2e-$((6*7)); exit' -- $(with_key "$key_jana" "$LOGIN" -h remote.example.org "$jana")
[ "$RC" = 0 ] || fail "5. remote login with the app failed (exit $RC): $OUT"
expect_in "$OUT" "No security key here; using the authenticator app."
expect_in "$OUT" "e2e-42"
expect_not_in "$OUT" "PIN for your security key:"
[ "$(field "$key_jana" counter)" = "$counter_before" ] || fail "5. the key was used for a remote login"
admin audit --user "$jana" --json | python3 -c 'import json, sys
rows = [x for x in json.load(sys.stdin) if x["event"] == "auth" and x["result"] == "success"]
assert len(rows) == 1 and rows[0]["method"] == "app" and rows[0]["rhost"] == "remote.example.org", rows' ||
	fail "5. the remote sign-in's audit row: $(admin audit --user "$jana" --json)"
pass "5. login -h remote.example.org: the key plugged in is not offered to a remote sign-in; the app is used"
