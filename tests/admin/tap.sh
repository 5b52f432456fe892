#!/bin/sh
# secinfo-admin tap issue|revoke (SPEC 14): the pass is printed once in its format and stored
# only as a keyed hash (the database files hold it neither with nor without dashes); lifetime
# and uses bounds (a malformed value is a usage error, exit 2; out of range is refused, exit 1;
# nothing changes either way); issuing replaces; revoke; user show and its JSON; the audit rows
# (actor root); a pass is neither added with method add nor made the default.
. "$top_srcdir/tests/lib.sh"
need python3
need sqlite3 sqlite3

write_conf <<EOF
[policy]
methods = app
[tap]
lifetime = 2h
EOF
admin init >/dev/null

PASS_RE='[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}'
# issue ARGS...: runs tap issue; OUT gets stdout and stderr, RC the exit status, PASS the pass.
issue() {
	OUT=$(admin tap issue "$@" 2>&1) && RC=0 || RC=$?
	PASS=$(printf '%s\n' "$OUT" | grep -o -E "$PASS_RE" | head -n 1 || true)
}
# taps: the tap rows as "id:uses:expires" lines, straight from the database.
taps() { sqlite3 "$DB" "SELECT id || ':' || uses || ':' || expires FROM methods WHERE kind = 'tap'"; }

before=$(date +%s)
issue alice
[ "$RC" = 0 ] || fail "tap issue failed: $OUT"
[ -n "$PASS" ] || fail "no pass in the XXXX-XXXX-XXXX-XXXX format: $OUT"
[ "$(count "$OUT" "$PASS")" = 1 ] || fail "the pass should be printed exactly once: $OUT"
expect_in "$OUT" "shown only this once"
expect_in "$OUT" "for 1 sign-in."
expect_in "$OUT" "Temporary access pass:"
expect_in "$OUT" "secinfo add app"
printf '%s' "$PASS" | grep -q '[01OIL]' && fail "a look-alike character in $PASS"
pass "tap issue prints the pass once, in four groups of four, and how to use it"

plain=$(printf '%s' "$PASS" | tr -d -)
lower=$(printf '%s' "$plain" | tr 'A-Z' 'a-z')
for f in "$DB" "$DB-wal" "$DB-shm"; do
	[ -f "$f" ] || continue
	for p in "$PASS" "$plain" "$lower"; do
		grep -a -q -F -- "$p" "$f" && fail "$f holds the pass ($p)"
	done
done
[ "$(sqlite3 "$DB" "SELECT length(detail) FROM methods WHERE kind = 'tap'")" = 32 ] ||
	fail "the tap row should hold a 32-byte hash"
pass "the database holds no pass, with or without dashes: a 32-byte hash"

row=$(taps)
uses=$(echo "$row" | cut -d: -f2)
expires=$(echo "$row" | cut -d: -f3)
after=$(date +%s)
[ "$uses" = 1 ] || fail "default uses should be 1: $row"
[ "$expires" -ge $((before + 7200)) ] && [ "$expires" -le $((after + 7200)) ] ||
	fail "default lifetime should be [tap] lifetime (2h): $row, issued at $before..$after"
pass "defaults: one use, [tap] lifetime"

admin user show alice --json | python3 -c '
import json, re, sys
d = json.load(sys.stdin)
assert d["default"] is None, d
assert len(d["methods"]) == 1, d
m = d["methods"][0]
assert m["kind"] == "tap" and m["usable_for"] == ["2fa"], m
assert re.match(r"^expires \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", m["detail"]), m
assert m["last_used"] is None and isinstance(m["id"], int), m
' || fail "user show --json does not show the pass as SPEC 14 says"
out=$(admin user show alice)
expect_in "$out" "tap"
expect_in "$out" "expires"
pass "user show (and --json) shows the active pass as a tap method, usable for 2fa"

# Bounds and usage errors: nothing changes.
row=$(taps)
for bad in soon x5m -5m 5q ""; do
	issue alice --lifetime "$bad"
	[ "$RC" = 2 ] || fail "--lifetime '$bad' should be a usage error (exit 2), got $RC: $OUT"
done
expect_in "$OUT" "write it as 30m, 8h or 2d"
issue alice --lifetime 599
[ "$RC" = 1 ] || fail "--lifetime 599 (seconds) should be refused (exit 1), got $RC: $OUT"
expect_in "$OUT" "10 minutes to 30 days"
issue alice --lifetime 31d
[ "$RC" = 1 ] || fail "--lifetime 31d should be refused (exit 1), got $RC: $OUT"
for bad in 0 11; do
	issue alice --uses $bad
	[ "$RC" = 1 ] || fail "--uses $bad should be refused (exit 1), got $RC: $OUT"
done
expect_in "$OUT" "1 to 10 sign-ins"
for bad in two -1 1.5; do
	issue alice --uses "$bad"
	[ "$RC" = 2 ] || fail "--uses '$bad' should be a usage error (exit 2), got $RC: $OUT"
done
issue alice --lifetime
[ "$RC" = 2 ] || fail "--lifetime without a value: exit 2, got $RC: $OUT"
issue
[ "$RC" = 2 ] || fail "tap issue without a user: exit 2, got $RC: $OUT"
issue " alice"
[ "$RC" = 1 ] || fail "a user name with a leading space: exit 1, got $RC: $OUT"
[ "$(taps)" = "$row" ] || fail "a refused issue changed the pass: $(taps), was $row"
pass "malformed --lifetime/--uses: exit 2; out of range: exit 1; nothing changes"

# Bounds that are allowed, and replacing.
old=$PASS
old_id=$(taps | cut -d: -f1)
before=$(date +%s)
issue alice --lifetime 10m --uses 10
[ "$RC" = 0 ] || fail "--lifetime 10m --uses 10 should work: $OUT"
expect_in "$OUT" "for 10 sign-ins"
expect_in "$OUT" "replaces the pass alice had before"
[ "$(taps | wc -l)" = 1 ] || fail "one pass per user: $(taps)"
new_id=$(taps | cut -d: -f1)
[ "$new_id" -gt "$old_id" ] || fail "the new pass should be a new row: $(taps), was $old_id"
[ "$(taps | cut -d: -f2)" = 10 ] || fail "uses should be 10: $(taps)"
expires=$(taps | cut -d: -f3)
[ "$expires" -ge $((before + 600)) ] && [ "$expires" -le $(($(date +%s) + 600)) ] ||
	fail "--lifetime 10m: $(taps)"
[ "$PASS" != "$old" ] || fail "the new pass should differ from the old"
issue alice --lifetime 30d
[ "$RC" = 0 ] || fail "--lifetime 30d should work: $OUT"
pass "10m, 30d and 10 uses are allowed; a new pass replaces the old one"

out=$(admin tap revoke alice)
expect_in "$out" "Revoked the temporary access pass of alice"
[ -z "$(taps)" ] || fail "revoke left a pass: $(taps)"
out=$(admin tap revoke alice 2>&1) && fail "a second revoke should fail: $out"
expect_in "$out" "alice has no active temporary access pass; nothing revoked"
out=$(admin tap revoke nobody 2>&1) && fail "revoke for an unknown user should fail: $out"
pass "revoke deletes the pass; revoking none is refused (exit 1)"

# An expired pass is gone: not shown, not revocable.
issue bob
sqlite3 "$DB" "UPDATE methods SET expires = 1000 WHERE kind = 'tap'"
admin user show bob --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["methods"] == [], d
' || fail "an expired pass should not be shown"
out=$(admin tap revoke bob 2>&1) && fail "revoking an expired pass should fail: $out"
pass "an expired pass is not shown and cannot be revoked"

audit=$(admin audit --user alice --json)
printf '%s' "$audit" | python3 -c '
import json, sys
d = json.load(sys.stdin)
ev = [(e["event"], e["method"], e["actor"], e["result"]) for e in d]
assert ev == [("tap-issue", "tap", "root", "success")] * 3 + [("tap-revoke", "tap", "root", "success")], ev
' || fail "the audit trail should have three tap-issue rows and one tap-revoke, by root: $audit"
expect_not_in "$audit" "$PASS"
pass "issue and revoke are audited with actor root (and the pass is not in the trail)"

out=$(admin method add carol tap 2>&1) && fail "method add tap should fail: $out"
expect_in "$out" "issue one with 'secinfo-admin tap issue carol'"
enroll_app dave
issue dave
out=$(admin method default dave tap 2>&1) && fail "method default tap should fail: $out"
expect_in "$out" "is never the default"
[ "$(admin user show dave --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print([m["kind"] for m in d["methods"] if m["id"] == d["default"]])')" = "['app']" ] ||
	fail "dave's default should stay the app"
pass "a pass is not added with method add and never becomes the default"
