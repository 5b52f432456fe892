#!/bin/sh
# PgBouncer in transaction mode in front of the tests' PostgreSQL server (tests/pg/server.sh),
# for bench/run.sh: the bench then measures secinfo through it (bench/README.md).
#
#   eval "$(sh tests/pg/server.sh start /var/tmp/secinfo-pg)"
#   eval "$(sh bench/pgbouncer.sh start /var/tmp/secinfo-pgb)"   # as root
#   bench/run.sh _build ...                                      # through PgBouncer
#   sh bench/pgbouncer.sh stop /var/tmp/secinfo-pgb
#
# start prints SECINFO_TEST_PG_PORT (PgBouncer's port on 127.0.0.1; CA and password stay the
# server's) to eval. PgBouncer runs as the server's owner (postgres), accepts TLS with the
# server's certificate (so sslmode = verify-full holds) and scram-sha-256 with the role's own
# secret (read from pg_authid over the server's local socket), and logs in to the server over
# TLS, verify-full, with the client's scram keys. Transaction pooling is safe for secinfo:
# every statement or transaction is one unit, the fleet's lock is pg_advisory_xact_lock
# (released at commit), and no session state is kept. The module's startup parameters that
# PgBouncer does not pass on are ignored: "options" (the server-side statement_timeout and
# lock_timeout: set them on the role instead, ALTER ROLE secinfo SET ...; the module's own
# poll() bound on every statement stays) and "replication" (false).
set -eu
[ $# -eq 2 ] || { echo "usage: sh bench/pgbouncer.sh start|stop DIR" >&2; exit 2; }
dir=$2
case $1 in
stop)
	[ -f "$dir/pgbouncer.pid" ] && kill "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
	rm -rf "$dir"
	exit 0
	;;
start) ;;
*) echo "usage: sh bench/pgbouncer.sh start|stop DIR" >&2; exit 2 ;;
esac
: "${SECINFO_TEST_PG_PORT:?start tests/pg/server.sh first and eval what it prints}"
: "${SECINFO_TEST_PG_DIR:?start tests/pg/server.sh first and eval what it prints}"
[ "$(id -u)" = 0 ] || { echo "bench/pgbouncer.sh: run as root (it runs as postgres)" >&2; exit 1; }
command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] ||
	{ echo "bench/pgbouncer.sh: install PgBouncer (Debian package pgbouncer)" >&2; exit 1; }
[ ! -e "$dir" ] || { echo "bench/pgbouncer.sh: $dir exists; stop it first" >&2; exit 1; }
mkdir -m 700 "$dir"
secret=$(runuser -u postgres -- psql -X -A -t -h "$SECINFO_TEST_PG_DIR/run" \
	-p "$SECINFO_TEST_PG_PORT" -U pgadmin -d postgres \
	-c "SELECT rolpassword FROM pg_authid WHERE rolname = 'secinfo'")
printf '"secinfo" "%s"\n' "$secret" > "$dir/userlist.txt"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tls=$SECINFO_TEST_PG_DIR/tls
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=$SECINFO_TEST_PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 20
max_client_conn = 400
ignore_startup_parameters = options, replication
client_tls_sslmode = prefer
client_tls_cert_file = $tls/server.pem
client_tls_key_file = $tls/server.key
server_tls_sslmode = verify-full
server_tls_ca_file = $SECINFO_TEST_PG_CA
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
log_connections = 0
log_disconnections = 0
INI
chmod 600 "$dir/userlist.txt" "$dir/pgbouncer.ini"
chown -R postgres "$dir"
runuser -u postgres -- pgbouncer -d "$dir/pgbouncer.ini" ||
	{ cat "$dir/pgbouncer.log" >&2; exit 1; }
echo "SECINFO_TEST_PG_PORT=$port; export SECINFO_TEST_PG_PORT"
