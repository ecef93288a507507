#!/usr/bin/env bash
# kernel-btf.sh ARCH OUT_H
#
# Writes vmlinux.h (bpftool's C dump of a kernel's BTF) for ARCH to OUT_H.
# For the host's architecture: the running kernel's /sys/kernel/btf/vmlinux.
# For another (arm64 on an x86_64 host): Debian's current stock kernel for
# ARCH, whose package is fetched with an apt state of its own
# (foreign-debs.sh). An arm64 kernel package ships an uncompressed `Image`
# with no ELF sections, so the BTF blob is found by its header: magic
# 0xeB9F, version 1, a 24-byte header, then types and strings; bpftool
# checks the carved blob when it dumps it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
log() { echo "kernel-btf: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 2 ]] || { echo "usage: $0 ARCH OUT_H" >&2; exit 2; }
ARCH=$1 OUT=$2
BPFTOOL=${BPFTOOL:-bpftool}

host_arch() {
	case $(uname -m) in
	x86_64) echo x86 ;;
	aarch64) echo arm64 ;;
	*) uname -m ;;
	esac
}

# Debian's kernel package for ARCH, resolved now (the ABI number moves with
# point releases).
kernel_deb() {
	local cache=$1 pkg
	pkg=$("$HERE/foreign-debs.sh" "$ARCH" "$cache" --apt-cache depends "linux-image-$ARCH" |
		awk '/Depends: linux-image-[0-9]/{print $2; exit}')
	[[ -n $pkg ]] || die "cannot resolve linux-image-$ARCH's kernel package"
	log "$pkg"
	"$HERE/foreign-debs.sh" "$ARCH" "$cache" "$pkg"
}

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
	if [[ $ARCH == "$(host_arch)" ]]; then
		src=/sys/kernel/btf/vmlinux
		[[ -r $src ]] || die "$src missing: this kernel has no BTF"
	else
		local deb
		deb=$(kernel_deb "${NSGUARD_DEB_CACHE:-/var/cache/nsguard-debs}/$ARCH")
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' ||
			die "no kernel image in $deb"
		carve_btf "$tmp"/boot/vmlinuz-* "$tmp/btf"
		src=$tmp/btf
	fi
	# Into a temporary file first: a failed dump never replaces a good header.
	"$BPFTOOL" btf dump file "$src" format c >"$tmp/vmlinux.h" || die "bpftool cannot read $src"
	mv "$tmp/vmlinux.h" "$OUT"
	log "$OUT from $src"
}

main
