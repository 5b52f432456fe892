#!/bin/sh
# The demo: installs what is needed, builds secinfo, and signs a user in through the real
# pam_secinfo.so against a throw-away database, saying what happens at each step.
# Run as root on Debian 12 from the top of the source tree: ./scripts/demo.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if [ -t 1 ]; then
	step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
else
	step() { printf '\n==> %s\n' "$*"; }
fi

step "Installing build and demo dependencies (Debian packages)"
sh scripts/deps.sh
step "Building secinfo in _build/ (autotools, warnings as errors)"
sh scripts/build.sh _build
B="$top/_build"
ADMIN="$B/secinfo-admin/secinfo-admin"
MODULE="$B/pam_secinfo/.libs/pam_secinfo.so"

D=$(mktemp -d /tmp/secinfo-demo.XXXXXX)
chmod 700 "$D"
mkdir -m 700 "$D/db" "$D/pam.d"
trap 'rm -rf "$D"' EXIT
step "Writing a throw-away configuration in $D (root-owned: the module trusts nothing else)"
cat > "$D/secinfo.conf" <<CONF
[policy]
methods = app
tries = 1

[database]
path = $D/db/secinfo.db
key_file = $D/secinfo.key
CONF
chmod 644 "$D/secinfo.conf"
cat "$D/secinfo.conf"

step "secinfo-admin init: creating the encryption key and the enrollment database"
"$ADMIN" -c "$D/secinfo.conf" init

step "Enrolling user 'demo' with an authenticator app"
echo "The phone's app is played by oathtool; it is given the same secret as the QR code holds."
secret=$(head -c 20 /dev/urandom | base32 | tr -d '=')
code=$(oathtool --totp -b "$secret")
echo "secinfo-admin asks for the app's current code to confirm the app works; oathtool says $code."
echo "$code" | "$ADMIN" -c "$D/secinfo.conf" method add demo app --secret "$secret"

step "A PAM service 'demo-login' that asks for the second factor"
echo "auth required $MODULE config=$D/secinfo.conf" | tee "$D/pam.d/demo-login"

run_pam() {
	LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$D/pam.d" \
		pamtester demo-login demo authenticate 2>&1 | grep -v '^PWRAP'
}
# The code used at enrollment can never be used again: wait for the app's next code.
sleep $((31 - $(date +%s) % 30))
code=$(oathtool --totp -b "$secret")
step "Signing in as 'demo' through pam_secinfo.so with pamtester, typing the app's code $code"
echo "$code" | run_pam

step "The same code a second time (replay) is refused"
echo "$code" | run_pam || true

step "A wrong code is refused"
echo 000000 | run_pam || true

step "The audit trail of these decisions (secinfo-admin audit)"
"$ADMIN" -c "$D/secinfo.conf" audit --user demo

step "Done. The throw-away directory $D is removed. See README.md to install secinfo for real."
