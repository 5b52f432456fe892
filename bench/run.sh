#!/bin/sh
# Builds the sign-in benchmark against a configured and built secinfo tree and runs it.
#
#   bench/run.sh BUILD_DIR [signin_bench options]
#
# BUILD_DIR is where ./configure && make ran (it holds libsecinfo/.libs/libsecinfo.a and
# pam_secinfo/.libs/pam_secinfo.so). Needs root (the module trusts only root-owned files),
# pam_wrapper (libpam-wrapper), pkg-config and the -dev packages of libsodium, sqlite3, liboath
# and libpam; valgrind (with its headers) for the instruction counts.
# Options (see bench/README.md): -n 10,1000,10000,100000  -r 200  -w 20  -c 10  -d /var/tmp  -k
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [signin_bench options]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
shift
SRC=$(cd "$(dirname "$0")/.." && pwd)
LIB="$BUILD/libsecinfo/.libs/libsecinfo.a"
MODULE="$BUILD/pam_secinfo/.libs/pam_secinfo.so"
OUT="$BUILD/bench"
CC=${CC:-cc}
CFLAGS=${CFLAGS:--O2 -g -Wall -Wextra -Wformat=2 -Wshadow}

[ -f "$LIB" ] && [ -f "$MODULE" ] || { echo "$0: build secinfo in $BUILD first (make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "$0: run as root: the module only trusts root-owned files" >&2; exit 1; }
ldconfig -p | grep -q 'libpam_wrapper\.so ' ||
	{ echo "$0: pam_wrapper is missing (apt-get install libpam-wrapper)" >&2; exit 1; }

mkdir -p "$OUT"
# The driver links libpam only, so that every pam_start loads the module and its libraries
# the way a fresh sshd or sudo process does.
$CC $CFLAGS -o "$OUT/signin_drive" "$SRC/bench/signin_drive.c" -lpam
# shellcheck disable=SC2046
$CC $CFLAGS -I"$SRC/libsecinfo" $(pkg-config --cflags libsodium sqlite3 liboath) \
	-o "$OUT/signin_bench" "$SRC/bench/signin_bench.c" "$LIB" \
	$(pkg-config --libs libsodium sqlite3 liboath)

# Instruction counts when callgrind can be told to count only the measured sign-ins;
# "-c 0" on the command line turns them off (the last -c wins).
CALLGRIND=
if command -v valgrind >/dev/null && [ -f /usr/include/valgrind/callgrind.h ]; then
	CALLGRIND="-c 10"
fi
# shellcheck disable=SC2086
exec "$OUT/signin_bench" -m "$MODULE" -D "$OUT/signin_drive" $CALLGRIND "$@"
