#!/bin/sh
# secinfo, the users' own command (SPEC 12), end to end: installed set-user-id root as
# make install installs it, run by a real non-root user on a pseudo-terminal through the real
# /etc/pam.d/secinfo (pam_unix's password, then pam_secinfo.so nullok).
#   (a) show with no method; add an app (the code computed by oathtool from the URI shown);
#       add sms through the loopback gateway; make it the default; delete the app. Each change
#       is proved with secinfo-admin user show --json and its audit row (actor: the user).
#   (b) refusals change nothing: a kind the policy does not allow, a blocked email domain,
#       email as the default, a wrong code, a wrong password.
#   (c) -c and --user from a user who is not root: refused before anything is asked.
#   (d) a hostile environment (LD_PRELOAD, PATH, IFS, locale, TMPDIR, SECINFO_FACTOR) and a
#       closed descriptor change nothing.
#   (e) signals (a closed terminal's SIGHUP, Ctrl-C's SIGINT, SIGTERM) while a change is
#       written: the store is unchanged or fully changed; during the write they wait.
#   (f) [registration] first_method = tap: a user without a method cannot add one after the
#       password alone, and can with a temporary access pass verified in the same PAM run.
#   (g) the password alone adds a first method only.
#   (h) between the commit of a change and its notice (SPEC 15), the user cannot kill secinfo:
#       an intruder in their session cannot make a change and suppress the notice.
#   (i) add key: the PIN (echo off) and touch of the software key, the credential stored.
#
# secinfo reads its compiled-in configuration (/etc/security/secinfo.conf with
# scripts/build.sh): the test writes it for its duration (saved first, put back after). The
# PAM service /etc/pam.d/secinfo is the shipped conf/pam.d/secinfo with the module of the
# build; it is saved and put back the same way.
. "$top_srcdir/tests/e2e/lib-e2e.sh"

install_secinfo
OWN_FILES="$OWN_FILES $BIN/preload.so $BIN/preload.c"

start_gateway gw
# set_conf: writes the test configuration (standard input: the [policy] section) to $CONF and
# to the path compiled into secinfo.
set_conf() {
	write_conf <<CONF
$(cat)
$(twilio_section sms)
default_country = 1
[email]
smtp_url = ${SMTP_URL:-smtp://127.0.0.1:9}
starttls = off
from = secinfo@example.net
blocked_domains = corp.example.org
CONF
	install_system_conf
}
set_conf <<CONF
[policy]
methods = app sms email
tries = 1
max_failures = 50
[codes]
max_sends_per_hour = 100
CONF
admin init >/dev/null
shipped_service secinfo | replace_service secinfo

add_user fay
fay=$U
# as_fay ARGS...: the command that runs secinfo ARGS as fay (a login-less runuser: the
# setuid bit does the rest).
as_fay() { echo runuser -u "$fay" -- "$SECINFO" "$@"; }
show() { admin user show "$fay" --json 2>/dev/null || echo "no user"; }
# jq-like: a Python expression on fay's user show --json (j), printed.
j() { show | python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
audit_rows() {
	admin audit --user "$fay" --json | python3 -c 'import json, sys
for r in json.load(sys.stdin):
    if r["service"] == "secinfo" and r["event"].startswith("method-"):
        print(r["event"], r["method"], r["actor"], r["result"])'
}
# The secret of the otpauth:// URI secinfo showed, and the current code for it.
APP_CODE='!oathtool --totp -b "$(grep -a -o "secret=[A-Z2-7]*" | tail -n 1 | cut -d= -f2)"'
# next_step: waits for a TOTP step after the last one used, with time to spare.
next_step() {
	used=$(($(date +%s) / 30))
	while [ $(($(date +%s) / 30)) -le "$used" ] || [ $((30 - $(date +%s) % 30)) -le "$SLOW" ]; do
		sleep 1
	done
}
SMS_PROMPTS='Press Enter to receive a code by text message'

# ---- (a) the whole round ---------------------------------------------------------------------
pty 20 "Password:" "$PW" -- $(as_fay)
[ "$RC" = 0 ] || fail "(a) show with no method: exit $RC: $OUT"
expect_in "$OUT" "You have no methods yet"
[ "$(show)" = "no user" ] || fail "(a) show changed the store: $(show)"
pass "(a) show: after the password alone (nullok), a user with no method sees that they have none"

fresh_step
pty 30 "Password:" "$PW" "Enter the code shown by the app: " "$APP_CODE" -- $(as_fay) add app
[ "$RC" = 0 ] || fail "(a) add app: exit $RC: $OUT"
expect_in "$OUT" "otpauth://totp/"
expect_in "$OUT" "It is now your default method."
secret=$(printf '%s\n' "$OUT" | grep -a -o "secret=[A-Z2-7]*" | tail -n 1 | cut -d= -f2)
app=$(j '[m["id"] for m in j["methods"] if m["kind"] == "app"][0]')
[ "$(j 'j["default"]')" = "$app" ] || fail "(a) the app is not the default: $(show)"
[ "$(audit_rows)" = "method-add app $fay success" ] || fail "(a) audit after add app: $(audit_rows)"
pass "(a) add app: QR code and URI, a current code from oathtool; stored as the default; audited with actor $fay"

next_step
before=$(requests)
pty 30 "Password:" "$PW" "Verification code:" "$(totp_cmd "$secret")" \
	"Enter the code you received: " "$SENT_CODE" -- $(as_fay) add sms 425-555-1234
[ "$RC" = 0 ] || fail "(a) add sms: exit $RC: $OUT"
# The code, then the notice of SPEC 15 (no email address yet: by text to the new number).
[ "$(requests)" = $((before + 2)) ] || fail "(a) add sms: the gateway got $(($(requests) - before)) messages"
expect_request 'r["form"]["Body"].startswith("A sign-in method was added to your security info: text message to +1 XXXXXXXX34.") and "Service: secinfo." in r["form"]["Body"]' True
expect_in "$OUT" "+1 XXXXXXXX34"
sms=$(j '[m["id"] for m in j["methods"] if m["kind"] == "sms"][0]')
[ "$(j '[m["detail"] for m in j["methods"] if m["kind"] == "sms"][0]')" = "+14255551234" ] ||
	fail "(a) the sms number is not normalised: $(show)"
[ "$(j 'j["default"]')" = "$app" ] || fail "(a) the default changed on add sms: $(show)"
pass "(a) add sms through the loopback gateway: number normalised, the app stays the default; the method-added notice went out"

# show --json: the user show shape, details masked.
next_step
pty 30 "Password:" "$PW" "Verification code:" "$(totp_cmd "$secret")" -- $(as_fay) --json
[ "$RC" = 0 ] || fail "(a) show --json: exit $RC: $OUT"
json=$(printf '%s\n' "$OUT" | tr -d '\r')
printf '%s' "$json" | python3 -c 'import json, sys
s = sys.stdin.read()
j = json.loads(s[s.index("{\"user\""):])
assert j["user"] == sys.argv[1] and j["default"] == int(sys.argv[2]), j
d = {m["kind"]: m["detail"] for m in j["methods"]}
assert d == {"app": "", "sms": "+1 XXXXXXXX34"}, d
assert all(m["usable_for"] == ["2fa", "reset"] for m in j["methods"]), j' "$fay" "$app" ||
	fail "(a) show --json: $json"
expect_not_in "$OUT" "4255551234"
pass "(a) show --json: the user show shape with the number masked"

next_step
pty 30 "Password:" "$PW" "Verification code:" "$(totp_cmd "$secret")" -- $(as_fay) default sms
[ "$RC" = 0 ] || fail "(a) default sms: exit $RC: $OUT"
[ "$(j 'j["default"]')" = "$sms" ] || fail "(a) sms is not the default: $(show)"
expect_in "$OUT" "Your default method is id $sms"
pass "(a) default sms: the store says so"

pty 30 "Password:" "$PW" "$SMS_PROMPTS" "" "Verification code:" "$SENT_CODE" \
	"[y/N]" y -- $(as_fay) delete app
[ "$RC" = 0 ] || fail "(a) delete app: exit $RC: $OUT"
expect_in "$OUT" "This cannot be undone."
[ "$(j '[m["kind"] for m in j["methods"]]')" = "['sms']" ] || fail "(a) the app is still there: $(show)"
[ "$(audit_rows)" = "method-add app $fay success
method-add sms $fay success
method-default sms $fay success
method-delete app $fay success" ] || fail "(a) audit rows: $(audit_rows)"
pass "(a) delete app after [y/N]; the audit trail has the four changes with actor $fay"

# ---- (b) refusals change nothing ---------------------------------------------------------------
admin method add "$fay" email fay@example.net --no-verify >/dev/null
# What a change would change (a sign-in only moves last_used).
state() { j '(j["default"], [(m["id"], m["kind"], m["detail"]) for m in j["methods"]])'; }
state=$(state)
rows=$(audit_rows)
# refused WHY WANT ARGS...: secinfo ARGS (after a sign-in with the sms code, answering a code
# prompt with 000000) exits 1, says WANT, and nothing changes.
refused() {
	why=$1 want=$2
	shift 2
	pty 30 --any "Password:" "$PW" "$SMS_PROMPTS" "" "Verification code:" "$SENT_CODE" \
		"Enter the code you received: " 000000 -- $(as_fay) "$@"
	[ "$RC" = 1 ] || fail "(b) $why: exit $RC, expected 1: $OUT"
	expect_in "$OUT" "$want"
	[ "$(state)" = "$state" ] || fail "(b) $why changed the store: $(show)"
	[ "$(audit_rows)" = "$rows" ] || fail "(b) $why wrote an audit row: $(audit_rows)"
}
refused "a kind the policy does not allow" \
	"your organisation does not allow call methods (phone call); choose another method: app, sms, email" \
	add call +14255550101
refused "a blocked email domain" "a work or school address cannot be used" \
	add email fay@corp.example.org
refused "email as the default" "email can only be used for password reset" default email
refused "a wrong code" "the code was not right; nothing added" add sms +14255550102
pty 20 "Password:" "wrong-$PW" -- $(as_fay) delete sms --yes
[ "$RC" = 1 ] || fail "(b) a wrong password: exit $RC: $OUT"
expect_in "$OUT" "secinfo: verification failed"
[ "$(state)" = "$state" ] || fail "(b) a wrong password changed the store"
pass "(b) refused, exit 1, nothing changed: disallowed kind, blocked domain, email as default, wrong code, wrong password"

# ---- (c) root's options ---------------------------------------------------------------------
for opts in "-c $CONF" "--user root" "--user=$fay"; do
	OUT=$(runuser -u "$fay" -- "$SECINFO" $opts </dev/null 2>&1) && RC=0 || RC=$?
	[ "$RC" = 1 ] || fail "(c) secinfo $opts as $fay: exit $RC, expected 1: $OUT"
	expect_in "$OUT" "is only for root; run secinfo as yourself"
	expect_not_in "$OUT" "Password"
done
OUT=$("$SECINFO" --user "$fay" --json) || fail "(c) root's --user: $OUT"
expect_in "$OUT" "\"user\": \"$fay\""
pass "(c) -c and --user: refused for $fay before any prompt (exit 1); root may use them"

# A caller's resource limits and ignored signals are not inherited: with no file size allowed
# (the soft limit, which any user may lower) and SIGXFSZ ignored, opening the store (its -shm
# is rebuilt, written) would fail.
OUT=$(sh -c 'ulimit -S -f 0; trap "" XFSZ PIPE; exec "$0" --user "$1" --json' "$SECINFO" "$fay" 2>&1) ||
	fail "(c) secinfo under 'ulimit -f 0' with SIGXFSZ ignored: $OUT"
expect_in "$OUT" "\"user\": \"$fay\""
pass "(c) a caller's file size limit and ignored SIGXFSZ are not inherited"

# ---- (d) a hostile environment ----------------------------------------------------------------
mark=$BIN/preloaded
OWN_FILES="$OWN_FILES $mark"
if command -v cc >/dev/null 2>&1; then
	cat > "$BIN/preload.c" <<C
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void f(void) { close(open("$mark", O_CREAT | O_WRONLY, 0644)); }
C
	cc -shared -fPIC -o "$BIN/preload.so" "$BIN/preload.c" || fail "(d) cannot build the preload library"
	chmod 755 "$BIN/preload.so"
	preload=$BIN/preload.so
	# The library works where the loader honours it: a program without the setuid bit.
	LD_PRELOAD=$preload /bin/true
	[ -e "$mark" ] || fail "(d) the preload library does not write $mark"
	rm -f "$mark"
else
	preload=/nonexistent/preload.so
fi
evil=$(runuser -u "$fay" -- mktemp -d)
OWN_DIRS="$OWN_DIRS $evil"
pty 30 "Password:" "$PW" "$SMS_PROMPTS" "" "Verification code:" "$SENT_CODE" -- \
	runuser -u "$fay" -- env LD_PRELOAD="$preload" LD_LIBRARY_PATH="$evil" PATH="$evil" \
	IFS=/ LANG=../../../../$evil LC_ALL="../$evil" TMPDIR="$evil" SQLITE_TMPDIR="$evil" \
	SECINFO_FACTOR=tap HOME="$evil" "$SECINFO" --json
[ "$RC" = 0 ] || fail "(d) show in a hostile environment: exit $RC: $OUT"
expect_in "$OUT" "\"user\": \"$fay\""
[ ! -e "$mark" ] || fail "(d) LD_PRELOAD was honoured by the setuid secinfo"
[ -z "$(ls -A "$evil")" ] || fail "(d) secinfo wrote into the user's TMPDIR: $(ls -A "$evil")"
rm -rf "$evil"
# A closed standard output: the database must not become descriptor 1 and get the JSON. (For
# a set-user-id program glibc itself puts /dev/null, read-only, there: the output cannot be
# written, and secinfo says so.)
pty 30 --any "Password:" "$PW" "$SMS_PROMPTS" "" "Verification code:" "$SENT_CODE" -- \
	runuser -u "$fay" -- sh -c 'exec "$0" --json >&-' "$SECINFO"
[ "$RC" = 1 ] || fail "(d) show with descriptor 1 closed: exit $RC, expected 1: $OUT"
expect_in "$OUT" "secinfo: cannot write the output"
OUT=$(admin check 2>&1) || fail "(d) the store after a run with descriptor 1 closed: $OUT"
[ "$(state)" = "$state" ] || fail "(d) the store changed: $(show)"
pass "(d) LD_PRELOAD, LD_LIBRARY_PATH, PATH, IFS, locale paths, TMPDIR, SECINFO_FACTOR and a closed descriptor: no effect"

# ---- (e) signals while a change is written ------------------------------------------------------
# Around the moment the code is typed, fay's secinfo gets SIGHUP, SIGINT and SIGTERM in a tight
# loop until it is gone. They come from root here, as a closed terminal's SIGHUP and Ctrl-C's
# SIGINT come from the kernel whatever the uids (fay's own kill(2) gets EPERM while the store
# holds a lock: libsecinfo/shield.c, tests/pam/test_shield). Whatever moment they hit, the store
# has the new method with its audit row, or neither.
# storm.sh DELAY: after DELAY seconds, SIGHUP, SIGINT and SIGTERM to fay's secinfo (found by its
# real uid) until it is gone.
cat > "$T/storm.sh" <<SH
p=\$(pgrep -U $fay -x secinfo)
sleep \$1
i=0
while [ \$i -lt 20000 ] && kill -HUP \$p; do kill -INT \$p; kill -TERM \$p; i=\$((i + 1)); done
SH
storm() { echo "!( sh $T/storm.sh $1 & ) >/dev/null 2>&1; ${SENT_CODE#!}"; }
n=0
stored=
for delay in 0.06 0.09 0.15; do
	n=$((n + 1))
	base=$(audit_rows | grep -c "method-add sms" || true)
	pty 30 "Password:" "$PW" "$SMS_PROMPTS" "" "Verification code:" "$SENT_CODE" \
		"Enter the code you received: " "$(storm $delay)" -- $(as_fay) add sms "+1425555020$n"
	sleep 2
	has=$(j "len([m for m in j['methods'] if m['detail'] == '+1425555020$n'])")
	row=$(audit_rows | grep -c "method-add sms" || true)
	[ $((row - base)) = "$has" ] && [ "$has" -le 1 ] ||
		fail "(e) after signals: $has methods but $((row - base)) new audit rows: $OUT"
	stored="$stored $has/$RC"
	[ "$has" = 0 ] || admin method delete "$fay" "$(j "[m['id'] for m in j['methods'] if m['detail'] == '+1425555020$n'][0]")" --yes >/dev/null
done
# Deterministic: another writer holds the database's write lock for 3 s, so secinfo waits in
# its transaction ([database] busy_timeout, 5 s) while fay's signals arrive: they wait too, the
# change is written whole, said and its notice tried (see (h)), and only then does secinfo end
# (by SIGHUP, the first of them).
LOCKED=$T/locked
cat > "$T/locker.py" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(3)
c.execute("ROLLBACK")
PY
base=$(audit_rows | grep -c "method-add sms" || true)
pty 30 "Password:" "$PW" "$SMS_PROMPTS" "" "Verification code:" "$SENT_CODE" \
	"Enter the code you received: " "!( python3 $T/locker.py $DB $LOCKED & sh $T/storm.sh 1 & ) >/dev/null 2>&1; while [ ! -e $LOCKED ]; do sleep 0.01; done; ${SENT_CODE#!}" \
	-- $(as_fay) add sms +14255550299
sleep 3
has=$(j "len([m for m in j['methods'] if m['detail'] == '+14255550299'])")
row=$(audit_rows | grep -c "method-add sms" || true)
[ "$has" = 1 ] && [ $((row - base)) = 1 ] && [ "$RC" = 129 ] ||
	fail "(e) signals while the change waits for the lock: $has methods, $((row - base)) audit rows, exit $RC (want 1, 1, 129): $OUT"
expect_in "$OUT" "Added text message"
OUT=$(admin check 2>&1) || fail "(e) the store after the signals: $OUT"
pass "(e) signals around a change: the method and its audit row are both stored or both absent (stored/exit status per run:$stored); signals during the write wait until it is whole"

# ---- (f) first_method = tap --------------------------------------------------------------------
set_conf <<CONF
[policy]
methods = app sms email
tries = 1
max_failures = 50
[codes]
max_sends_per_hour = 100
[registration]
first_method = tap
CONF
add_user gus
gus=$U
pty 20 "Password:" "$PW" -- runuser -u "$gus" -- "$SECINFO" add app
[ "$RC" = 1 ] || fail "(f) add app with first_method = tap and no pass: exit $RC: $OUT"
expect_in "$OUT" "ask your helpdesk for a temporary access pass and run secinfo again"
expect_not_in "$OUT" "otpauth://"
OUT=$(admin user show "$gus" 2>&1) && fail "(f) gus was stored: $OUT"
pass "(f) first_method = tap: no first method after the password alone; says to ask for a pass"

# With a pass from the helpdesk (SPEC 14): the module verifies it after the password and says
# so (SECINFO_FACTOR=tap); secinfo then lets gus add a first method.
tap=$(admin tap issue "$gus" | grep -o -E '[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}' | head -n 1)
[ -n "$tap" ] || fail "(f) secinfo-admin tap issue printed no pass"
fresh_step
pty 30 "Password:" "$PW" "Temporary access pass:" "$tap" "Enter the code shown by the app: " "$APP_CODE" \
	-- runuser -u "$gus" -- "$SECINFO" add app
[ "$RC" = 0 ] || fail "(f) add app with a temporary access pass: exit $RC: $OUT"
expect_in "$OUT" "It is now your default method."
OUT=$(admin user show "$gus" --json) || fail "(f) gus has no methods after adding an app: $OUT"
expect_in "$OUT" '"kind": "app"'
pass "(f) first_method = tap: with a pass verified in the same run, the first method is added"

# ---- (g) only the password proven: a first method may be added, nothing else -----------------
# hana has an address for password resets and no second factor: after her password alone she
# may add a first method, but not delete the address (an attacker with her password would
# otherwise remove her recovery path). ivo's only second factor is a text message number the
# policy no longer allows: the password alone does not let him add an app in its place.
# policy_app_sms_email: the configuration with app, sms and email allowed, one try.
policy_app_sms_email() {
	set_conf <<CONF
[policy]
methods = app sms email
tries = 1
max_failures = 50
CONF
}
policy_app_sms_email
add_user hana
hana=$U
admin method add "$hana" email hana@example.net --no-verify >/dev/null
pty 20 "Password:" "$PW" -- runuser -u "$hana" -- "$SECINFO" delete email --yes
[ "$RC" = 1 ] || fail "(g) delete after the password alone: exit $RC: $OUT"
expect_in "$OUT" "enough to add a first method"
[ "$(admin user show "$hana" --json | python3 -c 'import json, sys; print([m["kind"] for m in json.load(sys.stdin)["methods"]])')" = "['email']" ] ||
	fail "(g) hana's address was touched: $(admin user show "$hana" --json)"
add_user ivo
ivo=$U
admin method add "$ivo" sms +14255550177 --no-verify >/dev/null
set_conf <<CONF
[policy]
methods = app email
tries = 1
max_failures = 50
CONF
pty 20 "Password:" "$PW" -- runuser -u "$ivo" -- "$SECINFO" add app
[ "$RC" = 1 ] || fail "(g) add app in place of a disallowed sms after the password alone: exit $RC: $OUT"
expect_in "$OUT" "ask your helpdesk for a temporary access pass"
expect_not_in "$OUT" "otpauth://"
[ "$(admin user show "$ivo" --json | python3 -c 'import json, sys; print([m["kind"] for m in json.load(sys.stdin)["methods"]])')" = "['sms']" ] ||
	fail "(g) ivo's methods changed: $(admin user show "$ivo" --json)"
pass "(g) the password alone adds a first method only: no delete, and no app in place of a second factor the policy disallows"

# ---- (h) no kill between the change and its notice ---------------------------------------------
# kim changes her default; the notice goes to her address through a mail server that holds the
# message 4 s before it answers. Two seconds into that wait, kim's own kill -KILL of her
# secinfo fails (the guard of secinfo/setuid.c: the real uid is root from the transaction to
# the notice), secinfo finishes, and the notice is delivered. The same kill(2) permission check
# (kill -0) from kim succeeds while secinfo waits for her password: without the guard she could
# end it at any moment.
policy_app_sms_email
add_user kim
kim=$U
KIM_SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
printf '%s\n' "$KIM_SECRET" > "$T/kim.secret"
admin method add "$kim" app --secret-file "$T/kim.secret" --no-verify >/dev/null 2>&1
admin method add "$kim" sms +14255550188 --no-verify >/dev/null 2>&1
admin method add "$kim" email kim@example.net --no-verify >/dev/null 2>&1
start_smtp slowmail --hang 4
SLOWMAIL_LOG=$LOG
SMTP_URL=smtp://127.0.0.1:$PORT
PORT=$(cat "$T/gw.port") # the gateway's, for twilio_section
policy_app_sms_email
cat > "$T/killer.sh" <<SH
p=\$(pgrep -U $kim -x secinfo)
sleep 2
runuser -u $kim -- kill -KILL \$p 2> "$T/kill.err"
echo \$? > "$T/kill.rc"
kill -0 \$p 2>/dev/null && echo alive > "$T/alive"
SH
cat > "$T/probe.sh" <<SH
runuser -u $kim -- kill -0 \$(pgrep -U $kim -x secinfo)
echo \$? > "$T/probe.rc"
SH
rm -f "$T/kill.rc" "$T/alive" "$T/probe.rc"
fresh_step
pty 30 "Password:" "!sh $T/probe.sh >/dev/null 2>&1; echo '$PW'" \
	"Verification code:" "!( sh $T/killer.sh & ) >/dev/null 2>&1; oathtool --totp -b $KIM_SECRET" \
	-- runuser -u "$kim" -- "$SECINFO" default sms
[ "$(cat "$T/probe.rc" 2>/dev/null)" = 0 ] ||
	fail "(h) kim could not signal her secinfo at the password prompt (the check proves nothing): $(cat "$T/probe.rc" 2>/dev/null)"
[ -s "$T/kill.rc" ] || fail "(h) the kill was never tried: $OUT"
[ "$(cat "$T/kill.rc")" != 0 ] || fail "(h) kim killed secinfo while its notice was being sent: $OUT"
expect_in "$(cat "$T/kill.err")" "not permitted"
[ "$(cat "$T/alive" 2>/dev/null)" = alive ] || fail "(h) secinfo was gone after kim's kill: $OUT"
[ "$RC" = 0 ] || fail "(h) default sms with the slow mail server: exit $RC: $OUT"
[ "$(wc -l < "$SLOWMAIL_LOG" | tr -d ' ')" = 1 ] || fail "(h) not one notice: $(cat "$SLOWMAIL_LOG")"
python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).readline())
assert r["rcpt_tos"] == ["kim@example.net"], r["rcpt_tos"]
assert "default" in r["data"], r["data"]' "$SLOWMAIL_LOG" || fail "(h) the notice: $(cat "$SLOWMAIL_LOG")"
pass "(h) from the change's commit until its notice is delivered, the user's kill -KILL gets EPERM; at the password prompt their kill(2) is allowed"

# ---- (i) add key: the installed secinfo registers a security key --------------------------------
# The software key of tests/fido/ is preloaded; glibc honours LD_PRELOAD in a set-user-id program
# only when its caller is root, so root adds the key for kim (--user), with the PIN asked with
# the terminal's echo off and the touch, and the key then signs kim in through the module.
SHIM="$top_builddir/tests/fido/.libs/softfido.so"
CTL="$top_builddir/tests/fido/softfido-ctl"
[ -f "$SHIM" ] && [ -x "$CTL" ] || fail "(i) the software FIDO2 key is not built: $SHIM (make check builds it)"
set_conf <<CONF
[policy]
methods = app sms email key
tries = 1
max_failures = 50
CONF
KS="$T/kim-key.state"
"$CTL" "$KS" init --pin 2468 || fail "(i) softfido-ctl init"
pty 30 "PIN for your security key:" 2468 -- env LD_PRELOAD="$SHIM" SOFTFIDO_STATE="$KS" \
	"$SECINFO" --user "$kim" add key
[ "$RC" = 0 ] || fail "(i) secinfo --user $kim add key: exit $RC: $OUT"
expect_in "$OUT" "Touch your security key."
expect_not_in "$OUT" "2468"
[ "$("$CTL" "$KS" show | sed -n 's/^credentials=//p')" = 1 ] || fail "(i) the key made no credential"
[ "$(admin user show "$kim" --json | python3 -c 'import json, sys; print(len([m for m in json.load(sys.stdin)["methods"] if m["kind"] == "key"]))')" = 1 ] ||
	fail "(i) no key method stored for kim: $(admin user show "$kim" --json)"
admin audit --user "$kim" --json | python3 -c 'import json, sys
rows = [r for r in json.load(sys.stdin) if r["event"] == "method-add" and r["method"] == "key"]
assert len(rows) == 1 and rows[0]["actor"] == "root" and rows[0]["result"] == "success", rows' ||
	fail "(i) the audit row of the key: $(admin audit --user "$kim" --json)"
pass "(i) secinfo add key (root for kim): PIN not echoed, touch, the credential stored and audited"
