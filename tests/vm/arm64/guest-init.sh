#!/bin/busybox sh
# shellcheck shell=dash disable=SC3043  # busybox ash has `local`
# /init of the arm64 test VM (busybox ash; installed by mkrootfs.sh). The
# initramfs is the whole guest: there is no share with the (x86) host.
#
# Stage 1 (pid 1 in the initramfs): copy the root into a tmpfs and
# switch_root to it (runc's pivot_root cannot leave the initramfs' rootfs).
# Stage 2 (/init stage2 in the tmpfs): mount the kernel filesystems an eBPF
# agent and runc need, run /stage/job.sh with bash, its output on the serial
# console between two marker lines, then power off (PSCI; qemu -no-reboot
# exits). The host reads everything from the console:
#   NSGUARD-ARM64-JOB-BEGIN
#   ... the job's stdout+stderr ...
#   NSGUARD-ARM64-JOB-EXIT <rc>
# rc 124: guest timeout (kernel argument nsguard.timeout=SEC, default 300);
# 125: VM setup failed. Kernel arguments: nsguard.timeout=SEC,
# nsguard.boot=NAME (the job's summary is "vm-arm64-NAME: ..."),
# nsguard.only=REGEX (NSG_TEST_ONLY).

say() { echo "vm-init: $*"; }

# Full paths: stage 1 has no applet links yet.
finish() {
	/bin/busybox sync
	echo "NSGUARD-ARM64-JOB-EXIT $1"
	/bin/busybox poweroff -f
	/bin/busybox sleep 5
	echo o >/proc/sysrq-trigger
}

fail() {
	say "setup failed: $*"
	finish 125
}

arg() {
	local a
	# shellcheck disable=SC2013  # words, not lines
	for a in $(cat /proc/cmdline); do
		case $a in "$1"=*) echo "${a#*=}"; return 0 ;; esac
	done
	return 1
}

stage1() {
	/bin/busybox mkdir -p /proc /sys /dev
	/bin/busybox mount -t proc proc /proc
	/bin/busybox mount -t devtmpfs devtmpfs /dev
	exec </dev/console >/dev/console 2>&1
	/bin/busybox mount -t tmpfs -o mode=755 root /newroot || fail "tmpfs root"
	for d in bin etc lib sbin usr var root stage init; do
		[ -e "/$d" ] && { /bin/busybox cp -a "/$d" /newroot/ || fail "copy /$d"; }
	done
	/bin/busybox mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp \
		/newroot/run /newroot/newroot
	/bin/busybox chmod 1777 /newroot/tmp
	# The console holds /dev open: it moves along (stage 2 keeps it).
	/bin/busybox mount --move /dev /newroot/dev || fail "move /dev"
	/bin/busybox umount /proc
	exec /bin/busybox switch_root /newroot /init stage2
}

mount_kernel_fs() {
	mount -t sysfs sysfs /sys || fail /sys
	# Moved here by stage 1; mounted anew only if it is not.
	grep -q "^devtmpfs /dev " /proc/mounts || mount -t devtmpfs devtmpfs /dev || fail /dev
	exec </dev/console >/dev/console 2>&1
	mount -t securityfs securityfs /sys/kernel/security || fail securityfs
	mount -t bpf bpf /sys/fs/bpf || fail bpffs
	mount -t tracefs tracefs /sys/kernel/tracing || fail tracefs
	mount -t debugfs debugfs /sys/kernel/debug || fail debugfs
	# Pure cgroup v2, the layout of current container hosts.
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || fail cgroup2
	mkdir -p /dev/shm /dev/pts /dev/mqueue
	mount -t tmpfs -o mode=1777 shm /dev/shm || fail /dev/shm
	mount -t devpts -o newinstance,ptmxmode=666 devpts /dev/pts || fail devpts
	mount -t mqueue mqueue /dev/mqueue || fail mqueue
	mount -t tmpfs -o mode=755 run /run || fail /run
	ln -sf /proc/self/fd /dev/fd
	ln -sf fd/0 /dev/stdin; ln -sf fd/1 /dev/stdout; ln -sf fd/2 /dev/stderr
}

run_job() {
	local t rc
	t=$(arg nsguard.timeout) || t=300
	echo "NSGUARD-ARM64-JOB-BEGIN"
	# A clean environment; the job reads VM_LSM like the x86 VM job does.
	env -i HOME=/root TERM=dumb LANG=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		VM_LSM="$(cat /sys/kernel/security/lsm)" VM_TIMEOUT="$t" \
		VM_BOOT="$(arg nsguard.boot || echo vm)" \
		NSG_TEST_ONLY="$(arg nsguard.only || true)" \
		/bin/bash /stage/job.sh </dev/null 2>&1 &
	JOB=$!
	( sleep "$t"; : >/timed_out; say "job timed out after ${t}s"; kill -KILL "$JOB" ) &
	WATCHDOG=$!
	wait "$JOB"; rc=$?
	kill "$WATCHDOG" 2>/dev/null
	[ -e /timed_out ] && rc=124
	finish "$rc"
}

if [ "${1:-}" != stage2 ]; then
	stage1
fi
# --install finds busybox through /proc/self/exe.
/bin/busybox mount -t proc proc /proc || fail /proc
/bin/busybox --install -s || fail "busybox --install"
mount_kernel_fs
hostname nsguard-vm-arm64
ip link set lo up
run_job
