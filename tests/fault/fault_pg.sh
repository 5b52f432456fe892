#!/bin/sh
# Fault injection against the PostgreSQL store (issue 12; the fail-closed rule): fault.sh with
# FAULT_BACKEND=postgresql on a database of its own on the test server (tests/pg/lib.sh: skips
# without SECINFO_TEST_PG_PORT). The libpq calls of the store, its column reads, memory, file
# I/O and the conversation are failed one at a time in the scenarios that reach the store
# (test_fault.c); no run may fail open, crash, hang or leave a counter wrong.
FAULT_BACKEND=postgresql
export FAULT_BACKEND
. "$top_srcdir/tests/fault/fault.sh"
