#!/bin/sh
# E-mail over SMTP against a real mail server on loopback (tests/gateway/smtp_server.py,
# aiosmtpd): an RFC 5322 message with the code, STARTTLS required/optional/off, smtps://, AUTH,
# refusals before any connection, and the failures a user must hear about (SPEC §5, §8, §9).
. "$top_srcdir/tests/lib.sh"

need_smtp

ADDRESS=bob@example.net
SMTP_USER=secinfo
SMTP_PASSWORD=$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')
printf '%s\n' "$SMTP_PASSWORD" > "$T/smtp.secret"
chmod 600 "$T/smtp.secret"
printf 'not-the-password\n' > "$T/wrong.secret"
chmod 600 "$T/wrong.secret"

# email_conf URL STARTTLS [KEY=VALUE...]: [email] for URL; each extra argument is one more
# "key = value" line of [email] (ca_file, username, password_file, subject, from, timeout).
email_conf() {
	url=$1
	starttls=$2
	shift 2
	{
		printf '[policy]\nmethods = app email\nissuer = Example Org\n'
		printf '[codes]\nmessage = Hello %%{user}, your %%{issuer} code is %%{code}\n'
		printf '[email]\nsmtp_url = %s\nstarttls = %s\n' "$url" "$starttls"
		case " $* " in *" timeout="*) ;; *) printf 'timeout = 5s\n' ;; esac
		case " $* " in
		*" from="*) ;;
		*) printf 'from = Security info <noreply@example.org>\n' ;;
		esac
		for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
	} | write_conf
}

# send_mail ADDRESS: sends a fresh code to ADDRESS; CODE is the code, OUT/RC as send_code.
send_mail() {
	CODE=$(random_code)
	send_code email "$1" "$CODE" bob
}

# messages [LOG]: how many messages the server accepted.
messages() {
	wc -l < "${1:-$LOG}" | tr -d ' '
}

# expect_mail EXPR WANT: the Python expression on the last accepted message prints WANT;
# e is the log entry (mail_from, rcpt_tos, data, tls, starttls, auth), m the message parsed
# by Python's email module, raw its bytes.
expect_mail() {
	got=$("$SMTP_PYTHON" -c 'import email, email.policy, email.utils, json, re, sys
e = [json.loads(line) for line in open(sys.argv[1])][-1]
raw = e["data"].encode()
m = email.message_from_bytes(raw, policy=email.policy.default)
print(eval(sys.argv[2]))' "$LOG" "$1") || fail "cannot evaluate $1 on $(tail -n 1 "$LOG")"
	[ "$got" = "$2" ] || fail "mail: $1 is '$got', expected '$2' (message: $(tail -n 1 "$LOG"))"
}

# expect_secret_free: neither the code nor the SMTP password is in what send printed.
expect_secret_free() {
	expect_not_in "$OUT" "$CODE"
	expect_not_in "$OUT" "$SMTP_PASSWORD"
}

make_certs
start_smtp plain
PLAIN_PORT=$PORT
start_smtp tls --cert "$T/tls/server.pem" --key "$T/tls/server.key"
TLS_PORT=$PORT
start_smtp rogue --cert "$T/tls/rogue.pem" --key "$T/tls/rogue.key"
ROGUE_PORT=$PORT
start_smtp auth --cert "$T/tls/server.pem" --key "$T/tls/server.key" \
	--auth-user "$SMTP_USER" --auth-password-file "$T/smtp.secret"
AUTH_PORT=$PORT
start_smtp smtps --cert "$T/tls/server.pem" --key "$T/tls/server.key" --implicit-tls
SMTPS_PORT=$PORT
start_smtp reject --reject-rcpt
REJECT_PORT=$PORT
start_smtp hang --hang 20
HANG_PORT=$PORT

# Plain smtp:// with starttls = off: an RFC 5322 message with the code, envelope right.
LOG="$T/plain.log"
email_conf "smtp://127.0.0.1:$PLAIN_PORT" off "subject=Your sign-in code"
send_mail "Bob@Example.NET"
expect_rc 0
expect_in "$OUT" "status=250"
expect_in "$OUT" "detail=mail server accepted the message"
expect_secret_free
[ "$(messages)" = 1 ] || fail "expected one message, the server has $(messages)"
expect_mail "e['mail_from']" noreply@example.org
expect_mail "e['rcpt_tos']" "['Bob@example.net']"
expect_mail "e['tls']" False
for h in Date Message-ID From To Subject MIME-Version Content-Type Content-Transfer-Encoding; do
	expect_mail "len(m.get_all('$h') or [])" 1
done
expect_mail "m['From'].addresses[0].display_name, m['From'].addresses[0].addr_spec" \
	"('Security info', 'noreply@example.org')"
expect_mail "m['To'].addresses[0].addr_spec" Bob@example.net
expect_mail "str(m['Subject'])" "Your sign-in code"
expect_mail "m['MIME-Version']" 1.0
expect_mail "m.get_content_type(), m.get_content_charset()" "('text/plain', 'utf-8')"
expect_mail "abs(email.utils.parsedate_to_datetime(m['Date']).timestamp() - $(date +%s)) < 120" \
	True
expect_mail "re.fullmatch(r'<[0-9a-f]{32}@example\\.org>', m['Message-ID']) is not None" True
expect_mail "b'\\n' not in raw.replace(b'\\r\\n', b'')" True
expect_mail "'Hello bob, your Example Org code is $CODE' in m.get_content()" True
expect_mail "'expires in 5 minutes' in m.get_content()" True
expect_mail "'ignore this message' in m.get_content()" True
expect_mail "m.defects == [] and all(h.defects == () for h in m.values())" True
pass "smtp:// with starttls = off: a well-formed message with the code"

# Two messages never share a Message-ID.
first=$("$SMTP_PYTHON" -c 'import json, sys
print(json.loads(open(sys.argv[1]).readlines()[-1])["data"].split("Message-ID: ")[1].split()[0])' "$LOG")
send_mail "$ADDRESS"
expect_rc 0
expect_mail "m['Message-ID'] != '$first'" True
pass "a fresh Message-ID per message"

# A non-ASCII subject is an RFC 2047 encoded-word, decoded back to the same text.
email_conf "smtp://127.0.0.1:$PLAIN_PORT" off \
	"subject=Votre code de vérification — très long sujet pour forcer le pliage en plusieurs mots"
send_mail "$ADDRESS"
expect_rc 0
expect_mail "re.search(rb'^Subject: =\\?UTF-8\\?B\\?', raw, re.M) is not None" True
expect_mail "all(ord(c) < 128 for c in e['data'].split('\\r\\n\\r\\n')[0])" True
expect_mail "str(m['Subject'])" \
	"Votre code de vérification — très long sujet pour forcer le pliage en plusieurs mots"
pass "non-ASCII subject encoded (RFC 2047)"

# STARTTLS required with the test CA: delivered over TLS.
LOG="$T/tls.log"
email_conf "smtp://127.0.0.1:$TLS_PORT" required "ca_file=$T/tls/ca.pem"
send_mail "$ADDRESS"
expect_rc 0
expect_mail "e['tls'], e['starttls']" "(True, True)"
expect_mail "'$CODE' in m.get_content()" True
pass "STARTTLS required: delivered over TLS"

# starttls = optional uses STARTTLS when offered, and goes on in the clear when not.
email_conf "smtp://127.0.0.1:$TLS_PORT" optional "ca_file=$T/tls/ca.pem"
send_mail "$ADDRESS"
expect_rc 0
expect_mail "e['tls'], e['starttls']" "(True, True)"
LOG="$T/plain.log"
before=$(messages)
email_conf "smtp://127.0.0.1:$PLAIN_PORT" optional "ca_file=$T/tls/ca.pem"
send_mail "$ADDRESS"
expect_rc 0
[ "$(messages)" = $((before + 1)) ] || fail "optional STARTTLS: nothing delivered"
expect_mail "e['tls']" False
pass "STARTTLS optional"

# STARTTLS required against a server that does not offer it: nothing is sent.
before=$(messages)
email_conf "smtp://127.0.0.1:$PLAIN_PORT" required "ca_file=$T/tls/ca.pem"
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "detail=STARTTLS required but not offered"
expect_secret_free
[ "$(messages)" = "$before" ] || fail "a message was delivered without the STARTTLS required"
pass "STARTTLS required but not offered: refused"

# starttls = off against a server that requires STARTTLS: the server's refusal is reported.
LOG="$T/tls.log"
before=$(messages)
email_conf "smtp://127.0.0.1:$TLS_PORT" off
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "detail=mail server refused: 530"
expect_in "$OUT" "response=530"
[ "$(messages)" = "$before" ] || fail "delivered in the clear to a server requiring STARTTLS"
pass "server refusal reported with its reply"

# An untrusted certificate, with ca_file and with the system store: nothing is sent.
LOG="$T/rogue.log"
for ca in "ca_file=$T/tls/ca.pem" ""; do
	email_conf "smtp://127.0.0.1:$ROGUE_PORT" required $ca
	send_mail "$ADDRESS"
	expect_rc 1
	expect_in "$OUT" "detail=TLS verification failed"
	expect_secret_free
done
email_conf "smtps://127.0.0.1:$SMTPS_PORT" required
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "detail=TLS verification failed"
[ "$(messages)" = 0 ] || fail "a message reached the server with the untrusted certificate"
# The right CA but another name (localhost is not in the certificate).
LOG="$T/tls.log"
before=$(messages)
email_conf "smtp://localhost:$TLS_PORT" required "ca_file=$T/tls/ca.pem"
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "detail=TLS"
[ "$(messages)" = "$before" ] || fail "a message was sent to a misnamed certificate"
pass "untrusted or misnamed certificates refused"

# smtps://: TLS from the first byte.
LOG="$T/smtps.log"
email_conf "smtps://127.0.0.1:$SMTPS_PORT" off "ca_file=$T/tls/ca.pem"
send_mail "$ADDRESS"
expect_rc 0
expect_mail "e['tls'], e['starttls']" "(True, False)"
expect_mail "'$CODE' in m.get_content()" True
pass "smtps:// (implicit TLS)"

# AUTH with username and password_file: the right password delivers, a wrong one does not.
LOG="$T/auth.log"
email_conf "smtp://127.0.0.1:$AUTH_PORT" required "ca_file=$T/tls/ca.pem" \
	"username=$SMTP_USER" "password_file=$T/smtp.secret"
send_mail "$ADDRESS"
expect_rc 0
expect_secret_free
expect_mail "e['auth'], e['tls']" "('$SMTP_USER', True)"
email_conf "smtp://127.0.0.1:$AUTH_PORT" required "ca_file=$T/tls/ca.pem" \
	"username=$SMTP_USER" "password_file=$T/wrong.secret"
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "detail=mail server refused the login"
expect_not_in "$OUT" not-the-password
expect_secret_free
# Without credentials the server refuses the sender.
email_conf "smtp://127.0.0.1:$AUTH_PORT" required "ca_file=$T/tls/ca.pem"
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "detail=mail server refused: 530"
[ "$(messages)" = 1 ] || fail "expected only the authenticated message, got $(messages)"
pass "AUTH: right password delivers, wrong or none refused"

# A password file that others can read is refused before connecting.
chmod 644 "$T/smtp.secret"
email_conf "smtp://127.0.0.1:$AUTH_PORT" required "ca_file=$T/tls/ca.pem" \
	"username=$SMTP_USER" "password_file=$T/smtp.secret"
send_mail "$ADDRESS"
chmod 600 "$T/smtp.secret"
expect_rc 1
expect_in "$OUT" "detail=[email] password_file"
expect_secret_free
pass "password_file readable by others refused"

# A recipient the server refuses.
LOG="$T/reject.log"
email_conf "smtp://127.0.0.1:$REJECT_PORT" off
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "detail=mail server refused: 550 5.1.1"
expect_in "$OUT" "response=550 5.1.1"
expect_secret_free
[ "$(messages)" = 0 ] || fail "the refusing server accepted a message"
pass "recipient refused (550)"

# Refused before any connection: the URL names a closed port, so a connection attempt would
# say "could not connect" instead; and no server received anything.
dead=$(free_port)
check_refused() {
	expect_rc "$1"
	expect_not_in "$OUT" "could not connect"
	expect_not_in "$OUT" "status=250"
}
email_conf "smtp://127.0.0.1:$dead" off
for bad in "bob@" "@example.net" "bob" "bob smith@example.net" "<bob@example.net>" \
	"bob@example.net>" "bob@example.net,eve@example.org" "$(printf 'bob@example.net\r\nRCPT TO:<eve@example.org>')" \
	"$(printf 'bob@example.net\nBcc: eve@example.org')" "bob@exa_mple.net"; do
	send_mail "$bad"
	check_refused 1
	expect_in "$OUT" "detail=refused: not a valid e-mail address"
done
# A subject or from with a control character, a from without an address.
for kv in "subject=$(printf 'Code\001')" "subject=$(printf 'Code\033[2J')" \
	"from=Security info" "from=Security info <>" "from=$(printf 'Sec\001 <noreply@example.org>')" \
	"from=Security info <noreply@example.org" "from=<no reply@example.org>"; do
	email_conf "smtp://127.0.0.1:$dead" off "$kv"
	send_mail "$ADDRESS"
	check_refused 1
	expect_in "$OUT" "detail=[email]"
done
# A CR in the configuration never gets this far: the file is refused.
email_conf "smtp://127.0.0.1:$dead" off "subject=$(printf 'Code\rBcc: eve@example.org')"
send_mail "$ADDRESS"
check_refused 2
# A URL that is not SMTP.
email_conf "http://127.0.0.1:$PLAIN_PORT/send" off
send_mail "$ADDRESS"
check_refused 1
expect_in "$OUT" "detail=[email] smtp_url must start with smtp:// or smtps://"
for log in "$T"/*.log; do
	case $log in */gateway*.log) continue ;; esac
	n=$(messages "$log")
	case $log in
	*/plain.log) [ "$n" = 4 ] ;;
	*/tls.log) [ "$n" = 2 ] ;;
	*/smtps.log | */auth.log) [ "$n" = 1 ] ;;
	*) [ "$n" = 0 ] ;;
	esac || fail "$log has $n messages: a refused request was delivered"
done
pass "bad addresses, control characters and a From without an address refused unsent"

# Proxies from the environment (a dead one) are ignored, for smtp:// and smtps://.
dead=$(free_port)
for url in "smtp://127.0.0.1:$TLS_PORT" "smtps://127.0.0.1:$SMTPS_PORT"; do
	email_conf "$url" required "ca_file=$T/tls/ca.pem"
	CODE=$(random_code)
	OUT=$(http_proxy="http://127.0.0.1:$dead" HTTPS_PROXY="http://127.0.0.1:$dead" \
		ALL_PROXY="socks5://127.0.0.1:$dead" all_proxy="http://127.0.0.1:$dead" \
		NO_PROXY= no_proxy= "$SEND" "$CONF" email "$ADDRESS" "$CODE" 2>&1) && RC=0 || RC=$?
	expect_rc 0
	LOG="$T/tls.log"
	case $url in smtps:*) LOG="$T/smtps.log" ;; esac
	expect_mail "'$CODE' in m.get_content()" True
done
pass "http_proxy and ALL_PROXY ignored"

# Nobody listening.
email_conf "smtp://127.0.0.1:$(free_port)" off
send_mail "$ADDRESS"
expect_rc 1
expect_in "$OUT" "status=0"
expect_in "$OUT" "detail=could not connect to the mail server"
pass "connection refused: could not connect"

# A server that never answers the end of the message: the send gives up after timeout.
LOG="$T/hang.log"
email_conf "smtp://127.0.0.1:$HANG_PORT" off "timeout=2s"
start=$(date +%s)
send_mail "$ADDRESS"
elapsed=$(($(date +%s) - start))
expect_rc 1
expect_in "$OUT" "detail=timed out after 2 s"
expect_secret_free
[ "$elapsed" -le 3 ] || fail "a 2 s timeout took $elapsed s"
pass "hang: timed out after 2 s (took $elapsed s)"
