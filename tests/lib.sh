# The one library of the shell tests. Source it.
#
# First, functions every test script uses (make check's, tests/e2e's, scripts/test.sh): they
# report and count, skip when something is missing, compute codes and run the loopback
# gateways. Sourced with SECINFO_LIB=functions, that is all it does (and it sets no shell
# options). Otherwise it goes on to set up make check's sandbox: see "The make check sandbox".

# ---- reporting ------------------------------------------------------------------------------
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
# need PROGRAM [DEBIAN PACKAGE]: skips when PROGRAM is missing.
need() {
	command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] ||
		skip "$1 is not installed${2:+ (Debian package $2)}"
}
# need_root WHY: skips the whole test unless it runs as root.
need_root() { [ "$(id -u)" = 0 ] || skip "needs root: $*"; }
# expect_in TEXT WORDS: TEXT must contain WORDS.
expect_in() {
	case $1 in *"$2"*) ;; *) fail "expected '$2' in: $1" ;; esac
}
# expect_not_in TEXT WORDS: TEXT must not contain WORDS.
expect_not_in() {
	case $1 in *"$2"*) fail "did not expect '$2' in: $1" ;; esac
}
# count TEXT WORDS: how many times WORDS occur in TEXT.
count() { printf '%s' "$1" | grep -o -F -- "$2" | wc -l | tr -d ' '; }

# ---- counting whole tests (scripts/test.sh's stages, tests/e2e/run.sh) ---------------------
# run_counted NAME LOG COMMAND...: runs COMMAND with its output in LOG and prints one line:
# "PASS: NAME", "SKIP: NAME (the reason)" for exit 77, or "FAIL: NAME (exit N)" followed by
# the end of LOG. Adds to $passed or $failed (a skip adds to neither).
passed=${passed:-0}
failed=${failed:-0}
run_counted() {
	rc_name=$1
	rc_log=$2
	shift 2
	rc_status=0
	"$@" >"$rc_log" 2>&1 || rc_status=$?
	case $rc_status in
	0)
		passed=$((passed + 1))
		echo "PASS: $rc_name"
		;;
	77) echo "SKIP: $rc_name ($(sed -n 's/^SKIP: //p' "$rc_log" | tail -n 1))" ;;
	*)
		failed=$((failed + 1))
		echo "FAIL: $rc_name (exit $rc_status)"
		tail -n 80 "$rc_log" | grep -v '^PWRAP_' | sed 's/^/    /'
		;;
	esac
}

# ---- codes ----------------------------------------------------------------------------------
# SLOW: seconds one PAM call may take (valgrind makes them slow); tests size time margins by it.
SLOW=${SLOW:-2}
[ "${SECINFO_TEST_VALGRIND:-0}" = 1 ] && SLOW=8
SECRET_DEFAULT=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP
# totp SECRET [STEPS]: the current code (or STEPS periods away) computed by oathtool, not us.
totp() {
	now=$(date +%s)
	oathtool --totp -b "$1" --now "@$((now + ${2:-0} * 30))"
}
# fresh_step: waits until enough of the current 30-second step remains that a code computed
# now is still current when the module checks it.
fresh_step() {
	while [ $((30 - $(date +%s) % 30)) -le "$SLOW" ]; do sleep 1; done
}
# random_code: six random digits.
random_code() {
	n=$(od -An -tu4 -N4 /dev/urandom | tr -d ' \n')
	printf '%06d\n' $((n % 1000000))
}

# ---- loopback servers (they write in $T) ----------------------------------------------------
GATEWAY="${top_srcdir:-.}/tests/gateway/gateway.py"
SMTP_SERVER="${top_srcdir:-.}/tests/gateway/smtp_server.py"
SID=AC0123456789abcdef0123456789abcdef
FROM=+15550001111
TO=+14255551234
GATEWAY_PIDS=
stop_gateways() {
	for pid in $GATEWAY_PIDS; do kill "$pid" 2>/dev/null || true; done
	for pid in $GATEWAY_PIDS; do wait "$pid" 2>/dev/null || true; done
	GATEWAY_PIDS=
}
# free_port: a port on 127.0.0.1 that nothing listens on.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# twilio_token: $T/twilio.token, the gateway's and the configuration's secret (made once),
# also in TOKEN.
twilio_token() {
	if [ ! -s "$T/twilio.token" ]; then
		od -An -tx1 -N16 /dev/urandom | tr -d ' \n' > "$T/twilio.token"
		chmod 600 "$T/twilio.token"
	fi
	TOKEN=$(cat "$T/twilio.token")
}
# wait_port NAME PORTFILE: waits for a server to write its port; sets PORT and LOG.
wait_port() {
	i=0
	while [ ! -s "$T/$1.port" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "$1 did not start: $(cat "$T/$1.err")"
		sleep 0.1
	done
	PORT=$(cat "$T/$1.port")
	LOG="$T/$1.log"
	touch "$LOG"
}
# start_gateway NAME [gateway.py options]: starts the Twilio-like HTTP gateway
# (tests/gateway/gateway.py) on loopback; sets PORT and LOG (its JSON log, a request a line).
start_gateway() {
	need python3 python3
	name=$1
	shift
	twilio_token
	python3 "$GATEWAY" --port-file "$T/$name.port" --log "$T/$name.log" --account-sid "$SID" \
		--token-file "$T/twilio.token" --lifetime 900 "$@" 2> "$T/$name.err" &
	GATEWAY_PIDS="$GATEWAY_PIDS $!"
	wait_port "$name"
}
# twilio_section sms|call: that section of the configuration, for the gateway that
# start_gateway started last ($PORT).
twilio_section() {
	printf '[%s]\nprovider = twilio\naccount_sid = %s\nauth_token_file = %s\nfrom = %s\n' \
		"$1" "$SID" "$T/twilio.token" "$FROM"
	printf 'api_base = http://127.0.0.1:%s\ntimeout = 5s\n' "$PORT"
}
# need_smtp: skips unless a python3 with Debian's python3-aiosmtpd is there; sets SMTP_PYTHON.
need_smtp() {
	SMTP_PYTHON=
	for py in python3 /usr/bin/python3; do
		if "$py" -c 'import aiosmtpd' 2>/dev/null; then
			SMTP_PYTHON=$py
			break
		fi
	done
	[ -n "$SMTP_PYTHON" ] || skip "python3-aiosmtpd is not installed"
}
# start_smtp NAME [smtp_server.py options]: starts a mail server; sets PORT and LOG.
start_smtp() {
	need_smtp
	name=$1
	shift
	"$SMTP_PYTHON" "$SMTP_SERVER" --port-file "$T/$name.port" --log "$T/$name.log" \
		--lifetime 900 "$@" 2> "$T/$name.err" &
	GATEWAY_PIDS="$GATEWAY_PIDS $!"
	wait_port "$name"
}
# requests: how many requests LOG recorded.
requests() { wc -l < "$LOG" | tr -d ' '; }
# request EXPR: a Python expression evaluated on the last recorded request r (a dict with
# method, path, headers, body, form or json); prints the result.
request() {
	python3 -c 'import base64, json, re, sys, urllib.parse
r = [json.loads(line) for line in open(sys.argv[1])][-1]
print(eval(sys.argv[2]))' "$LOG" "$1"
}
# expect_request EXPR WANT: the Python expression on the last request prints WANT.
expect_request() {
	got=$(request "$1") || fail "cannot evaluate $1 on $(tail -n 1 "$LOG")"
	[ "$got" = "$2" ] || fail "request: $1 is '$got', expected '$2' (request: $(tail -n 1 "$LOG"))"
}
# wait_request BEFORE: waits (up to 10 s) until the gateway has more than BEFORE requests.
wait_request() {
	i=0
	while [ "$(requests)" = "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}
# make_certs [DIR]: DIR (default $T/tls, made here, mode 0700) holds ca.pem (a CA),
# server.pem/server.key (127.0.0.1 only, signed by the CA) and rogue.pem/rogue.key
# (self-signed for 127.0.0.1: trusted by nobody).
make_certs() {
	need openssl openssl
	d=${1:-$T/tls}
	mkdir -m 700 "$d"
	ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $ec -keyout "$d/ca.key" -out "$d/ca.pem" -days 30 \
		-subj "/CN=secinfo test CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req $ec -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" \
		2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		> "$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/server.pem" -days 30 -extfile "$d/server.ext" 2>/dev/null
	openssl req -x509 $ec -keyout "$d/rogue.key" -out "$d/rogue.pem" -days 30 \
		-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
	[ -s "$d/server.pem" ] && [ -s "$d/rogue.pem" ] || fail "openssl could not make certificates"
}

# ---- the configuration ($CONF naming $DB and $KEY) and secinfo-admin ($ADMIN) -------------
# SECINFO_TEST_BACKEND: the store the configuration names, sqlite (the default: the file $DB)
# or postgresql (a fresh database of the test's own on the tests' server, tests/pg/lib.sh;
# the test skips when no server is given: SECINFO_TEST_PG_PORT). tests/pg/scenarios.sh runs the
# PAM scenarios with postgresql.
SECINFO_TEST_BACKEND=${SECINFO_TEST_BACKEND:-sqlite}
case $SECINFO_TEST_BACKEND in
sqlite | postgresql) ;;
*) fail "SECINFO_TEST_BACKEND is '$SECINFO_TEST_BACKEND': say sqlite or postgresql" ;;
esac
# on_sqlite: true when the test's store is the sqlite file $DB (parts of a test that are about
# that file run only then).
on_sqlite() { [ "$SECINFO_TEST_BACKEND" = sqlite ]; }
# pg_backend: the first time, the test's own PostgreSQL database (skips without a server).
pg_backend() {
	if [ -z "${PGDB:-}" ]; then
		. "$top_srcdir/tests/pg/lib.sh"
		need_pg
		pg_newdb
	fi
}
# write_conf: the test configuration; extra lines (whole sections) come from standard input.
write_conf() {
	if on_sqlite; then
		printf '[database]\npath = %s\nkey_file = %s\n' "$DB" "$KEY" > "$CONF"
		cat >> "$CONF"
	else
		pg_backend
		pg_conf # its [database] section, then standard input
	fi
	chmod 644 "$CONF"
}
admin() { "$ADMIN" -c "$CONF" "$@"; }
# db_query SQL: runs one statement on the test's store (sqlite3's CLI or psql) and prints its
# rows, one a line, columns separated by '|' (as sqlite3 prints them).
db_query() {
	if on_sqlite; then
		need sqlite3 sqlite3
		sqlite3 "$DB" "$1"
	else
		pg_backend
		pg_sql "$1"
	fi
}
# db_dump: everything the store holds, as it is kept: sqlite's files (after a checkpoint, the
# WAL and free pages too), or PostgreSQL's rows (pg_dump, data only).
db_dump() {
	if on_sqlite; then
		need sqlite3 sqlite3
		sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
		cat "$DB"*
	else
		pg_backend
		env -u PGSERVICE -u PGSERVICEFILE -u PGOPTIONS PGPASSWORD="$SECINFO_TEST_PG_PASSWORD" \
			pg_dump --data-only "host=127.0.0.1 port=$SECINFO_TEST_PG_PORT user=secinfo \
dbname=$PGDB sslmode=verify-full sslrootcert=$SECINFO_TEST_PG_CA"
	fi
}

[ "${SECINFO_LIB:-}" != functions ] || return 0

# ---- The make check sandbox -----------------------------------------------------------------
# A throw-away directory $T with a configuration, a key, a database, PAM service files for
# pam_wrapper, and helpers to run the module through libpamtest (and pamtester). It sets -eu
# and cleans up on exit.
#
# The tests run the test build (tests/testbuild/, see Makefile.am): the module, its plugin,
# secinfo-admin and secinfo-reset built to trust the files of the user running the tests as
# well as root's, so that make check runs as an ordinary user. tests/owner.sh proves that the
# programs make install installs ($INSTALLED_*) trust root alone.
set -eu

: "${top_builddir:?run through make check}" "${top_srcdir:?run through make check}"
ADMIN="$top_builddir/tests/testbuild/secinfo-admin"
MODULE="$top_builddir/tests/testbuild/.libs/pam_secinfo.so"
RESET="$top_builddir/tests/testbuild/secinfo-reset"
INSTALLED_ADMIN="$top_builddir/secinfo-admin/secinfo-admin"
INSTALLED_MODULE="$top_builddir/pam_secinfo/.libs/pam_secinfo.so"
INSTALLED_RESET="$top_builddir/secinfo-reset/secinfo-reset"

# need_pam_wrapper: skips unless libpam_wrapper.so can be preloaded (the dynamic loader says
# "cannot be preloaded ... ignored" and goes on without it otherwise).
need_pam_wrapper() {
	case $(LD_PRELOAD=libpam_wrapper.so sh -c : 2>&1) in
	*libpam_wrapper*) skip "libpam_wrapper.so is not installed (Debian package libpam-wrapper)" ;;
	esac
}
# need_pamdrive: skips unless the libpamtest client tests/pam/pamdrive was built (configure
# builds it only when it finds libpamtest) and pam_wrapper is there to run it.
PAMDRIVE="$top_builddir/tests/pam/pamdrive"
need_pamdrive() {
	[ -x "$PAMDRIVE" ] ||
		skip "configure did not find libpamtest, so tests/pam/pamdrive is not built (Debian package libpamtest0-dev)"
	need_pam_wrapper
}
# need_pam_matrix: skips unless pam_matrix.so, the stand-in password database, is installed;
# sets PAM_MATRIX.
need_pam_matrix() {
	PAM_MATRIX=$(find /usr/lib /usr/lib64 -name pam_matrix.so 2>/dev/null | head -n 1)
	[ -n "$PAM_MATRIX" ] || skip "pam_matrix.so is not installed (Debian package libpam-wrapper)"
}
need oathtool oathtool
[ -f "$MODULE" ] || fail "test build of the module not built: $MODULE (make check builds it)"

T=$(mktemp -d /tmp/secinfo-test.XXXXXX)
chmod 700 "$T"
mkdir -m 700 "$T/db" "$T/pam.d" "$T/valgrind"

# SECINFO_TEST_VALGRIND=1 runs every PAM client under valgrind; any error or leak in any of
# them fails the script when it ends.
valgrind_verdict() {
	[ "${SECINFO_TEST_VALGRIND:-0}" = 1 ] || return 0
	bad=$(grep -l -E 'ERROR SUMMARY: [1-9]' \
		"$T"/valgrind/*.log 2>/dev/null || true)
	[ -z "$bad" ] && return 0
	echo "FAIL: valgrind found errors:" >&2
	cat $bad >&2
	return 1
}
# at_exit FUNCTION: runs FUNCTION when the test ends, before $T is removed (last added first).
EXIT_HOOKS=
at_exit() { EXIT_HOOKS="$1 $EXIT_HOOKS"; }
run_exit_hooks() { for hook in $EXIT_HOOKS; do "$hook" || true; done; }
trap 'rc=$?; stop_gateways; run_exit_hooks; valgrind_verdict || rc=1; rm -rf "$T"; exit $rc' EXIT
# A service that is not found falls back to "other": make that deny, as a real system should.
echo "auth required pam_deny.so" > "$T/pam.d/other"
# The configuration, and the database and key that write_conf names.
CONF="$T/secinfo.conf"
DB="$T/db/secinfo.db"
KEY="$T/secinfo.key"


# service NAME [MODULE ARGUMENTS...]: a PAM service whose auth and account are pam_secinfo.
service() { service_on "$CONF" "$@"; }
# service_on CONFIGURATION NAME [MODULE ARGUMENTS...]: the same on another configuration file
# (a copy of the store, another host of a fleet).
service_on() {
	conf=$1
	name=$2
	shift 2
	cat > "$T/pam.d/$name" <<SERVICE
auth     required $MODULE config=$conf $*
account  required $MODULE config=$conf $*
SERVICE
}

# pam SERVICE USER OPERATION...: the module under pam_wrapper, driven by libpamtest
# (tests/pam/pamdrive.c); each line of stdin answers one prompt.
# PAM_WRAPPER_DEBUGLEVEL=3 makes pam_wrapper print what the module sends to syslog, so tests
# can read the decision lines (they appear as "SYSLOG(5): ..." on stderr).
# SECINFO_TEST_PRELOAD names a library to load first (the ASan runtime in sanitizer builds).
VALGRIND=
if [ "${SECINFO_TEST_VALGRIND:-0}" = 1 ]; then
	VALGRIND="valgrind --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --num-callers=30 \
		--log-file=$T/valgrind/%p.log"
fi
# WRAPPED CMD...: runs CMD (and only CMD: not a driver around it) under pam_wrapper with the
# test's service directory, the ASan runtime first in sanitizer builds.
PAM_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD:}libpam_wrapper.so"
WRAPPED="env LD_PRELOAD=$PAM_PRELOAD PAM_WRAPPER=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 \
PAM_WRAPPER_SERVICE_DIR=$T/pam.d"

# PAM_EXTRA_PRELOAD: more libraries to preload (nss_wrapper, for a name service of the test's;
# the software FIDO2 key). PAM_DRIVE_RHOST: the PAM_RHOST of the sign-in (unset: 203.0.113.9;
# empty: none, a sign-in at the console). PAM_DRIVE_WRAP: a command that runs the driver (it
# gets the driver's command line and environment; tests/pg/fleet.sh's other host name).
pam() {
	pam_rhost=${PAM_DRIVE_RHOST-203.0.113.9}
	LD_PRELOAD="${SECINFO_TEST_PRELOAD:+$SECINFO_TEST_PRELOAD }libpam_wrapper.so${PAM_EXTRA_PRELOAD:+ $PAM_EXTRA_PRELOAD}" \
		PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$T/pam.d" PAM_WRAPPER_DISABLE_DEEPBIND=1 \
		PAM_WRAPPER_DEBUGLEVEL=3 ${PAM_DRIVE_WRAP:-} $VALGRIND "$PAMDRIVE" \
		${pam_rhost:+-I rhost=$pam_rhost} "$@"
}

# expect_pam RESULT ANSWERS SERVICE USER OPERATION: RESULT is "success" or pam_strerror's text
# for the PAM error (for example "Authentication failure"), which must be in pamdrive's result
# line ("pamdrive: OPERATION: TEXT"), not just anywhere; ANSWERS are the lines typed at the
# prompts. The whole transcript is left in LAST_OUT.
expect_pam() {
	want=$1
	answers=$2
	shift 2
	[ -n "$want" ] || fail "expect_pam: say which result is expected"
	out=$(printf '%s\n' "$answers" | pam "$@" 2>&1) && got=success || got=failed
	if [ "$want" = success ]; then
		[ "$got" = success ] || fail "expected success for '$*', got: $out"
	else
		[ "$got" = failed ] || fail "expected '$want' for '$*', got success: $out"
		printf '%s\n' "$out" | grep '^pamdrive: [a-z_]*: ' | grep -q -F -- "$want" ||
			fail "expected '$want' for '$*', got: $out"
	fi
	LAST_OUT=$out
}

# expect_unavail WHAT: service s (with nullok) answers PAM_AUTHINFO_UNAVAIL without asking for
# a code, to alice (enrolled) and to an unknown user alike.
UNAVAIL="cannot retrieve authentication info"
expect_unavail() {
	expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
	expect_not_in "$LAST_OUT" "Verification code"
	expect_pam "$UNAVAIL" "$(echo 000000)" s nobody-enrolled authenticate
	pass "$1: PAM_AUTHINFO_UNAVAIL, even with nullok and for unknown users"
}

# enroll_app USER: enrolls a fresh TOTP secret without verification and prints the secret.
enroll_app() {
	admin method add "$1" app --secret "${2:-$SECRET_DEFAULT}" --no-verify >/dev/null
}

# The delivery driver (tests/delivery/send.c): one code through the delivery code.
SEND="$top_builddir/tests/delivery/send"
# send_code sms|call TO CODE [USER]: runs the driver on $CONF; OUT gets what it printed,
# RC its exit status (0 sent, 1 failed, 2 usage or configuration error).
send_code() {
	[ -x "$SEND" ] || fail "driver not built: $SEND (make check builds it)"
	OUT=$("$SEND" "$CONF" "$@" 2>&1) && RC=0 || RC=$?
}
expect_rc() {
	[ "$RC" = "$1" ] || fail "expected exit $1 from send, got $RC: $OUT"
}
