#!/bin/sh
# Issue 10's "done when", lived as a new user and a helpdesk would, with the real sshd, the
# real /etc/pam.d/secinfo and secinfo installed set-user-id root:
#   1. rosa, who has nothing yet, logs in over SSH for the first time: after her password the
#      module walks her through adding an authenticator app (SPEC 13) and lets her in;
#   2. she looks at her own security info with secinfo (password, then her app's code);
#   3. she loses her phone: the helpdesk issues a temporary access pass (SPEC 14) good for two
#      sign-ins, without seeing any secret of hers;
#   4. she logs in over SSH with the pass;
#   5. with the pass she adds the new phone's app with secinfo;
#   6. she deletes the lost app with secinfo, proving herself with the new app ("?" at the
#      lost app's prompt): the new app becomes her default;
#   7. over SSH, the new app's code logs her in and the lost app's code does not.
# Every step is checked in the store (secinfo-admin user show --json) and its audit rows.
. "$top_srcdir/tests/e2e/lib-e2e.sh"

need_sshd
install_secinfo
write_conf <<CONF
[policy]
methods = app
tries = 2
max_failures = 50
[notify]
events =
CONF
install_system_conf
admin init >/dev/null
shipped_service secinfo | replace_service secinfo
start_register_sshd new

add_user rosa
rosa=$U
show() { admin user show "$rosa" --json; }
# j EXPR: a Python expression on rosa's user show --json (u), printed.
j() { show | python3 -c 'import json, sys; u = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
apps() { j '" ".join(str(m["id"]) for m in u["methods"] if m["kind"] == "app")'; }
# secret_of TEXT: the secret of the last otpauth:// URI in TEXT.
secret_of() { printf '%s\n' "$1" | grep -a -o 'secret=[A-Z2-7]*' | tail -n 1 | cut -d= -f2; }
# ahead: the answer command typing the code of the step after the current one (window = 1), for
# a secret whose current step was just used. wait_past T: waits until every step that a code
# typed up to time T may have used (the one after T's) is over, with time to spare.
ahead() { echo "!oathtool --totp -b $1 --now @\$((\$(date +%s) + 30))"; }
wait_past() {
	while [ $(($(date +%s) / 30)) -le $((($1 + 30) / 30)) ] ||
		[ $((30 - $(date +%s) % 30)) -le "$SLOW" ]; do
		sleep 1
	done
}
URI_CODE='!oathtool --totp -b "$(grep -a -o "secret=[A-Z2-7]*" | tail -n 1 | cut -d= -f2)"'

# ---- 1. the first SSH login registers an app
fresh_step
ssh_as "$rosa" $KBD -- "Password:" "$PW" "Verification code:" "$URI_CODE"
printf '%s\n' "---- 1. the first login" "$OUT"
[ "$RC" = 0 ] || fail "1. the first login with registration failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
expect_in "$OUT" "You have no verification method yet"
lost=$(secret_of "$OUT")
[ -n "$lost" ] || fail "1. no otpauth:// URI was shown: $OUT"
lost_id=$(apps)
[ -n "$lost_id" ] && [ "$(j 'u["default"]')" = "$lost_id" ] ||
	fail "1. the registered app is not rosa's default: $(show)"
pass "1. first SSH login: rosa registers an authenticator app from the prompt and is let in"

# ---- 2. secinfo: her own security info, after her password and her app's code
pty 30 "Password:" "$PW" "Verification code:" "$(ahead "$lost")" -- runuser -u "$rosa" -- "$SECINFO"
printf '%s\n' "---- 2. secinfo show" "$OUT"
[ "$RC" = 0 ] || fail "2. secinfo show failed (exit $RC): $OUT"
expect_in "$OUT" "Your default method is id $lost_id"
pass "2. secinfo: rosa sees her own security info after her password and her app's code"

# ---- 3. the phone is lost: the helpdesk issues a pass for two sign-ins
pass_out=$(admin tap issue "$rosa" --uses 2 2>&1) || fail "3. tap issue failed: $pass_out"
tap=$(printf '%s\n' "$pass_out" | grep -o -E '[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}' | head -n 1)
[ -n "$tap" ] || fail "3. tap issue printed no pass: $pass_out"
expect_not_in "$pass_out" "$lost"
pass "3. the helpdesk issues a temporary access pass (two uses) and sees no secret of rosa's"

# ---- 4. SSH with the pass
ssh_as "$rosa" $KBD -- "Password:" "$PW" "Temporary access pass:" "$tap"
printf '%s\n' "---- 4. SSH with the pass" "$OUT"
[ "$RC" = 0 ] || fail "4. the login with the pass failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
expect_not_in "$OUT" "otpauth://" # she still has an app of her own: nothing to register
pass "4. rosa logs in over SSH with the pass"

# ---- 5. secinfo add app, proven with the pass's second use
pty 40 "Password:" "$PW" "Temporary access pass:" "$(printf '%s' "$tap" | tr -d - | tr 'A-Z' 'a-z')" \
	"Enter the code shown by the app: " "$URI_CODE" -- runuser -u "$rosa" -- "$SECINFO" add app
printf '%s\n' "---- 5. secinfo add app" "$OUT"
[ "$RC" = 0 ] || fail "5. secinfo add app with the pass failed (exit $RC): $OUT"
t5=$(date +%s)
new=$(secret_of "$OUT")
[ -n "$new" ] && [ "$new" != "$lost" ] || fail "5. no new secret was shown: $OUT"
[ "$(apps)" != "$lost_id" ] && [ "$(j 'len([m for m in u["methods"] if m["kind"] == "tap"])')" = 0 ] ||
	fail "5. expected two apps and the pass used up: $(show)"
new_id=$(apps | tr ' ' '\n' | grep -v -x "$lost_id")
pass "5. with the pass, rosa adds the new phone's app herself; the pass is used up"

# ---- 6. secinfo delete the lost app, proven with the new app through "?"
pty 40 "Password:" "$PW" "Verification code:" "?" "Choose a number" 1 \
	"Verification code:" "$(ahead "$new")" "[y/N]" y -- runuser -u "$rosa" -- "$SECINFO" delete "$lost_id"
printf '%s\n' "---- 6. secinfo delete" "$OUT"
[ "$RC" = 0 ] || fail "6. secinfo delete failed (exit $RC): $OUT"
t6=$(date +%s)
expect_in "$OUT" "cannot be undone"
[ "$(apps)" = "$new_id" ] && [ "$(j 'u["default"]')" = "$new_id" ] ||
	fail "6. the lost app should be gone and the new one the default: $(show)"
admin audit --user "$rosa" --json | python3 -c 'import json, sys; rows = json.load(sys.stdin)
ev = [(r["event"], r["actor"]) for r in rows if r["event"].startswith(("method-", "tap-"))]
rosa = sys.argv[1]
want = [("method-add", "pam_secinfo"), ("tap-issue", "root"), ("method-add", rosa),
        ("method-delete", rosa)]
assert ev == want, ev' "$rosa" || fail "6. audit rows: $(admin audit --user "$rosa" --json)"
pass "6. rosa deletes the lost app, proving herself with the new one; the new app is her default; each change audited with its actor"

# ---- 7. SSH: the new app logs her in, the lost one does not
wait_past $((t5 > t6 ? t5 : t6))
ssh_as "$rosa" $KBD -- "Password:" "$PW" "Verification code:" "$(totp_cmd "$lost")" \
	"Verification code:" "$(totp_cmd "$lost")"
[ "$RC" = 255 ] || fail "7. the lost app's code should be refused (exit $RC): $OUT"
ssh_as "$rosa" $KBD -- "Password:" "$PW" "Verification code:" "$(totp_cmd "$new")"
printf '%s\n' "---- 7. SSH with the new app" "$OUT"
[ "$RC" = 0 ] || fail "7. the login with the new app failed (exit $RC): $OUT"
expect_in "$OUT" "e2e-42"
pass "7. over SSH the new app's code logs rosa in; the lost app's code does not"
