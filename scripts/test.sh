#!/bin/sh
# Installs what is needed, builds, and runs every test (run as root on Debian 12):
#   1. the whole suite (make check) as an ordinary user, secinfo-ci (created if missing), in a
#      copy of the tree that user owns: make check needs no root,
#   2. the whole suite again built with ASan+UBSan, as root: it runs the tests that need root
#      (they skip in stage 1), and a test that skips in both stages counts as a failure,
#   3. the PAM scenarios under valgrind (no errors, no leaks),
#   4. make distcheck (the tarball builds, installs and passes its tests; the fault
#      injection there for one scenario only),
#   5. the house style: clang-format and no banned libc functions,
#   6. end to end with the real sshd, sudo, login and passwd (tests/e2e; login with a security
#      key too, played by the software authenticator of tests/fido),
#   7. the Debian package: dpkg-buildpackage, lintian, install, a sign-in (app code and
#      security key), purge.
#   8. the fuzzers (fuzz/README.md): each target for 45 seconds, two at a time, no finding.
# One private PostgreSQL server (tests/pg/server.sh: 127.0.0.1 only, TLS, its own data
# directory) runs for the whole run: its SECINFO_TEST_PG_* variables reach every stage, so the
# tests of tests/pg (the fleet's shared store, the PAM scenarios on PostgreSQL) run in stages 1
# and 2 (and distcheck); it is stopped when the script exits, on failure too.
# Time: the run took 40 minutes before the PostgreSQL tests and must stay under 45; the room
# comes from the fuzzers (45 s per target instead of 60: 4 rounds of two, 1 minute) and from
# running the scenarios on PostgreSQL only in stages 1 and 2, not under valgrind (stage 3 runs
# them on sqlite as before; the store code that differs is libpq's, not the module's).
# The last line is "N passed, M failed"; the exit status is non-zero on any failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sh scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }

# count_suite LOG: adds the automake harness totals of LOG; prints the logs of failed tests.
count_suite() {
	p=$(sed -n 's/^# PASS: *//p' "$1" | awk '{s += $1} END {print s + 0}')
	f=$(sed -n 's/^# \(FAIL\|ERROR\|XPASS\): *//p' "$1" | awk '{s += $1} END {print s + 0}')
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ] || ! grep -q '^# PASS:' "$1"; then
		[ "$f" -gt 0 ] || failed=$((failed + 1))
		echo "---- failures in $1:"
		grep -E '^(FAIL|ERROR|XPASS):' "$1" || tail -40 "$1"
		for t in $(sed -n 's/^\(FAIL\|ERROR\|XPASS\): //p' "$1"); do
			echo "---- $t.log"
			grep -v -E '^PWRAP_TRACE|^PWRAP_DEBUG.* - pwrap_' "$(dirname "$1")/$t.log" 2>/dev/null | tail -60
		done
	fi
}

# stage NAME COMMAND...: runs a stage that has no harness, counting it as one test
# (run_counted of tests/lib.sh, as tests/e2e/run.sh counts its tests); output in _build/NAME.out.
top_srcdir=$top SECINFO_LIB=functions . "$top/tests/lib.sh"
stage() {
	name=$1
	shift
	run_counted "$name" "$top/_build/$name.out" "$@"
}

# The root build: stages 3 to 5 use it (stage 1 builds its own copy as secinfo-ci).
sh scripts/build.sh _build || { echo "FAIL: build"; echo "$passed passed, 1 failed"; exit 1; }

# The PostgreSQL server of the whole run, stopped at exit whatever happens (an interrupted run
# too: INT and TERM exit through the EXIT trap). Its variables are exported to every stage.
pg_dir=/var/tmp/secinfo-ci-pg.$$ # server.sh makes it (and removes it at stop)
rm -rf "$pg_dir"
pg_stop() {
	[ -n "$pg_dir" ] || return 0
	sh "$top/tests/pg/server.sh" stop "$pg_dir" >/dev/null 2>&1 ||
		echo "could not stop the PostgreSQL server of $pg_dir" >&2
	pg_dir=
}
trap 'pg_stop' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if pg_vars=$(sh tests/pg/server.sh start "$pg_dir" 2>_build/pg-server.err); then
	eval "$pg_vars"
	export SECINFO_TEST_PG_PORT SECINFO_TEST_PG_CA SECINFO_TEST_PG_PASSWORD SECINFO_TEST_PG_DIR
	echo "PostgreSQL for the tests: 127.0.0.1:$SECINFO_TEST_PG_PORT ($pg_dir)"
else
	# The tests of tests/pg then skip in both stages, which counts as their failure below.
	failed=$((failed + 1))
	echo "FAIL: the PostgreSQL server for the tests did not start:"
	sed 's/^/    /' _build/pg-server.err
fi

# pam_wrapper sets up in /tmp/pam.X (one character: 62 names) and removes the directories of
# dead processes, but not as secinfo-ci when root left them (a run killed on this machine):
# with too many left, pam_start fails in the tests. Root clears the dead ones first.
for d in /tmp/pam.?; do
	[ -d "$d" ] || continue
	pid=$(cat "$d/pid" 2>/dev/null || true)
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then rm -rf "$d"; fi
done

echo "== 1. make check as an ordinary user (secinfo-ci)"
CI_USER=secinfo-ci
id -u "$CI_USER" >/dev/null 2>&1 ||
	useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$CI_USER"
user_top=$(mktemp -d /var/tmp/secinfo-ci.XXXXXX)
chown "$CI_USER": "$user_top"
# A copy the user owns (the checkout may sit where it cannot even look, such as /root).
tar -C "$top" --exclude='./_build*' --exclude=./.git -cf - . |
	runuser -u "$CI_USER" -- tar -C "$user_top" -xf -
# The server's variables pass through runuser (which keeps the environment, but say it).
if runuser -u "$CI_USER" -- env HOME="$user_top" \
	${SECINFO_TEST_PG_PORT:+SECINFO_TEST_PG_PORT="$SECINFO_TEST_PG_PORT"} \
	${SECINFO_TEST_PG_CA:+SECINFO_TEST_PG_CA="$SECINFO_TEST_PG_CA"} \
	${SECINFO_TEST_PG_PASSWORD:+SECINFO_TEST_PG_PASSWORD="$SECINFO_TEST_PG_PASSWORD"} \
	${SECINFO_TEST_PG_DIR:+SECINFO_TEST_PG_DIR="$SECINFO_TEST_PG_DIR"} sh -c \
	'cd "$1" && sh scripts/build.sh _build && cd _build && make -j"$(nproc)" check >check.out 2>&1' \
	sh "$user_top"; then :; fi
if [ -f "$user_top/_build/check.out" ]; then
	grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' "$user_top/_build/check.out"
	count_suite "$user_top/_build/check.out"
	cp "$user_top/_build/check.out" _build/check-user.out
	# tests/pg/scenarios.sh's per-scenario lines, for the check after stage 2.
	cp "$user_top/_build/tests/pg/scenarios.sh.log" _build/pg-scenarios-user.log 2>/dev/null || true
	# Fault injection's counts (tests/fault/): the points exercised per scenario and in all.
	grep -h '^fault: ' "$user_top/_build/tests/fault/fault.sh.log" \
		"$user_top/_build/tests/fault/fault_pg.sh.log" 2>/dev/null || true
else
	failed=$((failed + 1))
	echo "FAIL: the build as $CI_USER"
	tail -40 "$user_top/_build/make.out" "$user_top/_build/configure.out" 2>/dev/null
fi
rm -rf "$user_top"

echo "== 2. ASan + UBSan build and make check"
asan_flags="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
if sh scripts/build.sh _build-asan CFLAGS="$asan_flags" LDFLAGS="-fsanitize=address,undefined"; then
	# Programs we did not build (pamtester) load the instrumented module: ASan goes first.
	SECINFO_TEST_PRELOAD=$(gcc -print-file-name=libasan.so) \
	ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		sh -c 'cd _build-asan && make -j"$(nproc)" check >check.out 2>&1'
	grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' _build-asan/check.out
	grep -h '^fault: ' _build-asan/tests/fault/fault.sh.log \
		_build-asan/tests/fault/fault_pg.sh.log 2>/dev/null || true
	count_suite _build-asan/check.out
else
	failed=$((failed + 1))
fi
# Every test ran somewhere: what skips as secinfo-ci (it needs root) must run here as root.
for t in $(sed -n 's/^SKIP: //p' _build/check-user.out 2>/dev/null); do
	if ! grep -q "^PASS: $t\$" _build-asan/check.out 2>/dev/null; then
		failed=$((failed + 1))
		echo "FAIL: $t skipped as $CI_USER and did not pass as root either"
	fi
done
# The same for each scenario that tests/pg/scenarios.sh runs on PostgreSQL.
for t in $(sed -n 's/^SKIP: \(pg\/[a-z_]*\).*/\1/p' _build/pg-scenarios-user.log 2>/dev/null); do
	if ! grep -q "^PASS: $t\$" _build-asan/tests/pg/scenarios.sh.log 2>/dev/null; then
		failed=$((failed + 1))
		echo "FAIL: $t skipped as $CI_USER and did not pass as root either"
	fi
done

echo "== 3. PAM scenarios under valgrind (on sqlite: the PostgreSQL variant runs in 1 and 2)"
(cd _build && SECINFO_TEST_VALGRIND=1 make check TESTS='$(PAM_SCRIPT_TESTS)' \
	TEST_SUITE_LOG=valgrind-suite.log >valgrind.out 2>&1)
grep -E '^(PASS|FAIL|ERROR|SKIP|XPASS):' _build/valgrind.out
count_suite _build/valgrind.out

echo "== 4. make distcheck (fault injection: one scenario, app-right; stages 1 and 2 swept all)"
# The tarball's own make check runs every test, but the fault injection only for app-right
# (FAULT_ONLY, on sqlite and on PostgreSQL): the full sweeps ran in stages 1 and 2 on this very
# code, and a third one would cost about four of the run's 45 minutes.
stage distcheck sh -c 'cd _build && FAULT_ONLY=app-right make -j"$(nproc)" distcheck'

echo "== 5. house style (clang-format, banned functions)"
stage style sh -c 'cd _build && make check-style'

echo "== 6. end to end with the real clients: sshd, sudo, login, passwd"
stage e2e sh tests/e2e/run.sh "$top/_build"

echo "== 7. Debian package: build, lintian, install, sign in through it (app, key), purge"
stage package sh tests/package/test_package.sh "$top"

echo "== 8. fuzzing: each libFuzzer target for 45 s, two at a time (fuzz/run.sh)"
fuzz_failed=$failed
stage fuzz sh fuzz/run.sh 45
# The counts: targets, executions and seconds per target (a failure printed its log above).
[ "$failed" -ne "$fuzz_failed" ] || sed -n 's/^\(ok\|fuzz:\) /    &/p' _build/fuzz.out

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
