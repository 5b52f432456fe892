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

. "$top_srcdir/tests/admin/copy_lib.sh"
copy_source

# dump DB: every row of DB, to prove that a refusal changed nothing.
dump() { sqlite3 "$1" .dump; }
expect_refused() {
	[ "$RC" = 1 ] || fail "$1: expected exit 1, got $RC: $OUT"
	expect_in "$OUT" "nothing was copied"
}

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
expect_in "$OUT" "in the target: UNIQUE constraint failed: questions.id"
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

for t in $COPY_TABLES; do
	a=$(sqlite_rows "$DB" $t)
	b=$(sqlite_rows "$COPY" $t)
	[ "$a" = "$b" ] || fail "table $t differs in the copy:
$a
---
$b"
done
# The target's own init row comes first, the copy's row last.
a=$(sqlite_rows "$DB" audit)
b=$(sqlite_rows "$COPY" audit | sed '1d;$d')
[ "$a" = "$b" ] || fail "the audit trail differs in the copy:
$a
---
$b"
[ "$(sqlite3 "$COPY" "SELECT event || ' ' || actor FROM audit ORDER BY id DESC LIMIT 1")" = "copy root" ] ||
	fail "the copy should be audited in the target"
[ "$(sqlite3 "$COPY" "SELECT name || '=' || value FROM meta WHERE name <> 'key_check' ORDER BY name")" = "$META" ] ||
	fail "the meta rows differ in the copy"
[ "$(sqlite3 "$COPY" "SELECT seq FROM sqlite_sequence WHERE name = 'methods'")" = "$SEQ" ] ||
	fail "the copy's methods sequence should continue from the source's ($SEQ)"
[ "$(sqlite3 "$COPY" 'PRAGMA foreign_key_check')" = "" ] || fail "the copy has dangling references"
"$ADMIN" -c "$T/copy.conf" check >/dev/null || fail "check finds problems in the copy"
pass "every table is copied row for row (ids, used steps, pending code, sends, lockout, pass, answers, audit, meta)"

# --- the copy in use ------------------------------------------------------------------------
# One try per conversation on the copy: the replayed code is one failure, then refused.
sed -i 's/^tries = 3$/tries = 1/' "$T/copy.conf"
service_on "$T/copy.conf" c
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
