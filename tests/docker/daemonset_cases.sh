# shellcheck shell=bash
#
# daemonset_cases.sh — the DaemonSet's pod spec run for real under the
# suite's dockerd: the image's runtime stage built from deploy/Dockerfile
# around the static binary (no base image to fetch), and `docker run`
# arguments derived from deploy/kubernetes/daemonset.yaml and its ConfigMap
# by daemonset_args.py (capabilities without privileged, hostPID, the
# volumes). Two writable hostPaths are the test's own (/var/log/nsguard,
# /run/nsguard); the ConfigMap's policy is switched to enforce mode.
# The host is made to look like a node: bpffs, tracefs and securityfs
# mounted, bpffs a shared mount (kubelet needs that for HostToContainer);
# what was changed is put back.

DS_IMAGE=nsguard-ds:test
DS_DIR=
DS_MOUNTED=()
DS_PRIVATE_BPF=0

# The runtime stage of deploy/Dockerfile, its COPY --from=<build> taking
# the static binary from the build context instead.
ds_dockerfile() {
	awk 'toupper($1) == "FROM" { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' \
		"$ROOT/deploy/Dockerfile" |
		sed -E 's#^COPY --from=[^ ]+ [^ ]+ ([^ ]+)$#COPY nsguard \1#'
}

ds_node_mounts() {
	local fs path
	while read -r fs path; do
		mountpoint -q "$path" && continue
		mount -t "$fs" "$fs" "$path" || return 1
		DS_MOUNTED+=("$path")
	done <<<$'bpf /sys/fs/bpf\ntracefs /sys/kernel/tracing\nsecurityfs /sys/kernel/security'
	if [[ $(findmnt -no PROPAGATION /sys/fs/bpf) == private ]]; then
		mount --make-shared /sys/fs/bpf && DS_PRIVATE_BPF=1
	fi
}

ds_prepare() {
	DS_DIR=$WORK/daemonset
	mkdir -p "$DS_DIR/image" || return 1
	make -s -C "$ROOT" static >"$DS_DIR/make.log" 2>&1 || { tail -5 "$DS_DIR/make.log" >&2; return 1; }
	cp "$ROOT/.output/static/nsguard" "$DS_DIR/image/nsguard" &&
		ds_dockerfile >"$DS_DIR/image/Dockerfile" || return 1
	grep -q '^FROM scratch' "$DS_DIR/image/Dockerfile" && grep -q '^COPY nsguard ' "$DS_DIR/image/Dockerfile" ||
		{ log "deploy/Dockerfile's runtime stage is not FROM scratch + COPY --from"; return 1; }
	docker build -q --network none -t "$DS_IMAGE" "$DS_DIR/image" >/dev/null || return 1
	ds_node_mounts || return 1
	python3 "$ROOT/tests/docker/daemonset_args.py" "$ROOT" "$DS_DIR" \
		/var/log/nsguard="$DS_DIR/log" /run/nsguard="$DS_DIR/run" >"$DS_DIR/args" || return 1
	sed -i -E 's/^( *)mode: audit$/\1mode: enforce/' "$DS_DIR/configmap/policy/policy.yaml"
	grep -qE '^ *mode: enforce$' "$DS_DIR/configmap/policy/policy.yaml" ||
		{ log "the ConfigMap's policy has no mode to switch"; return 1; }
}

ds_cleanup() {
	local p
	[[ -n $DS_DIR ]] || return 0
	docker rm -f nsguard-ds >/dev/null 2>&1
	"$NSGUARD" --cleanup >/dev/null 2>&1
	((DS_PRIVATE_BPF)) && mount --make-private /sys/fs/bpf
	for p in "${DS_MOUNTED[@]}"; do umount "$p"; done
	DS_MOUNTED=() DS_PRIVATE_BPF=0 DS_DIR=
}

# [DROP_CAP]: the pod as the manifest says (less DROP_CAP, to show it is
# needed), its feed as the test feed "ds"; sets DS_ID.
ds_run() {
	local drop=${1:-} args=() opts=() cargs=() i k
	mapfile -t args <"$DS_DIR/args"
	for ((i = 0; i < ${#args[@]}; i++)); do [[ ${args[i]} == -- ]] && break; done
	for ((k = 0; k < i; k++)); do
		if [[ ${args[k]} == --cap-add && ${args[k + 1]} == "$drop" ]]; then
			k=$((k + 1))
			continue
		fi
		opts+=("${args[k]}")
	done
	cargs=("${args[@]:i+1}")
	docker rm -f nsguard-ds >/dev/null 2>&1
	"$NSGUARD" --cleanup >/dev/null 2>&1
	rm -f "$DS_DIR/log/events.jsonl"*
	ln -sf "$DS_DIR/log/events.jsonl" "$WORK/ds.jsonl"
	DS_ID=$(docker run -d --name nsguard-ds "${opts[@]}" "$DS_IMAGE" "${cargs[@]}")
}

t_daemonset_runs() {
	local ev id pid rc=0 hostcg
	ds_run || return 1
	ev=$(wait_event ds '.event == "agent_start"' 30) ||
		{ docker logs nsguard-ds >&2; return 1; }
	# A host agent of this suite ran before: the pod must see the same hierarchy.
	hostcg=$(jq -r 'select(.event == "agent_start") | .cgroup_hierarchy' \
		"$WORK/$OP_AGENT.jsonl" 2>/dev/null | tail -1)
	expect_json "$ev" '.mode == "enforce" and .tier == "signal" and .pinned.path == "/sys/fs/bpf/nsguard"' ||
		rc=1
	[[ -z $hostcg ]] || expect_json "$ev" ".cgroup_hierarchy == \"$hostcg\"" ||
		{ log "the pod sees another cgroup hierarchy than a host agent"; rc=1; }
	# Stops a host-IPC container, lets a private one run.
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "/docker/$id" hostipc -- echo started
	[[ $RUN_RC -eq 137 && $RUN_OUT != *started* ]] || { log "host-IPC container: $RUN_RC $RUN_OUT"; rc=1; }
	wait_event ds ".event == \"host_ns_exec\" and .container_id == \"$id\" and .verdict == \"killed\"" \
		>/dev/null || rc=1
	run_capture docker run --rm "$IMAGE" echo private-ok
	[[ $RUN_RC -eq 0 && $RUN_OUT == *private-ok* ]] || { log "private: $RUN_RC $RUN_OUT"; rc=1; }
	# The liveness probe's endpoint answers in the pod's network namespace.
	pid=$(docker_pid nsguard-ds)
	ev=$(nsenter -t "$pid" -n curl -sf http://127.0.0.1:9500/metrics)
	grep -q '^nsguard_events_total' <<<"$ev" || { log "no /metrics on :9500 in the pod"; rc=1; }
	# An operator's `kubectl exec` into the pod (host PID): not stopped.
	run_capture docker exec nsguard-ds /nsguard scan --format jsonl
	[[ $RUN_RC -eq 0 || $RUN_RC -eq 1 ]] || { log "exec into the pod: exit $RUN_RC"; rc=1; }
	# The node's logrotate, with the snippet we ship, on the hostPath feed:
	# the pod follows the rename by itself, nothing torn on either side.
	sed "s|^/var/log/nsguard/events.jsonl {|$DS_DIR/log/events.jsonl {|" \
		"$ROOT/deploy/logrotate/nsguard" >"$DS_DIR/logrotate.conf"
	logrotate -f -s "$DS_DIR/logrotate.state" "$DS_DIR/logrotate.conf" || { log "logrotate failed"; rc=1; }
	[[ -s $DS_DIR/log/events.jsonl.1 ]] || { log "nothing rotated"; rc=1; }
	# Lines go on into the renamed file until the pod notices (within a
	# second): events until one reaches the new file, 15 s at most.
	local deadline=$((SECONDS + 15))
	until [[ -s $DS_DIR/log/events.jsonl ]] || ((SECONDS >= deadline)); do
		unshare --uts true
		sleep 0.1
	done
	barrier ds || { log "the pod did not follow the node's rotation"; rc=1; }
	for f in "$DS_DIR/log/events.jsonl" "$DS_DIR/log/events.jsonl.1"; do
		[[ $(jq -c . "$f" | wc -l) -eq $(wc -l <"$f") ]] || { log "$f: a line does not parse"; rc=1; }
	done
	# It never reports itself as a violation, nor stops itself.
	barrier ds || rc=1
	ev=$(cat "$DS_DIR/log/events.jsonl.1" "$WORK/ds.jsonl" |
		jq -c --arg id "$DS_ID" 'select(.container_id == $id and .verdict != "allowed")')
	[[ -z $ev ]] || { log "the agent reported its own pod: $ev"; rc=1; }
	[[ $(docker inspect --format '{{.State.Running}}' nsguard-ds) == true ]] || { log "the pod stopped"; rc=1; }
	docker stop -t 20 nsguard-ds >/dev/null || rc=1
	[[ $(docker inspect --format '{{.State.ExitCode}}' nsguard-ds) == 0 ]] || { log "exit status not 0"; rc=1; }
	wait_event ds '.event == "agent_stop"' 5 >/dev/null || rc=1
	# --pin: what it pinned outlives the pod until the next one adopts it.
	[[ -e /sys/fs/bpf/nsguard ]] || { log "the pod left nothing pinned"; rc=1; }
	"$NSGUARD" --cleanup >/dev/null || rc=1
	return $rc
}

# SYS_PTRACE: without it, a host-IPC container whose capabilities exceed the
# agent's is invisible to the start-up scan (/proc/PID/ns is ptrace-checked).
t_daemonset_needs_sys_ptrace() {
	local id n rc=0
	# --pin: the last pod's programs still enforce (by design); not here.
	"$NSGUARD" --cleanup >/dev/null 2>&1
	id=$(ctr_new_id)
	ctr_run runc "$id" "/docker/$id" hostipc -- sleep 120 || return 1
	ds_run SYS_PTRACE && wait_event ds '.event == "agent_start"' 30 >/dev/null && barrier ds || rc=1
	n=$(count_events ds ".event == \"host_ns_running\" and .container_id == \"$id\"")
	[[ $n -eq 0 ]] || { log "without SYS_PTRACE the scan still saw it: take SYS_PTRACE out"; rc=1; }
	ds_run && wait_event ds ".event == \"host_ns_running\" and .container_id == \"$id\"" 30 >/dev/null ||
		{ log "with SYS_PTRACE the scan missed it"; rc=1; }
	docker rm -f nsguard-ds >/dev/null
	ctr_rm runc "$id"
	return $rc
}

# SYS_ADMIN: without it the agent refuses to start, and says why.
t_daemonset_needs_sys_admin() {
	local out
	ds_run SYS_ADMIN || return 1
	docker wait nsguard-ds >"$DS_DIR/exit" 2>/dev/null
	out=$(docker logs nsguard-ds 2>&1)
	docker rm -f nsguard-ds >/dev/null
	[[ $(cat "$DS_DIR/exit") == 2 && $out == *"CAP_SYS_ADMIN"* ]] ||
		{ log "without SYS_ADMIN: exit $(cat "$DS_DIR/exit"): $out"; return 1; }
}

run_docker_daemonset_suite() {
	if ! ds_prepare; then
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("daemonset: image and pod spec")
		ds_cleanup
		return 1
	fi
	check "daemonset: the pod spec starts, stops a host-IPC container, never itself" t_daemonset_runs
	check "daemonset: SYS_PTRACE is needed (the start-up scan)" t_daemonset_needs_sys_ptrace
	check "daemonset: SYS_ADMIN is needed (the agent says so)" t_daemonset_needs_sys_admin
	ds_cleanup
}
