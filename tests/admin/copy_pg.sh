#!/bin/sh
# secinfo-admin copy between backends (SPEC 16, issue 12): the sqlite store of copy_lib.sh
# (every kind of row) copied into PostgreSQL, compared table by table through psql; sign-ins
# on PostgreSQL with the same secrets (the used step stays used, the pass, the lockout); new
# ids there above every id the source used (the identity sequences); refusals there (a
# user already, the same database) and a copy failing half-way there (a conflicting
# question) leave it as it was; then PostgreSQL copied back into a new sqlite store,
# compared again, where the step used on PostgreSQL stays used. Skips without the test server
# (tests/pg/server.sh).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
need_pamdrive
need sqlite3 sqlite3
need_pg
pg_newdb
. "$top_srcdir/tests/admin/copy_lib.sh"
copy_source

# pg_rows TABLE: TABLE's rows as table_sql prints them, from PostgreSQL.
pg_rows() {
	sql=$(table_sql "$1" HEX | sed "s/HEX(\([a-z]*\))/COALESCE(upper(encode(\1, 'hex')), '')/g")
	pg_psql "$PGDB" -P null=NULL -c "$sql"
}
# compare_tables WHAT A B: fails unless the rows of every table are the same, read by the
# functions A and B (each called with the table).
compare_tables() {
	for t in $COPY_TABLES; do
		a=$($2 $t)
		b=$($3 $t)
		[ -n "$a" ] || fail "$1: no rows of $t"
		[ "$a" = "$b" ] || fail "$1: table $t differs:
$a
---
$b"
	done
}
# pg_tables: every row of every table, to prove that a failure changed nothing.
pg_tables() {
	for t in $COPY_TABLES audit; do pg_rows $t; done
	pg_sql "SELECT name, encode(value, 'hex') FROM meta ORDER BY name"
}
src_rows() { sqlite_rows "$DB" "$1"; }

# --- sqlite -> PostgreSQL ---------------------------------------------------------------------
{
	pg_section
	sed -n '/^\[policy\]/,$p' "$CONF" | sed 's/^tries = 3$/tries = 1/'
} > "$T/pg.conf"
chmod 644 "$T/pg.conf"
"$ADMIN" -c "$T/pg.conf" init >/dev/null || fail "init on PostgreSQL failed"
copy_to pg
[ "$RC" = 0 ] || fail "copy to PostgreSQL failed: $OUT"
compare_tables "sqlite -> PostgreSQL" src_rows pg_rows
n=$(sqlite3 "$DB" "SELECT count(*) FROM audit")
a=$(sqlite_rows "$DB" audit)
b=$(pg_rows audit | sed -n "2,$((n + 1))p")
[ "$a" = "$b" ] || fail "the audit trail differs on PostgreSQL:
$a
---
$b"
[ "$(pg_sql "SELECT event || ' ' || actor FROM audit ORDER BY id DESC LIMIT 1")" = "copy root" ] ||
	fail "the copy should be audited on PostgreSQL"
[ "$(pg_sql "SELECT name || '=' || convert_from(value, 'UTF8') FROM meta
	WHERE name <> 'key_check' ORDER BY name")" = "$META" ] || fail "the meta rows differ on PostgreSQL"
"$ADMIN" -c "$T/pg.conf" check >/dev/null || fail "check finds problems in the PostgreSQL copy"
pass "sqlite -> PostgreSQL: every table row for row (ids, used step, pending code, sends, lockout, pass, answers, audit, meta)"

service_on "$T/pg.conf" p
expect_pam "Authentication failure" "$CODE" p alice authenticate
NEXT=$(totp $SECRET_DEFAULT 1)
expect_pam success "$NEXT" p alice authenticate
expect_pam success "$PASS" p carol authenticate
expect_pam "maximum number of retries" "$(totp $SECRET_DEFAULT)" p dave authenticate
expect_in "$LAST_OUT" "locked for this account until"
pass "on PostgreSQL: the used step stays used, the next one signs in, the pass works, dave stays locked"

"$ADMIN" -c "$T/pg.conf" method add frank app --secret "$SECRET_DEFAULT" --no-verify >/dev/null
id=$(pg_sql "SELECT m.id FROM methods m JOIN users u ON u.id = m.user_id WHERE u.name = 'frank'")
[ "$id" -gt "$SEQ" ] || fail "PostgreSQL handed out method id $id again (the source had used up to $SEQ)"
q=$("$ADMIN" -c "$T/pg.conf" question add "Which street did you grow up in?")
[ "$q" -gt "$Q3" ] || fail "PostgreSQL handed out question id $q again"
uid=$(pg_sql "SELECT id FROM users WHERE name = 'frank'")
[ "$uid" -gt "$(sqlite3 "$DB" "SELECT max(id) FROM users")" ] ||
	fail "PostgreSQL handed out user id $uid again"
pass "PostgreSQL hands out new ids above every id the source used"

before=$(pg_sql "SELECT count(*) FROM users")
copy_to pg
[ "$RC" = 1 ] || fail "a second copy into PostgreSQL should be refused: $RC $OUT"
expect_in "$OUT" "users already"
[ "$(pg_sql "SELECT count(*) FROM users")" = "$before" ] || fail "a refused copy changed PostgreSQL"
OUT=$("$ADMIN" -c "$T/pg.conf" copy --to "$T/pg.conf" 2>&1) && RC=0 || RC=$?
[ "$RC" = 1 ] || fail "a copy from PostgreSQL to itself should be refused: $RC $OUT"
expect_in "$OUT" "nothing was copied"
pass "refused on PostgreSQL: a target with users, a copy to itself"

# A copy failing half-way on PostgreSQL (a conflicting question, after users and methods):
# the transaction is undone there too.
MAIN_DB=$PGDB
pg_newdb
{
	pg_section
	sed -n '/^\[policy\]/,$p' "$CONF"
} > "$T/conflict.conf"
chmod 644 "$T/conflict.conf"
"$ADMIN" -c "$T/conflict.conf" init >/dev/null
"$ADMIN" -c "$T/conflict.conf" question add "What is the target's own question?" >/dev/null
before=$(pg_tables)
copy_to conflict
[ "$RC" = 1 ] || fail "a copy failing half-way on PostgreSQL should exit 1, got $RC: $OUT"
expect_in "$OUT" "copying questions"
expect_in "$OUT" "in the target: ERROR:  duplicate key value"
expect_in "$OUT" "nothing was copied"
[ "$(pg_tables)" = "$before" ] || fail "a copy that failed half-way left rows on PostgreSQL"
[ "$(pg_sql "SELECT count(*) FROM users")" = 0 ] || fail "the conflicting target has users"
PGDB=$MAIN_DB
pass "a copy failing half-way on PostgreSQL leaves the target as it was"

# --- PostgreSQL -> sqlite -------------------------------------------------------------------
target back "$KEY"
"$ADMIN" -c "$T/back.conf" init >/dev/null
OUT=$("$ADMIN" -c "$T/pg.conf" copy --to "$T/back.conf" 2>&1) && RC=0 || RC=$?
[ "$RC" = 0 ] || fail "copy from PostgreSQL to sqlite failed: $OUT"
back_rows() { sqlite_rows "$T/back/secinfo.db" "$1"; }
compare_tables "PostgreSQL -> sqlite" pg_rows back_rows
a=$(pg_rows audit)
b=$(back_rows audit | sed '1d;$d')
[ "$a" = "$b" ] || fail "the audit trail differs after PostgreSQL -> sqlite"
[ "$(sqlite3 "$T/back/secinfo.db" "SELECT seq FROM sqlite_sequence WHERE name = 'methods'")" -ge "$id" ] ||
	fail "the sqlite copy's methods sequence is below PostgreSQL's ids"
sed -i 's/^tries = 3$/tries = 1/' "$T/back.conf"
service_on "$T/back.conf" b
expect_pam "Authentication failure" "$NEXT" b alice authenticate
expect_pam success "$(totp $SECRET_DEFAULT 1)" b frank authenticate
pass "PostgreSQL -> sqlite: every table row for row; the step used on PostgreSQL stays used; frank signs in"

# --- PostgreSQL -> sqlite in one snapshot, however long the target keeps it waiting ------------
# The source is read in one snapshot taken under the write lock (REPEATABLE READ): a
# single-statement write there during the copy (which takes no lock) is not in the copy. And
# it may sit idle in its transaction longer than its idle_in_transaction_session_timeout
# (busy_timeout 1 s plus 2 s) while the target waits (here: another writer holds the target's
# lock for 5 s, and the target's busy_timeout is 10 s): the copy still succeeds.
{
	pg_section
	printf 'busy_timeout = 1s\n'
	sed -n '/^\[policy\]/,$p' "$CONF"
} > "$T/pg1s.conf"
chmod 644 "$T/pg1s.conf"
target late "$KEY"
"$ADMIN" -c "$T/late.conf" init >/dev/null
sed -i 's/^\[database\]$/[database]\nbusy_timeout = 10s/' "$T/late.conf"
before=$(pg_sql "SELECT failures FROM users WHERE name = 'alice'")
rm -f "$T/late.held"
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(5)
c.execute("ROLLBACK")
' "$T/late/secinfo.db" "$T/late.held" &
holder=$!
i=0
while [ ! -e "$T/late.held" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$T/late.held" ] || fail "the target's lock was not taken"
"$ADMIN" -c "$T/pg1s.conf" copy --to "$T/late.conf" > "$T/late.out" 2>&1 &
copier=$!
sleep 1.5
pg_sql "UPDATE users SET failures = failures + 7 WHERE name = 'alice'" >/dev/null
wait "$copier" || fail "a copy from PostgreSQL that waited 5 s on the target failed: $(cat "$T/late.out")"
wait "$holder" || true
[ "$(sqlite3 "$T/late/secinfo.db" "SELECT failures FROM users WHERE name = 'alice'")" = "$before" ] ||
	fail "the copy saw a write made on the source after it began (not one snapshot)"
pg_sql "UPDATE users SET failures = failures - 7 WHERE name = 'alice'" >/dev/null
pass "PostgreSQL -> sqlite: one snapshot of the source (a later write is not in it), and a long wait on the target does not end the source's session"
