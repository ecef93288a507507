# shellcheck shell=bash
#
# identity_cases.sh — a container task tries to shed its identity: it
# writes its own pid into another cgroup of the host's cgroupfs (bound
# read-write into the container, no cgroup namespace) and then reaches for
# the host IPC namespace. It must still be its own container: reported with
# its own container_id, stopped in enforce mode, never allowed by someone
# else's exemption. Plus: a host task's setns is untouched, an exec session
# entering a running container is that container, and a churning node's
# allowlisted containers keep starting while the agent's state stays bounded.
# Shared by the host runner (tests/evasion/run.sh, signal tier) and the VM
# job (tests/vm/enforce-job.sh, lsm tier). Needs what cases.sh needs.

# AGENT: the host path of the cgroup hierarchy the agent identifies containers by.
identity_root() { identity_cgroup_root "$1"; }

# CTR_CONFIG_JQ: the host helper's IPC namespace file at /hostipc.
hostipc_mount_jq() {
	printf '.mounts += [{"destination": "/hostipc", "type": "bind",
		"source": "/proc/%s/ns/ipc", "options": ["bind"]}]' "$HOST_HELPER"
}

# ROOT: that, and the host's hierarchy ROOT bound read-write at /hostcg.
escape_mounts_jq() {
	printf '%s | .mounts += [{"destination": "/hostcg", "type": "bind", "source": "%s",
		"options": ["rbind", "rw"]}]' "$(hostipc_mount_jq)" "$1"
}

# The cgroup (relative to the hierarchy's root) a container runs in: fixed
# by its ID, so another container can name it.
own_cgroup() { docker_cg "$1"; }

# The allowlisted executable (a copy of evade under its own name), so that
# `evade` itself stays a plain container program.
ALLOWED_EXE=/usr/local/bin/evade-allowlisted

# AGENT ID CGID: the container's setns into the host IPC namespace is on the
# record as its own and stopped, made from the cgroup CGID (the one it moved
# to); prints the event.
expect_moved_setns() {
	local ev
	ev=$(expect_setns_event "$1" "$2") || return 1
	expect_json "$ev" ".container_id == \"$2\" and .cgroup_id == $3 and
		.container_cgroup_id != .cgroup_id and .container_cgroup_id != null and
		(.cgroup | type) == \"string\"" || return 1
	printf '%s\n' "$ev"
}

# AGENT DEST: a container moves itself into the cgroup DEST (relative to the
# hierarchy's root; empty: the root), then setns()es into the host IPC
# namespace: stopped, and on the record as its own; prints the event.
moved_then_setns() {
	local agent=$1 dest=$2 root id
	root=$(identity_root "$agent") || return 1
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(escape_mounts_jq "$root") run_capture ctr_run_fg runc "$id" \
		"$(own_cgroup "$id")" caps,hostcgroup -- sh -c \
		"echo \$\$ >/hostcg$dest/cgroup.procs && exec $EVADE setns-path /hostipc ipc"
	expect_stopped "moved into ${dest:-the root cgroup}, then setns" || return 1
	expect_moved_setns "$agent" "$id" "$(stat -c %i "$root$dest")"
}

t_moved_to_root() {
	local ev
	ev=$(moved_then_setns "$1" "") && expect_json "$ev" '.cgroup == "/"'
}

# AGENT ALLOWLISTED_ID: into the cgroup of a running allowlisted container: not allowed.
t_moved_into_allowlisted() { moved_then_setns "$1" "$(own_cgroup "$2")" >/dev/null; }

# AGENT ID: the allowlisted container itself (waiting for /go in its root)
# does the same setns: allowed. Without this, "not allowed" proves nothing.
t_allowlisted_itself_allowed() {
	local agent=$1 id=$2 ev
	touch "$CTR_WORKDIR/bundles/$id/rootfs/go" || return 1
	ev=$(wait_event "$agent" ".event == \"setns\" and .container_id == \"$id\"") || return 1
	expect_json "$ev" '.verdict == "allowed" and .target.host == true'
}

# AGENT: a host-IPC container whose allowlisted entrypoint moves itself out
# and then execs another program: still that container, still stopped.
t_hostipc_moves_out_then_execs() {
	local agent=$1 root id ev
	root=$(identity_root "$agent") || return 1
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(escape_mounts_jq "$root") run_capture ctr_run_fg runc "$id" \
		"$(own_cgroup "$id")" hostipc,hostcgroup -- "$ALLOWED_EXE" exec-after-move /hostcg /bin/true
	expect_stopped "exec after leaving its cgroup" || return 1
	ev=$(wait_event "$agent" ".event == \"host_ns_exec\" and .container_id == \"$id\" and
		.exe == \"/bin/true\"") || return 1
	expect_json "$ev" ".verdict == \"$(want_verdict)\" and .cgroup_id == $(stat -c %i "$root")"
}

# AGENT: a nested runtime (Docker-in-Docker, kind): a container makes a
# container cgroup under its own and moves a task there. Deeper in its own
# subtree, the inner container's identity is taken — today's innermost-ID rule.
t_nested_container() {
	local agent=$1 root id inner ev
	root=$(identity_root "$agent") || return 1
	id=$(ctr_new_id)
	inner=$(ctr_new_id)
	CTR_CONFIG_JQ=$(escape_mounts_jq "$root") run_capture ctr_run_fg runc "$id" \
		"$(own_cgroup "$id")" caps,hostcgroup -- sh -c \
		"mkdir /hostcg$(own_cgroup "$id")/$inner &&
		 echo \$\$ >/hostcg$(own_cgroup "$id")/$inner/cgroup.procs &&
		 exec $EVADE setns-path /hostipc ipc"
	# The inner cgroup is the test's: gone with its parent, or removed here.
	rmdir "$root$(own_cgroup "$id")/$inner" "$root$(own_cgroup "$id")" 2>/dev/null
	expect_stopped "a task of a nested container" || return 1
	ev=$(expect_setns_event "$agent" "$inner") || return 1
	expect_json "$ev" '.container_cgroup_id == .cgroup_id and (has("cgroup") | not)'
}

# AGENT: a host task joins the host IPC namespace (from its own): untouched.
t_host_setns_untouched() {
	local agent=$1 pf=$WORK/host-setns.pid n
	run_recording_pid "$pf" nsenter --ipc=/proc/"$HOST_HELPER"/ns/ipc true ||
		{ log "a host task's nsenter failed"; return 1; }
	barrier "$agent" || return 1
	n=$(count_events "$agent" ".event == \"setns\" and .pid == $(cat "$pf")") || return 1
	[[ $n -eq 0 ]] || { log "$n events for a host task's setns"; return 1; }
}

# AGENT HOW: an exec session entering a running container is that
# container. HOW: runc or crun (their `exec`), or join: what they do, by
# hand — a host process writes itself into the container's cgroup, then acts
# (for guests where the runtimes' exec cannot run).
t_exec_session_identity() {
	local agent=$1 how=$2 rt=runc id ev root
	id=$(ctr_new_id)
	[[ $how == join ]] || rt=$how
	CTR_CONFIG_JQ=$(hostipc_mount_jq) ctr_run "$rt" "$id" "$(own_cgroup "$id")" caps -- sleep 60 ||
		return 1
	if [[ $how == join ]]; then
		root=$(identity_root "$agent") || { ctr_rm "$rt" "$id"; return 1; }
		run_capture sh -c 'echo $$ >"$1/cgroup.procs" && exec "$2" setns-path "$3" ipc' sh \
			"$root$(own_cgroup "$id")" "$HELPERS/evade" /proc/"$HOST_HELPER"/ns/ipc
	else
		run_capture ctr_exec "$rt" "$id" --caps -- "$EVADE" setns-path /hostipc ipc
	fi
	ctr_rm "$rt" "$id"
	expect_stopped "$how exec session's setns" || return 1
	ev=$(expect_setns_event "$agent" "$id") || return 1
	expect_json "$ev" '.container_cgroup_id == .cgroup_id and (has("cgroup") | not)'
}

write_identity_policy() {
	(umask 022 && cat >"$1") <<YAML
mode: enforce
namespaces:
  ipc: block
  pid: block
allow:
  - container_id: $2
    namespaces: [ipc]
  - executable: $ALLOWED_EXE
    namespaces: [ipc]
YAML
}

run_identity_suite() {
	local allowed policy=$WORK/identity.yaml agent=identity
	# The allowlisted container runs before the agent starts: the start-up
	# registration exempts it; it does its setns once told to (/go).
	cp "$HELPERS/evade" "$CTR_WORKDIR/rootfs$ALLOWED_EXE" || return 1
	allowed=$(ctr_new_id)
	CTR_CONFIG_JQ=$(hostipc_mount_jq) ctr_run runc "$allowed" "$(own_cgroup "$allowed")" caps -- \
		sh -c "until [ -e /go ]; do sleep 0.05; done; exec $EVADE setns-path /hostipc ipc" ||
		return 1
	write_identity_policy "$policy" "$allowed" || { ctr_rm runc "$allowed"; return 1; }
	agent_start "$agent" --policy "$policy" || { ctr_rm runc "$allowed"; return 1; }
	check "$ENFORCE_TIER identity: moved to the root cgroup, then setns" t_moved_to_root "$agent"
	check "$ENFORCE_TIER identity: moved into an allowlisted container's cgroup, then setns" \
		t_moved_into_allowlisted "$agent" "$allowed"
	check "$ENFORCE_TIER identity: the allowlisted container itself is allowed" \
		t_allowlisted_itself_allowed "$agent" "$allowed"
	check "$ENFORCE_TIER identity: host-IPC container leaves its cgroup, then execs" \
		t_hostipc_moves_out_then_execs "$agent"
	check "$ENFORCE_TIER identity: nested runtime: a task moved into an inner container is that one" \
		t_nested_container "$agent"
	check "$ENFORCE_TIER identity: a host task's setns is untouched" t_host_setns_untouched "$agent"
	check "$ENFORCE_TIER identity: an exec session is its container" \
		t_exec_session_identity "$agent" "${IDENTITY_EXEC_RUNTIME:-runc}"
	agent_stop "$agent" || FAILED=$((FAILED + 1))
	ctr_rm runc "$allowed"
	rm -f "$CTR_WORKDIR/rootfs$ALLOWED_EXE"
}
