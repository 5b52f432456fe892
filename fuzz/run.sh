#!/bin/sh
# Builds the libFuzzer harnesses (clang, ASan+UBSan) and runs each for SECONDS, two at a time;
# fails on any finding. fuzz/README.md says what each target checks.
#   sh fuzz/run.sh [SECONDS [TARGET...]]      default: 60 seconds, every target
# A dictionary fuzz/TARGET.dict, when there is one, gives libFuzzer the target's words.
# Environment: FUZZ_BUILD (the build directory, default _build-fuzz beside the sources),
# FUZZ_JOBS (targets at once, default 2). Each target starts from its seeds in
# fuzz/corpus/TARGET (never written to) and what earlier runs found in FUZZ_BUILD/corpus/TARGET;
# a finding is saved as FUZZ_BUILD/findings/TARGET-crash-... and printed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
targets=${*:-conf args phone email answer template smtp}
build=${FUZZ_BUILD:-$top/_build-fuzz}
jobs=${FUZZ_JOBS:-2}
case $seconds in '' | *[!0-9]*)
	echo "usage: fuzz/run.sh [SECONDS [TARGET...]]" >&2
	exit 2
	;;
esac

command -v clang >/dev/null 2>&1 ||
	{ echo "fuzz/run.sh: clang is needed (Debian: clang, libclang-rt-14-dev)" >&2; exit 1; }

# The build: the whole library instrumented for coverage and the sanitizers, the harnesses
# linked with libFuzzer. Configured once; make rebuilds what changed.
flags="-g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
-fno-omit-frame-pointer"
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
	(cd "$build" && "$top/configure" --enable-werror CC=clang CFLAGS="$flags" \
		LDFLAGS="-fsanitize=address,undefined" >configure.out 2>&1) ||
		{ tail -30 "$build/configure.out"; exit 1; }
fi
(cd "$build" && make -j"$(nproc)" fuzz >make-fuzz.out 2>&1) ||
	{ tail -40 "$build/make-fuzz.out"; exit 1; }

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/findings" "$build/logs"

# run_target NAME: runs one target; its summary line goes to logs/NAME.result.
run_target() {
	name=$1
	log=$build/logs/$name.log
	mkdir -p "$build/corpus/$name"
	dict=
	[ -f "$top/fuzz/$name.dict" ] && dict=-dict=$top/fuzz/$name.dict
	status=0
	# shellcheck disable=SC2086
	"$build/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$build/findings/$name-" $dict \
		"$build/corpus/$name" "$top/fuzz/corpus/$name" >"$log" 2>&1 || status=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	if [ "$status" -eq 0 ]; then
		echo "ok $name: ${runs:-0} executions in $seconds s" >"$build/logs/$name.result"
	else
		echo "FINDING $name: exit $status after ${runs:-0} executions" \
			"(input: $(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1))" \
			>"$build/logs/$name.result"
	fi
}

# Runs the targets JOBS at a time: lane K takes targets K, K+JOBS, ...
lane=0
while [ "$lane" -lt "$jobs" ]; do
	(
		i=0
		for t in $targets; do
			[ $((i % jobs)) -eq "$lane" ] && run_target "$t"
			i=$((i + 1))
		done
	) &
	lane=$((lane + 1))
done
wait

count=0
found=0
total=0
for t in $targets; do
	count=$((count + 1))
	result=$(cat "$build/logs/$t.result" 2>/dev/null || echo "FINDING $t: did not run")
	echo "$result"
	case $result in
	ok*) total=$((total + $(echo "$result" | sed 's/^ok [^:]*: \([0-9]*\) .*/\1/'))) ;;
	*)
		found=$((found + 1))
		grep -E -A12 'property broken|ERROR:|runtime error' "$build/logs/$t.log" | head -30 |
			sed 's/^/    /'
		;;
	esac
done
echo "fuzz: $count targets, $seconds s each, $total executions, $found with findings"
[ "$found" -eq 0 ]
