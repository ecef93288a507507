#!/bin/sh
# build.sh OUTDIR — build the test helpers as static binaries, so they run
# unchanged inside a busybox container rootfs (no libc there).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi
out=$1
src=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}

mkdir -p "$out"
for helper in pidfd_setns setns_storm clone_ns evade flood tamper; do
	case $helper in
	evade) extra=-pthread ;; # thread-setns
	*) extra= ;;
	esac
	# shellcheck disable=SC2086 # $extra: zero or one word
	$CC -static -O2 -Wall -Wextra -Werror $extra -o "$out/$helper" "$src/$helper.c"
done
