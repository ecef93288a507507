#!/usr/bin/env bash
# accel-test.sh — the VM harness's choice of accelerator (tests/vm/accel.sh), on
# the hosts it meets: no KVM device, a read-only one, a KVM that aborts or hangs
# (a stand-in qemu acts them out and hands every other run to the real qemu),
# one that works, and the forced choices. Every case but the refusals boots the
# real kernel with a one-line job, so "chose TCG" also means "and the VM ran".
# Closes with "vmaccel: N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NSGUARD=${NSGUARD:-$ROOT/.output/nsguard}   # lib.sh wants it; no agent runs here
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"

T=$(mktemp -d /tmp/nsguard-vmaccel.XXXXXX)
trap 'rm -rf "$T"' EXIT
REAL_QEMU=$(command -v qemu-system-x86_64) || {
	echo "vmaccel: qemu-system-x86_64 missing (scripts/deps.sh --test installs it)"
	echo "vmaccel: 0 passed, 1 failed"
	exit 1
}

# The stand-in: logs every call, acts out $STANDIN_KVM for KVM runs (abort as
# on paravirtual KVM, hang as in the firmware, or work: the real qemu with TCG
# in KVM's place), and leaves the rest to the real qemu.
cat >"$T/qemu" <<EOF
#!/bin/bash
args=("\$@")
if [[ " \$* " == *" -accel kvm "* ]]; then
	echo "kvm \$\$" >>"\$STANDIN_LOG"
	case \$STANDIN_KVM in
	abort)
		echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2
		ulimit -c 0
		kill -ABRT \$\$ ;;
	hang) exec sleep 1000 ;;
	work)
		args=()
		for a in "\$@"; do
			case \$a in kvm) a=tcg ;; host) a=max ;; esac
			args+=("\$a")
		done ;;
	esac
else
	echo "tcg \$\$" >>"\$STANDIN_LOG"
fi
exec $REAL_QEMU "\${args[@]}"
EOF
chmod +x "$T/qemu"
echo 'echo "job ran with VM_ACCEL=$VM_ACCEL"' >"$T/job.sh"
# A KVM device of the tests' own (a copy of /dev/null): present and writable.
mknod -m 600 "$T/kvm" c 1 3

# NAME MODE [ENV=VALUE...]: one run-vm.sh run with the stand-in; leaves its
# exit code in RC, stderr in $T/NAME.err, results in $T/NAME/.
vm_run() {
	local name=$1 mode=$2
	shift 2
	: >"$T/$name.calls"
	RC=0
	env STANDIN_KVM="$mode" STANDIN_LOG="$T/$name.calls" NSGUARD_VM_QEMU="$T/qemu" \
		NSGUARD_VM_KVM_DEV="$T/kvm" NSGUARD_VM_ACCEL_CACHE="$T/cache-$name" \
		NSGUARD_VM_PROBE_TIMEOUT=60 "$@" \
		"$ROOT/tests/vm/run-vm.sh" --quiet --timeout 60 "$T/job.sh" "$T/$name" \
		>"$T/$name.out" 2>"$T/$name.err" || RC=$?
}

kvm_calls() { grep -c '^kvm' "$T/$1.calls"; }

# NAME ACCEL WHY_PATTERN: the run passed, chose ACCEL for the reason matching
# WHY_PATTERN, said so in one line, and its job ran under that accelerator.
expect_ran() {
	local name=$1 accel=$2 why=$3 line
	line=$(grep '^vm: accelerator ' "$T/$name.err")
	if [[ $RC -ne 0 || $(wc -l <<<"$line") -ne 1 || ! $line =~ ^vm:\ accelerator\ $accel:\ $why ]]; then
		log "$name: exit $RC, accelerator line: '$line' (want $accel, /$why/)"
		sed 's/^/    /' "$T/$name.err" >&2
		return 1
	fi
	grep -qx "job ran with VM_ACCEL=$accel" "$T/$name/output.log" &&
		[[ $(cat "$T/$name/accel") == "$accel" ]] ||
		{ log "$name: the job did not run under $accel"; return 1; }
}

# NAME PATTERN: the run was refused (125) with one error line matching PATTERN,
# and no VM booted.
expect_refused() {
	local name=$1 pattern=$2 err
	err=$(grep '^vm: error: ' "$T/$name.err")
	if [[ $RC -ne 125 || $(wc -l <<<"$err") -ne 1 || ! $err =~ $pattern ]]; then
		log "$name: exit $RC, error: '$err' (want 125 and /$pattern/)"
		return 1
	fi
	! grep -q '^tcg' "$T/$name.calls" || { log "$name: a VM booted anyway"; return 1; }
}

t_device_missing() {
	vm_run missing work NSGUARD_VM_KVM_DEV="$T/no-such-kvm"
	expect_ran missing tcg "no $T/no-such-kvm" && [[ $(kvm_calls missing) -eq 0 ]]
}

# The host's own /dev/kvm where it has one, else the tests' device, made
# unusable by a read-only, nodev bind mount that only this private mount
# namespace sees (read-only alone keeps a device node writable).
t_device_readonly() {
	local dev=$T/kvm
	[[ -c /dev/kvm ]] && dev=/dev/kvm
	vm_run readonly work NSGUARD_VM_KVM_DEV="$dev" unshare -m --propagation private \
		sh -c 'mount --bind "$0" "$0" && mount -o remount,bind,ro,nodev "$0" && exec "$@"' "$dev"
	expect_ran readonly tcg "$dev cannot be opened read-write \\(Permission denied\\)" &&
		[[ $(kvm_calls readonly) -eq 0 ]] || { log "probed $(kvm_calls readonly) times"; return 1; }
}

t_kvm_aborts() {
	vm_run abort abort
	expect_ran abort tcg 'the KVM probe boot failed \(qemu status 134: .*failed to set MSR 0x10a' &&
		[[ $(kvm_calls abort) -eq 1 ]]
}

# The verdict is kept for the host boot: a second run does not probe again.
t_verdict_cached() {
	cp -r "$T/cache-abort" "$T/cache-cached" || return 1
	vm_run cached abort
	expect_ran cached tcg '.*failed to set MSR.*\(probed earlier this boot\)' &&
		[[ $(kvm_calls cached) -eq 0 ]] || { log "probed $(kvm_calls cached) times"; return 1; }
}

# A hang costs the probe's timeout, not the job's, and leaves no qemu behind.
t_kvm_hangs() {
	local pid
	vm_run hang hang NSGUARD_VM_PROBE_TIMEOUT=3
	expect_ran hang tcg 'the KVM probe boot hung \(no answer within 3 s\)' || return 1
	pid=$(awk '/^kvm/ { print $2 }' "$T/hang.calls")
	[[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null || { log "probe qemu $pid still runs"; return 1; }
}

t_kvm_works() {
	vm_run works work
	expect_ran works kvm 'the KVM probe boot reached /init in [0-9.]+ s' &&
		[[ $(kvm_calls works) -eq 2 ]]   # the probe and the job's boot
}

t_forced_tcg() {
	vm_run forced-tcg work NSGUARD_VM_ACCEL=tcg
	expect_ran forced-tcg tcg 'forced by NSGUARD_VM_ACCEL=tcg' && [[ $(kvm_calls forced-tcg) -eq 0 ]]
}

t_forced_kvm() {
	vm_run forced-kvm work NSGUARD_VM_ACCEL=kvm
	expect_ran forced-kvm kvm 'forced by NSGUARD_VM_ACCEL=kvm; the KVM probe boot reached /init'
}

t_forced_kvm_aborts() {
	vm_run forced-kvm-abort abort NSGUARD_VM_ACCEL=kvm
	expect_refused forced-kvm-abort \
		'NSGUARD_VM_ACCEL=kvm, but KVM cannot run the VM here: .*qemu status 134: .*failed to set MSR'
}

t_forced_kvm_missing() {
	vm_run forced-kvm-missing work NSGUARD_VM_ACCEL=kvm NSGUARD_VM_KVM_DEV="$T/no-such-kvm"
	expect_refused forced-kvm-missing "NSGUARD_VM_ACCEL=kvm, but KVM cannot run the VM here: no $T/no-such-kvm"
}

t_bad_value() {
	vm_run bad-value work NSGUARD_VM_ACCEL=fast
	expect_refused bad-value 'NSGUARD_VM_ACCEL=fast is not one of auto, kvm, tcg'
}

# Not the accelerator, but the same harness: a guest kernel that panics ends
# the boot at once (panic=-1, -no-reboot: exit 125, not the timeout's 124),
# and the failure names the kernel's own message (tests/vm/guest-kernel.sh).
t_guest_crash_named() {
	local line
	printf 'echo c >/proc/sysrq-trigger\nsleep 60\n' >"$T/crash-job.sh"
	RC=0
	NSGUARD_VM_ACCEL=tcg "$ROOT/tests/vm/run-vm.sh" --quiet --timeout 60 "$T/crash-job.sh" \
		"$T/crash" >"$T/crash.out" 2>"$T/crash.err" || RC=$?
	line=$(grep '^vm: guest kernel failed: ' "$T/crash.err")
	[[ $RC -eq 125 && $line == "vm: guest kernel failed: Kernel panic - not syncing: sysrq triggered crash" ]] ||
		{ log "exit $RC (want 125), crash line: '$line'"; sed 's/^/    /' "$T/crash.err" >&2; return 1; }
}

check "vmaccel: no KVM device -> tcg, no probe" t_device_missing
check "vmaccel: unopenable KVM device (ro,nodev bind, private mount ns) -> tcg, no probe" t_device_readonly
check "vmaccel: KVM aborts (MSR 0x10a) -> tcg, reason named" t_kvm_aborts
check "vmaccel: verdict kept for the host boot, no second probe" t_verdict_cached
check "vmaccel: KVM hangs -> tcg after the probe timeout, probe killed" t_kvm_hangs
check "vmaccel: working KVM -> kvm" t_kvm_works
check "vmaccel: forced tcg -> no probe" t_forced_tcg
check "vmaccel: forced kvm where it works" t_forced_kvm
check "vmaccel: forced kvm where it aborts -> error naming why" t_forced_kvm_aborts
check "vmaccel: forced kvm without a device -> error naming it" t_forced_kvm_missing
check "vmaccel: unknown NSGUARD_VM_ACCEL -> error" t_bad_value
check "vm harness: a guest kernel crash ends the boot at once and is named" t_guest_crash_named
finish_suite vmaccel
