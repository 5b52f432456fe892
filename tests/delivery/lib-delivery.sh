# Shared by tests/delivery/*.sh: tests/lib.sh, plus the delivery driver, the loopback gateway
# (tests/gateway/gateway.py), a throw-away TLS CA and Twilio credentials. Source it.
. "$top_srcdir/tests/lib.sh"

SEND="$top_builddir/tests/delivery/send"
GATEWAY="$top_srcdir/tests/gateway/gateway.py"
[ -x "$SEND" ] || fail "driver not built: $SEND (make check builds it)"
command -v python3 >/dev/null || skip "python3 is not installed"
command -v openssl >/dev/null || skip "openssl is not installed"

GATEWAY_PIDS=
stop_gateways() {
	for pid in $GATEWAY_PIDS; do kill "$pid" 2>/dev/null || true; done
	for pid in $GATEWAY_PIDS; do wait "$pid" 2>/dev/null || true; done
	GATEWAY_PIDS=
}
# tests/lib.sh's exit trap, with the gateways stopped first.
trap 'rc=$?; stop_gateways; valgrind_verdict || rc=1; rm -rf "$T"; exit $rc' EXIT

SID=AC0123456789abcdef0123456789abcdef
TOKEN=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s\n' "$TOKEN" > "$T/twilio.token"
chmod 600 "$T/twilio.token"
FROM=+15550001111
TO=+14255551234

# random_code: six random digits.
random_code() {
	n=$(od -An -tu4 -N4 /dev/urandom | tr -d ' \n')
	printf '%06d\n' $((n % 1000000))
}

# make_certs: $T/tls/ca.pem (a CA), server.pem/server.key (127.0.0.1, signed by the CA) and
# rogue.pem/rogue.key (self-signed for 127.0.0.1: trusted by nobody).
make_certs() {
	d="$T/tls"
	mkdir -m 700 "$d"
	ec="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
	openssl req -x509 $ec -keyout "$d/ca.key" -out "$d/ca.pem" -days 2 \
		-subj "/CN=secinfo test CA" -addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
	openssl req $ec -keyout "$d/server.key" -out "$d/server.csr" -subj "/CN=127.0.0.1" \
		2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
		> "$d/server.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/server.pem" -days 2 -extfile "$d/server.ext" 2>/dev/null
	openssl req -x509 $ec -keyout "$d/rogue.key" -out "$d/rogue.pem" -days 2 \
		-subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
	[ -s "$d/server.pem" ] && [ -s "$d/rogue.pem" ] || fail "openssl could not make certificates"
}

# start_gateway NAME [gateway.py options]: starts a gateway; sets PORT and LOG (its JSON log).
start_gateway() {
	name=$1
	shift
	python3 "$GATEWAY" --port-file "$T/$name.port" --log "$T/$name.log" --account-sid "$SID" \
		--token-file "$T/twilio.token" --lifetime 300 "$@" 2> "$T/$name.err" &
	GATEWAY_PIDS="$GATEWAY_PIDS $!"
	i=0
	while [ ! -s "$T/$name.port" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "gateway $name did not start: $(cat "$T/$name.err")"
		sleep 0.1
	done
	PORT=$(cat "$T/$name.port")
	LOG="$T/$name.log"
	touch "$LOG"
}

# closed_port: a port on 127.0.0.1 that nothing listens on.
closed_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# send_code sms|call TO CODE [USER]: runs the driver on $CONF; OUT gets what it printed,
# RC its exit status (0 sent, 1 failed, 2 usage or configuration error).
send_code() {
	OUT=$("$SEND" "$CONF" "$@" 2>&1) && RC=0 || RC=$?
}

expect_rc() {
	[ "$RC" = "$1" ] || fail "expected exit $1 from send, got $RC: $OUT"
}

# requests: how many requests LOG recorded.
requests() {
	wc -l < "$LOG" | tr -d ' '
}

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

# need_smtp: skips unless a python3 with Debian's python3-aiosmtpd is there; sets SMTP_PYTHON.
SMTP_SERVER="$top_srcdir/tests/gateway/smtp_server.py"
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
	name=$1
	shift
	"$SMTP_PYTHON" "$SMTP_SERVER" --port-file "$T/$name.port" --log "$T/$name.log" \
		--lifetime 300 "$@" 2> "$T/$name.err" &
	GATEWAY_PIDS="$GATEWAY_PIDS $!"
	i=0
	while [ ! -s "$T/$name.port" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "mail server $name did not start: $(cat "$T/$name.err")"
		sleep 0.1
	done
	PORT=$(cat "$T/$name.port")
	LOG="$T/$name.log"
}
