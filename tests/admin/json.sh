#!/bin/sh
# secinfo-admin --json: the exact shapes of SPEC §7 for user show, user list and audit, the
# policy-dependent usable_for, ISO-8601 times, and string escaping.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
command -v python3 >/dev/null || skip "python3 is not installed"
command -v sqlite3 >/dev/null || skip "sqlite3 is not installed"


# check PYTHON: runs the Python assertions with d = the JSON on stdin and the helpers below.
check() {
	python3 -c 'import json, re, sys
text = sys.stdin.read()
try:
    d = json.loads(text)
except ValueError as e:
    sys.exit("not JSON (%s): %r" % (e, text))
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
def iso(v): return isinstance(v, str) and ISO.match(v) is not None
HOST = __import__("socket").gethostname()
def keys(o, *k):
    assert isinstance(o, dict) and sorted(o) == sorted(k), "keys %r, expected %r" % (o, k)
try:
    exec(sys.argv[1])
except AssertionError as e:
    sys.exit("assertion failed: %s\nin: %s\non: %s" % (e, sys.argv[1].strip(), text))' "$1" ||
		fail "JSON check failed"
}

policy_conf() {
	write_conf <<EOF
[policy]
methods = $1
[sms]
provider = http
url = http://127.0.0.1:9/sms
[email]
smtp_url = smtp://127.0.0.1:25
from = secinfo@example.net
# No notices: their notify rows would be in the audit trail checked below (tests/pam/notify.sh).
[notify]
events =
EOF
}

policy_conf "app key sms email"
admin init >/dev/null

admin user list --json | check 'assert d == []'
admin audit --user alice --json | check 'assert d == []'
pass "empty lists are []"

SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
enroll_app alice "$SECRET"
admin method add alice sms +14255551234 --no-verify >/dev/null
admin method add alice email alice@example.net --no-verify >/dev/null
admin method add frank email frank@example.net --no-verify >/dev/null

admin user show alice --json | check '
keys(d, "user", "locked_until", "default", "methods")
assert d["user"] == "alice" and d["locked_until"] is None
assert [m["kind"] for m in d["methods"]] == ["app", "sms", "email"]
for m in d["methods"]:
    keys(m, "id", "kind", "detail", "usable_for", "created", "last_used")
    assert type(m["id"]) is int and iso(m["created"]) and m["last_used"] is None, m
app, sms, email = d["methods"]
assert d["default"] == app["id"] and type(d["default"]) is int
assert app["detail"] == "" and app["usable_for"] == ["2fa", "reset"]
assert sms["detail"] == "+14255551234" and sms["usable_for"] == ["2fa", "reset"]
assert email["detail"] == "alice@example.net" and email["usable_for"] == ["reset"]
'
admin user show frank --json | check '
keys(d, "user", "locked_until", "default", "methods")
assert d["default"] is None and d["methods"][0]["usable_for"] == ["reset"]
'
pass "user show --json has exactly the keys and values of SPEC §7"

# A real sign-in sets last_used.
service signin
fresh_step
expect_pam success "$(totp "$SECRET")" signin alice authenticate
admin user show alice --json | check '
assert iso(d["methods"][0]["last_used"]) and d["methods"][1]["last_used"] is None
'
pass "last_used is an ISO-8601 time after a sign-in"

# usable_for follows the current policy; the methods stay registered.
policy_conf "app key email"
admin user show alice --json | check '
assert [m["usable_for"] for m in d["methods"]] == [["2fa", "reset"], [], ["reset"]]
assert d["methods"][1]["detail"] == "+14255551234"
'
policy_conf "app key sms email"
pass "usable_for is empty for a kind the policy disallows"

sqlite3 "$DB" "UPDATE users SET locked_until = strftime('%s', 'now') + 600 WHERE name = 'frank';
	UPDATE users SET locked_until = strftime('%s', 'now') - 600 WHERE name = 'alice'"
admin user list --json | check '
assert isinstance(d, list) and [u["user"] for u in d] == ["alice", "frank"]
for u in d:
    keys(u, "user", "methods", "default", "locked_until")
alice, frank = d
assert alice["methods"] == 3 and alice["default"] == "app" and alice["locked_until"] is None
assert frank["methods"] == 1 and frank["default"] is None and iso(frank["locked_until"])
'
admin user show frank --json | check 'assert iso(d["locked_until"])'
pass "user list --json has exactly the keys of SPEC §7; a past lock is null"

admin audit --json | check '
assert isinstance(d, list) and len(d) >= 5
for e in d:
    keys(e, "time", "user", "service", "rhost", "method", "event", "result", "actor", "host")
    assert iso(e["time"]) and all(isinstance(e[k], str) for k in e), e
adds = [(e["user"], e["method"]) for e in d if e["event"] == "method-add"]
assert adds == [("alice", "app"), ("alice", "sms"), ("alice", "email"), ("frank", "email")], adds
assert all(e["service"] == "secinfo-admin" and e["result"] == "success" and
           e["actor"] == "root" and e["host"] == HOST for e in d
           if e["event"] == "method-add")
assert any(e["user"] == "alice" and e["service"] == "signin" and e["method"] == "app" and
           e["result"] == "success" and e["actor"] == "alice" for e in d), \
    "no audit row for the sign-in, with the user as its actor"
'
admin audit --user frank --json | check '
assert len(d) == 1 and d[0]["user"] == "frank" and d[0]["event"] == "method-add"
'
admin audit --since 2099-01-01 --json | check 'assert d == []'
admin audit --since 2099-01-01T00:00:00Z --json | check 'assert d == []'
admin audit --since 2020-01-01T00:00:00Z --json | check 'assert len(d) >= 5'
admin audit --since 1h --user alice --json | check 'assert len(d) >= 4'
sqlite3 "$DB" "INSERT INTO audit (time, user, event, result)
	VALUES (strftime('%s', 'now') - 7200, 'alice', 'old', 'success')"
admin audit --since 1h --user alice --json | check 'assert "old" not in [e["event"] for e in d]'
admin audit --since 3h --user alice --json | check 'assert "old" in [e["event"] for e in d]'
pass "audit --json has exactly the keys of SPEC §7; --user and --since filter"

# Escaping: quotes, backslashes, control characters, UTF-8 and invalid UTF-8.
sqlite3 "$DB" "INSERT INTO audit (time, user, rhost, event, result) VALUES (1, 'o\"brien\\x',
	CAST(X'612209' || X'0a5c01' || X'7fc3a9ff' || X'7a' AS TEXT), 'odd', 'success')"
admin audit --user 'o"brien\x' --json | check '
assert len(d) == 1 and d[0]["user"] == "o\"brien\\x", d
assert d[0]["rhost"] == "a\"\t\n\\\x01\x7f\u00e9\ufffdz", repr(d[0]["rhost"])
assert d[0]["time"] == "1970-01-01T00:00:01Z"
'
admin audit --user 'o"brien\x' --json | grep -q '\\u0001' || fail "control character not written as \\u00XX"
admin method add 'we"ird\name' app --no-verify >/dev/null
admin user show 'we"ird\name' --json | check 'assert d["user"] == "we\"ird\\name"'
pass "JSON strings are escaped"

# The human audit table shows times as people write them (no \x20 from log escaping).
out=$(admin audit 2>&1) || fail "audit failed: $out"
case $out in *'\x20'*) fail "the audit table shows escaped spaces: $out" ;; esac
case $out in *" UTC "*) ;; *) fail "the audit table has no readable time: $out" ;; esac
pass "the human audit table is readable (spaces are not escaped)"

