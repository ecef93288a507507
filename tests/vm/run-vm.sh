#!/bin/bash
# shellcheck disable=SC2317  # functions called through check/trap look unreachable
# run-vm.sh [options] JOB_SCRIPT [RESULT_DIR]
#
# Boots Debian's stock kernel (BPF LSM, trampolines, BTF) in qemu with the host's root
# shared read-only and runs JOB_SCRIPT in it with bash, as root. Exits with the job's
# exit code; 124 = timeout (guest or host side), 125 = harness/VM failure.
#
# Options:
#   --lsm LIST       kernel lsm= list (default lockdown,capability,bpf)
#   --timeout SEC    job time limit inside the guest (default 300); the host allows
#                    SEC + BOOT_MARGIN for boot and shutdown
#   --env NAME=VAL   extra environment for the job (repeatable)
#   --file PATH      copy PATH (file or dir) into the job's $VM_WORK/in/ (repeatable);
#                    for inputs under the host's /tmp, /run, /var/lib, /var/tmp, /root,
#                    which the guest covers with empty tmpfs
#   --append ARGS    extra kernel command-line arguments
#   --quiet          do not stream the console; show its tail only if the job fails
#
# Environment: NSGUARD_VM_CACHE (kernel/initramfs cache, default /var/cache/nsguard-vm),
# NSGUARD_VM_QEMU_ARGS (extra qemu arguments, word-split; for debugging),
# NSGUARD_VM_BOOT_MARGIN (seconds the host waits beyond --timeout, default 120),
# NSGUARD_VM_ACCEL (auto|kvm|tcg, default auto) and the other accelerator settings
# in accel.sh. The accelerator is found by a probe boot; one line on stderr says
# which one runs and why.
#
# In the guest: the job runs in the caller's cwd (host paths are the same in the guest),
# with VM_LSM, VM_TIMEOUT, VM_ACCEL, VM_CWD, VM_WORK (/run/vm, the writable share holding
# job.sh, env, in/) and VM_OUT (/run/vm/out). Everything the job writes to $VM_OUT is
# copied to RESULT_DIR/out/; RESULT_DIR also receives console.log (serial console),
# output.log (the job's stdout+stderr), exit_code and accel (kvm or tcg). Without RESULT_DIR nothing is kept.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE=${NSGUARD_VM_CACHE:-/var/cache/nsguard-vm}
QBOOT=/usr/share/qemu/qboot.rom
# Host-side allowance beyond the job timeout for boot and power-off. Sized for TCG
# (boot ~4 s, power-off with 9p syncs a few more); KVM needs a fraction of it.
BOOT_MARGIN=${NSGUARD_VM_BOOT_MARGIN:-120}
# shellcheck source=tests/vm/accel.sh
source "$HERE/accel.sh"
# shellcheck source=tests/vm/guest-kernel.sh
source "$HERE/guest-kernel.sh"

LSM=lockdown,capability,bpf
TIMEOUT=300
APPEND=""
QUIET=0
ENVS=()
FILES=()
JOB=""
RESULT=""
WORK=""

log() { echo "vm: $*" >&2; }
die() { log "error: $*"; exit 125; }
usage() { sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit "${1:-125}"; }

parse_args() {
    while [[ $# -gt 0 ]]; do
        case $1 in
            --lsm) LSM=${2:?}; shift 2 ;;
            --timeout) TIMEOUT=${2:?}; shift 2 ;;
            --env) ENVS+=("${2:?}"); shift 2 ;;
            --file) FILES+=("${2:?}"); shift 2 ;;
            --append) APPEND=${2?}; shift 2 ;;
            --quiet|-q) QUIET=1; shift ;;
            -h|--help) usage 0 ;;
            -*) log "unknown option $1"; usage ;;
            *) break ;;
        esac
    done
    [[ $# -ge 1 && $# -le 2 ]] || usage
    JOB=$1
    RESULT=${2:-}
    [[ -f $JOB ]] || die "job script $JOB not found"
    [[ $TIMEOUT =~ ^[0-9]+$ ]] || die "--timeout wants seconds"
}

# Serialised: parallel runs must not build the cache twice at the same time.
ensure_images() {
    mkdir -p "$CACHE" || die "cannot create $CACHE (set NSGUARD_VM_CACHE)"
    exec 9>"$CACHE/.lock"
    flock 9
    if [[ ! -f $CACHE/kernel/vmlinuz ]]; then
        "$HERE/fetch-kernel.sh" "$CACHE" >/dev/null || die "fetch-kernel.sh failed"
    fi
    "$HERE/mkinitramfs.sh" "$CACHE" || die "mkinitramfs.sh failed"
    # Under the same lock: runs started together probe once.
    vm_accel_choose "$(kernel_image)" "$CACHE/initramfs.gz" || die "$VM_ACCEL_WHY"
    log "accelerator $VM_ACCEL: $VM_ACCEL_WHY"
    exec 9>&-
}

# The work share: job in, results out. Values are %q-quoted because bash sources them.
prepare_work() {
    local kv f
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/nsguard-vm.XXXXXX")
    mkdir -p "$WORK/out" "$WORK/in"
    cp "$JOB" "$WORK/job.sh"
    echo "$TIMEOUT" >"$WORK/timeout"
    {
        printf 'VM_LSM=%q\nVM_TIMEOUT=%q\nVM_ACCEL=%q\nVM_CWD=%q\n' "$LSM" "$TIMEOUT" \
            "$VM_ACCEL" "$PWD"
        printf 'VM_WORK=/run/vm\nVM_OUT=/run/vm/out\n'
        for kv in ${ENVS[@]+"${ENVS[@]}"}; do
            [[ $kv == [A-Za-z_]*=* ]] || die "--env wants NAME=VALUE, got $kv"
            printf '%s=%q\n' "${kv%%=*}" "${kv#*=}"
        done
    } >"$WORK/env"
    for f in ${FILES[@]+"${FILES[@]}"}; do cp -a "$f" "$WORK/in/" || die "--file $f"; done
}

# qboot skips SeaBIOS's probing: about a second less per boot under TCG.
machine_args() {
    echo "$VM_ACCEL_ARGS"
    [[ -f $QBOOT ]] && echo "-bios $QBOOT"
    return 0
}

# The uncompressed PVH vmlinux boots ~3 s faster under TCG than the self-extracting one.
kernel_image() {
    local k=$CACHE/kernel
    if [[ -f $k/vmlinux ]]; then echo "$k/vmlinux"; else echo "$k/vmlinuz"; fi
}

# qemu's stdin is /dev/null so -nographic leaves the caller's terminal alone; sed drops
# the serial console's CRs and firmware escape codes, unbuffered to stream live.
boot() {
    local console=$WORK/console.log sink=/dev/stdout
    [[ $QUIET == 1 ]] && sink=/dev/null
    # shellcheck disable=SC2046,SC2086  # word lists on purpose
    timeout -k 10 $((TIMEOUT + BOOT_MARGIN)) \
        "$VM_QEMU" $(machine_args) -pidfile "$WORK/qemu.pid" \
        -m 2048 -smp 2 -nographic -no-reboot -nic none \
        -kernel "$(kernel_image)" -initrd "$CACHE/initramfs.gz" \
        -append "console=ttyS0 quiet lsm=$LSM panic=-1 $GUEST_KERNEL_ARGS $APPEND" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
        -virtfs "local,path=$WORK,mount_tag=work,security_model=none" \
        ${NSGUARD_VM_QEMU_ARGS:-} \
        </dev/null 2>&1 | sed -u 's/\r$//; s/\x1b[[0-9;?]*[a-zA-Z]//g; s/\x1bc//g' |
        tee "$console" >"$sink"
    return "${PIPESTATUS[0]}"
}

# exit_code (written by the guest) is exact; qemu's (code << 1) | 1 status is the
# fallback. A bare 0 or 1 from qemu means the guest never reported (panic, qemu error).
decode_status() {
    local qs=$1
    if [[ $qs == 124 || $qs == 137 ]]; then
        log "host timeout after $((TIMEOUT + BOOT_MARGIN)) s"
        echo 124
    elif [[ $(cat "$WORK/exit_code" 2>/dev/null) =~ ^[0-9]+$ ]]; then
        cat "$WORK/exit_code"
    elif (( qs > 1 && qs % 2 == 1 )); then
        echo $(((qs - 1) / 2))
    else
        log "guest reported no exit code (qemu status $qs); see console.log"
        echo 125
    fi
}

collect() {
    local rc=$1
    [[ -n $RESULT ]] || return 0
    mkdir -p "$RESULT"
    rm -rf "$RESULT/out"
    cp -r "$WORK/out" "$RESULT/out"
    cp "$WORK/console.log" "$RESULT/"
    [[ -f $WORK/output.log ]] && cp "$WORK/output.log" "$RESULT/"
    echo "$rc" >"$RESULT/exit_code"
    echo "$VM_ACCEL" >"$RESULT/accel"
}

# On INT/TERM the trap exits at once (boot runs in the background for that), and qemu,
# which timeout(1) keeps in its own process group, must be stopped here.
cleanup() {
    [[ -n $WORK ]] || return 0
    local pid
    pid=$(cat "$WORK/qemu.pid" 2>/dev/null) || pid=""
    if [[ -n $pid && $(cat "/proc/$pid/comm" 2>/dev/null) == qemu-system* ]]; then
        kill "$pid" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}

main() {
    parse_args "$@"
    ensure_images
    trap cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    prepare_work
    local t0 t1 qs=0 rc
    t0=$(date +%s.%N)
    boot &
    wait $! || qs=$?
    t1=$(date +%s.%N)
    rc=$(decode_status "$qs")
    local crash
    crash=$(guest_kernel_crash "$WORK/console.log")
    [[ -z $crash ]] || log "guest kernel failed: $crash"
    collect "$rc"
    if [[ $QUIET == 1 && $rc != 0 ]]; then tail -n 40 "$WORK/console.log" >&2; fi
    printf 'vm: job exit %s in %.1f s, lsm=%s, accel=%s\n' "$rc" \
        "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')" "$LSM" "$VM_ACCEL"
    exit "$rc"
}

main "$@"
