# Sourced by tests after tests/lib.sh: a database of the test's own on the private server
# that tests/pg/server.sh started (scripts/test.sh starts one for the whole run; by hand:
# eval "$(sh tests/pg/server.sh start /var/tmp/secinfo-pg)").
#
#   need_pg            skips unless the server's SECINFO_TEST_PG_* variables are set
#   pg_newdb           creates a fresh database for this test (dropped when it ends); sets PGDB
#   pg_section [DB]    prints a [database] section for DB (default $PGDB) with $KEY, its
#                      password file $T/pg.secret (mode 0600), sslmode = verify-full and the
#                      server's CA copied to $T/pg-ca.pem
#   pg_conf            writes $CONF (as write_conf does) with that section; extra sections
#                      come from standard input
#   pg_sql SQL [DB]    runs SQL on DB (default $PGDB) through psql; prints the rows (tab
#                      separated, no header)

need_pg() {
	[ -n "${SECINFO_TEST_PG_PORT:-}" ] ||
		skip "no test PostgreSQL server: eval \"\$(sh tests/pg/server.sh start DIR)\" first"
	need psql psql
}

# pg_psql DB ARGS...: psql as role secinfo over TLS, taking nothing from the caller's
# environment that could point it elsewhere.
pg_psql() {
	db=$1
	shift
	env -u PGSERVICE -u PGSERVICEFILE -u PGHOST -u PGPORT -u PGOPTIONS -u PGSSLMODE \
		PGPASSWORD="$SECINFO_TEST_PG_PASSWORD" PGCONNECT_TIMEOUT=10 psql -X -q -A -t \
		-v ON_ERROR_STOP=1 "host=127.0.0.1 port=$SECINFO_TEST_PG_PORT user=secinfo dbname=$db \
sslmode=verify-full sslrootcert=$SECINFO_TEST_PG_CA" "$@"
}

PG_DATABASES=
pg_drop_all() {
	for db in $PG_DATABASES; do
		pg_psql postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	done
}

pg_newdb() {
	need_pg
	PGDB="t_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')"
	[ -n "$PG_DATABASES" ] || at_exit pg_drop_all
	PG_DATABASES="$PG_DATABASES $PGDB"
	pg_psql postgres -c "CREATE DATABASE $PGDB" >/dev/null ||
		fail "could not create database $PGDB on the test server"
}

pg_section() {
	if [ ! -s "$T/pg.secret" ]; then
		printf '%s\n' "$SECINFO_TEST_PG_PASSWORD" > "$T/pg.secret"
		chmod 600 "$T/pg.secret"
	fi
	# The CA as a file of the test's own: sslrootcert must be root's or the euid's (safefile.c),
	# and in a user namespace (tests/pg/fleet.sh as an ordinary user) root's files are nobody's.
	if [ ! -s "$T/pg-ca.pem" ]; then
		cp "$SECINFO_TEST_PG_CA" "$T/pg-ca.pem"
		chmod 644 "$T/pg-ca.pem"
	fi
	cat <<SECTION
[database]
backend = postgresql
host = 127.0.0.1
port = $SECINFO_TEST_PG_PORT
dbname = ${1:-$PGDB}
user = secinfo
password_file = $T/pg.secret
sslmode = verify-full
sslrootcert = $T/pg-ca.pem
key_file = $KEY
SECTION
}

pg_conf() {
	{
		pg_section
		cat
	} > "$CONF"
	chmod 644 "$CONF"
}

pg_sql() {
	pg_psql "${2:-$PGDB}" -c "$1"
}
