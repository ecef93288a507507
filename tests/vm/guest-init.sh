#!/bin/busybox sh
# shellcheck shell=dash disable=SC3043  # busybox ash has `local`
# /init of the nsguard test VM (busybox ash; installed by mkinitramfs.sh).
#
# Stage 1 (here, in the initramfs): load the 9p modules, mount the host's root read-only
# at /root with scratch tmpfs over the writable places, mount the work share at
# /root/run/vm, and the kernel filesystems an eBPF agent and runc need.
# Stage 2: run /run/vm/job.sh with bash chrooted into the host root, output copied to
# /run/vm/output.log and the serial console. Then report the exit code through
# /run/vm/exit_code and qemu's isa-debug-exit port, which ends the VM.
#
# Exit codes the harness itself produces: 124 guest timeout, 125 VM setup failed,
# 42 the accelerator probe (kernel argument nsguard.probe) reached /init.

WORK=/root/run/vm          # the work share, as seen from stage 1
NINEP="trans=virtio,version=9p2000.L,msize=512000"

say() { echo "vm-init: $*"; }

# isa-debug-exit makes qemu exit with (value << 1) | 1; the status is 8 bits, so
# values above 127 are clamped (the exact code is in exit_code on the work share).
power_off() {
    local v=$1 port=/dev/port
    [ "$v" -gt 127 ] && v=127
    [ -c "$port" ] || port=/root/dev/port    # /dev moved, not yet remounted
    sync
    # shellcheck disable=SC2059  # the format is the octal escape of the byte
    printf "\\$(printf %03o "$v")" | dd of="$port" bs=1 seek=244 count=1 2>/dev/null
    # Only reached without the isa-debug-exit device: qemu then exits 0.
    poweroff -f
}

fail() {
    say "setup failed: $*"
    [ -d "$WORK" ] && echo 125 >"$WORK/exit_code"
    power_off 125
}

setup_initramfs() {
    /bin/busybox --install -s /bin
    mount -t proc proc /proc || fail /proc
    mount -t sysfs sysfs /sys || fail /sys
    mount -t devtmpfs devtmpfs /dev || fail /dev
    # The kernel may have found no /dev/console in the cpio; make sure of our stdio.
    exec </dev/console >/dev/console 2>&1
}

# busybox insmod resolves no dependencies: the order file lists them dependency first.
load_modules() {
    local m
    while read -r m; do
        insmod "/lib/modules/$m.ko" || fail "insmod $m"
    done </lib/modules/order
}

# tmpfs over the places programs write to; the rest of the host root stays read-only.
mount_roots() {
    local d
    mount -t 9p -o "$NINEP,ro,cache=loose" hostroot /root || fail "9p hostroot"
    for d in tmp var/tmp; do
        mount -t tmpfs -o mode=1777 tmpfs "/root/$d" || fail "tmpfs /$d"
    done
    for d in run var/lib; do
        mount -t tmpfs -o mode=755 tmpfs "/root/$d" || fail "tmpfs /$d"
    done
    # A writable $HOME: tools keep caches and configs there.
    mount -t tmpfs -o mode=700 tmpfs /root/root || fail "tmpfs /root"
    mkdir -p "$WORK" || fail "mkdir $WORK"
    mount -t 9p -o "$NINEP" work "$WORK" || fail "9p work"
}

mount_kernel_fs() {
    local r=/root d
    for d in proc sys dev; do mount --move "/$d" "$r/$d" || fail "move /$d"; done
    # ash opens /dev/null for background jobs: stage 1 needs a /dev of its own too.
    mount -t devtmpfs devtmpfs /dev || fail "second /dev"
    mount -t securityfs securityfs "$r/sys/kernel/security" || fail securityfs
    mount -t bpf bpf "$r/sys/fs/bpf" || fail bpffs
    mount -t tracefs tracefs "$r/sys/kernel/tracing" || fail tracefs
    mount -t debugfs debugfs "$r/sys/kernel/debug" || fail debugfs
    # Pure cgroup v2, the layout of current container hosts.
    mount -t cgroup2 -o nsdelegate cgroup2 "$r/sys/fs/cgroup" || fail cgroup2
    mkdir -p "$r/dev/shm" "$r/dev/pts" "$r/dev/mqueue"
    mount -t tmpfs -o mode=1777 shm "$r/dev/shm" || fail /dev/shm
    mount -t devpts -o newinstance,ptmxmode=666 devpts "$r/dev/pts" || fail devpts
    mount -t mqueue mqueue "$r/dev/mqueue" || fail mqueue
    # devtmpfs lacks these; bash's <(...) needs /dev/fd.
    ln -sf /proc/self/fd "$r/dev/fd"
    ln -sf fd/0 "$r/dev/stdin"; ln -sf fd/1 "$r/dev/stdout"; ln -sf fd/2 "$r/dev/stderr"
}

setup_system() {
    hostname nsguard-vm
    ip link set lo up
}

# The job runs with a clean environment plus /run/vm/env (written by run-vm.sh).
start_job() {
    # shellcheck disable=SC2016  # expanded by the job's bash, not here
    chroot /root /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin /bin/bash -c \
        'set -a; . /run/vm/env; set +a; cd "${VM_CWD:-/}" 2>/dev/null || cd /
         exec /bin/bash /run/vm/job.sh' >/job.fifo 2>&1 &
    JOB=$!
}

# Guest-side timeout: kill the job; leftovers (this subshell too) die in kill_leftovers.
start_watchdog() {
    local t
    t=$(cat "$WORK/timeout" 2>/dev/null) || t=600
    ( sleep "$t"; : >/timed_out; say "job timed out after ${t}s"; kill -KILL "$JOB" ) &
}

# Processes the job left behind (daemons, containers) keep the output fifo open; kill
# everything but init and the log copier so the copier sees EOF and finishes writing.
kill_leftovers() {
    local p
    for _ in 1 2; do       # twice: the first pass may race with forks
        for p in /root/proc/[0-9]*; do
            p=${p##*/}
            [ "$p" = 1 ] || [ "$p" = "$1" ] || kill -KILL "$p" 2>/dev/null
        done
    done
}

run_job() {
    local rc
    mkfifo /job.fifo
    tee "$WORK/output.log" </job.fifo &
    local copier=$!
    start_job
    start_watchdog
    wait "$JOB"; rc=$?
    [ -e /timed_out ] && rc=124
    kill_leftovers "$copier"
    wait "$copier"
    echo "$rc" >"$WORK/exit_code"
    say "job exit $rc"
    power_off "$rc"
}

# The accelerator probe (run-vm.sh's accel.sh): proving that the guest runs and
# can reach the exit port is all it asks, so it ends before any module or share.
probe_only() {
    grep -qw nsguard.probe /proc/cmdline || return 0
    say "accelerator probe: guest is up"
    power_off 42
}

setup_initramfs
probe_only
load_modules
mount_roots
mount_kernel_fs
setup_system
run_job
