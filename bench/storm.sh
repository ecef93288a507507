# shellcheck shell=bash
#
# storm.sh — the storms of nsguard's benchmark (docs/BENCHMARKS.md,
# "Storms"), shared by bench/run.sh (host) and bench/vm-job.sh (the lsm tier
# in the VM). Source it after tests/lib/containers.sh, call ctr_setup with
# `flood`, `pinrun` and other1..otherN (copies of flood) in CTR_EXTRA_BINS.
#
# One storm: a container floods setns() into the host IPC namespace with a
# fixed number of calls (or until the others are done, see storm_drive),
# pinned to one CPU, in one of two shapes:
#   a  one process repeating one violation
#   b  STORM_WORKERS processes renaming themselves (prctl) before every call
# While it runs, N other containers start with host IPC, one after another
# (crun); a follower (bench/tailstat.c) takes, for each of them, the time from
# its violation's kernel timestamp to the line's arrival in the sink, with a
# bounded wait. Afterwards storm_summary.py adds up what the sink said about
# the flood against the calls the flooder made.
#
# The caller provides, for the configuration under test:
#   FEED          the file it writes its events to
#   STORM_KIND    nsguard, bpftrace or auditd (what its lines look like), or
#                 none: no agent, the flood alone (the generator's own rate)
#   STORM_PIDS    the processes whose CPU is its CPU (agent; auditd + kauditd)
#   STORM_TARGET  a host IPC namespace file (a host helper's /proc/PID/ns/ipc)
#   STORM_CPU     the CPU the flood is pinned to (-1: not pinned)
#   TAILSTAT, PY, BENCH (the bench folder), and now_ns.

STORM_WORKERS=${STORM_WORKERS:-4}
# Seconds an other container's event may still take after the flood ended.
STORM_LATE_S=${STORM_LATE_S:-30}
# Seconds the sink must stay unchanged after the flood for it to be drained,
# and at most how long that may take.
STORM_QUIET_S=1.5
STORM_DRAIN_S=30
STORM_FOLLOWER=""
STORM_FLOOD=""
STORM_OTHERS_PID=""

storm_log() { printf 'storm: %s\n' "$*" >&2; }

# PID... -> CPU time of every thread of them, summed, in ns (schedstat:
# the clock-tick counters are too coarse for an agent that mostly sleeps).
storm_cpu_ns() {
	local p t s=0 run
	for p in "$@"; do
		for t in /proc/"$p"/task/*/schedstat; do
			read -r run _ <"$t" 2>/dev/null || continue
			s=$((s + run))
		done
	done
	echo "$s"
}

# Stops what a storm left running (the others' loop, the follower, the
# flood): safe from a trap, by PID and container ID only.
storm_stop_all() {
	if [[ -n $STORM_OTHERS_PID ]]; then
		kill "$STORM_OTHERS_PID" 2>/dev/null
		wait "$STORM_OTHERS_PID" 2>/dev/null
		STORM_OTHERS_PID=""
	fi
	if [[ -n $STORM_FOLLOWER ]]; then
		kill "$STORM_FOLLOWER" 2>/dev/null
		wait "$STORM_FOLLOWER" 2>/dev/null
		STORM_FOLLOWER=""
	fi
	if [[ -n $STORM_FLOOD ]]; then
		ctr_rm runc "$STORM_FLOOD"
		STORM_FLOOD=""
	fi
}

# PATH SECONDS: 0 once PATH exists; 1 after SECONDS.
storm_wait_file() {
	local path=$1 deadline=$((SECONDS + $2))
	until [[ -e $path ]]; do
		((SECONDS < deadline)) || return 1
		sleep 0.002
	done
}

# FILE REGEX SECONDS: 0 once a line of FILE matches; 1 after SECONDS.
storm_wait_line() {
	local deadline=$((SECONDS + $3))
	until grep -q "$2" "$1" 2>/dev/null; do
		((SECONDS < deadline)) || return 1
		sleep 0.01
	done
}

# K ID: the follower's key for other container K (ID its container ID): what
# identifies its line in this sink.
storm_key() {
	case $STORM_KIND in
	nsguard) printf '"container_id":"%s"' "$2" ;;
	bpftrace) printf 'comm=other%s ' "$1" ;;
	auditd) printf 'comm="other%s"' "$1" ;;
	esac
}

# DIR ID...: follows FEED for the other containers' lines, in the background.
storm_follow() {
	local dir=$1 k=0 id mode
	shift
	local args=()
	case $STORM_KIND in
	nsguard) mode=nsguard args=(-s '"event":"host_ns_exec"') ;;
	bpftrace) mode=mono args=(-s ' host_ns_exec ') ;;
	# Not the rules' CONFIG_CHANGE records: the exec's SYSCALL record.
	auditd) mode=audit args=(-s 'type=SYSCALL' -s 'key="nsother"') ;;
	esac
	for id in "$@"; do
		k=$((k + 1))
		args+=(-k "$(storm_key "$k" "$id")")
	done
	# A hard limit on top of the bench's own: the follower never outlives it.
	"$TAILSTAT" -m "$mode" "${args[@]}" -i 0 -t 3600000 \
		-o "$dir/follow.json" "$FEED" &
	STORM_FOLLOWER=$!
}

# N: auditd has no event of its own for a host-IPC container; an execve rule
# on each other container's binary (by inode: the bundles hard-link the
# rootfs) gives the line its start produces.
storm_audit_rules() {
	local k
	for ((k = 1; k <= $1; k++)); do
		auditctl -a always,exit -F arch=b64 -S execve \
			-F path="$CTR_WORKDIR/rootfs/usr/local/bin/other$k" -k nsother >/dev/null || return 1
	done
}

storm_audit_lost() { auditctl -s | awk '$1 == "lost" {print $2}'; }

# ID SHAPE CALLS: the flood, detached; the rootfs gets /storm-started when it
# begins and its stdout the flood's "calls=..." and pinrun's line at the end.
# Its namespaces are all its own; the host's IPC namespace file is bind
# mounted, so nothing but the setns calls is a violation.
storm_flood_start() {
	local id=$1 shape=$2 calls=$3
	local how=(1)
	[[ $shape == b ]] && how=("$STORM_WORKERS" rename)
	CTR_CONFIG_JQ=".mounts += [{\"destination\": \"/hostipc\", \"type\": \"bind\",
		\"source\": \"$STORM_TARGET\", \"options\": [\"bind\"]}]" \
		ctr_run runc "$id" "/nsguard-bench/$id" caps -- /usr/local/bin/pinrun "$STORM_CPU" \
		/storm-started /usr/local/bin/flood setns "$calls" /hostipc "${how[@]}"
}

# ID: the flood's host PID (pinrun's child; its workers' parent): auditd's
# records name the flood by it (ppid), not by container. Empty if not found.
storm_flood_pid() {
	local init deadline=$((SECONDS + 5)) pid
	init=$(runc state "$1" 2>/dev/null | jq -r .pid) || return 0
	while ((SECONDS < deadline)); do
		pid=$(pgrep -P "$init" | head -1)
		[[ -n $pid ]] && { echo "$pid"; return 0; }
		sleep 0.01
	done
}

# DIR N ID...: the other containers, one after another, each recorded as
# "K ID START_NS END_NS EXIT" in DIR/others.tsv. Under enforce they fail
# (blocked): the exit status is recorded, not judged here.
storm_others() {
	local dir=$1 n=$2 k=0 id t0 rc
	shift 2
	for id in "$@"; do
		k=$((k + 1))
		((k <= n)) || break
		t0=$(now_ns)
		rc=0
		ctr_run_fg crun "$id" "/nsguard-bench/$id" hostipc -- "/usr/local/bin/other$k" noop \
			>/dev/null 2>&1 || rc=$?
		printf '%s\t%s\t%s\t%s\t%s\n' "$k" "$id" "$t0" "$(now_ns)" "$rc" >>"$dir/others.tsv"
	done
}

# NAME: waits for the other containers (bounded: a runtime that hangs must
# not hang the bench; ctr_teardown removes what it left).
storm_others_end() {
	local deadline=$((SECONDS + 300))
	while kill -0 "$STORM_OTHERS_PID" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
	if kill -0 "$STORM_OTHERS_PID" 2>/dev/null; then
		storm_log "$1: the other containers did not finish within 300 s"
		kill "$STORM_OTHERS_PID" 2>/dev/null
		wait "$STORM_OTHERS_PID" 2>/dev/null
		STORM_OTHERS_PID=""
		return 1
	fi
	wait "$STORM_OTHERS_PID" 2>/dev/null
	STORM_OTHERS_PID=""
}

# The sink is drained once it has not grown for STORM_QUIET_S (bounded).
storm_drain() {
	local size last="" deadline=$((SECONDS + STORM_DRAIN_S))
	[[ $STORM_KIND == none ]] && return 0
	while ((SECONDS < deadline)); do
		size=$(stat -c %s "$FEED" 2>/dev/null || echo 0)
		[[ $size == "$last" ]] && return 0
		last=$size
		sleep "$STORM_QUIET_S"
	done
	return 1
}

# DIR NAME SHAPE CALLS NOTHERS: one storm against the running configuration.
# CALLS 0: the flood lasts until the other containers are done (under
# emulation they take seconds each), and says how many calls it made.
# DIR/meta gets what storm_summary.py needs besides the feed. Returns 1 when
# the storm could not run as planned (it says why); what it measured is kept.
storm_drive() {
	local dir=$1 name=$2 shape=$3 calls=$4 n=$5 fid k out=0 lost0="" deadline
	local ids=() c0 c1 c2 t0 t1 t2 cgid="" fpid=""
	mkdir -p "$dir" && : >"$dir/others.tsv" || return 1
	fid=$(ctr_new_id)
	for ((k = 1; k <= n; k++)); do ids+=("$(ctr_new_id)"); done
	if [[ $STORM_KIND == auditd ]]; then
		storm_audit_rules "$n" || { storm_log "$name: auditctl refused the execve rules"; return 1; }
		lost0=$(storm_audit_lost)
	fi
	[[ $STORM_KIND == none ]] || storm_follow "$dir" "${ids[@]}"
	storm_flood_start "$fid" "$shape" "$calls" || { storm_stop_all; return 1; }
	STORM_FLOOD=$fid
	if ! storm_wait_file "$CTR_WORKDIR/bundles/$fid/rootfs/storm-started" 30; then
		storm_log "$name: the flood did not start"
		storm_stop_all
		return 1
	fi
	# shellcheck disable=SC2086  # a PID list
	c0=$(storm_cpu_ns $STORM_PIDS) t0=$(now_ns)
	# The others start at once, in the background: the flood's end must be
	# seen when it happens (the CPU window), however long they take.
	storm_others "$dir" "$n" "${ids[@]}" &
	STORM_OTHERS_PID=$!
	cgid=$(ctr_cgroup_id "/nsguard-bench/$fid" 2>/dev/null)
	# Only auditd needs the flood's PID; auditd's floods last seconds.
	[[ $STORM_KIND == auditd ]] && fpid=$(storm_flood_pid "$fid")
	if [[ $calls == 0 ]]; then
		# Until the others are done: the flood checks for the file every
		# 1,024 calls and prints what it made.
		storm_others_end "$name" || out=1
		touch "$CTR_WORKDIR/bundles/$fid/rootfs/flood-stop"
	fi
	# Bounded: the slowest configuration (auditd) runs ~15,000 calls/s here.
	deadline=$((120 + calls / 2000))
	storm_wait_line "$CTR_WORKDIR/bundles/$fid/stdout" '^pinrun ' "$deadline" ||
		{ storm_log "$name: the flood did not end within $deadline s"; out=1; }
	# shellcheck disable=SC2086
	c1=$(storm_cpu_ns $STORM_PIDS) t1=$(now_ns)
	[[ $calls == 0 ]] || storm_others_end "$name" || out=1
	cp "$CTR_WORKDIR/bundles/$fid/stdout" "$dir/flood.out" 2>/dev/null
	cp "$CTR_WORKDIR/bundles/$fid/stderr" "$dir/flood.err" 2>/dev/null
	ctr_rm runc "$fid"
	STORM_FLOOD=""
	storm_drain || storm_log "$name: the sink was still growing after $STORM_DRAIN_S s"
	# shellcheck disable=SC2086
	c2=$(storm_cpu_ns $STORM_PIDS) t2=$(now_ns)
	storm_follow_end "$name"
	printf '%s\n' "flood_id=$fid" "flood_cgroup_id=$cgid" "cpu0=$c0" "cpu1=$c1" "cpu2=$c2" \
		"t0=$t0" "t1=$t1" "t2=$t2" "flood_pid=$fpid" \
		"audit_lost=$([[ -n $lost0 ]] && echo $(($(storm_audit_lost) - lost0)))" >"$dir/meta"
	return "$out"
}

# NAME: the follower stops by itself once every other container's line
# arrived; a late one gets STORM_LATE_S more, then the follower is stopped
# and the missing ones count as not reported.
storm_follow_end() {
	local deadline=$((SECONDS + STORM_LATE_S))
	[[ -n $STORM_FOLLOWER ]] || return 0
	while kill -0 "$STORM_FOLLOWER" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.05; done
	if kill -0 "$STORM_FOLLOWER" 2>/dev/null; then
		storm_log "$1: not every other container's event arrived within $STORM_LATE_S s"
	fi
	kill "$STORM_FOLLOWER" 2>/dev/null
	wait "$STORM_FOLLOWER" 2>/dev/null
	STORM_FOLLOWER=""
}

# DIR NAME CONFIG SHAPE CALLS [KEY=VALUE...]: after the configuration
# stopped (nsguard's last agent_stats is its final count), one JSON line.
storm_summarise() {
	local dir=$1 name=$2 cfg=$3 shape=$4 calls=$5
	shift 5
	"$PY" "$BENCH/storm_summary.py" "$dir" "$FEED" "name=$name" "config=$cfg" "kind=$STORM_KIND" \
		"shape=$shape" "planned_calls=$calls" "workers=$([[ $shape == b ]] && echo "$STORM_WORKERS" || echo 1)" "$@"
}
