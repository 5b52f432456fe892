#!/bin/sh
# "?" at the code prompt lists the user's other usable methods and switches (SPEC §4.2 step 4).
. "$top_srcdir/tests/lib.sh"
need_pamdrive
write_conf <<CONF
[policy]
methods = app sms
[sms]
provider = http
url = http://127.0.0.1:9/send
CONF
admin init >/dev/null
SECOND=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
enroll_app alice                      # phone app: the default
enroll_app alice "$SECOND"            # tablet app
enroll_app solo
service s

fresh_step
expect_pam success "$(printf '?\n1\n%s\n' "$(totp $SECOND)")" s alice authenticate
expect_in "$LAST_OUT" "Other ways to verify:"
expect_in "$LAST_OUT" "1. authenticator app #2"
expect_not_in "$LAST_OUT" "authenticator app #1"
pass "? lists the other usable method and switching to it signs in with its code"

fresh_step
expect_pam success "$(printf '?\n\n%s\n' "$(totp $SECRET_DEFAULT)")" s alice authenticate
pass "Enter at the menu keeps the current method"

expect_pam "Authentication failure" "$(printf '?\n7\n000000\n000001\n000002\n')" s alice authenticate
expect_in "$LAST_OUT" "That is not one of the numbers shown."
expect_in "$LAST_OUT" "result=failure"
pass "a number that is not listed is refused, and the menu does not use up a try"

expect_pam "Authentication failure" "$(printf '?\n000000\n000001\n000002\n')" s solo authenticate
expect_in "$LAST_OUT" "No other verification method is available."
expect_pam "Authentication failure" "$(printf '?\n000000\n000001\n000002\n')" s nobody authenticate
expect_in "$LAST_OUT" "No other verification method is available."
pass "with one method, and for an unknown user alike, ? says there is no other way"

expect_pam "Conversation error" "$(printf '?\n')" s alice authenticate
pass "a NULL reply at the menu ends the sign-in with PAM_CONV_ERR"
