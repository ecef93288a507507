#!/bin/bash
# shellcheck disable=SC2317  # cleanup is called through trap
# boot.sh [options] INITRD RESULT_DIR
#
# Boots Debian's arm64 kernel (--kernel; scripts/arm64-kernel.sh extracts it)
# under qemu-system-aarch64 -M virt -cpu max with TCG, the initramfs INITRD
# as the whole root; its /init (guest-init.sh) runs /stage/job.sh. Exits with
# the job's exit code; 124 = timeout (guest or host side), 125 = harness/VM
# failure (no exit marker on the console).
#
# RESULT_DIR receives console.log (the serial console, CRs dropped),
# output.log (the job's output: the console between the job's markers) and
# exit_code. Nothing of the console is shown unless --verbose: the caller
# reads output.log, or console.log when the job did not finish.
#
# Options:
#   --kernel IMAGE   the kernel (default CACHE/kernel-stock/Image)
#   --lsm LIST       kernel lsm= list (default lockdown,capability,bpf)
#   --timeout SEC    job time limit in the guest (default 300); the host
#                    allows SEC + NSGUARD_VM_BOOT_MARGIN (default 180) for
#                    boot and power-off
#   --only REGEX     NSG_TEST_ONLY for the job (no spaces)
#   --name NAME      the boot's name: the job closes with "vm-arm64-NAME: ..."
#   --verbose        stream the console while it runs
#
# Environment: NSGUARD_VM_CACHE (default /var/cache/nsguard-vm; the
# default kernel is in its arm64/ folder), NSGUARD_VM_QEMU_ARGS (extra qemu arguments,
# word-split; for debugging).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/vm/guest-kernel.sh
source "$HERE/../guest-kernel.sh"
CACHE=${NSGUARD_VM_CACHE:-/var/cache/nsguard-vm}/arm64
BOOT_MARGIN=${NSGUARD_VM_BOOT_MARGIN:-180}
LSM=lockdown,capability,bpf
TIMEOUT=300
ONLY=""
NAME=vm
KERNEL=$CACHE/kernel-stock/Image
VERBOSE=0
QEMU_PID=""

log() { echo "vm-arm64: $*" >&2; }
die() { log "error: $*"; exit 125; }
usage() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-125}"; }

while [[ $# -gt 0 ]]; do
	case $1 in
	--lsm) LSM=${2:?}; shift 2 ;;
	--kernel) KERNEL=${2:?}; shift 2 ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--only) ONLY=${2:?}; shift 2 ;;
	--name) NAME=${2:?}; shift 2 ;;
	--verbose | -v) VERBOSE=1; shift ;;
	-h | --help) usage 0 ;;
	-*) log "unknown option $1"; usage ;;
	*) break ;;
	esac
done
[[ $# -eq 2 ]] || usage
INITRD=$1 RESULT=$2
[[ -f $INITRD ]] || die "initramfs $INITRD not found"
[[ -f $KERNEL ]] || die "no kernel $KERNEL (scripts/arm64-kernel.sh)"
[[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
[[ $ONLY != *[[:space:]]* ]] || die "--only cannot hold spaces (kernel command line)"
[[ $NAME =~ ^[a-z]+$ ]] || die "--name wants lowercase letters"
mkdir -p "$RESULT"
CONSOLE=$RESULT/console.log

# pauth-impdef: QEMU's own pointer-authentication hash instead of the
# architected QARMA, which costs TCG a large share of every function call.
cpu_model() {
	if echo quit | qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -accel tcg -S \
		-display none -nodefaults -no-user-config -monitor stdio >/dev/null 2>&1; then
		echo max,pauth-impdef=on
	else
		echo max
	fi
}

cleanup() {
	if [[ -n $QEMU_PID ]] && kill -0 "$QEMU_PID" 2>/dev/null; then
		kill "$QEMU_PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# qemu's stdin is /dev/null so -nographic leaves the caller's terminal alone;
# sed drops the serial console's CRs and escape codes, unbuffered to stream.
run_qemu() {
	local sink=/dev/null
	[[ $VERBOSE == 1 ]] && sink=/dev/stderr
	# shellcheck disable=SC2086  # NSGUARD_VM_QEMU_ARGS: a word list on purpose
	timeout -k 10 $((TIMEOUT + BOOT_MARGIN)) \
		qemu-system-aarch64 -M virt -cpu "$(cpu_model)" -accel tcg,thread=multi \
		-smp 2 -m 1536 -nographic -no-reboot -nic none -pidfile "$RESULT/qemu.pid" \
		-kernel "$KERNEL" -initrd "$INITRD" \
		-append "console=ttyAMA0 quiet lsm=$LSM panic=-1 $GUEST_KERNEL_ARGS nsguard.timeout=$TIMEOUT nsguard.boot=$NAME${ONLY:+ nsguard.only=$ONLY}" \
		${NSGUARD_VM_QEMU_ARGS:-} </dev/null 2>&1 |
		sed -u 's/\r$//; s/\x1b[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' | tee "$CONSOLE" >"$sink"
	return "${PIPESTATUS[0]}"
}

t0=$(date +%s.%N)
qs=0
run_qemu &
QEMU_PID=$!
wait "$QEMU_PID" || qs=$?
QEMU_PID=""
t1=$(date +%s.%N)

awk '/^NSGUARD-ARM64-JOB-BEGIN$/ { on = 1; next }
	/^NSGUARD-ARM64-JOB-EXIT / { on = 0 }
	on' "$CONSOLE" >"$RESULT/output.log"
marker=$(grep -E '^NSGUARD-ARM64-JOB-EXIT [0-9]+$' "$CONSOLE" | tail -n 1 || true)
if [[ $qs == 124 || $qs == 137 ]]; then
	log "host timeout after $((TIMEOUT + BOOT_MARGIN)) s"
	rc=124
elif [[ -n $marker ]]; then
	rc=${marker##* }
else
	log "guest reported no exit code (qemu status $qs); see $CONSOLE"
	rc=125
fi
crash=$(guest_kernel_crash "$CONSOLE")
[[ -z $crash ]] || log "guest kernel failed: $crash"
echo "$rc" >"$RESULT/exit_code"
printf 'vm-arm64: job exit %s in %.1f s, kernel %s, lsm=%s\n' "$rc" \
	"$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" \
	"$(cat "$(dirname "$KERNEL")/version" 2>/dev/null || echo "$KERNEL")" "$LSM" >&2
exit "$rc"
