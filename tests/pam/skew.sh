#!/bin/sh
# Clock skew: codes within [app] window steps of now are accepted, others refused.
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf <<CONF
[policy]
tries = 1
[app]
window = 1
CONF
admin init >/dev/null
for u in u0 u1 u2 u3 u4 u5; do enroll_app $u; done
service s

# fresh_step before each: the code must be computed in the same step the module checks it.
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT -1)" s u0 authenticate
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT 1)" s u1 authenticate
pass "one step behind and one step ahead are inside window = 1"
fresh_step
expect_pam "Authentication failure" "$(totp $SECRET_DEFAULT -2)" s u2 authenticate
fresh_step
expect_pam "Authentication failure" "$(totp $SECRET_DEFAULT 2)" s u3 authenticate
pass "two steps away are outside window = 1"

sed -i 's/^window = 1$/window = 2/' "$CONF"
fresh_step
expect_pam success "$(totp $SECRET_DEFAULT -2)" s u4 authenticate
fresh_step
expect_pam "Authentication failure" "$(totp $SECRET_DEFAULT 3)" s u5 authenticate
pass "window = 2 accepts two steps away but not three"
