# shellcheck shell=bash
#
# tamper_cases.sh — attacks on nsguard itself (bpf/self_protect.bpf.c,
# user/self_protect.c). A container with CAP_SYS_ADMIN walks the kernel's
# BPF map IDs to zero nsguard's policy; opens one of its links by ID to
# detach it; a host-PID container signals or ptraces the agent; host root
# rewrites the policy with bpftool. Each must be stopped the tier's way
# (lsm: EPERM, the agent untouched; signal: the caller killed) and reported
# as `tamper`, and nsguard must still stop a host-IPC container afterwards.
# Shared by the host suite (tests/evasion/run.sh, signal tier) and the VM
# job (tests/vm/enforce-job.sh, lsm tier).
#
# Needs what enforce_cases.sh needs, and `tamper` in the containers.

TAMPER=/usr/local/bin/tamper

# AGENT ID: the container's attempt is on the record with the tier's verdict;
# prints the event.
expect_tamper_event() {
	local ev
	ev=$(wait_event "$1" ".event == \"tamper\" and .container_id == \"$2\"") || return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\" and .source == \"kernel\" and
		.severity == \"violation\"" || return 1
	printf '%s\n' "$ev"
}

# AGENT: a host-IPC container started now is still stopped: the policy holds.
expect_still_enforcing() {
	t_stop_host_ns_container "$1" runc hostipc '["ipc"]'
}

# The agent's policy map: the newest map named policy_cfg (one agent runs).
policy_map_id() {
	bpftool -j map show | jq -r '[.[] | select(.name == "policy_cfg") | .id] | max // empty'
}

# An nsguard link's ID: one whose program is named nsg_*.
nsg_link_id() {
	local progs
	progs=$(bpftool -j prog show | jq -c '[.[] | select(.name | startswith("nsg_")) | .id]') ||
		return 1
	bpftool -j link show | jq -r --argjson p "$progs" \
		'[.[] | select(.prog_id as $id | $p | index($id))] | first | .id // empty'
}

# A stopped agent (SIGSTOP, or PTRACE_ATTACH's stop on the signal tier,
# where the kernel completes the call) goes on; the test goes on with it.
resume_agent() {
	kill -CONT "${AGENT_PID[$1]}" 2>/dev/null || true
}

# AGENT NSOPTS DONE WANT -- CMD...: a container runs the attack CMD; it
# must not get to say DONE (empty: the kernel completes the call on this
# tier), must be stopped the tier's way and reported (WANT: a jq test of the
# event), and a host-IPC container started afterwards is still stopped.
tamper_attempt() {
	local agent=$1 nsopts=$2 done=$3 want=$4 id ev
	shift 5
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" "$nsopts" -- "$TAMPER" "$@"
	resume_agent "$agent"
	[[ -z $done || $RUN_OUT != *"$done"* ]] || { log "tamper $*: $RUN_OUT"; return 1; }
	expect_stopped "tamper $*" || return 1
	kill -0 "${AGENT_PID[$agent]}" || { log "the agent died"; return 1; }
	ev=$(expect_tamper_event "$agent" "$id") || return 1
	expect_json "$ev" "$want" || return 1
	expect_still_enforcing "$agent"
}

# AGENT: the map-by-ID attack.
t_tamper_policy_map() {
	tamper_attempt "$1" caps written '.op == "bpf" and .object.kind == "map" and
		(.object.name | length) > 0 and (.object.id | type) == "number"' -- map policy_cfg
}

# AGENT: open an nsguard link by ID to detach it.
t_tamper_link() {
	local link
	link=$(nsg_link_id) || return 1
	[[ -n $link ]] || { log "no nsguard link listed by bpftool"; return 1; }
	tamper_attempt "$1" caps detached ".op == \"bpf\" and .bpf_cmd == \"BPF_LINK_GET_FD_BY_ID\" and
		.object.kind == \"link\" and .object.id == $link" -- link "$link"
}

# AGENT SIG: a host-PID container (CAP_KILL is in every default set) signals
# the agent. lsm: denied, the agent never sees it. signal: the sender dies;
# the kernel delivers the one signal (SIGKILL here is the --pin case below).
t_tamper_signal() {
	local pid=${AGENT_PID[$1]} done=sent
	[[ $ENFORCE_TIER == signal ]] && done=
	tamper_attempt "$1" hostpid "$done" ".op == \"signal\" and .signal == $2 and
		.object.kind == \"agent\" and .object.pid == $pid" -- kill "$pid" "$2"
}

# AGENT: PTRACE_ATTACH to the agent from a host-PID container with CAP_SYS_PTRACE.
t_tamper_ptrace() {
	local pid=${AGENT_PID[$1]}
	tamper_attempt "$1" hostpid,caps attached ".op == \"ptrace\" and .object.kind == \"agent\" and
		.object.pid == $pid" -- ptrace "$pid"
}

# AGENT: pidfd_getfd() copies one of the agent's map fds straight out of it
# (no bpf() call at all): an attach-level access, stopped like ptrace.
t_tamper_getfd() {
	local pid=${AGENT_PID[$1]} fd
	fd=$(agent_map_fd "$pid") || return 1
	tamper_attempt "$1" hostpid,caps copied ".op == \"ptrace\" and .object.kind == \"agent\" and
		.object.pid == $pid" -- getfd "$pid" "$fd"
}

# PID: a file descriptor of that process's that is a BPF map.
agent_map_fd() {
	local f
	for f in /proc/"$1"/fd/*; do
		[[ $(readlink "$f") == "anon_inode:bpf-map" ]] && { basename "$f"; return 0; }
	done
	log "no BPF map fd in /proc/$1/fd"
	return 1
}

# AGENT (--stats-interval 1): host root zeroes the policy with bpftool (host
# tasks are not denied: the self-check is the answer). Restored and reported
# within a stats interval or two; enforcement holds after.
t_host_root_policy_restored() {
	local agent=$1 map ev
	map=$(policy_map_id)
	[[ -n $map ]] || { log "no policy_cfg map listed"; return 1; }
	bpftool map update id "$map" key 0 0 0 0 value 0 0 0 0 0 0 0 0 ||
		{ log "host root could not write policy_cfg"; return 1; }
	ev=$(wait_event "$agent" '.event == "tamper" and .source == "self_check" and
		.object.name == "policy_cfg"' 10) || return 1
	expect_json "$ev" '.verdict == "restored" and .change == "changed" and
		.found == "0x0000000000000000"' || return 1
	bpftool -j map lookup id "$map" key 0 0 0 0 | jq -e '.value | any(. != "0x00")' >/dev/null ||
		{ log "policy_cfg still zero"; return 1; }
	expect_still_enforcing "$agent"
}

# AGENT: host root's tools read nsguard's maps freely, and that is no tamper event.
t_host_root_reads() {
	local agent=$1 before after
	before=$(count_events "$agent" '.event == "tamper" and .source == "kernel"') || return 1
	bpftool map dump id "$(policy_map_id)" >/dev/null || { log "host bpftool cannot read"; return 1; }
	barrier "$agent" || return 1
	after=$(count_events "$agent" '.event == "tamper" and .source == "kernel"') || return 1
	[[ $after -eq $before ]] || { log "host root's read was reported as tamper"; return 1; }
}

# Audit mode: nothing is stopped, so the container's write lands; it is
# reported (alert), and the self-check restores and reports it.
t_tamper_audit_restored() {
	local id ev
	agent_start tamper_audit --stats-interval 1 || return 1
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" caps -- "$TAMPER" map policy_cfg
	[[ $RUN_RC -eq 0 && $RUN_OUT == *written* ]] || { log "audit: write failed: $RUN_OUT"; return 1; }
	ev=$(wait_event tamper_audit ".event == \"tamper\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "alert" and .op == "bpf"' || return 1
	ev=$(wait_event tamper_audit '.event == "tamper" and .source == "self_check" and
		.object.name == "policy_cfg"' 10) || return 1
	expect_json "$ev" '.verdict == "restored"' || return 1
	agent_stop tamper_audit
}

# PID: waits (bounded) until the process is gone.
wait_gone() {
	local deadline=$((SECONDS + 15))
	while kill -0 "$1" 2>/dev/null; do
		((SECONDS < deadline)) || { log "process $1 still alive"; return 1; }
		sleep 0.05
	done
	wait "$1" 2>/dev/null
	return 0
}

# --pin: a host-PID container SIGKILLs the agent. lsm: denied. signal: the
# kernel delivers it and the sender dies too; the pinned hooks keep
# enforcing, and the next agent reports the attempt from the pinned ring.
tamper_kill_pinned_steps() {
	local pins=$1 pid id ev other
	agent_start tamper_pin --mode enforce --block ipc --pin --pin-path "$pins" || return 1
	pid=${AGENT_PID[tamper_pin]}
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid -- "$TAMPER" kill "$pid" 9
	expect_stopped "tamper kill $pid 9" || return 1
	if [[ $ENFORCE_TIER == lsm ]]; then
		kill -0 "$pid" || { log "the agent died of SIGKILL"; return 1; }
		expect_tamper_event tamper_pin "$id" >/dev/null || return 1
		agent_stop tamper_pin || return 1
	else
		wait_gone "$pid" || return 1
		unset "AGENT_PID[tamper_pin]"
		# No agent now: the pinned hooks still stop a host-IPC container.
		other=$(ctr_new_id)
		run_capture ctr_run_fg runc "$other" "$(docker_cg "$other")" hostipc -- echo escaped
		[[ $RUN_OUT != *escaped* ]] || { log "agent killed: entrypoint ran"; return 1; }
		expect_stopped "host-IPC container with the agent killed" || return 1
		agent_start tamper_pin2 --mode enforce --block ipc --pin --pin-path "$pins" || return 1
		ev=$(expect_tamper_event tamper_pin2 "$id") || return 1
		expect_json "$ev" ".op == \"signal\" and .signal == 9 and .object.pid == $pid" || return 1
		wait_event tamper_pin2 ".event == \"host_ns_exec\" and .container_id == \"$other\"" \
			>/dev/null || return 1
		expect_still_enforcing tamper_pin2 || return 1
		agent_stop tamper_pin2 || return 1
	fi
	"$NSGUARD" --cleanup --pin-path "$pins" 2>>"$WORK/cleanup.stderr" || { log "--cleanup failed"; return 1; }
}

t_tamper_kill_pinned() {
	with_pins "/sys/fs/bpf/nsguard-tamper-$$" tamper_kill_pinned_steps tamper_pin tamper_pin2
}

# The agent as a DaemonSet runs it: in a container of its own (here a
# cgroup named like one, entered before the agent starts). Its own
# container is the agent: a process there may use nsguard's maps (a kubectl
# exec'd bpftool) without being stopped; what it changes, the self-check
# restores. Other containers are still stopped, and enforcement works.
agent_in_container_steps() {
	local cg=$1 wrapper=$WORK/agent-in-container rc ev
	mkdir -p "$cg" || return 1
	printf '#!/bin/sh
echo $$ >"%s/cgroup.procs" || exit 1
exec "%s" "$@"
' "$cg" "$NSGUARD" \
		>"$wrapper" && chmod +x "$wrapper" || return 1
	NSGUARD=$wrapper agent_start podagent --mode enforce --block ipc --stats-interval 1 || return 1
	[[ $(cat /proc/"${AGENT_PID[podagent]}"/cgroup) == *"${cg##*/}"* ]] ||
		{ log "the agent is not in $cg"; return 1; }
	rc=0
	sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" map policy_cfg' sh "$cg" "$HELPERS/tamper" \
		>"$WORK/podagent-exec.out" 2>&1 || rc=$?
	[[ $rc -eq 0 ]] || { log "in the agent's container: exit $rc, $(cat "$WORK/podagent-exec.out")"; return 1; }
	ev=$(wait_event podagent '.event == "tamper" and .source == "self_check" and
		.object.name == "policy_cfg"' 10) || return 1
	expect_json "$ev" '.verdict == "restored"' || return 1
	[[ $(count_events podagent '.event == "tamper" and .source == "kernel"') -eq 0 ]] ||
		{ log "the agent's own container was reported as tamper"; return 1; }
	t_tamper_policy_map podagent
}

t_agent_in_container() {
	local cg rc=0
	cg=$(identity_cgroup_root tamper)/docker/$(ctr_new_id) || return 1
	agent_in_container_steps "$cg" || rc=1
	agent_stop podagent || rc=1
	rmdir "$cg" 2>/dev/null
	return $rc
}

# The host-PID containers here must run: only IPC is blocked.
run_tamper_suite() {
	agent_start tamper --mode enforce --block ipc --stats-interval 1 || return 1
	check "$ENFORCE_TIER tamper: a container zeroes policy_cfg by map ID" t_tamper_policy_map tamper
	check "$ENFORCE_TIER tamper: a container opens an nsguard link by ID to detach it" \
		t_tamper_link tamper
	check "$ENFORCE_TIER tamper: a host-PID container sends SIGSTOP to the agent" \
		t_tamper_signal tamper 19
	check "$ENFORCE_TIER tamper: a host-PID container ptraces the agent" t_tamper_ptrace tamper
	check "$ENFORCE_TIER tamper: a host-PID container copies the agent's map fd (pidfd_getfd)" \
		t_tamper_getfd tamper
	check "$ENFORCE_TIER tamper: host root's bpftool reads are not tamper" t_host_root_reads tamper
	check "$ENFORCE_TIER tamper: host root zeroes policy_cfg: restored and reported" \
		t_host_root_policy_restored tamper
	agent_stop tamper || FAILED=$((FAILED + 1))
	check "$ENFORCE_TIER tamper: the agent in its own container (DaemonSet) works" \
		t_agent_in_container
	check "$ENFORCE_TIER tamper: audit mode reports, the self-check restores" t_tamper_audit_restored
	check "$ENFORCE_TIER tamper: --pin: a host-PID container SIGKILLs the agent" t_tamper_kill_pinned
}
