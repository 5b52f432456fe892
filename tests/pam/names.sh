#!/bin/sh
# Issue 9: user names are canonical. Behind a name service that ignores case (SSSD, LDAP),
# "ALICE" is alice: the module looks the name up (getpwnam_r) and uses the name service's own
# spelling, so an enrolled alice is not "not enrolled" as ALICE (with nullok that would skip
# the second factor). A name with a space at an end or a control character is refused, never
# treated as unenrolled. The name service here is a real NSS module of the tests
# (tests/pam/nss_casefold.c) behind nss_wrapper.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
NSS_MODULE="$top_builddir/tests/pam/.libs/libnss_casefold.so"
[ -f "$NSS_MODULE" ] || fail "the test name service is not built: $NSS_MODULE"
case $(LD_PRELOAD=libnss_wrapper.so sh -c : 2>&1) in
*libnss_wrapper*) skip "libnss_wrapper.so is not installed (Debian package libnss-wrapper)" ;;
esac
write_conf <<CONF
[policy]
methods = app
max_failures = 100
CONF
admin init >/dev/null
enroll_app alice
# With nullok the module steps aside for users without a method; pam_permit then decides.
cat > "$T/pam.d/lenient" <<SERVICE
auth    required $MODULE config=$CONF nullok
auth    required pam_permit.so
SERVICE
# nss_wrapper: its own (empty) passwd and group files, and the module that ignores case first.
: > "$T/passwd"
: > "$T/group"
export NSS_WRAPPER_PASSWD="$T/passwd" NSS_WRAPPER_GROUP="$T/group"
export NSS_WRAPPER_MODULE_SO_PATH="$NSS_MODULE" NSS_WRAPPER_MODULE_FN_PREFIX=casefold
# Without RTLD_DEEPBIND, which the sanitizers' runtime refuses (sanitizer builds of the tests).
export NSS_WRAPPER_DISABLE_DEEPBIND=1
NSS_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }libnss_wrapper.so"
export SECINFO_CASEFOLD_USERS="alice bob carol"
PAM_EXTRA_PRELOAD=libnss_wrapper.so
WRONG=$(printf '000000\n000001\n000002\n')

expect_pam "Authentication failure" "$WRONG" lenient alice authenticate
expect_in "$LAST_OUT" "[prompt] Verification code:"
pass "alice is asked for her code"
for spelling in ALICE Alice aLiCe; do
	expect_pam "Authentication failure" "$WRONG" lenient "$spelling" authenticate
	expect_in "$LAST_OUT" "[prompt] Verification code:"
	expect_in "$LAST_OUT" "auth user=alice service=lenient"
	expect_not_in "$LAST_OUT" "ignored-not-enrolled"
	pass "$spelling, which the name service knows as alice, is asked for alice's code"
done

# A right code as ALICE signs in as alice, and the step is then used up for alice.
fresh_step
code=$(totp "$SECRET_DEFAULT")
expect_pam success "$code" lenient ALICE authenticate
expect_in "$LAST_OUT" "result=success"
expect_pam "Authentication failure" "$(printf '%s\n%s\n%s\n' "$code" "$code" "$code")" \
	lenient alice authenticate
pass "ALICE's right code signs alice in, and alice cannot use the same step again"

for name in "alice " " alice" "$(printf 'ali\tce')" "$(printf 'alice\033[2J')"; do
	expect_pam "Authentication failure" "" lenient "$name" authenticate
	expect_not_in "$LAST_OUT" "ignored-not-enrolled"
	expect_not_in "$LAST_OUT" "Verification code"
	expect_in "$LAST_OUT" "refused the user name"
done
pass "names with a space at an end or a control character are refused, never passed over"

# Someone the name service does not know is still "not enrolled" (nullok passes them over).
expect_pam success "" lenient mallory authenticate
expect_in "$LAST_OUT" "result=ignored-not-enrolled"
pass "a name the name service does not know keeps its spelling and is not enrolled"

# secinfo-admin enrolls under the name service's spelling, and says so.
OUT=$(LD_PRELOAD="$NSS_PRELOAD" "$ADMIN" -c "$CONF" method add Bob app --secret "$SECRET_DEFAULT" \
	--no-verify 2>&1) || fail "method add Bob failed: $OUT"
expect_in "$OUT" "the name service calls 'Bob' 'bob': enrolling 'bob'"
[ "$(db_query "SELECT name FROM users WHERE name IN ('Bob', 'bob')")" = bob ] ||
	fail "Bob was not enrolled as bob"
pass "secinfo-admin method add Bob enrolls bob, the name service's spelling"

# An enrollment under another spelling (made before names were canonical, or past the name
# service): the module looks up carol, finds no carol, and must not pass over the second factor.
admin method add Carol app --secret "$SECRET_DEFAULT" --no-verify >/dev/null 2>&1
for name in carol Carol CAROL; do
	expect_pam "$UNAVAIL" "" lenient "$name" authenticate
	expect_not_in "$LAST_OUT" "ignored-not-enrolled"
	expect_in "$LAST_OUT" "user carol is not enrolled, but another spelling of the name is"
done
pass "an enrollment under another spelling fails closed (PAM_AUTHINFO_UNAVAIL), never PAM_IGNORE"
OUT=$(LD_PRELOAD="$NSS_PRELOAD" "$ADMIN" -c "$CONF" check 2>&1) &&
	fail "check passed an enrollment the module never uses: $OUT"
expect_in "$OUT" "user 'Carol' is enrolled under a spelling the name service does not use: it calls them 'carol'"
pass "secinfo-admin check names the enrollment under another spelling"
