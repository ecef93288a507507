# shellcheck shell=bash
#
# wrapper_cases.sh — allowlisting on a Docker host. dockerd runs no OCI
# hooks; nsguard-runc, registered in daemon.json as the default runtime,
# adds nsguard's createRuntime hook to each bundle and execs runc, so the
# agent knows an allowlisted container before its first exec is judged.
# dockerd is restarted here with a config file (--config-file) that also
# moves its data root: the agent must find it there too.

WRAP_AGENT=dwrap

# FILE ON_UNREACHABLE: enforce, d-allowed by name and nsg-allowed:1 by image.
write_wrapper_policy() {
	cat >"$1" <<YAML
mode: enforce
namespaces:
  ipc: block
  pid: block
allow:
  - container_name: d-allowed
    namespaces: [ipc]
  - image: "nsg-allowed:1"
    namespaces: [ipc, pid]
hook:
  on_agent_unreachable: $2
YAML
	chmod 0644 "$1"
}

# A daemon.json as an operator writes it (deploy/docker/daemon.json), with
# this test's paths: the wrapper as the default runtime, the hook told where
# the test agent's socket is.
write_daemon_json() {
	local sock=$WORK/$WRAP_AGENT.hook
	jq -n --arg root "$WORK/docker/state2" --arg wrapper "$WRAPPER_BIN" --arg hook "$HOOK_BIN" \
		--arg sock "$sock" --arg policy "$WRAP_POLICY" '{
		"data-root": $root,
		"default-runtime": "nsguard",
		"runtimes": { "nsguard": { "path": $wrapper, "runtimeArgs": [
			"--nsguard-hook=\($hook)",
			"--nsguard-hook-arg=nsguard-oci-hook",
			"--nsguard-hook-arg=--socket", "--nsguard-hook-arg=\($sock)",
			"--nsguard-hook-arg=--policy", "--nsguard-hook-arg=\($policy)",
			"--nsguard-hook-arg=--timeout", "--nsguard-hook-arg=5",
			"--nsguard-policy=\($policy)" ] } }
	}' >"$1"
}

# NAME IMAGE FLAGS: docker run FLAGS --name NAME IMAGE echo started; sets RUN_*.
wrapped_run() {
	# shellcheck disable=SC2086
	run_capture docker run $3 --name "$1" "$2" echo started
}

# NAME IMAGE FLAGS WANT_NS: allowlisted: starts in enforce mode, verdict allowed.
t_wrapper_allowed() {
	local name=$1 image=$2 flags=$3 want=$4 id reg ev rc=0
	wrapped_run "$name" "$image" "$flags"
	[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "$name: exit $RUN_RC: $RUN_OUT"; rc=1; }
	id=$(docker_id "$name") || { docker rm -f "$name" >/dev/null 2>&1; return 1; }
	reg=$(wait_event "$WRAP_AGENT" ".event == \"container_registered\" and .container_id == \"$id\"") &&
		expect_json "$reg" ".container_name == \"$name\" and .image == \"$image\" and .cgroup == \"/docker/$id\"" ||
		rc=1
	ev=$(wait_event "$WRAP_AGENT" ".event == \"host_ns_exec\" and .container_id == \"$id\"") &&
		expect_json "$ev" ".verdict == \"allowed\" and .host_ns == $want and
			.container.name == \"$name\" and .container.image == \"$image\"" || rc=1
	docker rm -f "$name" >/dev/null
	return $rc
}

# Not allowlisted (another name, the same image): stopped as before.
t_wrapper_other_stopped() {
	local name=d-other-$RANDOM id ev rc=0
	wrapped_run "$name" "$IMAGE" --ipc=host
	[[ $RUN_RC -eq 137 && $RUN_OUT != *started* ]] || { log "$name: exit $RUN_RC: $RUN_OUT"; rc=1; }
	id=$(docker_id "$name") || return 1
	ev=$(wait_event "$WRAP_AGENT" ".event == \"host_ns_exec\" and .container_id == \"$id\"") &&
		expect_json "$ev" ".verdict == \"killed\" and .container.name == \"$name\"" || rc=1
	docker rm -f "$name" >/dev/null
	return $rc
}

# An allowlisted name with more than it is allowed (host PID too): stopped.
t_wrapper_allowed_only_its_types() {
	local id ev rc=0
	wrapped_run d-allowed "$IMAGE" "--ipc=host --pid=host"
	[[ $RUN_RC -eq 137 ]] || { log "d-allowed with --pid=host: exit $RUN_RC: $RUN_OUT"; rc=1; }
	id=$(docker_id d-allowed) || return 1
	ev=$(wait_event "$WRAP_AGENT" ".event == \"host_ns_exec\" and .container_id == \"$id\"") &&
		expect_json "$ev" '.verdict == "killed" and .host_ns == ["ipc","pid"]' || rc=1
	docker rm -f d-allowed >/dev/null
	return $rc
}

# N allowlisted starts in a row: every one allowed, none killed (no race
# between the first exec and the agent learning the container).
t_wrapper_no_race() {
	local n=$1 i killed allowed
	for ((i = 0; i < n; i++)); do
		wrapped_run d-allowed "$IMAGE" --ipc=host
		[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] ||
			{ log "start $i of $n: exit $RUN_RC: $RUN_OUT"; docker rm -f d-allowed >/dev/null; return 1; }
		docker rm -f d-allowed >/dev/null
	done
	barrier "$WRAP_AGENT" || return 1
	killed=$(count_events "$WRAP_AGENT" '.event == "host_ns_exec" and .verdict == "killed" and
		.container.name == "d-allowed" and .host_ns == ["ipc"]')
	allowed=$(count_events "$WRAP_AGENT" '.event == "host_ns_exec" and .verdict == "allowed" and
		.container.name == "d-allowed"')
	[[ $killed -eq 0 && $allowed -ge $n ]] || { log "$allowed allowed, $killed killed of $n"; return 1; }
}

# No agent: the hook cannot reach it. closed: the container does not start,
# and the user is told why; open: it starts (nothing enforces).
t_wrapper_no_agent() {
	local mode=$1 name=d-noagent-$RANDOM rc=0
	write_wrapper_policy "$WRAP_POLICY" "$mode"
	wrapped_run "$name" "$IMAGE" --ipc=host
	if [[ $mode == closed ]]; then
		[[ $RUN_RC -ne 0 && $RUN_OUT != *started* && $RUN_OUT == *nsguard* ]] ||
			{ log "closed: exit $RUN_RC: $RUN_OUT"; rc=1; }
		log "closed, what docker run says (exit $RUN_RC): $RUN_OUT"
	else
		[[ $RUN_RC -eq 0 && $RUN_OUT == *started* ]] || { log "open: exit $RUN_RC: $RUN_OUT"; rc=1; }
	fi
	docker rm -f "$name" >/dev/null 2>&1
	write_wrapper_policy "$WRAP_POLICY" open
	return $rc
}

# The wrapper leaves everything but create/run to runc: exec, ps, logs work.
t_wrapper_passthrough() {
	local name=d-pass-$RANDOM rc=0
	docker run -d --name "$name" "$IMAGE" sleep 300 >/dev/null || return 1
	run_capture docker exec "$name" echo exec-ok
	[[ $RUN_RC -eq 0 && $RUN_OUT == *exec-ok* ]] || { log "exec: $RUN_RC $RUN_OUT"; rc=1; }
	[[ $(docker inspect --format '{{.HostConfig.Runtime}}' "$name") == nsguard ]] ||
		{ log "$name does not run under the nsguard runtime"; rc=1; }
	docker top "$name" >/dev/null || rc=1
	docker rm -f "$name" >/dev/null
	return $rc
}

# The attack on the name lookup: a container runs a process that calls
# itself dockerd, with a data root of its own making that names a host-IPC
# victim "d-allowed" (the victim: a runc container in a Docker-style cgroup,
# through the hook, whose ID the real dockerd does not know). The agent must
# not believe the impostor: the victim is stopped, under no borrowed name.
t_fake_dockerd_lends_no_name() {
	local fake=d-fake-$RANDOM vid fpid n rc=0
	vid=$(ctr_new_id)
	docker run -d --name "$fake" "$IMAGE" sh -c "
		mkdir -p /evil/containers/$vid &&
		echo '{\"ID\":\"$vid\",\"Name\":\"/d-allowed\",\"Config\":{\"Image\":\"nsg-allowed:1\"}}' \
			>/evil/containers/$vid/config.v2.json &&
		printf '#!/bin/sh\nwhile :; do sleep 1; done\n' >/evil/dockerd && chmod +x /evil/dockerd &&
		exec /evil/dockerd --data-root /evil" >/dev/null || return 1
	fpid=$(docker_pid "$fake")
	for ((n = 0; n < 100; n++)); do
		[[ $(cat "/proc/$fpid/comm" 2>/dev/null) == dockerd ]] && break
		sleep 0.1
	done
	[[ $(cat "/proc/$fpid/comm" 2>/dev/null) == dockerd ]] || { log "the impostor never ran"; rc=1; }
	# The agent looks for dockerds again, as it does when one appears.
	kill -HUP "${AGENT_PID[$WRAP_AGENT]}"
	wait_event "$WRAP_AGENT" '.event == "policy_reloaded"' >/dev/null || rc=1
	CTR_CONFIG_JQ=".hooks.createRuntime = [{\"path\": \"$HOOK_BIN\",
		\"args\": [\"nsguard-oci-hook\", \"--socket\", \"$WORK/$WRAP_AGENT.hook\"]}]" \
		run_capture ctr_run_fg runc "$vid" "/docker/$vid" hostipc -- echo started
	[[ $RUN_RC -eq 137 && $RUN_OUT != *started* ]] ||
		{ log "victim beside the impostor: exit $RUN_RC: $RUN_OUT"; rc=1; }
	wait_event "$WRAP_AGENT" ".event == \"host_ns_exec\" and .container_id == \"$vid\" and
		.verdict == \"killed\"" >/dev/null || rc=1
	barrier "$WRAP_AGENT" || rc=1
	n=$(count_events "$WRAP_AGENT" ".container_id == \"$vid\" and (.container_name == \"d-allowed\" or
		.container.name == \"d-allowed\" or .verdict == \"allowed\")")
	[[ $n -eq 0 ]] || { log "the impostor's name reached $n events of the victim"; rc=1; }
	docker rm -f "$fake" >/dev/null
	return $rc
}

# MODE: a bundle whose config.json the wrapper cannot edit (a symlink, as a
# planted one would be). closed: one line naming the file, exit 1, runc never
# runs; open: one line of warning, runc runs the bundle untouched.
t_wrapper_bad_bundle() {
	local mode=$1 b=$WORK/badbundle rt=$WORK/fake-runc rc=0 out err
	rm -rf "$b" && mkdir -p "$b" && echo '{"ociVersion":"1.0.2"}' >"$b/real.json" &&
		ln -s real.json "$b/config.json" || return 1
	printf '#!/bin/sh\necho "runc ran: $*" >"%s/ran"\n' "$b" >"$rt" && chmod +x "$rt"
	write_wrapper_policy "$WRAP_POLICY" "$mode"
	err=$("$WRAPPER_BIN" --nsguard-runtime="$rt" --nsguard-policy="$WRAP_POLICY" \
		--root /run/x create --bundle "$b" ctr-1 2>&1 >/dev/null) || rc=$?
	write_wrapper_policy "$WRAP_POLICY" open
	[[ $(wc -l <<<"$err") -eq 1 && $err == *"$b/config.json: is a symbolic link"* ]] ||
		{ log "$mode: stderr: $err"; return 1; }
	if [[ $mode == closed ]]; then
		[[ $rc -eq 1 && ! -e $b/ran ]] || { log "closed: exit $rc, runc ran: $(cat "$b/ran" 2>&1)"; return 1; }
	else
		out=$(cat "$b/ran" 2>/dev/null)
		[[ $rc -eq 0 && $out == "runc ran: --root /run/x create --bundle $b ctr-1" ]] ||
			{ log "open: exit $rc, $out"; return 1; }
		[[ $(cat "$b/real.json") == '{"ociVersion":"1.0.2"}' ]] || { log "open: the file was changed"; return 1; }
	fi
}

run_docker_wrapper_suite() {
	WRAP_POLICY=$WORK/wrapper-policy.yaml
	write_wrapper_policy "$WRAP_POLICY" open
	write_daemon_json "$WORK/daemon.json"
	docker_stop
	docker_start "$WORK/docker" --config-file "$WORK/daemon.json" &&
		docker_import "$IMAGE" "$CTR_WORKDIR/rootfs" &&
		docker tag "$IMAGE" nsg-allowed:1 ||
		{ FAILED=$((FAILED + 1)); FAILED_NAMES+=("docker wrapper: dockerd with daemon.json"); return 1; }
	agent_start "$WRAP_AGENT" --policy "$WRAP_POLICY" || { FAILED=$((FAILED + 1)); return 1; }
	check "docker wrapper: allowlisted by name starts (enforce)" \
		t_wrapper_allowed d-allowed "$IMAGE" --ipc=host '["ipc"]'
	check "docker wrapper: allowlisted by image starts (enforce)" \
		t_wrapper_allowed "d-img-$RANDOM" nsg-allowed:1 "--ipc=host --pid=host" '["ipc","pid"]'
	check "docker wrapper: not allowlisted, stopped" t_wrapper_other_stopped
	check "docker wrapper: allowlisted name, a type it is not allowed, stopped" \
		t_wrapper_allowed_only_its_types
	check "docker wrapper: 10 allowlisted starts in a row, none killed" t_wrapper_no_race 10
	check "docker wrapper: exec, top, inspect pass through to runc" t_wrapper_passthrough
	check "docker wrapper: a fake dockerd in a container lends no allowlisted name" \
		t_fake_dockerd_lends_no_name
	agent_stop "$WRAP_AGENT" || FAILED=$((FAILED + 1))
	check "docker wrapper: no agent, on_agent_unreachable closed: not started" t_wrapper_no_agent closed
	check "docker wrapper: no agent, on_agent_unreachable open: starts" t_wrapper_no_agent open
	check "docker wrapper: config.json it cannot edit, closed: runc not run" t_wrapper_bad_bundle closed
	check "docker wrapper: config.json it cannot edit, open: runc runs it untouched" \
		t_wrapper_bad_bundle open
}
