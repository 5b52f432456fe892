#!/bin/sh
# Security keys (SPEC 11) through the real module under pam_wrapper, with the software FIDO2
# key of tests/fido/ preloaded (softfido.so lists /dev/softfido and speaks CTAPHID to it; its
# state is the file $SOFTFIDO_STATE): registration with secinfo-admin, sign-in and reset, the
# order, wrong and blocked PINs, no touch, an unplugged key, a cloned key, frozen counters,
# user verification, remote and absent keys, several keys, and pam_u2f's lessons.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
SHIM="$top_builddir/tests/fido/.libs/softfido.so"
CTL="$top_builddir/tests/fido/softfido-ctl"
[ -f "$SHIM" ] && [ -x "$CTL" ] ||
	skip "the software FIDO2 key is not built (configure found no libcbor, libcrypto 3 or libfido2 headers)"

# kpam STATE RHOST SERVICE USER OPERATION: pam (tests/lib.sh) with the key of STATE plugged in
# (the software key preloaded); RHOST empty: a local sign-in (no PAM_RHOST).
kpam() {
	st=$1
	rh=$2
	shift 2
	SOFTFIDO_STATE=$st PAM_DRIVE_RHOST=$rh PAM_EXTRA_PRELOAD=$SHIM pam "$@"
}
# expect_key RESULT ANSWERS STATE RHOST SERVICE USER OPERATION: expect_pam, through kpam.
expect_key() {
	want=$1
	answers=$2
	st=$3
	rh=$4
	shift 4
	SOFTFIDO_STATE=$st PAM_DRIVE_RHOST=$rh PAM_EXTRA_PRELOAD=$SHIM \
		expect_pam "$want" "$answers" "$@"
}
# kadmin STATE ARGS...: secinfo-admin with the key of STATE plugged in; OUT and RC.
kadmin() {
	st=$1
	shift
	OUT=$(SOFTFIDO_STATE="$st" LD_PRELOAD="$SHIM" "$ADMIN" -c "$CONF" "$@" 2>&1) && RC=0 ||
		RC=$?
}
# register STATE USER [PIN]: registers the key of STATE for USER; fails the test if refused.
register() {
	kadmin "$1" method add "$2" key <<PIN
${3:-1234}
PIN
	[ "$RC" = 0 ] || fail "method add $2 key refused: $OUT"
}
# knob STATE NAME: a value softfido-ctl show prints.
knob() { "$CTL" "$1" show | sed -n "s/^$2=//p"; }
# failures USER: the count of wrong answers in a row that user show prints.
failures() { admin user show "$1" | sed -n 's/^Locked: .*(\([0-9]*\) failures.*/\1/p'; }
# ids USER KIND: the ids of USER's methods of KIND, oldest first.
ids() {
	{ admin user show "$1" --json 2>/dev/null || echo '{"methods": []}'; } | python3 -c 'import json, sys
print(" ".join(str(m["id"]) for m in json.load(sys.stdin)["methods"] if m["kind"] == sys.argv[1]))' "$2"
}
# last_used USER ID: the method's last use, or None.
last_used() {
	admin user show "$1" --json | python3 -c 'import json, sys
print([m["last_used"] for m in json.load(sys.stdin)["methods"] if m["id"] == int(sys.argv[1])][0])' "$2"
}
# audit_results USER EVENT: the results of USER's audit rows of EVENT, oldest first.
audit_results() {
	admin audit --user "$1" --json | python3 -c 'import json, sys
print(" ".join(r["result"] for r in json.load(sys.stdin) if r["event"] == sys.argv[1]))' "$2"
}

write_conf <<'EOF'
[policy]
methods = app sms key
max_failures = 50
[sms]
provider = http
url = http://127.0.0.1:9/send
EOF
admin init >/dev/null
service k
service k-null nullok
service k-reset purpose=reset
service app-key methods=app,key
S="$T/key.state"
"$CTL" "$S" init --pin 1234 || fail "softfido-ctl init"

# ---- registration ----------------------------------------------------------------------------
kadmin "$S" method add alice key --no-verify
[ "$RC" != 0 ] || fail "--no-verify was accepted for a key: $OUT"
expect_in "$OUT" "--no-verify does not apply to key methods"
[ -z "$(ids alice key)" ] || fail "a key was stored with --no-verify"
kadmin "$S" method add alice key </dev/null
[ "$RC" != 0 ] || fail "a registration without a PIN succeeded: $OUT"
expect_in "$OUT" "no PIN was entered; nothing added"
[ "$(knob "$S" credentials)" = 0 ] || fail "the key made a credential without a PIN"
register "$S" alice
expect_in "$OUT" "PIN for your security key: "
expect_in "$OUT" "Touch your security key."
[ "$(knob "$S" credentials)" = 1 ] || fail "the key made no credential: $("$CTL" "$S" show)"
KEY1=$(ids alice key)
[ -n "$KEY1" ] || fail "no key method stored: $(admin user show alice)"
pass "secinfo-admin method add USER key: PIN, touch, a verified credential stored; --no-verify and no PIN refused"

kadmin "$S" method add alice key <<'EOF'
9999
EOF
[ "$RC" != 0 ] || fail "a wrong PIN registered a key: $OUT"
expect_in "$OUT" "Wrong PIN for your security key."
[ "$(ids alice key)" = "$KEY1" ] || fail "a wrong PIN added a method"
pass "a wrong PIN at registration adds nothing"

# ---- sign-in -----------------------------------------------------------------------------
before=$(knob "$S" counter)
expect_key success "1234" "$S" "" k alice authenticate
expect_in "$LAST_OUT" "[prompt] PIN for your security key: "
expect_in "$LAST_OUT" "[info] Touch your security key."
expect_in "$LAST_OUT" "method=key result=success"
expect_not_in "$LAST_OUT" "1234"
[ "$(knob "$S" counter)" -gt "$before" ] || fail "the key was not used"
[ "$(last_used alice "$KEY1")" != None ] || fail "last use of the key not recorded"
pass "2fa with the key: the PIN prompt is echo off, then the touch message; the PIN never logged"

service k-echo echo_code
expect_key success "1234" "$S" "" k-echo alice authenticate
expect_in "$LAST_OUT" "[prompt] PIN for your security key: "
expect_not_in "$LAST_OUT" "[prompt-echo]"
pass "the PIN prompt is echo off even with echo_code"

expect_key success "1234" "$S" "" k-reset alice authenticate
expect_in "$LAST_OUT" "method=key result=success"
pass "password reset (purpose=reset) with the key"

expect_key success "?
1234" "$S" "" k alice authenticate
expect_in "$LAST_OUT" "No other verification method is available."
[ "$(failures alice)" = 0 ] || fail "'?' counted as a wrong PIN"
pass "'?' at the PIN prompt works as at any prompt"

# The key first in the order key, app, sms, call: bob's default (sms) is not usable in
# app-key, and his key comes before his app there.
admin method add bob sms +14255550000 --no-verify >/dev/null
enroll_app bob
register "$S" bob
expect_key success "1234" "$S" "" app-key bob authenticate
expect_in "$LAST_OUT" "PIN for your security key: "
expect_in "$LAST_OUT" "method=key result=success"
expect_not_in "$LAST_OUT" "Verification code"
pass "the key first in the order key, app, sms, call"

# ---- wrong PIN, blocked PIN ----------------------------------------------------------------
retries=$(knob "$S" retries)
expect_key success "0000
1234" "$S" "" k alice authenticate
expect_in "$LAST_OUT" "Wrong PIN, try again."
[ "$(audit_results alice wrong)" = failure ] || fail "the wrong PIN has no audit row: $(audit_results alice wrong)"
expect_key "Authentication failure" "0000
0001
0002" "$S" "" k alice authenticate
[ "$(failures alice)" = 3 ] || fail "3 wrong PINs are not 3 failures: $(admin user show alice)"
[ "$(knob "$S" retries)" -lt "$retries" ] || fail "the key did not count the wrong PINs"
expect_key success "1234" "$S" "" k alice authenticate
[ "$(failures alice)" = 0 ] || fail "a right PIN did not clear the failures"
pass "a wrong PIN is a wrong answer: re-prompted within tries, counted toward the lockout"

cp "$S" "$T/saved.state"
"$CTL" "$S" set retries=0
expect_key "Authentication failure" "1234" "$S" "" k alice authenticate
expect_in "$LAST_OUT" "PIN is blocked"
expect_not_in "$LAST_OUT" "result=success"
cp "$T/saved.state" "$S"
pass "a PIN-blocked key says so and fails"

# ---- no touch, unplugged -------------------------------------------------------------------
cat >> "$CONF" <<'EOF'
[key]
timeout = 1s
EOF
"$CTL" "$S" set touch=none
start=$(date +%s)
expect_key "Authentication failure" "1234" "$S" "" k alice authenticate
expect_in "$LAST_OUT" "not touched in time (1 seconds)"
[ $(($(date +%s) - start)) -le $((5 + SLOW)) ] || fail "[key] timeout did not bound the wait"
# From here on a timeout that valgrind's slowness cannot reach.
sed -i 's/^timeout = 1s$/timeout = 20s/' "$CONF"
"$CTL" "$S" set touch=slow:200
expect_key success "1234" "$S" "" k alice authenticate
"$CTL" "$S" set touch=auto
pass "no touch within [key] timeout fails with a message; a touch within it passes"

"$CTL" "$S" set unplug=1
expect_key "$UNAVAIL" "1234" "$S" "" k-null alice authenticate
expect_in "$LAST_OUT" "stopped answering"
"$CTL" "$S" set unplug=0
pass "a key unplugged mid-way fails closed with a message (nullok or not)"

# ---- remote and absent: the next method, with a message ----------------------------------
fresh_step
expect_key success "$(totp $SECRET_DEFAULT)" "$S" 203.0.113.5 app-key bob authenticate
expect_in "$LAST_OUT" "No security key here; using the authenticator app."
expect_in "$LAST_OUT" "method=app result=success"
expect_not_in "$LAST_OUT" "PIN for your security key"
pass "remote (PAM_RHOST=203.0.113.5): the key is not offered, the app is, with the message"

"$CTL" "$S" set absent=1
expect_key success "$(totp $SECRET_DEFAULT 1)" "$S" "" app-key bob authenticate
expect_in "$LAST_OUT" "No security key here; using the authenticator app."
"$CTL" "$S" set absent=0
pass "no device present: the next method, with the message"

# "?" once too often (after SECINFO_FLOW_MAX_SWITCHES switches it is taken as the answer) is not
# a PIN: it never reaches the key, whose own PIN retries stay as they were.
r0=$(knob "$S" retries)
answers=
for i in 1 2 3 4 5 6 7 8 9 10; do answers="$answers?
1
"; done
expect_key success "$answers?
1234" "$S" "" app-key bob authenticate
expect_in "$LAST_OUT" "Wrong PIN, try again."
[ "$(knob "$S" retries)" = "$r0" ] || fail "the 11th '?' reached the key: retries $r0 -> $(knob "$S" retries)"
pass "a '?' past the last switch is refused as a PIN before the key is asked (its retries unchanged)"

# libfido2 writes hex dumps of the device's traffic (credential ids, the encrypted PIN) to
# standard error when FIDO_DEBUG is in the environment, which the caller of sudo or su sets:
# the module sets a log handler that writes nothing.
export FIDO_DEBUG=1
expect_key success "1234" "$S" "" app-key bob authenticate
unset FIDO_DEBUG
expect_in "$LAST_OUT" "method=key result=success"
expect_not_in "$LAST_OUT" "fido_tx"
expect_not_in "$LAST_OUT" "fido_rx"
pass "FIDO_DEBUG in the environment: libfido2 logs nothing"

# ---- who may open the device -----------------------------------------------------------------
# A set-user-id caller (sudo, su, secinfo) may be signed in over SSH while someone else's key is
# plugged in at the console: the module uses only a device its real uid may open itself
# (access(2); the device node's owner and mode, systemd-logind's uaccess ACL). The key is listed
# under a file of this test's (SOFTFIDO_DEVICE) standing for the node. Root is let in (login,
# sshd, a getty: PAM_RHOST tells remote from local there), so this runs as an ordinary user:
# make check's stage 1 in .ci/run.
if [ "$(id -u)" = 0 ]; then
	echo "# skipped: the device access check (access(2) lets root in; .ci/run's stage 1 runs it as an ordinary user)"
else
	register "$S" ivan
	enroll_app ivan
	DEV="$T/hidraw-soft"
	: > "$DEV"
	chmod 000 "$DEV"
	fresh_step
	export SOFTFIDO_DEVICE="$DEV"
	expect_key success "$(totp $SECRET_DEFAULT)" "$S" "" app-key ivan authenticate
	expect_in "$LAST_OUT" "No security key here; using the authenticator app."
	expect_not_in "$LAST_OUT" "PIN for your security key"
	chmod 600 "$DEV"
	expect_key success "1234" "$S" "" app-key ivan authenticate
	unset SOFTFIDO_DEVICE
	expect_in "$LAST_OUT" "PIN for your security key: "
	expect_in "$LAST_OUT" "method=key result=success"
	pass "a device the caller's real uid cannot open is not used (the app is, with the message); one it can open is"
fi

echo "devices = /dev/hidraw*" >> "$CONF"
expect_key "Authentication failure" "1234" "$S" "" k-null alice authenticate
expect_in "$LAST_OUT" "No security key here, and no other method"
sed -i '/^devices = /d' "$CONF"
echo "devices = /dev/soft*" >> "$CONF"
expect_key success "1234" "$S" "" k-null alice authenticate
expect_in "$LAST_OUT" "method=key result=success"
sed -i '/^devices = /d' "$CONF"
pass "[key] devices: a key whose path the glob does not match is not used"

expect_key "Authentication failure" "1234" "$S" 203.0.113.5 k-null alice authenticate
expect_in "$LAST_OUT" "No security key here, and no other method of yours can be used here"
expect_not_in "$LAST_OUT" "PIN for your security key"
for rh in localhost 127.0.0.1 ::1 "$(hostname)"; do
	expect_key success "1234" "$S" "$rh" k alice authenticate
done
pass "a user whose only method is a key cannot pass 2fa remotely (nullok or not); local names are local"

# ---- NULL PIN reply: fails before the key is touched ----------------------------------------
cp "$S" "$T/before.state"
out=$(kpam "$S" "" k alice authenticate </dev/null 2>&1) && fail "a NULL PIN reply passed: $out"
expect_in "$out" "pamdrive: authenticate: Conversation error"
cmp -s "$S" "$T/before.state" || fail "the key's state changed after a NULL PIN reply"
expect_key "Authentication failure" "

" "$S" "" k alice authenticate
cmp -s "$S" "$T/before.state" || fail "the key's state changed after empty PINs"
pass "a NULL or empty PIN fails before the key is touched (state file unchanged)"

# ---- cloned key, frozen counters -------------------------------------------------------------
cp "$S" "$T/clone.state"
expect_key success "1234" "$S" "" k alice authenticate
expect_key "Authentication failure" "1234" "$T/clone.state" "" k alice authenticate
expect_in "$LAST_OUT" "signature counter did not grow"
expect_in "$(audit_results alice auth)" "cloned-key"
expect_in "$LAST_OUT" "result=cloned-key"
pass "a cloned key (a copy of the state) is refused once the original signed in; audited cloned-key"

# Two sign-ins at once with one assertion's counter (the key and its copy, touched together):
# the counter is accepted atomically, so exactly one passes.
cp "$S" "$T/clone2.state"
"$CTL" "$S" set touch=slow:500
"$CTL" "$T/clone2.state" set touch=slow:500
echo 1234 | kpam "$S" "" k alice authenticate > "$T/one.out" 2>&1 &
one=$!
echo 1234 | kpam "$T/clone2.state" "" k alice authenticate > "$T/two.out" 2>&1 &
two=$!
wait "$one" && r1=0 || r1=1
wait "$two" && r2=0 || r2=1
[ $((r1 + r2)) = 1 ] ||
	fail "one counter value passed $((2 - r1 - r2)) concurrent sign-ins: $(cat "$T/one.out" "$T/two.out")"
"$CTL" "$S" set touch=auto
cat "$T/one.out" "$T/two.out" | grep -q "signature counter did not grow" ||
	fail "the refused sign-in did not say why"
pass "two concurrent sign-ins with one counter value: exactly one passes"

F="$T/frozen.state"
"$CTL" "$F" init --pin 4321
"$CTL" "$F" set counter=frozen
register "$F" carol 4321
expect_key success "4321" "$F" "" k carol authenticate
expect_key success "4321" "$F" "" k carol authenticate
[ "$(knob "$F" counter)" = 0 ] || fail "the frozen key counted"
pass "a key whose counter stays 0: accepted (both zero)"

"$CTL" "$S" set counter=frozen
expect_key "Authentication failure" "1234" "$S" "" k alice authenticate
expect_in "$LAST_OUT" "signature counter did not grow"
"$CTL" "$S" set counter=grow
pass "a counter frozen above 0 is refused"

# ---- user verification ----------------------------------------------------------------------
N="$T/nouv.state"
"$CTL" "$N" init --no-uv
kadmin "$N" method add dave key </dev/null
[ "$RC" != 0 ] || fail "a key without UV registered with user_verification = required"
expect_in "$OUT" "cannot verify its user"
[ "$(knob "$N" credentials)" = 0 ] || fail "the key without UV made a credential"
echo "user_verification = discouraged" >> "$CONF"
register "$N" dave
expect_key success "anything" "$N" "" k dave authenticate
sed -i '/^user_verification = discouraged$/d' "$CONF"
before=$(knob "$N" counter)
expect_key "Authentication failure" "anything" "$N" "" k dave authenticate
expect_in "$LAST_OUT" "did not verify you"
[ "$(knob "$N" counter)" -gt "$before" ] || fail "the key was not asked: refused before verify"
expect_not_in "$LAST_OUT" "result=success"
pass "UV required: a uv=0 key is refused at registration, and its assertion without UV at verify time"

# ---- two keys of one user; a credential registered once ---------------------------------------
S2="$T/key2.state"
"$CTL" "$S2" init --pin 5678
register "$S2" alice 5678
KEY2=$(ids alice key | tr ' ' '\n' | tail -n 1)
[ "$KEY2" != "$KEY1" ] || fail "the second key is not a method of its own"
[ "$(last_used alice "$KEY2")" = None ] || fail "the new key was used already"
expect_key success "5678" "$S2" "" k alice authenticate
[ "$(last_used alice "$KEY2")" != None ] || fail "the second key's sign-in was not recorded on it"
expect_key success "1234" "$S" "" k alice authenticate
pass "two keys of one user both sign in (one assertion, allow list); the one that answered is used"


before=$(ids alice key)
kadmin "$S2" method add alice key <<'EOF'
5678
EOF
[ "$RC" != 0 ] || fail "the same key was registered twice for alice: $OUT"
expect_in "$OUT" "This security key is registered already."
[ "$(ids alice key)" = "$before" ] || fail "a second registration of one key added a method"
pass "a key registered already is refused (exclude list); another user's credential id: tests/unit/test_key"

# ---- no write lock while the key waits for a touch --------------------------------------------
"$CTL" "$S" set touch=slow:3000
echo 1234 | kpam "$S" "" k alice authenticate > "$T/slow.out" 2>&1 &
slow=$!
sleep 1
start=$(date +%s)
admin method add erin app --secret "$SECRET_DEFAULT" --no-verify >/dev/null 2>&1 ||
	fail "secinfo-admin could not write while a sign-in waited for a touch"
[ $(($(date +%s) - start)) -le 1 ] || fail "secinfo-admin waited for the sign-in's touch"
wait "$slow" || fail "the slow touch did not sign in: $(cat "$T/slow.out")"
"$CTL" "$S" set touch=auto
pass "no write lock is held while the key waits for the touch"

# ---- cost: an app sign-in never loads libfido2 -----------------------------------------------
enroll_app paula
fresh_step
# The shim finds libfido2 in the process and never loads it itself (tests/fido/preload.c).
out=$(totp $SECRET_DEFAULT | LD_DEBUG=files kpam "$S" "" k paula authenticate 2>&1) ||
	fail "paula's app sign-in failed: $out"
expect_in "$out" "pam_secinfo.so"
expect_not_in "$out" "libfido2"
# Without the shim (which links libcrypto for the key it plays): not libcrypto either.
out=$(totp $SECRET_DEFAULT 1 | LD_DEBUG=files \
	LD_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }libpam_wrapper.so" PAM_WRAPPER=1 \
	PAM_WRAPPER_SERVICE_DIR="$T/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 "$PAMDRIVE" \
	k paula authenticate 2>&1) || fail "paula's app sign-in failed: $out"
expect_in "$out" "pam_secinfo.so"
expect_not_in "$out" "libfido2"
# (on PostgreSQL the store's TLS, libpq's, loads libcrypto: the test is sqlite's)
if on_sqlite; then expect_not_in "$out" "libcrypto"; fi
out=$(echo 1234 | LD_DEBUG=files kpam "$S" "" k alice authenticate 2>&1) ||
	fail "alice's key sign-in failed: $out"
expect_in "$out" "file=libfido2.so"
pass "an app sign-in never loads libfido2 (nor libcrypto); a key sign-in loads it, on first use"

# ---- the plugin is checked like every file -------------------------------------------------
mkdir -m 700 "$T/lib"
cp "$MODULE" "$T/lib/"
cp "$top_builddir/tests/testbuild/.libs/secinfo-key.so" "$T/lib/real-key.so"
ln -s "$T/lib/real-key.so" "$T/lib/secinfo-key.so"
cat > "$T/pam.d/moved" <<SERVICE
auth required $T/lib/pam_secinfo.so config=$CONF nullok
SERVICE
expect_key "$UNAVAIL" "1234" "$S" "" moved alice authenticate
expect_in "$LAST_OUT" "secinfo-key.so"
rm "$T/lib/secinfo-key.so"
cp "$T/lib/real-key.so" "$T/lib/secinfo-key.so"
chmod 666 "$T/lib/secinfo-key.so"
expect_key "$UNAVAIL" "1234" "$S" "" moved alice authenticate
chmod 644 "$T/lib/secinfo-key.so"
expect_key success "1234" "$S" "" moved alice authenticate
pass "a symlinked or world-writable secinfo-key.so is refused (fail closed, nullok or not)"

# ---- a reset with two methods: the key and the app -----------------------------------------
register "$S" gina
enroll_app gina
printf '[reset]\nmethods_required = 2\n' >> "$CONF"
service k-reset-null purpose=reset nullok
fresh_step
expect_key success "1234
1
$(totp $SECRET_DEFAULT)" "$S" "" k-reset gina authenticate
expect_in "$LAST_OUT" "A password reset needs a second, different method:"
expect_in "$LAST_OUT" "PIN for your security key: "
expect_in "$LAST_OUT" "Verification code: "
expect_key "Authentication failure" "$(totp $SECRET_DEFAULT 1)" "$S" 203.0.113.5 \
	k-reset-null gina authenticate
expect_in "$LAST_OUT" "No security key here, and no other method of yours can be used here"
expect_not_in "$LAST_OUT" "Verification code: "
pass "a reset with two methods takes the key and the app; remote, the key is missing: refused, nullok or not"
