#!/bin/sh
# An accepted TOTP step is never accepted again (SPEC §6), also across services.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf <<CONF
[policy]
tries = 1
CONF
admin init >/dev/null
enroll_app alice
service ssh-2fa
service sudo-2fa

fresh_step
code=$(totp $SECRET_DEFAULT)
expect_pam success "$(echo "$code")" ssh-2fa alice authenticate
expect_pam "Authentication failure" "$(echo "$code")" ssh-2fa alice authenticate
expect_pam "Authentication failure" "$(echo "$code")" sudo-2fa alice authenticate
pass "the same code is refused the second time, in any service"

older=$(totp $SECRET_DEFAULT -1)
expect_pam "Authentication failure" "$(echo "$older")" ssh-2fa alice authenticate
pass "a code of an earlier step than the last accepted one is refused"

newer=$(totp $SECRET_DEFAULT 1)
expect_pam success "$(echo "$newer")" ssh-2fa alice authenticate
pass "the next step's code is still accepted"
