#!/usr/bin/env bash
# Installs what nsguard needs to build and test, from Debian's packages only.
# Fast no-op when everything is present, so the build can call it each time.
set -euo pipefail

BUILD_PKGS=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool libjansson-dev libyaml-dev
	libevent-dev
	libcmocka-dev libclang-rt-14-dev make gcc libc6-dev pkg-config)
# strace: the refused agent's bpf() calls; systemd: systemd-analyze verify
# of the unit (a test that cannot run is a skip, and a skip fails CI).
# docker.io, docker-compose: the Docker suite starts a dockerd of its own.
TEST_PKGS=(runc crun podman busybox-static jq util-linux iproute2 procps
	qemu-system-x86 xz-utils python3-yaml valgrind strace systemd docker.io docker-compose
	logrotate)
# `make ARCH=arm64`: Debian's cross compiler (its arm64 libc included); the
# arm64 libraries come from scripts/cross-sysroot.sh, not from the host.
CROSS_PKGS=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross)
# The arm64 VM suite: the same cross build, and qemu for aarch64 guests.
TEST_PKGS+=("${CROSS_PKGS[@]}" qemu-system-arm)
# `make bench`: the alternatives it compares against, and the chart.
BENCH_PKGS=(bpftrace auditd gnuplot-nox)

# --test: also what the tests need; --bench: that and the benchmark's;
# --cross: the build's and the cross compiler.
test=0
want=("${BUILD_PKGS[@]}")
case "${1:-}" in
--test) test=1 ;;
--bench) test=1 want+=("${BENCH_PKGS[@]}") ;;
--cross) want+=("${CROSS_PKGS[@]}") ;;
"") ;;
*) echo "usage: $0 [--test|--bench|--cross]" >&2; exit 2 ;;
esac
[[ $test == 1 ]] && want+=("${TEST_PKGS[@]}")

# The VM suite's guest kernel: Debian's current stock kernel package,
# resolved at run time (a no-op once it is cached).
fetch_vm_kernel() {
	[[ $test == 1 ]] || return 0
	"$(dirname "$0")/../tests/vm/fetch-kernel.sh" "${NSGUARD_VM_CACHE:-/var/cache/nsguard-vm}" >/dev/null
}

missing=()
for pkg in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 ]]; then
	fetch_vm_kernel
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing packages (${missing[*]}); run as root: sudo $0 $*" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
fetch_vm_kernel
