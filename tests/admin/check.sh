#!/bin/sh
# secinfo-admin check: every problem of the configuration (with file:line), the key, the
# database and their permissions; exit 1 on any error, 0 with warnings only.
. "$top_srcdir/tests/lib.sh"


# check_status STATUS: runs check, fails unless it exits STATUS; output in $out.
check_status() {
	rc=0
	out=$(admin check 2>&1) || rc=$?
	[ "$rc" = "$1" ] || fail "check exited $rc, expected $1:
$out"
}
says() {
	case $out in *"$1"*) ;; *) fail "expected '$1' in the output of check:
$out" ;; esac
}
says_not() {
	case $out in *"$1"*) fail "did not expect '$1' in the output of check:
$out" ;; esac
}
# line PATTERN: the line number of the first line of the configuration matching PATTERN.
line() { grep -n -- "$1" "$CONF" | head -n 1 | cut -d: -f1; }

write_conf </dev/null
admin init >/dev/null
check_status 0
says "configuration, key and database are fine"
says_not "warning:"
pass "a good configuration, key and database pass"

# Every problem, each with file:line, in one run.
write_conf <<'EOF'
[policy]
tries = 3
colour = blue
[app]
digits = 9
[nosuch]
key = value
EOF
check_status 1
says "error: $CONF:$(line '^colour'): unknown key 'colour' in [policy]"
says "error: $CONF:$(line '^digits'): [app] digits = '9'"
says "error: $CONF:$(line '^\[nosuch'): unknown section [nosuch]"
says "secinfo-admin: 3 errors in the configuration"
pass "check reports every configuration error with file:line and exits 1"

# Warnings alone do not fail: a key the chosen provider does not use, and plain HTTP to a host
# that is not loopback.
write_conf <<'EOF'
[policy]
methods = app sms
[sms]
provider = http
url = http://sms.example.net/send
account_sid = AC123
EOF
check_status 0
says "warning: $CONF: [sms] account_sid is not used by provider = http"
says "warning: $CONF: [sms] url sends codes unencrypted"
says "configuration, key and database are fine"
says "2 warnings"
says_not "error:"
pass "warnings alone exit 0"

write_conf </dev/null
chmod 640 "$KEY"
check_status 1
says "error: $KEY: readable by group or others"
chmod 600 "$KEY"
head -c 16 /dev/urandom > "$T/short.key" && chmod 600 "$T/short.key"
mv "$KEY" "$T/good.key" && mv "$T/short.key" "$KEY"
check_status 1
says "error: $KEY: key file must hold exactly 32 bytes"
mv "$T/good.key" "$KEY"
check_status 0
pass "an unsafe or malformed key is an error"

chmod 666 "$CONF"
check_status 1
says "error: $CONF: writable by group or others"
chmod 644 "$CONF"
chmod 770 "$T/db"
check_status 1
says "error: $T/db: directory writable by group or others"
chmod 700 "$T/db"
chmod 664 "$DB"
check_status 1
says "error: $DB: writable by group or others"
chmod 644 "$DB"
check_status 0
says "warning: $DB: readable by group or others"
chmod 600 "$DB"
mv "$DB" "$T/db/real.db"
ln -s "$T/db/real.db" "$DB"
check_status 1
says "error: $DB: is a symbolic link"
rm "$DB"
check_status 1
says "error: $DB: the database is missing; 'secinfo-admin init' creates it"
mv "$T/db/real.db" "$DB"
check_status 0
pass "unsafe, symlinked and missing database files are errors"

# A key that is not the database's: the key check stored at init refuses it.
enroll_app alice
check_status 0
says "(1 user"
mv "$KEY" "$T/good.key"
rc=0
out=$(admin init 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "init without the key of an existing database: exit $rc, expected 1: $out"
expect_in "$out" "exists but its key $KEY is missing"
[ ! -e "$KEY" ] || fail "init made a new key for an existing database"
head -c 32 /dev/urandom > "$KEY" && chmod 600 "$KEY"
check_status 1
says "this key does not match the database"
mv "$T/good.key" "$KEY"
check_status 0
pass "a key that does not decrypt the database is an error"

# A kind the policy stopped allowing: the methods stay, and check says they are not offered.
write_conf <<'EOF'
[policy]
methods = key
EOF
check_status 0
says "warning: 1 app method is registered, but [policy] methods does not allow app"
says_not "does not implement"
pass "registered methods of a disallowed kind are a warning; key is implemented"
