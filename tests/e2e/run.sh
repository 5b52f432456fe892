#!/bin/sh
# Runs every end-to-end test (tests/e2e/*.sh but the libraries) against BUILD_DIR, one after
# the other, as root:   tests/e2e/run.sh BUILD_DIR
# Prints "PASS: name", "FAIL: name" (followed by that test's log) or "SKIP: name" (with the
# reason) per test, then "E2E: N passed, M failed"; exits 1 on any failure, 77 when every
# test skipped.
# These tests create users and PAM services and replace /etc/pam.d/{sudo,login,passwd} while
# they run (restored afterwards), so they are not part of `make check`.
set -u
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=$(cd "$here/../.." && pwd)
top_builddir=$(cd "$1" && pwd) || exit 2
export top_srcdir top_builddir
logs=$(mktemp -d /tmp/secinfo-e2e-logs.XXXXXX)
trap 'rm -rf "$logs"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
SECINFO_LIB=functions . "$top_srcdir/tests/lib.sh"
for t in "$here"/*.sh; do
	name=${t##*/}
	name=${name%.sh}
	case $name in run | lib-*) continue ;; esac
	run_counted "$name" "$logs/$name.log" sh "$t"
done
echo "E2E: $passed passed, $failed failed"
[ "$failed" = 0 ] || exit 1
# Nothing ran (not root, say): that is a skip, not a pass.
[ "$passed" -gt 0 ] || { echo "SKIP: no end-to-end test could run here (see above)"; exit 77; }
