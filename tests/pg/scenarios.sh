#!/bin/sh
# The PAM scenarios (tests/pam/*.sh) again with the store on PostgreSQL: each script runs with
# SECINFO_TEST_BACKEND=postgresql, so tests/lib.sh's write_conf gives it a fresh database of
# its own on the tests' server (tests/pg/lib.sh) instead of the sqlite file. Every scenario
# runs but these, which are about what only sqlite has:
#   damaged_index.sh  damages sqlite's own index b-tree through sqlite_master (the store's
#                     scan for a damaged index is sqlite's; PostgreSQL has no such file here)
#   exports.sh        the module's exported symbols: no store at all
# unsafe_files.sh and unsafe_owner.sh run; their parts on the database file and its
# directory are sqlite's only (tests/lib.sh on_sqlite), the key and configuration parts run.
# Prints "PASS: NAME", "SKIP: NAME (why)" or "FAIL: NAME" with the end of its log per script;
# fails when one fails, skips (77) when no server is given (SECINFO_TEST_PG_PORT) or nothing
# ran. A scenario that skips here also skips on sqlite for the same reason (not root, a
# missing package): scripts/test.sh checks that each one ran as root.
#   sh tests/pg/scenarios.sh [SCRIPT...]    default: every scenario but the two above
# (top_builddir and top_srcdir set, as make check sets them; one script at a time)
set -u
: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
SECINFO_LIB=functions . "$top_srcdir/tests/lib.sh"
[ -n "${SECINFO_TEST_PG_PORT:-}" ] ||
	skip "no PostgreSQL server for the tests (SECINFO_TEST_PG_PORT; tests/pg/server.sh)"

scripts=$*
if [ -z "$scripts" ]; then
	for t in "$top_srcdir"/tests/pam/*.sh; do
		case ${t##*/} in damaged_index.sh | exports.sh) continue ;; esac
		scripts="$scripts $t"
	done
fi
logs=$(mktemp -d /tmp/secinfo-pg-scenarios.XXXXXX)
trap 'rm -rf "$logs"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export SECINFO_TEST_BACKEND=postgresql top_builddir top_srcdir
# One scenario at a time unless SECINFO_TEST_PG_JOBS says more: each has its own directory and
# database, but pam_wrapper's start-up can give two processes that start at once one /tmp/pam.X
# directory (Makefile.am says how), and then a scenario reads the service file of the same name
# of another (several scenarios name their services alike).
jobs=${SECINFO_TEST_PG_JOBS:-1}
lane=0
for t in $scripts; do
	echo "$t" >>"$logs/lane.$lane"
	lane=$(((lane + 1) % jobs))
done
# scenario SCRIPT: runs one scenario, and once more without the leak check when LeakSanitizer's
# own tracer crashed at a process's exit ("Tracer caught signal", ASan stage): that failure says
# nothing about the test, and the process's output is lost with it (tests/fault repeats such a
# run the same way). A scenario has its own directory and database, so the second run starts
# afresh. (key.sh on PostgreSQL meets it at every run here, at its second sign-in.)
scenario() {
	first="$logs/${1##*/}.first"
	st=0
	sh "$1" >"$first" 2>&1 || st=$?
	if [ "$st" != 0 ] && [ "$st" != 77 ] && grep -q 'Tracer caught signal' "$first"; then
		echo "# LeakSanitizer's tracer failed at a process's exit (no verdict): once more," \
			"without the leak check"
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" sh "$1"
		return
	fi
	cat "$first"
	return "$st"
}
pids=
for list in "$logs"/lane.*; do
	(
		for t in $(cat "$list"); do
			name=${t##*/}
			name=${name%.sh}
			run_counted "pg/$name" "$logs/$name.log" scenario "$t"
		done >"$list.out"
	) &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid" || true; done
cat "$logs"/lane.*.out
passed=$(cat "$logs"/lane.*.out | grep -c '^PASS: ' || true)
failed=$(cat "$logs"/lane.*.out | grep -c '^FAIL: ' || true)
echo "PostgreSQL scenarios: $passed passed, $failed failed"
[ "$failed" = 0 ] || exit 1
[ "$passed" -gt 0 ] || skip "no scenario could run here (see above)"
