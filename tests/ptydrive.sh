#!/bin/sh
# tests/ptydrive.py, the one terminal driver of the tests, does what they rely on: prompts in
# order and (--any) in any order, "!command" answers computed when the prompt comes, "^D",
# the command's exit status, 124 for a prompt that never comes, 125 for a failed answer
# command, and a kill after the timeout. Each case also shows the driver can fail.
SECINFO_LIB=functions . "$top_srcdir/tests/lib.sh"
set -eu
need python3 python3
DRIVE="$top_srcdir/tests/ptydrive.py"
# drive ARGS...: OUT gets the transcript, RC the exit status.
drive() { OUT=$(python3 "$DRIVE" "$@" 2>&1) && RC=0 || RC=$?; }
expect_rc() { [ "$RC" = "$1" ] || fail "exit $RC, expected $1: $OUT"; }

# A program that asks two things on its terminal (echo off for the second, as a code prompt).
ASK='printf "Name: "; read n; stty -echo; printf "Code: "; read c; stty echo; echo; echo "got $n/$c"; exit 3'
drive 'Name:' bob 'Code:' 123456 -- sh -c "$ASK"
expect_rc 3
expect_in "$OUT" "got bob/123456"
pass "answers prompts in order on a terminal; exits with the command's status"

drive --timeout 5 'Name:' bob 'Code:' '!echo $((6 * 7))' -- sh -c "$ASK"
expect_in "$OUT" "got bob/42"
drive --timeout 5 'Name:' bob 'Code:' '!exit 3' -- sh -c "$ASK"
expect_rc 125
expect_in "$OUT" "answer command failed"
pass "!command answers are typed as the command prints them; a failing one gives 125"

drive --any --timeout 5 'A?' a 'B?' b 'C?' c -- sh -c 'printf "B? "; read x; printf "A? "; read y; echo "got $x$y"'
expect_rc 0
expect_in "$OUT" "got ba"
drive --timeout 5 'A?' a 'B?' b -- sh -c 'printf "B? "; read x; printf "A? "; read y; echo "got $x$y"'
expect_rc 124
pass "--any takes prompts in any order, and a missing one once the command ends; without it, 124"

drive --timeout 5 'Name:' '^D' -- sh -c 'printf "Name: "; if read n; then echo "read $n"; else echo "end of file"; fi'
expect_in "$OUT" "end of file"
pass "^D types end of file"

start=$(date +%s)
drive --timeout 1 'Never:' x -- sh -c 'echo waiting; sleep 10'
expect_rc 124
expect_in "$OUT" "no prompt ['Never:']"
drive --timeout 1 -- sleep 10
[ "$RC" != 0 ] || fail "a command killed after the timeout exited 0"
expect_in "$OUT" "still running after 1s, killed"
[ $(($(date +%s) - start)) -lt 8 ] || fail "the timeouts were not kept"
pass "a prompt that never comes gives 124; a command past the timeout is killed"
