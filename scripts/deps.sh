#!/bin/sh
# Installs everything secinfo needs to build, test and demo on Debian 12 (run as root).
# Sourced or run by scripts/demo.sh and scripts/test.sh; safe to run again.
set -eu

# libfido2-dev: the security key plugin (fido/); libcbor-dev and libssl-dev (libcrypto) also
# build the tests' software authenticator (tests/fido/); fido2-tools (fido2-token, fido2-cred,
# fido2-assert) test that authenticator against libfido2's own tools. libpq-dev: the
# PostgreSQL store (SPEC 16); postgresql: the tests' private server (tests/pg/server.sh).
SECINFO_BUILD_PACKAGES="build-essential autoconf automake libtool pkg-config \
libpam0g-dev libsodium-dev libsqlite3-dev libcurl4-openssl-dev libssl-dev liboath-dev libqrencode-dev \
libfido2-dev libcbor-dev libpq-dev"
SECINFO_TEST_PACKAGES="libpam-wrapper libpamtest0-dev pamtester oathtool sqlite3 python3 \
valgrind binutils libpam-modules clang-format openssl debhelper lintian rsync \
openssh-server openssh-client sudo login passwd util-linux procps python3-aiosmtpd libfaketime \
libnss-wrapper libpam-pwquality cracklib-runtime fido2-tools postgresql postgresql-client \
libpam-google-authenticator gettext"
# postgresql: the server binaries (initdb, pg_ctl) of the tests' private server
# (tests/pg/server.sh) and psql, for the fleet's shared store; its own cluster is not used.
# gettext: msgfmt, for a message catalogue of the invoking user's (tests/pg/backend.sh).
# The fuzzers (fuzz/README.md): clang and its runtime libraries, which hold libFuzzer.
SECINFO_FUZZ_PACKAGES="clang libclang-rt-14-dev"

if [ "$(id -u)" != 0 ]; then
	echo "scripts/deps.sh: run as root (it installs Debian packages with apt-get)" >&2
	exit 1
fi
missing=
for p in $SECINFO_BUILD_PACKAGES $SECINFO_TEST_PACKAGES $SECINFO_FUZZ_PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "Installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
fi
