#!/usr/bin/env bash
# The soak: an agent on a busy node for SOAK_MINUTES (default 30; `make
# soak`), or about two minutes (--short, in `make test`). All the while:
# containers started and removed (runc and crun; private, host IPC, host
# PID, and host-PID ones allowlisted through the OCI hook), a flood from one
# container every few rounds, SIGHUP reloads with good and bad policies,
# the output rotating by size, the agent restarted with --pin, the metrics
# scraped every two seconds.
#
# At the end it checks, as outcomes (no timings): every line of every file
# parses; every host-namespace container started has exactly one
# host_ns_exec with the verdict the policy gives it (killed, or allowed);
# every reload is told (policy_reloaded / policy_error); every scrape
# answered; the agent's state back at its start; open fds constant and RSS
# grown by at most 1 MiB after warm-up (the last agent, which runs the
# second half). It prints a report (Markdown) for docs/BENCHMARKS.md and
# closes with "soak: N passed, N failed".
#
# The agent is the release build (.output/nsguard: ASan would measure
# itself), or NSGUARD.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NSGUARD=${NSGUARD:-$ROOT/.output/nsguard}
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# The hook policy, the CRI bundle with the hook, scrape(): as the integration suite has them.
# shellcheck source=tests/integration/production_cases.sh
source "$ROOT/tests/integration/production_cases.sh"

if [[ ${1:-} == --short ]]; then
	SOAK_SECONDS=${SOAK_SECONDS:-120}
else
	SOAK_SECONDS=$((${SOAK_MINUTES:-30} * 60))
fi
RESTARTS=2          # agent restarts, all in the first half
RSS_GROWTH_KB=1024  # after warm-up
SAMPLE_S=5

host_suite_setup soak setns_storm
SOAK=$WORK/soak
mkdir -p "$SOAK"
FEED=$SOAK/feed.jsonl
PIN=/sys/fs/bpf/nsguard-soak-$$
POLICY=$SOAK/policy.yaml
SAMPLES=$SOAK/samples.tsv
SCRAPER_PID=
passed=0 failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
bad() { failed=$((failed + 1)); echo "FAIL - $1: $2"; }

soak_cleanup() {
	[[ -n $SCRAPER_PID ]] && kill "$SCRAPER_PID" 2>/dev/null && wait "$SCRAPER_PID" 2>/dev/null
	soak_agent_stop
	"$NSGUARD" --cleanup --pin-path "$PIN" >/dev/null 2>&1
	host_suite_cleanup
}
trap soak_cleanup EXIT

write_good_policy() { write_hook_policy "$POLICY"; }

# --- the agent --------------------------------------------------------------

AGENT=
PORT=$((20000 + RANDOM % 20000))

soak_agent_start() {
	local deadline
	local cmd=("$NSGUARD" --output "$FEED" --output-max-size 256K --output-keep 999
		--policy "$POLICY" --pin --pin-path "$PIN" --hook-socket "$SOAK/hook.sock"
		--stats-interval 2 --metrics-addr "127.0.0.1:$PORT")
	# Started under the lock: the agent must not inherit (and so hold) it.
	if [[ -n ${LOCK_FD:-} ]]; then
		"${cmd[@]}" {LOCK_FD}>&- 2>>"$SOAK/agent.stderr" &
	else
		"${cmd[@]}" 2>>"$SOAK/agent.stderr" &
	fi
	AGENT=$!
	deadline=$((SECONDS + 30))
	until grep -q "\"event\":\"agent_start\".*\"pid\":$AGENT[,}]" "$FEED" 2>/dev/null; do
		((SECONDS < deadline)) || { echo "the agent did not start:" >&2; cat "$SOAK/agent.stderr" >&2; return 1; }
		sleep 0.05
	done
}

soak_agent_stop() {
	[[ -n $AGENT ]] || return 0
	kill -TERM "$AGENT" 2>/dev/null
	wait "$AGENT"
	local rc=$?
	AGENT=
	return $rc
}

# Scrapes, samples and restarts take turns: a scrape in flight holds a
# connection (an fd), and no agent listens while one restarts.
LOCK=$SOAK/lock
locked() { # CMD...: with the lock held (its fd in LOCK_FD meanwhile)
	local rc
	exec {LOCK_FD}>"$LOCK"
	flock -x "$LOCK_FD"
	"$@"
	rc=$?
	exec {LOCK_FD}>&-
	LOCK_FD=
	return $rc
}

sample() { # T: one line of the agent's footprint and state
	local rss fds st
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$AGENT/status" 2>/dev/null)
	fds=$(locked find "/proc/$AGENT/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	st=$(grep '"event":"agent_stats"' "$FEED" | tail -n 1 |
		jq -r '.state | [.registry, .exempt_cgroups, .flows, .coalescing, .metadata] | @tsv')
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$AGENT" "${rss:-0}" "$fds" "$st" >>"$SAMPLES"
}

restart_agent() {
	soak_agent_stop || bad "agent exit status" "non-zero at restart $restarts"
	write_good_policy # a bad one is refused at start, as it should be
	soak_agent_start
}

# --- the load ---------------------------------------------------------------

declare -A WANT=()   # container id -> the verdict its host_ns_exec must carry
STARTS=0 RELOADS_GOOD=0 RELOADS_BAD=0 FLOODS=0

start_round() { # N: one round of containers; a different mix each time
	local n=$1 rt id
	rt=$([[ $((n % 2)) -eq 0 ]] && echo runc || echo crun)
	id=$(ctr_new_id)
	ctr_run_fg "$rt" "$id" "$(docker_cg "$id")" "" -- true >/dev/null 2>&1
	id=$(ctr_new_id)
	ctr_run_fg "$rt" "$id" "$(docker_cg "$id")" hostipc -- true >/dev/null 2>&1
	WANT[$id]=killed
	id=$(ctr_new_id)
	ctr_run_fg "$rt" "$id" "$(kube_cg "$id")" hostpid -- true >/dev/null 2>&1
	WANT[$id]=killed
	# Allowlisted through the hook (runc writes the hook's annotations).
	id=$(ctr_new_id)
	CTR_CONFIG_JQ=$(cri_bundle_jq monitoring "node-exporter-$n" "$SOAK/hook.sock") \
		ctr_run_fg runc "$id" "$(kube_cg "$id")" hostpid -- true >/dev/null 2>&1
	WANT[$id]=allowed
	STARTS=$((STARTS + 4))
}

flood() {
	local id
	id=$(ctr_new_id)
	ctr_run runc "$id" "$(docker_cg "$id")" caps -- sleep 60 >/dev/null 2>&1 || return
	ctr_exec runc "$id" --caps -- /usr/local/bin/setns_storm 3000 >/dev/null 2>&1
	ctr_rm runc "$id"
	FLOODS=$((FLOODS + 1))
}

reload() { # N: odd rounds a bad policy (kept out), even ones the good one again
	if (($1 % 2)); then
		printf 'mode: enforce\nnamespaces: {ipc: sometimes}\n' >"$POLICY"
		RELOADS_BAD=$((RELOADS_BAD + 1))
	else
		write_good_policy
		RELOADS_GOOD=$((RELOADS_GOOD + 1))
	fi
	kill -HUP "$AGENT"
	reload_told
}

# Until the agent has told every reload asked of it (15 s at most): a reload
# still pending when the file changes again, or the agent stops, would be
# told otherwise or not at all.
reload_told() {
	local want=$((RELOADS_GOOD + RELOADS_BAD)) deadline=$((SECONDS + 15))
	until (($(cat "$FEED" "$FEED".* 2>/dev/null |
		grep -c -e '"event":"policy_reloaded"' -e '"event":"policy_error"') >= want)); do
		((SECONDS < deadline)) || { echo "  reload $want not told in 15 s" >&2; return 1; }
		sleep 0.05
	done
}

scraper() {
	local ok=0 bad=0
	trap 'echo "$ok $bad" >"$SOAK/scrapes"; exit 0' TERM
	while :; do
		if locked scrape "$PORT" 2>/dev/null | grep -q '^nsguard_build_info'; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
		sleep 2 &
		wait $!
	done
}

# --- the run ----------------------------------------------------------------

write_good_policy
soak_agent_start || exit 1
FIRST_AGENT=$AGENT
BASE_STATE=
until [[ -n $BASE_STATE ]]; do
	BASE_STATE=$(grep '"event":"agent_stats"' "$FEED" | tail -n 1 |
		jq -c '.state | {registry, exempt_cgroups, flows, coalescing, metadata}')
	sleep 0.2
done
scraper &
SCRAPER_PID=$!

t0=$SECONDS half=$((SOAK_SECONDS / 2)) next_sample=0 round=0 restarts=0 last_agent_start=0
while ((SECONDS - t0 < SOAK_SECONDS)); do
	round=$((round + 1))
	start_round "$round"
	((round % 5 == 0)) && flood
	((round % 3 == 0)) && reload "$round"
	if ((restarts < RESTARTS && SECONDS - t0 >= (restarts + 1) * half / (RESTARTS + 1))); then
		# Scrapes wait: no agent listens while it restarts.
		locked restart_agent || exit 1
		restarts=$((restarts + 1))
		last_agent_start=$((SECONDS - t0))
	fi
	if ((SECONDS - t0 >= next_sample)); then
		sample $((SECONDS - t0))
		next_sample=$((SECONDS - t0 + SAMPLE_S))
	fi
done
# The last policy is the good one, and every container has ended: the
# state must come back to where it began (bounded wait, as agent_stats come).
write_good_policy && kill -HUP "$AGENT" && RELOADS_GOOD=$((RELOADS_GOOD + 1)) && reload_told
deadline=$((SECONDS + 30))
until [[ $(grep '"event":"agent_stats"' "$FEED" | tail -n 1 |
	jq -c '.state | {registry, exempt_cgroups, flows, coalescing, metadata}') == "$BASE_STATE" ]]; do
	((SECONDS < deadline)) || break
	sleep 0.2
done
sample $((SECONDS - t0))
kill "$SCRAPER_PID" && wait "$SCRAPER_PID"
SCRAPER_PID=
FINAL_AGENT=$AGENT
soak_agent_stop || bad "agent exit status" "non-zero at the end"
ELAPSED=$((SECONDS - t0))

# --- the checks -------------------------------------------------------------

FILES=("$FEED" "$FEED".*)
ALL=$SOAK/all.jsonl
lines=0 unparsed=0
for f in "${FILES[@]}"; do
	[[ -f $f ]] || continue
	n=$(wc -l <"$f")
	k=$(jq -c . "$f" 2>/dev/null | wc -l)
	lines=$((lines + n)) unparsed=$((unparsed + n - k))
	[[ ! -s $f || $(tail -c1 "$f" | od -An -tx1 | tr -d ' ') == 0a ]] || unparsed=$((unparsed + 1))
	jq -c . "$f" 2>/dev/null
done >"$ALL"
[[ $unparsed -eq 0 ]] && ok "every line parses ($lines lines in ${#FILES[@]} files)" ||
	bad "every line parses" "$unparsed of $lines do not"

# Every host-namespace container: exactly one host_ns_exec, with its verdict.
jq -r 'select(.event == "host_ns_exec") | "\(.container_id) \(.verdict)"' "$ALL" | sort >"$SOAK/seen"
unaccounted=0
for id in "${!WANT[@]}"; do
	got=$(grep -c "^$id " "$SOAK/seen")
	verdict=$(grep -m1 "^$id " "$SOAK/seen" | cut -d' ' -f2)
	if [[ $got -ne 1 || $verdict != "${WANT[$id]}" ]]; then
		unaccounted=$((unaccounted + 1))
		((unaccounted <= 5)) && echo "  $id: $got host_ns_exec, verdict '${verdict:-}' (want ${WANT[$id]})"
	fi
done
[[ $unaccounted -eq 0 ]] && ok "every violation accounted for (${#WANT[@]} host-namespace starts)" ||
	bad "every violation accounted for" "$unaccounted of ${#WANT[@]}"

reloaded=$(jq -c 'select(.event == "policy_reloaded")' "$ALL" | wc -l)
refused=$(jq -c 'select(.event == "policy_error")' "$ALL" | wc -l)
[[ $reloaded -eq $RELOADS_GOOD && $refused -eq $RELOADS_BAD ]] &&
	ok "every reload told ($RELOADS_GOOD good, $RELOADS_BAD bad)" ||
	bad "every reload told" "$reloaded reloaded (want $RELOADS_GOOD), $refused refused (want $RELOADS_BAD)"

read -r scrapes_ok scrapes_bad <"$SOAK/scrapes"
[[ $scrapes_bad -eq 0 && $scrapes_ok -gt 0 ]] && ok "every scrape answered ($scrapes_ok)" ||
	bad "every scrape answered" "$scrapes_bad of $((scrapes_ok + scrapes_bad)) failed"

adopted=$(jq -c 'select(.event == "agent_start" and .pinned.adopted == true)' "$ALL" | wc -l)
[[ $adopted -eq $RESTARTS ]] && ok "$RESTARTS restarts adopted the pins" ||
	bad "restarts adopted the pins" "$adopted of $RESTARTS"

END_STATE=$(jq -c 'select(.event == "agent_stats") | .state | {registry, exempt_cgroups, flows, coalescing, metadata}' \
	"$FEED" | tail -n 1)
# Processes in no container (crun unshares before it joins the container's
# cgroup) share the host's flow entry: one entry, for good, not a leak.
host_entry=$(jq -c 'select((.event == "setns" or .event == "ns_create") and .container_id == null)' \
	"$ALL" | head -n 1 | wc -l)
want_state=$(jq -c --argjson h "$host_entry" '.flows += $h' <<<"$BASE_STATE")
[[ $END_STATE == "$want_state" ]] && ok "state back at its start ($END_STATE, host entry: $host_entry)" ||
	bad "state back at its start" "start $BASE_STATE (+ host entry $host_entry), end $END_STATE"

# The last agent, after warm-up (the first third of its run).
warm_from=$((last_agent_start + (ELAPSED - last_agent_start) / 3))
awk -v a="$FINAL_AGENT" -v w="$warm_from" -F'\t' '$2 == a && $1 >= w' "$SAMPLES" >"$SOAK/final"
read -r rss0 fds0 <<<"$(head -n 1 "$SOAK/final" | awk -F'\t' '{ print $3, $4 }')"
read -r rss1 fds1 <<<"$(tail -n 1 "$SOAK/final" | awk -F'\t' '{ print $3, $4 }')"
rss_max=$(awk -F'\t' 'BEGIN { m = 0 } $3 > m { m = $3 } END { print m }' "$SOAK/final")
[[ -n ${rss0:-} && $((rss_max - rss0)) -le $RSS_GROWTH_KB ]] &&
	ok "RSS after warm-up: $rss0 -> $rss1 kB (peak $rss_max)" ||
	bad "RSS growth after warm-up" "$rss0 -> peak $rss_max kB (limit +$RSS_GROWTH_KB)"
fds_var=$(awk -F'\t' 'NR == 1 { lo = hi = $4 } { if ($4 < lo) lo = $4; if ($4 > hi) hi = $4 } END { print hi - lo }' "$SOAK/final")
[[ -n ${fds0:-} && $fds_var -eq 0 ]] && ok "open fds constant after warm-up ($fds0)" ||
	bad "open fds constant" "$fds0 -> $fds1 (range $fds_var)"

# --- the report -------------------------------------------------------------

rss_slope=$(awk -F'\t' '{ n++; sx += $1; sy += $3; sxy += $1 * $3; sxx += $1 * $1 }
	END { d = n * sxx - sx * sx; printf "%.2f", d ? (n * sxy - sx * sy) / d * 60 : 0 }' "$SOAK/final")
cat <<EOF

## Soak: $((ELAPSED / 60)) min $((ELAPSED % 60)) s, $(date -u +%Y-%m-%d)

| | |
|---|---|
| container starts | $STARTS ($(( ${#WANT[@]} )) in host namespaces, $((STARTS / 4)) allowlisted through the hook) |
| floods (setns_storm 3000 in a container) | $FLOODS |
| policy reloads | $RELOADS_GOOD good, $RELOADS_BAD bad |
| agent restarts with --pin | $RESTARTS |
| scrapes | $scrapes_ok |
| feed | $lines lines in ${#FILES[@]} files (256 KiB each), $unparsed that do not parse |
| violations unaccounted | $unaccounted |
| agent RSS, last agent after warm-up | $rss0 -> $rss1 kB (peak $rss_max, trend $rss_slope kB/min) |
| agent open fds | $fds0 -> $fds1 |
| state at start / end | $BASE_STATE / $END_STATE |
EOF
echo
echo "soak: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
