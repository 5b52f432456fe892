#!/bin/sh
# HOTP (RFC 4226, secinfo-admin method add --hotp): counters move forward only.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf <<CONF
[policy]
tries = 1
[app]
window = 1
CONF
admin init >/dev/null
admin method add alice app --secret "$SECRET_DEFAULT" --hotp --no-verify >/dev/null
service s
hotp() { oathtool --hotp -b "$SECRET_DEFAULT" -c "$1"; }

expect_pam success "$(hotp 0)" s alice authenticate
expect_pam "Authentication failure" "$(hotp 0)" s alice authenticate
pass "counter 0 accepted once"
expect_pam success "$(hotp 2)" s alice authenticate
pass "the app may run ahead (counter 2 after 0, inside the look-ahead)"
expect_pam "Authentication failure" "$(hotp 1)" s alice authenticate
pass "a skipped counter is never accepted later"
expect_pam "Authentication failure" "$(hotp 7)" s alice authenticate
pass "a counter beyond the look-ahead (2 x window) is refused"
expect_pam success "$(hotp 3)" s alice authenticate
pass "the next counter still works"
