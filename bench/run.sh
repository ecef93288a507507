#!/usr/bin/env bash
# shellcheck disable=SC2317  # functions reached through traps and indirection
#
# bench/run.sh — nsguard's benchmark (`make bench`). Method: docs/BENCHMARKS.md.
#
# What costs what, as ratios to "no agent" measured in the same run:
#   micro   getppid, fork+exit, fork+exec /bin/true, setns into the own IPC ns,
#           unshare(CLONE_NEWIPC) — as a host task and inside a runc container —
#           and a full `runc run`; configurations interleaved round by round:
#           baseline (no agent), nsguard audit, nsguard enforce, bpftrace
#           (bench/nsguard.bt, same tracepoints), auditd (setns/unshare/clone rules)
#   storms  a container floods setns() into the host IPC ns (bench/storm.sh;
#           shape a: one process repeating one violation, b: several renaming
#           themselves) while other host-IPC containers start: were theirs
#           reported, how fast; the flood's delivered/coalesced/rate-limited/
#           dropped against its calls; agent CPU. Plus the issue's own
#           measurement (2,000,000 calls, 5 others, nsguard audit)
#   footprint  RSS, BPF program sizes, map memory, start -> hooks attached
#   vm      the micro-workloads in a QEMU VM on Debian's 6.1 kernel with BPF LSM
#           (nsguard's lsm tier): baseline, audit, enforce; and an enforce
#           storm there (denied setns retried in a loop, others blocked)
#   serializer  the feed's JSON serializer alone, events/s on one core, against
#           the previous Jansson path (bench/serializer.c)
# Writes results.md, results.json, overhead.png (and raw/, the measurements)
# to BENCH_OUT (default bench/).
#
# Environment:
#   BENCH_QUICK=1       fewer rounds and iterations (CI; a few minutes)
#   BENCH_ROUNDS=N      host rounds (default 6, quick 3)
#   BENCH_CONFIGS=LIST  subset of "baseline audit enforce bpftrace auditd"
#   BENCH_VM=0          skip the VM part; BENCH_VM_ROUNDS=N (default 6, quick 2)
#   BENCH_ARM64=0       skip the arm64 column (bench/arm64.sh); BENCH_ARM64_ROUNDS=N
#                       agent starts per mode (default 3, quick 1)
#   BENCH_MICRO=0       skip the micro-workloads
#   BENCH_STORM=0       skip the storms; BENCH_STORM_CALLS=N calls per storm
#                       (default 1000000, quick 300000); BENCH_STORM_OTHERS=N other
#                       containers per storm (default 5, quick 3); BENCH_QUOTE_CALLS=N
#                       for the issue's measurement (default 2000000, quick 500000);
#                       BENCH_VM_STORM_CALLS=N in the VM (default 0: until its other
#                       containers are done, which take seconds each under emulation);
#                       BENCH_VM_STORM=0 skips the VM storm
#   BENCH_SERIALIZER=0  skip the serializer micro-benchmark
#   NSGUARD=PATH        the agent (default ./nsguard, built by `make`)
#   BENCH_OUT=DIR       output folder (default bench/)
#   BENCH_KEEP=1        keep the work folder (raw data, feeds) and print its path
#
# Everything started here is stopped by PID on exit; audit rules, the audit
# enable flag and kernel.bpf_stats_enabled are restored; containers removed.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BENCH=$ROOT/bench
QUICK=${BENCH_QUICK:-0}
if [[ $QUICK == 1 ]]; then
	ROUNDS=${BENCH_ROUNDS:-3}
	VM_ROUNDS=${BENCH_VM_ROUNDS:-2}
	ARM64_ROUNDS=${BENCH_ARM64_ROUNDS:-1}
	STORM_CALLS=${BENCH_STORM_CALLS:-300000}
	STORM_OTHERS=${BENCH_STORM_OTHERS:-3}
	QUOTE_CALLS=${BENCH_QUOTE_CALLS:-500000}
	VM_STORM_CALLS=${BENCH_VM_STORM_CALLS:-0}
	# Iterations per cell: host task / container / runc runs.
	HOST_COUNTS="getppid:300000 fork:300 exec:80 setns:150000 unshare:3000"
	CTR_COUNTS="getppid:300000 fork:300 exec:80 setns:20000 unshare:2000"
	RUNC_COUNT=3
	VM_COUNTS="getppid:100000 fork:100 exec:40 setns:20000 unshare:400"
else
	ROUNDS=${BENCH_ROUNDS:-6}
	VM_ROUNDS=${BENCH_VM_ROUNDS:-6}
	ARM64_ROUNDS=${BENCH_ARM64_ROUNDS:-3}
	STORM_CALLS=${BENCH_STORM_CALLS:-1000000}
	STORM_OTHERS=${BENCH_STORM_OTHERS:-5}
	QUOTE_CALLS=${BENCH_QUOTE_CALLS:-2000000}
	VM_STORM_CALLS=${BENCH_VM_STORM_CALLS:-0}
	HOST_COUNTS="getppid:1000000 fork:1000 exec:250 setns:500000 unshare:10000"
	CTR_COUNTS="getppid:1000000 fork:1000 exec:250 setns:50000 unshare:5000"
	RUNC_COUNT=8
	VM_COUNTS="getppid:200000 fork:200 exec:60 setns:50000 unshare:400"
fi
read -ra CONFIGS <<<"${BENCH_CONFIGS:-baseline audit enforce bpftrace auditd}"
NSGUARD=${NSGUARD:-$ROOT/nsguard}
OUT=${BENCH_OUT:-$BENCH}
PY=/usr/bin/python3
CPU=1 # workloads and the storms' floods are pinned here; agents are left to the scheduler
REPS=5 # each cell's iterations run as REPS timed runs; the fastest counts

WORK=$(mktemp -d /tmp/nsguard-bench.XXXXXX)
RAW=$WORK/raw
mkdir -p "$RAW" "$WORK/bin"
T_START=$SECONDS

log() { printf 'bench: %s\n' "$*" >&2; }
now_ns() { date +%s%N; }
note() { printf '%s\n' "$*" >>"$RAW/notes.txt"; log "note: $*"; }

# shellcheck source=bench/storm.sh
source "$BENCH/storm.sh"

# --- cleanup ----------------------------------------------------------------

AGENT_PID=""      # nsguard, bpftrace or auditd of the running configuration
AGENT_KIND=""
HELPER_PID=""
TICK_CG=""        # cgroup (v2) of the attach probe (start_ticker), a host task
TICK_PID=""
AUDIT_TOUCHED=0   # 1 once audit rules or the enable flag were changed
AUDIT_SAVED_RULES=$WORK/audit-rules.saved
AUDIT_SAVED_ENABLED=""
BPF_STATS_SAVED=$(cat /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || echo "")

stop_agent() {
	local pid=$AGENT_PID sig=TERM
	[[ -n $pid ]] || return 0
	[[ $AGENT_KIND == bpftrace ]] && sig=INT
	kill -"$sig" "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	AGENT_PID="" AGENT_KIND=""
}

audit_restore() {
	[[ $AUDIT_TOUCHED == 1 ]] || return 0
	auditctl -D >/dev/null 2>&1
	if [[ -s $AUDIT_SAVED_RULES ]]; then
		auditctl -R "$AUDIT_SAVED_RULES" >/dev/null 2>&1 || log "could not restore audit rules"
	fi
	[[ -n $AUDIT_SAVED_ENABLED ]] && auditctl -e "$AUDIT_SAVED_ENABLED" >/dev/null 2>&1
	AUDIT_TOUCHED=0
}

cleanup() {
	storm_stop_all
	stop_agent
	audit_restore
	[[ -n $BPF_STATS_SAVED ]] && echo "$BPF_STATS_SAVED" >/proc/sys/kernel/bpf_stats_enabled 2>/dev/null
	stop_ticker
	[[ -n $HELPER_PID ]] && kill "$HELPER_PID" 2>/dev/null && wait "$HELPER_PID" 2>/dev/null
	[[ -n $TICK_CG ]] && rmdir "$TICK_CG" 2>/dev/null
	ctr_teardown
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		log "work folder kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- preparation ------------------------------------------------------------

[[ $(id -u) -eq 0 ]] || { log "run as root (BPF, audit, containers)"; exit 1; }
[[ -x $NSGUARD ]] || { log "no agent at $NSGUARD: run make first"; exit 1; }
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"

# The storms' other containers run other1..otherN: copies of flood (`noop`),
# one name each, because bpftrace and auditd know them by comm only.
OTHERS_MAX=5
build() {
	local k
	gcc -static -O2 -Wall -Wextra -Werror -o "$WORK/bin/workloads" "$BENCH/workloads.c" &&
		gcc -static -O2 -Wall -Wextra -Werror -o "$WORK/bin/pinrun" "$BENCH/pinrun.c" &&
		gcc -O2 -Wall -Wextra -Werror -o "$WORK/bin/tailstat" "$BENCH/tailstat.c" &&
		"$ROOT/tests/helpers/build.sh" "$WORK/helpers" >/dev/null || return 1
	((STORM_OTHERS > OTHERS_MAX)) && OTHERS_MAX=$STORM_OTHERS
	for ((k = 1; k <= OTHERS_MAX; k++)); do
		cp "$WORK/helpers/flood" "$WORK/bin/other$k" || return 1
	done
}
build || { log "cannot build bench/*.c or tests/helpers"; exit 1; }
WL=$WORK/bin/workloads
cp "$WL" "$WORK/bin/wlmix"
TAILSTAT=$WORK/bin/tailstat

available() { # CONFIG -> 0 if it can run here; else records why
	case $1 in
	baseline | audit | enforce) return 0 ;;
	bpftrace)
		command -v bpftrace >/dev/null && return 0
		note "bpftrace: not installed (apt-get install bpftrace); configuration skipped"
		;;
	auditd)
		if ! command -v auditd >/dev/null || ! command -v auditctl >/dev/null; then
			note "auditd: not installed (apt-get install auditd); configuration skipped"
		elif ! auditctl -s >/dev/null 2>&1; then
			note "auditd: the kernel's audit is not usable here ($(auditctl -s 2>&1 | head -1)); configuration skipped"
		elif [[ $(auditctl -s | awk '$1 == "enabled" {print $2}') == 2 ]]; then
			note "auditd: audit configuration is locked (enabled 2); configuration skipped"
		elif [[ $(auditctl -s | awk '$1 == "pid" {print $2}') != 0 ]]; then
			note "auditd: an audit daemon is already running; configuration skipped, its rules untouched"
		else
			return 0
		fi
		;;
	*) note "unknown configuration $1 ignored" ;;
	esac
	return 1
}
RUN_CONFIGS=()
for c in "${CONFIGS[@]}"; do available "$c" && RUN_CONFIGS+=("$c"); done
printf '%s\n' "${RUN_CONFIGS[@]}" >"$RAW/configs.txt"
HAVE_AUDITD=0
[[ " ${RUN_CONFIGS[*]} " == *" auditd "* ]] && HAVE_AUDITD=1

# Once audit has been enabled on a kernel, every task created afterwards gets
# an audit context and takes the syscall slow path, until reboot, unless a
# "never,task" rule exists. So that the other configurations (the baseline
# above all) run as on a node without audit, they run with exactly that rule.
audit_prepare() {
	[[ $HAVE_AUDITD == 1 ]] || return 0
	auditctl -l 2>/dev/null | grep -v '^No rules' >"$AUDIT_SAVED_RULES"
	AUDIT_SAVED_ENABLED=$(auditctl -s | awk '$1 == "enabled" {print $2}')
	AUDIT_TOUCHED=1
	audit_quiet
}
audit_quiet() {
	[[ $AUDIT_TOUCHED == 1 ]] || return 0
	auditctl -D >/dev/null && auditctl -a never,task >/dev/null && auditctl -e 0 >/dev/null
}

machine_info() { "$PY" "$BENCH/machine.py" "$RAW/machine.json" "$NSGUARD"; }


# --- configurations -----------------------------------------------------------

ROOT_CGID=""
AUDIT_DIR=$WORK/audit

write_audit_conf() {
	mkdir -p "$AUDIT_DIR/plugins.d"
	# Debian's defaults (ENRICHED, INCREMENTAL_ASYNC every 50 records), our own
	# log file, and no action that could stop the machine on a full disk.
	cat >"$AUDIT_DIR/auditd.conf" <<EOF
local_events = yes
write_logs = yes
log_file = $AUDIT_DIR/audit.log
log_group = root
log_format = ENRICHED
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 8192
num_logs = 1
max_log_file_action = IGNORE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = SYSLOG
priority_boost = 4
name_format = NONE
plugin_dir = $AUDIT_DIR/plugins.d
EOF
	chmod 0640 "$AUDIT_DIR/auditd.conf"
	# The namespace syscalls, with the CLONE_NEW* mask where the flags are a0
	# (clone3 passes a struct: every clone3 is logged).
	cat >"$AUDIT_DIR/nsbench.rules" <<'EOF'
-b 8192
-a always,exit -F arch=b64 -S setns -k nsbench
-a always,exit -F arch=b64 -S unshare -F a0&0x7E020080 -k nsbench
-a always,exit -F arch=b64 -S clone -F a0&0x7E020080 -k nsbench
-a always,exit -F arch=b64 -S clone3 -k nsbench
EOF
}

# Where the running configuration writes its events (feed), for the storm.
FEED=""
AGENT_ERR=/dev/null
STARTUP_MS=""

# Attach probe: unshare(CLONE_NEWIPC) every millisecond, which every
# configuration reports (nsguard ns_create, bpftrace ns_create, auditd's
# unshare rule). Its first event in the feed marks the hooks as live.
start_ticker() {
	"$WL" -g "$TICK_CG" -s 1000 unshare:10000000 >/dev/null 2>&1 &
	TICK_PID=$!
}
stop_ticker() {
	[[ -n $TICK_PID ]] || return 0
	kill "$TICK_PID" 2>/dev/null
	wait "$TICK_PID" 2>/dev/null
	TICK_PID=""
}

# CFG: 0 once the feed has an event from the attach probe.
ticker_seen() {
	case $1 in
	audit | enforce) grep -q '"event":"ns_create".*"comm":"workloads"' "$FEED" ;;
	bpftrace) grep -q ' ns_create syscall=unshare .*comm=workloads ' "$FEED" ;;
	auditd) grep -q 'syscall=272 .*comm="workloads"' "$FEED" ;;
	esac 2>/dev/null
}

# CONFIG TAG [AGENT ARGS...]: starts a configuration and waits until it
# reports (agent_start, bpftrace's BEGIN, auditd's rules loaded) and its
# hooks deliver the attach probe's events. startup.tsv gets
# "host CONFIG TAG MS_TO_EVENTS RSS_KB MS_TO_READY_LINE".
start_config() {
	local cfg=$1 tag=$2 t0 deadline ready="" ready_ms=""
	shift 2
	FEED=$WORK/feed-$cfg-$tag
	AGENT_ERR=$WORK/stderr-$cfg-$tag
	rm -f "$FEED"
	[[ $cfg == baseline ]] && return 0
	# Only tasks created after audit rules exist are audited: auditd's
	# probe starts once its rules are in.
	[[ $cfg == auditd ]] || start_ticker
	t0=$(now_ns)
	case $cfg in
	audit | enforce)
		"$NSGUARD" --mode "$cfg" --no-hook --no-startup-scan --stats-interval 0 \
			--output "$FEED" "$@" 2>"$AGENT_ERR" &
		AGENT_PID=$! AGENT_KIND=nsguard ready='"agent_start"'
		;;
	bpftrace)
		bpftrace -B line -o "$FEED" "$BENCH/nsguard.bt" "$ROOT_CGID" 2>"$AGENT_ERR" &
		AGENT_PID=$! AGENT_KIND=bpftrace ready='^ready '
		;;
	auditd)
		: >"$AUDIT_DIR/audit.log"
		auditctl -D >/dev/null
		auditd -n -c "$AUDIT_DIR" 2>"$AGENT_ERR" &
		AGENT_PID=$! AGENT_KIND=auditd
		FEED=$AUDIT_DIR/audit.log
		;;
	esac
	deadline=$((SECONDS + 240))
	while :; do
		if [[ -z $ready_ms ]]; then
			if [[ $AGENT_KIND == auditd ]]; then
				[[ $(auditctl -s | awk '$1 == "pid" {print $2}') == "$AGENT_PID" ]] &&
					auditctl -R "$AUDIT_DIR/nsbench.rules" >/dev/null 2>>"$AGENT_ERR" &&
					auditctl -e 1 >/dev/null && ready_ms=$((($(now_ns) - t0) / 1000000)) &&
					start_ticker
			elif grep -qE "$ready" "$FEED" 2>/dev/null; then
				ready_ms=$((($(now_ns) - t0) / 1000000))
			fi
		fi
		[[ -n $ready_ms ]] && ticker_seen "$cfg" && break
		if ((SECONDS > deadline)) || ! kill -0 "$AGENT_PID" 2>/dev/null; then
			log "$cfg did not start:"
			cat "$AGENT_ERR" >&2
			stop_ticker
			stop_config "$cfg"
			return 1
		fi
		sleep 0.002
	done
	STARTUP_MS=$((($(now_ns) - t0) / 1000000))
	stop_ticker
	printf 'host\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$tag" "$STARTUP_MS" \
		"$(awk '/^VmRSS/ {print $2}' "/proc/$AGENT_PID/status")" "$ready_ms" >>"$RAW/startup.tsv"
}

stop_config() {
	local cfg=$1
	stop_agent
	[[ $cfg == auditd ]] && audit_quiet
	return 0
}

# --- micro-workloads ------------------------------------------------------------

RUNC_ID=""
RUNC_BUNDLE=""

prepare_runc() {
	RUNC_ID=$(ctr_new_id)
	# A reusable bundle: `runc run` deletes the container when it exits.
	_ctr_make_bundle runc "$RUNC_ID" "/nsguard-bench/$RUNC_ID" "" -- /bin/true || return 1
	RUNC_BUNDLE=$CTR_WORKDIR/bundles/$RUNC_ID
	BENCH_RUNC_BUNDLE=$RUNC_BUNDLE BENCH_RUNC_ID=$RUNC_ID "$WL" runc:1 >/dev/null
}

# SCOPE CFG ROUND CONTEXT < workloads' lines -> micro.tsv
# (scope cfg round context workload wall_ns cpu_ns)
record() {
	awk -v s="$1" -v c="$2" -v r="$3" -v x="$4" 'NF == 4 {
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s, c, r, x, $1, $3, $4 }' >>"$RAW/micro.tsv"
}

proc_cpu_ticks() { # PID... -> utime+stime summed (clock ticks)
	local p s=0
	for p in "$@"; do
		s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$s"
}

# CPU the configuration's own processes spend (agent, bpftrace, auditd with
# kauditd) while a part of the cell runs: appended to agentcpu.tsv.
cfg_pids() {
	[[ -n $AGENT_PID ]] || return 0
	echo "$AGENT_PID"
	[[ $AGENT_KIND == auditd ]] && pgrep -x kauditd
	return 0
}

# CFG ROUND CONTEXT CMD...: runs one part of a cell, recording both.
cell_part() {
	local cfg=$1 round=$2 ctx=$3 c0 t0 pids
	shift 3
	pids=$(cfg_pids)
	# shellcheck disable=SC2086
	c0=$(proc_cpu_ticks $pids)
	t0=$(now_ns)
	"$@" 2>>"$WORK/workloads.err" | record host "$cfg" "$round" "$ctx"
	# shellcheck disable=SC2086
	printf 'host\t%s\t%s\t%s\t%s\t%s\t%s\n' "$cfg" "$round" "$ctx" "$(proc_cpu_ticks $pids)" "$c0" \
		"$((($(now_ns) - t0) / 1000000))" >>"$RAW/agentcpu.tsv"
}

run_micro_cell() {
	local cfg=$1 round=$2 id
	# shellcheck disable=SC2086  # counts are word lists
	cell_part "$cfg" "$round" host "$WL" -c $CPU -r $REPS $HOST_COUNTS
	id=$(ctr_new_id)
	# shellcheck disable=SC2086
	cell_part "$cfg" "$round" container \
		ctr_run_fg runc "$id" "/nsguard-bench/$id" caps -- /usr/local/bin/workloads -c $CPU -r $REPS $CTR_COUNTS
	cell_part "$cfg" "$round" runc env BENCH_RUNC_BUNDLE="$RUNC_BUNDLE" BENCH_RUNC_ID="$RUNC_ID" \
		"$WL" -c $CPU -r 2 "runc:$RUNC_COUNT"
}

# What an agent keeps while it runs: memory, BPF programs and maps (from
# /proc/PID/fdinfo and bpftool), in footprint.jsonl.
snapshot_footprint() {
	local cfg=$1 pid=$AGENT_PID
	[[ -n $pid ]] || return 0
	$PY "$BENCH/footprint.py" "$cfg" "$pid" "$STARTUP_MS" >>"$RAW/footprint.jsonl"
}


run_micro() {
	local r i n=${#RUN_CONFIGS[@]} cfg t
	for ((r = 1; r <= ROUNDS; r++)); do
		for ((i = 0; i < n; i++)); do
			# Each round starts one configuration later: slow drift of the
			# machine spreads over every configuration instead of one.
			cfg=${RUN_CONFIGS[$(((i + r) % n))]}
			t=$SECONDS
			if ! start_config "$cfg" "micro$r"; then
				note "round $r: $cfg failed to start"
				continue
			fi
			[[ $r == 1 ]] && snapshot_footprint "$cfg"
			run_micro_cell "$cfg" "$r"
			[[ $cfg == audit || $cfg == enforce ]] && [[ -n $AGENT_PID ]] &&
				printf 'host\t%s\tmicro%s\thwm\t%s\n' "$cfg" "$r" \
					"$(awk '/^VmHWM/ {print $2}' "/proc/$AGENT_PID/status")" >>"$RAW/hwm.tsv"
			stop_config "$cfg"
			log "round $r/$ROUNDS $cfg: $((SECONDS - t)) s"
		done
	done
}

# --- start-up on a quiet system ----------------------------------------------

# Start -> hooks attached, nothing else running: the agent's own clock
# (agent_start.startup.attached_ms, from main) and the wall time from spawn
# to the agent_start line. The micro rounds measure the same under load.
measure_attach() {
	local i t0 feed=$WORK/attach.feed pid ms
	for i in 1 2 3 4 5; do
		rm -f "$feed"
		t0=$(now_ns)
		"$NSGUARD" --no-hook --no-startup-scan --stats-interval 0 --output "$feed" 2>>"$WORK/attach.err" &
		pid=$!
		until grep -q '"agent_start"' "$feed" 2>/dev/null; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.002
		done
		ms=$((($(now_ns) - t0) / 1000000))
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		grep '"agent_start"' "$feed" | $PY -c 'import json,sys; s=json.load(sys.stdin)["startup"]
print("\t".join(str(s[k]) for k in ("probed_ms","loaded_ms","attached_ms")), end="")' >>"$RAW/attach.tsv" &&
			printf '\t%s\n' "$ms" >>"$RAW/attach.tsv"
	done
	log "start-up (quiet): $(cut -f3 "$RAW/attach.tsv" | paste -sd' ') ms to attached"
}

# --- storms -------------------------------------------------------------------

# NAME CFG SHAPE CALLS OTHERS HOOKCOST [AGENT ARGS...]: one storm (bench/storm.sh)
# against one configuration; with HOOKCOST=1 the per-program cost is measured
# afterwards in the same session. Appends a line to storm.jsonl.
storm_one() {
	local name=$1 cfg=$2 shape=$3 calls=$4 n=$5 hookcost=$6 dir=$WORK/storm/$1 rc=0 drops=""
	local extra=()
	shift 6
	start_config "$cfg" "storm-$name" "$@" || { note "storm $name: $cfg did not start"; return 1; }
	case $cfg in
	baseline) STORM_KIND=none STORM_PIDS="" ;;
	audit | enforce) STORM_KIND=nsguard STORM_PIDS=$AGENT_PID
		extra=(tier=signal "mode=$cfg") ;;
	bpftrace) STORM_KIND=bpftrace STORM_PIDS=$AGENT_PID ;;
	auditd) STORM_KIND=auditd STORM_PIDS="$AGENT_PID $(pgrep -x kauditd | head -1)" ;;
	esac
	[[ $name == issue-quote ]] && extra+=(quote=1)
	storm_drive "$dir" "$name" "$shape" "$calls" "$n" ||
		{ rc=1; note "storm $name did not run as planned (see the log); its row is what was measured"; }
	snapshot_footprint "storm-$name"
	[[ $hookcost == 1 ]] && hook_cost "$cfg"
	stop_config "$cfg"
	# bpftrace says what its perf buffers lost on its own output, at exit.
	[[ $cfg == bpftrace ]] && drops=$(cat "$FEED" "$AGENT_ERR" | awk '/Lost [0-9]+ events/ {
		for (i = 1; i < NF; i++) if ($i == "Lost") s += $(i + 1) } END { print s + 0 }')
	storm_summarise "$dir" "$name" "$cfg" "$shape" "$calls" "drops=$drops" "${extra[@]}" \
		>>"$RAW/storm.jsonl" || { note "storm $name: no summary"; return 1; }
	log "storm $name: $(tail -1 "$RAW/storm.jsonl" | cut -c1-400)"
	return "$rc"
}

# Both shapes against every configuration that reports the others' start,
# then the issue's own measurement: 2,000,000 calls, 5 others, audit mode.
run_storms() {
	local c
	for c in "${RUN_CONFIGS[@]}"; do
		case $c in
		# The flood alone, no other containers: what each sink costs it.
		baseline) storm_one baseline-a baseline a "$STORM_CALLS" 0 0
			storm_one baseline-b baseline b "$STORM_CALLS" 0 0 ;;
		audit) storm_one nsguard-audit-a audit a "$STORM_CALLS" "$STORM_OTHERS" 1
			storm_one nsguard-audit-b audit b "$STORM_CALLS" "$STORM_OTHERS" 0 ;;
		bpftrace) storm_one bpftrace-a bpftrace a "$STORM_CALLS" "$STORM_OTHERS" 1
			storm_one bpftrace-b bpftrace b "$STORM_CALLS" "$STORM_OTHERS" 0 ;;
		auditd) storm_one auditd-a auditd a "$STORM_CALLS" "$STORM_OTHERS" 0
			storm_one auditd-b auditd b "$STORM_CALLS" "$STORM_OTHERS" 0 ;;
		esac
	done
	if [[ " ${RUN_CONFIGS[*]} " == *" audit "* ]]; then
		storm_one issue-quote audit a "$QUOTE_CALLS" 5 0
	fi
}

# --- per-hook cost (kernel.bpf_stats_enabled) -----------------------------------

# CFG: with the configuration running, a short mix with BPF run-time
# statistics on, then every program's run count and time. Diagnostic only:
# the statistics cost a little per run, so nothing else is measured meanwhile.
hook_cost() {
	local cfg=$1 id
	echo 1 >/proc/sys/kernel/bpf_stats_enabled || return 0
	# A copy under another name: its events are not the storm's.
	"$WORK/bin/wlmix" -c $CPU getppid:100000 fork:200 exec:100 setns:20000 unshare:500 >/dev/null 2>&1
	id=$(ctr_new_id)
	ctr_run_fg runc "$id" "/nsguard-bench/$id" caps -- /usr/local/bin/wlmix -c $CPU \
		exec:100 setns:5000 unshare:500 >/dev/null 2>&1
	$PY "$BENCH/hookcost.py" "$cfg" "$AGENT_PID" >>"$RAW/hookcost.jsonl"
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
}

# --- VM (lsm tier) ----------------------------------------------------------------

run_vm() {
	local stage=$WORK/vm/stage res=$WORK/vm/result rc=0
	if ! command -v qemu-system-x86_64 >/dev/null; then
		note "vm: qemu-system-x86_64 not installed; VM part skipped"
		return 0
	fi
	# The agent, the workloads and what the storm needs (bench/storm.sh).
	mkdir -p "$stage" && cp "$NSGUARD" "$stage/nsguard" && cp "$WL" "$stage/workloads" &&
		cp "$BENCH/hookcost.py" "$BENCH/storm.sh" "$BENCH/storm_summary.py" \
			"$ROOT/tests/lib/containers.sh" "$WORK/helpers/flood" "$WORK/bin/pinrun" \
			"$TAILSTAT" "$WORK"/bin/other[0-9]* "$stage/" || return 1
	# The guest covers /tmp with tmpfs: the stage travels with --file.
	(cd / && "$ROOT/tests/vm/run-vm.sh" --quiet --lsm lockdown,capability,bpf --timeout 900 \
		--file "$stage" --env "BENCH_VM_ROUNDS=$VM_ROUNDS" --env "BENCH_VM_COUNTS=$VM_COUNTS" \
		--env "BENCH_VM_STORM_CALLS=$VM_STORM_CALLS" --env "BENCH_STORM_OTHERS=$STORM_OTHERS" \
		--env "BENCH_VM_STORM=${BENCH_VM_STORM:-1}" \
		"$BENCH/vm-job.sh" "$res") || rc=$?
	sed 's/^/    /' "$res/output.log" >&2 2>/dev/null
	# Which accelerator ran the VM (tests/vm/accel.sh chose it): the results say so.
	cp "$res/accel" "$RAW/vm_accel" 2>/dev/null
	cat "$res/out/micro.tsv" >>"$RAW/micro.tsv" 2>/dev/null
	cat "$res/out/startup.tsv" >>"$RAW/startup.tsv" 2>/dev/null
	cp "$res"/out/agent_start-*.json "$RAW/" 2>/dev/null
	cat "$res/out/hookcost.jsonl" >>"$RAW/hookcost.jsonl" 2>/dev/null
	cat "$res/out/storm.jsonl" >>"$RAW/storm.jsonl" 2>/dev/null
	if [[ $rc -ne 0 ]]; then
		note "vm: the VM job exited $rc (see the log above); VM rows may be incomplete"
	fi
	return 0
}

# The serializer alone: no agent, one pinned core (bench/serializer.c).
run_serializer() {
	make -s --no-print-directory -C "$ROOT" .output/bench/serializer >&2 &&
		"$ROOT/.output/bench/serializer" -c "$CPU" >"$RAW/serializer.tsv" ||
		{ note "serializer: build or run failed"; return; }
	log "serializer: $(paste -sd' ' "$RAW/serializer.tsv")"
}

# --- main ---------------------------------------------------------------------

log "configurations: ${RUN_CONFIGS[*]}; $ROUNDS host rounds$([[ $QUICK == 1 ]] && echo ' (quick)')"
machine_info
audit_prepare
write_audit_conf
CTR_EXTRA_BINS="$WL $WORK/bin/wlmix $WORK/helpers/flood $WORK/bin/pinrun"
for ((k = 1; k <= OTHERS_MAX; k++)); do CTR_EXTRA_BINS+=" $WORK/bin/other$k"; done
export CTR_EXTRA_BINS
ctr_setup "$WORK/ctr" || { log "ctr_setup failed"; exit 1; }
ROOT_CGID=$(ctr_cgroup_id /) || exit 1
TICK_CG=$(_ctr_unified_root)/nsguard-bench-tick
mkdir -p "$TICK_CG" || exit 1
prepare_runc || { log "runc bundle does not run"; exit 1; }
# A host process whose IPC namespace the storm targets (PID 1's may be unreadable).
sleep 100000 &
HELPER_PID=$!
STORM_TARGET=/proc/$HELPER_PID/ns/ipc
STORM_CPU=$CPU

if [[ ${BENCH_SERIALIZER:-1} == 1 ]]; then
	run_serializer
fi
measure_attach
if [[ ${BENCH_MICRO:-1} == 1 ]]; then
	run_micro
	log "micro done after $((SECONDS - T_START)) s"
fi
if [[ ${BENCH_STORM:-1} == 1 ]]; then
	run_storms
	log "storm done after $((SECONDS - T_START)) s"
fi
if [[ ${BENCH_VM:-1} == 1 ]]; then
	run_vm
	log "vm done after $((SECONDS - T_START)) s"
fi
if [[ ${BENCH_ARM64:-1} == 1 ]]; then
	"$BENCH/arm64.sh" "$RAW" "$ARM64_ROUNDS" || note "arm64: bench/arm64.sh failed; the arm64 column may be incomplete"
	log "arm64 done after $((SECONDS - T_START)) s"
fi
echo "$((SECONDS - T_START))" >"$RAW/duration_s"
printf '%s\n' "quick=$QUICK" "clk_tck=$(getconf CLK_TCK)" "rounds=$ROUNDS" "vm_rounds=$VM_ROUNDS" "storm_calls=$STORM_CALLS" \
	"storm_others=$STORM_OTHERS" "storm_workers=$STORM_WORKERS" "quote_calls=$QUOTE_CALLS" "vm_storm_calls=$VM_STORM_CALLS" \
	"host_counts=$HOST_COUNTS" "container_counts=$CTR_COUNTS" "runc_count=$RUNC_COUNT" \
	"vm_counts=$VM_COUNTS" "arm64_rounds=${ARM64_ROUNDS}" >"$RAW/params.txt"
# The raw measurements go with the results: `bench/report.py bench/raw bench`
# rebuilds the tables from them.
mkdir -p "$OUT"
rm -rf "$OUT/raw"
cp -r "$RAW" "$OUT/raw"
$PY "$BENCH/report.py" "$RAW" "$OUT" || { log "report failed; raw data in $WORK/raw"; BENCH_KEEP=1; exit 1; }
panels=$(sed -n 's/^# panels=//p' "$OUT/overhead.dat")
if ! command -v gnuplot >/dev/null; then
	log "gnuplot not installed: no chart (apt-get install gnuplot-nox)"
elif [[ ${panels:-0} -gt 0 ]]; then
	gnuplot -e "datafile='$OUT/overhead.dat'; outfile='$OUT/overhead.png'; panels=$panels" \
		"$BENCH/overhead.gp" || log "gnuplot failed"
fi
log "results: $OUT/results.md ($((SECONDS - T_START)) s)"
