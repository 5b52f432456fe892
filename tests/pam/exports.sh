#!/bin/sh
# The module exports only pam_sm_* and does not link libcurl (a sign-in that sends nothing must
# not pay for loading it).
set -eu
: "${top_builddir:?}"
MODULE="$top_builddir/pam_secinfo/.libs/pam_secinfo.so"
[ -f "$MODULE" ] || { echo "FAIL: $MODULE not built"; exit 1; }
command -v nm >/dev/null || { echo "SKIP: nm not installed"; exit 77; }
exported=$(nm -D --defined-only "$MODULE" | awk '$2 ~ /^[TDBRW]$/ {print $3}' | sort)
want=$(printf '%s\n' pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session \
	pam_sm_open_session pam_sm_setcred | sort)
[ "$exported" = "$want" ] || { echo "FAIL: exported symbols:"; echo "$exported"; exit 1; }
echo "ok - only pam_sm_* are exported"
if objdump -p "$MODULE" | grep NEEDED | grep -q curl; then
	echo "FAIL: the module links libcurl"; exit 1
fi
echo "ok - the module does not link libcurl"
readelf -d "$MODULE" | grep -q 'BIND_NOW' || { echo "FAIL: not linked with -z now"; exit 1; }
echo "ok - full RELRO (-z now)"
