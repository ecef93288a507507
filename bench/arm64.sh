#!/usr/bin/env bash
# arm64.sh RAW_DIR [ROUNDS] — the benchmark's arm64 column: the static
# aarch64 agent (`make static ARCH=arm64`) started ROUNDS times (default 3)
# in each mode inside Debian's arm64 kernel under qemu-system-aarch64
# (tests/vm/arm64: the test suite's VM and its lsm boot's kernel, Debian's
# bookworm-backports arm64 kernel, booted with bpf in lsm=). Appends one
# JSON line per start to RAW_DIR/footprint-arm64.jsonl: program sizes and
# verified instructions as bpftool shows them, RSS, the agent's own start-up
# clock. Software emulation: only the sizes and instruction counts compare
# with the host's columns; start-up times are labelled as emulated.
#
# bench/run.sh runs it as its arm64 part (BENCH_ARM64=0 skips it); alone, it
# adds the column to existing raw data: `bench/arm64.sh bench/raw && bench/report.py bench/raw bench`.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VMDIR=$ROOT/tests/vm/arm64
CACHE=${NSGUARD_VM_CACHE:-/var/cache/nsguard-vm}/arm64
log() { echo "bench-arm64: $*" >&2; }
die() { log "error: $*"; exit 1; }

[[ $# -ge 1 && $# -le 2 ]] || { echo "usage: $0 RAW_DIR [ROUNDS]" >&2; exit 2; }
RAW=$1 ROUNDS=${2:-3}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS wants a positive number"
command -v qemu-system-aarch64 >/dev/null || die "qemu-system-aarch64 missing (scripts/deps.sh --test)"
mkdir -p "$RAW"

WORK=$(mktemp -d /tmp/nsguard-bench-arm64.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

make -C "$ROOT" -s --no-print-directory static ARCH=arm64 >&2 || die "make static ARCH=arm64 failed"

# The guest's /stage: the agent, the job, and bpftool:arm64 with its libraries.
STAGE=$WORK/stage
mkdir -p "$STAGE/bpftool/lib" "$WORK/debs"
cp "$ROOT/.output/static/arm64/nsguard" "$STAGE/"
cp "$ROOT/bench/vm-arm64-job.sh" "$STAGE/job.sh"
echo "$ROUNDS" >"$STAGE/rounds"
mapfile -t debs < <("$ROOT/scripts/foreign-debs.sh" arm64 "$CACHE" bpftool libcap2 libelf1 zlib1g) ||
	die "cannot fetch bpftool:arm64"
for deb in "${debs[@]}"; do dpkg-deb -x "$deb" "$WORK/debs"; done
cp "$WORK/debs/usr/sbin/bpftool" "$STAGE/bpftool/"
find "$WORK/debs" -name '*.so*' -exec cp -P {} "$STAGE/bpftool/lib/" \;

INITRD=$("$VMDIR/mkrootfs.sh" "$CACHE" "$STAGE") || die "mkrootfs.sh failed"
# The test suite's lsm boot: bookworm-backports' arm64 kernel, the Debian
# kernel on which arm64 has the lsm tier (scripts/arm64-kernel.sh).
KERNEL=$("$ROOT/scripts/arm64-kernel.sh" "$CACHE" backports) || die "cannot fetch the arm64 kernel"
rc=0
"$VMDIR/boot.sh" --kernel "$KERNEL" --lsm lockdown,capability,bpf \
	--timeout $((600 + ROUNDS * 240)) --name bench "$INITRD" "$WORK/result" || rc=$?
grep -v '^BENCH-ARM64 ' "$WORK/result/output.log" | sed 's/^/    /' >&2 || true
n=$(grep -c '^BENCH-ARM64 ' "$WORK/result/output.log" || true)
sed -n 's/^BENCH-ARM64 //p' "$WORK/result/output.log" >>"$RAW/footprint-arm64.jsonl"
log "$n starts measured (job exit $rc)"
[[ $rc -eq 0 && $n -eq $((2 * ROUNDS)) ]]
