#!/bin/sh
# Fault injection (issue 9): each PAM scenario once per injection point, N = 1, 2, ... per
# class of calls, and no run may fail open, crash, hang or leave a counter wrong. The rules and
# the classes are in tests/fault/test_fault.c and inject.h; this script sets up what the
# scenarios need (configuration, enrolled users, the loopback SMS gateway and mail server)
# and runs the harness with the injector preloaded.
# FAULT_ONLY=SCENARIO and FAULT_CLASS=CLASS run a part; FAULT_VERBOSE=1 prints every run;
# FAULT_MEM_ALL=1 fails every memory call, not the first of each call stack; FAULT_TRACE=1
# with FAULT_STDERR=FILE writes every counted call (and its SQL) to FILE; FAULT_N=N runs only the
# run that fails call N of FAULT_CLASS (with FAULT_VERBOSE=1 its standard error is shown).
# FAULT_BACKEND=postgresql (tests/fault/fault_pg.sh) runs the same against the PostgreSQL store:
# a database of this test's own on the test server (tests/pg/lib.sh; skips without one), the
# scenarios and classes that reach the store (test_fault.c: fault_class_swept, .pg).
. "$top_srcdir/tests/lib.sh"
BACKEND=${FAULT_BACKEND:-sqlite}
if [ "$BACKEND" = postgresql ]; then
	. "$top_srcdir/tests/pg/lib.sh"
	pg_newdb
fi
need_smtp
INJECT="$top_builddir/tests/fault/.libs/libfaultinject.so"
HARNESS="$top_builddir/tests/fault/test_fault"
[ -f "$INJECT" ] && [ -x "$HARNESS" ] || fail "not built: $INJECT, $HARNESS (make check builds them)"

start_gateway gw
GW_LOG=$LOG
sms=$(twilio_section sms)
start_smtp mail
SMTP_LOG=$LOG
conf() { if [ "$BACKEND" = postgresql ]; then pg_conf; else write_conf; fi; }
conf <<CONF
[policy]
methods = app sms email questions key
tries = 3
max_failures = 50
$sms
[codes]
max_sends_per_hour = 50
[email]
smtp_url = smtp://127.0.0.1:$PORT
starttls = off
from = Security info <noreply@example.net>
[questions]
register = 3
ask = 1
min_answer_length = 3
[reset]
methods_required = 2
[key]
timeout = 5s
CONF
admin init >/dev/null
# The questions and answers the harness knows (test_fault.c: fault_answers).
q1=$(admin question add "What was the name of your first pet?")
q2=$(admin question add "In which city were you born?")
q3=$(admin question add "What is your favourite animal?")
printf '%s\tRex\n%s\tAmsterdam\n%s\tBlue whale\n' "$q1" "$q2" "$q3" > "$T/answers"
# alice: app (sign-in); bob: sms; carol: email and questions (reset); dave: app, locked by
# the harness; erin: sms and app (the password stack's reset, two methods).
enroll_app alice
admin method add bob sms +14255551234 --no-verify >/dev/null
admin method add carol email carol@example.net --no-verify >/dev/null
admin method add carol questions --answers-file "$T/answers" >/dev/null
enroll_app dave
admin method add erin sms +14255551299 --no-verify >/dev/null
enroll_app erin
# frank: a security key (SPEC 11), played by the software key of tests/fido/ when it is built;
# the harness preloads it and copies the key's state back before every run.
SHIM="$top_builddir/tests/fido/.libs/softfido.so"
CTL="$top_builddir/tests/fido/softfido-ctl"
KEY_PRELOAD=
if [ -f "$SHIM" ] && [ -x "$CTL" ]; then
	"$CTL" "$T/key.template" init --pin 1234 || fail "softfido-ctl init"
	echo 1234 | SOFTFIDO_STATE="$T/key.template" LD_PRELOAD="$SHIM" admin method add frank key \
		>/dev/null 2>&1 || fail "cannot register frank's key"
	cp "$T/key.template" "$T/key.state"
	KEY_PRELOAD=" $SHIM"
	export FAULT_KEY_STATE="$T/key.state" FAULT_KEY_TEMPLATE="$T/key.template"
	export SOFTFIDO_STATE="$T/key.state"
fi
if [ "$BACKEND" = postgresql ]; then
	# The harness reads the rules' counters and puts the tables back through libpq.
	export FAULT_BACKEND=postgresql FAULT_PG_CONNINFO="host=127.0.0.1 \
port=$SECINFO_TEST_PG_PORT dbname=$PGDB user=secinfo password=$SECINFO_TEST_PG_PASSWORD \
sslmode=verify-full sslrootcert=$SECINFO_TEST_PG_CA"
	# In sanitizer builds fewer scenarios and only the store's classes (test_fault.c).
	[ -z "${SECINFO_TEST_PRELOAD:-}" ] || export FAULT_PG_FEWER=1
else
	cp "$DB" "$T/template.db"
fi

# In sanitizer builds (SECINFO_TEST_PRELOAD: the ASan runtime) the runtime comes first and
# keeps malloc and its kin for itself: the memory class then counts no calls here, and the
# uninstrumented run (stage 1 of scripts/test.sh) covers it. The libc calls that ASan
# intercepts reach the injector through ASan's interceptors.
# Not under pam_wrapper: the harness reads the service files with libpam's pam_start_confdir
# (test_fault.c says why).
rc=0
FAULT_LEAK_EVERY=${FAULT_LEAK_EVERY:-1} \
	LD_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }$INJECT$KEY_PRELOAD" \
	FAULT_CONF="$CONF" FAULT_DB="$DB" FAULT_TEMPLATE="$T/template.db" FAULT_MODULE="$MODULE" \
	FAULT_INJECT="$INJECT" FAULT_GW_LOG="$GW_LOG" FAULT_SMTP_LOG="$SMTP_LOG" \
	FAULT_PAM_DIR="$T/pam.d" \
	"$HARNESS" >"$T/harness.out" 2>"${FAULT_STDERR:-$T/harness.err}" || rc=$?
cat "$T/harness.out"
if [ "$rc" != 0 ]; then
	[ -f "$T/harness.err" ] && tail -n 40 "$T/harness.err" >&2
	fail "fault injection found failures (above)"
fi
pass "fault injection: $(sed -n 's/^fault: \([0-9]* injection points in .*\)/\1/p' "$T/harness.out")"
