#!/bin/bash
# enforce-job.sh — guest job (run by tests/vm/run.sh through run-vm.sh) on
# Debian's stock 6.1 kernel. Booted with bpf in lsm= it expects the lsm tier
# (EPERM, the task lives); booted without, the signal tier (SIGKILL). Both
# boots also prove the one CO-RE object detects on this older kernel
# (nsfs and pre-pidfs anon-inode pidfds included).
# Runs from the folder tests/vm/run.sh stages into $VM_WORK/in/stage
# (agent, static helpers, test libraries). Last line:
# "vm-<tier>: N passed, N failed".
set -uo pipefail

ROOT=${VM_WORK:?run me through tests/vm/run.sh}/in/stage
NSGUARD=$ROOT/nsguard
HELPERS=$ROOT/helpers
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=tests/lib/enforce_cases.sh
source "$ROOT/tests/lib/enforce_cases.sh"
# shellcheck source=tests/integration/production_cases.sh
source "$ROOT/tests/integration/production_cases.sh"
# shellcheck source=tests/evasion/cases.sh
source "$ROOT/tests/evasion/cases.sh"
# shellcheck source=tests/lib/flood_cases.sh
source "$ROOT/tests/lib/flood_cases.sh"
# shellcheck source=tests/evasion/identity_cases.sh
source "$ROOT/tests/evasion/identity_cases.sh"
# shellcheck source=tests/lib/tamper_cases.sh
source "$ROOT/tests/lib/tamper_cases.sh"

WORK=$(mktemp -d /tmp/nsguard-vm.XXXXXX)
case ,${VM_LSM:-}, in
*,bpf,*) ENFORCE_TIER=lsm ;;
*) ENFORCE_TIER=signal ;;
esac

sleep 3600 &
HOST_HELPER=$!
trap 'agent_stop_all; kill "$HOST_HELPER" 2>/dev/null; ctr_teardown' EXIT
export CTR_EXTRA_BINS="$HELPERS/pidfd_setns $HELPERS/setns_storm $HELPERS/clone_ns $HELPERS/evade $HELPERS/flood $HELPERS/tamper"
ctr_setup "$WORK/ctr" || exit 1
HOST_IPC=$(stat -L -c %i /proc/self/ns/ipc)

t_detect_unshare() {
	local pf=$WORK/unshare.pid ev
	run_recording_pid "$pf" unshare --ipc --pid --fork true || return 1
	ev=$(wait_event detect ".event == \"ns_create\" and .pid == $(cat "$pf")") || return 1
	expect_json "$ev" '.syscall == "unshare" and .created == ["ipc","pid"]'
}

# VIA CMD...: setns into the host IPC ns by a host-PID container's
# entrypoint, reported. (`runc exec` fails in this guest: runc 1.1 cannot
# open /proc/self/fd there, so nothing here depends on it.)
t_detect_setns() {
	local via=$1 id ev
	shift
	id=$(ctr_new_id)
	ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid,caps -- "$@" >/dev/null 2>&1 || return 1
	ev=$(wait_event detect ".event == \"setns\" and .container_id == \"$id\" and .target.host")
	[[ -n $ev ]] && expect_json "$ev" ".via == \"$via\" and .target.type == \"ipc\" and
		.target.inum == $HOST_IPC and .result == 0 and .verdict == \"alert\""
}

agent_start detect || exit 1
check "$ENFORCE_TIER: detect unshare (6.1 CO-RE)" t_detect_unshare
check "$ENFORCE_TIER: detect setns via /proc fd (6.1)" t_detect_setns nsfs \
	nsenter --ipc=/proc/"$HOST_HELPER"/ns/ipc true
check "$ENFORCE_TIER: detect setns via anon-inode pidfd (6.1)" t_detect_setns pidfd \
	/usr/local/bin/pidfd_setns "$HOST_HELPER" ipc
agent_stop detect || FAILED=$((FAILED + 1))

run_enforcement_suite || FAILED=$((FAILED + 1))
run_evasion_suite || FAILED=$((FAILED + 1))
# Neither runtime's `exec` runs in this guest (above): the session's join by hand.
IDENTITY_EXEC_RUNTIME=join run_identity_suite || FAILED=$((FAILED + 1))
run_tamper_suite || FAILED=$((FAILED + 1))

# The OCI hook exemption on this tier: the allowlisted container starts,
# another one is stopped the tier's way (EPERM on lsm, SIGKILL on signal).
t_vm_hook() {
	local id ev
	id=$(ctr_new_id)
	run_hooked_hostpid "$id" monitoring
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "allowlisted: $RUN_RC $RUN_OUT"; return 1; }
	ev=$(wait_event hookagent ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "allowed"' || return 1
	id=$(ctr_new_id)
	run_hooked_hostpid "$id" default
	[[ $RUN_OUT != *started* ]] || { log "not allowlisted but ran"; return 1; }
	expect_stopped "non-allowlisted container" || return 1
	ev=$(wait_event hookagent ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\""
}
HOOK_BIN=$ROOT/nsguard-oci-hook
if start_hook_agent; then
	check "$ENFORCE_TIER: OCI hook allowlist" t_vm_hook
	agent_stop hookagent || FAILED=$((FAILED + 1))
	# Four, not eight: each start takes a second or more under emulation.
	check "$ENFORCE_TIER: state: 5x --max-containers allowlisted starts, state back at its start" \
		t_churn_state_bounded 4
	check "$ENFORCE_TIER: state: full tables: the next allowlisted container reported" \
		t_full_table_reported
else
	FAILED=$((FAILED + 1))
fi
# Only the lsm tier lets a denied call be retried (signal kills the caller).
if [[ $ENFORCE_TIER == lsm ]]; then
	check "lsm: denied setns retried in a loop; others reported; exact sums" t_flood_denied_retries
fi
finish_suite "vm-$ENFORCE_TIER"
