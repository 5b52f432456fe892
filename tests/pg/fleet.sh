#!/bin/sh
# Two hosts of one fleet on one PostgreSQL database (SPEC 16): two configurations (the same key
# file, each its own file and PAM service) and two host names (each sign-in of host B runs in
# a UTS namespace named fleet-b, host A's in one named fleet-a, as two machines would be).
# Every counter is the database's, so across the hosts: a TOTP step accepted on A is refused on
# B; failures spread over both lock the user on both, and both say "locked"; 20 sign-ins at
# once with one code, 10 on each host, give exactly one success; the text messages' send
# limit counts the sends of both; the audit trail holds both hosts' rows, each with its host.
SECINFO_TEST_BACKEND=postgresql
. "$top_srcdir/tests/lib.sh"
need_pamdrive
need unshare util-linux
pg_backend # the test's own database (PGDB), tests/pg/lib.sh

# The host names: a UTS namespace per sign-in (as an ordinary user inside a user namespace of
# its own, where the test's files look root-owned, which the test build trusts anyway).
userns=
[ "$(id -u)" = 0 ] || userns=-r
unshare $userns -u sh -c 'hostname fleet-a' 2>/dev/null ||
	skip "cannot make a UTS namespace here (unshare $userns -u): the hosts need their own names"
cat > "$T/on-host" <<'SCRIPT'
#!/bin/sh
# on-host NAME CMD...: CMD with the host name NAME (the preloads only for CMD itself).
name=$1
shift
preload=${LD_PRELOAD-}
unset LD_PRELOAD
exec unshare $ON_HOST_USERNS -u sh -c \
	'hostname "$1" || exit 99; shift; export LD_PRELOAD="$0"; exec "$@"' "$preload" "$name" "$@"
SCRIPT
chmod 755 "$T/on-host"
export ON_HOST_USERNS="$userns"
# on A / on B: where the next sign-ins run.
on() { PAM_DRIVE_WRAP="$T/on-host fleet-$1"; }
# svc: the PAM service of the current host.
svc() { printf 'host-%s' "${PAM_DRIVE_WRAP##*-}"; }

start_gateway gw
CONF_A="$T/host-a.conf"
CONF_B="$T/host-b.conf"
# fleet_conf MAX_FAILURES TRIES: both hosts' configurations, the same but for nothing: one
# database, one key.
fleet_conf() {
	for c in "$CONF_A" "$CONF_B"; do
		pg_section > "$c"
		cat >> "$c" <<CONF
[policy]
methods = app sms
tries = $2
max_failures = $1
lockout = 10m
[codes]
lifetime = 60s
max_sends_per_hour = 4
$(twilio_section sms)
CONF
		chmod 644 "$c"
	done
}
fleet_conf 4 1
CONF=$CONF_A
admin init >/dev/null
"$ADMIN" -c "$CONF_B" init >/dev/null || fail "init on host B (the schema is there) failed"
service_on "$CONF_A" host-a
service_on "$CONF_B" host-b
for u in alice bob carol; do enroll_app $u; done
# dave registers on host B, by text message.
"$ADMIN" -c "$CONF_B" method add dave sms +14255550142 --no-verify >/dev/null

# ---- one-time use across hosts --------------------------------------------------------------
fresh_step
code=$(totp $SECRET_DEFAULT)
on a
expect_pam success "$code" "$(svc)" alice authenticate
expect_in "$LAST_OUT" "service=host-a"
on b
expect_pam "Authentication failure" "$code" "$(svc)" alice authenticate
on a
expect_pam "Authentication failure" "$code" "$(svc)" alice authenticate
on b
expect_pam success "$(totp $SECRET_DEFAULT 1)" "$(svc)" alice authenticate
pass "a TOTP step accepted on host A is refused on host B (and on A); B accepts the next"

# ---- failures of both hosts add up to one lockout --------------------------------------------
for h in a b a; do
	on $h
	expect_pam "Authentication failure" "000000" "$(svc)" bob authenticate
done
on b
expect_pam "maximum number of retries" "000001" "$(svc)" bob authenticate
expect_in "$LAST_OUT" "locked"
for h in a b; do
	on $h
	fresh_step
	expect_pam "maximum number of retries" "$(totp $SECRET_DEFAULT)" "$(svc)" bob authenticate
	expect_in "$LAST_OUT" "locked for this account until"
	expect_not_in "$LAST_OUT" "Verification code: "
done
admin user show bob --json | python3 -c 'import json, sys; u = json.load(sys.stdin)
assert u["locked_until"] is not None, u' ||
	fail "bob's lockout is not in the database"
pass "4 failures over hosts A, B, A, B lock the user on both hosts, and both say 'locked'"

# ---- 20 sign-ins at once with one code over both hosts ---------------------------------------
# Each driver gets its answer from a FIFO that the test holds open. They start one after the
# other (pam_wrapper's set-up races when processes start at once), each waiting at the prompt
# with its PAM call begun, until one line each releases all 20 together.
fleet_conf 50 1
mkfifo "$T/gate"
exec 3<>"$T/gate"
# At exit (a failure half-way too) no driver is left waiting at the gate.
release_gate() { [ -p "$T/gate" ] && for i in $(seq 1 20); do echo go; done 1<>"$T/gate"; }
at_exit release_gate
fresh_step
[ $((30 - $(date +%s) % 30)) -ge 15 ] || sleep $((30 - $(date +%s) % 30))
code=$(totp $SECRET_DEFAULT)
pids=
for i in $(seq 1 20); do
	if [ $((i % 2)) = 0 ]; then on a; else on b; fi
	{
		{ read -r _ <&3 && echo "$code"; } | pam "$(svc)" carol authenticate >"$T/c.$i" 2>&1
		echo $? >"$T/c.$i.rc"
	} &
	pids="$pids $!"
	n=0
	until grep -q 'Verification code' "$T/c.$i" 2>/dev/null || [ -e "$T/c.$i.rc" ]; do
		n=$((n + 1))
		[ $n -le 100 ] || fail "sign-in $i did not reach the prompt: $(tail -n 3 "$T/c.$i")"
		sleep 0.1
	done
	[ ! -e "$T/c.$i.rc" ] || fail "sign-in $i ended before the prompt: $(grep -v PWRAP "$T/c.$i")"
done
for i in $(seq 1 20); do echo go; done >&3
for pid in $pids; do wait "$pid" || true; done
exec 3>&-
ok=$(grep -l '^pamdrive: authenticate: success' "$T"/c.[0-9]* | wc -l)
refused=$(grep -l '^pamdrive: authenticate: .*Authentication failure' "$T"/c.[0-9]* | wc -l)
[ "$ok" = 1 ] && [ "$refused" = 19 ] ||
	fail "20 sign-ins at once with one code: $ok succeeded, $refused refused (1 and 19 expected): $(grep -h '^pamdrive: ' "$T"/c.[0-9]*)"
hosts=$(grep -h -o 'service=host-[ab]' "$T"/c.[0-9]* | sort | uniq -c | wc -l)
[ "$hosts" = 2 ] || fail "the sign-ins did not run on both hosts"
failures=$(db_query "SELECT failures FROM users WHERE name = 'carol'")
[ "$failures" = 19 ] || fail "19 refused sign-ins counted $failures failures"
pass "20 sign-ins at once with one code, 10 per host: exactly 1 success, 19 failures counted"

# ---- the send limit counts the sends of both hosts -------------------------------------------
sent_code() { request 're.sub(r"\D", "", r["form"]["Body"])[-6:]'; }
# by_text: a sign-in of dave on the current host with the code the gateway received.
by_text() {
	before=$(requests)
	LAST_OUT=$({
		echo
		wait_request "$before"
		sent_code
	} | pam "$(svc)" dave authenticate 2>&1) && RESULT=success || RESULT=failed
	[ "$RESULT" = success ] || fail "sign-in by text message on $(svc) failed: $LAST_OUT"
}
first=$(requests) # what came before (the notice of dave's new method)
for h in a b b a; do
	on $h
	by_text
done
[ "$(requests)" = $((first + 4)) ] || fail "4 sign-ins sent $(($(requests) - first)) text messages"
for h in b a; do
	on $h
	before=$(requests)
	out=$(printf '\n000000\n' | pam "$(svc)" dave authenticate 2>&1) &&
		fail "signed in without a code on $(svc)"
	expect_in "$out" "limit of 4 codes per hour"
	expect_in "$out" "result=send-limit"
	[ "$(requests)" = "$before" ] || fail "a text message left host $h past the limit"
done
pass "max_sends_per_hour = 4 counts the sends of both hosts: a fifth is refused on each"

# ---- one audit trail with the host of each row ------------------------------------------------
audit=$(admin audit --json)
python3 -c 'import json, sys
rows = json.loads(sys.argv[1])
def hosts(user, result=None):
    return sorted({r.get("host") for r in rows
                   if r["user"] == user and r["event"] == "auth"
                   and (result is None or r["result"] == result)})
assert hosts("alice", "success") == ["fleet-a", "fleet-b"], hosts("alice", "success")
assert hosts("bob") == ["fleet-a", "fleet-b"], hosts("bob")
assert hosts("dave", "success") == ["fleet-a", "fleet-b"], hosts("dave", "success")
carol = [r for r in rows if r["user"] == "carol" and r["event"] == "auth"]
assert len([r for r in carol if r["result"] == "success"]) == 1, carol
' "$audit" || fail "the audit trail does not hold both hosts' rows with their host: $audit"
pass "one audit --json holds both hosts' sign-ins, each row with its host (fleet-a, fleet-b)"
