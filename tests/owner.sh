#!/bin/sh
# The test build stays out of what is installed. make check runs copies of the module, its
# plugin, secinfo-admin and secinfo-reset (tests/testbuild/) whose owner check also trusts the
# user running the tests; make install installs the programs built beside them, which must
# trust root alone (SPEC §9). Proven two ways:
#   - the mark that only the test build of libsecinfo/safefile.c contains is in every copy
#     and in none of the installed programs;
#   - as an ordinary user, with files that user owns: the copies work, the installed module,
#     secinfo-admin and secinfo-reset refuse. Run as root, the test does this part as nobody.
set -eu
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
MARK=SECINFO-TEST-BUILD
if [ "${SECINFO_OWNER_AS:-}" = "" ]; then
	for f in pam_secinfo/.libs/pam_secinfo.so pam_secinfo/.libs/secinfo-delivery.so \
		secinfo-admin/secinfo-admin secinfo-reset/secinfo-reset secinfo/secinfo; do
		[ -f "$top_builddir/$f" ] || { echo "FAIL: $f is not built"; exit 1; }
		if grep -a -q "$MARK" "$top_builddir/$f"; then
			echo "FAIL: the installed $f contains the test build ($MARK)"
			exit 1
		fi
	done
	echo "ok - no installed program contains the test build's mark"
	for f in .libs/pam_secinfo.so .libs/secinfo-delivery.so secinfo-admin secinfo-reset; do
		grep -a -q "$MARK" "$top_builddir/tests/testbuild/$f" ||
			{ echo "FAIL: tests/testbuild/$f lacks the mark: the check above proves nothing"; exit 1; }
	done
	echo "ok - every test copy contains it (so its absence above means something)"
	if [ "$(id -u)" = 0 ]; then
		# Root is trusted by both builds: only an ordinary user tells them apart.
		command -v setpriv >/dev/null || { echo "SKIP: needs setpriv (util-linux) to run as nobody"; exit 77; }
		as_nobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
		$as_nobody test -x "$top_builddir/tests/testbuild/secinfo-admin" ||
			{ echo "SKIP: nobody cannot reach $top_builddir (run as an ordinary user)"; exit 77; }
		exec $as_nobody env SECINFO_OWNER_AS=nobody sh "$0"
	fi
fi

. "$top_srcdir/tests/lib.sh"
need_pamdrive
command -v python3 >/dev/null || skip "python3 is not installed"
me=$(id -un)
[ "$(id -u)" != 0 ] || fail "must not run this part as root"
write_conf </dev/null
admin init >/dev/null
[ "$(stat -c %U "$CONF" "$T/db/secinfo.db" "$T/secinfo.key" | sort -u)" = "$me" ] ||
	fail "the files should all be $me's"
enroll_app alice
pass "the test copy of secinfo-admin initialises and enrolls with $me's files"

# Every command of the installed secinfo-admin says it must be run as root (exit 1), before it
# looks at any file: not "not owned by root", which would send the administrator the wrong way.
for cmd in "init" "check" "user list" "user show alice" "user delete alice --yes" \
	"user unlock alice" "method add alice app --no-verify" "method delete alice app --yes" \
	"method default alice app" "question add Why?" "question list" "question retire 1" \
	"audit" "send-test sms +31612345678"; do
	rc=0
	# shellcheck disable=SC2086 # the words of the command
	out=$("$INSTALLED_ADMIN" -c "$CONF" $cmd 2>&1 </dev/null) || rc=$?
	[ "$rc" = 1 ] || fail "installed secinfo-admin $cmd as $me: exit $rc (expected 1): $out"
	[ "$out" = "secinfo-admin must be run as root" ] ||
		fail "installed secinfo-admin $cmd as $me said: $out"
done
# Asking for help needs no root.
"$INSTALLED_ADMIN" --help >/dev/null || fail "installed secinfo-admin --help failed as $me"
"$INSTALLED_ADMIN" user show --help >/dev/null || fail "user show --help failed as $me"
pass "the installed secinfo-admin refuses every command: must be run as root"

service test-copy
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" test-copy alice authenticate
pass "the test copy of the module signs in with them"
cat > "$T/pam.d/installed" <<SERVICE
auth     required $INSTALLED_MODULE config=$CONF
account  required $INSTALLED_MODULE config=$CONF
SERVICE
fresh_step
expect_pam "cannot retrieve authentication info" "$(totp $SECRET_DEFAULT 1)" installed alice authenticate
expect_in "$LAST_OUT" "$CONF: not owned by root"
expect_not_in "$LAST_OUT" "Verification code"
pass "the installed module refuses the same files: PAM_AUTHINFO_UNAVAIL, not owned by root"

# A service that secinfo-reset accepts (it verifies with purpose=reset), denied before that.
printf 'auth requisite pam_deny.so\nauth required %s config=%s purpose=reset\npassword requisite %s config=%s\n' \
	"$MODULE" "$CONF" "$MODULE" "$CONF" > "$T/pam.d/secinfo-reset"
out=$($WRAPPED "$INSTALLED_RESET" -c "$CONF" alice 2>&1 </dev/null) && fail "installed secinfo-reset ran: $out"
expect_in "$out" "must run as root"
out=$($WRAPPED "$RESET" -c "$CONF" alice 2>&1 </dev/null) && fail "pam_deny let secinfo-reset through: $out"
expect_in "$out" "verification failed"
admin audit --json | python3 -c 'import json, sys
rows = [r for r in json.load(sys.stdin) if r["event"] == "password-reset"]
assert len(rows) == 1 and rows[0]["user"] == "alice", rows' ||
	fail "the test copy of secinfo-reset did not write its audit row with $me's files"
pass "secinfo-reset: the installed one must run as root, the test copy runs and audits"
