#!/bin/sh
# Files owned by another user than root fail closed (SPEC §9): the configuration, the database,
# its directory and the key. Giving a file away takes root; as an ordinary user this skips,
# and scripts/test.sh runs it as root in the sanitizer stage.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need_root "gives files to another user (chown)"
write_conf </dev/null
admin init >/dev/null
enroll_app alice
service s nullok

fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s alice authenticate
pass "baseline: the root-owned setup signs in"

if on_sqlite; then # sqlite's file (PostgreSQL's password file: tests/pg)
	chown nobody "$DB"; expect_unavail "database not owned by root"
	expect_in "$LAST_OUT" "$DB: not owned by root"
	chown root "$DB"
fi
chown nobody "$KEY"; expect_unavail "key not owned by root"
expect_in "$LAST_OUT" "$KEY: not owned by root"
chown root "$KEY"
if on_sqlite; then
	chown nobody "$T/db"; expect_unavail "database directory not owned by root"
	expect_in "$LAST_OUT" "directory not owned by root"
	chown root "$T/db"
fi
chown nobody "$CONF"; expect_unavail "configuration not owned by root"
expect_in "$LAST_OUT" "$CONF: not owned by root"
chown root "$CONF"

fresh_step
expect_pam success "$(totp $SECRET_DEFAULT 1)" s alice authenticate
pass "given back to root, the same files sign in again"
