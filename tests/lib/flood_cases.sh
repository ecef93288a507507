# shellcheck shell=bash
#
# flood_cases.sh — a container tries to blind the feed (bpf/flow.bpf.c):
# it repeats one violation as fast as it can, from several processes that
# rename themselves between calls, or makes thousands of distinct-looking
# ones. Meanwhile other host-IPC containers start; every one of them must be
# reported, and what the agent says about the flood must add up exactly to
# what the flooder did. Shared by the host suite (signal tier, audit) and the
# VM's lsm boot (enforce: every call denied, the denials coalesced).
#
# Needs lib.sh, containers.sh, $HOST_HELPER, and `flood` in the containers.

FLOOD_OTHERS=${FLOOD_OTHERS:-5}

# AGENT CID CLASS TYPE: "queued coalesced rate_limited dropped" from the
# kernel's counters in the agent's last agent_stats (zeros: the container is
# not listed). No agent_stats at all is an error, not zeros.
flow_outcomes() {
	jq -rse --arg id "$2" --arg cls "$3" --arg type "$4" '
		[.[] | select(.event == "agent_stats")] | last | .flow.containers
		| (map(select(.container_id == $id)) | first // {}) | .[$cls][$type] // {}
		| "\(.queued // 0) \(.coalesced // 0) \(.rate_limited // 0) \(.dropped // 0)"' \
		"$(feed "$1")" || { log "$1: no agent_stats with flow accounting"; return 1; }
}

# AGENT CID CLASS TYPE: the feed's side of the same: full events, the repeats
# in `coalesced` summaries, the refusals in `rate_limited` summaries.
feed_outcomes() {
	local sev=violation
	[[ $3 == info ]] && sev=info
	jq -rs --arg id "$2" --arg cls "$3" --arg type "$4" --arg sev "$sev" '
		[.[] | select(.container_id == $id)] as $mine
		| ($mine | map(select(.event == $type and .severity == $sev)) | length) as $full
		| ($mine | map(select(.event == "coalesced" and .of == $type) | .repeats) | add // 0) as $rep
		| ($mine | map(select(.event == "rate_limited") | .refused[$cls][$type]) | add // 0) as $lim
		| "\($full) \($rep) \($lim)"' "$(feed "$1")"
}

# AGENT CID CLASS TYPE N: the kernel counted N events of this container, the
# feed delivered every queued one, and the summaries tell the rest: nothing
# lost, nothing told twice.
expect_exact_accounting() {
	local agent=$1 id=$2 cls=$3 type=$4 n=$5 q c r d full rep lim out
	out=$(flow_outcomes "$agent" "$id" "$cls" "$type") || return 1
	read -r q c r d <<<"$out"
	out=$(feed_outcomes "$agent" "$id" "$cls" "$type") || return 1
	read -r full rep lim <<<"$out"
	log "$type ($cls) of ${id:0:12}: $n happened; kernel: $q queued + $c coalesced + $r rate-limited + $d dropped; feed: $full events + $rep repeats + $lim refused"
	[[ $((q + c + r + d)) -eq $n ]] || { log "kernel counters do not add up to $n"; return 1; }
	[[ $full -eq $q && $rep -eq $c && $lim -eq $r ]] ||
		{ log "the feed does not match the kernel's counters"; return 1; }
}

# AGENT VERDICT: FLOOD_OTHERS host-IPC containers start one after another;
# each one's violation must reach the feed with VERDICT (alert: the container
# ran; blocked or killed: it did not).
start_others_and_expect_reported() {
	local agent=$1 verdict=$2 i id rc
	for ((i = 0; i < FLOOD_OTHERS; i++)); do
		id=$(ctr_new_id)
		rc=0
		ctr_run_fg crun "$id" "$(docker_cg "$id")" hostipc -- true >/dev/null 2>&1 || rc=$?
		if [[ $verdict == alert && $rc -ne 0 || $verdict != alert && $rc -eq 0 ]]; then
			log "other container $i exited $rc under verdict $verdict"
			return 1
		fi
		wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\" and
			.verdict == \"$verdict\"" 30 >/dev/null ||
			{ log "other container $i: no event during the flood"; return 1; }
	done
}

# ID: tells the flood to stop (it runs until then: the test, not the
# machine's speed, decides that the others start during it) and prints its
# result line once the container has finished.
stop_flood() {
	local id=$1 deadline=$((SECONDS + 120)) out
	touch "$CTR_WORKDIR/bundles/$id/rootfs/flood-stop" || return 1
	while ((SECONDS < deadline)); do
		out=$(grep -E '^(calls|execs)=' "$CTR_WORKDIR/bundles/$id/stdout" 2>/dev/null)
		[[ -n $out ]] && { echo "$out"; return 0; }
		sleep 0.1
	done
	log "flood in ${id:0:12} did not stop"
	return 1
}

flood_running() { [[ ! -s $CTR_WORKDIR/bundles/$1/stdout ]]; }

# The number in "calls=N ..." or "execs=N ...".
flood_count() { sed -n 's/^[a-z]*=\([0-9]*\) .*/\1/p' <<<"$1"; }

# AGENT VERDICT WORKERS [rename]: one container repeats setns() into the
# host IPC namespace while others start (VERDICT: theirs); FLOOD_ID, FLOOD_FIRST (its first event),
# FLOOD_OUT (its result line) and FLOOD_CALLS tell the rest. Its namespaces
# are all its own; it got the host's IPC namespace file by a bind mount, so
# nothing but the setns calls is a violation.
t_flood_setns() {
	local agent=$1 verdict=$2 workers=$3 rename=${4:-} id out first
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=".mounts += [{\"destination\": \"/hostipc\", \"type\": \"bind\",
		\"source\": \"/proc/$HOST_HELPER/ns/ipc\", \"options\": [\"bind\"]}]" \
		ctr_run runc "$id" "$(kube_cg "$id")" caps -- /usr/local/bin/flood setns \
		0 /hostipc "$workers" $rename || return 1
	# The window delays nothing: the flood's first event arrives while it runs.
	first=$(wait_event "$agent" ".event == \"setns\" and .container_id == \"$id\"" 30) &&
		flood_running "$id" || { log "no event while the flood ran"; ctr_rm runc "$id"; return 1; }
	start_others_and_expect_reported "$agent" "$verdict" || { ctr_rm runc "$id"; return 1; }
	out=$(stop_flood "$id") || { ctr_rm runc "$id"; return 1; }
	ctr_rm runc "$id"
	FLOOD_ID=$id FLOOD_FIRST=$first FLOOD_OUT=$out FLOOD_CALLS=$(flood_count "$out")
}

# Audit (host, signal tier): every call succeeds and is reported or counted.
t_flood_audit() {
	local shape=$1 workers=$2 rename=${3:-} agent=flood_$1 c
	agent_start "$agent" || return 1
	t_flood_setns "$agent" alert "$workers" $rename || { agent_stop "$agent"; return 1; }
	agent_stop "$agent" || return 1
	[[ $FLOOD_OUT == "calls=$FLOOD_CALLS ok=$FLOOD_CALLS failed=0" ]] || { log "flood: $FLOOD_OUT"; return 1; }
	expect_json "$FLOOD_FIRST" ".target.host == true and .result == 0 and .verdict == \"alert\"" || return 1
	expect_exact_accounting "$agent" "$FLOOD_ID" violation setns "$FLOOD_CALLS" || return 1
	# Coalescing, not the ring, absorbed the flood.
	read -r _ c _ _ <<<"$(flow_outcomes "$agent" "$FLOOD_ID" violation setns)"
	[[ $c -gt $((FLOOD_CALLS / 2)) ]] || { log "only $c of $FLOOD_CALLS coalesced"; return 1; }
	expect_summary_cadence "$agent" "$FLOOD_ID" setns &&
		expect_no_violation_dropped "$agent"
}

# AGENT CID TYPE: about one summary per window, as one event is queued per
# window: a flood costs the feed a couple of lines a second, not one per sweep.
expect_summary_cadence() {
	local full sums
	full=$(count_events "$1" ".event == \"$3\" and .container_id == \"$2\" and .severity == \"violation\"") &&
		sums=$(count_events "$1" ".event == \"coalesced\" and .container_id == \"$2\"") || return 1
	[[ $sums -ge 1 && $sums -le $((2 * full + 2)) ]] ||
		{ log "$sums coalesced summaries for $full queued events"; return 1; }
}

# AGENT: the kernel dropped no violation of anyone.
expect_no_violation_dropped() {
	local n
	n=$(jq -s '[.[] | select(.event == "agent_stats")] | last | .flow.violation.dropped' "$(feed "$1")")
	[[ $n -eq 0 ]] || { log "$n violations dropped"; return 1; }
}

# Distinct execs (one path, many spellings) from one host-IPC container:
# coalescing cannot help, the container's budget must. The budget is made
# small so that a slow machine still overruns it.
t_flood_exec_budget() {
	local agent=flood_exec id out n r
	agent_start "$agent" --container-rate 20 --container-burst 20 || return 1
	id=$(ctr_new_id)
	ctr_run runc "$id" "$(kube_cg "$id")" hostipc -- /usr/local/bin/flood exec 0 ||
		{ agent_stop "$agent"; return 1; }
	wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\"" 30 >/dev/null &&
		flood_running "$id" || { log "no event while the exec flood ran"; ctr_rm runc "$id"; agent_stop "$agent"; return 1; }
	start_others_and_expect_reported "$agent" alert || { ctr_rm runc "$id"; agent_stop "$agent"; return 1; }
	out=$(stop_flood "$id") || { ctr_rm runc "$id"; agent_stop "$agent"; return 1; }
	ctr_rm runc "$id"
	agent_stop "$agent" || return 1
	n=$(flood_count "$out")
	[[ $out == "execs=$n ok=$n failed=0" ]] || { log "flood: $out"; return 1; }
	# The entrypoint's own exec is one more violation.
	expect_exact_accounting "$agent" "$id" violation host_ns_exec $((n + 1)) || return 1
	read -r _ _ r _ <<<"$(flow_outcomes "$agent" "$id" violation host_ns_exec)"
	[[ $r -gt 0 ]] || { log "the budget never refused anything"; return 1; }
	expect_no_violation_dropped "$agent"
}

# lsm tier, enforce: a denied setns retried in a loop. Every call fails with
# EPERM, and the denials are coalesced, not queued one by one.
t_flood_denied_retries() {
	local agent=flood_denied
	agent_start "$agent" --mode enforce || return 1
	t_flood_setns "$agent" blocked 1 || { agent_stop "$agent"; return 1; }
	agent_stop "$agent" || return 1
	[[ $FLOOD_OUT == "calls=$FLOOD_CALLS ok=0 failed=$FLOOD_CALLS" ]] || { log "flood: $FLOOD_OUT"; return 1; }
	expect_json "$FLOOD_FIRST" '.verdict == "blocked" and .result == -1' || return 1
	expect_exact_accounting "$agent" "$FLOOD_ID" violation setns "$FLOOD_CALLS" &&
		expect_no_violation_dropped "$agent"
}
