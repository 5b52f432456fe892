#!/bin/sh
# secinfo-admin copy --to FILE (SPEC 16): a store with every kind of row (an app method whose
# step was used, a text-message method with a pending code and its send, questions and
# answers, a temporary access pass, a locked user, a deleted method, audit rows, the count of
# unenrolled failures) is copied into a new store made by init with the same key; the copy is
# compared table by table; sign-ins on the copy work with the same secrets and the used step
# stays used; new ids continue above every id the source handed out. Refusals (no --to, the
# target not initialised, another key, a target holding a user, a copy to itself) and a copy
# failing half-way (a conflicting question in the target) change nothing.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need sqlite3 sqlite3

start_gateway gw
write_conf <<CONF
[policy]
methods = app sms questions
tries = 3
max_failures = 3
lockout = 1h
[questions]
register = 3
ask = 2
min_answer_length = 4
[codes]
lifetime = 10m
max_sends_per_hour = 4
$(twilio_section sms)
CONF
admin init >/dev/null

# target NAME [KEY]: a configuration $T/NAME.conf naming the database $T/NAME/secinfo.db and the
# key KEY (default $T/NAME.key), with the source's other sections.
target() {
	{
		printf '[database]\npath = %s/%s/secinfo.db\nkey_file = %s\n' "$T" "$1" \
			"${2:-$T/$1.key}"
		sed -n '/^\[policy\]/,$p' "$CONF"
	} > "$T/$1.conf"
	chmod 644 "$T/$1.conf"
}
# dump DB: every row of DB (blobs in hex), to prove that a refusal changed nothing.
dump() { sqlite3 "$1" .dump; }
# rows DB SQL: the rows of SQL, blobs quoted in hex.
rows() { sqlite3 -quote "$1" "$2"; }
# copy_to NAME: runs copy --to $T/NAME.conf; OUT gets stdout and stderr, RC the exit status.
copy_to() { OUT=$(admin copy --to "$T/$1.conf" 2>&1) && RC=0 || RC=$?; }
expect_refused() {
	[ "$RC" = 1 ] || fail "$1: expected exit 1, got $RC: $OUT"
	expect_in "$OUT" "nothing was copied"
}

# --- the source: every kind of row -------------------------------------------------------
service s
enroll_app alice
Q1=$(admin question add "What was the name of your first pet?")
Q2=$(admin question add "In which town were you born?")
Q3=$(admin question add "What was your first car?")
printf '%s\tRex the dog\n%s\tDelft\n%s\tBeetle\n' "$Q1" "$Q2" "$Q3" > "$T/answers"
admin method add alice questions --answers-file "$T/answers" >/dev/null
admin method add bob sms +14255551234 --no-verify >/dev/null
PASS=$(admin tap issue carol 2>&1 | grep -o -E '[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}' | head -n 1)
[ -n "$PASS" ] || fail "tap issue printed no pass"
enroll_app dave
enroll_app erin
admin method delete erin app --yes >/dev/null # the highest method id is never used again

fresh_step
CODE=$(totp $SECRET_DEFAULT)
expect_pam success "$CODE" s alice authenticate
# bob asks for a code and leaves: the code is pending, the send counted.
before=$(requests)
{
	echo
	wait_request "$before"
} | pam s bob authenticate >/dev/null 2>&1 && fail "bob's sign-in without an answer succeeded"
wrong=$(printf '%06d' $(((1$(totp $SECRET_DEFAULT) - 500000) % 1000000)))
expect_pam "maximum number of retries" "$(printf '%s\n%s\n%s\n' "$wrong" "$wrong" "$wrong")" s \
	dave authenticate
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s mallory authenticate

for t in users methods codes sends questions answers audit; do
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM $t")" -gt 0 ] || fail "the source has no $t row"
done
[ "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE locked_until > strftime('%s','now')")" = 1 ] ||
	fail "dave should be locked in the source"
[ "$(sqlite3 "$DB" "SELECT counter FROM methods m JOIN users u ON u.id = m.user_id
	WHERE u.name = 'alice' AND kind = 'app'")" -gt 0 ] || fail "alice's used step is not stored"
META=$(rows "$DB" "SELECT name, value FROM meta WHERE name <> 'key_check' ORDER BY name")
[ -n "$META" ] || fail "the source has no meta row besides the key check"
SEQ=$(sqlite3 "$DB" "SELECT seq FROM sqlite_sequence WHERE name = 'methods'")
[ "$SEQ" -gt "$(sqlite3 "$DB" "SELECT max(id) FROM methods")" ] ||
	fail "the deleted method should leave the methods sequence above the highest id"
pass "the source holds every kind of row"

source_dump=$(dump "$DB")

# --- refusals: nothing changes -------------------------------------------------------------
OUT=$(admin copy 2>&1) && RC=0 || RC=$?
[ "$RC" = 2 ] || fail "copy without --to should be a usage error (exit 2), got $RC: $OUT"
expect_in "$OUT" "--to FILE"

target fresh "$T/fresh.key"
cp -p "$KEY" "$T/fresh.key"
copy_to fresh
expect_refused "a target not initialised"
expect_in "$OUT" "secinfo-admin -c $T/fresh.conf init"
[ ! -e "$T/fresh/secinfo.db" ] || fail "a refused copy created the target database"

target otherkey
"$ADMIN" -c "$T/otherkey.conf" init >/dev/null
before=$(dump "$T/otherkey/secinfo.db")
copy_to otherkey
expect_refused "a target with another key"
expect_in "$OUT" "another key"
expect_in "$OUT" "copy $KEY to $T/otherkey.key"
[ "$(dump "$T/otherkey/secinfo.db")" = "$before" ] || fail "a refused copy changed the target"

target occupied "$T/occupied.key"
cp -p "$KEY" "$T/occupied.key"
"$ADMIN" -c "$T/occupied.conf" init >/dev/null
"$ADMIN" -c "$T/occupied.conf" method add zoe app --secret "$SECRET_DEFAULT" --no-verify >/dev/null
before=$(dump "$T/occupied/secinfo.db")
copy_to occupied
expect_refused "a target holding a user"
expect_in "$OUT" "holds 1 user already"
[ "$(dump "$T/occupied/secinfo.db")" = "$before" ] || fail "a refused copy changed the target"

cp -p "$CONF" "$T/same.conf"
copy_to same
expect_refused "a copy to itself"
expect_in "$OUT" "name the same database"
[ "$(dump "$DB")" = "$source_dump" ] || fail "a refused copy changed the source"
pass "refused without --to (exit 2), without init, with another key, into a store with a user, into itself (exit 1): nothing changes"

# --- a failure half-way: the whole copy is undone --------------------------------------------
target conflict "$T/conflict.key"
cp -p "$KEY" "$T/conflict.key"
"$ADMIN" -c "$T/conflict.conf" init >/dev/null
"$ADMIN" -c "$T/conflict.conf" question add "What is the target's own question?" >/dev/null
before=$(dump "$T/conflict/secinfo.db")
copy_to conflict
[ "$RC" = 1 ] || fail "a copy that fails half-way should exit 1, got $RC: $OUT"
expect_in "$OUT" "nothing was copied, the target $T/conflict/secinfo.db is as it was"
expect_in "$OUT" "copying questions"
[ "$(dump "$T/conflict/secinfo.db")" = "$before" ] ||
	fail "a copy that failed at the questions left rows of the tables before them"
[ "$(dump "$DB")" = "$source_dump" ] || fail "a failed copy changed the source"
pass "a copy failing half-way (a conflicting question, after users and methods) leaves the target as it was"

# --- the copy ------------------------------------------------------------------------------
target copy "$T/copy.key"
cp -p "$KEY" "$T/copy.key"
"$ADMIN" -c "$T/copy.conf" init >/dev/null
COPY="$T/copy/secinfo.db"
copy_to copy
[ "$RC" = 0 ] || fail "copy failed: $OUT"
expect_in "$OUT" "in one transaction"
for t in users methods codes sends questions answers audit meta; do
	n=$(printf '%s\n' "$OUT" | sed -n "s/^  $t  *\([0-9]*\)$/\1/p")
	want=$(sqlite3 "$DB" "SELECT count(*) FROM $t")
	[ "$t" != meta ] || want=$(sqlite3 "$DB" "SELECT count(*) FROM meta WHERE name <> 'key_check'")
	[ "$n" = "$want" ] || fail "copy should say $want rows of $t, said '$n': $OUT"
done
[ "$(dump "$DB")" = "$source_dump" ] || fail "the copy changed the source"

for t in users methods codes sends questions answers; do
	a=$(rows "$DB" "SELECT * FROM $t ORDER BY 1, 2, 3")
	b=$(rows "$COPY" "SELECT * FROM $t ORDER BY 1, 2, 3")
	[ "$a" = "$b" ] || fail "table $t differs in the copy:
$a
---
$b"
done
cols='time, user, service, rhost, method, event, result, actor, host'
a=$(rows "$DB" "SELECT $cols FROM audit ORDER BY id")
# The target's own init row comes first, the copy's row last.
b=$(rows "$COPY" "SELECT $cols FROM audit WHERE id > (SELECT min(id) FROM audit)
	AND id < (SELECT max(id) FROM audit) ORDER BY id")
[ "$a" = "$b" ] || fail "the audit trail differs in the copy:
$a
---
$b"
[ "$(sqlite3 "$COPY" "SELECT event || ' ' || actor FROM audit ORDER BY id DESC LIMIT 1")" = "copy root" ] ||
	fail "the copy should be audited in the target"
[ "$(rows "$COPY" "SELECT name, value FROM meta WHERE name <> 'key_check' ORDER BY name")" = "$META" ] ||
	fail "the meta rows differ in the copy"
[ "$(sqlite3 "$COPY" "SELECT seq FROM sqlite_sequence WHERE name = 'methods'")" = "$SEQ" ] ||
	fail "the copy's methods sequence should continue from the source's ($SEQ)"
[ "$(sqlite3 "$COPY" 'PRAGMA foreign_key_check')" = "" ] || fail "the copy has dangling references"
"$ADMIN" -c "$T/copy.conf" check >/dev/null || fail "check finds problems in the copy"
pass "every table is copied row for row (ids, used steps, pending code, sends, lockout, pass, answers, audit, meta)"

# --- the copy in use ------------------------------------------------------------------------
# One try per conversation on the copy: the replayed code is one failure, then refused.
sed -i 's/^tries = 3$/tries = 1/' "$T/copy.conf"
cat > "$T/pam.d/c" <<SERVICE
auth     required $MODULE config=$T/copy.conf
account  required $MODULE config=$T/copy.conf
SERVICE
expect_pam "Authentication failure" "$CODE" c alice authenticate
expect_pam success "$(totp $SECRET_DEFAULT 1)" c alice authenticate
pass "on the copy the used step stays used and the next step's code of the same secret signs in"

expect_pam success "$PASS" c carol authenticate
expect_pam "maximum number of retries" "$(totp $SECRET_DEFAULT)" c dave authenticate
expect_in "$LAST_OUT" "locked for this account until"
pass "on the copy the pass signs in and the locked user stays locked"

"$ADMIN" -c "$T/copy.conf" method add frank app --secret "$SECRET_DEFAULT" --no-verify >/dev/null
id=$(sqlite3 "$COPY" "SELECT m.id FROM methods m JOIN users u ON u.id = m.user_id WHERE u.name = 'frank'")
[ "$id" -gt "$SEQ" ] || fail "the copy handed out method id $id again (the source had used up to $SEQ)"
q=$("$ADMIN" -c "$T/copy.conf" question add "Which street did you grow up in?")
[ "$q" -gt "$Q3" ] || fail "the copy handed out question id $q again"
pass "the copy hands out new ids above every id the source used"

copy_to copy
expect_refused "a second copy into the same target"
expect_in "$OUT" "users already"
pass "a second copy into the same target is refused"
