# shellcheck shell=bash
#
# production_cases.sh — policy, OCI hook, reload, metadata, metrics and
# sinks against the real agent and runc (signal tier on this kernel).
# Sourced by tests/integration/run.sh after containers.sh and lib.sh.

HOOK_BIN=${NSGUARD_HOOK:-$(dirname "$NSGUARD")/nsguard-oci-hook}

write_policy() { # FILE, then YAML on stdin; mode 0644 like a ConfigMap file
	cat >"$1" && chmod 0644 "$1"
}

# jq filter for a bundle: containerd-CRI annotations and our createRuntime hook.
cri_bundle_jq() { # NAMESPACE POD SOCKET [HOOK_ARGS...]
	local ns=$1 pod=$2 sock=$3 extra=""
	shift 3
	for a in "$@"; do extra+=", \"$a\""; done
	cat <<JQ
.annotations = {
  "io.kubernetes.cri.container-type": "container",
  "io.kubernetes.cri.sandbox-namespace": "$ns",
  "io.kubernetes.cri.sandbox-name": "$pod",
  "io.kubernetes.cri.container-name": "exporter",
  "io.kubernetes.cri.image-name": "registry.example/exporter:1.0"
} | .hooks.createRuntime = [{"path": "$HOOK_BIN",
  "args": ["nsguard-oci-hook", "--socket", "$sock"$extra]}]
JQ
}

# The agent refuses a bad policy before it loads anything. Seen as it
# happens: strace records every bpf() call, including a program loaded and
# closed again before exit, which no program list taken afterwards shows.
# LeakSanitizer cannot run under ptrace, so the traced run goes without it
# (t_check_policy's untraced run of the same command keeps it).
expect_no_bpf_calls() { # POLICY
	local trace=$WORK/refused-agent.strace
	rm -f "$trace"
	expect_usage_error "$1:3:10:" env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
		strace -f -o "$trace" -e trace=bpf "$NSGUARD" --no-hook --policy "$1" || return 1
	# strace itself ran and followed the agent to its end.
	if ! grep -qF '+++ exited with 2 +++' "$trace" 2>/dev/null; then
		log "strace did not follow the agent to its exit: $(head -c 300 "$trace" 2>&1)"
		return 1
	fi
	if grep 'bpf(' "$trace" >&2; then
		log "bpf() calls (above) by an agent that refused its policy"
		return 1
	fi
}

t_check_policy() {
	local good=$WORK/good.yaml bad=$WORK/bad.yaml out
	write_policy "$good" <<<$'mode: enforce\nnamespaces:\n  ipc: block\nallow:\n  - pod: "web-*"\n'
	write_policy "$bad" <<<$'mode: enforce\nallow:\n  - pod: "web-[x"\n'
	out=$("$NSGUARD" --check-policy "$good") || return 1
	[[ $out == *valid* ]] || return 1
	expect_usage_error "$bad:3:10: pod: 'web-[x' is not a valid glob" "$NSGUARD" --check-policy "$bad" ||
		return 1
	chmod 0666 "$good"
	expect_usage_error "world-writable" "$NSGUARD" --check-policy "$good" || return 1
	expect_usage_error "$bad:3:10:" "$NSGUARD" --no-hook --policy "$bad" || return 1
	expect_no_bpf_calls "$bad"
}

# FILE: enforce, with node exporters in `monitoring` allowed host PID.
write_hook_policy() {
	write_policy "$1" <<'YAML'
mode: enforce
namespaces:
  ipc: block
  pid: block
allow:
  - kubernetes_namespace: monitoring
    pod: "node-exporter-*"
    namespaces: [pid]
YAML
}

start_hook_agent() {
	HOOK_POLICY=$WORK/hook-policy.yaml
	write_hook_policy "$HOOK_POLICY" && agent_start hookagent --policy "$HOOK_POLICY"
}

# NAMESPACE: a host-PID container registered through the hook; sets RUN_*.
run_hooked_hostpid() {
	local id=$1 ns=$2
	CTR_CONFIG_JQ=$(cri_bundle_jq "$ns" "node-exporter-$RANDOM" "$WORK/hookagent.hook") \
		run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid -- echo started
}

t_hook_allowlisted_starts() {
	local id ev reg
	id=$(ctr_new_id)
	run_hooked_hostpid "$id" monitoring
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "allowlisted: $RUN_RC $RUN_OUT"; return 1; }
	reg=$(wait_event hookagent ".event == \"container_registered\" and .container_id == \"$id\"") ||
		return 1
	expect_json "$reg" '.allowed_ns == ["pid"] and .pod.namespace == "monitoring" and
		(.pod.name | startswith("node-exporter-")) and .container_name == "exporter" and
		.image == "registry.example/exporter:1.0" and .schema == 1' || return 1
	ev=$(wait_event hookagent ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "allowed" and .allowed_ns == ["pid"] and .host_ns == ["pid"] and
		.schema == 1 and .container.pod.namespace == "monitoring" and
		.container.name == "exporter" and .container.runtime == "containerd"'
}

t_hook_not_allowlisted_killed() {
	local id ev
	id=$(ctr_new_id)
	run_hooked_hostpid "$id" default
	[[ $RUN_RC -eq 137 && $RUN_OUT != *started* ]] || { log "exit $RUN_RC: $RUN_OUT"; return 1; }
	ev=$(wait_event hookagent ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "killed" and (has("allowed_ns") | not)'
}

t_hook_50_starts_no_race() {
	local i id ids=() failures=0 n
	for i in $(seq 1 50); do
		id=$(ctr_new_id)
		ids+=("\"$id\"")
		run_hooked_hostpid "$id" monitoring
		[[ $RUN_RC -eq 0 ]] || failures=$((failures + 1))
	done
	[[ $failures -eq 0 ]] || { log "$failures of 50 allowlisted starts failed"; return 1; }
	n=$(count_events hookagent ".event == \"host_ns_exec\" and .verdict == \"allowed\" and
		(.container_id | IN($(IFS=,; echo "${ids[*]}")))") || return 1
	[[ $n -eq 50 ]] || { log "$n of 50 starts reported as allowed"; return 1; }
}

t_reload() {
	local id ev
	# A broken policy: rejected with its position, the old one stays.
	write_policy "$HOOK_POLICY" <<<$'mode: enforce\nallow:\n  - pod: [oops]\n'
	kill -HUP "${AGENT_PID[hookagent]}"
	ev=$(wait_event hookagent '.event == "policy_error"') || return 1
	expect_json "$ev" "(.error | startswith(\"$HOOK_POLICY:3:10:\"))" || return 1
	id=$(ctr_new_id)
	run_hooked_hostpid "$id" monitoring
	[[ $RUN_RC -eq 0 ]] || { log "old policy not kept: exit $RUN_RC"; return 1; }
	# A good policy without the rule: the same kind of container is now killed.
	write_policy "$HOOK_POLICY" <<<$'mode: enforce\nnamespaces:\n  pid: block\n'
	kill -HUP "${AGENT_PID[hookagent]}"
	wait_event hookagent '.event == "policy_reloaded"' >/dev/null || return 1
	id=$(ctr_new_id)
	run_hooked_hostpid "$id" monitoring
	[[ $RUN_RC -eq 137 ]] || { log "rule still in force after reload: exit $RUN_RC"; return 1; }
	# Changing the mode needs a restart: refused, nothing half-applied.
	write_policy "$HOOK_POLICY" <<<$'mode: audit\n'
	kill -HUP "${AGENT_PID[hookagent]}"
	ev=$(wait_event hookagent '.event == "policy_error" and (.error | test("restart"))') || return 1
	# Still enforcing: a host-IPC container (ipc: block by default, no rule)
	# is killed before its entrypoint runs.
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- echo escaped
	[[ $RUN_RC -eq 137 && $RUN_OUT != *escaped* ]] ||
		{ log "enforcement gone after the refused reload: exit $RUN_RC $RUN_OUT"; return 1; }
	ev=$(wait_event hookagent ".event == \"host_ns_exec\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "killed" and .host_ns == ["ipc"]'
}

# With the agent away the hook does what the policy says: open (the
# default, or said outright) starts the container and leaves a record the
# agent reports once back; closed refuses it, in the hook's own words (any
# other hook error, such as a missing binary, would refuse it too).
t_hook_fail_open_then_reported() {
	local dir=$WORK/absent sock id open_id closed_id
	local open=$WORK/open.yaml closed=$WORK/closed.yaml
	mkdir -p "$dir"
	sock=$dir/hook.sock
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(cri_bundle_jq default web "$sock") \
		run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" "" -- echo started
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "fail open: $RUN_RC $RUN_OUT"; return 1; }
	[[ -s $dir/hook-missed.jsonl ]] || { log "nothing spooled"; return 1; }
	write_policy "$open" <<<$'hook:\n  on_agent_unreachable: open\n'
	open_id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(cri_bundle_jq default web "$sock" --policy "$open") \
		run_capture ctr_run_fg runc "$open_id" "$(docker_cg "$open_id")" "" -- echo started
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "policy open: $RUN_RC $RUN_OUT"; return 1; }
	# Fail closed, as a policy may ask: the runtime refuses to start it.
	write_policy "$closed" <<<$'hook:\n  on_agent_unreachable: closed\n'
	closed_id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(cri_bundle_jq default web "$sock" --policy "$closed") \
		run_capture ctr_run_fg runc "$closed_id" "$(docker_cg "$closed_id")" "" -- echo started
	[[ $RUN_RC -ne 0 && $RUN_OUT != *started* &&
		$RUN_OUT == *"nsguard-oci-hook: "*"; policy says fail closed"* ]] ||
		{ log "policy closed: exit $RUN_RC $RUN_OUT"; return 1; }
	# The agent, once back, reports both starts it missed.
	agent_start missed --hook-socket "$sock" || return 1
	wait_event missed ".event == \"hook_unreachable\" and .container_id == \"$id\"" >/dev/null &&
		wait_event missed ".event == \"hook_unreachable\" and .container_id == \"$open_id\"" >/dev/null ||
		{ agent_stop missed; return 1; }
	agent_stop missed || return 1
	[[ ! -e $dir/hook-missed.jsonl ]]
}

t_exe_allowlist() {
	local p=$WORK/exe.yaml id ev
	write_policy "$p" <<'YAML'
mode: enforce
namespaces:
  ipc: block
  pid: alert
allow:
  - executable: /usr/local/bin/pidfd_setns
    namespaces: [ipc]
YAML
	agent_start exeagent --policy "$p" || return 1
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid,caps -- \
		/usr/local/bin/pidfd_setns "$HOST_HELPER" ipc
	ev=$(wait_event exeagent ".event == \"setns\" and .container_id == \"$id\" and .target.host")
	[[ $RUN_RC -eq 0 && -n $ev ]] || { log "allowlisted exe: exit $RUN_RC"; agent_stop exeagent; return 1; }
	expect_json "$ev" '.verdict == "allowed" and .allowed_ns == ["ipc"]' || { agent_stop exeagent; return 1; }
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid,caps -- \
		nsenter --ipc=/proc/"$HOST_HELPER"/ns/ipc true
	agent_stop exeagent || return 1
	[[ $RUN_RC -eq 137 ]] || { log "other exe not killed: exit $RUN_RC"; return 1; }
}

t_startup_scan_honours_policy() {
	local p=$WORK/scan.yaml id ev
	id=$(ctr_new_id)
	write_policy "$p" <<<"allow:
  - container_id: $id
    namespaces: [ipc]"
	ctr_run runc "$id" "$(docker_cg "$id")" hostipc -- sleep 60 || return 1
	agent_start scanpol --policy "$p" || { ctr_rm runc "$id"; return 1; }
	ev=$(wait_event scanpol ".event == \"host_ns_running\" and .container_id == \"$id\"")
	agent_stop scanpol || { ctr_rm runc "$id"; return 1; }
	ctr_rm runc "$id"
	[[ -n $ev ]] && expect_json "$ev" '.verdict == "allowed" and .allowed_ns == ["ipc"]'
}

scrape() { # PORT: prints the exposition
	local port=$1
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
	cat <&3
	exec 3<&-
}

t_metrics_scrape() {
	local port=$((20000 + RANDOM % 20000)) id out
	agent_start metrics --metrics-addr "127.0.0.1:$port" || return 1
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- true
	wait_event metrics ".event == \"host_ns_exec\" and .container_id == \"$id\"" >/dev/null ||
		{ agent_stop metrics; return 1; }
	out=$(scrape "$port")
	agent_stop metrics || return 1
	grep -q '^HTTP/1.[01] 200' <<<"$out" &&
		grep -Eq '^nsguard_events_total\{event="host_ns_exec",verdict="alert",ns_type="ipc"\} [1-9]' <<<"$out" &&
		grep -q '^nsguard_tier_info{tier="signal",mode="audit"} 1' <<<"$out" &&
		grep -q '^nsguard_events_dropped_total{event="setns"} 0' <<<"$out" ||
		{ log "scrape: $out"; return 1; }
}

t_sinks_socket_and_rotation() {
	local sock=$WORK/feed.sock file got=$WORK/socket-lines reader i n
	file=$(feed sinks)
	: >"$file"
	"$NSGUARD" --no-hook --stats-interval 0 --output "$file" --output-max-size 4K \
		--output-keep 2 --output-socket "$sock" 2>"$WORK/sinks.stderr" &
	AGENT_PID[sinks]=$!
	# The socket exists before the hooks attach: wait for agent_start.
	wait_event sinks '.event == "agent_start"' 30 >/dev/null || return 1
	[[ $(stat -c %a "$sock") == 600 ]] || { log "socket mode $(stat -c %a "$sock")"; return 1; }
	/usr/bin/python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(20)
open(sys.argv[3], "w").close()  # connected: only later lines come to us
f = s.makefile()
with open(sys.argv[2], "w") as out:
    for line in f:
        out.write(line); out.flush()' "$sock" "$got" "$WORK/reader.ready" &
	reader=$!
	for _ in $(seq 1 200); do [[ -e $WORK/reader.ready ]] && break; sleep 0.05; done
	[[ -e $WORK/reader.ready ]] || { log "socket reader never connected"; return 1; }
	for i in $(seq 1 60); do unshare --uts true; done
	barrier_file() { jq -c 'select(.event == "ns_create")' "$got" 2>/dev/null | wc -l; }
	for _ in $(seq 1 200); do (($(barrier_file) >= 60)) && break; sleep 0.05; done
	n=$(barrier_file)
	kill "$reader" 2>/dev/null; wait "$reader" 2>/dev/null
	# Exit 0 and its agent_stop event, as every agent here.
	agent_stop sinks || return 1
	[[ $n -ge 60 ]] || { log "socket client got $n ns_create lines"; return 1; }
	[[ -e $file.1 && -e $file.2 && ! -e $file.3 ]] || { log "rotation: $(ls "$WORK" | grep rot)"; return 1; }
	for f in "$file" "$file.1" "$file.2"; do
		(($(stat -c %s "$f") <= 4096)) || { log "$f over 4K"; return 1; }
		jq -e . "$f" >/dev/null || { log "$f has a broken line"; return 1; }
	done
	[[ ! -e $sock ]] || { log "socket left behind"; return 1; }
}

# --- Bounded state: containers that end leave the agent (issue 12) ---------

# AGENT ID NS: a host-PID container registered through AGENT's hook, in
# Kubernetes namespace NS, that says it started; sets RUN_*.
run_hooked_via() {
	CTR_CONFIG_JQ=$(cri_bundle_jq "$3" "node-exporter-$RANDOM" "$WORK/$1.hook") \
		run_capture ctr_run_fg runc "$2" "$(kube_cg "$2")" hostpid -- echo started
}

# Five times --max-containers allowlisted containers start and end one after
# another: each starts and is allowed, and afterwards the registry, the
# kernel's tables and the cached metadata are back where they began.
t_churn_state_bounded() {
	local agent=churn max=${1:-8} n base warm end i id ev
	n=$((5 * max))
	write_hook_policy "$WORK/$agent.yaml" &&
		agent_start "$agent" --policy "$WORK/$agent.yaml" --max-containers $max --stats-interval 1 ||
		return 1
	base=$(wait_state "$agent" true) || return 1
	for ((i = 1; i <= n; i++)); do
		id=$(ctr_new_id)
		run_hooked_via "$agent" "$id" monitoring
		[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] ||
			{ log "start $i of $n: exit $RUN_RC: $RUN_OUT"; agent_stop "$agent"; return 1; }
		ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\"") &&
			expect_json "$ev" '.verdict == "allowed"' || { log "start $i of $n"; agent_stop "$agent"; return 1; }
		((i == max)) && warm=$(wait_state "$agent" true)
	done
	end=$(wait_state "$agent" ".state.forgotten >= $n and .state.registry == $(jq .registry <<<"$base") and
		.state.exempt_cgroups == $(jq .exempt_cgroups <<<"$base") and
		.state.flows == $(jq .flows <<<"$base") and .state.metadata == $(jq .metadata <<<"$base")") ||
		{ log "state never went back to $base"; agent_stop "$agent"; return 1; }
	agent_stop "$agent" || return 1
	log "state at start: $base"
	log "after $max starts: $warm"
	log "after $n starts: $end"
	[[ $(count_events "$agent" '.event == "exemption_failed" or .event == "map_full"') -eq 0 ]] ||
		{ log "a table filled up although every container ended"; return 1; }
	expect_json "$end" ".identities_lost == 0 and .removals_lost == 0 and
		.rss_kb <= $(jq .rss_kb <<<"$warm") + 4096"
}

# The tables full of running allowlisted containers: the next one is
# reported (exemption_failed), never exempted by mistake nor stopped
# silently; once one ends, the next one gets its place.
t_full_table_reported() {
	local agent=full max=4 ids=() i id r0 ev
	write_hook_policy "$WORK/$agent.yaml" &&
		agent_start "$agent" --policy "$WORK/$agent.yaml" --max-containers $max --stats-interval 1 ||
		return 1
	r0=$(wait_state "$agent" true | jq .registry) || return 1
	for ((i = r0; i < max; i++)); do
		id=$(ctr_new_id)
		CTR_CONFIG_JQ=$(cri_bundle_jq monitoring "node-exporter-$i" "$WORK/$agent.hook") \
			ctr_run runc "$id" "$(kube_cg "$id")" hostpid -- sleep 60 || { agent_stop "$agent"; return 1; }
		ids+=("$id")
	done
	id=$(ctr_new_id)
	run_hooked_via "$agent" "$id" monitoring
	ev=$(wait_event "$agent" ".event == \"exemption_failed\" and .container_id == \"$id\"") &&
		expect_json "$ev" '.allowed_ns == ["pid"] and (.reason | test("full"))' &&
		ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\"") &&
		expect_json "$ev" ".verdict == \"$(want_verdict)\"" && [[ $RUN_RC -ne 0 ]] ||
		{ log "over the limit: exit $RUN_RC"; for i in "${ids[@]}"; do ctr_rm runc "$i"; done; agent_stop "$agent"; return 1; }
	ctr_rm runc "${ids[0]}"
	id=$(ctr_new_id)
	wait_state "$agent" ".state.registry < $max" >/dev/null &&
		run_hooked_via "$agent" "$id" monitoring
	for i in "${ids[@]:1}"; do ctr_rm runc "$i"; done
	agent_stop "$agent" || return 1
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "after one ended: exit $RUN_RC $RUN_OUT"; return 1; }
}

run_production_suite() {
	check "policy: --check-policy, file:line:col errors, nothing loaded" t_check_policy
	start_hook_agent || return 1
	check "hook: allowlisted host-PID container starts, verdict allowed, metadata" \
		t_hook_allowlisted_starts
	check "hook: non-allowlisted host-PID container killed" t_hook_not_allowlisted_killed
	check "hook: 50 consecutive allowlisted starts, no race" t_hook_50_starts_no_race
	check "policy: SIGHUP reload, bad policy kept out, mode change refused" t_reload
	agent_stop hookagent || FAILED=$((FAILED + 1))
	check "state: 5x --max-containers allowlisted starts, state back at its start" \
		t_churn_state_bounded
	check "state: full tables: the next allowlisted container reported, then room again" \
		t_full_table_reported
	check "hook: agent absent fails open (reported later) or closed" t_hook_fail_open_then_reported
	check "policy: executable allowlist" t_exe_allowlist
	check "policy: start-up scan honours the allowlist" t_startup_scan_honours_policy
	check "metrics: Prometheus scrape" t_metrics_scrape
	check "sinks: unix socket stream and size rotation" t_sinks_socket_and_rotation
}
