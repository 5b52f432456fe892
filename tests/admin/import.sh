#!/bin/sh
# secinfo-admin import google-authenticator|oath (SPEC 17): real files made by
# google-authenticator (TOTP, HOTP, STEP_SIZE 60) and a pam_oath users file written as pam_oath
# documents it; each imported secret signs in through pam_wrapper with a code from oathtool,
# with its own parameters, and codes used before the import stay used; scratch codes are not
# imported and the command says how many; --dry-run writes nothing (the store files are
# byte-identical); a second run changes nothing; a bad line fails the whole file, named by its
# line, and nothing is written; an audit row per imported method (actor root).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need sqlite3 sqlite3
command -v google-authenticator >/dev/null ||
	skip "google-authenticator is not installed (Debian package libpam-google-authenticator)"

write_conf <<'CONF'
[policy]
methods = app
tries = 1
[app]
window = 1
CONF
admin init >/dev/null
service s

# ga FILE OPTIONS...: a ~/.google_authenticator file made by google-authenticator itself.
ga() {
	f=$1
	shift
	google-authenticator -f -q -r 3 -R 30 -w 3 -s "$f" "$@" </dev/null >/dev/null ||
		fail "google-authenticator $* could not write $f"
	[ -s "$f" ] || fail "google-authenticator $* wrote nothing to $f"
}
# imp ARGS...: runs secinfo-admin import; OUT gets stdout and stderr, RC the exit status.
imp() { OUT=$(admin import "$@" 2>&1) && RC=0 || RC=$?; }
methods() { sqlite3 "$DB" "SELECT count(*) FROM methods"; }
audit_adds() { sqlite3 "$DB" "SELECT count(*) FROM audit WHERE event = 'method-add' AND actor = 'root' AND service = 'secinfo-admin'"; }
# store_sum: a checksum of the store's files as they are on disk, and of its contents.
store_sum() {
	{
		for f in "$DB" "$DB-wal"; do [ -f "$f" ] && cat "$f"; done
		sqlite3 "$DB" .dump
	} | sha256sum
}
# fresh60: waits until enough of the current 60-second step remains.
fresh60() { while [ $((60 - $(date +%s) % 60)) -le "$SLOW" ]; do sleep 1; done; }

# ---- google-authenticator: TOTP -------------------------------------------------------------
ga "$T/ga_totp" -t -d
secret=$(head -n 1 "$T/ga_totp")
scratch=$(grep -c -E '^[0-9]{8}$' "$T/ga_totp")
[ "$scratch" -gt 0 ] || fail "google-authenticator wrote no scratch codes: $(cat "$T/ga_totp")"
imp google-authenticator alice "$T/ga_totp"
[ "$RC" = 0 ] || fail "import of a TOTP file failed: $OUT"
expect_in "$OUT" "alice: added the authenticator app (TOTP, 30-second steps, 6 digits)"
expect_in "$OUT" "Not imported: $scratch scratch code(s)"
expect_in "$OUT" "No equivalent in secinfo: WINDOW_SIZE 3, RATE_LIMIT 3 30"
[ "$(count "$OUT" "No equivalent")" = 1 ] || fail "the options without equivalent take one line: $OUT"
expect_not_in "$OUT" "$secret"
pass "GA TOTP file: imported; the scratch codes ($scratch) are not, and it says so; one line for WINDOW_SIZE/RATE_LIMIT"

fresh_step
expect_pam success "$(totp "$secret")" s alice authenticate
expect_pam "Authentication failure" "$(totp "$secret")" s alice authenticate
pass "the imported GA TOTP secret signs in with oathtool's code, once"
sc=$(grep -m 1 -E '^[0-9]{8}$' "$T/ga_totp")
expect_pam "Authentication failure" "$sc" s alice authenticate
pass "a scratch code of the GA file does not sign in"

# ---- google-authenticator: DISALLOW_REUSE's used steps stay used ----------------------------
ga "$T/ga_reuse" -t -d
fresh_step
step=$(($(date +%s) / 30))
sed -i "s/^\" DISALLOW_REUSE.*/\" DISALLOW_REUSE $step/" "$T/ga_reuse"
# google-authenticator writes the clock skew it learnt from the user's codes as TIME_SKEW.
sed -i 's/^" TOTP_AUTH$/" TOTP_AUTH\n" TIME_SKEW -1/' "$T/ga_reuse"
reuse=$(head -n 1 "$T/ga_reuse")
imp google-authenticator dan "$T/ga_reuse"
[ "$RC" = 0 ] || fail "import with DISALLOW_REUSE steps failed: $OUT"
expect_in "$OUT" "No equivalent in secinfo: WINDOW_SIZE 3, RATE_LIMIT 3 30, TIME_SKEW -1;"
expect_pam "Authentication failure" "$(totp "$reuse")" s dan authenticate
expect_pam success "$(totp "$reuse" 1)" s dan authenticate
pass "a step listed in DISALLOW_REUSE is refused after the import; the next one is accepted"

# ---- google-authenticator: HOTP, the next counter kept --------------------------------------
ga "$T/ga_hotp" -c
grep -q '^" HOTP_COUNTER 1$' "$T/ga_hotp" || fail "unexpected GA HOTP file: $(cat "$T/ga_hotp")"
sed -i 's/^" HOTP_COUNTER 1$/" HOTP_COUNTER 5/' "$T/ga_hotp"
hsecret=$(head -n 1 "$T/ga_hotp")
imp google-authenticator bob "$T/ga_hotp"
[ "$RC" = 0 ] || fail "import of a HOTP file failed: $OUT"
expect_in "$OUT" "bob: added the authenticator app (HOTP, 6 digits, next counter 5)"
hotp_b() { oathtool --hotp -b "$hsecret" -c "$1"; }
expect_pam "Authentication failure" "$(hotp_b 4)" s bob authenticate
expect_pam success "$(hotp_b 5)" s bob authenticate
pass "GA HOTP: HOTP_COUNTER 5 imported: counter 4 stays used, 5 signs in"

# ---- google-authenticator: STEP_SIZE 60 -----------------------------------------------------
ga "$T/ga_60" -t -d -S 60
grep -q '^" STEP_SIZE 60$' "$T/ga_60" || fail "no STEP_SIZE 60 in $(cat "$T/ga_60")"
s60=$(head -n 1 "$T/ga_60")
imp google-authenticator carol "$T/ga_60"
[ "$RC" = 0 ] || fail "import of a STEP_SIZE 60 file failed: $OUT"
expect_in "$OUT" "(TOTP, 60-second steps, 6 digits)"
fresh60
expect_pam success "$(oathtool --totp -s 60 -b "$s60")" s carol authenticate
pass "GA STEP_SIZE 60: the imported secret keeps its 60-second step"

# ---- nothing imported twice -----------------------------------------------------------------
n=$(methods)
a=$(audit_adds)
[ "$a" = 4 ] || fail "expected 4 method-add audit rows (actor root), got $a"
imp google-authenticator alice "$T/ga_totp"
[ "$RC" = 0 ] || fail "a second import failed: $OUT"
expect_in "$OUT" "alice: skipped: already has this authenticator secret"
expect_in "$OUT" "Nothing imported"
[ "$(methods)" = "$n" ] && [ "$(audit_adds)" = "$a" ] || fail "a second import changed the store"
pass "GA file imported twice: skipped, says so, nothing changes"

# ---- pam_oath users file ---------------------------------------------------------------------
K1=3132333435363738393031323334353637383930
K2=0123456789abcdef0123456789abcdef01234567
K3=FEDCBA9876543210FEDCBA9876543210FEDCBA98
K4=a1b2c3d4e5f60718293a4b5c6d7e8f9001122334
# As pam_oath's README writes it (tabs), and as liboath rewrites it after a sign-in (counter,
# last code, time).
cat > "$T/users.oath" <<EOF
# users file of pam_oath
HOTP	erin	-	$K1
HOTP/T30	frank	-	$K2

HOTP/T60/8 grace + $K3
HOTP	heidi	-	$K4	7	$(oathtool --hotp "$K4" -c 7)	2026-11-30T10:00:00L
EOF
before=$(store_sum)
imp oath "$T/users.oath" --dry-run
[ "$RC" = 0 ] || fail "dry run failed: $OUT"
for u in erin frank grace heidi; do expect_in "$OUT" "$u: would add the authenticator app"; done
expect_in "$OUT" "nothing was written"
[ "$(store_sum)" = "$before" ] || fail "--dry-run changed the store files"
pass "oath --dry-run says per user what it would do; the store is byte-identical after it"

imp oath "$T/users.oath"
[ "$RC" = 0 ] || fail "oath import failed: $OUT"
expect_in "$OUT" "erin: added the authenticator app (HOTP, 6 digits, next counter 0)"
expect_in "$OUT" "frank: added the authenticator app (TOTP, 30-second steps, 6 digits)"
expect_in "$OUT" "grace: added the authenticator app (TOTP, 60-second steps, 8 digits)"
expect_in "$OUT" "heidi: added the authenticator app (HOTP, 6 digits, next counter 8)"
expect_in "$OUT" "Imported 4 method(s)"
[ "$(audit_adds)" = $((a + 4)) ] || fail "expected an audit row per imported method"
pass "pam_oath users file: every user imported, an audit row each"

expect_pam success "$(oathtool --hotp "$K1" -c 0)" s erin authenticate
fresh_step
expect_pam success "$(oathtool --totp "$K2")" s frank authenticate
fresh60
expect_pam success "$(oathtool --totp -s 60 -d 8 "$K3")" s grace authenticate
expect_pam "Authentication failure" "$(oathtool --hotp "$K4" -c 7)" s heidi authenticate
expect_pam success "$(oathtool --hotp "$K4" -c 8)" s heidi authenticate
pass "the imported pam_oath tokens sign in (HOTP, T30, T60/8); heidi's last used counter stays used"

n=$(methods)
a=$(audit_adds)
before=$(store_sum)
imp oath "$T/users.oath"
[ "$RC" = 0 ] || fail "second oath import failed: $OUT"
[ "$(count "$OUT" "skipped: already has this authenticator secret")" = 4 ] ||
	fail "each user should be skipped: $OUT"
expect_in "$OUT" "Nothing imported"
[ "$(methods)" = "$n" ] && [ "$(audit_adds)" = "$a" ] || fail "a second oath import changed the store"
pass "oath file imported twice: every line skipped, says so, nothing changes"

# ---- bad input: the line named, nothing written ---------------------------------------------
# bad FILE-CONTENT EXPECTED-TEXT: the import fails (exit 1) naming the line; nothing changes.
bad() {
	printf '%s\n' "$1" > "$T/bad.oath"
	before=$(store_sum)
	imp oath "$T/bad.oath"
	[ "$RC" = 1 ] || fail "expected exit 1 for '$1', got $RC: $OUT"
	expect_in "$OUT" "$2"
	expect_in "$OUT" "nothing imported"
	[ "$(store_sum)" = "$before" ] || fail "a refused import changed the store: $1"
}
GOOD="HOTP	ivan	-	$(printf 'ab%.0s' 1 2 3 4 5 6 7 8 9 10 11 12)"
bad "$GOOD
HOTP	judy	1234	$K1" "bad.oath:2: user judy has a PIN"
expect_in "$OUT" "Replace the PIN with '-'"
bad "$GOOD
TOTP	judy	-	$K1" "bad.oath:2: unknown token type 'TOTP'"
bad "HOTP/T45 judy - $K1" "bad.oath:1: unknown token type"
bad "HOTP judy - xyz1" "bad.oath:1: the secret is not hex"
bad "HOTP judy - 0011" "bad.oath:1: the secret holds 2 bytes"
bad "HOTP judy -" "bad.oath:1: a pam_oath line has at least 4 fields"
bad "HOTP judy - $K1 x" "bad.oath:1: the counter 'x' is not a number"
bad "HOTP judy - $K1 1 123456 yesterday" "bad.oath:1: the time 'yesterday'"
[ "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE name IN ('ivan', 'judy')")" = 0 ] ||
	fail "a user of a refused file was stored"
pass "bad oath lines (PIN, type, hex, short secret, fields, counter, time): file:line named, nothing written, even the good lines before"

# --skip-invalid: the bad lines are named as warnings and skipped; the good ones are imported.
printf '%s\n' "$GOOD" "HOTP	judy	1234	$K1" "HOTP/T45	kim	-	$K1" \
	"HOTP	liam	-	$(printf 'cd%.0s' 1 2 3 4 5 6 7 8 9 10)" > "$T/mixed.oath"
imp oath "$T/mixed.oath" --skip-invalid
[ "$RC" = 0 ] || fail "--skip-invalid should import the good lines: $OUT"
expect_in "$OUT" "warning: $T/mixed.oath:2: user judy has a PIN"
expect_in "$OUT" "line skipped (--skip-invalid)"
expect_in "$OUT" "warning: $T/mixed.oath:3: unknown token type 'HOTP/T45'"
expect_in "$OUT" "2 invalid line(s) of $T/mixed.oath skipped"
expect_in "$OUT" "Imported 2 method(s)"
[ "$(count "$OUT" "user judy has a PIN")" = 1 ] || fail "each bad line should be named once: $OUT"
[ "$(sqlite3 "$DB" "SELECT group_concat(name) FROM (SELECT name FROM users WHERE name IN ('ivan', 'judy', 'kim', 'liam') ORDER BY name)")" = "ivan,liam" ] ||
	fail "--skip-invalid should store ivan and liam only"
imp google-authenticator alice "$T/ga_totp" --skip-invalid
[ "$RC" = 2 ] || fail "--skip-invalid is for import oath only (usage error), got $RC: $OUT"
pass "import oath --skip-invalid: bad lines named once as warnings and skipped, the good lines imported"

# badga CONTENT EXPECTED-TEXT: as bad, for a google-authenticator file.
badga() {
	printf '%s\n' "$1" > "$T/bad_ga"
	before=$(store_sum)
	imp google-authenticator judy "$T/bad_ga"
	[ "$RC" = 1 ] || fail "expected exit 1 for GA '$1', got $RC: $OUT"
	expect_in "$OUT" "$2"
	[ "$(store_sum)" = "$before" ] || fail "a refused GA import changed the store: $1"
}
badga "not base32!" "bad_ga:1: the first line is not a base32 secret"
badga "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
\" TOTP_AUTH
\" SOMETHING_NEW 1" "bad_ga:3: unknown google-authenticator option 'SOMETHING_NEW'"
badga "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
\" TOTP_AUTH
\" HOTP_COUNTER 1" "both TOTP_AUTH and HOTP_COUNTER"
badga "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
\" STEP_SIZE 90" "bad_ga:2: STEP_SIZE 90 is outside 1..60"
badga "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
12345678
hello" "bad_ga:3: neither an option"
pass "bad GA files (secret, unknown option, TOTP and HOTP, step, stray line): line named, nothing written"

ln -s "$T/ga_totp" "$T/ga_link"
imp google-authenticator alice "$T/ga_link"
[ "$RC" = 1 ] || fail "a symbolic link should be refused: $OUT"
expect_in "$OUT" "symbolic link"
imp oath
[ "$RC" = 2 ] || fail "import oath without FILE should be a usage error (2), got $RC: $OUT"
imp google-authenticator "bad name " "$T/ga_totp"
[ "$RC" = 1 ] || fail "a user name with a trailing space should be refused: $OUT"
pass "a symbolic link, a missing FILE (usage, exit 2) and a bad user name are refused"
