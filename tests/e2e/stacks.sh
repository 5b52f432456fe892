#!/bin/sh
# Every shipped and documented stack stops at a wrong password (issue 9): with the password
# checked before the module, a wrong password must end the stack, so that nobody who only
# knows a user name can make the module send that user texts, count failures toward their
# lockout, or learn whether and how they are enrolled. For each stack, a user enrolled by text
# message gives a wrong password: the loopback gateway receives nothing, the failure count in
# the database does not change, and no send question or code prompt appears; then the right
# password reaches the module (a code is sent and the sign-in succeeds).
#
# The stacks, run by the real programs with the real pam_unix and the machine's common-auth:
#   - conf/pam.d/login, sudo and sshd as shipped (by login, sudo and sshd);
#   - common-auth as pam-auth-update writes it with the package's profile enabled
#     (debian/pam-configs/secinfo), generated with pam-auth-update --root in a scratch tree;
#   - the auth part of every stack that README.md and the man pages show with the password
#     before the code (tests/e2e/doc_stacks.py finds them), through sshd.
. "$top_srcdir/tests/e2e/lib-e2e.sh"

LOGIN=$(command -v login || echo /bin/login)
need "$LOGIN" login
need sudo sudo
need visudo sudo
need pam-auth-update libpam-runtime
need_sshd
[ -d /etc/sudoers.d ] || skip "/etc/sudoers.d does not exist"
grep -Eq '^[@#]includedir[[:space:]]+/etc/sudoers.d' /etc/sudoers ||
	skip "/etc/sudoers does not include /etc/sudoers.d"

start_gateway gw
write_conf <<CONF
[policy]
methods = app sms
tries = 1
max_failures = 50
[codes]
max_sends_per_hour = 100
$(twilio_section sms)
CONF
admin init >/dev/null
setup_sshd

add_user stk
admin method add "$U" sms +14255550034 --no-verify >/dev/null
ASK="Press Enter to receive a code by text message to +1 XXXXXXXX34"

own_file /etc/sudoers.d/$E2E_PREFIX
cat > "$T/sudoers" <<SUDOERS
Defaults:$U passwd_tries=1, !lecture, timestamp_timeout=0
$U ALL=(root) ALL
SUDOERS
visudo -c -q -f "$T/sudoers" || fail "visudo refused the test rule"
install -m 440 "$T/sudoers" /etc/sudoers.d/$E2E_PREFIX

# failures: the user's failure count in the database.
failures() {
	python3 -c 'import sqlite3, sys
c = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
print(c.execute("SELECT failures FROM users WHERE name = ?", (sys.argv[2],)).fetchone()[0])' "$DB" "$U"
}

# Drivers: drive_PROGRAM wrong|right runs PROGRAM with a wrong password (answering whatever
# else it asks) or with the right password, the send question and the code it sent.
# login asks for a user name again after a failure and never ends by itself: the wrong-password
# run waits 10 seconds for prompts that should never come, then ptydrive ends it.
drive_login() {
	if [ "$1" = wrong ]; then
		pty 10 --any "Password:" not-the-password "$ASK" "" "Verification code:" 000000 \
			-- "$LOGIN" "$U"
	else
		pty 40 "Password:" "$PW" "$ASK" "" "Verification code:" "$SENT_CODE" \
			"$U@" 'echo e2e-$((6*7)); exit' -- "$LOGIN" "$U"
	fi
}
drive_sudo() {
	if [ "$1" = wrong ]; then
		pty 30 --any "password for $U:" not-the-password "$ASK" "" "Verification code:" 000000 \
			-- runuser -u "$U" -- sudo -k sh -c 'echo e2e-$((6*7))'
	else
		pty 30 "password for $U:" "$PW" "$ASK" "" "Verification code:" "$SENT_CODE" \
			-- runuser -u "$U" -- sudo -k sh -c 'echo e2e-$((6*7))'
	fi
}
drive_sshd() {
	if [ "$1" = wrong ]; then
		ssh_as "$U" $KBD --any -- "Password:" not-the-password "$ASK" "" "Verification code:" 000000
	else
		ssh_as "$U" $KBD -- "Password:" "$PW" "$ASK" "" "Verification code:" "$SENT_CODE"
	fi
}

# check_stack LABEL PROGRAM: the stack now installed for PROGRAM stops at a wrong password and
# lets the right one through to the code. A problem is added to PROBLEMS (all stacks are
# checked, then the test fails listing every problem).
PROBLEMS=
problem() { PROBLEMS="$PROBLEMS
  - $1"; }
check_stack() {
	requests_before=$(requests)
	failures_before=$(failures)
	"drive_$2" wrong
	seen=$(printf '%s\n' "$OUT" | grep -v '^ptydrive: ')
	case $seen in *e2e-42*) problem "$1: a wrong password signed in" ;; esac
	case $seen in *"$ASK"* | *"Verification code:"*)
		problem "$1: a wrong password reached the module, which asked: $(printf '%s' "$seen" |
			grep -E 'Press Enter|Verification code' | head -n 1 | tr -d '\r')" ;;
	esac
	sleep 1 # a text message the module sent would be in the gateway's log by now
	[ "$(requests)" = "$requests_before" ] ||
		problem "$1: a wrong password sent $(($(requests) - requests_before)) text message(s)"
	[ "$(failures)" = "$failures_before" ] ||
		problem "$1: a wrong password counted a failure (count $failures_before, then $(failures))"
	"drive_$2" right
	case $OUT in *e2e-42*) ;; *) problem "$1: the right password and code did not sign in: $OUT" ;; esac
	[ "$(requests)" -gt "$requests_before" ] ||
		problem "$1: the right password did not reach the module (no text message sent)"
	echo "# $1: checked"
}

# ---- the shipped stacks, each by its program.
shipped_service login | replace_service login
check_stack "conf/pam.d/login (login)" login
shipped_service sudo | replace_service sudo
check_stack "conf/pam.d/sudo (sudo)" sudo

STACK=$E2E_PREFIX-stack
install_service "$STACK" </dev/null
start_sshd stack keyboard-interactive
shipped_service sshd > "/etc/pam.d/$STACK"
check_stack "conf/pam.d/sshd (sshd)" sshd

# ---- common-auth with the package's pam-auth-update profile enabled.
R="$T/pam-auth-update"
mkdir -p "$R/usr/share/pam-configs" "$R/etc/pam.d" "$R/var/lib/pam"
cp /usr/share/pam-configs/* "$R/usr/share/pam-configs/"
cp "$top_srcdir/debian/pam-configs/secinfo" "$R/usr/share/pam-configs/"
cp /etc/pam.d/common-* "$R/etc/pam.d/"
[ ! -d /var/lib/pam ] || cp -R /var/lib/pam/. "$R/var/lib/pam/"
DEBIAN_FRONTEND=noninteractive pam-auth-update --root "$R" --enable secinfo >"$T/pau.log" 2>&1 ||
	fail "pam-auth-update --root --enable secinfo failed: $(cat "$T/pau.log")"
grep -q pam_secinfo "$R/etc/pam.d/common-auth" ||
	fail "the profile did not add the module to common-auth: $(cat "$R/etc/pam.d/common-auth")"
{
	shipped_service "$R/etc/pam.d/common-auth"
	echo "@include common-account"
	echo "session required pam_unix.so"
} > "/etc/pam.d/$STACK"
check_stack "common-auth with the pam-auth-update profile (sshd)" sshd

# ---- every stack the documentation shows, its auth lines through sshd.
mkdir "$T/doc"
python3 "$top_srcdir/tests/e2e/doc_stacks.py" "$T/doc" "$top_srcdir/README.md" \
	"$top_srcdir"/man/*.[0-9] "$top_srcdir/debian/README.Debian" > "$T/doc/list"
[ "$(wc -l < "$T/doc/list")" -ge 3 ] || fail "doc_stacks.py found too few stacks: $(cat "$T/doc/list")"
for n in $(cut -d' ' -f1 "$T/doc/list"); do
	where=$(sed -n "${n}s/^$n //p" "$T/doc/list")
	{
		shipped_service "$T/doc/$n"
		echo "@include common-account"
		echo "session required pam_unix.so"
	} > "/etc/pam.d/$STACK"
	check_stack "the stack at $where (sshd)" sshd
done

[ -z "$PROBLEMS" ] || fail "stacks that do not stop at a wrong password:$PROBLEMS"
pass "every shipped and documented stack ($(($(wc -l < "$T/doc/list") + 4)) of them) stops at a wrong password: no code sent, no failure counted, nothing revealed; the right password reaches the code"
