#!/bin/sh
# The audit trail: values stored as they are and escaped only when printed (table and JSON);
# a row that cannot be written is logged loudly, naming what was lost; check reports a
# database without the audit table (issue 9).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"

write_conf <<'CONF'
[policy]
methods = app
tries = 1
CONF
admin init >/dev/null
enroll_app alice
service s

# A remote host with a space, '=', a quote, a backslash and an escape character: PAM items
# are untrusted, and the trail keeps them exactly.
RHOST=$(printf 'evil host=x "q" \\ \033[31mred')
pam_rhost() {
	LD_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }libpam_wrapper.so" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		PAM_WRAPPER_DEBUGLEVEL=3 "$PAMDRIVE" -I "rhost=$RHOST" "$@"
}
fresh_step
out=$(totp "$SECRET_DEFAULT" | pam_rhost s alice authenticate 2>&1) || fail "sign-in failed: $out"
stored=$(sqlite3 "$DB" "SELECT hex(rhost) FROM audit WHERE user = 'alice' AND event = 'auth' AND result = 'success'")
want=$(printf '%s' "$RHOST" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)
[ "$stored" = "$want" ] || fail "the audit row holds rhost $stored, expected the value as it is: $want"
admin audit --user alice --json | RHOST=$RHOST python3 -c 'import json, os, sys
d = [e for e in json.load(sys.stdin) if e["event"] == "auth"]
assert len(d) == 1, d
assert d[0]["rhost"] == os.environ["RHOST"], repr(d[0]["rhost"])
assert d[0]["service"] == "s" and d[0]["user"] == "alice", d[0]' ||
	fail "audit --json does not give the remote host as it is"
json=$(admin audit --user alice --json)
expect_in "$json" '\u001b[31mred'
expect_not_in "$json" "$(printf '\033')"
table=$(admin audit --user alice)
expect_in "$table" 'evil host=x "q" \x5c \x1b[31mred'
expect_not_in "$table" "$(printf '\033')"
pass "the audit trail stores the remote host as it is; audit escapes it in the table and JSON"

# An audit row that cannot be written: the decision is logged loudly (LOG_CRIT for a success,
# pam_wrapper shows the priority), naming the row that was lost.
sqlite3 "$DB" "CREATE TRIGGER no_audit BEFORE INSERT ON audit BEGIN
	SELECT RAISE(ABORT, 'the disk is full'); END;"
fresh_step
out=$(totp "$SECRET_DEFAULT" 1 | pam s alice authenticate 2>&1) && fail "a sign-in whose success could not be audited succeeded: $out"
expect_in "$out" "AUDIT TRAIL NOT WRITTEN: lost the row"
expect_in "$out" "event=auth user=alice service=s rhost=203.0.113.9 method=app result=success; the verification succeeded but is refused"
printf '%s\n' "$out" | grep "AUDIT TRAIL NOT WRITTEN" | grep "result=success" | grep -q -F "SYSLOG(2)" ||
	fail "the lost success is not logged at LOG_CRIT: $(printf '%s\n' "$out" | grep AUDIT)"
out=$(pam s alice acct_mgmt 2>&1) || fail "account failed: $out"
expect_in "$out" "AUDIT TRAIL NOT WRITTEN: lost the row"
expect_in "$out" "event=account user=alice service=s rhost=203.0.113.9 method=- result=success"
sqlite3 "$DB" "DROP TRIGGER no_audit"
pass "an audit row that cannot be written is logged loudly with what it held"

# check reports a database without the audit table.
admin check >/dev/null || fail "check fails before the audit table is dropped"
sqlite3 "$DB" "DROP TABLE audit"
rc=0
out=$(admin check 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "check with no audit table: exit $rc, expected 1: $out"
expect_in "$out" "the audit table is missing or damaged"
pass "check reports a database without the audit table"
