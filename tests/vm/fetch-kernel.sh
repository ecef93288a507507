#!/bin/bash
# fetch-kernel.sh CACHE_DIR
#
# Downloads Debian's current stock kernel package (linux-image-amd64's dependency)
# into CACHE_DIR and extracts what the test VM needs into CACHE_DIR/kernel/:
#   vmlinuz, vmlinux (uncompressed, PVH-bootable), modules/*.ko (uncompressed),
#   modules/order (load order), version.
# Idempotent: a kernel already extracted for the resolved version is reused; when the
# package cannot be resolved (offline, no lists) an already extracted kernel is kept.
# Prints the kernel version (e.g. 6.1.0-56-amd64) on stdout; progress goes to stderr.
set -euo pipefail

# Load order matters: busybox insmod does not resolve dependencies.
MODULES=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
         netfs fscache 9pnet 9pnet_virtio 9p)

log() { echo "fetch-kernel: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The ABI suffix (6.1.0-NN) changes with point releases, so resolve it every run.
resolve_package() {
    local pkg
    pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
          awk '/Depends: linux-image-6/{print $2; exit}') || true
    if [[ -z $pkg ]]; then
        # Fresh containers have no package lists: fetch them once and retry.
        log "linux-image-amd64 not resolvable (no lists?); running apt-get update"
        apt-get update -qq >&2 || die "apt-get update failed"
        pkg=$(apt-cache depends linux-image-amd64 |
              awk '/Depends: linux-image-6/{print $2; exit}')
    fi
    [[ -n $pkg ]] || die "cannot resolve linux-image-amd64's kernel package"
    echo "$pkg"
}

# apt-get download writes into the current directory: download into a scratch dir and
# move the finished file, so an interrupted download is never mistaken for a good one.
# Sandbox user root: _apt cannot write into a root-owned cache dir (apt warns otherwise).
download_deb() {
    local cache=$1 pkg=$2 deb
    deb=$(find_deb "$cache" "$pkg")
    if [[ -z $deb ]]; then
        log "downloading $pkg"
        (cd "$TMP" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >&2) ||
            die "apt-get download $pkg failed"
        rm -f "$cache"/linux-image-*.deb    # superseded point releases
        mv "$TMP/$pkg"_*_amd64.deb "$cache/"
        deb=$(find_deb "$cache" "$pkg")
    fi
    [[ -n $deb ]] || die "downloaded .deb for $pkg not found in $cache"
    echo "$deb"
}

find_deb() {
    local f
    for f in "$1/$2"_*_amd64.deb; do [[ -f $f ]] && { echo "$f"; return; }; done
    return 0
}

# Modules may ship as .ko, .ko.xz or .ko.zst; busybox insmod wants plain ELF.
extract_module() {
    local root=$1 kver=$2 name=$3 out=$4 src
    src=$(find "$root/lib/modules/$kver" -name "$name.ko" -o -name "$name.ko.xz" \
               -o -name "$name.ko.zst" -o -name "$name.ko.gz" | head -n1)
    [[ -n $src ]] || die "module $name not in package"
    case $src in
        *.xz) xz -dc "$src" >"$out/$name.ko" ;;
        *.zst) zstd -qdc "$src" >"$out/$name.ko" ;;
        *.gz) gzip -dc "$src" >"$out/$name.ko" ;;
        *) cp "$src" "$out/$name.ko" ;;
    esac
}

# bzImage decompresses itself, which under TCG takes ~3 s of every boot (Debian's is
# xz). The ELF inside carries a PVH entry note (CONFIG_PVH), which qemu -kernel boots
# directly. Like the kernel's scripts/extract-vmlinux: try each compressed-stream magic.
extract_vmlinux() {
    local bz=$1 out=$2 fmt off
    for fmt in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
        # shellcheck disable=SC2013  # offsets are plain numbers
        for off in $(LC_ALL=C grep -obUaP "${fmt#*:}" "$bz" | cut -d: -f1); do
            # Trailing bytes after the stream make the tools complain: ignore status.
            tail -c +$((off + 1)) "$bz" | "${fmt%%:*}" -qdc >"$out" 2>/dev/null || true
            has_pvh_note "$out" && return 0
        done
    done
    rm -f "$out"
    log "no PVH-bootable vmlinux inside vmlinuz; VMs will boot the bzImage (slower)"
}

# XEN_ELFNOTE_PHYS32_ENTRY (18): the 32-bit PVH entry point qemu looks for.
has_pvh_note() {
    [[ -s $1 ]] && readelf -n "$1" 2>/dev/null | grep -q 'Unknown note type: (0x00000012)'
}

# Extract into a temp dir and rename into place, so an interrupted run never leaves a
# half-populated kernel/ that later runs would trust.
extract_kernel() {
    local cache=$1 deb=$2 kver=$3 tmp=$TMP name
    dpkg-deb -x "$deb" "$tmp/root"
    mkdir -p "$tmp/kernel/modules"
    cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/kernel/vmlinuz"
    extract_vmlinux "$tmp/kernel/vmlinuz" "$tmp/kernel/vmlinux"
    for name in "${MODULES[@]}"; do
        extract_module "$tmp/root" "$kver" "$name" "$tmp/kernel/modules"
        echo "$name" >>"$tmp/kernel/modules/order"
    done
    echo "$kver" >"$tmp/kernel/version"
    rm -rf "$cache/kernel"
    mv "$tmp/kernel" "$cache/kernel"
}

main() {
    [[ $# -eq 1 ]] || { echo "usage: $0 CACHE_DIR" >&2; exit 2; }
    local cache=$1 pkg kver deb
    mkdir -p "$cache"
    cache=$(cd "$cache" && pwd)
    # Scratch space inside the cache: same filesystem, so the final mv is atomic.
    TMP=$(mktemp -d "$cache/.tmp.XXXXXX")
    trap 'rm -rf "$TMP"' EXIT
    if ! pkg=$(resolve_package); then
        [[ -f $cache/kernel/version ]] || exit 1
        log "keeping the cached kernel"
        pkg=linux-image-$(cat "$cache/kernel/version")
    fi
    kver=${pkg#linux-image-}
    if [[ $(cat "$cache/kernel/version" 2>/dev/null) != "$kver" ]]; then
        deb=$(download_deb "$cache" "$pkg")
        log "extracting $(basename "$deb") ($(du -h "$deb" | cut -f1))"
        extract_kernel "$cache" "$deb" "$kver"
    fi
    echo "$kver"
}

main "$@"
