# shellcheck shell=bash
# The feed through the node's faults, for real: a small tmpfs that fills
# up mid-stream, Debian's logrotate (`create`, with and without a signal,
# and `copytruncate`) run while events flow, and an agent killed with
# SIGKILL during a storm, then another appending to its file. Sourced by
# tests/integration/run.sh (lib.sh, containers.sh and production_cases.sh
# already loaded).
#
# The invariant the cases check is exact: every line parses; the agent's
# lines (all but feed_gap) are what it committed less what it lost (its
# last agent_stats: output.lines - output.lines_lost, plus that
# agent_stats and agent_stop); and the feed_gap lines add up to the lost.

# Mounts the tests made: unmounted at the end whatever happens.
FAULT_MOUNTS=()

fault_cleanup() {
	local m
	for m in "${FAULT_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null
	done
	FAULT_MOUNTS=()
}

# Events as fast as a shell makes them: a host `unshare --uts` is one ns_create.
gen_events() { # N
	local i
	for ((i = 0; i < $1; i++)); do unshare --uts true; done
}

# In the background until stopped (by PID): events flowing.
EVENTS_PID=
events_start() {
	{ while :; do unshare --uts true; done; } &
	EVENTS_PID=$!
}
events_stop() {
	[[ -n $EVENTS_PID ]] || return 0
	kill "$EVENTS_PID" 2>/dev/null
	wait "$EVENTS_PID" 2>/dev/null
	EVENTS_PID=
}

# FILE...: every line of every file is JSON and each file ends with a newline.
all_lines_parse() {
	local f n ok
	for f in "$@"; do
		[[ -s $f ]] || continue
		[[ $(tail -c1 "$f" | od -An -tx1 | tr -d ' ') == 0a ]] ||
			{ log "$f: the last line is unfinished: $(tail -c 80 "$f")"; return 1; }
		n=$(wc -l <"$f")
		ok=$(jq -c . "$f" 2>/dev/null | wc -l)
		[[ $n -eq $ok ]] || { log "$f: $((n - ok)) of $n lines do not parse"; return 1; }
	done
}

# FILE...: the agent's last agent_stats, wherever rotation put it.
last_stats() {
	cat "$@" | jq -cs '[.[] | select(.event == "agent_stats")] | max_by(.output.lines) // empty'
}

# FILE...: the accounting of an agent that stopped cleanly (see above).
# Prints "present lost told".
lines_accounted() {
	local last present lost told committed
	last=$(last_stats "$@")
	[[ -n $last ]] || { log "no agent_stats"; return 1; }
	committed=$(jq '.output.lines' <<<"$last")
	lost=$(jq '.output.lines_lost' <<<"$last")
	present=$(cat "$@" | jq -c 'select(.event != "feed_gap")' | wc -l)
	told=$(cat "$@" | jq -s '[.[] | select(.event == "feed_gap" and .cause == "write_failed") | .lost] | add // 0')
	# The last agent_stats and the agent_stop come after its count.
	[[ $present -eq $((committed - lost + 2)) ]] ||
		{ log "lines in the files: $present, committed $committed - lost $lost + 2"; return 1; }
	[[ $told -eq $lost ]] || { log "feed_gap told $told lost lines, the agent lost $lost"; return 1; }
	echo "$present $lost $told"
}

# PORT NAME: one sample of a running agent's metrics.
metric() {
	scrape "$1" | sed -n "s/^$2 \\([0-9][0-9]*\\)\$/\\1/p"
}

# A full disk mid-stream: nothing torn, the loss counted exactly and told
# once, writing resumes when space returns.
t_feed_disk_full() {
	local mnt=$WORK/small port=$((20000 + RANDOM % 20000)) deadline lost rc=0 acct
	mkdir -p "$mnt" && mount -t tmpfs -o size=256k,mode=0700 nsguard-test "$mnt" || return 1
	FAULT_MOUNTS+=("$mnt")
	ln -sf "$mnt/feed.jsonl" "$(feed full)"
	agent_start full --stats-interval 1 --coalesce-window 0 --container-rate 0 \
		--metrics-addr "127.0.0.1:$port" || { fault_cleanup; return 1; }
	gen_events 20
	barrier full || rc=1
	# Fill what is left, then make events the file cannot take.
	dd if=/dev/zero of="$mnt/filler" bs=4k 2>/dev/null
	gen_events 100
	deadline=$((SECONDS + 15))
	while lost=$(metric "$port" nsguard_feed_lines_lost_total); [[ ${lost:-0} -lt 100 ]]; do
		((SECONDS < deadline)) || { log "lines lost on a full disk: ${lost:-none} (want >= 100)"; rc=1; break; }
		sleep 0.1
	done
	rm -f "$mnt/filler"
	barrier full || { log "no event reached the file after space returned"; rc=1; }
	gen_events 20
	agent_stop full || rc=1
	all_lines_parse "$mnt/feed.jsonl" || rc=1
	acct=$(lines_accounted "$mnt/feed.jsonl") || rc=1
	log "lines present, lost, told: $acct"
	[[ $(count_events full '.event == "feed_gap" and .cause == "write_failed" and
		.error == "No space left on device"') -ge 1 ]] || { log "no feed_gap for ENOSPC"; rc=1; }
	fault_cleanup
	return $rc
}

# A line in FILE again, within 15 s: the agent follows the file it writes.
wait_lines() { # FILE
	local deadline=$((SECONDS + 15))
	until [[ -s $1 ]]; do
		((SECONDS < deadline)) || { log "$1: no line 15 s after the rotation"; return 1; }
		sleep 0.05
	done
}

# AGENT BODY: Debian's logrotate run three times on the agent's file while
# events flow; the agent's PID is in WORK/AGENT.pid for a postrotate script.
logrotate_while_flowing() {
	local name=$1 body=$2 f conf state i rc=0
	f=$(feed "$name")
	conf=$WORK/$name.logrotate
	state=$WORK/$name.logrotate.state
	printf '%s {\n%s\n}\n' "$f" "$body" >"$conf"
	agent_start "$name" --stats-interval 1 --coalesce-window 0 --container-rate 0 || return 1
	echo "${AGENT_PID[$name]}" >"$WORK/$name.pid"
	events_start
	for i in 1 2 3; do
		barrier "$name" || { rc=1; break; }
		logrotate -f -s "$state" "$conf" || { log "logrotate failed"; rc=1; break; }
		wait_lines "$f" || { rc=1; break; }
	done
	events_stop
	barrier "$name" || rc=1
	agent_stop "$name" || rc=1
	return $rc
}

# FILE: the output counters of its last agent_stats (the line before agent_stop).
final_output() { tail -n 2 "$1" | jq -cs '.[0].output'; }

t_logrotate_create() {
	local f rc=0 files
	logrotate_while_flowing rot_create 'rotate 5
	create 0600 root root' || return 1
	f=$(feed rot_create)
	files=("$f" "$f".[1-5])
	[[ ${#files[@]} -eq 4 ]] || { log "files after 3 rotations: ${files[*]}"; return 1; }
	all_lines_parse "${files[@]}" || rc=1
	lines_accounted "${files[@]}" >/dev/null || rc=1
	# No signal: the agent noticed each rename by itself.
	[[ $(final_output "$f" | jq .reopens) -ge 3 ]] || { log "output: $(final_output "$f")"; rc=1; }
	[[ $(stat -c %a "$f") == 600 ]] || { log "mode after rotation: $(stat -c %a "$f")"; rc=1; }
	return $rc
}

t_logrotate_sigusr1() {
	local f rc=0
	f=$(feed rot_usr1)
	logrotate_while_flowing rot_usr1 "rotate 5
	create 0600 root root
	postrotate
		kill -USR1 \$(cat $WORK/rot_usr1.pid)
	endscript" || return 1
	all_lines_parse "$f" "$f".[1-5] || rc=1
	lines_accounted "$f" "$f".[1-5] >/dev/null || rc=1
	[[ $(final_output "$f" | jq .reopens) -ge 3 ]] || { log "output: $(final_output "$f")"; rc=1; }
	! grep -q 'cannot open it again' "$WORK/rot_usr1.stderr" || rc=1
	return $rc
}

# Lines written between logrotate's copy and its truncate are in neither
# file: nothing is torn, and every cut is told where it happened.
t_logrotate_copytruncate() {
	local f rc=0 present last gaps
	logrotate_while_flowing rot_copy 'rotate 5
	copytruncate' || return 1
	f=$(feed rot_copy)
	all_lines_parse "$f" "$f".[1-5] || rc=1
	last=$(last_stats "$f" "$f".[1-5])
	present=$(cat "$f" "$f".[1-5] | jq -c 'select(.event != "feed_gap")' | wc -l)
	gaps=$(cat "$f" "$f".[1-5] | jq -c 'select(.event == "feed_gap" and .cause == "truncated" and
		.bytes > 0 and .lost == null)' | wc -l)
	[[ $gaps -eq 3 ]] || { log "truncations told: $gaps (3 rotations)"; rc=1; }
	[[ $present -le $(($(jq '.output.lines - .output.lines_lost' <<<"$last") + 2)) ]] ||
		{ log "more lines than committed"; rc=1; }
	return $rc
}

# SIGKILL during a storm, then a new agent appending: every line parses.
t_kill9_then_append() {
	local f rc=0 pid
	f=$(feed killed)
	agent_start killed --coalesce-window 0 --container-rate 0 || return 1
	pid=${AGENT_PID[killed]}
	events_start
	barrier killed || rc=1
	kill -KILL "$pid"
	wait "$pid" 2>/dev/null
	unset "AGENT_PID[killed]"
	events_stop
	# The next agent appends to the same file (agent_start would empty it).
	ln -sf "$f" "$(feed killed2)"
	"$NSGUARD" --output "$f" --stats-interval 0 --hook-socket "$WORK/killed2.hook" \
		2>"$WORK/killed2.stderr" &
	AGENT_PID[killed2]=$!
	wait_event killed2 ".event == \"agent_start\" and .pid == ${AGENT_PID[killed2]}" 30 >/dev/null || rc=1
	barrier killed2 || rc=1
	agent_stop killed2 || rc=1
	all_lines_parse "$f" || rc=1
	return $rc
}

run_feed_fault_suite() {
	check "feed: disk full mid-stream: whole lines, the loss told exactly, resumes" t_feed_disk_full
	check "feed: logrotate create, noticed without a signal: no line lost or torn" t_logrotate_create
	check "feed: logrotate create + postrotate SIGUSR1: no line lost or torn" t_logrotate_sigusr1
	check "feed: logrotate copytruncate: nothing torn, each cut told" t_logrotate_copytruncate
	check "feed: SIGKILL during a storm, a new agent appends: every line parses" t_kill9_then_append
	fault_cleanup
}
