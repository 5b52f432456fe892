#!/bin/sh
# Sign-in with the authenticator app through the real module under
# pam_wrapper, driven by libpamtest and by pamtester (SPEC §4.2).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need pamtester pamtester
write_conf </dev/null
admin init >/dev/null
enroll_app alice
service login-2fa

fresh_step
code=$(totp $SECRET_DEFAULT)
expect_pam success "$(echo "$code")" login-2fa alice authenticate
expect_in "$LAST_OUT" "Verification code: "
expect_in "$LAST_OUT" "user=alice service=login-2fa rhost=203.0.113.9 method=app result=success"
expect_not_in "$LAST_OUT" "$code"
pass "right code accepted; one syslog line with user, service, rhost, method, result; no code logged"

# pamtester, the stock client, with a single answer (its misc_conv reads a pipe in one go).
enroll_app paula
fresh_step
out=$(totp $SECRET_DEFAULT | $WRAPPED pamtester login-2fa paula authenticate 2>&1) ||
	fail "pamtester sign-in failed: $out"
expect_in "$out" "successfully authenticated"
pass "pamtester signs in with the code"

json=$(admin user show alice --json)
python3 -c 'import json,sys; u=json.loads(sys.argv[1]); m=u["methods"][0];
assert m["last_used"] is not None, "last_used not recorded"' "$json" || fail "last use not recorded: $json"
pass "success records the method's last use"

audit=$(admin audit --user alice --json)
python3 -c 'import json,sys; rows=json.loads(sys.argv[1]); r=[x for x in rows if x["event"]=="auth"]
assert r and r[-1]["result"]=="success" and r[-1]["method"]=="app" and r[-1]["service"]=="login-2fa" \
   and r[-1]["rhost"]=="203.0.113.9", rows' "$audit" || fail "audit row missing: $audit"
pass "an audit row records the decision"

# wrong, then right: still one pam_authenticate
fresh_step
code=$(totp $SECRET_DEFAULT 1)
expect_pam success "$(printf '000000\n%s\n' "$code")" login-2fa alice authenticate
expect_in "$LAST_OUT" "Wrong code, try again."
pass "wrong then right succeeds within [policy] tries"

expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" login-2fa alice authenticate
expect_in "$LAST_OUT" "result=failure"
pass "three wrong codes: PAM_AUTH_ERR"

# The deciding try writes the decision's row in its own transaction: one auth row per sign-in
# (wrong answers have rows of their own, tests/pam/audit_events.sh), none twice.
audit=$(admin audit --user alice --json)
python3 -c 'import json,sys; rows=json.loads(sys.argv[1]); r=[x["result"] for x in rows if x["event"]=="auth"]
assert r == ["success", "success", "failure"], r' "$audit" ||
	fail "expected exactly one audit row per sign-in: $audit"
pass "one audit row per decision, written with the deciding try"

expect_pam "Authentication failure" "$(printf '12345\n\nabcdef')" login-2fa alice authenticate
pass "short, non-numeric and empty answers are wrong codes"

# The default method not usable in this service: the next usable one is used.
cat >> "$CONF" <<CONF
[policy]
methods = app sms
[sms]
provider = http
url = http://127.0.0.1:9/send
CONF
admin method add bob sms +14255550000 --no-verify >/dev/null
enroll_app bob
admin user show bob --json | python3 -c 'import json,sys; u=json.load(sys.stdin);
k={m["id"]:m["kind"] for m in u["methods"]}; assert k[u["default"]]=="sms", u' \
	|| fail "bob's default should be the sms added first"
# This service accepts only the app (methods=): bob's default text message is passed over.
service app-only methods=app
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" app-only bob authenticate
expect_in "$LAST_OUT" "method=app result=success"
expect_not_in "$LAST_OUT" "text message"
pass "a default excluded by methods= falls back to the next usable method (app)"

# The organisation stops allowing text messages: the same fallback everywhere.
sed -i 's/^methods = app sms$/methods = app/' "$CONF"
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT 1)" login-2fa bob authenticate
expect_in "$LAST_OUT" "method=app result=success"
pass "a default of a kind the policy disallows falls back to the next usable method (app)"
