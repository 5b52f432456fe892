#!/bin/sh
# A private PostgreSQL server for the tests and the benchmarks, on 127.0.0.1 only.
#
#   sh tests/pg/server.sh start DIR   prints shell assignments to eval:
#       SECINFO_TEST_PG_PORT      the port on 127.0.0.1
#       SECINFO_TEST_PG_CA        the CA that signed the server's certificate (127.0.0.1 only),
#                                 for sslmode = verify-full
#       SECINFO_TEST_PG_PASSWORD  the password of role "secinfo" (LOGIN CREATEDB; scram-sha-256)
#       SECINFO_TEST_PG_DIR       DIR
#   sh tests/pg/server.sh stop DIR    stops it and removes DIR.
#
# DIR must not exist yet (start) and is made world-readable apart from the data directory
# and the keys: the CA must be readable by whoever runs the tests. The server refuses to run
# as root, so as root it runs as the system user "postgres" (Debian's package makes it) and
# otherwise as the caller. TLS and scram are on, so the tests meet the server the way a fleet
# does (SPEC 16: sslmode = verify-full); a plain connection is allowed from 127.0.0.1 too for
# the sslmode = disable case.
set -eu

usage() {
	echo "usage: sh tests/pg/server.sh start|stop DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
action=$1
dir=$2

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] && [ -x "$bin/pg_ctl" ] ||
	{ echo "tests/pg/server.sh: no PostgreSQL server (Debian package postgresql)" >&2; exit 1; }

if [ "$(id -u)" = 0 ]; then
	owner=postgres
	id -u "$owner" >/dev/null 2>&1 ||
		{ echo "tests/pg/server.sh: no user postgres (Debian package postgresql)" >&2; exit 1; }
	as_owner() { runuser -u "$owner" -- "$@"; }
else
	owner=$(id -un)
	as_owner() { "$@"; }
fi

case $action in
stop)
	[ -d "$dir/data" ] || exit 0
	as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	exit 0
	;;
start) ;;
*) usage ;;
esac

[ ! -e "$dir" ] || { echo "tests/pg/server.sh: $dir exists; stop it first" >&2; exit 1; }
mkdir -p "$dir"
chmod 755 "$dir"
# The certificates (tests/lib.sh make_certs): a CA and the server's, for 127.0.0.1 only;
# the CA is copied out of the private directory for the tests to read.
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
SECINFO_LIB=functions . "$top_srcdir/tests/lib.sh"
make_certs "$dir/tls"
cp "$dir/tls/ca.pem" "$dir/ca.pem"
chmod 644 "$dir/ca.pem"

port=$(free_port)
admin_password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
password=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s\n' "$admin_password" > "$dir/tls/admin.password"
chmod 600 "$dir/tls/admin.password"
mkdir -m 700 "$dir/run"
chown -R "$owner" "$dir"
# The CA stays the caller's: sslrootcert is checked like the configuration file (root's,
# or the test user's in make check), and the server never reads it.
chown "$(id -u)" "$dir/ca.pem"

as_owner "$bin/initdb" -D "$dir/data" -U pgadmin --pwfile="$dir/tls/admin.password" \
	--auth-host=scram-sha-256 --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
	{ cat "$dir/initdb.log" >&2; exit 1; }
cat >> "$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir/run'
max_connections = 300
ssl = on
ssl_cert_file = '$dir/tls/server.pem'
ssl_key_file = '$dir/tls/server.key'
password_encryption = 'scram-sha-256'
log_min_messages = warning
CONF
cat > "$dir/data/pg_hba.conf" <<HBA
local     all  all                trust
hostssl   all  all  127.0.0.1/32  scram-sha-256
hostnossl all  all  127.0.0.1/32  scram-sha-256
HBA
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null ||
	{ cat "$dir/server.log" >&2; exit 1; }
as_owner "$bin/psql" -X -q -h "$dir/run" -p "$port" -U pgadmin -d postgres -v ON_ERROR_STOP=1 \
	-c "CREATE ROLE secinfo LOGIN CREATEDB PASSWORD '$password'" >/dev/null

echo "SECINFO_TEST_PG_PORT=$port; export SECINFO_TEST_PG_PORT"
echo "SECINFO_TEST_PG_CA=$dir/ca.pem; export SECINFO_TEST_PG_CA"
echo "SECINFO_TEST_PG_PASSWORD=$password; export SECINFO_TEST_PG_PASSWORD"
echo "SECINFO_TEST_PG_DIR=$dir; export SECINFO_TEST_PG_DIR"
