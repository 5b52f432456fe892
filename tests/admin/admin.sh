#!/bin/sh
# secinfo-admin: init, method add/delete/default, the default-method rules, confirmations,
# user delete/unlock, exit statuses, and encryption at rest. Database state is checked
# through 'user show --json' (and sqlite3 for what the CLI does not show).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"


# expect STATUS INPUT -- ARGS...: runs secinfo-admin ARGS with INPUT on stdin and fails unless
# it exits with STATUS; $out gets its stdout and stderr together.
expect() {
	want=$1
	input=$2
	shift 3
	rc=0
	out=$(printf '%s' "$input" | admin "$@" 2>&1) || rc=$?
	[ "$rc" = "$want" ] || fail "exit $rc (expected $want) from: secinfo-admin $*
$out"
}
# says TEXT: the last command's output contains TEXT.
says() {
	case $out in *"$1"*) ;; *) fail "expected '$1' in the output:
$out" ;; esac
}
# py EXPR: evaluates EXPR with d = the JSON read from stdin, prints it (JSON for non-strings).
py() {
	python3 -c 'import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1])
print(r if isinstance(r, str) else json.dumps(r))' "$1"
}
show() { admin user show "$1" --json; }
eq() { [ "$1" = "$2" ] || fail "$3: got '$1', expected '$2'"; }
# last_id: the method id the last 'method add' printed.
last_id() { printf '%s\n' "$out" | sed -n 's/.* method id \([0-9][0-9]*\)\.$/\1/p'; }
# unchanged USER SNAPSHOT: USER's JSON is still SNAPSHOT.
unchanged() { eq "$(show "$1" 2>&1 || true)" "$2" "state of $1 after a refused command"; }

write_conf <<'EOF'
[policy]
methods = app key sms call email
tries = 1
issuer = Example Org
[sms]
provider = http
url = http://127.0.0.1:9/sms
default_country = 31
[call]
provider = http
url = http://127.0.0.1:9/call
[email]
smtp_url = smtp://127.0.0.1:25
from = secinfo@example.net
blocked_domains = example.org corp.example.com
EOF

# --- init ---------------------------------------------------------------------------------
rmdir "$T/db"
expect 0 '' -- init
says "created directory $T/db"
says "created key $KEY"
says "created database $DB"
# Owned by whoever ran init: root for the installed program, the test user for the test build.
me=$(id -u)
eq "$(stat -c '%a %u %F' "$T/db")" "700 $me directory" "database directory"
eq "$(stat -c '%a %u %s' "$KEY")" "600 $me 32" "key file"
eq "$(stat -c '%a %u' "$DB")" "600 $me" "database file"
sums=$(sha256sum "$KEY" "$DB")
expect 0 '' -- init
says "nothing to do"
case $out in *created*) fail "second init created something: $out" ;; esac
eq "$(sha256sum "$KEY" "$DB")" "$sums" "key and database after a second init"
mv "$KEY" "$T/key.saved"
expect 1 '' -- init
says "exists but its key"
[ ! -e "$KEY" ] || fail "init made a new key for an existing database"
mv "$T/key.saved" "$KEY"
expect 0 '' -- check
pass "init creates directory, key and database with safe modes, and is idempotent"

# --- app, verified with a code from oathtool -----------------------------------------------
SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
fresh_step
code=$(totp "$SECRET")
step=$(($(date +%s) / 30))
expect 0 "$code
" -- method add alice app --secret "$SECRET"
says "otpauth://totp/Example%20Org:alice?secret=$SECRET&issuer=Example%20Org&algorithm=SHA1&digits=6&period=30"
says "Enter the code shown by the app: "
says "█"
says "It is now the default method of alice."
app_alice=$(last_id)
eq "$(show alice | py '[(m["id"], m["kind"]) for m in d["methods"]]')" "[[$app_alice, \"app\"]]" "alice's methods"
eq "$(show alice | py 'd["default"]')" "$app_alice" "alice's default"
pass "method add app verifies a code from the app and becomes the default"

# The enrollment code is recorded as used: it cannot sign in again. carol has the same secret
# without verification, so the same code still works for her: the refusal is the replay rule.
eq "$(sqlite3 "$DB" "SELECT counter FROM methods WHERE id = $app_alice")" "$step" "counter after enrollment"
expect 0 '' -- method add carol app --secret "$SECRET" --no-verify
case $out in *"Enter the code"*) fail "--no-verify asked for a code: $out" ;; esac
service replay
expect_pam "Authentication failure" "$(printf '%s\n' "$code")" replay alice authenticate
expect_pam success "$(printf '%s\n' "$code")" replay carol authenticate
pass "the code used at enrollment cannot be replayed at sign-in"

expect 1 "$(totp "$SECRET" 10)
" -- method add bob app --secret "$SECRET"
says "the code is wrong"
expect 1 '' -- user show bob
expect 1 '' -- method add bob app
says "no code was entered"
expect 1 '' -- user show bob
expect 1 '' -- method add bob app --secret 'not base32!' --no-verify
says "not valid base32"
expect 1 '' -- method add bob app --secret JBSWY3DP --no-verify
says "at least 10"
expect 1 '' -- user show bob
eq "$(admin audit --user bob --json)" "[]" "audit rows of refused commands"
pass "a wrong or missing code or a bad secret stores nothing"

# The module refuses these names at sign-in (never "not enrolled"): they cannot be enrolled.
for name in "bob " " bob" "$(printf 'b\tob')"; do
	expect 1 '' -- method add "$name" app --secret "$SECRET" --no-verify
	says "no space at either end"
done
eq "$(sqlite3 "$DB" "SELECT COUNT(*) FROM users")" \
	"$(sqlite3 "$DB" "SELECT COUNT(*) FROM users WHERE name NOT LIKE '% ' AND name NOT LIKE ' %'")" \
	"users with a space at an end"
pass "names with a space at an end or a control character are refused"

# A wrong code asks again for a code of the same secret (the app holds it already), 3 times.
fresh_step
expect 0 "$(totp "$SECRET" 10)
$(totp "$SECRET" -10)
$(totp "$SECRET")
" -- method add ivan app --secret "$SECRET"
eq "$(count "$out" "Enter the code shown by the app: ")" 3 "prompts for ivan's code"
eq "$(count "$out" "otpauth://")" 1 "secrets shown to ivan"
says "The code is wrong. Check that the app scanned this QR code"
says "(attempt 3 of 3)"
says "It is now the default method of ivan."
# A random secret is shown once, and asked for three times at most: then nothing is added.
expect 1 "000000
000000
000000
000000
" -- method add judy app
eq "$(count "$out" "Enter the code shown by the app: ")" 3 "prompts for judy's code"
eq "$(count "$out" "Or enter this key by hand")" 1 "secrets shown to judy"
says "the code is wrong; nothing added"
expect 1 '' -- user show judy
# The end of the input after a wrong code: the wrong code is what is reported.
expect 1 "000000
" -- method add judy app
says "the code is wrong; nothing added"
eq "$(count "$out" "Enter the code shown by the app: ")" 2 "prompts until the end of input"
expect 1 '' -- user show judy
pass "a wrong code at method add app asks again for the same secret, 3 times at most"

# The same secret twice for one user is refused, before a code is asked for.
before=$(show carol)
expect 1 '' -- method add carol app --secret "$SECRET" --no-verify
says "carol already has an authenticator app with this secret (method id"
says "nothing added"
expect 1 '' -- method add carol app --secret "$SECRET"
says "carol already has an authenticator app with this secret"
case $out in *"Enter the code"*) fail "asked for a code of a secret carol has: $out" ;; esac
unchanged carol "$before"
pass "the same app secret twice for one user is refused"

# --secret-file FILE, or - for standard input (the secret on the first line, then the code).
S2=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
printf '  %s  \n' "$S2" > "$T/secret"
fresh_step
expect 0 "$(totp "$S2")
" -- method add kate app --secret-file "$T/secret"
says "secret=$S2&"
says "It is now the default method of kate."
fresh_step
expect 0 "$S2
$(totp "$S2")
" -- method add lena app --secret-file -
says "secret=$S2&"
says "It is now the default method of lena."
expect 2 '' -- method add mona app --secret-file "$T/secret" --secret "$S2" --no-verify
says "not both"
expect 2 '' -- method add mona sms +31612345678 --secret-file "$T/secret"
: > "$T/empty"
expect 1 '' -- method add mona app --secret-file "$T/empty" --no-verify
says "is empty"
expect 1 '' -- method add mona app --secret-file "$T/missing" --no-verify
says "cannot open the secret file"
expect 1 '' -- method add mona app --secret-file "$T" --no-verify
says "not a regular file"
expect 1 '' -- user show mona
pass "method add app --secret-file FILE and - read the secret; bad files add nothing"

# --secret is gone from the process's arguments (ps, /proc/PID/cmdline) while it waits for the
# code: the command blocks on a FIFO that holds no answer yet.
S3=MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U
mkfifo "$T/answer"
exec 3<>"$T/answer"
"$ADMIN" -c "$CONF" method add nina app --secret "$S3" < "$T/answer" > "$T/nina.out" 2>&1 &
nina=$!
i=0
until grep -q "Enter the code" "$T/nina.out"; do
	i=$((i + 1))
	[ $i -le 100 ] || fail "method add nina did not ask for a code: $(cat "$T/nina.out")"
	sleep 0.1
done
cmdline=$(tr '\0' ' ' < "/proc/$nina/cmdline")
expect_in "$cmdline" "method add nina app --secret "
expect_not_in "$cmdline" "$S3"
expect_not_in "$(ps -o args= -p "$nina")" "$S3"
fresh_step
totp "$S3" >&3
rc=0
wait "$nina" || rc=$?
exec 3>&-
eq "$rc" 0 "method add nina with --secret: $(cat "$T/nina.out")"
expect_in "$(cat "$T/nina.out")" "secret=$S3&"
pass "--secret is overwritten in the process's arguments before the code is asked for"

expect 0 "$(oathtool --hotp -b "$SECRET" -c 1)
" -- method add hank app --hotp --secret "$SECRET"
says "otpauth://hotp/Example%20Org:hank?secret=$SECRET&issuer=Example%20Org&algorithm=SHA1&digits=6&counter=0"
eq "$(sqlite3 "$DB" "SELECT otp_hotp, counter FROM methods WHERE id = $(last_id)")" "1|1" "HOTP counter after enrollment"
pass "method add app --hotp verifies and records the counter"

# --- phones and email ---------------------------------------------------------------------
before=$(show alice)
# Without --no-verify a code is sent first; the gateway here (port 9) is down: nothing added.
expect 1 '' -- method add alice sms '+1 4255551234X12345'
says "could not send the text message"
says "nothing added"
unchanged alice "$before"
expect 1 '' -- method add alice sms '+1 425-555-CALL' --no-verify
says "cannot add the phone number"
expect 1 '' -- method add alice sms '12' --no-verify
unchanged alice "$before"
expect 0 '' -- method add alice sms '+1 4255551234X12345' --no-verify
says "the extension was removed: security info does not support phone extensions"
sms_alice=$(last_id)
says "The default method of alice is id $app_alice"
eq "$(show alice | py '[m["detail"] for m in d["methods"] if m["kind"] == "sms"]')" '["+14255551234"]' "normalised number"
before=$(show alice)
expect 1 '' -- method add alice sms '+1 (425) 555-1234' --no-verify
says "already has sms +14255551234 (method id $sms_alice)"
unchanged alice "$before"
# Refused before a code is sent (the gateway on port 9 is down: a send would say so).
expect 1 '' -- method add alice sms '+1 425 555 1234'
says "alice already has sms +14255551234 (method id $sms_alice); nothing added"
case $out in *"could not send"*) fail "tried to send a code to a number alice has: $out" ;; esac
unchanged alice "$before"
expect 0 '' -- method add alice call '06 12345678' --no-verify
eq "$(show alice | py '[m["detail"] for m in d["methods"] if m["kind"] == "call"]')" '["+31612345678"]' "call number with [sms] default_country"
pass "phone numbers are normalised, extensions removed with a note, bad ones refused"

before=$(show alice)
for address in someone@example.org someone@mail.corp.example.com; do
	expect 1 '' -- method add alice email "$address" --no-verify
	says "a work or school address cannot be used"
done
expect 1 '' -- method add alice email 'not an address' --no-verify
# Without --no-verify a code is emailed first; no mail server listens here: nothing added.
expect 1 '' -- method add alice email alice@example.net
says "could not send the email"
says "nothing added"
unchanged alice "$before"
expect 0 '' -- method add alice email Alice@Example.NET --no-verify
eq "$(show alice | py '[m["detail"] for m in d["methods"] if m["kind"] == "email"]')" '["Alice@example.net"]' "email address"
before=$(show alice)
for address in Alice@example.net alice@EXAMPLE.net; do
	expect 1 '' -- method add alice email "$address" --no-verify
	says "alice already has email Alice@example.net"
	expect 1 '' -- method add alice email "$address"
	says "alice already has email"
	case $out in *"could not send"*) fail "tried to send a code to an address alice has: $out" ;; esac
done
unchanged alice "$before"
pass "blocked email domains and their subdomains are refused"

before=$(show alice)
expect 1 '' -- method add alice questions
says "the organisation does not allow questions"
expect 1 '' -- method add alice key
says "No security key found: plug your security key in and try again. Nothing added."
unchanged alice "$before"
pass "a kind the policy does not allow, and a key with no key plugged in, are refused"

# --- default method rules -----------------------------------------------------------------
expect 0 '' -- method add dave email dave@example.net --no-verify
email_dave=$(last_id)
eq "$(show dave | py 'd["default"]')" "null" "default with only email"
expect 1 '' -- method default dave email
says "email can only be used for password reset; choose an app, text message, call or security key method as the default"
expect 1 '' -- method default dave "$email_dave"
eq "$(show dave | py 'd["default"]')" "null" "default after refusing email"
expect 0 '' -- method add dave sms +31611111111 --no-verify
s1=$(last_id)
says "It is now the default method of dave."
expect 0 '' -- method add dave call +31622222222 --no-verify
c1=$(last_id)
expect 0 '' -- method add dave app --no-verify
a1=$(last_id)
expect 0 '' -- method add dave sms +31633333333 --no-verify
s2=$(last_id)
expect 0 '' -- method add dave sms +31644444444 --no-verify
s3=$(last_id)
eq "$(show dave | py 'd["default"]')" "$s1" "first 2FA method is the default"
expect 1 '' -- method delete dave sms --yes
says "ids $s1, $s2, $s3"
expect 1 '' -- method delete dave 999 --yes
expect 2 '' -- method delete dave bogus --yes
eq "$(show dave | py 'len(d["methods"])')" "6" "methods after refused deletes"
# app before sms before call; oldest first within a kind; never email.
for pair in "$s1 $a1" "$a1 $s2" "$s2 $s3" "$s3 $c1" "$c1 null"; do
	# shellcheck disable=SC2086 # two words on purpose
	set -- $pair
	expect 0 '' -- method delete dave "$1" --yes
	eq "$(show dave | py 'd["default"]')" "$2" "default after deleting $1"
done
says "has no default method"
eq "$(show dave | py '[m["kind"] for m in d["methods"]]')" '["email"]' "dave's methods at the end"
expect 0 '' -- method add dave call +31655555555 --no-verify
expect 0 '' -- method add dave app --no-verify
a2=$(last_id)
expect 0 '' -- method default dave app
eq "$(show dave | py 'd["default"]')" "$a2" "default after method default"
pass "default rules: first 2FA method, next by key/app/sms/call oldest first, never email"

before=$(show dave)
expect 1 'n
' -- method delete dave app
says "Delete the authenticator app (TOTP) (id $a2) of dave? This cannot be undone. [y/N]"
says "nothing deleted"
expect 1 '' -- method delete dave app
unchanged dave "$before"
expect 0 'y
' -- method delete dave app
eq "$(show dave | py '[m["kind"] for m in d["methods"]]')" '["email", "call"]' "after confirmed delete"
pass "method delete asks, and deletes only on y"

# --- names the name service does not know: a warning, not an error ------------------------
known=$(id -un)
getent passwd "$known" >/dev/null || fail "the name service does not know $known: the test below would prove nothing"
unknown=secinfo-no-such-user-$$
! getent passwd "$unknown" >/dev/null || fail "$unknown exists"
expect 0 '' -- method add "$unknown" app --no-verify
says "warning: the name service does not know a user '$unknown'"
says "It is now the default method of $unknown."
eq "$(show "$unknown" | py 'len(d["methods"])')" "1" "methods of an unknown name"
expect 0 '' -- method add "$known" app --no-verify
case $out in *warning*) fail "a warning for $known, whom the name service knows: $out" ;; esac
expect 0 '' -- user delete "$unknown" --yes
expect 0 '' -- user delete "$known" --yes
pass "method add warns about a name the name service does not know, and still adds"

# --- users --------------------------------------------------------------------------------
expect 0 '' -- method add erin app --no-verify
expect 0 '' -- method add erin email erin@example.net --no-verify
expect 1 'no
' -- user delete erin
says "Delete user erin and all 2 methods? This cannot be undone. [y/N]"
says "nothing deleted"
eq "$(show erin | py 'len(d["methods"])')" "2" "erin after refused delete"
expect 0 '' -- user delete erin --yes
expect 1 '' -- user show erin
says "no user 'erin'"
expect 1 '' -- user delete erin --yes
pass "user delete asks, deletes everything, and refuses an unknown user"

sqlite3 "$DB" "UPDATE users SET failures = 3, locked_until = strftime('%s', 'now') + 600 WHERE name = 'dave'"
[ "$(show dave | py 'd["locked_until"]')" != "null" ] || fail "locked_until not shown"
expect 0 '' -- user unlock dave
eq "$(show dave | py 'd["locked_until"]')" "null" "locked_until after unlock"
eq "$(sqlite3 "$DB" "SELECT failures FROM users WHERE name = 'dave'")" "0" "failures after unlock"
expect 1 '' -- user unlock nobody
pass "user unlock clears the lockout"

# --- exit statuses ------------------------------------------------------------------------
for args in "" "bogus" "user" "user frobnicate" "user show" "user show a b" "user show a --yes" \
	"user list --bogus" "method add alice" "method add alice teleport" "method add alice sms" \
	"method add alice app extra" "method add alice sms +31612345678 --hotp" \
	"method default alice" "audit --since yesterday" "audit --since 2026-02-30" "audit --user"; do
	# shellcheck disable=SC2086
	expect 2 '' -- $args
done
expect 0 '' -- --help
says "usage: secinfo-admin [-c FILE] COMMAND"
expect 0 '' -- user show --help
says "user show USER [--json]"
# A group's --help lists its subcommands (and needs no database).
for group in user method question; do
	expect 0 '' -- "$group" --help
	says "usage:"
	says "secinfo-admin [-c FILE] $group "
done
expect 0 '' -- method --help
says "method add USER app [--secret-file FILE|-] [--secret BASE32]"
says "method delete USER METHOD [--yes]"
expect 0 '' -- user -h
says "user unlock USER"
expect 0 '' -- question list
says "No security questions"
expect 1 '' -- send-test sms +31612345678
says "could not connect to the gateway"
says "was not accepted"
expect 1 '' -- send-test email someone@example.net
says "could not connect to the mail server"
expect 1 '' -- send-test email someone@example.org
says "work or school address"
expect 2 '' -- send-test fax +31612345678
rc=0
"$ADMIN" -c "$T/missing.conf" user list >/dev/null 2>&1 || rc=$?
eq "$rc" 1 "missing configuration"
pass "usage errors exit 2, refusals exit 1, --help exits 0"

# --- encryption at rest -------------------------------------------------------------------
ls "$DB"* >/dev/null
grep -a -q dave "$DB"* || fail "user names not found in the database files: the check below would prove nothing"
for secret in 4255551234 612345678 611111111 Alice@example dave@example 'Hello!'; do
	! grep -a -q -- "$secret" "$DB"* || fail "'$secret' is readable in the database files"
	if command -v strings >/dev/null && cat "$DB"* | strings | grep -q -- "$secret"; then
		fail "strings finds '$secret' in the database files"
	fi
done
pass "numbers, addresses and secrets are encrypted at rest"
