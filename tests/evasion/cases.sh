# shellcheck shell=bash
#
# cases.sh — the evasion suite: ways a task in a container may try to reach
# the host IPC namespace past nsguard, each of which must be stopped the
# tier's way and reported. Shared by the host runner (tests/evasion/run.sh,
# signal tier) and the VM job (tests/vm/enforce-job.sh, lsm and signal).
#
# Needs: containers.sh, integration/lib.sh and lib/enforce_cases.sh sourced;
# ENFORCE_TIER, HOST_HELPER (a host process: its namespaces are the
# targets), HELPERS (the static helpers, `evade` among them, also in every
# container's /usr/local/bin), WORK, NSGUARD.

EVADE=/usr/local/bin/evade

# A child of the checked process was stopped: SIGKILLed (signal) or its
# syscall failed with EPERM (lsm). $1: what.
expect_child_stopped() {
	if [[ $ENFORCE_TIER == signal ]]; then
		[[ $RUN_OUT == *child=signal:9* ]] && return 0
		log "$1: want child=signal:9; exit $RUN_RC, output: $RUN_OUT"
		return 1
	fi
	[[ $RUN_OUT == *"errno=1 "* && $RUN_OUT != *setns=0* ]] && return 0
	log "$1: want an EPERM failure; exit $RUN_RC, output: $RUN_OUT"
	return 1
}

# AGENT ID: the container's setns into the host IPC ns is on the record as
# stopped; prints the event.
expect_setns_event() {
	local ev
	ev=$(wait_event "$1" ".event == \"setns\" and .container_id == \"$2\" and .target.host") ||
		return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\" and .target.type == \"ipc\" and
		.target.inum == $(stat -L -c %i /proc/"$HOST_HELPER"/ns/ipc)" || return 1
	printf '%s\n' "$ev"
}

# HOW NSOPTS CMD...: a container (host PID + CAP_SYS_ADMIN, so it can reach
# /proc/<host pid>/ns) runs CMD, whose setns into the host IPC ns must be
# stopped (HOW: self = the caller itself, child = a child it waits for).
t_setns_evasion() {
	local how=$1 nsopts=$2 id
	shift 2
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" "$nsopts" -- "$@"
	if [[ $how == child ]]; then
		expect_child_stopped "$*" || return 1
	else
		expect_stopped "$*" || return 1
	fi
	expect_setns_event evasion "$id" >/dev/null
}

# SCM_RIGHTS: a host process hands a host-IPC-ns fd to a container (no
# host PID ns, no /proc path: the fd alone) over a bind-mounted socket.
t_scm_rights() {
	local dir=$WORK/scm id sender rc=0
	mkdir -p "$dir" && chmod 0777 "$dir" || return 1
	"$HELPERS/evade" scm-send "$dir/sock" /proc/"$HOST_HELPER"/ns/ipc >"$WORK/scm.out" 2>&1 &
	sender=$!
	local deadline=$((SECONDS + 10))
	until grep -q listening "$WORK/scm.out" 2>/dev/null; do
		((SECONDS < deadline)) || { log "scm-send never listened"; kill "$sender"; return 1; }
		sleep 0.05
	done
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=".mounts += [{\"destination\": \"/scm\", \"type\": \"bind\", \"source\": \"$dir\",
		\"options\": [\"rbind\", \"rw\"]}]" \
		run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" caps -- "$EVADE" scm-recv /scm/sock
	wait "$sender" || rc=1
	[[ $rc -eq 0 ]] || { log "scm-send failed: $(cat "$WORK/scm.out")"; return 1; }
	expect_stopped "setns on an fd received over SCM_RIGHTS" || return 1
	expect_setns_event evasion "$id" >/dev/null
}

# comm with JSON-hostile and non-UTF-8 bytes reaches the feed escaped and
# exact: the line parses, comm_raw has the bytes.
t_hostile_comm() {
	local id ev
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid,caps -- \
		"$EVADE" comm-setns 225c0a7bff2dc328 /proc/"$HOST_HELPER"/ns/ipc
	expect_stopped "setns with a hostile comm" || return 1
	ev=$(expect_setns_event evasion "$id") || return 1
	expect_json "$ev" '.comm_raw == "225c0a7bff2dc328" and (.comm | startswith("\"\\\n{"))'
}

# The cgroup hierarchy that identifies containers, as the agent reports it.
identity_cgroup_root() {
	local h
	h=$(wait_event "$1" '.event == "agent_start"' | jq -r .cgroup_hierarchy) || return 1
	if [[ $h == v2 ]]; then
		_ctr_unified_root
	else
		echo "$CTR_CGROOT/${h#v1:}"
	fi
}

# A container's task moved into a cgroup nested under its own (as a
# container with a writable cgroupfs would do itself) is still that
# container: the walk goes up to the ID. The entrypoint waits for the move.
t_nested_cgroup() {
	local agent=evasion id root pid own nested deadline ev
	root=$(identity_cgroup_root "$agent") || return 1
	id=$(ctr_new_id)
	ctr_run runc "$id" "$(kube_cg "$id")" hostpid,caps -- sh -c \
		"until grep -q nested /proc/self/cgroup; do sleep 0.05; done;
		 exec $EVADE setns-path /proc/$HOST_HELPER/ns/ipc" || return 1
	pid=$(ctr_pid runc "$id") || { ctr_rm runc "$id"; return 1; }
	own=$(awk -F: -v h="$(wait_event "$agent" '.event == "agent_start"' | jq -r .cgroup_hierarchy)" '
		(h == "v2" && $1 == "0") || (h != "v2" && $2 ~ ("(^|,)" substr(h, 4) "(,|$)")) {print $3}' \
		/proc/"$pid"/cgroup)
	# An empty path would move the task to the root's "nested", out of its container.
	[[ -n $own ]] || { log "no cgroup of $pid in its hierarchy"; ctr_rm runc "$id"; return 1; }
	nested=$root$own/nested
	mkdir -p "$nested" && echo "$pid" >"$nested/cgroup.procs" || { ctr_rm runc "$id"; return 1; }
	deadline=$((SECONDS + 15))
	while [[ -e /proc/$pid ]] && ((SECONDS < deadline)); do sleep 0.05; done
	ev=$(expect_setns_event "$agent" "$id")
	rmdir "$nested" 2>/dev/null
	ctr_rm runc "$id"
	[[ -n $ev ]] || return 1
	expect_json "$ev" ".container_id == \"$id\""
}

# A host cgroup named like a container ID is judged a container: the name
# is the evidence (only host root can create one). A host shell moved into
# it: its own exec is runtime bootstrap (parent outside, same mount ns),
# the next exec is a container task in host namespaces and is stopped.
t_host_cgroup_named_like_container() {
	local root fake cg out ev
	root=$(identity_cgroup_root evasion) || return 1
	fake=$(ctr_new_id)
	cg=$root/nsguard-evasion/$fake
	mkdir -p "$cg" || return 1
	out=$(sh -c 'echo $$ >"$1/cgroup.procs" && /bin/true; echo "true-exit=$?"' sh "$cg" 2>&1)
	rmdir "$cg" "$root/nsguard-evasion" 2>/dev/null
	ev=$(wait_event evasion ".event == \"host_ns_exec\" and .container_id == \"$fake\"") ||
		{ log "output: $out"; return 1; }
	expect_json "$ev" ".verdict == \"$(want_verdict)\"" || return 1
	if [[ $ENFORCE_TIER == signal ]]; then
		[[ $out == *true-exit=137* ]] || { log "want SIGKILL: $out"; return 1; }
	else
		[[ $out == *true-exit=126* || ${out,,} == *"permission denied"* ||
			${out,,} == *"not permitted"* ]] || { log "want EPERM: $out"; return 1; }
	fi
}

# --- exec variants: an allowlisted executable runs in a host-IPC container
# and executes something else; the new program is judged on its own.

# CMD...: the exec after the allowlisted `evade` must be stopped.
t_exec_evasion() {
	local how=$1 id ev
	shift
	id=$(ctr_new_id)
	run_capture ctr_run_fg runc "$id" "$(kube_cg "$id")" hostipc -- "$EVADE" "$@"
	if [[ $how == child ]]; then
		expect_child_stopped "evade $*" || return 1
	else
		expect_stopped "evade $*" || return 1
	fi
	ev=$(wait_event evasion_exe ".event == \"host_ns_exec\" and .container_id == \"$id\" and
		.verdict == \"allowed\"") || { log "the allowlisted exec was not reported"; return 1; }
	ev=$(wait_event evasion_exe ".event == \"host_ns_exec\" and .container_id == \"$id\" and
		.verdict != \"allowed\"") || return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\" and .exe != \"$EVADE\"" || return 1
	printf '%s\n' "$ev" >"$WORK/exec-evasion.last"
}

# The exe path is under the container's control: hostile bytes in it reach
# the feed escaped, the exact bytes in exe_raw.
HOSTILE_NAME=$'x"\\\n\xff-'
t_hostile_exe() {
	local hex ev
	hex=$(printf '/usr/local/bin/%s' "$HOSTILE_NAME" | od -An -tx1 | tr -d ' \n')
	# config.json cannot carry the bytes: the path travels as hex.
	t_exec_evasion child clone3-exec "hex:$hex" || return 1
	ev=$(cat "$WORK/exec-evasion.last")
	# The line parsed (jq read it), the text is escaped, the bytes are exact.
	expect_json "$ev" ".exe_raw == \"$hex\" and (.exe | startswith(\"/usr/local/bin/x\"))"
}

write_exe_policy() {
	(umask 022 && cat >"$1") <<'YAML'
mode: enforce
namespaces:
  ipc: block
  pid: block
allow:
  - executable: /usr/local/bin/evade
    namespaces: [ipc]
YAML
}

run_evasion_suite() {
	local hp=/proc/$HOST_HELPER/ns/ipc
	# Host-PID containers must run: only IPC is blocked for the setns cases.
	agent_start evasion --mode enforce --block ipc || return 1
	check "$ENFORCE_TIER evasion: setns from a second thread" \
		t_setns_evasion self hostpid,caps "$EVADE" thread-setns "$hp"
	check "$ENFORCE_TIER evasion: host ns fd received over SCM_RIGHTS" t_scm_rights
	check "$ENFORCE_TIER evasion: /proc/<pid>/ns/ipc through a symlink" \
		t_setns_evasion self hostpid,caps sh -c "ln -sf $hp /tmp/l-\$\$ && exec $EVADE setns-path /tmp/l-\$\$"
	check "$ENFORCE_TIER evasion: /proc/<pid>/ns/ipc through a bind mount" \
		t_setns_evasion self hostpid,caps sh -c \
		"touch /tmp/b && mount -o bind $hp /tmp/b && exec $EVADE setns-path /tmp/b ipc"
	check "$ENFORCE_TIER evasion: pidfd with ipc,net,uts at once" \
		t_setns_evasion self hostpid,caps /usr/local/bin/pidfd_setns "$HOST_HELPER" ipc,net,uts
	check "$ENFORCE_TIER evasion: setns from a clone3 child" \
		t_setns_evasion child hostpid,caps "$EVADE" clone3-setns "$hp"
	check "$ENFORCE_TIER evasion: setns from PID 1 of a nested PID namespace" \
		t_setns_evasion child hostpid,caps "$EVADE" nested-pidns "$hp"
	check "$ENFORCE_TIER evasion: task moved into a nested cgroup" t_nested_cgroup
	check "$ENFORCE_TIER evasion: JSON-hostile, non-UTF-8 comm" t_hostile_comm
	check "$ENFORCE_TIER evasion: host cgroup named like a container ID" \
		t_host_cgroup_named_like_container
	agent_stop evasion || FAILED=$((FAILED + 1))

	write_exe_policy "$WORK/evasion-exe.yaml" || return 1
	cp "$HELPERS/evade" "$CTR_WORKDIR/rootfs/usr/local/bin/$HOSTILE_NAME" || return 1
	agent_start evasion_exe --policy "$WORK/evasion-exe.yaml" || return 1
	check "$ENFORCE_TIER evasion: exec through execveat" t_exec_evasion self execveat /bin/true
	check "$ENFORCE_TIER evasion: exec through execveat(AT_EMPTY_PATH)" \
		t_exec_evasion self execveat-empty /bin/true
	check "$ENFORCE_TIER evasion: exec through fexecve" t_exec_evasion self fexecve /bin/true
	check "$ENFORCE_TIER evasion: exec of a memfd" t_exec_evasion self memfd /bin/busybox true
	check "$ENFORCE_TIER evasion: exec in a clone3 child" t_exec_evasion child clone3-exec /bin/true
	check "$ENFORCE_TIER evasion: exec in a vfork child" t_exec_evasion child vfork-exec /bin/true
	check "$ENFORCE_TIER evasion: JSON-hostile, non-UTF-8 exe" t_hostile_exe
	agent_stop evasion_exe || FAILED=$((FAILED + 1))
	rm -f "$CTR_WORKDIR/rootfs/usr/local/bin/$HOSTILE_NAME"
}
