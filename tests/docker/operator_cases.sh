# shellcheck shell=bash
#
# operator_cases.sh — what an operator sees: `nsguard scan` as a table, JSON
# and JSON lines with the containers' names; compliance controls in events
# and scan rows; no alert for a container start that shares nothing; audit
# mode saying what enforce mode would do; and the path from audit to
# enforce: `scan --suggest-policy` over real runc (Kubernetes annotations),
# podman and Docker containers, loaded in enforce mode. Runs after
# wrapper_cases.sh, on its dockerd (nsguard-runc is Docker's default runtime).

OP_AGENT=dwrap # the hook socket daemon.json and the bundles name
IPC_CONTROLS='["cis-docker-1.6.0:5.17","cis-docker-1.2.0:5.16","k8s-pss-baseline:host-namespaces"]'
PID_CONTROLS='["cis-docker-1.6.0:5.16","cis-docker-1.2.0:5.15","k8s-pss-baseline:host-namespaces"]'

# A jq filter for a runc bundle as containerd's CRI writes it, with the hook.
k8s_bundle_jq() { # NAMESPACE POD CONTAINER IMAGE
	cat <<JQ
.annotations = {
  "io.kubernetes.cri.container-type": "container",
  "io.kubernetes.cri.sandbox-namespace": $(jq -n --arg v "$1" '$v'),
  "io.kubernetes.cri.sandbox-name": $(jq -n --arg v "$2" '$v'),
  "io.kubernetes.cri.container-name": $(jq -n --arg v "$3" '$v'),
  "io.kubernetes.cri.image-name": $(jq -n --arg v "$4" '$v')
} | .hooks.createRuntime = [{"path": "$HOOK_BIN",
  "args": ["nsguard-oci-hook", "--socket", "$WORK/$OP_AGENT.hook"]}]
JQ
}

# podman with nsguard's hook in its hooks.d (deploy/hooks/nsguard.json, our paths).
podman_hooked() {
	local dir=$WORK/hooks.d
	if [[ ! -f $dir/nsguard.json ]]; then
		mkdir -p "$dir"
		jq --arg path "$HOOK_BIN" --arg sock "$WORK/$OP_AGENT.hook" \
			'.hook.path = $path | .hook.args = ["nsguard-oci-hook", "--socket", $sock]' \
			"$ROOT/deploy/hooks/nsguard.json" >"$dir/nsguard.json"
	fi
	_podman --hooks-dir "$dir" "$@"
}

scan() { "$NSGUARD" scan --storage-root "$CTR_WORKDIR/podman/root" "$@"; }

# --- nsguard scan --------------------------------------------------------------

# A terminal gets a table with the names; a pipe gets JSON; jsonl one a line.
t_scan_formats() {
	local name=d-scan-$RANDOM id out rc=0 n
	docker run -d --name "$name" --ipc=host "$IMAGE" sleep 300 >/dev/null || return 1
	id=$(docker_id "$name")
	out=$(script -qec "$NSGUARD scan" /dev/null | tr -d '\r')
	grep -qE '^CONTAINER +NAME +IMAGE +POD +RUNTIME +HOST NS +PROCS$' <<<"$out" ||
		{ log "no table header on a terminal:"; log "$out"; rc=1; }
	grep -qE "^${id:0:12} +$name +$IMAGE +- +docker +ipc +1$" <<<"$out" ||
		{ log "no row for $name:"; log "$out"; rc=1; }
	scan >"$WORK/scan.json"
	[[ $? -eq 1 ]] || { log "scan: exit status not 1 with a host-IPC container running"; rc=1; }
	out=$(jq -c --arg id "$id" '.containers[] | select(.container_id == $id)' "$WORK/scan.json") ||
		{ log "piped scan is not JSON"; rc=1; }
	expect_json "$out" ".container.name == \"$name\" and .container.image == \"$IMAGE\" and
		.container.runtime == \"docker\" and .host_ns == [\"ipc\"] and .controls == $IPC_CONTROLS" || rc=1
	scan --format jsonl >"$WORK/scan.jsonl"
	n=$(jq -c . "$WORK/scan.jsonl" | wc -l)
	[[ $n -ge 1 && $n -eq $(wc -l <"$WORK/scan.jsonl") && $n -eq $(jq '.containers | length' "$WORK/scan.json") ]] ||
		{ log "jsonl: $n objects in $(wc -l <"$WORK/scan.jsonl") lines; JSON: $(jq '.containers | length' "$WORK/scan.json")"; rc=1; }
	jq -e --arg id "$id" 'select(.container_id == $id) | .container.name' "$WORK/scan.jsonl" >/dev/null ||
		{ log "jsonl has no line for $name"; rc=1; }
	docker rm -f "$name" >/dev/null
	return $rc
}

# Names are the runtime's to choose: an escape sequence in one reaches the
# terminal as '?', never as a control byte; JSON escapes it.
t_scan_hostile_name() {
	local id out rc=0 evil=$'exp\e[2J\e[31mred\nline'
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(k8s_bundle_jq monitoring "evil-pod" "$evil" "img") \
		ctr_run runc "$id" "$(kube_cg "$id")" hostipc -- sleep 60 || return 1
	out=$(script -qec "$NSGUARD scan" /dev/null | tr -d '\r')
	if LC_ALL=C grep -q $'\e' <<<"$out"; then
		log "an escape byte reached the terminal"
		rc=1
	fi
	grep -qE "^${id:0:12} +exp\?\[2J\?\[31mred\?line +img +monitoring/evil-pod " <<<"$out" ||
		{ log "row not as expected:"; log "$out"; rc=1; }
	{ scan || true; } | jq -e --arg id "$id" --arg n "$evil" \
		'.containers[] | select(.container_id == $id) | .container.name == $n' >/dev/null ||
		{ log "JSON does not carry the name as it is"; rc=1; }
	ctr_rm runc "$id"
	return $rc
}

# --- events ---------------------------------------------------------------------

# AGENT: every violation names its controls; a start that shares nothing
# raises no alert (the runtime's own namespace creation is information).
t_controls_no_noise() {
	local agent=$1 a b ev rc=0 mark
	a=d-ctl-ipc-$RANDOM b=d-ctl-pid-$RANDOM
	docker run -d --name "$a" --ipc=host "$IMAGE" sleep 300 >/dev/null &&
		docker run -d --name "$b" --pid=host "$IMAGE" sleep 300 >/dev/null || rc=1
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container.name == \"$a\"") &&
		expect_json "$ev" ".controls == $IPC_CONTROLS" || rc=1
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container.name == \"$b\"") &&
		expect_json "$ev" ".controls == $PID_CONTROLS" || rc=1
	docker rm -f "$a" "$b" >/dev/null
	barrier "$agent" || rc=1
	mark=$(wc -l <"$(feed "$agent")")
	run_capture docker run --rm "$IMAGE" echo private
	[[ $RUN_RC -eq 0 ]] || rc=1
	barrier "$agent" || rc=1
	ev=$(tail -n +"$((mark + 1))" "$(feed "$agent")" | jq -c 'select(.verdict == "alert" or
		.severity == "violation")')
	[[ -z $ev ]] || { log "a private container's start raised: $ev"; rc=1; }
	ev=$(tail -n +"$((mark + 1))" "$(feed "$agent")" | jq -c 'select(.event == "ns_create")' | head -1)
	[[ -n $ev ]] && expect_json "$ev" '.verdict == "none" and .severity == "info" and
		(has("controls") | not)' || { log "no ns_create seen for the start"; rc=1; }
	return $rc
}

# AGENT: audit mode says what enforce mode would have done.
t_audit_enforce_verdict() {
	local agent=$1 a ev rc=0
	a=d-what-if-$RANDOM
	docker run -d --name "$a" --ipc=host "$IMAGE" sleep 300 >/dev/null || return 1
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container.name == \"$a\"") &&
		expect_json "$ev" '.verdict == "alert" and .enforce_verdict == "killed"' || rc=1
	docker rm -f "$a" >/dev/null
	# The allowlisted name: allowed either way.
	docker run -d --name d-allowed --ipc=host "$IMAGE" sleep 300 >/dev/null || return 1
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container.name == \"d-allowed\" and
		.verdict == \"allowed\"") && expect_json "$ev" '.enforce_verdict == "allowed"' || rc=1
	docker rm -f d-allowed >/dev/null
	return $rc
}

# --- from audit to enforce -----------------------------------------------------------

# Three workloads in host namespaces, as they run before enforcement: a
# DaemonSet-style pod (runc, CRI annotations, host PID), a podman container
# and a Docker container (host IPC), and a private one.
start_workloads() {
	SUG_RUNC=$(ctr_new_id)
	CTR_CONFIG_JQ=$(k8s_bundle_jq monitoring node-exporter-x2kqz node-exporter \
		quay.io/prometheus/node-exporter:v1.8.1) \
		ctr_run runc "$SUG_RUNC" "$(kube_cg "$SUG_RUNC")" hostpid -- sleep 300 &&
		_ctr_record "podman_ctr shm-podman" &&
		podman_hooked run -d --name shm-podman --ipc=host --network=none \
			--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$CTR_PODMAN_IMAGE" sleep 300 \
			>/dev/null &&
		docker run -d --name shm-cache --ipc=host "$IMAGE" sleep 300 >/dev/null &&
		docker run -d --name d-private "$IMAGE" sleep 300 >/dev/null
}

stop_workloads() {
	ctr_rm runc "$SUG_RUNC" 2>/dev/null
	_podman rm -f shm-podman >/dev/null 2>&1
	docker rm -f shm-cache d-private >/dev/null 2>&1
}

t_suggest_policy_round_trip() {
	local policy=$WORK/suggested.yaml id ev rc=0 n
	start_workloads || { stop_workloads; return 1; }
	scan --suggest-policy >"$policy" || { log "scan --suggest-policy failed"; rc=1; }
	cat "$policy" >&2
	"$NSGUARD" --check-policy "$policy" >/dev/null || rc=1
	n=$(grep -c '^  - ' "$policy")
	[[ $n -eq 3 ]] || { log "$n rules, want 3 (one per workload)"; rc=1; }
	grep -q '^    pod: "node-exporter-\*"$' "$policy" || { log "no pod pattern rule"; rc=1; }
	((rc == 0)) || { stop_workloads; return 1; }
	agent_start "$OP_AGENT" --policy "$policy" --storage-root "$CTR_WORKDIR/podman/root" ||
		{ stop_workloads; return 1; }
	# What runs now is allowed, and keeps running.
	for id in "$SUG_RUNC" "$(_podman inspect --format '{{.Id}}' shm-podman)" "$(docker_id shm-cache)"; do
		ev=$(wait_event "$OP_AGENT" ".event == \"host_ns_running\" and .container_id == \"$id\"") &&
			expect_json "$ev" '.verdict == "allowed"' || rc=1
	done
	barrier "$OP_AGENT" || rc=1
	[[ -n $(ctr_pid runc "$SUG_RUNC") && $(docker inspect --format '{{.State.Running}}' shm-cache) == true &&
		$(_podman inspect --format '{{.State.Running}}' shm-podman) == true ]] ||
		{ log "a running workload was stopped"; rc=1; }
	stop_workloads
	# The same workloads start again (a new replica, the same names): allowed.
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(k8s_bundle_jq monitoring node-exporter-b7k2m node-exporter \
		quay.io/prometheus/node-exporter:v1.8.1) \
		run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid -- echo started
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "new replica: $RUN_RC $RUN_OUT"; rc=1; }
	run_capture podman_hooked run --rm --name shm-podman --ipc=host --network=none \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$CTR_PODMAN_IMAGE" echo started
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "podman again: $RUN_RC $RUN_OUT"; rc=1; }
	run_capture docker run --rm --name shm-cache --ipc=host "$IMAGE" echo started
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "docker again: $RUN_RC $RUN_OUT"; rc=1; }
	# Anything else in a host namespace is stopped.
	run_capture docker run --rm --name intruder --ipc=host "$IMAGE" echo started
	[[ $RUN_RC -eq 137 ]] || { log "intruder (docker): $RUN_RC $RUN_OUT"; rc=1; }
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(k8s_bundle_jq default node-exporter-x2kqz node-exporter img) \
		run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid -- echo started
	[[ $RUN_RC -eq 137 ]] || { log "same pod name, other namespace: $RUN_RC $RUN_OUT"; rc=1; }
	run_capture podman_hooked run --rm --name other-podman --ipc=host --network=none \
		--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 "$CTR_PODMAN_IMAGE" echo started
	[[ $RUN_RC -ne 0 && $RUN_OUT != *started* ]] || { log "intruder (podman): $RUN_RC $RUN_OUT"; rc=1; }
	agent_stop "$OP_AGENT" || rc=1
	return $rc
}

run_docker_operator_suite() {
	podman_setup || { FAILED=$((FAILED + 1)); FAILED_NAMES+=("operator: podman setup"); return 1; }
	check "operator: scan is a table on a terminal, JSON in a pipe, jsonl" t_scan_formats
	check "operator: scan shows a hostile name safely" t_scan_hostile_name
	write_wrapper_policy "$WRAP_POLICY" open
	sed -i 's/^mode: enforce$/mode: audit/' "$WRAP_POLICY"
	# The hooks' socket: containers are registered before they run.
	agent_start "$OP_AGENT" --policy "$WRAP_POLICY" || { FAILED=$((FAILED + 1)); return 1; }
	check "operator: controls in violations; a private start raises no alert" \
		t_controls_no_noise "$OP_AGENT"
	check "operator: audit mode says what enforce mode would do" t_audit_enforce_verdict "$OP_AGENT"
	agent_stop "$OP_AGENT" || FAILED=$((FAILED + 1))
	check "operator: scan --suggest-policy, enforced: running workloads allowed, others stopped" \
		t_suggest_policy_round_trip
}
