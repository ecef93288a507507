#!/bin/bash
# job.sh — the arm64 VM's job (tests/vm/arm64/run.sh boots it as
# /stage/job.sh): the static aarch64 agent and Debian's arm64 runc on
# Debian's stock arm64 kernel. The tier it expects: lsm (EPERM, the task
# lives) when bpf is in lsm= and the kernel can attach BPF LSM programs on
# arm64 (below), else signal (SIGKILL). Uses the shared test libraries
# (tests/lib, tests/integration/lib.sh), staged under /stage/tests.
# Last line: "vm-arm64-<boot>: N passed, N failed" (<boot>: nsguard.boot=).
set -uo pipefail

ROOT=/stage
NSGUARD=$ROOT/nsguard
HELPERS=$ROOT/helpers
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=tests/lib/enforce_cases.sh
source "$ROOT/tests/lib/enforce_cases.sh"

BOOT=${VM_BOOT:-vm}
# The harness's own check (run.sh): a guest kernel that panics must end the
# boot at once and be named, not leave it to the host timeout.
if [[ $BOOT == crash ]]; then
	echo "crashing the guest kernel on purpose (sysrq c)"
	echo c >/proc/sysrq-trigger
	sleep 60
	exit 1
fi
WORK=$(mktemp -d /tmp/nsguard-vm.XXXXXX)
# BPF LSM (and fentry) programs run on BPF trampolines, which arm64 can
# attach to kernel functions only from Linux 6.4 (ftrace direct calls on
# arm64; before, loading works but the attach fails with ENOTSUPP, 524, as
# seen on 6.1.0-57-arm64). On older arm64 kernels, such
# as Debian 12's 6.1, bpf in lsm= must therefore still give the signal tier,
# with a reason, and never an agent that cannot attach.
arm64_trampolines() {
	local v
	v=$(uname -r)
	v=${v%%-*}
	[[ $v =~ ^([0-9]+)\.([0-9]+) ]] || return 1
	((BASH_REMATCH[1] > 6 || (BASH_REMATCH[1] == 6 && BASH_REMATCH[2] >= 4)))
}
BPF_LSM_ACTIVE=false
case ,${VM_LSM:-}, in
*,bpf,*) BPF_LSM_ACTIVE=true ;;
esac
if $BPF_LSM_ACTIVE && arm64_trampolines; then
	ENFORCE_TIER=lsm
else
	ENFORCE_TIER=signal
fi
echo "arm64 guest: $(uname -r) $(uname -m), active LSMs ${VM_LSM:-?}, expecting tier $ENFORCE_TIER"

# A host process whose namespaces are the targets.
sleep 3600 &
HOST_HELPER=$!
trap 'agent_stop_all; kill "$HOST_HELPER" 2>/dev/null; ctr_teardown; rm -rf "$WORK"' EXIT
export CTR_EXTRA_BINS="$HELPERS/pidfd_setns"
if ! ctr_setup "$WORK/ctr"; then
	echo "vm-arm64-$BOOT: 0 passed, 1 failed"
	exit 1
fi
HOST_IPC=$(stat -L -c %i /proc/self/ns/ipc)

# IPC namespace inode of a container's init, as the kernel has it.
ctr_ipc_inum() {
	local pid
	pid=$(ctr_pid runc "$1") || return 1
	stat -L -c %i "/proc/$pid/ns/ipc"
}

# S6 with no agent running: `nsguard scan` lists the host-IPC container as a
# violation and the private one as sharing nothing, and both agree with the
# IPC namespaces the kernel shows for their processes; with only the private
# one left, scan exits 0.
t_scan_agrees_with_kernel() {
	local hid pid out rc=0 hin pin
	hid=$(ctr_new_id)
	pid=$(ctr_new_id)
	ctr_run runc "$hid" "$(docker_cg "$hid")" hostipc -- sleep 60 || return 1
	ctr_run runc "$pid" "$(kube_cg "$pid")" "" -- sleep 60 || return 1
	hin=$(ctr_ipc_inum "$hid") && pin=$(ctr_ipc_inum "$pid") || return 1
	[[ $hin == "$HOST_IPC" && $pin != "$HOST_IPC" ]] ||
		{ log "kernel: host-IPC container ipc $hin, private $pin, host $HOST_IPC"; return 1; }
	out=$("$NSGUARD" scan --format json) || rc=$?
	[[ $rc -eq 1 ]] || { log "scan exit $rc with a host-IPC container, want 1: $out"; return 1; }
	expect_json "$out" ".host_ns.ipc == $HOST_IPC and .violations == 1 and
		(.containers[] | select(.container_id == \"$hid\") |
			.host_ns == [\"ipc\"] and .severity == \"violation\" and .ns.ipc == $hin) and
		(.containers[] | select(.container_id == \"$pid\") |
			.host_ns == [] and .severity == \"info\" and .ns.ipc == $pin)" || return 1
	ctr_rm runc "$hid"
	rc=0
	out=$("$NSGUARD" scan --format json) || rc=$?
	ctr_rm runc "$pid"
	[[ $rc -eq 0 ]] || { log "scan exit $rc with only a private container, want 0: $out"; return 1; }
	expect_json "$out" ".violations == 0 and
		([.containers[] | select(.container_id == \"$hid\")] | length == 0) and
		(.containers[] | select(.container_id == \"$pid\") | .host_ns == [])"
}

# The agent's start-up scan reports a host-IPC container started before it.
t_startup_scan() {
	local id ev
	id=$(ctr_new_id)
	ctr_run runc "$id" "$(docker_cg "$id")" hostipc -- sleep 60 || return 1
	agent_start startup --mode audit || { ctr_rm runc "$id"; return 1; }
	ev=$(wait_event startup ".event == \"host_ns_running\" and .container_id == \"$id\"")
	agent_stop startup || { ctr_rm runc "$id"; return 1; }
	ctr_rm runc "$id"
	[[ -n $ev ]] && expect_json "$ev" '.host_ns == ["ipc"] and .processes >= 1 and
		.processes_in_host_ns.ipc >= 1 and .severity == "violation"'
}

# The tier auto-detection picks what this boot offers: lsm where BPF LSM is
# active and can attach, else signal, saying why not lsm when bpf is in lsm=.
t_tier() {
	local ev
	ev=$(wait_event enforce '.event == "agent_start"') || return 1
	expect_json "$ev" ".tier == \"$ENFORCE_TIER\" and .mode == \"enforce\" and
		.block == [\"ipc\"] and .probe.bpf_lsm_active == $BPF_LSM_ACTIVE" || return 1
	# bpf in lsm= on a kernel that cannot attach: the probe's trial attach
	# failed (ENOTSUPP), so no lsm tier and no trampoline detection, told.
	if $BPF_LSM_ACTIVE && [[ $ENFORCE_TIER != lsm ]]; then
		expect_json "$ev" '(.tier_reason | test("^lsm tier unavailable: .*attach.*ENOTSUPP")) and
			.probe.lsm_prog_loads == false and .probe.trampolines == false and
			.detection == "tracepoint"'
	fi
}

# VIA CMD...: the entrypoint of a host-PID container (host pids visible,
# CAP_SYS_ADMIN; its IPC namespace is its own) setns()es into the host IPC
# namespace: stopped the tier's way, reported with VIA, and nothing after the
# call ran (signal: SIGKILL at the syscall's exit, before it returns).
t_setns_stopped() {
	local via=$1 id ev result
	shift
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid,caps -- "$@"
	[[ $RUN_OUT != *escaped* && $RUN_OUT != *setns=0* ]] ||
		{ log "ran on after setns: $RUN_OUT"; return 1; }
	expect_stopped "setns via $via from a container" || return 1
	ev=$(wait_event enforce ".event == \"setns\" and .container_id == \"$id\" and .target.host") ||
		return 1
	# lsm: the call failed with -EPERM; signal: it succeeded and the task died.
	[[ $ENFORCE_TIER == lsm ]] && result=-1 || result=0
	expect_json "$ev" ".verdict == \"$(want_verdict)\" and .via == \"$via\" and
		.target.type == \"ipc\" and .target.inum == $HOST_IPC and .result == $result"
}

# A container private in every namespace (no host pids in sight) that was
# handed an nsfs fd of the host IPC namespace (runc --preserve-fds) joins it.
t_setns_private_container_fd() {
	local id b ev
	id=$(ctr_new_id)
	b=$CTR_WORKDIR/bundles/$id
	_ctr_make_bundle runc "$id" "$(kube_cg "$id")" caps -- \
		nsenter --ipc=/proc/self/fd/3 echo escaped || return 1
	run_capture runc run --preserve-fds 1 --bundle "$b" "$id" </dev/null 3<"/proc/$HOST_HELPER/ns/ipc"
	ctr_rm runc "$id"
	[[ $RUN_OUT != *escaped* ]] || { log "entrypoint ran on: $RUN_OUT"; return 1; }
	expect_stopped "setns through a passed nsfs fd" || return 1
	ev=$(wait_event enforce ".event == \"setns\" and .container_id == \"$id\" and .target.host") ||
		return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\" and .via == \"nsfs\" and
		.target.type == \"ipc\" and .target.inum == $HOST_IPC"
}

# The same fd is usable by a host process: the case above failed because of
# nsguard, not because the fd or nsenter cannot work (control, no agent).
t_fd_join_works_without_agent() {
	local id b out rc=0
	id=$(ctr_new_id)
	b=$CTR_WORKDIR/bundles/$id
	_ctr_make_bundle runc "$id" "$(kube_cg "$id")" caps -- \
		nsenter --ipc=/proc/self/fd/3 echo joined || return 1
	out=$(runc run --preserve-fds 1 --bundle "$b" "$id" </dev/null 2>&1 \
		3<"/proc/$HOST_HELPER/ns/ipc") || rc=$?
	ctr_rm runc "$id"
	[[ $rc -eq 0 && $out == *joined* ]] || { log "without the agent: exit $rc: $out"; return 1; }
}

# The boot named lsm (run.sh) exists to test that tier: a kernel that
# cannot run it must not turn it into a second signal boot.
t_lsm_boot_kernel() {
	[[ $ENFORCE_TIER == lsm ]] ||
		{ log "boot lsm on $(uname -r) with lsm=${VM_LSM:-?}: no lsm tier possible"; return 1; }
}
[[ $BOOT == lsm ]] && check "lsm: the kernel offers BPF LSM with arm64 trampolines" t_lsm_boot_kernel

# The fallback boot (the signal boot's kernel, with bpf in lsm=) is there for
# the tier choice: it repeats only enough of the signal boot to show that the
# fallback enforces.
FULL=true
[[ $BOOT == fallback ]] && FULL=false

# Controls first, with no agent: each stopped case below must be nsguard's doing.
check "$BOOT: without the agent a host-IPC container runs" t_alert_only ""
if $FULL; then
	check "$BOOT: without the agent a private container joins the host IPC ns by a passed fd" \
		t_fd_join_works_without_agent
	check "$BOOT: nsguard scan agrees with the kernel" t_scan_agrees_with_kernel
	check "$BOOT: start-up scan reports a host-IPC container" t_startup_scan
fi

# --block ipc: the setns cases run in host-PID containers (host pids in
# sight), which must start for the IPC join to be what is stopped.
if agent_start enforce --mode enforce --block ipc; then
	check "$BOOT/$ENFORCE_TIER: agent picks tier $ENFORCE_TIER" t_tier
	check "$BOOT/$ENFORCE_TIER: host-IPC container stopped" \
		t_stop_host_ns_container enforce runc hostipc '["ipc"]'
	check "$BOOT/$ENFORCE_TIER: setns via pidfd from a container stopped" \
		t_setns_stopped pidfd /usr/local/bin/pidfd_setns "$HOST_HELPER" ipc --then echo escaped
	if $FULL; then
		check "$BOOT/$ENFORCE_TIER: setns via nsfs (/proc/PID/ns/ipc) from a container stopped" \
			t_setns_stopped nsfs nsenter --ipc=/proc/"$HOST_HELPER"/ns/ipc echo escaped
		check "$BOOT/$ENFORCE_TIER: setns via a passed nsfs fd from a private container stopped" \
			t_setns_private_container_fd
		check "$BOOT/$ENFORCE_TIER: private container runs" t_private_container_runs
		check "$BOOT/$ENFORCE_TIER: host-PID container (not blocked) runs, alert" \
			t_unblocked_type_alerts enforce
	fi
	agent_stop enforce || FAILED=$((FAILED + 1))
else
	FAILED=$((FAILED + 1))
fi
finish_suite "vm-arm64-$BOOT"
