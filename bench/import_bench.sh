#!/bin/sh
# Times 'secinfo-admin import oath' (SPEC 17) on a generated pam_oath users file: N users
# (default 100000), a third each of HOTP, HOTP/T30 and HOTP/T60/8, every one with its own
# random secret, into a fresh sqlite store; then the same file again (every secret is skipped:
# the duplicate check at full size) and a --dry-run of it.
#
#   bench/import_bench.sh BUILD_DIR [N] [DIR]
#
# BUILD_DIR is where ./configure && make ran (it holds secinfo-admin/secinfo-admin). Run it as
# root: the installed program trusts only root-owned files. DIR (default /var/tmp) holds the
# store and the file, in a directory removed at the end. Prints one line per run with the
# seconds taken and the users per second.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [N] [DIR]" >&2; exit 2; }
BUILD=$(cd "$1" && pwd)
N=${2:-100000}
ADMIN="$BUILD/secinfo-admin/secinfo-admin"
[ -x "$ADMIN" ] || { echo "$0: build secinfo in $BUILD first (make)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "$0: run as root: secinfo-admin trusts only root-owned files" >&2; exit 1; }

W=$(mktemp -d "${3:-/var/tmp}/secinfo-import-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
chmod 700 "$W"
mkdir -m 700 "$W/db"
printf '[database]\npath = %s/db/secinfo.db\nkey_file = %s/secinfo.key\n[policy]\nmethods = app\n' \
	"$W" "$W" > "$W/secinfo.conf"
"$ADMIN" -c "$W/secinfo.conf" init >/dev/null

# The users file as pam_oath documents it: TYPE USER PIN SECRET [COUNTER].
python3 - "$N" > "$W/users.oath" <<'EOF'
import os, sys
types = ("HOTP", "HOTP/T30", "HOTP/T60/8")
for i in range(int(sys.argv[1])):
    print("%s\tbench%06d\t-\t%s\t%d" % (types[i % 3], i, os.urandom(20).hex(), i % 50))
EOF

# run LABEL ARGS...: times one import, checks that it succeeded, prints the figure.
run() {
	label=$1
	shift
	start=$(date +%s.%N)
	"$ADMIN" -c "$W/secinfo.conf" import oath "$W/users.oath" "$@" > "$W/out" 2> "$W/err" ||
		{ echo "$0: $label failed:" >&2; tail -n 5 "$W/err" >&2; exit 1; }
	end=$(date +%s.%N)
	awk -v l="$label" -v n="$N" -v s="$start" -v e="$end" \
		'BEGIN { t = e - s; printf "%-34s %8d users %8.1f s %9.0f users/s\n", l, n, t, n / t }'
	tail -n 1 "$W/out"
}

run "import (empty store)"
[ "$(sqlite3 "$W/db/secinfo.db" "SELECT count(*) FROM methods")" = "$N" ] ||
	{ echo "$0: the store does not hold $N methods" >&2; exit 1; }
run "import again (all skipped)"
run "import --dry-run (all skipped)" --dry-run
ls -l "$W/db/secinfo.db" | awk '{ printf "store: %.1f MB for %d users\n", $5 / 1048576, '"$N"' }'
