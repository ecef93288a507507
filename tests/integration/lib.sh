# shellcheck shell=bash
#
# lib.sh — run the nsguard agent under test and assert on its JSON feed.
#
#   agent_start NAME [ARGS...]   start the agent, feed in $WORK/NAME.jsonl, wait for agent_start
#   agent_stop NAME              SIGTERM, wait, assert exit 0 and agent_stop
#   wait_event NAME JQ_FILTER [TIMEOUT]   print the first matching event (bounded wait)
#   barrier NAME                 make a marker event and wait for it: every event
#                                caused before the call has then been delivered
#   count_events NAME JQ_FILTER  number of matching events
#   wait_state NAME JQ_FILTER    the state of the next agent_stats matching (needs --stats-interval)
#   check NAME CMD...            run one test case, count pass/fail (or skip)
#   finish_suite NAME            failed and skipped cases by name, then the
#                                closing line; fails on a failure, or a skip under CI
#
# Waits poll the feed file every 50 ms up to a deadline; nothing sleeps and hopes.

NSGUARD=${NSGUARD:?set NSGUARD to the agent binary}
# shellcheck source=tests/lib/summary.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/summary.sh"
declare -A AGENT_PID=()
PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()
SKIPPED_NAMES=()

log() { printf '  %s\n' "$*" >&2; }

feed() { echo "$WORK/$1.jsonl"; }

agent_start() {
	local name=$1 f
	shift
	f=$(feed "$name")
	: >"$f"
	# Each agent its own hook socket: several run at once in these tests.
	"$NSGUARD" --output "$f" --stats-interval 0 --hook-socket "$WORK/$name.hook" "$@" \
		2>"$WORK/$name.stderr" &
	AGENT_PID[$name]=$!
	if ! wait_event "$name" '.event == "agent_start"' 30 >/dev/null; then
		log "agent $name did not start:"
		cat "$WORK/$name.stderr" >&2
		return 1
	fi
}

agent_stop() {
	local name=$1 pid=${AGENT_PID[$1]:-} rc=0
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	unset "AGENT_PID[$name]"
	if [[ $rc -ne 0 ]]; then
		log "agent $name exited $rc:"
		cat "$WORK/$name.stderr" >&2
		return 1
	fi
	wait_event "$name" '.event == "agent_stop"' 5 >/dev/null
}

# Kills every agent still running (EXIT trap).
agent_stop_all() {
	local name
	for name in "${!AGENT_PID[@]}"; do
		kill -TERM "${AGENT_PID[$name]}" 2>/dev/null || true
		wait "${AGENT_PID[$name]}" 2>/dev/null || true
	done
	AGENT_PID=()
}

wait_event() {
	local name=$1 filter=$2 timeout=${3:-15} f line deadline
	f=$(feed "$name")
	deadline=$((SECONDS + timeout))
	while :; do
		line=$(jq -c "select($filter)" "$f" 2>/dev/null | head -n 1)
		if [[ -n $line ]]; then
			printf '%s\n' "$line"
			return 0
		fi
		if ((SECONDS >= deadline)); then
			log "no event matching: $filter (waited ${timeout}s)"
			return 1
		fi
		sleep 0.05
	done
}

# AGENT FILTER: the state object of the first agent_stats after now matching FILTER.
wait_state() {
	local mark ev
	mark=$(date -u +%Y-%m-%dT%H:%M:%S)
	ev=$(wait_event "$1" ".event == \"agent_stats\" and .time >= \"$mark\" and ($2)" 30) || return 1
	jq -c .state <<<"$ev"
}

# Fails (no output) when the filter is not valid jq, so a typo cannot pass as "0 events".
count_events() {
	local out
	out=$(jq -c "select($2)" "$(feed "$1")") || { log "jq failed on: $2"; return 1; }
	[[ -z $out ]] && echo 0 || wc -l <<<"$out"
}

# A host `unshare --uts` whose ns_create event marks a point in the feed.
barrier() {
	local name=$1 pidfile=$WORK/barrier.pid
	sh -c 'echo $$ >"$1"; exec unshare --uts true' sh "$pidfile"
	wait_event "$name" ".event == \"ns_create\" and .pid == $(cat "$pidfile")" 15 >/dev/null
}

# expect_json JSON JQ_BOOLEAN_EXPR: fails (and shows the event) unless true.
expect_json() {
	if ! jq -e "$2" >/dev/null <<<"$1"; then
		log "expected: $2"
		log "event:    $1"
		return 1
	fi
}

# NSG_TEST_ONLY=REGEX runs only the matching cases (development): the others
# are counted as skipped, so a stray variable cannot pass as a clean run.
check() {
	local name=$1
	shift
	if [[ -n ${NSG_TEST_ONLY:-} && ! $name =~ $NSG_TEST_ONLY ]]; then
		SKIPPED=$((SKIPPED + 1))
		SKIPPED_NAMES+=("$name")
		printf '[ SKIP ] %s\n' "$name"
		return 0
	fi
	printf '[ RUN  ] %s\n' "$name"
	if "$@"; then
		PASSED=$((PASSED + 1))
		printf '[ PASS ] %s\n' "$name"
	else
		FAILED=$((FAILED + 1))
		FAILED_NAMES+=("$name")
		printf '[ FAIL ] %s\n' "$name"
	fi
}

finish_suite() {
	local n
	for n in "${FAILED_NAMES[@]}"; do echo "failed: $n"; done
	for n in "${SKIPPED_NAMES[@]}"; do echo "skipped: $n (NSG_TEST_ONLY=${NSG_TEST_ONLY:-})"; done
	suite_summary "$1" "$PASSED" "$FAILED" "$SKIPPED"
}

# --- Shared by the host suite and the VM jobs ------------------------------

# Cgroup paths as Docker (cgroupfs driver) and the kubelet write them.
docker_cg() { echo "/docker/$1"; }
kube_cg() { echo "/kubepods/besteffort/pod$(ctr_new_uuid)/$1"; }

# PIDFILE CMD...: its pid is written to PIDFILE, then it execs the rest.
run_recording_pid() {
	local pidfile=$1
	shift
	sh -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@"
}

# A host-PID container with CAP_SYS_ADMIN/PTRACE: host pids are visible in it.
start_setns_container() {
	local id=$1
	ctr_run runc "$id" "$(kube_cg "$id")" hostpid,caps -- sleep 60
}

# CMD...: must exit 2 with exactly one line on stderr containing $WANT.
expect_usage_error() {
	local want=$1 err rc=0
	shift
	err=$("$@" 2>&1 >/dev/null) || rc=$?
	if [[ $rc -ne 2 || $(wc -l <<<"$err") -ne 1 || $err != *"$want"* ]]; then
		log "$* -> exit $rc, stderr: $err (want exit 2, one line with '$want')"
		return 1
	fi
}

# --- Host suites (integration, evasion): the same start --------------------

# NAME HELPER...: root or a failed summary; a work folder ($WORK), the static
# helpers ($HELPERS; the HELPERs named also in every container's
# /usr/local/bin), the container rootfs, a host process whose namespaces are
# the targets ($HOST_HELPER: PID 1's are unreadable here), and cleanup of
# all of it, agents included, at exit.
host_suite_setup() {
	local name=$1 h bins=()
	shift
	if [[ $(id -u) -ne 0 ]]; then
		echo "$name tests need root" >&2
		echo "$name: 0 passed, 1 failed"
		exit 1
	fi
	WORK=$(mktemp -d "/tmp/nsguard-$name.XXXXXX")
	HELPERS=$WORK/helpers
	HOST_HELPER=
	trap host_suite_cleanup EXIT
	"$ROOT/tests/helpers/build.sh" "$HELPERS" || exit 1
	for h in "$@"; do bins+=("$HELPERS/$h"); done
	export CTR_EXTRA_BINS="${bins[*]}"
	ctr_setup "$WORK/ctr" || exit 1
	sleep 3600 &
	HOST_HELPER=$!
}

host_suite_cleanup() {
	agent_stop_all
	declare -F fault_cleanup >/dev/null && fault_cleanup
	[[ -n $HOST_HELPER ]] && kill "$HOST_HELPER" 2>/dev/null && wait "$HOST_HELPER" 2>/dev/null
	ctr_teardown
	[[ -n ${NSG_KEEP_WORK:-} ]] || rm -rf "$WORK"
}
