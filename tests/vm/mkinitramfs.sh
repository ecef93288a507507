#!/bin/bash
# mkinitramfs.sh CACHE_DIR
#
# Builds CACHE_DIR/initramfs.gz: static busybox, the 9p/virtio modules extracted by
# fetch-kernel.sh (CACHE_DIR/kernel/modules) and guest-init.sh as /init.
# Idempotent: skips the build when the image is newer than all of its inputs.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUSYBOX=/bin/busybox    # busybox-static: the initramfs has no libc

log() { echo "mkinitramfs: $*" >&2; }
die() { log "error: $*"; exit 1; }

up_to_date() {
    local out=$1 cache=$2 f
    [[ -f $out ]] || return 1
    for f in "$HERE/guest-init.sh" "$HERE/mkinitramfs.sh" "$cache/kernel/version" "$BUSYBOX"; do
        [[ $out -nt $f ]] || return 1
    done
}

populate() {
    local root=$1 mods=$2
    mkdir -p "$root"/{bin,dev,proc,sys,root,lib/modules}
    cp "$BUSYBOX" "$root/bin/busybox"
    ln -s busybox "$root/bin/sh"
    cp "$mods"/*.ko "$mods/order" "$root/lib/modules/"
    install -m 0755 "$HERE/guest-init.sh" "$root/init"
    # Lets the kernel hand /init a console before devtmpfs is up; needs CAP_MKNOD,
    # and /init copes without it.
    mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
}

build() {
    local cache=$1 out=$2
    TMP=$(mktemp -d "$cache/.initramfs.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    populate "$TMP/root" "$cache/kernel/modules"
    (cd "$TMP/root" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) |
        gzip -1 >"$TMP/initramfs.gz"
    mv "$TMP/initramfs.gz" "$out"     # atomic: concurrent readers see old or new
}

main() {
    [[ $# -eq 1 ]] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
    local cache=$1
    [[ -x $BUSYBOX ]] || die "$BUSYBOX missing (apt-get install busybox-static)"
    [[ -f $cache/kernel/modules/order ]] || die "no modules in $cache/kernel; run fetch-kernel.sh"
    if ! up_to_date "$cache/initramfs.gz" "$cache"; then
        build "$cache" "$cache/initramfs.gz"
        log "built $cache/initramfs.gz ($(du -h "$cache/initramfs.gz" | cut -f1))"
    fi
}

main "$@"
