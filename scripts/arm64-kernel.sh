#!/bin/bash
# arm64-kernel.sh CACHE_DIR [stock|backports]
#
# Debian's arm64 kernel, from Debian's mirror: for the arm64 test VM
# (tests/vm/arm64) and for vmlinux/arm64/vmlinux.h (kernel-btf.sh, stock):
#   stock      linux-image-arm64 of bookworm (6.1): the kernel Debian 12
#              nodes run. Its arm64 BPF trampolines cannot attach to kernel
#              functions (no ftrace direct calls before 6.4), so it has no
#              BPF LSM tier whatever lsm= says.
#   backports  linux-image-arm64 of bookworm-backports (6.12): BPF LSM and
#              trampolines work on arm64; the lsm tier's boot.
# Extracts the package's uncompressed Image (what qemu -kernel boots) into
# CACHE_DIR/kernel-FLAVOR/Image and prints that path. Idempotent: re-extracted
# only when the resolved package changes (point releases); when it cannot be
# resolved (offline), an already extracted kernel is kept.
set -euo pipefail

FDEBS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/foreign-debs.sh

log() { echo "arm64-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 CACHE_DIR [stock|backports]" >&2; exit 2; }
CACHE=$1 FLAVOR=${2:-stock}
case $FLAVOR in
stock) META=linux-image-arm64 ;;
backports) META=linux-image-arm64/bookworm-backports ;;
*) die "unknown flavor $FLAVOR (stock or backports)" ;;
esac
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
OUT=$CACHE/kernel-$FLAVOR

exec 6>"$CACHE/.kernel-$FLAVOR.lock"
flock 6

pkg=$("$FDEBS" arm64 "$CACHE" --apt-cache depends "$META" 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ { print $2; exit }') || true
if [[ -z $pkg ]]; then
	[[ -f $OUT/Image ]] || die "cannot resolve $META and no kernel cached"
	log "$META not resolvable; keeping $(cat "$OUT/version")"
	echo "$OUT/Image"
	exit 0
fi
if [[ ! -f $OUT/Image || $(cat "$OUT/version" 2>/dev/null) != "$pkg" ]]; then
	deb=$("$FDEBS" arm64 "$CACHE" "$pkg" | tail -n 1) || die "cannot download $pkg"
	log "extracting $pkg"
	TMP=$(mktemp -d "$CACHE/.kernel.XXXXXX")
	trap 'rm -rf "$TMP"' EXIT
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$TMP" --wildcards './boot/vmlinuz-*' ||
		die "no kernel image in $deb"
	rm -rf "$OUT"
	mkdir -p "$OUT"
	# Debian's arm64 vmlinuz is the uncompressed Image qemu -kernel boots.
	mv "$TMP"/boot/vmlinuz-* "$OUT/Image"
	echo "$pkg" >"$OUT/version"
	# The .deb is not needed again until the next point release.
	rm -f "$deb"
fi
echo "$OUT/Image"
