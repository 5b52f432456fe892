#!/bin/sh
# The software FIDO2 key (tests/fido/softfido.so) against libfido2's own tools: fido2-token
# lists and describes it, fido2-cred makes credentials that fido2-cred -V verifies
# (self-attestation), fido2-assert gets assertions that fido2-assert -V verifies with the
# credential's public key, the counter grows, PINs are counted, and each knob changes what
# the key does.
. "$top_srcdir/tests/lib.sh"
need fido2-token fido2-tools
need fido2-cred fido2-tools
need fido2-assert fido2-tools
need setsid util-linux
need timeout coreutils
need python3 python3

SHIM="$top_builddir/tests/fido/.libs/softfido.so"
CTL="$top_builddir/tests/fido/softfido-ctl"
[ -f "$SHIM" ] || skip "$SHIM is not built (configure found no libcbor, libcrypto 3 or libfido2 headers)"
STATE="$T/softfido.state"

# key ARGS...: runs ARGS under the shim with the key's state; no controlling terminal, so the
# tools read a PIN from standard input (readpassphrase without a tty).
key() { SOFTFIDO_STATE="$STATE" LD_PRELOAD="$SHIM" setsid -w "$@"; }
# run ARGS...: key ARGS with OUT (stdout and stderr) and RC.
run() { OUT=$(key "$@" 2>&1) && RC=0 || RC=$?; }
show() { "$CTL" "$STATE" show | sed -n "s/^$1=//p"; }
b64() { head -c 32 /dev/urandom | base64; }

# make_cred NAME [fido2-cred options]: a credential for rp secinfo, PIN 1234 on stdin;
# $T/NAME.cred is fido2-cred's output, $T/NAME.pem the verified public key.
make_cred() {
	name=$1
	shift
	printf '%s\nsecinfo\nalice\n%s\n' "$(b64)" "$(b64)" > "$T/$name.in"
	OUT=$(echo 1234 | key fido2-cred -M "$@" -i "$T/$name.in" -o "$T/$name.cred" /dev/softfido \
		2>&1) || fail "fido2-cred -M $*: $OUT"
	OUT=$(fido2-cred -V "$@" -i "$T/$name.cred" -o "$T/$name.pem" 2>&1) ||
		fail "fido2-cred -V $* refused the credential: $OUT"
	grep -q 'BEGIN PUBLIC KEY' "$T/$name.pem" || fail "fido2-cred -V wrote no public key"
}
# get_assert NAME OUT [fido2-assert options]: an assertion over a fresh challenge with NAME's
# credential into $T/OUT.assert; stdin is the PIN.
get_assert() {
	name=$1
	out=$2
	shift 2
	printf '%s\nsecinfo\n%s\n' "$(b64)" "$(sed -n 5p "$T/$name.cred")" > "$T/$out.in"
	OUT=$(key fido2-assert -G "$@" -i "$T/$out.in" -o "$T/$out.assert" /dev/softfido 2>&1) &&
		RC=0 || RC=$?
}
# counter_of OUT: the signature counter in an assertion's authenticator data.
counter_of() {
	sed -n 3p "$T/$1.assert" | base64 -d | python3 -c \
		'import sys; d = sys.stdin.buffer.read(); print(int.from_bytes(d[-4:], "big"))'
}

"$CTL" "$STATE" init --pin 1234 || fail "softfido-ctl init failed"

# ---- softfido-ctl: bad input is refused with a message and changes nothing ---------------------
cp "$STATE" "$T/state.before"
for bad in touch=sometimes absent=2 counter=-1 uv=yes retries=9 unplug= nonsense=1 noequals; do
	OUT=$("$CTL" "$STATE" set touch=none "$bad" 2>&1) && RC=0 || RC=$?
	[ "$RC" = 2 ] || fail "softfido-ctl set $bad: exit $RC, not 2"
	expect_in "$OUT" "cannot set '$bad'"
	cmp -s "$STATE" "$T/state.before" || fail "softfido-ctl set $bad changed the state"
done
OUT=$("$CTL" "$STATE" init 2>&1) && fail "softfido-ctl init replaced a key"
expect_in "$OUT" "remove it first"
OUT=$("$CTL" "$T/short.state" init --pin 123 2>&1) && fail "softfido-ctl init took a 3-digit PIN"
expect_in "$OUT" "4 to 63"
OUT=$("$CTL" "$T/alg.state" init --alg es512 2>&1) && fail "softfido-ctl init took --alg es512"
expect_in "$OUT" "es256, eddsa, rs256"
[ ! -e "$T/short.state" ] && [ ! -e "$T/alg.state" ] || fail "a refused init left a state file"
cmp -s "$STATE" "$T/state.before" || fail "a refused init changed the state"
pass "softfido-ctl refuses bad knobs and options (exit 2, a message) and changes nothing"
printf 'secret=zz\n' > "$T/broken.state"
OUT=$(SOFTFIDO_STATE="$T/broken.state" LD_PRELOAD="$SHIM" fido2-token -L 2>&1 || true)
expect_not_in "$OUT" "/dev/softfido:"
expect_in "$OUT" "broken.state:1: not a state line"
pass "a damaged state file: no device, and a message naming the file and line"

run fido2-token -L
expect_in "$OUT" "/dev/softfido"
pass "fido2-token -L lists /dev/softfido"

run fido2-token -I /dev/softfido
[ "$RC" = 0 ] || fail "fido2-token -I: $OUT"
expect_in "$OUT" "options: nork, up, noplat, clientPin"
expect_in "$OUT" "pin retries: 8"
expect_in "$OUT" "algorithms: es256 (public-key)"
pass "fido2-token -I shows the options and the PIN retries"

make_cred plain
[ "$(show credentials)" = 1 ] || fail "the key counted $(show credentials) credentials, not 1"
pass "fido2-cred -M (PIN asked for, from stdin) makes a credential that fido2-cred -V verifies"
make_cred uv -v
pass "fido2-cred -M -v makes a credential with UV that fido2-cred -V -v verifies"

get_assert plain a1 </dev/null
[ "$RC" = 0 ] || fail "fido2-assert -G: $OUT"
OUT=$(fido2-assert -V -i "$T/a1.assert" "$T/plain.pem" es256 2>&1) ||
	fail "fido2-assert -V refused the assertion: $OUT"
pass "fido2-assert -G gets an assertion that fido2-assert -V verifies"
# The same assertion under another credential's key does not verify.
fido2-assert -V -i "$T/a1.assert" "$T/uv.pem" es256 >/dev/null 2>&1 &&
	fail "fido2-assert -V accepted an assertion under another credential's key"
pass "an assertion does not verify under another credential's key"

c1=$(counter_of a1)
get_assert plain a2 </dev/null
[ "$RC" = 0 ] || fail "fido2-assert -G: $OUT"
c2=$(counter_of a2)
[ "$c2" -gt "$c1" ] || fail "the counter did not grow: $c1 then $c2"
[ "$(show counter)" = "$c2" ] || fail "the state says counter $(show counter), the key $c2"
pass "the counter grows ($c1, then $c2)"

# ---- PINs -----------------------------------------------------------------------------------
get_assert plain bad -v <<PIN
9999
PIN
[ "$RC" != 0 ] || fail "a wrong PIN got an assertion"
expect_in "$OUT" "FIDO_ERR_PIN_INVALID"
[ "$(show retries)" = 7 ] || fail "a wrong PIN left $(show retries) retries, not 7"
run fido2-token -I /dev/softfido
expect_in "$OUT" "pin retries: 7"
pass "a wrong PIN is refused (FIDO_ERR_PIN_INVALID) and lowers the retries to 7"
echo 1234 | get_assert plain good -v
[ "$RC" = 0 ] || fail "the right PIN after a wrong one: $OUT"
OUT=$(fido2-assert -V -v -i "$T/good.assert" "$T/plain.pem" es256 2>&1) ||
	fail "fido2-assert -V -v refused an assertion made with the PIN: $OUT"
[ "$(show retries)" = 8 ] || fail "the right PIN left $(show retries) retries, not 8"
pass "the right PIN gets an assertion with UV and restores the retries"
# Without UV in it, an assertion does not pass fido2-assert -V -v.
fido2-assert -V -v -i "$T/a1.assert" "$T/plain.pem" es256 >/dev/null 2>&1 &&
	fail "fido2-assert -V -v accepted an assertion made without the PIN"
pass "an assertion made without the PIN fails a verification that requires UV"

"$CTL" "$STATE" set retries=1
get_assert plain bad -v <<PIN
9999
PIN
expect_in "$OUT" "FIDO_ERR_PIN_BLOCKED"
[ "$(show retries)" = 0 ] || fail "the last wrong PIN left $(show retries) retries, not 0"
echo 1234 | get_assert plain bad -v
[ "$RC" != 0 ] || fail "a blocked key took its PIN"
expect_in "$OUT" "FIDO_ERR_PIN_BLOCKED"
run fido2-token -I /dev/softfido
expect_in "$OUT" "pin retries: 0"
pass "at 0 retries the key says PIN blocked, even to the right PIN"
"$CTL" "$STATE" set retries=8

# Three wrong PINs in a row on one open device block PIN checks until it is opened again
# (CTAP2.0's power cycle), the retries going down only for the three.
OUT=$(key python3 "$top_srcdir/tests/fido/probe.py" pins "$(sed -n 5p "$T/plain.cred")" \
	1111 2222 3333 1234 | tr '\n' ' ')
[ "$OUT" = "FIDO_ERR_PIN_INVALID FIDO_ERR_PIN_INVALID FIDO_ERR_PIN_AUTH_BLOCKED FIDO_ERR_PIN_AUTH_BLOCKED " ] ||
	fail "three wrong PINs on one open device: $OUT"
[ "$(show retries)" = 5 ] || fail "three wrong PINs left $(show retries) retries, not 5"
OUT=$(key python3 "$top_srcdir/tests/fido/probe.py" pins "$(sed -n 5p "$T/plain.cred")" 1234)
[ "$OUT" = FIDO_ERR_SUCCESS ] || fail "the right PIN after opening the key again: $OUT"
[ "$(show retries)" = 8 ] || fail "the right PIN left $(show retries) retries, not 8"
pass "three wrong PINs in a row: FIDO_ERR_PIN_AUTH_BLOCKED until the key is opened again"

# ---- the knobs -------------------------------------------------------------------------------
"$CTL" "$STATE" set absent=1
run fido2-token -L
expect_not_in "$OUT" "/dev/softfido"
run fido2-token -I /dev/softfido
[ "$RC" != 0 ] || fail "fido2-token -I opened an absent key: $OUT"
"$CTL" "$STATE" set absent=0
run fido2-token -L
expect_in "$OUT" "/dev/softfido"
pass "absent=1: no device listed, and it cannot be opened"

# touch=none: the key sends keepalives and never answers; the tool waits until killed.
"$CTL" "$STATE" set touch=none
before=$(show counter)
printf '%s\nsecinfo\n%s\n' "$(b64)" "$(sed -n 5p "$T/plain.cred")" > "$T/none.in"
RC=0
SOFTFIDO_STATE="$STATE" LD_PRELOAD="$SHIM" timeout 2 setsid -w fido2-assert -G -i "$T/none.in" \
	-o "$T/none.assert" /dev/softfido </dev/null >/dev/null 2>&1 || RC=$?
[ "$RC" = 124 ] || fail "touch=none: fido2-assert ended with $RC not killed by timeout(1) after 2 s"
[ "$(show counter)" = "$before" ] || fail "touch=none: the counter moved"
pass "touch=none: fido2-assert waits (keepalives) until its timeout kills it; no signature"
# probe TIMEOUT_MS [CANCEL_AFTER_MS]: one fido_dev_get_assert with fido_dev_set_timeout (and
# fido_dev_cancel from another thread) with the plain credential (tests/fido/probe.py);
# PROBE_ERR is libfido2's answer, PROBE_MS how long it took.
probe() {
	set -- $(key python3 "$top_srcdir/tests/fido/probe.py" assert "$(sed -n 5p "$T/plain.cred")" \
		"$@")
	PROBE_ERR=$1
	PROBE_MS=$2
}
probe 1000
[ "$PROBE_ERR" = FIDO_ERR_RX ] || fail "touch=none: libfido2 said $PROBE_ERR, not FIDO_ERR_RX"
[ "$PROBE_MS" -ge 1000 ] && [ "$PROBE_MS" -lt 3000 ] ||
	fail "touch=none: libfido2 gave up after $PROBE_MS ms, not its 1000 ms timeout"
[ "$(show counter)" = "$before" ] || fail "touch=none: the counter moved"
pass "touch=none: libfido2 with a 1000 ms timeout says FIDO_ERR_RX after $PROBE_MS ms"
probe -1 400
[ "$PROBE_ERR" = FIDO_ERR_KEEPALIVE_CANCEL ] ||
	fail "touch=none, fido_dev_cancel after 400 ms: libfido2 said $PROBE_ERR"
pass "touch=none: fido_dev_cancel (CTAPHID_CANCEL) ends the wait: FIDO_ERR_KEEPALIVE_CANCEL"
# The key re-reads its state while it waits: setting touch=auto then is a touch.
key python3 "$top_srcdir/tests/fido/probe.py" assert "$(sed -n 5p "$T/plain.cred")" 10000 \
	> "$T/probe.out" &
sleep 1.5
[ "$(show counter)" = "$before" ] || fail "touch=none: the key signed before it was touched"
"$CTL" "$STATE" set touch=auto
wait $!
read -r PROBE_ERR PROBE_MS < "$T/probe.out"
[ "$PROBE_ERR" = FIDO_ERR_SUCCESS ] || fail "touched while waiting: libfido2 said $PROBE_ERR"
[ "$(show counter)" = $((before + 1)) ] || fail "touched while waiting: counter $(show counter)"
pass "set touch=auto while the key waits is a touch (after $PROBE_MS ms)"

"$CTL" "$STATE" set touch=none
OUT=$(key python3 "$top_srcdir/tests/fido/probe.py" touch 800)
expect_in "$OUT" "untouched"
pass "touch=none: fido_dev_get_touch_status never says touched"

"$CTL" "$STATE" set touch=slow:600
OUT=$(key python3 "$top_srcdir/tests/fido/probe.py" touch 3000)
expect_in "$OUT" "touched"
expect_not_in "$OUT" "untouched"
[ "${OUT#touched }" -ge 600 ] || fail "touch=slow:600: touched after ${OUT#touched } ms"
pass "touch=slow:600: fido_dev_get_touch_status says touched after ${OUT#touched } ms"
probe 3000
[ "$PROBE_ERR" = FIDO_ERR_SUCCESS ] || fail "touch=slow:600: libfido2 said $PROBE_ERR"
[ "$PROBE_MS" -ge 600 ] || fail "touch=slow:600: answered after $PROBE_MS ms"
probe 300
[ "$PROBE_ERR" = FIDO_ERR_RX ] || fail "touch=slow:600 with 300 ms to wait: libfido2 said $PROBE_ERR"
pass "touch=slow:600: touched after 600 ms (in time for 3 s, too late for 300 ms)"

"$CTL" "$STATE" set touch=auto unplug=1
run fido2-token -L
expect_in "$OUT" "/dev/softfido"
probe 1000
case $PROBE_ERR in FIDO_ERR_TX | FIDO_ERR_RX) ;; *) fail "unplug=1: libfido2 said $PROBE_ERR" ;; esac
get_assert plain unplugged </dev/null
[ "$RC" != 0 ] || fail "unplug=1: fido2-assert got an assertion"
"$CTL" "$STATE" set unplug=0
pass "unplug=1: listed and opened, then every I/O fails ($PROBE_ERR)"

"$CTL" "$STATE" set counter=frozen
get_assert plain f1 </dev/null
[ "$RC" = 0 ] || fail "counter=frozen: $OUT"
get_assert plain f2 </dev/null
[ "$RC" = 0 ] || fail "counter=frozen: $OUT"
[ "$(counter_of f1)" = "$(counter_of f2)" ] ||
	fail "counter=frozen: $(counter_of f1), then $(counter_of f2)"
OUT=$(fido2-assert -V -i "$T/f2.assert" "$T/plain.pem" es256 2>&1) ||
	fail "counter=frozen: the assertion does not verify: $OUT"
"$CTL" "$STATE" set counter=grow
get_assert plain f3 </dev/null
[ "$(counter_of f3)" -gt "$(counter_of f2)" ] || fail "counter=grow: the counter did not grow"
pass "counter=frozen: the same counter ($(counter_of f1)) twice, with valid signatures"

# A copy of the state file is a clone: it signs for the same credential.
cp "$STATE" "$T/clone.state"
OUT=$(SOFTFIDO_STATE="$T/clone.state" LD_PRELOAD="$SHIM" setsid -w fido2-assert -G \
	-i "$T/f3.in" -o "$T/clone.assert" /dev/softfido </dev/null 2>&1) ||
	fail "the clone did not sign: $OUT"
OUT=$(fido2-assert -V -i "$T/clone.assert" "$T/plain.pem" es256 2>&1) ||
	fail "the clone's assertion does not verify: $OUT"
pass "a copy of the state file is a clone of the key"

# A credential from another key (another device secret) is not this key's.
"$CTL" "$T/other.state" init
OUT=$(SOFTFIDO_STATE="$T/other.state" LD_PRELOAD="$SHIM" setsid -w fido2-assert -G \
	-i "$T/f3.in" -o "$T/other.assert" /dev/softfido </dev/null 2>&1) &&
	fail "another key signed for this key's credential"
expect_in "$OUT" "FIDO_ERR_NO_CREDENTIALS"
pass "another key does not know this key's credential (FIDO_ERR_NO_CREDENTIALS)"

# ---- a key without PIN or UV; setPIN; other algorithms -----------------------------------------
rm -f "$STATE"
"$CTL" "$STATE" init --no-uv
run fido2-token -I /dev/softfido
[ "$RC" = 0 ] || fail "fido2-token -I: $OUT"
expect_in "$OUT" "options: nork, up, noplat"
expect_not_in "$OUT" "clientPin"
expect_in "$OUT" "pin retries: undefined"
make_cred nouv </dev/null
echo 1234 | key fido2-cred -M -v -i "$T/nouv.in" -o "$T/nouv-v.cred" /dev/softfido >/dev/null 2>&1 &&
	fail "uv=0: fido2-cred -M -v made a credential with UV"
pass "uv=0: no clientPin option, credentials without a PIN, none with UV"
"$CTL" "$STATE" set uv=1
run fido2-token -I /dev/softfido
expect_in "$OUT" "options: nork, up, noplat, noclientPin"
printf '5678\n5678\n' | key fido2-token -S /dev/softfido >/dev/null 2>&1 ||
	fail "fido2-token -S could not set a PIN"
[ "$(show pin)" = set ] || fail "fido2-token -S: the key has no PIN"
printf '5678\n4321\n4321\n' | key fido2-token -C /dev/softfido >/dev/null 2>&1 ||
	fail "fido2-token -C could not change the PIN"
echo 4321 | get_assert nouv changed -v
[ "$RC" = 0 ] || fail "the changed PIN does not work: $OUT"
pass "fido2-token -S sets a PIN, fido2-token -C changes it"

for alg in eddsa rs256; do
	rm -f "$STATE"
	"$CTL" "$STATE" init --alg "$alg"
	printf '%s\nsecinfo\nalice\n%s\n' "$(b64)" "$(b64)" > "$T/$alg.in"
	OUT=$(key fido2-cred -M -i "$T/$alg.in" -o "$T/$alg.cred" /dev/softfido es256 2>&1) &&
		fail "--alg $alg: the key made an es256 credential"
	OUT=$(key fido2-cred -M -i "$T/$alg.in" -o "$T/$alg.cred" /dev/softfido "$alg" 2>&1) ||
		fail "--alg $alg: fido2-cred -M: $OUT"
	OUT=$(fido2-cred -V -i "$T/$alg.cred" -o "$T/$alg.pem" "$alg" 2>&1) ||
		fail "--alg $alg: fido2-cred -V: $OUT"
	get_assert "$alg" "$alg-a" </dev/null
	[ "$RC" = 0 ] || fail "--alg $alg: fido2-assert -G: $OUT"
	OUT=$(fido2-assert -V -i "$T/$alg-a.assert" "$T/$alg.pem" "$alg" 2>&1) ||
		fail "--alg $alg: fido2-assert -V: $OUT"
	pass "--alg $alg: fido2-cred and fido2-assert with $alg, verified"
done

# ---- without SOFTFIDO_STATE the shim changes nothing ------------------------------------------
plain_list=$(fido2-token -L 2>&1 || true)
shim_list=$(env -u SOFTFIDO_STATE LD_PRELOAD="$SHIM" fido2-token -L 2>&1 || true)
[ "$plain_list" = "$shim_list" ] || fail "without SOFTFIDO_STATE the shim lists: $shim_list"
plain_open=$(fido2-token -I /dev/softfido 2>&1 || true)
shim_open=$(env -u SOFTFIDO_STATE LD_PRELOAD="$SHIM" fido2-token -I /dev/softfido 2>&1 || true)
[ "$plain_open" = "$shim_open" ] || fail "without SOFTFIDO_STATE the shim opens: $shim_open"
pass "without SOFTFIDO_STATE the shim lists and opens what libfido2 does"

# ---- the shim in a process that dlopens libfido2, and in one that never loads it ---------------
rm -f "$STATE"
"$CTL" "$STATE" init --pin 1234
OUT=$(key "$top_builddir/tests/fido/dlopen_probe" "$top_builddir/tests/fido/.libs/plugin.so" 2>&1) ||
	fail "a plugin dlopened with RTLD_LOCAL did not open the key: $OUT"
expect_in "$OUT" "path=/dev/softfido"
expect_in "$OUT" "fido2=1 pin=1"
pass "a plugin linked with libfido2 and dlopened RTLD_LOCAL lists and opens the key"
maps=$(key sh -c 'cat /proc/$$/maps')
expect_in "$maps" "softfido.so"
expect_not_in "$maps" "libfido2"
pass "a process under the shim that does not use libfido2 does not map it"
