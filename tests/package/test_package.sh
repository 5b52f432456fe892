#!/bin/sh
# The Debian package, end to end (issue 5, point 2). Run as root on Debian 12:
#   sh tests/package/test_package.sh [SOURCE_TREE]
# Builds libpam-secinfo from a copy of SOURCE_TREE (default: this script's tree) with
# dpkg-buildpackage, runs lintian, installs the .deb with apt-get, checks files, modes and the
# postinst's key and database, enrolls a user and signs in through the INSTALLED module under
# pam_wrapper with pamtester, registers a FIDO2 security key with the installed secinfo-admin
# and signs in with it through the installed module and its secinfo-key.so (the key is the
# tests' software authenticator, tests/fido/, built from the same tree and preloaded: it serves
# libfido2's device list and I/O, and nothing installed chooses it), checks that removing the
# package takes its pam-auth-update profile out of /etc/pam.d/common-auth, then purges and
# checks that nothing is left.
# Prints one line per check and ends with "PACKAGE: N passed, M failed"; exit 0 when all
# passed, 1 when one failed, 77 when it cannot run here (not root, or secinfo already
# installed on this machine: the purge would delete its key and database).
# Not part of make check: it installs and purges a package on the machine.
set -u

tree=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
tree=$(cd "$tree" && pwd)
PKG=libpam-secinfo
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
SECDIR=/lib/$MA/security
MODULE=$SECDIR/pam_secinfo.so
PLUGIN=$SECDIR/secinfo-delivery.so
KEYPLUGIN=$SECDIR/secinfo-key.so
CONF=/etc/security/secinfo.conf
KEY=/etc/security/secinfo.key
STATE=/var/lib/secinfo
DB=$STATE/secinfo.db
PROFILE=/usr/share/pam-configs/secinfo
export DEBIAN_FRONTEND=noninteractive

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" = 0 ] || skip "needs root: it installs and purges $PKG"
for c in dpkg-buildpackage dh lintian pamtester oathtool rsync python3; do
	command -v "$c" >/dev/null || skip "$c is not installed (scripts/deps.sh)"
done
[ -n "$(ls /usr/lib/"$MA"/libpam_wrapper.so* 2>/dev/null)" ] || skip "libpam-wrapper is not installed"
if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q 'installed\|config-files'; then
	skip "$PKG is already installed here; purging it would delete its key and database"
fi
for f in "$MODULE" "$CONF" "$KEY" "$STATE"; do
	[ -e "$f" ] && skip "$f exists (secinfo installed from source?); the purge would delete it"
done

passed=0
failed=0
ok() {
	echo "ok - $*"
	passed=$((passed + 1))
}
bad() {
	echo "FAIL - $*"
	failed=$((failed + 1))
}
# check DESCRIPTION COMMAND...: one check; the command's output is shown only on failure.
check() {
	what=$1
	shift
	if out=$("$@" 2>&1); then ok "$what"; else
		bad "$what"
		printf '%s\n' "$out" | sed 's/^/    /' | tail -n 30
	fi
}
finish() {
	echo "PACKAGE: $passed passed, $failed failed"
	[ "$failed" = 0 ] && exit 0
	exit 1
}

W=$(mktemp -d /tmp/secinfo-package.XXXXXX)
chmod 700 "$W"
mkdir -m 700 "$W/pam.d" "$W/pam-backup"
cp -p /etc/pam.d/common-* "$W/pam-backup/"
# Whatever happens, the machine's PAM stacks are left without pam_secinfo.so and the package
# is purged (it was not installed before: checked above).
cleanup() {
	rc=$?
	if grep -qs pam_secinfo /etc/pam.d/common-*; then
		[ -e "$PROFILE" ] && pam-auth-update --package --remove secinfo >/dev/null 2>&1
		if grep -qs pam_secinfo /etc/pam.d/common-*; then
			cp -p "$W"/pam-backup/common-* /etc/pam.d/
		fi
	fi
	if dpkg-query -W -f='${Status}' $PKG 2>/dev/null | grep -q 'installed\|config-files'; then
		apt-get purge -y -q $PKG >/dev/null 2>&1 || dpkg --purge $PKG >/dev/null 2>&1
	fi
	rm -rf "$W"
	exit $rc
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- build ---------------------------------------------------------------------------------
V=$(dpkg-parsechangelog -l "$tree/debian/changelog" -S Version)
SRC="$W/build/secinfo-$V"
mkdir -p "$SRC"
rsync -a --exclude='_build*' --exclude=.git --exclude=autom4te.cache \
	--exclude='debian/.debhelper' --exclude="debian/$PKG" --exclude='debian/tmp' \
	--exclude='debian/files' --exclude='debian/*.substvars' --exclude='debian/*debhelper*' \
	"$tree/" "$SRC/"
if (cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$W/build.log" 2>&1; then
	ok "dpkg-buildpackage -us -uc -b builds $PKG $V"
else
	bad "dpkg-buildpackage -us -uc -b (last lines of the log follow)"
	tail -n 40 "$W/build.log" | sed 's/^/    /'
	finish
fi
DEB=$(ls "$W"/build/${PKG}_"$V"_*.deb)
CHANGES=$(ls "$W"/build/secinfo_"$V"_*.changes)

# ---- lintian -------------------------------------------------------------------------------
lintian --pedantic -I "$CHANGES" >"$W/lintian.log" 2>&1
grep -v 'running with root privileges' "$W/lintian.log" | sed 's/^/    lintian: /'
errors=$(grep -c '^E: ' "$W/lintian.log")
if [ "$errors" = 0 ]; then
	ok "lintian: no errors ($(grep -c '^W: ' "$W/lintian.log") warnings)"
else
	bad "lintian: $errors errors"
fi

# ---- the package's contents ----------------------------------------------------------------
contents=$(dpkg-deb -c "$DEB")
has() { printf '%s\n' "$contents" | grep -q " \\.$1\$"; }
for f in "$MODULE" "$PLUGIN" "$KEYPLUGIN" /usr/sbin/secinfo-admin /usr/sbin/secinfo-reset "$CONF" "$PROFILE" \
	/usr/share/man/man8/pam_secinfo.8.gz /usr/share/man/man8/secinfo-admin.8.gz \
	/usr/share/man/man8/secinfo-reset.8.gz /usr/share/man/man5/secinfo.conf.5.gz \
	/usr/share/doc/$PKG/copyright /usr/share/doc/$PKG/README.Debian \
	/usr/share/doc/$PKG/examples/pam.d/sshd /etc/pam.d/secinfo-reset \
	/usr/bin/secinfo /etc/pam.d/secinfo /usr/share/man/man1/secinfo.1.gz; do
	check "the package contains $f" has "$f"
done
check "no libtool archives (.la) in the package" sh -c "! printf '%s\n' \"\$1\" | grep -q '\\.la\$'" _ "$contents"
check "the key and the database are not shipped (postinst creates them)" \
	sh -c "! printf '%s\n' \"\$1\" | grep -q 'secinfo\\.key\|secinfo\\.db\|/var/lib/secinfo'" _ "$contents"
check "$CONF is a conffile" sh -c "dpkg-deb -e '$DEB' '$W/control' && grep -qx '$CONF' '$W/control/conffiles'"
check "/etc/pam.d/secinfo-reset is a conffile" grep -qx /etc/pam.d/secinfo-reset "$W/control/conffiles"
check "/etc/pam.d/secinfo is a conffile" grep -qx /etc/pam.d/secinfo "$W/control/conffiles"
check "/usr/bin/secinfo is shipped set-user-id root (rwsr-xr-x root/root; lintian override elevated-privileges)" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^-rwsr-xr-x root/root .* \./usr/bin/secinfo\$'" _ "$contents"
check "the package depends on libpam-pwquality (the secinfo-reset service needs pam_pwquality.so)" \
	sh -c "dpkg-deb -f '$DEB' Depends | grep -q 'libpam-pwquality'"
check "the package depends on libfido2-1 (shlibs of secinfo-key.so, secinfo-admin, secinfo)" \
	sh -c "dpkg-deb -f '$DEB' Depends | grep -q 'libfido2-1'"
check "$KEYPLUGIN is shipped rw-r--r-- root/root (the module loads only a root-owned file others cannot write)" \
	sh -c "printf '%s\n' \"\$1\" | grep -q '^-rw-r--r-- root/root .* \.$KEYPLUGIN\$'" _ "$contents"

# ---- install -------------------------------------------------------------------------------
if apt-get install -y -q "$DEB" >"$W/install.log" 2>&1; then
	ok "apt-get install $(basename "$DEB")"
else
	bad "apt-get install $(basename "$DEB")"
	tail -n 30 "$W/install.log" | sed 's/^/    /'
	finish
fi

mode() { stat -c '%U:%G %a' "$1"; }
check "$MODULE and $PLUGIN installed" test -f "$MODULE" -a -f "$PLUGIN"
check "/usr/sbin/secinfo-admin and /usr/sbin/secinfo-reset installed and executable" \
	test -x /usr/sbin/secinfo-admin -a -x /usr/sbin/secinfo-reset
check "the module does not link libcurl (only the delivery plugin does)" \
	sh -c "! ldd '$MODULE' | grep -q libcurl"
check "$KEYPLUGIN installed root:root 644" test "$(mode $KEYPLUGIN)" = "root:root 644"
check "the module does not link libfido2; secinfo-key.so does" \
	sh -c "! ldd '$MODULE' | grep -q libfido2 && ldd '$KEYPLUGIN' | grep -q libfido2"
check "secinfo-key.so defines no libfido2 or test symbol of its own" \
	sh -c "! nm -D --defined-only '$KEYPLUGIN' | grep -qi 'fido_dev\|softfido'"
check "$CONF installed (root:root 644)" test "$(mode $CONF)" = "root:root 644"
check "dpkg records $CONF as a conffile" \
	sh -c "dpkg-query -W -f='\${Conffiles}' $PKG | grep -q ' $CONF '"
# secinfo-reset finds its service (it refuses to run without it) and goes on to PAM.
out=$(/usr/sbin/secinfo-reset secinfo-pkgtest-nobody </dev/null 2>&1) || true
check "the installed secinfo-reset accepts the installed /etc/pam.d/secinfo-reset" \
	sh -c "printf '%s' \"\$1\" | grep -q 'verification failed' && ! printf '%s' \"\$1\" | grep -q 'refusing'" _ "$out"
check "$STATE created by postinst (root:root 700)" test "$(mode $STATE)" = "root:root 700"
check "$KEY created by postinst (root:root 600, 32 bytes)" \
	test "$(mode $KEY) $(stat -c %s $KEY)" = "root:root 600 32"
check "$DB created by postinst (root:root 600)" test "$(mode $DB)" = "root:root 600"
check "/usr/bin/secinfo installed set-user-id root (root:root 4755)" \
	test "$(mode /usr/bin/secinfo)" = "root:root 4755"
# As a user who is not root: refuses -c before asking anything.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/secinfo -c /dev/null </dev/null 2>&1) || true
check "the installed secinfo refuses -c for a user who is not root" \
	sh -c "printf '%s' \"\$1\" | grep -q 'only for root; run secinfo as yourself'" _ "$out"
for m in man8/pam_secinfo.8 man8/secinfo-admin.8 man8/secinfo-reset.8 man5/secinfo.conf.5 \
	man1/secinfo.1; do
	check "man page /usr/share/man/$m.gz installed" test -s /usr/share/man/$m.gz
done
check "the pam-auth-update profile is off by default" grep -qx 'Default: no' "$PROFILE"
check "installing enabled nothing: no pam_secinfo in /etc/pam.d/common-*" \
	sh -c '! grep -q pam_secinfo /etc/pam.d/common-*'
check "secinfo-admin check: the installed files are usable" secinfo-admin check

keysum=$(sha256sum "$KEY")
check "secinfo-admin init again: nothing to do" \
	sh -c 'secinfo-admin init | grep -q "nothing to do"'
check "running postinst again (dpkg-reconfigure) keeps the key" \
	sh -c "dpkg-reconfigure $PKG && test \"\$(sha256sum $KEY)\" = '$keysum'"
check "the key is unchanged after init" test "$(sha256sum "$KEY")" = "$keysum"

# ---- sign in through the installed module --------------------------------------------------
SECRET=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
USER_=pkgtest
check "secinfo-admin method add $USER_ app --secret (enrolls $USER_)" \
	secinfo-admin method add $USER_ app --secret $SECRET --no-verify
echo "auth required pam_deny.so" >"$W/pam.d/other"
echo "auth required $MODULE" >"$W/pam.d/secinfo-pkgtest"
pamtest() {
	LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$W/pam.d" \
		pamtester secinfo-pkgtest "$1" authenticate 2>&1
}
# A code computed now must still be current when the module checks it.
while [ $((30 - $(date +%s) % 30)) -le 3 ]; do sleep 1; done
code=$(oathtool --totp -b $SECRET)
out=$(echo "$code" | pamtest $USER_) && case $out in *"successfully authenticated"*) r=0 ;; *) r=1 ;; esac || r=1
if [ $r = 0 ]; then ok "pamtester signs $USER_ in through $MODULE with oathtool's code"; else
	bad "pamtester sign-in with the right code"
	printf '%s\n' "$out" | sed 's/^/    /'
fi
out=$(echo 000000 | pamtest $USER_) && r=1 || r=0
if [ $r = 0 ]; then ok "pamtester: a wrong code is refused"; else
	bad "pamtester accepted a wrong code"
	printf '%s\n' "$out" | sed 's/^/    /'
fi
check "the audit trail records the sign-in" \
	sh -c "secinfo-admin audit --user $USER_ | grep -q success"
# An app sign-in never loads libfido2 (the key plugin is loaded on first use of a key). The
# code of the step above is spent: wait for the next step.
while [ "$(oathtool --totp -b $SECRET)" = "$code" ]; do sleep 1; done
while [ $((30 - $(date +%s) % 30)) -le 3 ]; do sleep 1; done
code=$(oathtool --totp -b $SECRET)
out=$(echo "$code" | LD_DEBUG=files pamtest $USER_)
case $out in *"successfully authenticated"*) r=0 ;; *) r=1 ;; esac
if [ $r = 0 ] && ! printf '%s\n' "$out" | grep -q 'libfido2\|secinfo-key'; then
	ok "an app sign-in through the installed module loads neither secinfo-key.so nor libfido2"
else
	bad "an app sign-in under LD_DEBUG=files failed, or loaded secinfo-key.so or libfido2"
	printf '%s\n' "$out" | grep -E 'successfully|fido|secinfo-key|error|fail' | tail -n 30 | sed 's/^/    /'
fi

# ---- a security key through the installed module -------------------------------------------
# The software authenticator, built from the tree the package was built from (make check
# targets; dpkg-buildpackage left that build configured in $SRC).
BUILT=$SRC
[ -f "$BUILT/Makefile" ] || BUILT=$(ls -d "$SRC"/obj-* 2>/dev/null | head -n 1)
SOFTFIDO_LIB=$BUILT/tests/fido/.libs/softfido.so
SOFTFIDO_CTL=$BUILT/tests/fido/softfido-ctl
if [ -n "$BUILT" ] && make -C "$BUILT" tests/fido/softfido.la tests/fido/softfido-ctl >"$W/softfido.log" 2>&1 &&
	[ -f "$SOFTFIDO_LIB" ]; then
	ok "the software authenticator builds from the package's tree ($SOFTFIDO_LIB)"
else
	bad "the software authenticator did not build in ${BUILT:-$SRC} (tests/fido)"
	tail -n 20 "$W/softfido.log" 2>/dev/null | sed 's/^/    /'
fi
KEYUSER=pkgkey
PIN=4826
KEYSTATE=$W/softfido.state
check "softfido-ctl init: a software key with a PIN" "$SOFTFIDO_CTL" "$KEYSTATE" init --pin $PIN
# secinfo-admin asks for the PIN on a terminal (echo off), then says to touch the key.
out=$(python3 "$tree/tests/ptydrive.py" --timeout 40 "PIN" "$PIN" -- env LD_PRELOAD="$SOFTFIDO_LIB" \
	SOFTFIDO_STATE="$KEYSTATE" secinfo-admin method add $KEYUSER key 2>&1) && r=0 || r=$?
if [ $r = 0 ] && printf '%s' "$out" | grep -q "Touch your security key." &&
	secinfo-admin user show $KEYUSER --json | grep -q '"kind": "key"'; then
	ok "the installed secinfo-admin registers a security key for $KEYUSER (PIN, touch)"
else
	bad "secinfo-admin method add $KEYUSER key (exit $r)"
	printf '%s\n' "$out" | tail -n 20 | sed 's/^/    /'
fi
# keytest PIN: pamtester signs KEYUSER in through the installed module with the key plugged
# in, typing PIN at the PIN prompt.
keytest() {
	echo "$1" | LD_PRELOAD="libpam_wrapper.so $SOFTFIDO_LIB" SOFTFIDO_STATE="$KEYSTATE" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$W/pam.d" pamtester secinfo-pkgtest $KEYUSER authenticate 2>&1
}
key_counter() { "$SOFTFIDO_CTL" "$KEYSTATE" show 2>/dev/null | sed -n 's/^counter=//p'; }
counter=$(key_counter)
out=$(keytest $PIN)
case $out in *"successfully authenticated"*) r=0 ;; *) r=1 ;; esac
if [ $r = 0 ] && [ "$(key_counter)" -gt "${counter:-0}" ]; then
	ok "pamtester signs $KEYUSER in through $MODULE and $KEYPLUGIN with the key's PIN and a touch"
else
	bad "pamtester sign-in with the security key (counter ${counter:-?}, then $(key_counter))"
	printf '%s\n' "$out" | sed 's/^/    /'
fi
out=$(keytest 0000) && r=1 || r=0
case $out in *"successfully authenticated"*) r=1 ;; esac
if [ $r = 0 ]; then ok "pamtester: a wrong PIN is refused"; else
	bad "pamtester accepted a wrong PIN"
	printf '%s\n' "$out" | sed 's/^/    /'
fi
check "the audit trail records the key's sign-in (auth, success, key)" \
	sh -c "secinfo-admin audit --user $KEYUSER --json | python3 -c 'import json, sys
assert any(r[\"event\"] == \"auth\" and r[\"result\"] == \"success\" and r[\"method\"] == \"key\" for r in json.load(sys.stdin))'"

# ---- the pam-auth-update profile, and removal -----------------------------------------------
if pam-auth-update --enable secinfo >"$W/pau.log" 2>&1 && grep -q pam_secinfo /etc/pam.d/common-auth; then
	ok "pam-auth-update --enable secinfo adds pam_secinfo.so to common-auth"
	check "the enabled profile line is 'auth required pam_secinfo.so nullok'" \
		grep -Eq '^auth[[:space:]]+required[[:space:]]+pam_secinfo\.so nullok$' /etc/pam.d/common-auth
else
	bad "pam-auth-update --enable secinfo did not add pam_secinfo.so to common-auth"
	sed 's/^/    /' "$W/pau.log"
fi
if apt-get remove -y -q $PKG >"$W/remove.log" 2>&1; then ok "apt-get remove $PKG"; else
	bad "apt-get remove $PKG"
	tail -n 20 "$W/remove.log" | sed 's/^/    /'
fi
check "after remove: no pam_secinfo in /etc/pam.d/common-* (prerm took the profile out)" \
	sh -c '! grep -q pam_secinfo /etc/pam.d/common-*'
check "after remove: the module is gone" test ! -e "$MODULE"
check "after remove: configuration, key and database are kept" test -f "$CONF" -a -f "$KEY" -a -f "$DB"

# ---- purge -----------------------------------------------------------------------------------
if apt-get purge -y -q $PKG >"$W/purge.log" 2>&1; then ok "apt-get purge $PKG"; else
	bad "apt-get purge $PKG"
	tail -n 20 "$W/purge.log" | sed 's/^/    /'
fi
for f in "$MODULE" "$PLUGIN" "$KEYPLUGIN" /usr/sbin/secinfo-admin /usr/sbin/secinfo-reset "$CONF" "$KEY" \
	/usr/bin/secinfo /etc/pam.d/secinfo "$STATE" "$PROFILE" /usr/share/doc/$PKG /usr/share/man/man8/pam_secinfo.8.gz \
	/usr/share/man/man5/secinfo.conf.5.gz; do
	check "after purge: $f is gone" test ! -e "$f" -a ! -L "$f"
done
check "after purge: dpkg -L $PKG lists nothing" sh -c "! dpkg -L $PKG 2>/dev/null | grep -q ."
check "after purge: dpkg knows nothing of $PKG" \
	sh -c "! dpkg-query -W -f='\${Status}' $PKG 2>/dev/null | grep -q 'installed\|config-files'"
check "after purge: no pam_secinfo in /etc/pam.d/common-*" sh -c '! grep -q pam_secinfo /etc/pam.d/common-*'
# Every file the package shipped (directories too, except those other packages share: lintian
# owns /usr/share/lintian/overrides, where the override of the set-user-id secinfo goes).
left=
for f in $(printf '%s\n' "$contents" | awk '{print substr($6, 2)}'); do
	f=${f%/}
	case $f in "" | /etc | /etc/pam.d | /etc/security | /lib | /lib/"$MA" | "$SECDIR" | /usr | /usr/sbin | /usr/bin | \
		/usr/share | /usr/share/doc | /usr/share/man | /usr/share/man/man? | \
		/usr/share/pam-configs | /usr/share/lintian | /usr/share/lintian/overrides) continue ;;
	esac
	[ -e "$f" ] || [ -L "$f" ] && left="$left $f"
done
check "after purge: none of the package's $(printf '%s\n' "$contents" | wc -l) paths is left" test -z "$left"
[ -z "$left" ] || echo "    left:$left"

finish
