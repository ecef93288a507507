#!/usr/bin/env bash
# A short agent run under valgrind memcheck (the normal build, not ASan):
# start-up, events from host tasks and a host-IPC runc container, a metrics
# scrape, a SIGHUP reload, SIGTERM. Fails on any memcheck error or leak.
# Closes with "valgrind: N passed, N failed" (", N skipped" as in lib.sh).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
NSGUARD=${NSGUARD_PLAIN:-$ROOT/.output/nsguard}
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/integration/lib.sh
NSGUARD=$NSGUARD source "$ROOT/tests/integration/lib.sh"

WORK=$(mktemp -d /tmp/nsguard-valgrind.XXXXXX)
VG_PID=
cleanup() {
	[[ -n $VG_PID ]] && kill -TERM "$VG_PID" 2>/dev/null && wait "$VG_PID" 2>/dev/null
	ctr_teardown
	rm -rf "$WORK"
}
trap cleanup EXIT
ctr_setup "$WORK/ctr" || exit 1

FEED=$(feed vg)
POLICY=$WORK/policy.yaml
printf 'mode: audit\nnamespaces:\n  ipc: alert\n  pid: alert\n' >"$POLICY"

valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
	--errors-for-leak-kinds=definite,indirect,possible --suppressions="$ROOT/tests/valgrind/libbpf.supp" \
	--log-file="$WORK/memcheck.log" \
	"$NSGUARD" --policy "$POLICY" --hook-socket "$WORK/hook.sock" --stats-interval 1 \
	--metrics-addr 127.0.0.1:9519 --output "$FEED" 2>"$WORK/stderr" &
VG_PID=$!

t_runs_under_memcheck() {
	local id metrics
	wait_event vg '.event == "agent_start"' 120 >/dev/null || return 1
	unshare --ipc --pid --fork true || return 1
	id=$(ctr_new_id)
	ctr_run_fg runc "$id" "$(docker_cg "$id")" hostipc -- true >/dev/null 2>&1 || return 1
	wait_event vg ".event == \"host_ns_exec\" and .container_id == \"$id\"" 60 >/dev/null || return 1
	# Read whole first: `grep -q` stops reading early, and curl's failed write
	# would then fail the pipeline.
	metrics=$(curl -sf http://127.0.0.1:9519/metrics) || { log "metrics scrape failed"; return 1; }
	grep -q '^nsguard_events_total' <<<"$metrics" || { log "no nsguard_events_total"; return 1; }
	kill -HUP "$VG_PID" && wait_event vg '.event == "policy_reloaded"' 60 >/dev/null || return 1
	wait_event vg '.event == "agent_stats"' 30 >/dev/null
}

t_no_errors_no_leaks() {
	local rc=0
	kill -TERM "$VG_PID"
	wait "$VG_PID" || rc=$?
	VG_PID=
	grep -E 'ERROR SUMMARY|lost:|All heap' "$WORK/memcheck.log" | sed 's/^/  /'
	if [[ $rc -ne 0 ]]; then
		log "agent under valgrind exited $rc; memcheck log:"
		grep -v "unhandled eBPF command" "$WORK/memcheck.log" | grep -A20 -E "^==[0-9]+== [A-Z]" | head -60 >&2
		return 1
	fi
	grep -q 'ERROR SUMMARY: 0 errors' "$WORK/memcheck.log" &&
		wait_event vg '.event == "agent_stop"' 5 >/dev/null
}

check "valgrind: agent start, events, container, metrics, reload" t_runs_under_memcheck
check "valgrind: memcheck clean, no leaks at exit" t_no_errors_no_leaks
finish_suite valgrind
