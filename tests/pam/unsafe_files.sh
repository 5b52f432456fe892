#!/bin/sh
# Fail closed on any doubt about the configuration, database or key (SPEC §9). Files owned
# by someone else than root: tests/pam/unsafe_owner.sh (it needs root to give them away).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf </dev/null
admin init >/dev/null
enroll_app alice
service s nullok

fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s alice authenticate
pass "baseline: the safe setup signs in"

# The database file's parts are about sqlite's file (on PostgreSQL there is none here;
# tests/pg has the password file's).
if on_sqlite; then
	chmod 666 "$DB"; expect_unavail "world-writable database"
	expect_in "$LAST_OUT" "$DB: writable by group or others"
	pass "the syslog line names the file and the problem"
	chmod 600 "$DB"
	chmod 777 "$T/db"; expect_unavail "world-writable database directory"; chmod 700 "$T/db"
else # PostgreSQL's password file is checked like the key (SPEC 16)
	chmod 640 "$T/pg.secret"; expect_unavail "password file readable by its group"
	expect_in "$LAST_OUT" "$T/pg.secret"
	chmod 600 "$T/pg.secret"
	mv "$T/pg.secret" "$T/pg.real"; ln -s "$T/pg.real" "$T/pg.secret"
	expect_unavail "symlinked password file"
	rm "$T/pg.secret"; mv "$T/pg.real" "$T/pg.secret"
	mv "$T/pg.secret" "$T/pg.real"; expect_unavail "missing password file"
	mv "$T/pg.real" "$T/pg.secret"
fi
chmod 640 "$KEY"; expect_unavail "key readable by its group"; chmod 600 "$KEY"
mv "$KEY" "$KEY.real"; expect_unavail "missing key"
ln -s "$KEY.real" "$KEY"; expect_unavail "symlinked key"; rm "$KEY"; mv "$KEY.real" "$KEY"
head -c 31 /dev/urandom > "$KEY.short"; chmod 600 "$KEY.short"
mv "$KEY" "$KEY.real"; mv "$KEY.short" "$KEY"; expect_unavail "key of the wrong size"
mv "$KEY.real" "$KEY"

if on_sqlite; then
	mv "$DB" "$T/real.db"; ln -s "$T/real.db" "$DB"; expect_unavail "symlinked database"
	rm "$DB"; mv "$T/real.db" "$DB"
	mv "$DB" "$DB.moved"; expect_unavail "missing database"
	: > "$DB"; chmod 600 "$DB"; expect_unavail "empty (truncated) database"
	rm "$DB"; mv "$DB.moved" "$DB"
fi

head -c 32 /dev/urandom > "$T/other.key"; chmod 600 "$T/other.key"
mv "$KEY" "$KEY.real"; mv "$T/other.key" "$KEY"; expect_unavail "a key that does not match the database"
mv "$KEY.real" "$KEY"

chmod 666 "$CONF"; expect_unavail "world-writable configuration"; chmod 644 "$CONF"
mv "$CONF" "$CONF.real"; ln -s "$CONF.real" "$CONF"; expect_unavail "symlinked configuration"
rm "$CONF"
mkfifo -m 644 "$CONF"
start=$(date +%s)
expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
[ $(( $(date +%s) - start )) -lt 5 ] || fail "a FIFO in place of the configuration hangs"
pass "a FIFO in place of the configuration: an error at once, never a hang"
rm "$CONF"; mv "$CONF.real" "$CONF"
echo "[policy]
tries = 0" >> "$CONF"
expect_unavail "invalid configuration value"
expect_in "$LAST_OUT" "tries = '0'"

sed -i '$d' "$CONF"; sed -i '$d' "$CONF"
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT 1)" s alice authenticate
pass "restored setup signs in again (the failures above were the files, not the test)"
