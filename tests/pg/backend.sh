#!/bin/sh
# The PostgreSQL backend (SPEC 16, issue 12 item 1): init (twice: idempotent) and check; a
# sign-in through the module against the server; a TOTP step accepted once; libpq takes
# nothing from the environment; a dead, closed or silent server fails closed in bounded time;
# a statement that waits on a lock longer than busy_timeout fails closed; a wrong CA fails;
# sslmode = disable with a host that is not on loopback is a configuration error; (review R12)
# libpq's messages never come from the invoking user's catalogue; a fake server that answers
# "trust", asks for a cleartext password, answers with COPY or a SELECT without rows is
# refused or fails closed in bounded time; every host entry is checked; verify-ca with the
# public bundle is refused; sslrootcert is checked like the configuration file; a search_path
# set on the database changes nothing.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/pg/lib.sh"
need_pamdrive
need msgfmt gettext # a message catalogue of the invoking user's
# connect_timeout of these tests: libpq's least, 2 s; under valgrind the TLS handshake and the
# password's key derivation alone take longer.
CT=2
[ "${SECINFO_TEST_VALGRIND:-0}" = 1 ] && CT=20
# conf_with SED: $CONF as pg_conf writes it, edited by the sed script SED, with connect_timeout
# $CT, busy_timeout 1 s and [policy] tries = 1.
conf_with() {
	{
		pg_section | sed "$1"
		printf 'connect_timeout = %ss\nbusy_timeout = 1s\n[policy]\ntries = 1\n' "$CT"
	} > "$CONF"
	chmod 644 "$CONF"
}
pg_newdb
conf_with ""

# ---- init and check ---------------------------------------------------------------------------
out=$(admin init 2>&1) || fail "init: $out"
expect_in "$out" "created key $KEY"
expect_in "$out" "created the schema (version 1) in database $PGDB on 127.0.0.1"
[ "$(pg_sql 'SELECT version FROM secinfo_schema')" = 1 ] || fail "no schema version row"
tables=$(pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
out=$(admin init 2>&1) || fail "init again: $out"
expect_in "$out" "nothing to do: the database $PGDB on 127.0.0.1 holds the schema (version 1)"
[ "$(pg_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" = "$tables" ] ||
	fail "init again changed the tables"
[ "$(pg_sql "SELECT count(*) FROM audit WHERE event = 'init'")" = 1 ] ||
	fail "init again wrote another init row"
pass "init creates the schema once; again it changes nothing and says so"

out=$(admin check 2>&1) || fail "check: $out"
expect_in "$out" "database $PGDB on 127.0.0.1 (PostgreSQL, port $SECINFO_TEST_PG_PORT, sslmode verify-full): reached; schema version 1; the key $KEY matches the database"
expect_in "$out" "configuration, key and database are fine"
# another key: check says it does not match
cp "$KEY" "$T/key.saved"
head -c 32 /dev/urandom > "$KEY"
out=$(admin check 2>&1) && fail "check passed with another key: $out"
expect_in "$out" "this key does not match the database"
cp "$T/key.saved" "$KEY"
pass "check names the host reached, the schema version and the key check (and a wrong key fails)"

# A database never initialised is refused, never read as "nobody is enrolled".
first=$PGDB
pg_newdb
conf_with ""
out=$(admin check 2>&1) && fail "check passed on an empty database: $out"
expect_in "$out" "127.0.0.1: database is not initialised (run secinfo-admin init)"
cat > "$T/pam.d/lenient0" <<SERVICE
auth    required $MODULE config=$CONF nullok
auth    required pam_permit.so
SERVICE
expect_pam "$UNAVAIL" "" lenient0 alice authenticate
PGDB=$first
conf_with ""
pass "a database never initialised: check says to run init, and the module refuses (not 'not enrolled')"

# ---- a sign-in through the module ------------------------------------------------------------
enroll_app alice
service s
service s2
fresh_step
code=$(totp $SECRET_DEFAULT)
start=$(date +%s%N)
expect_pam success "$(echo "$code")" s alice authenticate
end=$(date +%s%N)
echo "# a right-code sign-in against PostgreSQL took $(((end - start) / 1000000)) ms (pamdrive process included)"
expect_pam "Authentication failure" "$(echo "$code")" s alice authenticate
expect_pam "Authentication failure" "$(echo "$code")" s2 alice authenticate
[ "$(pg_sql "SELECT count(*) FROM audit WHERE \"user\" = 'alice' AND event = 'auth' AND result = 'success'")" -ge 1 ] ||
	fail "no successful audit row for alice"
[ "$(pg_sql "SELECT host FROM audit WHERE \"user\" = 'alice' ORDER BY id DESC LIMIT 1")" = "$(hostname)" ] ||
	fail "the audit row does not name this host"
pass "a sign-in against PostgreSQL; the same TOTP step is refused again, in any service; the audit row names the host"

# ---- another spelling of an enrolled name is never passed over (nullok) ---------------------
cat > "$T/pam.d/lenient" <<SERVICE
auth    required $MODULE config=$CONF nullok
auth    required pam_permit.so
SERVICE
expect_pam success "" lenient mallory authenticate
expect_in "$LAST_OUT" "result=ignored-not-enrolled"
for spelling in ALICE Alice; do
	expect_pam "$UNAVAIL" "" lenient "$spelling" authenticate
	expect_not_in "$LAST_OUT" "ignored-not-enrolled"
	expect_in "$LAST_OUT" "another spelling of the name is"
done
pass "on PostgreSQL too, a name enrolled in other case is not passed over as not enrolled"


# ---- the environment of whoever runs the module changes nothing ------------------------------
# Every variable libpq reads, pointing somewhere else or weakening, and a service file that
# would send the connection elsewhere.
make_certs
closed=$(free_port)
printf 'garbage\n' > "$T/junk.pem"
mkdir "$T/sysconf"
cat > "$T/sysconf/pg_service.conf" <<SVC
[secinfo]
host=192.0.2.1
port=$closed
dbname=postgres
sslmode=disable
SVC
cp "$T/sysconf/pg_service.conf" "$T/service.conf"
printf '*:*:*:*:wrong\n' > "$T/pgpass"
chmod 600 "$T/pgpass"
hostile() {
	PGHOST=192.0.2.1 PGPORT=$closed PGDATABASE=postgres PGUSER=nobody PGPASSWORD=wrong \
		PGPASSFILE="$T/pgpass" PGSERVICE=secinfo PGSERVICEFILE="$T/service.conf" \
		PGSYSCONFDIR="$T/sysconf" PGSSLMODE=disable PGSSLROOTCERT="$T/tls/rogue.pem" \
		PGSSLCERT="$T/junk.pem" PGSSLKEY="$T/junk.pem" PGSSLCRL="$T/junk.pem" \
		PGOPTIONS="-c default_transaction_read_only=on -c statement_timeout=1" \
		PGAPPNAME=evil PGCONNECT_TIMEOUT=600 PGTARGETSESSIONATTRS=read-only \
		PGHOSTADDR=192.0.2.1 PGREQUIRESSL=0 PGGSSENCMODE=require PGCHANNELBINDING=disable \
		PGCLIENTENCODING=LATIN1 PGTZ=Mars/Olympus PGDATESTYLE=Postgres PGGEQO=off \
		PGSSLMINPROTOCOLVERSION=TLSv1 PGKRBSRVNAME=evil PGLOCALEDIR="$T" "$@"
}
conf_with ""
enroll_app bob
fresh_step
code=$(totp $SECRET_DEFAULT)
out=$(printf '%s\n' "$code" | hostile pam s bob authenticate 2>&1) ||
	fail "the sign-in failed with a hostile environment: $out"
[ "$(pg_sql "SELECT count(*) FROM audit WHERE \"user\" = 'bob' AND event = 'auth' AND result = 'success'")" -ge 1 ] ||
	fail "the sign-in with a hostile environment did not reach the configured database"
# The same environment cannot rescue a configuration that names a port nothing listens on.
conf_with "s/^port = .*/port = $closed/"
(
	PGHOST=127.0.0.1 PGPORT=$SECINFO_TEST_PG_PORT PGDATABASE=$PGDB PGUSER=secinfo
	PGPASSWORD=$SECINFO_TEST_PG_PASSWORD PGSSLROOTCERT=$SECINFO_TEST_PG_CA
	export PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD PGSSLROOTCERT
	expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
	expect_in "$LAST_OUT" "port $closed"
)
pass "libpq takes nothing from the environment: a hostile one changes nothing, a helpful one rescues nothing"
hostile sh -c 'env | grep -q "^PGSSLCERT=$0/junk.pem\$"' "$T" ||
	fail "the environment was not put back"
# A service file that is a FIFO, and FIFOs where libpq looks in $HOME (a revocation list,
# a client certificate and key, root certificates, a password file): nothing may open them
# (each would hang the sign-in; a CRL or certificate there would be the invoking user's).
conf_with ""
mkfifo "$T/service.fifo"
mkdir -p "$T/home/.postgresql"
for f in .postgresql/root.crl .postgresql/postgresql.crt .postgresql/postgresql.key \
	.postgresql/root.crt .pgpass .pg_service.conf; do
	mkfifo "$T/home/$f"
done
code=$(totp $SECRET_DEFAULT 1)
(
	PGSERVICE=secinfo PGSERVICEFILE="$T/service.fifo" HOME="$T/home"
	export PGSERVICE PGSERVICEFILE HOME
	rc=0
	printf '%s\n' "$code" | pam s bob authenticate > "$T/fifo.out" 2>&1 || rc=$?
	echo "$rc" > "$T/fifo.rc"
) &
fifo_drive=$!
i=0
while [ ! -s "$T/fifo.rc" ] && [ $i -lt $((SLOW * 75)) ]; do sleep 0.1; i=$((i + 1)); done
if [ ! -s "$T/fifo.rc" ]; then
	kill "$fifo_drive" 2>/dev/null || true
	for f in "$T/service.fifo" "$T"/home/.p*/* "$T"/home/.pg*; do
		[ -p "$f" ] && { : > "$f" & } # lets a reader that hangs on it go
	done
	fail "a sign-in hung with PGSERVICEFILE naming a FIFO, or FIFOs in HOME"
fi
[ "$(cat "$T/fifo.rc")" = 0 ] ||
	fail "the sign-in failed with FIFOs in PGSERVICEFILE and HOME: $(cat "$T/fifo.out")"

# ---- a dead, closed or silent server fails closed in bounded time ------------------------------
# unavail_within SECONDS WHAT: a sign-in answers PAM_AUTHINFO_UNAVAIL within SECONDS, with a
# syslog line that names the host.
unavail_within() {
	start=$(date +%s%N)
	expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
	ms=$((($(date +%s%N) - start) / 1000000))
	expect_in "$LAST_OUT" "SYSLOG"
	expect_in "$LAST_OUT" "cannot connect to the database at 127.0.0.1"
	[ "$ms" -le $(($1 * 1000)) ] || fail "$2: PAM_AUTHINFO_UNAVAIL after $ms ms, over $1 s"
	echo "# $2: PAM_AUTHINFO_UNAVAIL after $ms ms"
}
# connect_timeout, plus SLOW for the process and the sign-in around it
conf_with "s/^port = .*/port = $closed/"
unavail_within $((CT + SLOW)) "a closed port"
silent=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)  # accepted, never answered
' "$silent" &
silent_pid=$!
stop_silent() { kill "$silent_pid" 2>/dev/null || true; }
at_exit stop_silent
sleep 0.3
conf_with "s/^port = .*/port = $silent/"
unavail_within $((CT + SLOW)) "a port that accepts and never answers"
stop_silent

# A server that goes silent after the connection was made (a proxy that stops forwarding while
# the module waits for the code): the next statement fails the sign-in closed within
# busy_timeout plus the module's margin (2 s), never a hang and never success.
conf_with ""
enroll_app erin
rm -f "$T/freeze" "$T/proxy.port"
python3 "$top_srcdir/tests/pg/blackhole.py" "$T/proxy.port" "$SECINFO_TEST_PG_PORT" "$T/freeze" &
proxy_pid=$!
stop_proxy() { kill "$proxy_pid" 2>/dev/null || true; }
at_exit stop_proxy
i=0
while [ ! -s "$T/proxy.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
proxy=$(cat "$T/proxy.port") || fail "the proxy did not start"
conf_with "s/^port = .*/port = $proxy/"
fresh_step
code=$(totp $SECRET_DEFAULT)
mkfifo "$T/answers"
pam s erin authenticate < "$T/answers" > "$T/blackhole.out" 2>&1 &
drive=$!
exec 9> "$T/answers"
i=0
until grep -q "Verification code" "$T/blackhole.out" || [ $i -ge $((SLOW * 50)) ]; do sleep 0.1; i=$((i + 1)); done
expect_in "$(cat "$T/blackhole.out")" "[prompt] Verification code:"
touch "$T/freeze"
start=$(date +%s%N)
printf '%s\n' "$code" >&9
exec 9>&-
wait "$drive" && fail "a sign-in succeeded through a silent server: $(cat "$T/blackhole.out")"
ms=$((($(date +%s%N) - start) / 1000000))
out=$(cat "$T/blackhole.out")
expect_not_in "$out" "pamdrive: authenticate: success"
# busy_timeout 1 s, the margin 2 s, plus SLOW
[ "$ms" -le $(((1 + 2 + SLOW) * 1000)) ] || fail "the silent server held the sign-in $ms ms"
[ "$ms" -ge 1000 ] || fail "the sign-in ended after $ms ms: not by the timeout? $out"
echo "# a server silent after the connection: the sign-in failed after $ms ms"
stop_proxy
[ "$(pg_sql "SELECT counter FROM methods WHERE user_id = (SELECT id FROM users WHERE name = 'erin')")" = -1 ] ||
	fail "the step was accepted although the sign-in failed"
pass "a server that goes silent after the connection: the sign-in fails closed within busy_timeout plus a margin"

# A server of its own, stopped.
pg2=$(mktemp -d /tmp/secinfo-pg2.XXXXXX)
rmdir "$pg2"
stop_pg2() { sh "$top_srcdir/tests/pg/server.sh" stop "$pg2" >/dev/null 2>&1 || true; }
at_exit stop_pg2
pg2_env=$(sh "$top_srcdir/tests/pg/server.sh" start "$pg2") || fail "could not start a second server"
pg2_port=$(printf '%s\n' "$pg2_env" | sed -n 's/^SECINFO_TEST_PG_PORT=\([0-9]*\);.*/\1/p')
pg2_password=$(printf '%s\n' "$pg2_env" | sed -n 's/^SECINFO_TEST_PG_PASSWORD=\([0-9a-f]*\);.*/\1/p')
(
	SECINFO_TEST_PG_PORT=$pg2_port SECINFO_TEST_PG_CA=$pg2/ca.pem
	SECINFO_TEST_PG_PASSWORD=$pg2_password
	pg_psql postgres -c "CREATE DATABASE secinfo" >/dev/null
) || fail "could not create a database on the second server"
cp "$pg2/ca.pem" "$T/pg2-ca.pem" # the server's directory goes when it stops
conf_with "s/^port = .*/port = $pg2_port/; s/^dbname = .*/dbname = secinfo/; s|^sslrootcert = .*|sslrootcert = $T/pg2-ca.pem|"
printf '%s\n' "$pg2_password" > "$T/pg.secret"
out=$(admin init 2>&1) || fail "init on the second server: $out"
enroll_app alice
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s alice authenticate
stop_pg2
unavail_within $((CT + SLOW)) "the server stopped"
printf '%s\n' "$SECINFO_TEST_PG_PASSWORD" > "$T/pg.secret"
pass "a stopped server, a closed port and a silent one: PAM_AUTHINFO_UNAVAIL within connect_timeout, with a syslog line"

# ---- a lock held longer than busy_timeout fails closed -----------------------------------------
conf_with ""
enroll_app carol
pg_psql "$PGDB" -c "BEGIN" -c "SELECT pg_advisory_xact_lock(1936024425)" -c "SELECT pg_sleep(8)" \
	-c "COMMIT" >/dev/null 2>&1 &
holder=$!
sleep 1
fresh_step
start=$(date +%s%N)
out=$(printf '%s\n' "$(totp $SECRET_DEFAULT)" | pam s carol authenticate 2>&1) &&
	fail "a sign-in succeeded while the write lock was held: $out"
ms=$((($(date +%s%N) - start) / 1000000))
wait "$holder" || true
# busy_timeout 1 s, plus SLOW
[ "$ms" -le $(((1 + SLOW) * 1000)) ] || fail "the wait for the lock took $ms ms"
expect_not_in "$out" "pamdrive: authenticate: success"
echo "# a sign-in behind a held lock failed after $ms ms"
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s carol authenticate
pass "a statement that waits on the lock longer than busy_timeout fails closed, and the next sign-in works"

# ---- TLS: a wrong CA fails; sslmode = disable only on loopback --------------------------------
conf_with "s|^sslrootcert = .*|sslrootcert = $T/tls/ca.pem|"
expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
expect_in "$LAST_OUT" "certificate verify failed"
pass "verify-full against a CA that did not sign the server's certificate fails"

conf_with "s/^host = .*/host = db.example.org/; s/^sslmode = .*/sslmode = disable/"
out=$(admin check 2>&1) && fail "check accepted sslmode = disable for a remote host: $out"
expect_in "$out" "sslmode = disable sends the password and every secret unencrypted"
expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
conf_with "s/^sslmode = .*/sslmode = disable/"
enroll_app dave
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s dave authenticate
conf_with "s/^host = .*/host = 127.0.0.1,127.0.0.1/; s/^port = .*/port = 1,2,3/"
out=$(admin check 2>&1) && fail "check accepted 3 ports for 2 hosts: $out"
expect_in "$out" "port lists 3 ports for 2 hosts"
pass "sslmode = disable is a configuration error unless every host is on loopback; ports must match hosts"

# ---- the password file is checked like the key ------------------------------------------------
conf_with ""
chmod 640 "$T/pg.secret"
out=$(admin check 2>&1) && fail "check accepted a password file readable by its group: $out"
expect_in "$out" "$T/pg.secret: "
expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
expect_in "$LAST_OUT" "$T/pg.secret: "
chmod 600 "$T/pg.secret"
ln -s "$T/pg.secret" "$T/pg.link"
conf_with "s|^password_file = .*|password_file = $T/pg.link|"
out=$(admin check 2>&1) && fail "check accepted a password file that is a symbolic link: $out"
expect_in "$out" "$T/pg.link: "
printf '%s\n%s\n' "$SECINFO_TEST_PG_PASSWORD" second > "$T/pg.two"
chmod 600 "$T/pg.two"
conf_with "s|^password_file = .*|password_file = $T/pg.two|"
out=$(admin check 2>&1) && fail "check accepted a password file of two lines: $out"
expect_in "$out" "must hold the database password on one line"
conf_with ""
out=$(admin check 2>&1) || fail "check after the password file was made right again: $out"
pass "the password file: group-readable, a symbolic link or two lines are refused with the file named"

# ---- two hosts running init at once on a new database: one creates, the other finds it done ----
first=$PGDB
pg_newdb
conf_with ""
admin init > "$T/init1.out" 2>&1 &
i1=$!
admin init > "$T/init2.out" 2>&1 &
i2=$!
wait "$i1" || fail "the first of two inits at once failed: $(cat "$T/init1.out")"
wait "$i2" || fail "the second of two inits at once failed: $(cat "$T/init2.out")"
[ "$(cat "$T/init1.out" "$T/init2.out" | grep -c "created the schema")" = 1 ] ||
	fail "not exactly one init created the schema: $(cat "$T/init1.out" "$T/init2.out")"
[ "$(pg_sql "SELECT count(*) FROM audit WHERE event = 'init'")" = 1 ] ||
	fail "two inits at once wrote more than one init row"
expect_not_in "$(cat "$T/init1.out" "$T/init2.out")" "NOTICE"
admin check >/dev/null 2>&1 || fail "check after two inits at once: $(admin check 2>&1)"
pass "two inits at once: exactly one creates the schema, the other finds it done (and no server notice reaches the terminal)"

# ---- a column of another type than the store reads fails closed --------------------------------
PGDB=$first
conf_with ""
pg_sql "ALTER TABLE users ALTER COLUMN failures TYPE text" >/dev/null
fresh_step
out=$(printf '%s\n' "$(totp $SECRET_DEFAULT)" | pam s dave authenticate 2>&1) &&
	fail "a sign-in succeeded with users.failures of type text: $out"
expect_in "$out" "stored data is corrupt"
pg_sql "ALTER TABLE users ALTER COLUMN failures TYPE bigint USING failures::bigint" >/dev/null
pg_sql "ALTER TABLE methods ALTER COLUMN counter TYPE numeric" >/dev/null
out=$(printf '%s\n' "$(totp $SECRET_DEFAULT)" | pam s dave authenticate 2>&1) &&
	fail "a sign-in succeeded with methods.counter of type numeric: $out"
expect_in "$out" "stored data is corrupt"
pass "a column of a type the store does not read (text, numeric for an integer) fails the sign-in closed"
pg_sql "ALTER TABLE methods ALTER COLUMN counter TYPE bigint USING counter::bigint" >/dev/null

# ---- libpq's messages never take their format from the invoking user's catalogue ---------------
# libpq binds its catalogue on its first translated message, reading PGLOCALEDIR then: the
# module makes that happen while the environment is clear (before, a service file of the
# user's with an error in it made libpq format a message while the environment was still
# theirs). A catalogue of the user's that turns libpq's messages into format directives must
# never reach the log, also for a message formatted after the connect: here the DETAIL label
# of an error from a (fake, loopback, sslmode = disable) server, which the module logs.
# (libpq 15 also formats a message during every connect, so there the binding after the
# connect cannot be told apart from the one the module forces.)
start_fake() { # start_fake MODE [CERT KEY]: sets fake (the port) and fake_pid
	rm -f "$T/fake.port" "$T/fake.log"
	python3 "$top_srcdir/tests/pg/fakepg.py" "$T/fake.port" "$@" &
	fake_pid=$!
	i=0
	while [ ! -s "$T/fake.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	fake=$(cat "$T/fake.port") || fail "the fake server did not start"
}
stop_fake() { kill "$fake_pid" 2>/dev/null || true; }
at_exit stop_fake
mkdir -p "$T/loc/xx/LC_MESSAGES"
cat > "$T/user.po" <<'PO'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "DETAIL:  %s\n"
msgstr "USER-CATALOGUE %p %p %p\n"

msgid ""
"server closed the connection unexpectedly\n"
"\tThis probably means the server terminated abnormally\n"
"\tbefore or while processing the request.\n"
msgstr "USER-CATALOGUE %p %p %p\n"
PO
for v in 13 14 15 16 17 18; do # libpq5-MAJOR.mo
	msgfmt -o "$T/loc/xx/LC_MESSAGES/libpq5-$v.mo" "$T/user.po" || fail "msgfmt failed"
done
start_fake trust "$T/fake.log"
conf_with "s/^port = .*/port = $fake/; s/^sslmode = .*/sslmode = disable/"
printf '[x]\nnot a setting\n' > "$T/bad.service"
out=$(printf '000000\n' | LANG=C.UTF-8 LC_ALL= LANGUAGE=xx PGLOCALEDIR="$T/loc" PGSERVICE=x \
	PGSERVICEFILE="$T/bad.service" PGSYSCONFDIR="$T" \
	PAM_EXTRA_PRELOAD="$top_builddir/tests/pg/.libs/libsetlocale.so" pam s alice authenticate 2>&1) &&
	fail "a sign-in succeeded against a fake server: $out"
expect_not_in "$out" "pamdrive: authenticate: success"
expect_in "$(cat "$T/fake.log")" "authenticated"
expect_in "$out" "fake server"
expect_in "$out" "DETAIL:  nothing here"
expect_not_in "$out" "USER-CATALOGUE"
stop_fake
pass "libpq's messages never come from the invoking user's catalogue (PGLOCALEDIR), also after the connect"

# ---- the server proves who it is: channel binding; no "trust", no cleartext password ------------
# A fake server with a certificate the configured CA signed for 127.0.0.1 (verify-full passes)
# that lets the client in without a password, or asks for it in clear text: refused under the
# default sslmode, and the password never reaches it.
[ -d "$T/tls" ] || make_certs
start_fake trust "$T/fake.log" "$T/tls/server.pem" "$T/tls/server.key"
conf_with "s/^port = .*/port = $fake/; s|^sslrootcert = .*|sslrootcert = $T/tls/ca.pem|"
expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
expect_in "$LAST_OUT" "channel binding"
stop_fake
start_fake cleartext "$T/fake.log" "$T/tls/server.pem" "$T/tls/server.key"
conf_with "s/^port = .*/port = $fake/; s|^sslrootcert = .*|sslrootcert = $T/tls/ca.pem|"
expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
expect_in "$LAST_OUT" "channel binding"
expect_not_in "$(cat "$T/fake.log" 2>/dev/null)" "password"
expect_not_in "$(cat "$T/fake.log" 2>/dev/null)" "authenticated"
stop_fake
pass "a server that answers 'trust' or asks for the password in clear text is refused (channel binding), the password never sent"

conf_with "s/^sslmode = .*/sslmode = verify-ca/; /^sslrootcert = /d"
out=$(admin check 2>&1) && fail "check accepted verify-ca with the public CA bundle: $out"
expect_in "$out" "sslmode = verify-ca with the public CA bundle"
conf_with "s/^sslmode = .*/sslmode = verify-ca/"
out=$(admin check 2>&1) || fail "check refused verify-ca with the server's own CA: $out"
expect_in "$out" "sslmode = verify-ca accepts any certificate of the CA in sslrootcert"
pass "verify-ca: with the public CA bundle a configuration error, with a CA of one's own a warning"

# ---- every host entry is a name or an IP address; loopback only by address ---------------------
for h in /tmp 127.0.0.1,/tmp @secinfo 127.0.0.1,@secinfo "127.0.0.1,host=x" -x.example.org \
	127.0.0.1. db..example.org; do
	conf_with "s|^host = .*|host = $h|"
	out=$(admin check 2>&1) && fail "check accepted host = $h: $out"
	expect_in "$out" "host must be a host name or an IP address"
	expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
done
for h in localhost LOCALHOST 127.0.0.1234 127.0.0.1,db.example.org; do
	conf_with "s|^host = .*|host = $h|; s/^sslmode = .*/sslmode = disable/"
	out=$(admin check 2>&1) && fail "check accepted sslmode = disable for host = $h: $out"
	expect_in "$out" "sslmode = disable sends the password"
done
for h in 127.0.0.2 ::1 127.0.0.1,::1; do
	conf_with "s|^host = .*|host = $h|; s/^sslmode = .*/sslmode = disable/"
	out=$(admin check 2>&1) || true
	expect_not_in "$out" "sslmode = disable sends the password"
	expect_not_in "$out" "host must be"
	# allowed, with the warning that the password goes to whoever takes the port
	expect_in "$out" "sslmode = disable: the password goes to whatever listens on that loopback port"
done
pass "host: a socket directory or an abstract socket in any entry is a configuration error; sslmode = disable only for loopback addresses (127/8, ::1), never a name, and then with a warning"

# ---- a server that answers with COPY fails closed in bounded time --------------------------------
start_fake copyin "$T/fake.log"
conf_with "s/^port = .*/port = $fake/; s/^sslmode = .*/sslmode = disable/"
rm -f "$T/copy.rc"
start=$(date +%s%N)
(
	rc=0
	printf '000000\n' | pam s alice authenticate > "$T/copy.out" 2>&1 || rc=$?
	echo "$rc" > "$T/copy.rc"
) &
copy_drive=$!
# busy_timeout 1 s, the margin 2 s, plus SLOW
i=0
while [ ! -s "$T/copy.rc" ] && [ $i -lt $(((1 + 2 + SLOW) * 10)) ]; do sleep 0.1; i=$((i + 1)); done
ms=$((($(date +%s%N) - start) / 1000000))
if [ ! -s "$T/copy.rc" ]; then
	pkill -P "$copy_drive" 2>/dev/null || true
	kill "$copy_drive" 2>/dev/null || true
	fail "a server answering with COPY held the sign-in over $ms ms"
fi
[ "$(cat "$T/copy.rc")" != 0 ] || fail "a sign-in succeeded against a server that answers with COPY"
expect_not_in "$(cat "$T/copy.out")" "pamdrive: authenticate: success"
expect_in "$(cat "$T/fake.log")" "authenticated"
echo "# a server answering with COPY: the sign-in failed after $ms ms"
stop_fake
# A SELECT answered "done" without rows is not "no rows".
start_fake noresult "$T/fake.log"
conf_with "s/^port = .*/port = $fake/; s/^sslmode = .*/sslmode = disable/"
expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
expect_in "$LAST_OUT" "the server's answer does not fit the statement sent"
expect_not_in "$LAST_OUT" "not initialised"
stop_fake
pass "a server that answers with COPY, or a SELECT without rows: the sign-in fails closed, within busy_timeout plus a margin"

# ---- sslrootcert is checked like the configuration file ---------------------------------------
cp "$SECINFO_TEST_PG_CA" "$T/ca-gw.pem"
chmod 664 "$T/ca-gw.pem"
ln -s "$SECINFO_TEST_PG_CA" "$T/ca-link.pem"
for ca in "$T/ca-gw.pem" "$T/ca-link.pem" "$T/nothing.pem"; do
	conf_with "s|^sslrootcert = .*|sslrootcert = $ca|"
	out=$(admin check 2>&1) && fail "check accepted sslrootcert = $ca: $out"
	expect_in "$out" "sslrootcert $ca: "
	expect_pam "$UNAVAIL" "$(echo 000000)" s alice authenticate
	expect_in "$LAST_OUT" "sslrootcert $ca: "
done
if [ "$(id -u)" = 0 ]; then
	cp "$SECINFO_TEST_PG_CA" "$T/ca-nobody.pem"
	chown nobody "$T/ca-nobody.pem"
	conf_with "s|^sslrootcert = .*|sslrootcert = $T/ca-nobody.pem|"
	out=$(admin check 2>&1) && fail "check accepted a CA file owned by nobody: $out"
	expect_in "$out" "sslrootcert $T/ca-nobody.pem: "
fi
pass "sslrootcert writable by its group, a symbolic link, missing (or another user's): refused, the file named"

# ---- the tables are public's, whatever search_path the database or role sets -------------------
conf_with ""
enroll_app grace
pg_sql "CREATE SCHEMA evil" >/dev/null
pg_sql "CREATE TABLE evil.users (LIKE public.users INCLUDING ALL)" >/dev/null
pg_sql "ALTER DATABASE $PGDB SET search_path = evil, public" >/dev/null
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT)" s grace authenticate
pg_sql "ALTER DATABASE $PGDB RESET search_path" >/dev/null
pg_sql "DROP SCHEMA evil CASCADE" >/dev/null
pass "a search_path set on the database does not change which users table the module reads"

# A row count that is not a number (a command tag the server made up) is not 0 rows.
start_fake badcount "$T/fake.log"
conf_with "s/^port = .*/port = $fake/; s/^sslmode = .*/sslmode = disable/"
out=$(admin init 2>&1) && fail "init succeeded against a fake server: $out"
expect_in "$out" "the server's answer does not fit the statement sent"
stop_fake
pass "a row count that is not a number fails closed"
