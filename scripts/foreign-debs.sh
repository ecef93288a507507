#!/usr/bin/env bash
# foreign-debs.sh ARCH CACHE_DIR PKG...
# foreign-debs.sh ARCH CACHE_DIR --apt-cache ARGS...
#
# Downloads Debian packages built for another architecture (arm64) into
# CACHE_DIR/debs and prints their paths, one per line, in the order asked.
# apt runs with a state of its own under CACHE_DIR/apt: the host's dpkg
# architectures, package lists and status are never touched, so nothing is
# installed and nothing changes for the host's apt.
#
# --apt-cache runs apt-cache on that state (e.g. `depends linux-image-arm64`
# to resolve the current kernel package) and prints what it prints.
#
# PKG may be NAME/SUITE for a suite the host does not list: this state adds
# the host release's backports (e.g. bookworm-backports, whose arm64 kernel
# is new enough for BPF trampolines on arm64) from the host's Debian mirror.
# Its packages are only candidates when asked for by suite.
#
# No dependency resolution: the caller names every package it wants (the
# cross build's static libraries, the arm64 VM's few programs and libraries).
# Idempotent: lists are refreshed at most once a day, a package whose current
# version is already in the cache is not downloaded again, and when the
# mirror cannot be reached the cached .debs are used.
set -euo pipefail

log() { echo "foreign-debs: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -ge 3 ]] || { echo "usage: $0 ARCH CACHE_DIR PKG..." >&2; exit 2; }
ARCH=$1 CACHE=$2
shift 2
[[ $ARCH =~ ^[a-z0-9]+$ ]] || die "bad architecture '$ARCH'"
mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial" "$CACHE/debs"
CACHE=$(cd "$CACHE" && pwd)

# The host's sources plus its release's backports, in a folder of this
# state's own (the host's /etc/apt is only read).
write_sources() {
	local dir=$CACHE/apt/sources.list.d codename f
	rm -rf "$dir" && mkdir -p "$dir"
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
		[[ -f $f ]] && cp "$f" "$dir/"
	done
	[[ -s /etc/apt/sources.list ]] && cp /etc/apt/sources.list "$dir/host.list"
	# shellcheck source=/dev/null
	codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
	[[ -n $codename ]] || return 0
	cat >"$dir/nsguard-backports.sources" <<-EOF
		Types: deb
		URIs: http://deb.debian.org/debian
		Suites: $codename-backports
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
	EOF
}

# APT::Sandbox::User=root: _apt cannot write into a root-owned cache dir.
APT_OPTS=(-o "APT::Architecture=$ARCH" -o "APT::Architectures::=$ARCH"
	-o "Dir::State::Lists=$CACHE/apt/lists" -o "Dir::Cache=$CACHE/apt/cache"
	-o Dir::State::status=/dev/null -o APT::Sandbox::User=root
	-o "Dir::Etc::SourceParts=$CACHE/apt/sources.list.d" -o Dir::Etc::SourceList=/dev/null)

# Serialised: the cross build and the VM images may fetch at the same time.
exec 8>"$CACHE/.lock"
flock 8

# Lists are refreshed once a day, or at once when the sources changed.
refresh_lists() {
	local stamp=$CACHE/apt/updated sum
	write_sources
	sum=$(cat "$CACHE/apt/sources.list.d"/* | md5sum)
	[[ -n $(find "$stamp" -mmin -1440 2>/dev/null) && $(cat "$stamp") == "$sum" ]] && return 0
	if apt-get -qq "${APT_OPTS[@]}" update >&2; then
		echo "$sum" >"$stamp"
	else
		log "apt-get update for $ARCH failed; using what is cached"
	fi
}

# The file name apt gives a package's candidate: NAME_VERSION_ARCH.deb with
# the epoch's colon escaped.
candidate_deb() {
	local pkg=${1%/*} suite="" ver arch
	[[ $1 == */* ]] && suite=${1#*/}
	if [[ -n $suite ]]; then
		ver=$(apt-cache "${APT_OPTS[@]}" madison "$pkg" 2>/dev/null |
			awk -F' [|] ' -v s=" $suite/" 'index($3, s) { gsub(/ /, "", $2); print $2; exit }')
	else
		ver=$(apt-cache "${APT_OPTS[@]}" policy "$pkg" 2>/dev/null |
			awk '/Candidate:/{print $2; exit}')
	fi
	[[ -n $ver && $ver != "(none)" ]] || return 1
	arch=$(apt-cache "${APT_OPTS[@]}" show "$pkg=$ver" 2>/dev/null |
		awk '/^Architecture:/{print $2; exit}')
	echo "${pkg}_${ver/:/%3a}_${arch:-$ARCH}.deb"
}

# Newest cached .deb of a package, for when the lists cannot say.
cached_deb() {
	local f newest=""
	for f in "$CACHE/debs/$1"_*.deb; do
		[[ -f $f && ( -z $newest || $f -nt $newest ) ]] && newest=$f
	done
	[[ -n $newest ]] && echo "$newest"
}

fetch() {
	local spec=$1 pkg=${1%/*} name tmp
	if ! name=$(candidate_deb "$spec"); then
		cached_deb "$pkg" || die "package $pkg ($ARCH) not in the lists and not cached"
		return
	fi
	if [[ ! -f $CACHE/debs/$name ]]; then
		log "downloading $pkg ($ARCH)"
		tmp=$(mktemp -d "$CACHE/.dl.XXXXXX")
		(cd "$tmp" && apt-get download -qq "${APT_OPTS[@]}" "$spec" >&2) ||
			{ rm -rf "$tmp"; cached_deb "$pkg" || die "apt-get download $pkg ($ARCH) failed"; return; }
		rm -f "$CACHE/debs/$pkg"_*.deb    # superseded versions
		mv "$tmp"/*.deb "$CACHE/debs/$name"
		rm -rf "$tmp"
	fi
	echo "$CACHE/debs/$name"
}

refresh_lists
if [[ $1 == --apt-cache ]]; then
	shift
	exec apt-cache "${APT_OPTS[@]}" "$@"
fi
for pkg in "$@"; do fetch "$pkg"; done
