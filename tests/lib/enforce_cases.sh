# shellcheck shell=bash
#
# enforce_cases.sh — the enforcement cases a–g, shared by the host suite
# (signal tier, this kernel) and the VM job (lsm tier and, booted without
# bpf in lsm=, the signal fallback on Debian's 6.1 kernel).
#
# Set ENFORCE_TIER=signal|lsm, HOST_HELPER (a host process whose namespaces
# are the targets), and source containers.sh and integration/lib.sh first.
#
#   signal: the violating task gets SIGKILL: exit status 137, verdict killed
#   lsm:    the syscall fails with EPERM, the task lives and says so,
#           verdict blocked

# CMD...: sets RUN_RC and RUN_OUT (stdout+stderr); never fails itself.
run_capture() {
	RUN_RC=0
	RUN_OUT=$("$@" 2>&1) || RUN_RC=$?
}

want_verdict() {
	[[ $ENFORCE_TIER == lsm ]] && echo blocked || echo killed
}

# The task was stopped the way the tier stops it. $1: what was stopped.
expect_stopped() {
	if [[ $ENFORCE_TIER == signal ]]; then
		[[ $RUN_RC -eq 137 ]] && return 0
		log "$1: exit $RUN_RC, want 137 (SIGKILL); output: $RUN_OUT"
		return 1
	fi
	if [[ $RUN_RC -ne 0 && $RUN_RC -ne 137 && ${RUN_OUT,,} == *"operation not permitted"* ]]; then
		return 0
	fi
	log "$1: exit $RUN_RC, want a live EPERM failure; output: $RUN_OUT"
	return 1
}

# AGENT RUNTIME NSOPTS WANT_HOST_NS: the entrypoint never runs.
t_stop_host_ns_container() {
	local agent=$1 rt=$2 nsopts=$3 want=$4 id ev
	id=$(ctr_new_id)
	run_capture ctr_run_fg "$rt" "$id" "$(docker_cg "$id")" "$nsopts" -- echo escaped
	[[ $RUN_OUT != *escaped* ]] || { log "entrypoint ran: $RUN_OUT"; return 1; }
	expect_stopped "$rt $nsopts container" || return 1
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\" and .host_ns == $want"
}

t_private_container_runs() {
	local id
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" "" -- echo private-ok
	[[ $RUN_RC -eq 0 && $RUN_OUT == *private-ok* ]] || { log "private container: $RUN_OUT"; return 1; }
}

# Host processes keep setns, exec and unshare while enforcement is on.
t_host_unaffected() {
	nsenter --ipc=/proc/"$HOST_HELPER"/ns/ipc true &&
		"$HELPERS/pidfd_setns" "$HOST_HELPER" ipc,pid >/dev/null &&
		unshare --ipc --pid --fork true
}

# AGENT CMD...: the entrypoint of a host-PID container (host pids visible,
# CAP_SYS_ADMIN) setns()es into the host IPC ns; it must be stopped.
t_stop_setns_from_container() {
	local agent=$1 id ev result
	shift
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid,caps -- "$@"
	ev=$(wait_event "$agent" ".event == \"setns\" and .container_id == \"$id\" and .target.host")
	expect_stopped "setns from container" || return 1
	# lsm: the call failed with -EPERM; signal: it succeeded and the task died.
	[[ $ENFORCE_TIER == lsm ]] && result=-1 || result=0
	[[ -n $ev ]] && expect_json "$ev" ".verdict == \"$(want_verdict)\" and .target.type == \"ipc\" and
		.result == $result"
}

# AGENT: a host-IPC container runs, and is reported with verdict alert.
t_alert_only() {
	local agent=$1 id ev
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo ran
	[[ $RUN_RC -eq 0 && $RUN_OUT == *ran* ]] || { log "host-IPC container: $RUN_OUT"; return 1; }
	[[ -z $agent ]] && return 0
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "alert"'
}

# AGENT: with --block ipc, a host-PID container runs and is only reported.
t_unblocked_type_alerts() {
	local agent=$1 id ev
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostpid -- echo ran
	[[ $RUN_RC -eq 0 && $RUN_OUT == *ran* ]] || { log "host-PID container: $RUN_OUT"; return 1; }
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "alert" and .host_ns == ["pid"]'
}

# Enforcement does not wait for userspace: with the agent stopped (SIGSTOP)
# and its ring buffer full, a violation is still stopped, and the lost
# events are counted once it runs again.
t_enforced_while_agent_frozen() {
	local id lost
	agent_start frozen --mode enforce --ring-size 4K || return 1
	kill -STOP "${AGENT_PID[frozen]}" || return 1
	# A 4K ring holds a handful of events: these fill it.
	for _ in $(seq 1 40); do unshare --uts true; done
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo escaped
	kill -CONT "${AGENT_PID[frozen]}"
	agent_stop frozen || return 1
	[[ $RUN_OUT != *escaped* ]] || { log "entrypoint ran: $RUN_OUT"; return 1; }
	expect_stopped "host-IPC container while the agent was frozen" || return 1
	# The violation's own event was lost, and the loss is on the record.
	lost=$(jq -s '[.[] | select(.event == "agent_stats")] | last | .drops.host_ns_exec' \
		"$(feed frozen)")
	[[ $lost -ge 1 ]] || { log "ring never full: host_ns_exec drops $lost"; return 1; }
}

t_tier_reported() {
	local ev detection=tracepoint
	[[ $ENFORCE_TIER == lsm ]] && detection=trampoline
	ev=$(wait_event enforce '.event == "agent_start"') || return 1
	expect_json "$ev" ".mode == \"enforce\" and .tier == \"$ENFORCE_TIER\" and
		.detection == \"$detection\" and .block == [\"ipc\",\"pid\"]" || return 1
	[[ $ENFORCE_TIER == lsm ]] && return 0
	# auto says why it did not take the better tier.
	expect_json "$ev" '.tier_reason | test("lsm tier unavailable: .+")' || return 1
	# Never a silent downgrade: an explicit tier that is unavailable is refused.
	expect_usage_error "--enforcer lsm: unavailable" "$NSGUARD" --mode enforce --enforcer lsm
}

run_enforcement_suite() {
	agent_start enforce --mode enforce || return 1
	check "$ENFORCE_TIER: tier chosen and reported" t_tier_reported
	check "$ENFORCE_TIER a: host-IPC container stopped (runc)" \
		t_stop_host_ns_container enforce runc hostipc '["ipc"]'
	check "$ENFORCE_TIER b: host-PID container stopped (crun)" \
		t_stop_host_ns_container enforce crun hostpid '["pid"]'
	check "$ENFORCE_TIER c: private container runs" t_private_container_runs
	check "$ENFORCE_TIER e: host setns/exec/unshare unaffected" t_host_unaffected
	agent_stop enforce || FAILED=$((FAILED + 1))

	# Host-PID containers must run for d: only IPC is blocked here.
	agent_start enforce_ipc --mode enforce --block ipc || return 1
	check "$ENFORCE_TIER d: setns into host IPC via /proc fd stopped" t_stop_setns_from_container \
		enforce_ipc nsenter --ipc=/proc/"$HOST_HELPER"/ns/ipc true
	check "$ENFORCE_TIER d: setns into host IPC via pidfd stopped" t_stop_setns_from_container \
		enforce_ipc /usr/local/bin/pidfd_setns "$HOST_HELPER" ipc
	check "$ENFORCE_TIER --block ipc: host-PID container only alerts" \
		t_unblocked_type_alerts enforce_ipc
	agent_stop enforce_ipc || FAILED=$((FAILED + 1))

	agent_start audit_mode || return 1
	check "$ENFORCE_TIER f: audit mode only alerts" t_alert_only audit_mode
	agent_stop audit_mode || FAILED=$((FAILED + 1))
	check "$ENFORCE_TIER g: agent stopped, the same container starts" t_alert_only ""
	check "$ENFORCE_TIER: enforced with the agent frozen and its ring full" \
		t_enforced_while_agent_frozen
}
