#!/bin/bash
# vm-job.sh — guest side of the benchmark's VM part (bench/run.sh boots it
# through tests/vm/run-vm.sh with bpf in lsm=, so nsguard runs its `lsm`
# tier). Runs the micro-workloads interleaved, round by round, with no agent,
# nsguard audit and nsguard enforce, and writes to $VM_OUT:
#   micro.tsv       vm CONFIG ROUND host WORKLOAD WALL_NS CPU_NS (per operation)
#   startup.tsv     vm CONFIG ROUND MS_TO_AGENT_START RSS_KB
#   agent_start-CONFIG.json   the agent's first line (tier, detection)
#   hookcost.jsonl  run count and mean run time of every program (bpf_stats)
# Software emulation (TCG) stretches absolute times: only ratios are used.
set -uo pipefail

STAGE=${VM_WORK:?run me through bench/run.sh}/in/stage
NSGUARD=$STAGE/nsguard
WORKLOADS=$STAGE/workloads
ROUNDS=${BENCH_VM_ROUNDS:-3}
COUNTS=${BENCH_VM_COUNTS:-getppid:200000 fork:300 exec:150 setns:50000 unshare:1000}
CONFIGS=(baseline audit enforce)
OUT=${VM_OUT:?}
WORK=$(mktemp -d /tmp/nsguard-bench-vm.XXXXXX)
AGENT=""

stop_agent() {
	[[ -n $AGENT ]] || return 0
	kill -TERM "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
	AGENT=""
}
trap stop_agent EXIT

now_ns() { date +%s%N; }

# CONFIG ROUND: starts the agent (none for baseline) and waits for agent_start.
start_config() {
	local cfg=$1 round=$2 feed=$WORK/feed.json t0 deadline
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
	[[ $round == hookcost ]] && return 0
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
rm -rf "$WORK"
echo "vm-bench: done (status $status)"
exit "$status"
