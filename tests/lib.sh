# Shared by the shell tests: a throw-away directory with a configuration, a key, a database,
# PAM service files for pam_wrapper, and helpers to run the module through libpamtest (and
# pamtester). Source it; it sets -eu and cleans up on exit.
#
# The tests run the test build (tests/testbuild/, see Makefile.am): the module, its plugin,
# secinfo-admin and secinfo-reset built to trust the files of the user running the tests as
# well as root's, so that make check runs as an ordinary user. tests/owner.sh proves that the
# programs make install installs ($INSTALLED_*) trust root alone.
set -eu

: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
ADMIN="$top_builddir/tests/testbuild/secinfo-admin"
MODULE="$top_builddir/tests/testbuild/.libs/pam_secinfo.so"
RESET="$top_builddir/tests/testbuild/secinfo-reset"
INSTALLED_ADMIN="$top_builddir/secinfo-admin/secinfo-admin"
INSTALLED_MODULE="$top_builddir/pam_secinfo/.libs/pam_secinfo.so"
INSTALLED_RESET="$top_builddir/secinfo-reset/secinfo-reset"

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }

# need_root WHY: skips the whole test unless it runs as root.
need_root() { [ "$(id -u)" = 0 ] || skip "needs root: $*"; }
# need PROGRAM [DEBIAN PACKAGE]: skips when PROGRAM is missing.
need() {
	command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed${2:+ (Debian package $2)}"
}
# need_pam_wrapper: skips unless libpam_wrapper.so can be preloaded (the dynamic loader says
# "cannot be preloaded ... ignored" and goes on without it otherwise).
need_pam_wrapper() {
	case $(LD_PRELOAD=libpam_wrapper.so sh -c : 2>&1) in
	*libpam_wrapper*) skip "libpam_wrapper.so is not installed (Debian package libpam-wrapper)" ;;
	esac
}
# need_pamdrive: skips unless the libpamtest client tests/pam/pamdrive was built (configure
# builds it only when it finds libpamtest) and pam_wrapper is there to run it.
PAMDRIVE="$top_builddir/tests/pam/pamdrive"
need_pamdrive() {
	[ -x "$PAMDRIVE" ] ||
		skip "configure did not find libpamtest, so tests/pam/pamdrive is not built (Debian package libpamtest0-dev)"
	need_pam_wrapper
}
need oathtool oathtool
[ -f "$MODULE" ] || fail "test build of the module not built: $MODULE (make check builds it)"

T=$(mktemp -d /tmp/secinfo-test.XXXXXX)
chmod 700 "$T"
mkdir -m 700 "$T/db" "$T/pam.d" "$T/valgrind"

# SECINFO_TEST_VALGRIND=1 runs every PAM client under valgrind; any error or leak in any of
# them fails the script when it ends.
valgrind_verdict() {
	[ "${SECINFO_TEST_VALGRIND:-0}" = 1 ] || return 0
	bad=$(grep -l -E 'ERROR SUMMARY: [1-9]' \
		"$T"/valgrind/*.log 2>/dev/null || true)
	[ -z "$bad" ] && return 0
	echo "FAIL: valgrind found errors:" >&2
	cat $bad >&2
	return 1
}
trap 'rc=$?; valgrind_verdict || rc=1; rm -rf "$T"; exit $rc' EXIT
# A service that is not found falls back to "other": make that deny, as a real system should.
echo "auth required pam_deny.so" > "$T/pam.d/other"
CONF="$T/secinfo.conf"

# write_conf: the test configuration; extra lines (whole sections) come from standard input.
write_conf() {
	{
		printf '[database]\npath = %s/db/secinfo.db\nkey_file = %s/secinfo.key\n' "$T" "$T"
		cat
	} > "$CONF"
	chmod 644 "$CONF"
}

admin() { "$ADMIN" -c "$CONF" "$@"; }

# service NAME [MODULE ARGUMENTS...]: a PAM service whose auth and account are pam_secinfo.
service() {
	name=$1
	shift
	cat > "$T/pam.d/$name" <<SERVICE
auth     required $MODULE config=$CONF $*
account  required $MODULE config=$CONF $*
SERVICE
}

# pam SERVICE USER OPERATION...: the module under pam_wrapper, driven by libpamtest
# (tests/pam/pamdrive.c); each line of stdin answers one prompt.
# PAM_WRAPPER_DEBUGLEVEL=3 makes pam_wrapper print what the module sends to syslog, so tests
# can read the decision lines (they appear as "SYSLOG(5): ..." on stderr).
# SECINFO_TEST_PRELOAD names a library to load first (the ASan runtime in sanitizer builds).
VALGRIND=
if [ "${SECINFO_TEST_VALGRIND:-0}" = 1 ]; then
	VALGRIND="valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --num-callers=30 \
		--log-file=$T/valgrind/%p.log"
fi
# WRAPPED CMD...: runs CMD (and only CMD: not a driver around it) under pam_wrapper with the
# test's service directory, the ASan runtime first in sanitizer builds.
PAM_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD:}libpam_wrapper.so"
WRAPPED="env LD_PRELOAD=$PAM_PRELOAD PAM_WRAPPER=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
PAM_WRAPPER_SERVICE_DIR=$T/pam.d"

pam() {
	LD_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }libpam_wrapper.so" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		PAM_WRAPPER_DEBUGLEVEL=3 $VALGRIND "$PAMDRIVE" \
		-I rhost=203.0.113.9 "$@"
}

# expect_pam RESULT ANSWERS SERVICE USER OPERATION: RESULT is "success" or pam_strerror's text
# for the PAM error (for example "Authentication failure"); ANSWERS are the lines typed
# at the prompts. The whole transcript is left in LAST_OUT.
expect_pam() {
	want=$1
	answers=$2
	shift 2
	out=$(printf '%s\n' "$answers" | pam "$@" 2>&1) && got=success || got=failed
	if [ "$want" = success ]; then
		[ "$got" = success ] || fail "expected success for '$*', got: $out"
	else
		[ "$got" = failed ] || fail "expected '$want' for '$*', got success: $out"
		case $out in *"$want"*) ;; *) fail "expected '$want' for '$*', got: $out" ;; esac
	fi
	LAST_OUT=$out
}

# expect_unavail WHAT: service s (with nullok) answers PAM_AUTHINFO_UNAVAIL without asking for
# a code, to alice (enrolled) and to an unknown user alike.
UNAVAIL="cannot retrieve authentication info"
expect_unavail() {
	expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
	expect_not_in "$LAST_OUT" "Verification code"
	expect_pam "$UNAVAIL" "$(echo 000000)" s nobody-enrolled authenticate
	pass "$1: PAM_AUTHINFO_UNAVAIL, even with nullok and for unknown users"
}

# expect_in TEXT WORDS...: TEXT must contain WORDS.
expect_in() {
	case $1 in *"$2"*) ;; *) fail "expected '$2' in: $1" ;; esac
}

# expect_not_in TEXT WORDS: TEXT must not contain WORDS.
expect_not_in() {
	case $1 in *"$2"*) fail "did not expect '$2' in: $1" ;; esac
}

# totp SECRET [STEPS]: the current code (or STEPS periods away) computed by oathtool, not us.
totp() {
	now=$(date +%s)
	oathtool --totp -b "$1" --now "@$((now + ${2:-0} * 30))"
}

# enroll_app USER: enrolls a fresh TOTP secret without verification and prints the secret.
SECRET_DEFAULT=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
enroll_app() {
	admin method add "$1" app --secret "${2:-$SECRET_DEFAULT}" --no-verify >/dev/null
}

# SLOW: seconds one PAM call may take (valgrind makes them slow); tests size time margins by it.
SLOW=2
[ "${SECINFO_TEST_VALGRIND:-0}" = 1 ] && SLOW=8

# fresh_step: waits until enough of the current 30-second step remains that a code computed
# now is still current when the module checks it.
fresh_step() {
	while [ $((30 - $(date +%s) % 30)) -le "$SLOW" ]; do sleep 1; done
}
