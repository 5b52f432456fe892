# The setup of tests/e2e/*.sh: end-to-end tests with the real programs (sshd, sudo, login,
# passwd), with the helpers of tests/lib.sh. Source it; it sets -eu. Run as root:
#     top_builddir=BUILD_DIR top_srcdir=SOURCE_DIR sh tests/e2e/NAME.sh
# These tests change system files while they run, so they are not part of `make check`.
#
# What they may touch, and how it is put back (the EXIT/INT/TERM trap, even on failure):
#   - test users secinfo-e2e-* (useradd -m, chpasswd), removed with userdel -r; /etc/passwd,
#     shadow, group, gshadow, subuid and subgid are compared with a copy taken before and
#     put back (and the test fails) if they differ;
#   - new PAM services /etc/pam.d/secinfo-e2e-* (our own sshd runs under such a name),
#     /etc/sudoers.d/secinfo-e2e: removed;
#   - fixed service files that must be replaced (/etc/pam.d/sudo, login, passwd): copied to
#     $E2E_BACKUP first, put back, and compared with cmp (the test fails if not identical).
#     A run that was killed with SIGKILL leaves $E2E_BACKUP behind: the next run puts those
#     files back before doing anything else.
# The module configuration, key and database live in a root-owned 0700 temporary directory.
set -eu

: "${top_builddir:?set top_builddir to the build directory}" "${top_srcdir:?set top_srcdir}"
top_builddir=$(cd "$top_builddir" && pwd)
top_srcdir=$(cd "$top_srcdir" && pwd)
SECINFO_LIB=functions . "$top_srcdir/tests/lib.sh"
# The real programs, as make install installs them: they trust root's files alone.
ADMIN="$top_builddir/secinfo-admin/secinfo-admin"
MODULE="$top_builddir/pam_secinfo/.libs/pam_secinfo.so"
PTYDRIVE="$top_srcdir/tests/ptydrive.py"
E2E_BACKUP=/var/lib/secinfo-e2e-backup
E2E_PREFIX=secinfo-e2e
# Real logins are slower than pam_wrapper: a code must stay current for 8 seconds.
SLOW=8

need_root "creates users and PAM services, runs sshd/sudo/login"
need python3
need oathtool oathtool
need useradd passwd
need userdel passwd
need chpasswd passwd
need runuser util-linux
[ -f "$MODULE" ] || fail "module not built: $MODULE"
[ -x "$ADMIN" ] || fail "secinfo-admin not built: $ADMIN"

# One e2e script at a time: they share the fixed PAM service names. The lock is a directory
# holding the owner's pid (a file lock would stay held by the orphans of a killed run); the
# lock of a process that is gone is taken over.
E2E_LOCK=/run/secinfo-e2e.lock
i=0
until mkdir -m 700 "$E2E_LOCK" 2>/dev/null; do
	[ -d "$E2E_LOCK" ] || { rm -f "$E2E_LOCK"; continue; }
	owner=$(cat "$E2E_LOCK/pid" 2>/dev/null || true)
	if { [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; } || { [ -z "$owner" ] && [ $i -ge 5 ]; }; then
		rm -rf "$E2E_LOCK"
		continue
	fi
	i=$((i + 1))
	[ $i -le 600 ] || fail "another e2e test (pid ${owner:-?}) holds $E2E_LOCK"
	sleep 1
done
echo $$ > "$E2E_LOCK/pid"
trap 'rm -rf "$E2E_LOCK"' EXIT

# restore_backups: puts back every system file saved in $E2E_BACKUP (a file saved as
# NAME.absent did not exist: it is removed). Prints what it restored; returns 1 when a file
# is not byte-identical to its copy afterwards.
restore_backups() {
	[ -d "$E2E_BACKUP" ] || return 0
	ok=0
	for saved in "$E2E_BACKUP"/*; do
		[ -e "$saved" ] || continue
		base=${saved##*/}
		case $base in
		*.absent) orig=$(cat "$saved"); rm -f "$orig"; [ ! -e "$orig" ] || ok=1 ;;
		*.path) continue ;;
		*)
			orig=$(cat "$saved.path")
			if ! cmp -s "$saved" "$orig"; then
				cp -p "$saved" "$orig.secinfo-e2e.tmp" && mv -f "$orig.secinfo-e2e.tmp" "$orig"
			fi
			if cmp -s "$saved" "$orig"; then rm -f "$saved" "$saved.path"; else
				echo "FAIL: $orig differs from its backup $saved (left there)" >&2
				ok=1
				continue
			fi
			;;
		esac
		rm -f "$saved"
	done
	rmdir "$E2E_BACKUP" 2>/dev/null || true
	return $ok
}
if [ -d "$E2E_BACKUP" ] && [ -n "$(ls -A "$E2E_BACKUP")" ]; then
	echo "# an earlier e2e run did not clean up: restoring $(ls "$E2E_BACKUP" | grep -v '\.path$' | tr '\n' ' ')"
	restore_backups || fail "could not restore the files of an earlier run"
fi
# Left-overs of a killed run: its users and its own files.
for u in $(getent passwd | cut -d: -f1 | grep "^$E2E_PREFIX-" || true); do
	pkill -KILL -u "$u" 2>/dev/null || true
	userdel -r "$u" 2>/dev/null || userdel -f -r "$u" 2>/dev/null || true
done
rm -f /etc/pam.d/$E2E_PREFIX-* /etc/sudoers.d/$E2E_PREFIX /etc/ssh/sshd_config.d/$E2E_PREFIX.conf

# save_system_file PATH: keeps a copy of PATH (or notes that it did not exist) so that the
# trap can put it back exactly.
save_system_file() {
	mkdir -p -m 700 "$E2E_BACKUP"
	name=$(printf '%s' "$1" | tr / _)
	[ ! -e "$E2E_BACKUP/$name" ] || return 0
	if [ -e "$1" ]; then
		printf '%s\n' "$1" > "$E2E_BACKUP/$name.path"
		cp -p "$1" "$E2E_BACKUP/$name"
	else
		printf '%s\n' "$1" > "$E2E_BACKUP/$name.absent"
	fi
}

# The account databases must come back exactly as they were.
T=$(mktemp -d /tmp/secinfo-e2e.XXXXXX)
chmod 700 "$T"
mkdir -m 700 "$T/db" "$T/accounts"
for f in passwd shadow group gshadow subuid subgid; do
	[ -e /etc/$f ] && cp -p /etc/$f "$T/accounts/$f"
done

USERS=
PIDS=
OWN_FILES=
OWN_DIRS=
cleanup() {
	rc=$?
	trap - EXIT INT TERM
	set +e
	stop_gateways
	for pid in $PIDS; do kill "$pid" 2>/dev/null; done
	for pid in $PIDS; do wait "$pid" 2>/dev/null; done
	for u in $USERS; do
		pkill -KILL -u "$u" 2>/dev/null
		sleep 0.1
		userdel -r "$u" 2>/dev/null || userdel -f -r "$u" >/dev/null 2>&1
		rm -rf "/run/sudo/ts/$u" "/var/lib/sudo/lectured/$u" "/var/mail/$u"
	done
	for f in $OWN_FILES; do rm -f "$f"; done
	for d in $OWN_DIRS; do rmdir "$d" 2>/dev/null; done
	restore_backups || rc=1
	for f in passwd shadow group gshadow subuid subgid; do
		[ -e "$T/accounts/$f" ] || continue
		if ! cmp -s "$T/accounts/$f" /etc/$f; then
			echo "FAIL: /etc/$f changed by the test; restored from the copy taken before" >&2
			cp -p "$T/accounts/$f" /etc/$f
			rc=1
		fi
	done
	if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
		for l in "$T"/*.log; do [ -e "$l" ] && { echo "---- $l"; tail -40 "$l"; }; done
	fi
	[ -z "${E2E_KEEP:-}" ] || cp "$T"/*.log "$E2E_KEEP"/ 2>/dev/null
	rm -rf "$T" "$E2E_LOCK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# add_user NAME: a user secinfo-e2e-NAME with a home and the password in $PW; sets U.
PW='e2e-Pw-0f9c2a71'
add_user() {
	U=$E2E_PREFIX-$1
	useradd -m -s /bin/bash "$U"
	USERS="$USERS $U"
	printf '%s:%s\n' "$U" "$PW" | chpasswd
}

# own_file PATH: a file the test creates (it must not exist yet); removed afterwards.
own_file() {
	[ ! -e "$1" ] || fail "$1 already exists; not overwriting it"
	OWN_FILES="$OWN_FILES $1"
}

# The files that write_conf and admin (tests/lib.sh) use.
CONF="$T/secinfo.conf"
DB="$T/db/secinfo.db"
KEY="$T/secinfo.key"

# new_secret: a random base32 TOTP secret.
new_secret() {
	python3 -c 'import base64, os; print(base64.b32encode(os.urandom(20)).decode())'
}
# enroll_app USER: a fresh TOTP secret for USER (printed).
enroll_app() {
	s=$(new_secret)
	admin method add "$1" app --secret "$s" --no-verify >/dev/null
	echo "$s"
}
# totp_cmd SECRET: the answer command of a prompt that types the code current at that moment.
totp_cmd() { echo "!oathtool --totp -b $1"; }

# pty TIMEOUT PROMPT ANSWER ... -- COMMAND: runs COMMAND on a terminal through tests/ptydrive.py;
# OUT gets the transcript, RC the exit status. Never fails by itself.
pty() {
	t=$1
	shift
	OUT=$(python3 "$PTYDRIVE" --timeout "$t" "$@" 2>&1) && RC=0 || RC=$?
	printf '%s\n' "---- $(date +%T) pty $* (exit $RC)" "$OUT" >> "$T/transcripts.log"
}


# install_service NAME: a new PAM service /etc/pam.d/NAME from standard input.
install_service() {
	own_file "/etc/pam.d/$1"
	cat > "/etc/pam.d/$1"
	chmod 644 "/etc/pam.d/$1"
}
# replace_service NAME: replaces the fixed service /etc/pam.d/NAME (saved first) from stdin.
# login_service: /etc/pam.d/login as Debian's stock stack, shortened: the password
# (common-auth), then the module of the build with the test's configuration.
login_service() {
	replace_service login <<PAM
auth       requisite  pam_nologin.so
@include common-auth
auth       required   $MODULE config=$CONF
@include common-account
session    required   pam_loginuid.so
session    required   pam_env.so readenv=1
session    required   pam_limits.so
session    optional   pam_lastlog.so
@include common-session
PAM
}

replace_service() {
	save_system_file "/etc/pam.d/$1"
	cat > "$T/pam.$1"
	chmod 644 "$T/pam.$1"
	cp "$T/pam.$1" "/etc/pam.d/$1.secinfo-e2e.tmp"
	mv -f "/etc/pam.d/$1.secinfo-e2e.tmp" "/etc/pam.d/$1"
}

# The answer command that types the code of the last text message the gateway received.
SENT_CODE="!python3 -c 'import json, re, sys
r = [json.loads(l) for l in open(sys.argv[1])][-1]
print(re.sub(r\"\\D\", \"\", r[\"form\"][\"Body\"])[-6:])' $T/gw.log"

# ---- sshd (tests/e2e/sshd.sh, stacks.sh) ----------------------------------------------------
# sshd names its PAM service after the name it was run by (__progname): run through a symbolic
# link called secinfo-e2e-NAME, it uses /etc/pam.d/secinfo-e2e-NAME, a file of our own. The
# machine's /etc/pam.d/sshd and /etc/ssh are never touched.
SSHD=/usr/sbin/sshd
# shipped_service FILE: prints the PAM service FILE (a path, or a name in conf/pam.d) as
# shipped, with the build's module and $CONF in every line that loads pam_secinfo.so.
shipped_service() {
	case $1 in
	*/*) f=$1 ;;
	*) f=$top_srcdir/conf/pam.d/$1 ;;
	esac
	sed -e "/^[[:space:]]*#/!s#pam_secinfo\\.so#$MODULE config=$CONF#" "$f"
}

need_sshd() {
	need $SSHD openssh-server
	need ssh openssh-client
	need ssh-keygen openssh-client
}
# setup_sshd: host and client keys in $T/ssh, and sshd's privilege separation directory.
setup_sshd() {
	# sshd refuses to start without its privilege separation directory.
	if [ ! -d /run/sshd ]; then
		mkdir -m 755 /run/sshd
		OWN_DIRS="$OWN_DIRS /run/sshd"
	fi
	mkdir -m 700 "$T/ssh"
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/host_key"
	ssh-keygen -q -t ed25519 -N '' -f "$T/ssh/client_key"
}

# start_sshd NAME AUTHENTICATION_METHODS [PASSWORD_AUTHENTICATION]: runs sshd as
# secinfo-e2e-NAME (its PAM service), in the foreground (-D) in the background of this script,
# with PasswordAuthentication no (or the third argument); sets SSH_PORT.
start_sshd() {
	name=$E2E_PREFIX-$1
	ln -s "$SSHD" "$T/ssh/$name"
	SSH_PORT=$(free_port)
	cat > "$T/ssh/$name.config" <<SSHD_CONFIG
ListenAddress 127.0.0.1
Port $SSH_PORT
HostKey $T/ssh/host_key
PidFile $T/ssh/$name.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication ${3:-no}
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
AuthenticationMethods $2
PermitRootLogin no
AllowUsers $E2E_PREFIX-*
UseDNS no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
MaxAuthTries 3
SSHD_CONFIG
	"$T/ssh/$name" -t -f "$T/ssh/$name.config" || fail "sshd -t refused the configuration"
	"$T/ssh/$name" -D -e -f "$T/ssh/$name.config" 2> "$T/$name.log" &
	PIDS="$PIDS $!"
	i=0
	until python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' \
		"$SSH_PORT" 2>/dev/null; do
		i=$((i + 1))
		[ $i -le 100 ] || fail "sshd did not start: $(cat "$T/$name.log")"
		sleep 0.1
	done
}

# ssh_as USER [OPTIONS...] -- PROMPT ANSWER ...: logs in as USER through the client to the
# sshd started last and runs `echo e2e-$((6*7))` there (it prints e2e-42 only when the login
# worked). The options may include ptydrive's --any.
SSH_OPTS="-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o GlobalKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=10
	-o NumberOfPasswordPrompts=1"
ssh_as() {
	user=$1
	shift
	opts=
	any=
	while [ "$1" != -- ]; do
		if [ "$1" = --any ]; then any=--any; else opts="$opts $1"; fi
		shift
	done
	shift
	pty 30 $any "$@" -- ssh $SSH_OPTS $opts -p "$SSH_PORT" -l "$user" 127.0.0.1 'echo e2e-$((6*7))'
}
KBD="-o PreferredAuthentications=keyboard-interactive -o PubkeyAuthentication=no"

# start_register_sshd NAME: sshd with keyboard-interactive and the service sshd-NAME: the
# password, then pam_secinfo.so register (SPEC 13).
start_register_sshd() {
	setup_sshd
	install_service "$E2E_PREFIX-sshd-$1" <<PAM
@include common-auth
auth       required     $MODULE config=$CONF register
account    required     pam_nologin.so
@include common-account
session    required     pam_unix.so
PAM
	start_sshd "sshd-$1" keyboard-interactive
}

# ---- secinfo, the users' own command (SPEC 12) -----------------------------------------------
# secinfo reads its compiled-in configuration (/etc/security/secinfo.conf with
# scripts/build.sh, --sysconfdir=/etc): install_system_conf puts $CONF there for the test's
# duration (saved first, put back after).
SYSCONF=/etc/security/secinfo.conf

# install_secinfo: installs the build's secinfo set-user-id root as $SECINFO, in a directory
# $BIN every user can reach (not under $T, 0700), on a file system mounted without nosuid; skips
# when that cannot be done or the build's configuration path is not $SYSCONF.
install_secinfo() {
	BUILT="$top_builddir/secinfo/secinfo"
	[ -x "$BUILT" ] || fail "secinfo not built: $BUILT"
	grep -a -q "$SYSCONF" "$BUILT" ||
		skip "secinfo was not configured with --sysconfdir=/etc (scripts/build.sh)"
	BIN=$(mktemp -d /var/tmp/secinfo-e2e-bin.XXXXXX)
	OWN_DIRS="$OWN_DIRS $BIN"
	SECINFO=$BIN/secinfo
	OWN_FILES="$OWN_FILES $SECINFO"
	chmod 755 "$BIN"
	install -o root -g root -m 4755 "$BUILT" "$SECINFO"
	case $(findmnt -no OPTIONS -T "$BIN" 2>/dev/null) in
	*nosuid*) skip "$BIN is on a file system mounted nosuid" ;;
	esac
}

# install_system_conf: copies $CONF to $SYSCONF, which secinfo reads.
install_system_conf() {
	save_system_file "$SYSCONF"
	mkdir -p /etc/security
	cp "$CONF" "$SYSCONF.secinfo-e2e.tmp"
	chmod 644 "$SYSCONF.secinfo-e2e.tmp"
	mv -f "$SYSCONF.secinfo-e2e.tmp" "$SYSCONF"
}


