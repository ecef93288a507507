#!/usr/bin/env bash
# Host integration tests: the agent (NSGUARD, built with ASan/UBSan by
# `make test`) against real runc, crun and podman containers on this kernel.
# Closes with "integration: N passed, N failed" (", N skipped" when
# NSG_TEST_ONLY left cases out).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=tests/lib/enforce_cases.sh
source "$ROOT/tests/lib/enforce_cases.sh"
# shellcheck source=tests/integration/production_cases.sh
source "$ROOT/tests/integration/production_cases.sh"
# shellcheck source=tests/lib/flood_cases.sh
source "$ROOT/tests/lib/flood_cases.sh"
# shellcheck source=tests/integration/feed_fault_cases.sh
source "$ROOT/tests/integration/feed_fault_cases.sh"

host_suite_setup integration pidfd_setns setns_storm clone_ns flood
podman_setup || exit 1
HOST_IPC=$(stat -L -c %i /proc/self/ns/ipc)
HOST_PID=$(stat -L -c %i /proc/self/ns/pid)



# --- S1/S2: containers started in host namespaces -------------------------

# RUNTIME CGSTYLE NSOPTS EXPECTED_HOST_NS
t_host_ns_exec() {
	local rt=$1 style=$2 nsopts=$3 want=$4 id cg ev cgid
	id=$(ctr_new_id)
	cg=$("${style}_cg" "$id")
	ctr_run "$rt" "$id" "$cg" "$nsopts" -- sleep 30 || return 1
	cgid=$(ctr_cgroup_id "$cg")
	ev=$(wait_event main ".event == \"host_ns_exec\" and .container_id == \"$id\"")
	ctr_rm "$rt" "$id"
	[[ -n $ev ]] || return 1
	expect_json "$ev" ".host_ns == $want and .verdict == \"alert\" and
		.severity == \"violation\" and .comm == \"sleep\" and (.exe | endswith(\"sleep\")) and
		.cgroup_id == $cgid and .pid > 0 and .tid == .pid and .ppid > 0 and .uid == 0 and
		(if (.host_ns | index(\"ipc\")) then .ns.ipc == $HOST_IPC else .ns.ipc != $HOST_IPC end) and
		(if (.host_ns | index(\"pid\")) then .ns.pid == $HOST_PID else .ns.pid != $HOST_PID end)"
}

# A later `exec` session in a host-PID container is caught too.
t_exec_session() {
	local id ev
	id=$(ctr_new_id)
	ctr_run runc "$id" "$(docker_cg "$id")" hostpid -- sleep 30 || return 1
	ctr_exec runc "$id" -- hostname >/dev/null || { ctr_rm runc "$id"; return 1; }
	ev=$(wait_event main ".event == \"host_ns_exec\" and .container_id == \"$id\" and .comm == \"hostname\"")
	ctr_rm runc "$id"
	[[ -n $ev ]] && expect_json "$ev" '.host_ns == ["pid"]'
}

t_podman_host_ipc() {
	local id ev
	id=$(podman_run_hostipc "nsg-it-$$" -- sleep 30) || return 1
	ev=$(wait_event main ".event == \"host_ns_exec\" and .container_id == \"$id\"")
	podman_rm "$id"
	[[ -n $ev ]] && expect_json "$ev" '.host_ns == ["ipc"] and .comm == "sleep" and
		.container.runtime == "podman" and (.container.name | startswith("nsg-it-"))'
}

# Several runs: runc's self re-exec inside the container cgroup (before it
# unshares) races with the cgroup move and must never count as the container.
t_default_container_silent() {
	local rt id ids=() n
	for rt in runc runc runc crun; do
		id=$(ctr_new_id)
		ids+=("\"$id\"")
		ctr_run_fg "$rt" "$id" "$(docker_cg "$id")" "" -- true || return 1
	done
	barrier main || return 1
	n=$(count_events main ".event == \"host_ns_exec\" and (.container_id | IN($(IFS=,; echo "${ids[*]}")))") || return 1
	[[ $n -eq 0 ]] || { log "$n host_ns_exec events for private containers"; return 1; }
}

# --- S3/S4: setns from inside a container ---------------------------------


t_setns_nsfs_from_container() {
	local id ev
	id=$(ctr_new_id)
	start_setns_container "$id" || return 1
	ctr_exec runc "$id" --caps -- nsenter --ipc=/proc/$HOST_HELPER/ns/ipc true ||
		{ ctr_rm runc "$id"; return 1; }
	ev=$(wait_event main ".event == \"setns\" and .container_id == \"$id\" and .comm == \"nsenter\"")
	ctr_rm runc "$id"
	[[ -n $ev ]] && expect_json "$ev" ".target.type == \"ipc\" and .target.host == true and
		.target.inum == $HOST_IPC and .result == 0 and .via == \"nsfs\" and
		.severity == \"violation\" and .verdict == \"alert\" and .host_ns == [\"ipc\",\"pid\"]"
}

t_setns_pidfd_from_container() {
	local id ev
	id=$(ctr_new_id)
	start_setns_container "$id" || return 1
	ctr_exec runc "$id" --caps -- /usr/local/bin/pidfd_setns "$HOST_HELPER" ipc >/dev/null ||
		{ ctr_rm runc "$id"; return 1; }
	ev=$(wait_event main ".event == \"setns\" and .container_id == \"$id\" and .comm == \"pidfd_setns\"")
	ctr_rm runc "$id"
	[[ -n $ev ]] && expect_json "$ev" ".via == \"pidfd\" and .target.type == \"ipc\" and
		.target.host == true and .target.inum == $HOST_IPC and .result == 0 and
		.nstype == $((0x08000000)) and .severity == \"violation\""
}

# S4: towards the host PID namespace (and several types at once).
t_setns_pidfd_pid_target() {
	local id ev
	id=$(ctr_new_id)
	start_setns_container "$id" || return 1
	ctr_exec runc "$id" --caps -- /usr/local/bin/pidfd_setns "$HOST_HELPER" pid,uts >/dev/null ||
		{ ctr_rm runc "$id"; return 1; }
	ev=$(wait_event main ".event == \"setns\" and .container_id == \"$id\" and .comm == \"pidfd_setns\"")
	ctr_rm runc "$id"
	[[ -n $ev ]] && expect_json "$ev" ".target.type == \"pid\" and .target.host == true and
		.target.inum == $HOST_PID and ([.targets[].type] | sort) == [\"pid\",\"uts\"] and
		.severity == \"violation\""
}

# setns(fd, 0) into the container's own namespace: info, not a violation.
t_setns_benign_is_info() {
	local id ev
	id=$(ctr_new_id)
	ctr_run runc "$id" "$(docker_cg "$id")" caps -- sleep 60 || return 1
	ctr_exec runc "$id" --caps -- /usr/local/bin/setns_storm 1 >/dev/null ||
		{ ctr_rm runc "$id"; return 1; }
	ev=$(wait_event main ".event == \"setns\" and .container_id == \"$id\"")
	ctr_rm runc "$id"
	[[ -n $ev ]] && expect_json "$ev" ".severity == \"info\" and .target.type == \"ipc\" and
		.target.host == false and .nstype == 0 and .result == 0"
}

t_host_setns_not_violation() {
	local p1=$WORK/host-nsenter.pid p2=$WORK/host-pidfd.pid n
	run_recording_pid "$p1" nsenter --ipc=/proc/$HOST_HELPER/ns/ipc true || return 1
	run_recording_pid "$p2" "$HELPERS/pidfd_setns" "$HOST_HELPER" ipc >/dev/null || return 1
	barrier main || return 1
	n=$(count_events main ".event == \"setns\" and (.pid == $(cat "$p1") or .pid == $(cat "$p2"))") || return 1
	[[ $n -eq 0 ]] || { log "$n setns events for host processes"; return 1; }
}

# --- S5: namespace creation ------------------------------------------------

t_unshare_ns_create() {
	local pf=$WORK/unshare.pid ev
	run_recording_pid "$pf" unshare --ipc --pid --fork true || return 1
	ev=$(wait_event main ".event == \"ns_create\" and .pid == $(cat "$pf")") || return 1
	expect_json "$ev" '.syscall == "unshare" and .created == ["ipc","pid"] and
		.clone_flags == "0x28000000" and .container_id == null and .comm == "unshare" and
		.new_ns.ipc > 0 and .new_ns.ipc == .ns.ipc and .new_ns.pid > 0 and .child_pid == null'
}

# MODE: "" (clone) or --clone3
t_clone_ns_create() {
	local pf=$WORK/clone.pid out child ev
	out=$(run_recording_pid "$pf" "$HELPERS/clone_ns" $1) || return 1
	child=${out#child=}
	ev=$(wait_event main ".event == \"ns_create\" and .pid == $(cat "$pf")") || return 1
	expect_json "$ev" ".syscall == \"clone\" and .created == [\"ipc\",\"pid\"] and
		.child_pid == $child and .new_ns.ipc != .ns.ipc and .new_ns.pid != .ns.pid"
}

# --- Storm: every call is delivered or counted ----------------------------

# 10,000 benign setns calls (info events): with the default budget most are
# refused and summarised; with no budget and a 16K ring, most are dropped.
# Either way each call is exactly one of queued, rate-limited or dropped.
t_setns_storm() {
	local id calls=10000 agent q r d
	agent_start storm_default || return 1
	agent_start storm_small --info-ring-size 16K --container-rate 0 || return 1
	id=$(ctr_new_id)
	ctr_run runc "$id" "$(docker_cg "$id")" caps -- sleep 120 || return 1
	ctr_exec runc "$id" --caps -- /usr/local/bin/setns_storm $calls ||
		{ ctr_rm runc "$id"; return 1; }
	ctr_rm runc "$id"
	agent_stop storm_default && agent_stop storm_small || return 1
	for agent in storm_default storm_small; do
		expect_exact_accounting $agent "$id" info setns $calls || return 1
	done
	# The budget and the small ring must really have acted, or the test proved nothing.
	read -r _ _ r _ <<<"$(flow_outcomes storm_default "$id" info setns)"
	read -r _ _ _ d <<<"$(flow_outcomes storm_small "$id" info setns)"
	[[ $r -gt 0 ]] || { log "the budget refused nothing"; return 1; }
	[[ $d -gt 0 ]] || { log "16K ring never overflowed"; return 1; }
}

# --- S6 and `nsguard scan` -------------------------------------------------

t_startup_scan_and_scan_command() {
	local id priv ev out rc=0
	id=$(ctr_new_id)
	ctr_run crun "$id" "$(docker_cg "$id")" hostipc -- sleep 60 || return 1
	agent_start startup || { ctr_rm crun "$id"; return 1; }
	ev=$(wait_event startup ".event == \"host_ns_running\" and .container_id == \"$id\"")
	agent_stop startup || { ctr_rm crun "$id"; return 1; }
	out=$("$NSGUARD" scan --format json) || rc=$?
	ctr_rm crun "$id"
	[[ -n $ev ]] || return 1
	expect_json "$ev" '.host_ns == ["ipc"] and .processes >= 1 and .runtime == "docker" and
		.processes_in_host_ns.ipc >= 1 and .severity == "violation"' || return 1
	[[ $rc -eq 1 ]] || { log "scan exit $rc with a host-IPC container, want 1"; return 1; }
	expect_json "$out" ".violations >= 1 and
		(.containers[] | select(.container_id == \"$id\") | .host_ns == [\"ipc\"])" || return 1

	priv=$(ctr_new_id)
	ctr_run runc "$priv" "$(kube_cg "$priv")" "" -- sleep 60 || return 1
	rc=0
	out=$("$NSGUARD" scan --format text) || rc=$?
	ctr_rm runc "$priv"
	[[ $rc -eq 0 ]] || { log "scan exit $rc with only private containers, want 0"; return 1; }
	# The table: no name, image or pod in bare runc's state, runc's own runtime, nothing shared.
	grep -qE "^${priv:0:12} +- +- +- +runc +- +1$" <<<"$out" || { log "scan text lacks $priv: $out"; return 1; }
}

# --- Agent lifecycle and bad input ----------------------------------------

# Fails when bpftool or jq does: an empty list must mean no programs.
nsg_prog_ids() {
	local json
	json=$(bpftool prog show -j) || { log "bpftool prog show failed"; return 1; }
	jq -r '.[] | select(.name // "" | startswith("nsg_")) | .id' <<<"$json" | sort -n
}

t_stop_detaches_everything() {
	local before after during ev
	before=$(nsg_prog_ids) || return 1
	agent_start lifecycle --host-ns-pid "$HOST_HELPER" || return 1
	ev=$(wait_event lifecycle '.event == "agent_start"')
	during=$(nsg_prog_ids) || return 1
	[[ $(grep -c . <<<"$during") -gt $(grep -c . <<<"$before") ]] ||
		{ log "no programs loaded"; return 1; }
	agent_stop lifecycle || return 1
	after=$(nsg_prog_ids) || return 1
	[[ $before == "$after" ]] || { log "programs left behind: $after"; return 1; }
	expect_json "$ev" ".host_ns.source == \"pid:$HOST_HELPER\" and .host_ns.inums.ipc == $HOST_IPC and
		.mode == \"audit\" and .block == [] and .probe.btf and .probe.ringbuf and
		(.kernel | length > 0)" || return 1
	wait_event lifecycle '.event == "agent_stats"' 1 >/dev/null
}


t_bad_input() {
	local nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
	expect_usage_error "'--bogus'" "$NSGUARD" --bogus &&
		expect_usage_error "'yaml'" "$NSGUARD" --format yaml &&
		expect_usage_error "--output /nonexistent/x.jsonl" "$NSGUARD" --output /nonexistent/x.jsonl &&
		expect_usage_error "--host-ns-pid 999999999" "$NSGUARD" --host-ns-pid 999999999 &&
		expect_usage_error "needs root" "${nobody[@]}" "$NSGUARD" &&
		expect_usage_error "needs root" "${nobody[@]}" "$NSGUARD" scan
}

# The test's podman keeps its state in a private root: tell the agent.
agent_start main --storage-root "$CTR_WORKDIR/podman/root" || exit 1
check "S1 runc docker cgroup host IPC" t_host_ns_exec runc docker hostipc '["ipc"]'
check "S2 runc kubepods cgroup host PID" t_host_ns_exec runc kube hostpid '["pid"]'
check "S1+S2 crun docker cgroup host IPC+PID" t_host_ns_exec crun docker hostipc,hostpid '["ipc","pid"]'
check "S1 crun kubepods cgroup host IPC" t_host_ns_exec crun kube hostipc '["ipc"]'
check "S2 later exec session" t_exec_session
check "S1 podman --ipc=host" t_podman_host_ipc
check "default container: no host_ns_exec" t_default_container_silent
check "S3 nsenter from container via /proc fd" t_setns_nsfs_from_container
check "S3 setns from container via pidfd" t_setns_pidfd_from_container
check "S4 pidfd towards host PID ns, several types" t_setns_pidfd_pid_target
check "benign setns in container is info" t_setns_benign_is_info
check "host setns is not a violation" t_host_setns_not_violation
check "S5 unshare --ipc --pid" t_unshare_ns_create
check "S5 clone(CLONE_NEWIPC|CLONE_NEWPID)" t_clone_ns_create ""
check "S5 clone3(CLONE_NEWIPC|CLONE_NEWPID)" t_clone_ns_create --clone3
agent_stop main || FAILED=$((FAILED + 1))
check "storm: queued + rate-limited + dropped == calls" t_setns_storm
check "flood: one process repeats one violation; others reported; exact sums" \
	t_flood_audit repeat 1
check "flood: 4 processes rename themselves each call; others reported; exact sums" \
	t_flood_audit rename 4 rename
check "flood: distinct execs; the budget holds; others reported; exact sums" t_flood_exec_budget
check "S6 start-up scan and nsguard scan" t_startup_scan_and_scan_command
check "stop detaches, --host-ns-pid" t_stop_detaches_everything
check "bad input: one line, exit 2" t_bad_input
ENFORCE_TIER=signal run_enforcement_suite || FAILED=$((FAILED + 1))
ENFORCE_TIER=signal run_production_suite || FAILED=$((FAILED + 1))
run_feed_fault_suite

finish_suite integration
