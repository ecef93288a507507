#!/bin/bash
# vm-job.sh — guest side of the benchmark's VM part (bench/run.sh boots it
# through tests/vm/run-vm.sh with bpf in lsm=, so nsguard runs its `lsm`
# tier). Runs the micro-workloads interleaved, round by round, with no agent,
# nsguard audit and nsguard enforce, then an enforce storm (bench/storm.sh,
# shape a: a denied setns retried in a loop while other host-IPC containers
# start, each of them blocked), and writes to $VM_OUT:
#   micro.tsv       vm CONFIG ROUND host WORKLOAD WALL_NS CPU_NS (per operation)
#   startup.tsv     vm CONFIG ROUND MS_TO_AGENT_START RSS_KB
#   agent_start-CONFIG.json   the agent's first line (tier, detection)
#   hookcost.jsonl  run count and mean run time of every program (bpf_stats)
#   storm.jsonl     the storm's line (storm_summary.py)
# Software emulation (TCG) stretches absolute times: only ratios are used.
set -uo pipefail

STAGE=${VM_WORK:?run me through bench/run.sh}/in/stage
NSGUARD=$STAGE/nsguard
WORKLOADS=$STAGE/workloads
ROUNDS=${BENCH_VM_ROUNDS:-3}
COUNTS=${BENCH_VM_COUNTS:-getppid:200000 fork:300 exec:150 setns:50000 unshare:1000}
STORM_CALLS=${BENCH_VM_STORM_CALLS:-0} # 0: until the other containers are done
STORM_OTHERS=${BENCH_STORM_OTHERS:-3}
CONFIGS=(baseline audit enforce)
OUT=${VM_OUT:?}
WORK=$(mktemp -d /tmp/nsguard-bench-vm.XXXXXX)
AGENT=""
HELPER=""
FEED=$WORK/feed.json
# What bench/storm.sh needs.
BENCH=$STAGE
PY=/usr/bin/python3
TAILSTAT=$STAGE/tailstat
# shellcheck source=tests/lib/containers.sh
source "$STAGE/containers.sh"
# shellcheck source=bench/storm.sh
source "$STAGE/storm.sh"

stop_agent() {
	[[ -n $AGENT ]] || return 0
	kill -TERM "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
	AGENT=""
}

cleanup() {
	storm_stop_all
	stop_agent
	[[ -n $HELPER ]] && kill "$HELPER" 2>/dev/null && wait "$HELPER" 2>/dev/null
	ctr_teardown
}
trap cleanup EXIT

now_ns() { date +%s%N; }

# CONFIG ROUND: starts the agent (none for baseline) and waits for agent_start.
start_config() {
	local cfg=$1 round=$2 feed=$FEED t0 deadline
	[[ $cfg == baseline ]] && return 0
	rm -f "$feed"
	t0=$(now_ns)
	"$NSGUARD" --mode "$cfg" --no-hook --no-startup-scan --stats-interval 0 \
		--output "$feed" 2>"$WORK/agent.err" &
	AGENT=$!
	deadline=$((SECONDS + 120))
	until grep -q '"agent_start"' "$feed" 2>/dev/null; do
		if ((SECONDS > deadline)) || ! kill -0 "$AGENT" 2>/dev/null; then
			echo "vm-bench: agent ($cfg) did not start:" >&2
			cat "$WORK/agent.err" >&2
			AGENT=""
			return 1
		fi
		sleep 0.01
	done
	[[ $round == hookcost || $round == storm ]] && return 0
	printf 'vm\t%s\t%s\t%d\t%s\n' "$cfg" "$round" $((($(now_ns) - t0) / 1000000)) \
		"$(awk '/^VmRSS/ {print $2}' "/proc/$AGENT/status")" >>"$OUT/startup.tsv"
	[[ -f $OUT/agent_start-$cfg.json ]] || grep -m1 '"agent_start"' "$feed" >"$OUT/agent_start-$cfg.json"
}

echo "vm-bench: kernel $(uname -r), lsm=$(cat /sys/kernel/security/lsm), $ROUNDS rounds"
status=0
for ((r = 1; r <= ROUNDS; r++)); do
	for ((i = 0; i < ${#CONFIGS[@]}; i++)); do
		# Rotate the order every round: drift must not favour one configuration.
		cfg=${CONFIGS[$(((i + r) % ${#CONFIGS[@]}))]}
		start_config "$cfg" "$r" || { status=1; continue; }
		# shellcheck disable=SC2086  # COUNTS is a word list
		"$WORKLOADS" -c 1 -r 3 $COUNTS >"$WORK/w.out" 2>"$WORK/w.err"
		rc=$?
		if [[ $rc -ne 0 ]]; then
			echo "vm-bench: workloads failed under $cfg (exit $rc):" >&2
			cat "$WORK/w.err" >&2
			dmesg 2>/dev/null | tail -n 5 >&2
			status=1
		fi
		stop_agent
		# IPC namespaces are freed asynchronously (RCU, a workqueue), slowly
		# under emulation: let the last cell's go before the next one.
		sleep 2
		awk -v c="$cfg" -v r="$r" 'NF == 4 {
			printf "vm\t%s\t%s\thost\t%s\t%s\t%s\n", c, r, $1, $3, $4 }' \
			"$WORK/w.out" >>"$OUT/micro.tsv"
		echo "vm-bench: round $r $cfg: $(tr '\n' ' ' <"$WORK/w.out")"
	done
done
# Per-program cost on this tier (kernel.bpf_stats_enabled), as on the host.
for cfg in audit enforce; do
	start_config "$cfg" hookcost || { status=1; continue; }
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	"$WORKLOADS" -c 1 getppid:20000 fork:50 exec:20 setns:5000 unshare:200 >/dev/null 2>&1
	/usr/bin/python3 "$STAGE/hookcost.py" "vm-$cfg" "$AGENT" >>"$OUT/hookcost.jsonl"
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
	stop_agent
done
# The enforce storm: every setns of the flood is denied (EPERM) and retried;
# every other container is blocked. Same fields as the host's storms.
run_storm() {
	local k
	local bins="$STAGE/flood $STAGE/pinrun"
	for ((k = 1; k <= STORM_OTHERS; k++)); do bins+=" $STAGE/other$k"; done
	CTR_EXTRA_BINS=$bins ctr_setup "$WORK/ctr" || return 1
	sleep 3600 &
	HELPER=$!
	STORM_KIND=nsguard STORM_TARGET=/proc/$HELPER/ns/ipc STORM_CPU=1
	start_config enforce storm || return 1
	STORM_PIDS=$AGENT
	storm_drive "$WORK/storm" vm-enforce-a a "$STORM_CALLS" "$STORM_OTHERS" ||
		echo "vm-bench: the storm did not run as planned" >&2
	stop_agent
	storm_summarise "$WORK/storm" vm-enforce-a enforce a "$STORM_CALLS" tier=lsm mode=enforce \
		>>"$OUT/storm.jsonl" || return 1
	echo "vm-bench: storm: $(cut -c1-300 "$OUT/storm.jsonl")"
}
if [[ ${BENCH_VM_STORM:-1} == 1 ]]; then
	run_storm || { echo "vm-bench: storm failed" >&2; status=1; }
fi
cleanup
trap - EXIT
rm -rf "$WORK"
echo "vm-bench: done (status $status)"
exit "$status"
