# Sourced by tests/admin/copy.sh and copy_pg.sh after tests/lib.sh: the configuration, a
# source store with every kind of row, and helpers to read tables.
#
#   copy_source        starts the gateway, writes $CONF and makes the source store $DB: alice
#                      (app, step $CODE used; questions $Q1..$Q3), bob (sms: a pending code and
#                      its send), carol (a pass $PASS), dave (locked), erin's deleted method
#                      (the methods sequence $SEQ above the highest id), a failure of the
#                      unenrolled mallory ($META: the meta rows besides the key check)
#   target NAME [KEY]  writes $T/NAME.conf naming the sqlite store $T/NAME/secinfo.db and KEY
#                      (default $T/NAME.key), with $CONF's other sections
#   copy_to NAME       runs copy --to $T/NAME.conf: OUT, RC
#   table_sql TABLE HEX: the SELECT that prints TABLE comparably on both backends, HEX the
#                      function that writes a blob as upper-case hex ('' for NULL)

target() {
	{
		printf '[database]\npath = %s/%s/secinfo.db\nkey_file = %s\n' "$T" "$1" \
			"${2:-$T/$1.key}"
		sed -n '/^\[policy\]/,$p' "$CONF"
	} > "$T/$1.conf"
	chmod 644 "$T/$1.conf"
}
copy_to() { OUT=$(admin copy --to "$T/$1.conf" 2>&1) && RC=0 || RC=$?; }

table_sql() {
	case $1 in
	users) echo "SELECT id, name, default_method, failures, locked_until, created FROM users ORDER BY id" ;;
	methods) echo "SELECT id, user_id, kind, $2(detail), otp_algorithm, otp_digits, otp_period,
		otp_hotp, counter, created, last_used, expires, uses FROM methods ORDER BY id" ;;
	codes) echo "SELECT method_id, $2(hash), expires, attempts FROM codes ORDER BY method_id" ;;
	sends) echo "SELECT user_id, channel, time FROM sends ORDER BY user_id, channel, time" ;;
	questions) echo "SELECT id, text, active FROM questions ORDER BY id" ;;
	answers) echo "SELECT method_id, question_id, hash FROM answers ORDER BY method_id, question_id" ;;
	audit) echo "SELECT time, \"user\", service, rhost, method, event, result, actor, host
		FROM audit ORDER BY id" ;;
	*) fail "table_sql: no table $1" ;;
	esac
}
COPY_TABLES="users methods codes sends questions answers"
# sqlite_rows DB TABLE: TABLE's rows as table_sql prints them, from sqlite.
sqlite_rows() { sqlite3 -separator '|' -nullvalue NULL "$1" "$(table_sql "$2" hex)"; }

copy_source() {
	start_gateway gw
	write_conf <<-CONF
		[policy]
		methods = app sms questions
		tries = 3
		max_failures = 3
		lockout = 1h
		[questions]
		register = 3
		ask = 2
		min_answer_length = 4
		[codes]
		lifetime = 10m
		max_sends_per_hour = 4
		$(twilio_section sms)
	CONF
	admin init >/dev/null
	service s
	enroll_app alice
	Q1=$(admin question add "What was the name of your first pet?")
	Q2=$(admin question add "In which town were you born?")
	Q3=$(admin question add "What was your first car?")
	printf '%s\tRex the dog\n%s\tDelft\n%s\tBeetle\n' "$Q1" "$Q2" "$Q3" > "$T/answers"
	admin method add alice questions --answers-file "$T/answers" >/dev/null
	admin method add bob sms +14255551234 --no-verify >/dev/null
	PASS=$(admin tap issue carol 2>&1 | grep -o -E "$PASS_RE" | head -n 1)
	[ -n "$PASS" ] || fail "tap issue printed no pass"
	enroll_app dave
	enroll_app erin
	admin method delete erin app --yes >/dev/null # the highest method id is never used again

	fresh_step
	CODE=$(totp $SECRET_DEFAULT)
	expect_pam success "$CODE" s alice authenticate
	# bob asks for a code and leaves: the code is pending, the send counted.
	before=$(requests)
	{
		echo
		wait_request "$before"
	} | pam s bob authenticate >/dev/null 2>&1 && fail "bob's sign-in without an answer succeeded"
	wrong=$(printf '%06d' $(((1$(totp $SECRET_DEFAULT) - 500000) % 1000000)))
	expect_pam "maximum number of retries" "$(printf '%s\n%s\n%s\n' "$wrong" "$wrong" "$wrong")" \
		s dave authenticate
	expect_pam "Authentication failure" "$(printf '000000\n000001\n000002\n')" s mallory \
		authenticate

	for t in users methods codes sends questions answers audit; do
		[ "$(sqlite3 "$DB" "SELECT count(*) FROM $t")" -gt 0 ] || fail "the source has no $t row"
	done
	[ "$(sqlite3 "$DB" "SELECT count(*) FROM users WHERE locked_until > strftime('%s','now')")" = 1 ] ||
		fail "dave should be locked in the source"
	[ "$(sqlite3 "$DB" "SELECT counter FROM methods m JOIN users u ON u.id = m.user_id
		WHERE u.name = 'alice' AND kind = 'app'")" -gt 0 ] || fail "alice's used step is not stored"
	META=$(sqlite3 "$DB" "SELECT name || '=' || value FROM meta WHERE name <> 'key_check' ORDER BY name")
	[ -n "$META" ] || fail "the source has no meta row besides the key check"
	SEQ=$(sqlite3 "$DB" "SELECT seq FROM sqlite_sequence WHERE name = 'methods'")
	[ "$SEQ" -gt "$(sqlite3 "$DB" "SELECT max(id) FROM methods")" ] ||
		fail "the deleted method should leave the methods sequence above the highest id"
	pass "the source holds every kind of row"
}
PASS_RE='[2-9A-HJKMNP-Z]{4}(-[2-9A-HJKMNP-Z]{4}){3}'
