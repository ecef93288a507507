#!/bin/bash
# mkrootfs.sh CACHE_DIR STAGE_DIR
#
# Builds the arm64 test VM's root: an initramfs that is the whole guest
# userland (nothing of the x86 host can be shared with an arm64 guest).
# Into CACHE_DIR (normally ${NSGUARD_VM_CACHE:-/var/cache/nsguard-vm}/arm64):
#   initramfs.cpio   busybox-static, bash, jq, runc and the arm64 libraries
#                    they need (Debian's .debs), guest-init.sh as /init, and
#                    STAGE_DIR as /stage (agent, helpers, job, test libraries)
# Prints the initramfs path. Idempotent: the userland is re-unpacked only
# when its .debs change, the cpio rebuilt only when any input (the staged
# agent included) changes. Offline, what is cached is used
# (scripts/foreign-debs.sh falls back to its cache). The kernel:
# scripts/arm64-kernel.sh.
# Inside the guest no package manager runs: .debs are only unpacked here.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
FDEBS=$ROOT/scripts/foreign-debs.sh
# bash and jq: the shared test libraries (tests/lib, tests/integration/lib.sh)
# are bash and read the feed with jq. busybox supplies everything else.
PKGS=(busybox-static bash libtinfo6 libc6 runc libseccomp2 jq libjq1 libonig5)

log() { echo "arm64-mkrootfs: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 2 ]] || { echo "usage: $0 CACHE_DIR STAGE_DIR" >&2; exit 2; }
CACHE=$1 STAGE=$2
[[ -d $STAGE ]] || die "stage $STAGE is not a folder"
mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
BUSYBOX=$(command -v busybox || true)
[[ -n $BUSYBOX ]] || die "host busybox (busybox-static) is needed for cpio"

exec 7>"$CACHE/.mkrootfs.lock"
flock 7
TMP=$(mktemp -d "$CACHE/.tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# The userland: the packages unpacked over each other, no maintainer scripts.
ensure_base() {
	local debs key
	mapfile -t debs < <("$FDEBS" arm64 "$CACHE" "${PKGS[@]}") || die "cannot fetch ${PKGS[*]}"
	[[ ${#debs[@]} -eq ${#PKGS[@]} ]] || die "got ${#debs[@]} .debs for ${#PKGS[@]} packages"
	key=$(printf '%s\n' "${debs[@]##*/}" | sha256sum | cut -d' ' -f1)
	[[ -d $CACHE/base && $(cat "$CACHE/base.key" 2>/dev/null) == "$key" ]] && return 0
	log "unpacking ${#debs[@]} arm64 packages"
	rm -rf "$CACHE/base" "$TMP/base"
	mkdir -p "$TMP/base"
	for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$TMP/base" || die "dpkg-deb -x $deb"; done
	rm -rf "$TMP/base/usr/share/doc" "$TMP/base/usr/share/man" "$TMP/base/usr/share/locale" \
		"$TMP/base/usr/share/info" "$TMP/base/usr/share/lintian"
	mv "$TMP/base" "$CACHE/base"
	echo "$key" >"$CACHE/base.key"
}

# Everything that ends up in the cpio, hashed: a changed agent, helper, job
# or init rebuilds it; an unchanged tree reuses it.
inputs_key() {
	{
		cat "$CACHE/base.key" "$HERE/guest-init.sh" "$0"
		(cd "$STAGE" && find . -type f | LC_ALL=C sort | xargs -d '\n' sha256sum)
	} | sha256sum | cut -d' ' -f1
}

ensure_cpio() {
	local key r=$TMP/root
	key=$(inputs_key)
	[[ -f $CACHE/initramfs.cpio && $(cat "$CACHE/initramfs.key" 2>/dev/null) == "$key" ]] && return 0
	log "building the initramfs"
	mkdir -p "$r"
	cp -a "$CACHE/base/." "$r/"
	mkdir -p "$r/proc" "$r/sys" "$r/dev" "$r/tmp" "$r/run" "$r/root" "$r/etc" "$r/var/tmp" \
		"$r/newroot" "$r/sbin" "$r/usr/local/bin" "$r/usr/local/sbin"
	chmod 1777 "$r/tmp" "$r/var/tmp"
	cp "$HERE/guest-init.sh" "$r/init"
	chmod 755 "$r/init"
	cp -a "$STAGE" "$r/stage"
	echo "root:x:0:0:root:/root:/bin/bash" >"$r/etc/passwd"
	echo "root:x:0:" >"$r/etc/group"
	echo nsguard-vm-arm64 >"$r/etc/hostname"
	# Uncompressed: decompressing tens of MB under TCG costs seconds per boot.
	(cd "$r" && find . | LC_ALL=C sort | "$BUSYBOX" cpio -o -H newc 2>/dev/null) \
		>"$TMP/initramfs.cpio" || die "cpio failed"
	mv "$TMP/initramfs.cpio" "$CACHE/initramfs.cpio"
	echo "$key" >"$CACHE/initramfs.key"
}

ensure_base
ensure_cpio
echo "$CACHE/initramfs.cpio"
