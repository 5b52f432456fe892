#!/bin/sh
# The PostgreSQL backend (SPEC 16, issue 12 item 1): init (twice: idempotent) and check; a
# sign-in through the module against the server; a TOTP step accepted once; libpq takes
# nothing from the environment; a dead, closed or silent server fails closed in bounded time;
# a statement that waits on a lock longer than busy_timeout fails closed; a wrong CA fails;
# sslmode = disable with a host that is not on loopback is a configuration error.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
need_pamdrive
pg_newdb
pg_conf <<CONF
[policy]
tries = 1
CONF

# ---- init and check ---------------------------------------------------------------------------
out=$(admin init 2>&1) || fail "init: $out"
expect_in "$out" "created key $KEY"
expect_in "$out" "created the schema (version 1) in database $PGDB on 127.0.0.1"
[ "$(pg_sql 'SELECT version FROM secinfo_schema')" = 1 ] || fail "no schema version row"
tables=$(pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
out=$(admin init 2>&1) || fail "init again: $out"
expect_in "$out" "nothing to do: the database $PGDB on 127.0.0.1 holds the schema (version 1)"
[ "$(pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = "$tables" ] ||
	fail "init again changed the tables"
[ "$(pg_sql "SELECT count(*) FROM audit WHERE event = 'init'")" = 1 ] ||
	fail "init again wrote another init row"
pass "init creates the schema once; again it changes nothing and says so"

out=$(admin check 2>&1) || fail "check: $out"
expect_in "$out" "database $PGDB on 127.0.0.1 (PostgreSQL, port $SECINFO_TEST_PG_PORT, sslmode verify-full): reached; schema version 1; the key $KEY matches the database"
expect_in "$out" "configuration, key and database are fine"
# another key: check says it does not match
cp "$KEY" "$T/key.saved"
head -c 32 /dev/urandom > "$KEY"
out=$(admin check 2>&1) && fail "check passed with another key: $out"
expect_in "$out" "this key does not match the database"
cp "$T/key.saved" "$KEY"
pass "check names the host reached, the schema version and the key check (and a wrong key fails)"

# ---- a sign-in through the module ------------------------------------------------------------
enroll_app alice
service s
service s2
fresh_step
code=$(totp $SECRET_DEFAULT)
start=$(date +%s%N)
expect_pam success "$(echo "$code")" s alice authenticate
end=$(date +%s%N)
echo "# a right-code sign-in against PostgreSQL took $(((end - start) / 1000000)) ms (pamdrive process included)"
expect_pam "Authentication failure" "$(echo "$code")" s alice authenticate
expect_pam "Authentication failure" "$(echo "$code")" s2 alice authenticate
[ "$(pg_sql "SELECT count(*) FROM audit WHERE \"user\" = 'alice' AND result = 'success'")" -ge 1 ] ||
	fail "no successful audit row for alice"
[ "$(pg_sql "SELECT host FROM audit WHERE \"user\" = 'alice' ORDER BY id DESC LIMIT 1")" = "$(hostname)" ] ||
	fail "the audit row does not name this host"
pass "a sign-in against PostgreSQL; the same TOTP step is refused again, in any service; the audit row names the host"
