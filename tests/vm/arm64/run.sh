#!/usr/bin/env bash
# arm64 VM tests: boots of Debian's arm64 kernels under qemu-system-aarch64
# (-M virt -cpu max, TCG), each running tests/vm/arm64/job.sh against the
# static aarch64 agent and Debian's arm64 runc. The boots (NAME: kernel,
# lsm=, the tier job.sh expects):
#   lsm       bookworm-backports (6.12), lockdown,capability,bpf: tier lsm
#   signal    bookworm stock (6.1), lockdown,capability: tier signal
#   fallback  bookworm stock (6.1), lockdown,capability,bpf: tier signal with
#             a reason; BPF LSM is active but arm64 6.1 cannot attach BPF
#             trampolines (no ftrace direct calls before 6.4), so no lsm tier
#             on Debian 12's own arm64 kernel (the agent's probe attaches a
#             trial program to find that out); a few cases only, the tier
#             choice is what this boot is for
# Default: all three (about 5 minutes on 2 cores). Closes with
# "vm-arm64: N passed, N failed".
#
# Environment: NSGUARD_ARM64_DIR (folder with the static aarch64 nsguard and
# nsguard-oci-hook, used as they are; default: .output/static/arm64, which
# `make static ARCH=arm64` builds or updates first), NSGUARD_VM_CACHE (default
# /var/cache/nsguard-vm; this suite uses its arm64/ folder),
# NSGUARD_VM_ARM64_TIMEOUT (guest job limit per boot, seconds, default 300),
# NSGUARD_VM_ARM64_BOOTS (the boots to run, default "lsm signal fallback";
# a subset is refused under CI, as NSG_TEST_ONLY is),
# NSG_TEST_ONLY (a regex: only the matching cases run, the others count as
# skipped), VM_ARM64_KEEP (a folder: console logs are kept there).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
# shellcheck source=tests/lib/summary.sh
source "$ROOT/tests/lib/summary.sh"
# shellcheck source=tests/vm/guest-kernel.sh
source "$ROOT/tests/vm/guest-kernel.sh"
BIN=${NSGUARD_ARM64_DIR:-$ROOT/.output/static/arm64}
# For check (the host-side case below); no agent runs on this host.
NSGUARD=$BIN/nsguard
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
CACHE=${NSGUARD_VM_CACHE:-/var/cache/nsguard-vm}/arm64
TIMEOUT=${NSGUARD_VM_ARM64_TIMEOUT:-300}
BOOTS=${NSGUARD_VM_ARM64_BOOTS:-lsm signal fallback}
RESULTS=$(mktemp -d /tmp/nsguard-vm-arm64.XXXXXX)
trap 'rm -rf "$RESULTS"' EXIT

bail() {
	echo "vm-arm64: $*"
	suite_summary vm-arm64 0 1 0
	exit 1
}

command -v qemu-system-aarch64 >/dev/null || bail "qemu-system-aarch64 missing (qemu-system-arm)"
command -v aarch64-linux-gnu-gcc >/dev/null || bail "aarch64-linux-gnu-gcc missing (gcc-aarch64-linux-gnu)"
# make is incremental (under a second when nothing changed): called each
# run, so neither missing nor stale binaries get tested.
if [[ -z ${NSGUARD_ARM64_DIR:-} ]]; then
	echo "vm-arm64: make static ARCH=arm64"
	make -C "$ROOT" --no-print-directory static ARCH=arm64 >"$RESULTS/make.log" 2>&1 ||
		{ tail -30 "$RESULTS/make.log"; bail "make static ARCH=arm64 failed"; }
fi
[[ -x $BIN/nsguard && -x $BIN/nsguard-oci-hook ]] || bail "no nsguard/nsguard-oci-hook in $BIN"

# Everything the job needs, in the initramfs as /stage.
STAGE=$RESULTS/stage
stage() {
	mkdir -p "$STAGE/tests/integration" "$STAGE/tests/lib" &&
		cp "$BIN/nsguard" "$BIN/nsguard-oci-hook" "$STAGE/" &&
		CC=aarch64-linux-gnu-gcc "$ROOT/tests/helpers/build.sh" "$RESULTS/helpers" &&
		mkdir -p "$STAGE/helpers" && cp "$RESULTS/helpers/pidfd_setns" "$STAGE/helpers/" &&
		cp "$ROOT/tests/lib/summary.sh" "$ROOT/tests/lib/containers.sh" \
			"$ROOT/tests/lib/enforce_cases.sh" "$STAGE/tests/lib/" &&
		cp "$ROOT/tests/integration/lib.sh" "$STAGE/tests/integration/" &&
		cp "$HERE/job.sh" "$STAGE/job.sh"
}
stage || bail "cannot stage the job"
INITRD=$("$HERE/mkrootfs.sh" "$CACHE" "$STAGE") || bail "cannot build the guest (mkrootfs.sh)"
declare -A KERNEL=()
for name in $BOOTS; do
	case $name in
	lsm) flavor=backports ;;
	signal | fallback) flavor=stock ;;
	*) bail "unknown boot $name in NSGUARD_VM_ARM64_BOOTS (lsm, signal, fallback)" ;;
	esac
	KERNEL[$name]=$("$ROOT/scripts/arm64-kernel.sh" "$CACHE" "$flavor") ||
		bail "cannot fetch the $flavor arm64 kernel"
done

passed=0 failed=0 skipped=0 total0=$SECONDS

# NAME LSM_LIST: one boot; its summary line is added to the totals.
boot() {
	local name=$1 lsm=$2 rc=0 t0=$SECONDS kver
	local dir=$RESULTS/$name
	mkdir -p "$dir"
	kver=$(cat "$(dirname "${KERNEL[$name]}")/version")
	"$HERE/boot.sh" --kernel "${KERNEL[$name]}" --lsm "$lsm" --timeout "$TIMEOUT" \
		--name "$name" ${NSG_TEST_ONLY:+--only "$NSG_TEST_ONLY"} "$INITRD" "$dir" || rc=$?
	sed 's/^/    /' "$dir/output.log" 2>/dev/null
	echo "vm-arm64 boot $name ($kver, lsm=$lsm): exit $rc in $((SECONDS - t0)) s"
	[[ -n ${VM_ARM64_KEEP:-} ]] && mkdir -p "$VM_ARM64_KEEP" &&
		cp "$dir/console.log" "$VM_ARM64_KEEP/console-$name.log"
	add_boot_counts vm-arm64 "$dir/output.log" "$rc" ||
		unfinished_boot vm-arm64 "$name (lsm=$lsm)" "$dir" "$rc"
}

for name in $BOOTS; do
	case $name in
	lsm | fallback) boot "$name" lockdown,capability,bpf ;;
	signal) boot "$name" lockdown,capability ;;
	esac
done
# The harness itself, on the stock kernel: a guest kernel that panics
# (job.sh, boot "crash") ends its boot at once through panic=-1 and
# -no-reboot, with exit 125 rather than a timeout's 124, and the kernel's
# own message is what the boot's failure names.
t_guest_crash_named() {
	local dir=$RESULTS/crash rc=0 kernel
	kernel=$("$ROOT/scripts/arm64-kernel.sh" "$CACHE" stock) || return 1
	mkdir -p "$dir"
	"$HERE/boot.sh" --kernel "$kernel" --lsm lockdown,capability --timeout 120 \
		--name crash "$INITRD" "$dir" 2>"$dir/boot.err" || rc=$?
	cat "$dir/boot.err"
	[[ $rc -eq 125 ]] || { echo "crash boot: exit $rc, want 125"; return 1; }
	grep -q '^vm-arm64: guest kernel failed: Kernel panic - not syncing: sysrq triggered crash' \
		"$dir/boot.err" || { echo "crash boot: the kernel's panic is not named"; return 1; }
	[[ $(guest_kernel_crash "$dir/console.log") == "Kernel panic - not syncing: sysrq triggered crash" ]]
}
check "harness: a guest kernel crash ends the boot and is named" t_guest_crash_named
passed=$((passed + PASSED)) failed=$((failed + FAILED)) skipped=$((skipped + SKIPPED))
echo "vm-arm64: boots ($BOOTS) in $((SECONDS - total0)) s"
suite_summary vm-arm64 "$passed" "$failed" "$skipped"
