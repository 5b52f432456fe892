#!/bin/sh
# Builds the sign-in benchmark against a configured and built secinfo tree and runs it: one
# table of pam_permit, google-authenticator, pam_oath and secinfo side by side, then a line
# per target (met / NOT met).
#
#   bench/run.sh BUILD_DIR [signin_bench options]
#
# BUILD_DIR is where ./configure && make ran (it holds libsecinfo/.libs/libsecinfo.a and
# pam_secinfo/.libs/pam_secinfo.so). Needs root (the module trusts only root-owned files) and
# pkg-config with the -dev packages of libsodium, sqlite3, liboath and libpam; installs with
# apt-get what else it needs and is missing: pam_wrapper, google-authenticator's and
# pam_oath's modules, pamtester, strace and valgrind.
# secinfo on PostgreSQL is measured too: against the server that SECINFO_TEST_PG_PORT,
# SECINFO_TEST_PG_CA and SECINFO_TEST_PG_PASSWORD name (tests/pg/server.sh's variables), or
# else a private one that this script starts with tests/pg/server.sh and stops at exit
# (SECINFO_BENCH_PG=0: no PostgreSQL rows). SECINFO_BENCH_PG_SSLMODE: the configuration's
# sslmode (default verify-full; disable for a PgBouncer on this host, bench/pgbouncer.sh).
# Options (see bench/README.md): -n 1000,100000  -r 200  -w 20  -p 30  -c 10  -f 20  -C 50
#                                -d /var/tmp  -k  -s
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
missing=
for pkg in libpam-wrapper libpam-google-authenticator libpam-oath pamtester strace valgrind; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $pkg"
done
if [ -n "$missing" ]; then
	echo "installing$missing" >&2
	# shellcheck disable=SC2086
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing; } \
		>&2 || { echo "$0: cannot install$missing" >&2; exit 1; }
fi

mkdir -p "$OUT"
# The driver links libpam only, so that every pam_start loads the module and its libraries
# the way a fresh sshd or sudo process does.
$CC $CFLAGS -o "$OUT/signin_drive" "$SRC/bench/signin_drive.c" -lpam
# shellcheck disable=SC2046
$CC $CFLAGS -I"$SRC/libsecinfo" $(pkg-config --cflags libsodium sqlite3 liboath) \
	-o "$OUT/signin_bench" "$SRC/bench/signin_bench.c" "$LIB" \
	$(pkg-config --libs libsodium sqlite3 liboath) -lm -ldl

# Instruction counts when callgrind can be told to count only the measured sign-ins;
# "-c 0" on the command line turns them off (the last -c wins).
CALLGRIND=
if command -v valgrind >/dev/null && [ -f /usr/include/valgrind/callgrind.h ]; then
	CALLGRIND="-c 10"
fi
# How the module links sqlite3, libsodium and liboath (configure --enable-static-module-libs).
if readelf -d "$MODULE" | grep -q 'NEEDED.*libsqlite3'; then
	echo "pam_secinfo.so: linked with the shared libsqlite3, libsodium and liboath"
else
	echo "pam_secinfo.so: sqlite3, libsodium and liboath linked in from their archives"
fi
# The PostgreSQL server: the one given, or a private one for this run.
pg_dir=
if [ "${SECINFO_BENCH_PG:-1}" = 0 ]; then
	unset SECINFO_TEST_PG_PORT SECINFO_TEST_PG_CA SECINFO_TEST_PG_PASSWORD
elif [ -z "${SECINFO_TEST_PG_PORT:-}" ]; then
	pg_dir=$OUT/pg.$$
	trap 'sh "$SRC/tests/pg/server.sh" stop "$pg_dir"' EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	eval "$(sh "$SRC/tests/pg/server.sh" start "$pg_dir")"
	echo "PostgreSQL: a private server on 127.0.0.1:$SECINFO_TEST_PG_PORT ($pg_dir)"
fi
[ -z "${SECINFO_TEST_PG_PORT:-}" ] ||
	echo "PostgreSQL: $(PGPASSWORD=$SECINFO_TEST_PG_PASSWORD psql -X -A -t "host=127.0.0.1 \
port=$SECINFO_TEST_PG_PORT user=secinfo dbname=postgres sslmode=verify-full \
sslrootcert=$SECINFO_TEST_PG_CA" -c 'SELECT version()')"
# shellcheck disable=SC2086
"$OUT/signin_bench" -m "$MODULE" -D "$OUT/signin_drive" $CALLGRIND "$@"
