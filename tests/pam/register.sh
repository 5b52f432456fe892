#!/bin/sh
# Registration at sign-in (SPEC 13, the argument register): a user with no usable method adds
# an authenticator app inside the conversation, its first code answered from the otpauth://
# URI the module shows (tests/pam/register_drive.py, oathtool).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need python3 python3
write_conf <<CONF
[policy]
methods = app email
tries = 3
max_failures = 2
[email]
smtp_url = smtp://127.0.0.1:25
from = Security info <noreply@example.net>
CONF
admin init >/dev/null
enroll_app alice
service reg register
DRIVE="$top_srcdir/tests/pam/register_drive.py"

# register WANT ANSWERS SERVICE USER: as expect_pam, with the answers of register_drive.py
# ("code", "wrong", "eof", comma-separated); the secret shown lands in $T/secret.USER.
register() {
	want=$1
	answers=$2
	out=$(python3 "$DRIVE" "$T/secret.$4" "$answers" -- env \
		LD_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }libpam_wrapper.so${PAM_EXTRA_PRELOAD:+ $PAM_EXTRA_PRELOAD}" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		PAM_WRAPPER_DEBUGLEVEL=3 $VALGRIND "$PAMDRIVE" -I rhost=203.0.113.9 "$3" "$4" \
		authenticate 2>&1) && got=success || got=failed
	if [ "$want" = success ]; then
		[ "$got" = success ] || fail "expected success for '$3 $4', got: $out"
	else
		[ "$got" = failed ] || fail "expected '$want' for '$3 $4', got success: $out"
		printf '%s\n' "$out" | grep '^pamdrive: [a-z_]*: ' | grep -q -F -- "$want" ||
			fail "expected '$want' for '$3 $4', got: $out"
	fi
	LAST_OUT=$out
}
# json_check USER PYTHON: PYTHON holds for u, the user's 'user show --json'.
json_check() {
	admin user show "$1" --json | python3 -c "import json, sys; u = json.load(sys.stdin); $2" ||
		fail "$1: $2: $(admin user show "$1" --json 2>&1)"
}
prompts() { count "$LAST_OUT" "[prompt] Verification code: "; }

# The QR code's library is loaded when one is drawn, never linked: other sign-ins do not load it.
if objdump -p "$MODULE" | grep NEEDED | grep -q qrencode; then
	fail "the module links libqrencode: every sign-in would load it"
fi
pass "the module does not link libqrencode"

# ---- a user with no method registers an app ----
fresh_step
register success code reg newbie
expect_in "$LAST_OUT" "You have no verification method yet"
expect_in "$LAST_OUT" "█"
expect_in "$LAST_OUT" "URI: otpauth://totp/"
expect_in "$LAST_OUT" "[prompt] Verification code: "
expect_in "$LAST_OUT" "The authenticator app is registered"
expect_in "$LAST_OUT" "user=newbie service=reg rhost=203.0.113.9 method=app result=registered"
expect_not_in "$LAST_OUT" "$(cat "$T/secret.newbie.code")"
expect_not_in "$LAST_OUT" "[33m" # no terminal colours in a PAM message
secret=$(cat "$T/secret.newbie")
json_check newbie 'm = u["methods"]; assert len(m) == 1 and m[0]["kind"] == "app" and u["default"] == m[0]["id"], u'
pass "a user with no method registers an app: QR code, URI, code; PAM_SUCCESS; the app is the default"

admin audit --user newbie --json | python3 -c 'import json, sys; rows = json.load(sys.stdin)
added = [r for r in rows if r["event"] == "method-add"]
auth = [r for r in rows if r["event"] == "auth"]
assert len(added) == 1 and added[0]["actor"] == "pam_secinfo" and added[0]["method"] == "app" \
	and added[0]["service"] == "reg" and added[0]["rhost"] == "203.0.113.9" \
	and added[0]["result"] == "success", added
assert len(auth) == 1 and auth[0]["result"] == "registered" and auth[0]["method"] == "app", auth
' || fail "audit rows of the registration: $(admin audit --user newbie --json)"
pass "audit: method-add with actor pam_secinfo, service and rhost; the decision row 'registered'"

# The next sign-in asks for the app's code; the code that registered it is spent (SPEC 9).
register success "$(cat "$T/secret.newbie.code"),$(totp "$secret" 1)" reg newbie
expect_in "$LAST_OUT" "Wrong code, try again."
expect_not_in "$LAST_OUT" "otpauth://"
[ "$(prompts)" = 2 ] || fail "expected two code prompts: $LAST_OUT"
expect_in "$LAST_OUT" "user=newbie service=reg rhost=203.0.113.9 method=app result=success"
pass "the next sign-in asks for the app's code: the registration's code is refused, the next one accepted"

# No write lock while the code prompt is open: secinfo-admin writes meanwhile, at once.
rm -f "$T/secret.holly.prompt" "$T/secret.holly.go"
register success hold reg holly > "$T/holly.out" 2>&1 &
held=$!
i=0
while [ ! -e "$T/secret.holly.prompt" ]; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "the registration's code prompt did not come"
	sleep 0.1
done
start=$(date +%s)
timeout 10 "$ADMIN" -c "$CONF" method add walter app --no-verify >/dev/null ||
	fail "secinfo-admin could not write while a registration prompt was open"
[ $(($(date +%s) - start)) -le 3 ] || fail "secinfo-admin waited for the registration's prompt"
touch "$T/secret.holly.go"
wait $held || fail "the held registration failed: $(cat "$T/holly.out")"
json_check holly 'assert [m["kind"] for m in u["methods"]] == ["app"], u'
pass "no write lock is held while the registration's prompt is open"

# A method added while the prompt is open ends the registration: the offer was made before
# the prompts, and a second, unproven app must not join a user who has one now.
rm -f "$T/secret.ivan.prompt" "$T/secret.ivan.go"
(register "Authentication failure" hold reg ivan && printf '%s\n' "$LAST_OUT") >"$T/ivan.out" 2>&1 &
held=$!
i=0
while [ ! -e "$T/secret.ivan.prompt" ]; do
	i=$((i + 1))
	[ $i -le 200 ] || fail "the registration's code prompt did not come"
	sleep 0.1
done
"$ADMIN" -c "$CONF" method add ivan app --no-verify >/dev/null ||
	fail "secinfo-admin could not add ivan's app"
touch "$T/secret.ivan.go"
wait $held || fail "the registration should fail once ivan has a method: $(cat "$T/ivan.out")"
expect_in "$(cat "$T/ivan.out")" "result=registration-refused"
json_check ivan 'assert [m["kind"] for m in u["methods"]] == ["app"], u'
pass "a method added while the registration's prompt is open: refused, only that method stored"

# A user who has a second factor of their own that this service or the policy does not accept
# (here: a text message number, sms no longer allowed) is not offered registration: an app
# registered on the strength of the password alone would pass 2FA on every other service.
cp "$CONF" "$T/conf.saved"
{
	sed 's/^methods = app email$/methods = app email sms/' "$T/conf.saved"
	PORT=9 twilio_section sms
} > "$T/conf.sms"
cp "$T/conf.sms" "$CONF"
admin method add sam sms +14255550100 --no-verify >/dev/null || fail "could not give sam an sms method"
cp "$T/conf.saved" "$CONF"
register "Authentication failure" wrong,wrong,wrong reg sam
expect_not_in "$LAST_OUT" "otpauth://"
expect_not_in "$LAST_OUT" "result=registered"
json_check sam 'assert [m["kind"] for m in u["methods"]] == ["sms"], u'
pass "a user with a second factor this service does not accept (sms, now disallowed) is not offered registration"

# ---- wrong codes: [policy] tries, then PAM_AUTH_ERR, nothing stored, nothing counted ----
admin method add erin email erin@example.net --no-verify >/dev/null
register "Authentication failure" wrong,wrong,wrong reg erin
[ "$(prompts)" = 3 ] || fail "expected [policy] tries = 3 code prompts: $LAST_OUT"
expect_in "$LAST_OUT" "URI: otpauth://totp/"
expect_in "$LAST_OUT" "Registration failed"
expect_in "$LAST_OUT" "result=registration-failed"
first=$(cat "$T/secret.erin")
json_check erin 'assert [m["kind"] for m in u["methods"]] == ["email"] and u["locked_until"] is None, u'
pass "three wrong codes: PAM_AUTH_ERR, no app stored, no lockout (max_failures = 2 not reached)"

# Wrong, then right: the same secret all along.
fresh_step
register success wrong,code reg erin
[ "$(cat "$T/secret.erin")" != "$first" ] || fail "a new sign-in should show a new secret"
[ "$(count "$LAST_OUT" "otpauth://")" = 1 ] || fail "the secret should be shown once: $LAST_OUT"
expect_in "$LAST_OUT" "attempt 2 of 3"
json_check erin 'k = {m["id"]: m["kind"] for m in u["methods"]}; assert sorted(k.values()) == ["app", "email"] and k[u["default"]] == "app", u'
pass "a wrong code, then the right one for the same secret: registered, the app is the default"

# ---- no answer: fails, with and without nullok ----
cat > "$T/pam.d/regnull" <<SERVICE
auth required $MODULE config=$CONF register nullok
auth required pam_permit.so
SERVICE
register "Authentication failure" eof reg quiet
expect_in "$LAST_OUT" "URI: otpauth://totp/"
register "Authentication failure" eof regnull quiet
register "Authentication failure" wrong,eof regnull quiet
expect_not_in "$LAST_OUT" "ignored-not-enrolled"
admin user show quiet --json >/dev/null 2>&1 &&
	json_check quiet 'assert u["methods"] == [], u'
pass "a NULL reply fails (PAM_AUTH_ERR), also with nullok: registration once offered is not skipped"

# ---- users not offered registration behave as without register ----
sed -i '/^\[policy\]/i [registration]\nusers = newbie, @helpdesk' "$CONF"
register "Authentication failure" wrong,wrong,wrong reg zed
expect_not_in "$LAST_OUT" "otpauth://"
expect_not_in "$LAST_OUT" "no verification method"
expect_in "$LAST_OUT" "result=not-enrolled"
register success "" regnull zed
expect_in "$LAST_OUT" "result=ignored-not-enrolled"
pass "a user not in [registration] users: the decoy without nullok, PAM_IGNORE with it"

# @group: real groups through nss_wrapper (a group counts its primary and supplementary members).
if case $(LD_PRELOAD=libnss_wrapper.so sh -c : 2>&1) in *libnss_wrapper*) false ;; *) true ;; esac; then
	printf 'gina:x:1001:2001::/home/gina:/bin/sh\nhal:x:1002:2002::/home/hal:/bin/sh\nivy:x:1003:2002::/home/ivy:/bin/sh\n' \
		> "$T/passwd"
	printf 'helpdesk:x:2001:hal\nusers:x:2002:\n' > "$T/group"
	export NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group" NSS_WRAPPER_DISABLE_DEEPBIND=1
	PAM_EXTRA_PRELOAD=libnss_wrapper.so
	fresh_step
	register success code reg gina
	expect_in "$LAST_OUT" "result=registered"
	fresh_step
	register success code reg hal
	expect_in "$LAST_OUT" "result=registered"
	register "Authentication failure" wrong,wrong,wrong reg ivy
	expect_not_in "$LAST_OUT" "otpauth://"
	PAM_EXTRA_PRELOAD=
	pass "@helpdesk: offered to its primary (gina) and supplementary (hal) members, not to ivy"
else
	echo "# libnss_wrapper.so is not installed: the @group cases are left out"
fi

# ---- a temporary access pass, then registration (SPEC 13, 14) ----
PASS_RE='[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}'
sed -i 's/^users = .*/users = */' "$CONF"
# first_method = password: a user whose only method is a pass signs in with it and then
# registers an app (the pass stands in for no method of their own).
tpass=$(admin tap issue paula 2>/dev/null | grep -o -E "$PASS_RE" | head -n 1)
[ -n "$tpass" ] || fail "tap issue printed no pass"
register success "$tpass,code" reg paula
expect_in "$LAST_OUT" "[prompt] Temporary access pass: "
expect_in "$LAST_OUT" "Your temporary access pass is accepted"
expect_in "$LAST_OUT" "otpauth://"
expect_in "$LAST_OUT" "result=registered"
json_check paula 'assert [m["kind"] for m in u["methods"]] == ["app"] and u["default"] == u["methods"][0]["id"], u'
pass "a pass, then registration: the app is stored as the default and the pass is spent"

# A user who has a method of their own and a pass: the pass signs in, nothing more.
admin method add quentin app --no-verify >/dev/null
qpass=$(admin tap issue quentin 2>/dev/null | grep -o -E "$PASS_RE" | head -n 1)
register success "$qpass" reg quentin
expect_not_in "$LAST_OUT" "otpauth://"
json_check quentin 'assert [m["kind"] for m in u["methods"]] == ["app"], u'
pass "a pass standing in for a user's own method: signed in, no registration offered"

# first_method = tap: without a pass, registration is refused with what to do.
sed -i '/^\[registration\]/a first_method = tap' "$CONF"
register "Authentication failure" code reg tapuser
expect_in "$LAST_OUT" "ask your helpdesk for a temporary access pass"
expect_in "$LAST_OUT" "result=registration-refused"
expect_not_in "$LAST_OUT" "otpauth://"
if admin user show tapuser --json >/dev/null 2>&1; then
	json_check tapuser 'assert u["methods"] == [], u'
fi
pass "first_method = tap without a pass: refused with what to do, nothing stored"

# first_method = tap with a pass: the pass, then the app; wrong codes after the pass store
# nothing (the pass is spent: the helpdesk issues another).
tpass=$(admin tap issue tapuser 2>/dev/null | grep -o -E "$PASS_RE" | head -n 1)
register "Authentication failure" "$tpass,wrong,wrong,wrong" reg tapuser
expect_in "$LAST_OUT" "result=registration-failed"
json_check tapuser 'assert u["methods"] == [], u'
tpass=$(admin tap issue tapuser 2>/dev/null | grep -o -E "$PASS_RE" | head -n 1)
register success "$(printf '%s' "$tpass" | tr -d - | tr 'A-Z' 'a-z'),code" reg tapuser
expect_in "$LAST_OUT" "result=registered"
json_check tapuser 'assert [m["kind"] for m in u["methods"]] == ["app"], u'
admin audit --user tapuser --json | python3 -c 'import json, sys; rows = json.load(sys.stdin)
ev = [(r["event"], r["method"], r["result"], r["actor"]) for r in rows if r["event"] != "tap-issue"]
assert ("method-add", "app", "success", "pam_secinfo") in ev, ev
assert [r["result"] for r in rows if r["event"] == "auth"][-1] == "registered", ev
' || fail "audit rows of the registration after a pass: $(admin audit --user tapuser --json)"
pass "first_method = tap: the pass first, then the app; wrong codes after it store nothing"

# ---- register with purpose=reset: a configuration error, fail closed ----
service regreset purpose=reset register nullok
expect_pam "$UNAVAIL" "$(echo 000000)" regreset alice authenticate
expect_in "$LAST_OUT" "'register' is only for purpose=2fa"
expect_pam "$UNAVAIL" "$(echo 000000)" regreset nobody authenticate
pass "register with purpose=reset fails closed (PAM_AUTHINFO_UNAVAIL) and says why in syslog"
