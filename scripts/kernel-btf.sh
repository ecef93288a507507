#!/usr/bin/env bash
# kernel-btf.sh OUT_H [arm64]
#
# Writes vmlinux.h (bpftool's C dump of a kernel's BTF) to OUT_H. Without an
# architecture: the running kernel's /sys/kernel/btf/vmlinux (`make
# vmlinux`). With arm64 (`make vmlinux ARCH=arm64` on another host): Debian's
# current stock arm64 kernel, the one scripts/arm64-kernel.sh fetches for
# the arm64 VM. Its package ships an uncompressed `Image` with no ELF
# sections, so the BTF blob is found by its header: magic 0xeB9F, version 1,
# a 24-byte header, then types and strings; bpftool checks the carved blob
# when it dumps it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "kernel-btf: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 OUT_H [arm64]" >&2; exit 2; }
OUT=$1 ARCH=${2:-}
[[ -z $ARCH || $ARCH == arm64 ]] || die "no kernel package known for ARCH=$ARCH (arm64)"
BPFTOOL=${BPFTOOL:-bpftool}

# IMAGE BLOB: copies the one BTF blob inside IMAGE to BLOB.
carve_btf() {
	python3 - "$1" "$2" <<'EOF'
import struct, sys
data = open(sys.argv[1], "rb").read()
head = b"\x9f\xeb\x01\x00\x18\x00\x00\x00"   # magic, version 1, flags 0, hdr_len 24
found = []
at = data.find(head)
while at >= 0:
    type_off, type_len, str_off, str_len = struct.unpack_from("<IIII", data, at + 8)
    end = at + 24 + max(type_off + type_len, str_off + str_len)
    if type_off == 0 and str_off == type_len and end <= len(data):
        found.append((at, end))
    at = data.find(head, at + 1)
if len(found) != 1:
    sys.exit(f"kernel-btf: expected one BTF blob in {sys.argv[1]}, found {len(found)}")
open(sys.argv[2], "wb").write(data[found[0][0]:found[0][1]])
EOF
}

main() {
	local src
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	if [[ -z $ARCH ]]; then
		src=/sys/kernel/btf/vmlinux
		[[ -r $src ]] || die "$src missing: this kernel has no BTF"
	else
		local image
		image=$("$HERE/arm64-kernel.sh" "${NSGUARD_VM_CACHE:-/var/cache/nsguard-vm}/arm64" stock) ||
			die "cannot fetch Debian's arm64 kernel"
		log "$(cat "$(dirname "$image")/version")"
		carve_btf "$image" "$tmp/btf"
		src=$tmp/btf
	fi
	# Into a temporary file first: a failed dump never replaces a good header.
	"$BPFTOOL" btf dump file "$src" format c >"$tmp/vmlinux.h" || die "bpftool cannot read $src"
	mv "$tmp/vmlinux.h" "$OUT"
	log "$OUT from $src"
}

main
