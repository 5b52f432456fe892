#!/bin/sh
# Issue 9: a damaged index must not make an enrolled user "not enrolled". PRAGMA quick_check
# does not compare indexes with their tables, so such a database looks fine while a lookup
# through the index finds nobody: with nullok that would skip the second factor (PAM_IGNORE).
# The module confirms "not enrolled" from the tables themselves and fails closed, and
# secinfo-admin check reports the damage.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need python3 python3
write_conf <<CONF
[policy]
methods = app
CONF
admin init >/dev/null
enroll_app alice
enroll_app bob
# With nullok the module steps aside for users without a method; pam_permit then decides.
cat > "$T/pam.d/lenient" <<SERVICE
auth    required $MODULE config=$CONF nullok
auth    required pam_permit.so
account required $MODULE config=$CONF
account required pam_permit.so
SERVICE
expect_pam success "$(echo)" lenient nobody-enrolled authenticate
expect_in "$LAST_OUT" "result=ignored-not-enrolled"
pass "an unknown user is passed over with nullok (the confirmation finds no row)"

# Damage: alice's entry in the index of user names says "alicf" (the table still says alice),
# and bob's methods are missing from methods_by_user (built without them, then declared whole,
# as a damaged index would be). quick_check finds nothing wrong; integrity_check does.
python3 - "$DB" <<'PY'
import sqlite3, sys
path = sys.argv[1]
db = sqlite3.connect(path, isolation_level=None)
bob = db.execute("SELECT id FROM users WHERE name = 'bob'").fetchone()[0]
full = db.execute("SELECT sql FROM sqlite_master WHERE name = 'methods_by_user'").fetchone()[0]
db.execute("DROP INDEX methods_by_user")
db.execute(full + " WHERE user_id <> %d" % bob)
db.execute("PRAGMA writable_schema = ON")
db.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'methods_by_user'", (full,))
version = db.execute("PRAGMA schema_version").fetchone()[0]
db.execute("PRAGMA schema_version = %d" % (version + 1))
db.execute("PRAGMA writable_schema = OFF")
root = db.execute(
    "SELECT rootpage FROM sqlite_master WHERE name = 'sqlite_autoindex_users_1'").fetchone()[0]
size = db.execute("PRAGMA page_size").fetchone()[0]
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
with open(path, "r+b") as f:
    f.seek((root - 1) * size)
    page = f.read(size)
    assert page.count(b"alice") == 1, "alice's index entry not found"
    f.seek((root - 1) * size)
    f.write(page.replace(b"alice", b"alicf"))
db = sqlite3.connect(path)
quick = db.execute("PRAGMA quick_check").fetchall()
full = db.execute("PRAGMA integrity_check").fetchall()
assert quick == [("ok",)], quick
assert full != [("ok",)], "the damage is not there"
PY
pass "the index damage is in place: quick_check says ok, integrity_check does not"

for who in alice bob; do
	expect_pam "$UNAVAIL" "$(echo 000000)" lenient "$who" authenticate
	expect_not_in "$LAST_OUT" "ignored-not-enrolled"
	expect_in "$LAST_OUT" "the database is damaged: its indexes disagree with its tables about user $who"
	expect_pam "$UNAVAIL" "" lenient "$who" acct_mgmt
	expect_not_in "$LAST_OUT" "ignored-not-enrolled"
	pass "$who, enrolled but missing from a damaged index: PAM_AUTHINFO_UNAVAIL, never PAM_IGNORE"
done

OUT=$(admin check 2>&1) && fail "check passed a damaged database: $OUT"
expect_in "$OUT" "is damaged (integrity_check:"
expect_in "$OUT" "REINDEX"
pass "secinfo-admin check reports the damage and what to do"

# The repair check suggests brings the users back.
python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).execute("REINDEX")' "$DB"
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" lenient alice authenticate
expect_in "$LAST_OUT" "result=failure"
pass "after REINDEX alice is asked for her code again"
