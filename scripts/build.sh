#!/bin/sh
# Builds secinfo out of tree in DIR (default: _build) with warnings as errors.
# Extra arguments go to configure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-_build}
[ $# -gt 0 ] && shift
[ -x "$top/configure" ] || (cd "$top" && autoreconf -fi)
mkdir -p "$dir"
cd "$dir"
"$top/configure" --enable-werror --sysconfdir=/etc --localstatedir=/var "$@" >configure.out ||
	{ tail -30 configure.out config.log; exit 1; }
make -j"$(nproc)" >make.out 2>&1 || { cat make.out; exit 1; }
