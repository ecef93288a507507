#!/usr/bin/env bash
# cross-sysroot.sh ARCH DIR
#
# The libraries a cross build of nsguard links, for ARCH (arm64), taken from
# Debian's packages for that architecture and unpacked into DIR: headers in
# DIR/usr/include, static archives in DIR/usr/lib/TRIPLET. The C library
# comes from the cross compiler's own package (libc6-dev-arm64-cross), so
# only the -dev packages of what `make` links are needed here. Nothing is
# installed into the host's system and dpkg's architectures are unchanged.
#
# Idempotent: DIR/.debs lists what DIR was made from; the same list is a
# no-op, a new version (a Debian point release) rebuilds DIR from scratch.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# What LDLIBS names, as static archives: libbpf.a, libelf.a, libz.a,
# libjansson.a, libyaml.a, libevent_core.a and libevent_extra.a.
PKGS=(libbpf-dev libelf-dev zlib1g-dev libjansson-dev libyaml-dev libevent-dev)

log() { echo "cross-sysroot: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -eq 2 ]] || { echo "usage: $0 ARCH DIR" >&2; exit 2; }
ARCH=$1 DIR=$2
case $ARCH in
arm64) ;;
*) die "no cross build for ARCH=$ARCH (arm64 is the one other architecture)" ;;
esac

cache=${NSGUARD_DEB_CACHE:-/var/cache/nsguard-debs}/$ARCH
debs=$("$HERE/foreign-debs.sh" "$ARCH" "$cache" "${PKGS[@]}") ||
	die "cannot fetch the $ARCH packages (${PKGS[*]})"

if [[ -f $DIR/.debs && $(cat "$DIR/.debs") == "$debs" ]]; then
	touch "$DIR/.debs"    # make's stamp: up to date with its scripts
	exit 0
fi

# Unpack beside DIR and rename into place: an interrupted run never leaves a
# half-filled sysroot that a later build would trust.
mkdir -p "$(dirname "$DIR")"
tmp=$(mktemp -d "$DIR.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
while read -r deb; do
	dpkg-deb -x "$deb" "$tmp" || die "cannot unpack $deb"
done <<<"$debs"
printf '%s\n' "$debs" >"$tmp/.debs"
rm -rf "$DIR"
mv "$tmp" "$DIR"
trap - EXIT
log "$DIR: ${PKGS[*]} ($ARCH)"
