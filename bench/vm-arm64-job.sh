#!/bin/bash
# vm-arm64-job.sh — guest side of the benchmark's arm64 column (bench/run.sh
# boots it through tests/vm/arm64/boot.sh: Debian's arm64 kernel under
# qemu-system-aarch64, software emulation). For nsguard audit and enforce,
# ROUNDS times each: start the static aarch64 agent, wait for agent_start,
# then print one line
#   BENCH-ARM64 {"config":"arm64-CFG","round":N,"spawn_to_agent_start_ms":..,
#                "rss_kb":..,"agent_start":{..},"progs":[..],"maps":[..]}
# with the programs and maps as Debian's arm64 bpftool shows them (sizes
# xlated/jited, verified instructions). TCG stretches every time: the start-up
# numbers are labelled as emulated wherever they are shown.
set -uo pipefail

STAGE=/stage
NSGUARD=$STAGE/nsguard
# bpftool:arm64 and its libraries (libcap, libelf, zlib), unpacked by bench/run.sh.
BPFTOOL=(env LD_LIBRARY_PATH="$STAGE/bpftool/lib" "$STAGE/bpftool/bpftool")
ROUNDS=$(cat "$STAGE/rounds" 2>/dev/null || echo 3)
WORK=$(mktemp -d)
AGENT=""

stop_agent() {
	[[ -n $AGENT ]] || return 0
	kill -TERM "$AGENT" 2>/dev/null
	wait "$AGENT" 2>/dev/null
	AGENT=""
}
trap stop_agent EXIT

# busybox date has no %N; bash's clock has microseconds.
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# Verified instructions per program id, from the agent's own fds (bpftool
# of this Debian release does not print them): "ID COUNT" lines.
verified_insns() {
	local f id n
	for f in /proc/"$1"/fdinfo/*; do
		id=$(awk '$1 == "prog_id:" {print $2}' "$f" 2>/dev/null)
		n=$(awk '$1 == "verified_insns:" {print $2}' "$f" 2>/dev/null)
		# Links name their program too, without the count.
		if [[ -n $id && -n $n ]]; then echo "$id $n"; fi
	done
}

# CFG ROUND: one start of the agent, measured, then stopped.
measure() {
	local cfg=$1 round=$2 feed=$WORK/feed.json t0 ms deadline
	rm -f "$feed"
	t0=$(now_ms)
	"$NSGUARD" --mode "$cfg" --no-hook --no-startup-scan --stats-interval 0 \
		--output "$feed" 2>"$WORK/agent.err" &
	AGENT=$!
	deadline=$((SECONDS + 600))
	until grep -q '"agent_start"' "$feed" 2>/dev/null; do
		if ((SECONDS > deadline)) || ! kill -0 "$AGENT" 2>/dev/null; then
			echo "arm64-bench: agent ($cfg) did not start:" >&2
			cat "$WORK/agent.err" >&2
			AGENT=""
			return 1
		fi
		sleep 0.05
	done
	ms=$(($(now_ms) - t0))
	"${BPFTOOL[@]}" -j prog show >"$WORK/progs.json" || return 1
	"${BPFTOOL[@]}" -j map show >"$WORK/maps.json" || return 1
	verified_insns "$AGENT" | jq -R -s -c '[split("\n")[] | select(length > 0) | split(" ") |
		{key: .[0], value: (.[1] | tonumber)}] | from_entries' >"$WORK/verified.json"
	jq -c -n --arg cfg "arm64-$cfg" --argjson round "$round" --argjson ms "$ms" \
		--argjson rss "$(awk '/^VmRSS/ {print $2}' "/proc/$AGENT/status")" \
		--argjson start "$(grep -m1 '"agent_start"' "$feed")" \
		--slurpfile progs "$WORK/progs.json" --slurpfile maps "$WORK/maps.json" \
		--slurpfile verified "$WORK/verified.json" '{
		config: $cfg, round: $round, spawn_to_agent_start_ms: $ms, rss_kb: $rss,
		kernel: $start.kernel, tier: $start.tier, detection: $start.detection,
		startup: $start.startup,
		progs: [$progs[0][] | {name, type, xlated: .bytes_xlated, jited: .bytes_jited,
			memlock: .bytes_memlock, verified_insns: ($verified[0][.id | tostring] // 0)}],
		maps: [$maps[0][] | {name, type, max_entries, memlock: .bytes_memlock}]}' |
		sed 's/^/BENCH-ARM64 /'
	stop_agent
}

echo "arm64-bench: kernel $(uname -r) $(uname -m), lsm=$(cat /sys/kernel/security/lsm), $ROUNDS rounds"
status=0
for ((r = 1; r <= ROUNDS; r++)); do
	for cfg in audit enforce; do
		measure "$cfg" "$r" || status=1
	done
done
exit "$status"
