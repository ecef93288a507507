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
# and its violations ring full, a violation is still stopped, and the lost
# events are counted once it runs again.
t_enforced_while_agent_frozen() {
	local id lost i
	agent_start frozen --mode enforce --ring-size 4K || return 1
	kill -STOP "${AGENT_PID[frozen]}" || return 1
	# A 4K ring holds a handful of exec violations: these fill it. Each of
	# these containers must be stopped too.
	for i in 1 2 3 4 5 6 7 8 9 10; do
		id=$(ctr_new_id)
		run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo escaped
		[[ $RUN_OUT != *escaped* ]] || { kill -CONT "${AGENT_PID[frozen]}"; log "entrypoint $i ran"; return 1; }
		expect_stopped "host-IPC container $i while the agent was frozen" ||
			{ kill -CONT "${AGENT_PID[frozen]}"; return 1; }
	done
	kill -CONT "${AGENT_PID[frozen]}"
	agent_stop frozen || return 1
	# Violations were lost, and the loss is on the record, by class.
	lost=$(jq -s '[.[] | select(.event == "agent_stats")] | last |
		[.drops.host_ns_exec, .drops_by_class.violation] | min' "$(feed frozen)")
	[[ $lost -ge 1 ]] || { log "ring never full: violation drops $lost"; return 1; }
}

# Never blind: a flood of informational events fills their own ring, not
# the violations'. The agent is frozen, a 4K info ring is flooded with
# ns_create events, then a violation: its event arrives, the flood's drops
# are counted as info, none as violation.
t_violation_survives_info_flood() {
	local id ev stats i
	agent_start flood --mode enforce --info-ring-size 4K || return 1
	kill -STOP "${AGENT_PID[flood]}" || return 1
	for i in $(seq 1 60); do unshare --uts true; done
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo escaped
	kill -CONT "${AGENT_PID[flood]}"
	expect_stopped "host-IPC container during the flood" || return 1
	ev=$(wait_event flood ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\"" || return 1
	agent_stop flood || return 1
	stats=$(jq -c -s '[.[] | select(.event == "agent_stats")] | last' "$(feed flood)")
	expect_json "$stats" '.drops_by_class.info >= 1 and .drops_by_class.violation == 0 and
		.drops.ns_create >= 1'
}

# Number of loaded nsguard programs; fails when bpftool does (so that a
# broken bpftool cannot read as "none loaded").
count_nsg_programs() {
	local out
	out=$(bpftool prog list) || { log "bpftool prog list failed"; return 1; }
	awk '/ name nsg_/ { n++ } END { print n + 0 }' <<<"$out"
}

# Waits (bounded) until no nsguard program is loaded: FD release is async.
wait_no_nsg_programs() {
	local deadline=$((SECONDS + 15)) n
	while n=$(count_nsg_programs) || return 1; ((n > 0)); do
		((SECONDS < deadline)) || { log "$n nsguard programs still loaded"; return 1; }
		sleep 0.1
	done
}

# --pin: kill -9 the agent and the hooks stay (a violation is still
# stopped); a restart adopts them (no second set of programs) and events
# resume; --cleanup removes them and the same container then runs.
pinned_enforcement_steps() {
	local pins=$1 id ev n_before n_after
	agent_start pinned --mode enforce --pin --pin-path "$pins" || return 1
	ev=$(wait_event pinned '.event == "agent_start"') || return 1
	expect_json "$ev" ".pinned.adopted == false" || return 1
	n_before=$(count_nsg_programs) || return 1
	((n_before > 0)) || { log "no nsguard programs listed with the agent running"; return 1; }
	kill -KILL "${AGENT_PID[pinned]}"
	wait "${AGENT_PID[pinned]}" 2>/dev/null
	unset "AGENT_PID[pinned]"
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo escaped
	[[ $RUN_OUT != *escaped* ]] || { log "agent down: entrypoint ran"; return 1; }
	expect_stopped "host-IPC container with the agent killed" || return 1

	agent_start pinned2 --mode enforce --pin --pin-path "$pins" || return 1
	ev=$(wait_event pinned2 '.event == "agent_start"') || return 1
	expect_json "$ev" ".pinned.adopted == true" || return 1
	n_after=$(count_nsg_programs) || return 1
	[[ $n_after -eq $n_before ]] || { log "programs: $n_before before, $n_after after adoption"; return 1; }
	# The event of the violation while it was down waited in the pinned ring.
	wait_event pinned2 ".event == \"host_ns_exec\" and .container_id == \"$id\"" >/dev/null || return 1
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo escaped
	expect_stopped "host-IPC container after adoption" || return 1
	ev=$(wait_event pinned2 ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\"" || return 1
	agent_stop pinned2 || return 1

	"$NSGUARD" --cleanup --pin-path "$pins" 2>>"$WORK/cleanup.stderr" || { log "--cleanup failed"; return 1; }
	[[ ! -e $pins ]] || { log "$pins still there"; return 1; }
	wait_no_nsg_programs || return 1
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo cleaned
	[[ $RUN_RC -eq 0 && $RUN_OUT == *cleaned* ]] || { log "after cleanup: $RUN_OUT"; return 1; }
}

# PINS STEPS AGENT...: STEPS PINS runs a --pin case; whatever it left pinned
# (it failed half-way) is removed after its AGENTs are stopped: pinned
# enforcement left behind would stop every later test's containers.
with_pins() {
	local pins=$1 steps=$2 agent rc=0
	shift 2
	"$steps" "$pins" || rc=1
	if [[ -e $pins ]]; then
		for agent in "$@"; do agent_stop "$agent"; done
		"$NSGUARD" --cleanup --pin-path "$pins" 2>/dev/null
	fi
	return $rc
}

t_pinned_enforcement() {
	with_pins "/sys/fs/bpf/nsguard-test-$$" pinned_enforcement_steps pinned pinned2
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
	check "$ENFORCE_TIER: a violation's event survives a flood of info events" \
		t_violation_survives_info_flood
	check "$ENFORCE_TIER: --pin: enforced while the agent is killed, adopted, cleaned up" \
		t_pinned_enforcement
}
