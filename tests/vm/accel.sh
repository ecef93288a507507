# shellcheck shell=bash
# accel.sh — which qemu accelerator runs the test VM on this host, found by trying.
#
# Sourced by run-vm.sh. `vm_accel_choose KERNEL INITRD` sets VM_ACCEL (kvm|tcg),
# VM_ACCEL_ARGS (qemu's words for it) and VM_ACCEL_WHY (one line: why this one);
# it returns 1, with the error in VM_ACCEL_WHY, when the choice forced by
# NSGUARD_VM_ACCEL cannot be had.
#
# Why try instead of testing /dev/kvm: a writable /dev/kvm is no promise. On
# nested or paravirtual KVM (cloud machines, CI runners) `-cpu host` aborts at
# once ("failed to set MSR 0x10a") and the default CPU model hangs in the
# firmware. So a probe boot — the test kernel up to /init, which powers off
# through the exit port (guest-init.sh, kernel argument nsguard.probe) — must
# answer within a few seconds, or TCG runs the VM. The verdict is kept per host
# boot: the probe runs once.
#
# Environment:
#   NSGUARD_VM_ACCEL          auto (default): KVM if the probe boots, else TCG;
#                             kvm: KVM or an error naming why not; tcg: TCG, no probe
#   NSGUARD_VM_PROBE_TIMEOUT  seconds the probe boot may take (default 10; a working
#                             KVM needs about one)
#   NSGUARD_VM_ACCEL_CACHE    where the verdict is kept (default: the VM cache)
#   NSGUARD_VM_QEMU           the qemu binary (default qemu-system-x86_64)
#   NSGUARD_VM_KVM_DEV        the KVM device (default /dev/kvm; the tests point it
#                             at a device of their own)

VM_QEMU=${NSGUARD_VM_QEMU:-qemu-system-x86_64}
VM_KVM_DEV=${NSGUARD_VM_KVM_DEV:-/dev/kvm}
ACCEL_PROBE_TIMEOUT=${NSGUARD_VM_PROBE_TIMEOUT:-10}
# guest-init.sh powers off with 42; isa-debug-exit makes that qemu status (42 << 1) | 1.
ACCEL_PROBE_STATUS=85

# TCG runs both vCPUs in one host thread: with one thread per vCPU (MTTCG),
# qemu sometimes keeps running a stale translation of kernel text another
# vCPU has just patched (a tracepoint's static branch, while a BPF program
# attaches), and both vCPUs spin at that instruction for good (seen here:
# soft lockups at syscall_trace_enter). One thread is ~1.4x slower and
# never does that.
accel_args() {
	case $1 in
	kvm) echo "-accel kvm -cpu host" ;;
	tcg) echo "-accel tcg,thread=single" ;;
	esac
}

# Empty when the device opens read-write, else why not. An open, not access(2):
# root passes access() on a device that a nodev mount or an LSM keeps closed.
kvm_device_problem() {
	local err
	if [[ ! -e $VM_KVM_DEV ]]; then
		echo "no $VM_KVM_DEV"
	elif [[ ! -c $VM_KVM_DEV ]]; then
		echo "$VM_KVM_DEV is not a character device"
	elif ! err=$({ exec 3<>"$VM_KVM_DEV"; } 2>&1); then
		echo "$VM_KVM_DEV cannot be opened read-write (${err##*: })"
	fi
}

# The qemu line that explains a failed probe: its own error or assertion, else its last line.
probe_error_line() {
	local line
	line=$(grep -m1 -E 'error|[Aa]ssert|[Aa]bort' "$1")
	[[ -n $line ]] || line=$(grep -v '^[[:space:]]*$' "$1" | tail -n 1)
	printf '%s' "${line:0:160}"
}

# KERNEL INITRD: 0 when KVM boots the probe guest; ACCEL_PROBE_RESULT says how it went.
accel_probe_kvm() {
	local kernel=$1 initrd=$2 out qs=0 t0 bios=()
	out=$(mktemp)
	[[ -f /usr/share/qemu/qboot.rom ]] && bios=(-bios /usr/share/qemu/qboot.rom)
	t0=$EPOCHREALTIME
	# The group's 2>/dev/null silences bash's own "Aborted" notice; qemu's output is in $out.
	# shellcheck disable=SC2046  # accel_args is a word list
	{ timeout -k 2 "$ACCEL_PROBE_TIMEOUT" "$VM_QEMU" $(accel_args kvm) "${bios[@]}" \
		-m 256 -smp 1 -nographic -no-reboot -nic none \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet panic=-1 nsguard.probe" \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 </dev/null >"$out" 2>&1 || qs=$?; } 2>/dev/null
	case $qs in
	"$ACCEL_PROBE_STATUS")
		ACCEL_PROBE_RESULT=$(printf 'the KVM probe boot reached /init in %.1f s' \
			"$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { print b - a }')") ;;
	124 | 137)
		ACCEL_PROBE_RESULT="the KVM probe boot hung (no answer within ${ACCEL_PROBE_TIMEOUT} s)" ;;
	*)
		ACCEL_PROBE_RESULT="the KVM probe boot failed (qemu status $qs: $(probe_error_line "$out"))" ;;
	esac
	rm -f "$out"
	[[ $qs == "$ACCEL_PROBE_STATUS" ]]
}

# The verdict holds for this host boot, this qemu and this device.
accel_cache_key() {
	printf '%s %s %s' "$(cat /proc/sys/kernel/random/boot_id)" \
		"$(command -v "$VM_QEMU" || echo "$VM_QEMU")" "$VM_KVM_DEV"
}

# CACHE_FILE: sets verdict and result from the cache when its key is this boot's.
accel_cache_read() {
	local key
	[[ -f $1 ]] || return 1
	{ IFS= read -r key && IFS= read -r verdict && IFS= read -r result; } <"$1" || return 1
	[[ $key == "$(accel_cache_key)" && $verdict =~ ^(kvm|tcg)$ ]]
}

accel_cache_write() {
	local tmp
	tmp=$(mktemp "$1.XXXXXX") || return 0
	printf '%s\n%s\n%s\n' "$(accel_cache_key)" "$2" "$3" >"$tmp" && mv "$tmp" "$1"
}

# KERNEL INITRD: KVM's verdict for this host boot, probing once. Sets verdict, result.
kvm_verdict() {
	local cache=${NSGUARD_VM_ACCEL_CACHE:-${CACHE:?}}/accel
	if accel_cache_read "$cache"; then
		result="$result (probed earlier this boot)"
		return 0
	fi
	verdict=tcg
	accel_probe_kvm "$1" "$2" && verdict=kvm
	result=$ACCEL_PROBE_RESULT
	mkdir -p "${cache%/*}" && accel_cache_write "$cache" "$verdict" "$result"
}

vm_accel_choose() {
	local want=${NSGUARD_VM_ACCEL:-auto} problem verdict result
	case $want in
	tcg)
		VM_ACCEL=tcg VM_ACCEL_WHY="forced by NSGUARD_VM_ACCEL=tcg" ;;
	auto | kvm)
		problem=$(kvm_device_problem)
		if [[ -n $problem ]]; then
			verdict=tcg result=$problem
		else
			kvm_verdict "$1" "$2"
		fi
		if [[ $want == kvm && $verdict != kvm ]]; then
			VM_ACCEL_WHY="NSGUARD_VM_ACCEL=kvm, but KVM cannot run the VM here: $result"
			return 1
		fi
		VM_ACCEL=$verdict VM_ACCEL_WHY=$result
		[[ $want == kvm ]] && VM_ACCEL_WHY="forced by NSGUARD_VM_ACCEL=kvm; $result" ;;
	*)
		VM_ACCEL_WHY="NSGUARD_VM_ACCEL=$want is not one of auto, kvm, tcg"
		return 1 ;;
	esac
	VM_ACCEL_ARGS=$(accel_args "$VM_ACCEL")
}
