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
