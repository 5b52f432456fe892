#!/bin/sh
# A code sent by text message is refused once [codes] lifetime has passed, and only because of
# that: in one sign-in, the very same code is typed twice, first with the module's clock
# (libfaketime) 40 seconds after the send, past the 30-second lifetime: refused; then with the
# clock 20 seconds after the send: accepted. Nothing else differs between the two tries.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
FAKETIME_LIB=$(find /usr/lib /usr/lib64 -path '*faketime/libfaketime.so.1' 2>/dev/null | head -n 1)
[ -n "$FAKETIME_LIB" ] || skip "libfaketime is not installed (Debian package libfaketime)"

start_gateway gw
write_conf <<CONF
[policy]
methods = sms
tries = 3
max_failures = 50
[codes]
lifetime = 30s
$(twilio_section sms)
CONF
admin init >/dev/null
admin method add alice sms +14255551234 --no-verify >/dev/null
service s
sent_code() { request 're.sub(r"\D", "", r["form"]["Body"])[-6:]'; }

# The module's clock, read anew at every call: an offset from the real time.
CLOCK="$T/faketime"
echo "+0" > "$CLOCK"
# prompts N: waits (up to 20 s) until pamdrive has shown N prompts.
prompts() {
	i=0
	while [ "$(grep -c '^\[prompt' "$T/expiry.out" 2>/dev/null || true)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -le 200 ] || { echo "# no prompt $1" >&2; return 1; }
		sleep 0.1
	done
}
before=$(requests)
SECINFO_TEST_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }$FAKETIME_LIB"
{
	prompts 1 && echo # Enter: send the code
	wait_request "$before"
	code=$(sent_code)
	prompts 2 && echo "+40s" > "$CLOCK" && echo "$code"
	prompts 3 && echo "+20s" > "$CLOCK" && echo "$code"
} | FAKETIME_TIMESTAMP_FILE="$CLOCK" FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
	pam s alice authenticate > "$T/expiry.out" 2>&1 && RESULT=success || RESULT=failed
out=$(cat "$T/expiry.out")
[ "$(requests)" = $((before + 1)) ] || fail "expected exactly one text message: $out"
[ "$RESULT" = success ] || fail "the code was not accepted 20 s after the send: $out"
[ "$(count "$out" "Wrong code, try again.")" = 1 ] || fail "expected one refusal, at +40 s: $out"
[ "$(grep -c '^\[prompt\] Verification code' "$T/expiry.out")" = 2 ] ||
	fail "expected the code prompt twice: $out"
pass "the same code: refused 40 s after the send (lifetime 30 s), accepted at 20 s"
