#!/bin/sh
# Notifications (SPEC 15): secinfo-admin method add, delete and default, a reset verification
# and a lockout send a short notice to the user's email addresses (or their first sms method),
# caught here by the loopback mail server and gateway; [notify] events chooses which; a notice
# that cannot be sent never blocks the change and is audited (notify/failure).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need_smtp

start_gateway gw
GW_LOG=$LOG
GW_PORT=$PORT
start_smtp mail
MAIL_LOG=$LOG
MAIL_PORT=$PORT
HOST=$(hostname)

# conf EVENTS-LINE [SMTP-PORT]: the configuration; EVENTS-LINE is the whole [notify] section
# ("" for none: every event).
conf() {
	write_conf <<CONF
[policy]
methods = app sms email
tries = 3
max_failures = 4
lockout = 10m
[email]
smtp_url = smtp://127.0.0.1:${2:-$MAIL_PORT}
starttls = off
from = Security info <noreply@example.org>
timeout = 5s
$(PORT=$GW_PORT twilio_section sms)
$1
CONF
}
conf ""
admin init >/dev/null

mails() { wc -l < "$MAIL_LOG" | tr -d ' '; }
texts() { wc -l < "$GW_LOG" | tr -d ' '; }
# expect_mail EXPR WANT: the Python expression on the last mail (e its log entry, m the
# message, body its text) prints WANT.
expect_mail() {
	got=$("$SMTP_PYTHON" -c 'import email, email.policy, json, sys
e = [json.loads(line) for line in open(sys.argv[1])][-1]
m = email.message_from_bytes(e["data"].encode(), policy=email.policy.default)
body = m.get_content()
print(eval(sys.argv[2]))' "$MAIL_LOG" "$1") || fail "cannot evaluate $1 on $(tail -n 1 "$MAIL_LOG")"
	[ "$got" = "$2" ] || fail "mail: $1 is '$got', expected '$2' (message: $(tail -n 1 "$MAIL_LOG"))"
}
# expect_notice [-u USER] SUBJECT WHAT SERVICE: the last mail is a notice to USER (alice) at
# USER@example.net.
expect_notice() {
	who=alice
	if [ "$1" = -u ]; then
		who=$2
		shift 2
	fi
	expect_mail "e['rcpt_tos']" "['$who@example.net']"
	expect_mail "str(m['To'])" "$who@example.net"
	expect_mail "str(m['Subject'])" "$1"
	expect_mail "'Hello $who,' in body" True
	expect_mail "'$2' in body" True
	expect_mail "'Host: $HOST' in body" True
	expect_mail "'Service: $3' in body" True
	expect_mail "'When: ' in body and ' UTC' in body" True
	expect_mail "'If this was not you, contact your administrator.' in body" True
	expect_mail "'$SECRET_DEFAULT' not in e['data'] and 'code is' not in body" True
}
# audit_rows USER EVENT: "method:result" of USER's audit rows of EVENT, in order.
audit_rows() {
	admin audit --user "$1" --json | python3 -c 'import json, sys
print(" ".join("%s:%s:%s" % (r["method"], r["result"], r["actor"]) for r in json.load(sys.stdin) if r["event"] == sys.argv[1]))' "$2"
}

# method add: the new email address gets the notice, masked in the text.
before=$(mails)
admin method add alice email alice@example.net --no-verify >/dev/null
[ "$(mails)" = $((before + 1)) ] || fail "method add email: expected one notice, got $(($(mails) - before))"
expect_notice "Security info changed" \
	"A sign-in method was added to your security info: email to a***@example.net." secinfo-admin
# An app added with a known secret: the notice names it, never the secret.
admin method add alice app --secret "$SECRET_DEFAULT" --no-verify >/dev/null
[ "$(mails)" = $((before + 2)) ] || fail "method add app: no notice"
expect_notice "Security info changed" "A sign-in method was added to your security info: authenticator app #" secinfo-admin
[ "$(audit_rows alice notify)" = "email:success:root email:success:root" ] ||
	fail "notify audit rows: $(audit_rows alice notify)"
pass "method add: a notice to the user's email (To, Subject, what, when, host, service, 'not you'), no secret; audited notify/success by root"

# method default (explicit): default-changed; the automatic default of the first app was not.
admin method add alice sms +14255551234 --no-verify >/dev/null
before=$(mails)
admin method default alice sms >/dev/null
[ "$(mails)" = $((before + 1)) ] || fail "method default: expected one notice"
expect_notice "Security info changed" \
	"Your default sign-in method was changed to text message to +1 XXXXXXXX34." secinfo-admin
expect_mail "'+14255551234' not in e['data']" True
pass "method default: default-changed, the number masked"

# method delete: method-deleted; a deleted address is told too (the user as before).
admin method add alice email alice2@example.net --no-verify >/dev/null
before=$(mails)
admin method delete alice sms --yes >/dev/null
[ "$(mails)" = $((before + 2)) ] || fail "method delete: expected a notice to each of two addresses"
expect_mail "e['rcpt_tos']" "['alice2@example.net']"
expect_mail "'A sign-in method was removed from your security info: text message to +1 XXXXXXXX34.' in body" True
before=$(mails)
id=$(admin user show alice --json | python3 -c 'import json, sys
print([m["id"] for m in json.load(sys.stdin)["methods"] if m["detail"] == "alice2@example.net"][0])')
admin method delete alice "$id" --yes >/dev/null
[ "$(mails)" = $((before + 2)) ] || fail "deleting an address: expected notices to both addresses"
expect_mail "e['rcpt_tos']" "['alice2@example.net']"
expect_mail "'removed from your security info: email to a***@example.net.' in body" True
pass "method delete: method-deleted to each address, the deleted one included"

# tap issue: a pass is a way in; the user is told as of any method added (never the pass).
before=$(mails)
issued=$(admin tap issue alice 2>&1) || fail "tap issue: $issued"
[ "$(mails)" = $((before + 1)) ] || fail "tap issue: expected one notice, got $(($(mails) - before))"
expect_notice "Security info changed" "A sign-in method was added to your security info: temporary access pass" secinfo-admin
tap=$(printf '%s\n' "$issued" | grep -o -E '[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}' | head -n 1)
[ -n "$tap" ] || fail "tap issue printed no pass: $issued"
expect_mail "'$tap' not in e['data'] and '$(printf '%s' "$tap" | tr -d -)' not in e['data']" True
admin tap revoke alice >/dev/null
pass "tap issue: the user is told a temporary access pass was added; the notice never holds the pass"

# No email address: the first sms method gets a text message instead; email wins when there is one.
before=$(texts)
mbefore=$(mails)
admin method add bob sms +14255550111 --no-verify >/dev/null
admin method add bob sms +14255550122 --no-verify >/dev/null
[ "$(texts)" = $((before + 2)) ] || fail "sms fallback: expected a text for each add, got $(($(texts) - before))"
[ "$(mails)" = "$mbefore" ] || fail "a mail was sent for a user without an address"
LOG=$GW_LOG
expect_request 'r["form"]["To"]' "+14255550111"
expect_request '"A sign-in method was added to your security info: text message to +1 XXXXXXXX22." in r["form"]["Body"]' True
expect_request '"If this was not you, contact your administrator." in r["form"]["Body"] and "Host: '"$HOST"'" in r["form"]["Body"]' True
expect_request '"+14255550122" not in r["form"]["Body"]' True
[ "$(audit_rows bob notify)" = "sms:success:root sms:success:root" ] || fail "sms notify rows: $(audit_rows bob notify)"
pass "no email address: the first sms method gets the notice by text message"

# A reset verification that succeeds: password-reset, with the PAM service and remote host.
# Each verification below is a user of its own: a TOTP code is accepted once.
for u in rita carl dina; do
	admin method add $u email $u@example.net --no-verify >/dev/null
	enroll_app $u
done
cat > "$T/pam.d/reset" <<SERVICE
auth required $MODULE config=$CONF purpose=reset
SERVICE
before=$(mails)
fresh_step
expect_pam success "$(totp "$SECRET_DEFAULT")" reset rita authenticate
[ "$(mails)" = $((before + 1)) ] || fail "reset: expected one notice, got $(($(mails) - before))"
expect_notice -u rita "Password reset verified" \
	"Your identity was verified with your security info to reset your password." reset
expect_mail "'Host: $HOST (from 203.0.113.9)' in body" True
# A 2FA sign-in is not a reset: nothing is sent.
service s
before=$(mails)
expect_pam success "$(totp "$SECRET_DEFAULT")" s alice authenticate
[ "$(mails)" = "$before" ] || fail "a sign-in sent a notice"
pass "a reset verification sends password-reset (service, host and remote host); a sign-in sends nothing"

# The password stack's reset verification (chauthtok, PAM_PRELIM_CHECK) sends it too.
cat > "$T/pam.d/passwd" <<SERVICE
password requisite $MODULE config=$CONF
SERVICE
before=$(mails)
fresh_step
pam passwd carl chauthtok >/dev/null 2>&1 <<ANSWERS || true
$(totp "$SECRET_DEFAULT")
ANSWERS
[ "$(mails)" = $((before + 1)) ] || fail "chauthtok: expected the password-reset notice"
expect_notice -u carl "Password reset verified" "to reset your password" passwd
pass "chauthtok's reset verification sends password-reset"

# Reaching max_failures: locked, once, to the user's address.
before=$(mails)
expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s alice authenticate
[ "$(mails)" = "$before" ] || fail "wrong answers before the lock sent a notice"
expect_pam "maximum number of retries" "$(printf '000003\n')" s alice authenticate
[ "$(mails)" = $((before + 1)) ] || fail "the lockout: expected one notice, got $(($(mails) - before))"
expect_notice "Verification locked" "Verification was locked for your account after too many wrong answers." s
expect_pam "maximum number of retries" "$(printf '000004\n')" s alice authenticate
[ "$(mails)" = $((before + 1)) ] || fail "a sign-in while locked sent another notice"
admin user unlock alice >/dev/null
pass "the failure that locks sends locked, once"

# [notify] events: empty sends nothing; a listed event sends, an unlisted one does not.
conf "$(printf '[notify]\nevents =')"
before=$(mails)
admin method add alice sms +14255550133 --no-verify >/dev/null
admin method default alice sms >/dev/null
[ "$(mails)" = "$before" ] || fail "[notify] events = (empty): a notice was sent"
conf "$(printf '[notify]\nevents = method-deleted')"
admin method default alice app >/dev/null
[ "$(mails)" = "$before" ] || fail "default-changed is not listed, but a notice was sent"
admin method delete alice sms --yes >/dev/null
[ "$(mails)" = $((before + 1)) ] || fail "method-deleted is listed, but no notice was sent"
expect_mail "'removed from your security info' in body" True
pass "[notify] events: empty sends nothing; only the listed events send"

# Registration at sign-in (SPEC 13): the app the module registered is a method added, told to
# the user's address, by the module (actor pam_secinfo).
conf ""
admin method add ella email ella@example.net --no-verify >/dev/null
service reg register
before=$(mails)
fresh_step
out=$(python3 "$top_srcdir/tests/pam/register_drive.py" "$T/secret.ella" code -- env \
	LD_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }libpam_wrapper.so" \
	PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
	PAM_WRAPPER_DEBUGLEVEL=3 $VALGRIND "$PAMDRIVE" -I rhost=203.0.113.9 reg ella \
	authenticate 2>&1) || fail "registration failed: $out"
expect_in "$out" "The authenticator app is registered"
[ "$(mails)" = $((before + 1)) ] || fail "registration: expected one notice, got $(($(mails) - before))"
expect_notice -u ella "Security info changed" \
	"A sign-in method was added to your security info: authenticator app #" reg
expect_mail "'Host: $HOST (from 203.0.113.9)' in body" True
[ "$(audit_rows ella notify)" = "email:success:root email:success:pam_secinfo" ] ||
	fail "registration notify rows: $(audit_rows ella notify)"
pass "an app registered at sign-in: method-added from the module, to the user's address"

# A mail server that is not there: the change is made, exit 0, a warning, a notify/failure row.
conf "" "$(free_port)"
rc=0
out=$(admin method add alice sms +14255550144 --no-verify 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "method add with the mail server down: exit $rc: $out"
expect_in "$out" "warning: the change is made, but could not send the method-added notice by email to a***@example.net"
expect_in "$out" "could not connect to the mail server"
admin user show alice --json | python3 -c 'import json, sys
assert "+14255550144" in [m["detail"] for m in json.load(sys.stdin)["methods"]]' ||
	fail "the method was not added when the notice failed"
[ "$(audit_rows alice notify | tr ' ' '\n' | tail -n 1)" = "email:failure:root" ] ||
	fail "no notify/failure row: $(audit_rows alice notify)"
# In the module: the reset still succeeds, the failure is logged and audited.
fresh_step
expect_pam success "$(totp "$SECRET_DEFAULT")" reset dina authenticate
expect_in "$LAST_OUT" "notice user=dina event=password-reset result=failure"
last=$(admin audit --user dina --json | python3 -c 'import json, sys
r = json.load(sys.stdin)[-1]
print(r["event"], r["method"], r["result"], r["service"])')
[ "$last" = "notify email failure reset" ] || fail "module: no notify/failure row: $last"
pass "a notice that cannot be sent: the change stands (exit 0, PAM success), a warning and a notify/failure row"
