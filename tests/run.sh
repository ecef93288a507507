#!/usr/bin/env bash
# Runs every suite: unit, host integration, evasion and Docker Engine (userspace under ASan/UBSan),
# the soak's short version,
# runtime metadata against real runtimes, deployment artefacts (static
# build, manifests), the VM accelerator choice and the VM suite (BPF LSM),
# the agent under valgrind memcheck, and a short fuzzing pass.
#
# Each suite closes with "NAME: N passed, N failed" (", N skipped" when
# any were). Every suite in SUITES must print that line exactly once, by
# its name: one that died before it, or never ran, fails the run by name.
# Closes with one total line, "N passed, N failed" (", N skipped"). A skip
# fails CI, and so does a partial selection (tests/lib/summary.sh).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tests/lib/summary.sh
source "$ROOT/tests/lib/summary.sh"

# The suites that must report, by the name on their closing line.
SUITES=(unit integration evasion docker soak metadata deploy vmaccel vm vm-arm64 valgrind fuzz)
# Variables that leave tests out: development only, refused under CI.
PARTIAL_VARS=(NSG_TEST_ONLY FUZZ_TARGETS NSGUARD_VM_ARM64_BOOTS)

for v in "${PARTIAL_VARS[@]}"; do
	if [[ -n ${!v:-} ]] && ci_mode; then
		echo "tests/run.sh: $v=${!v} selects part of the tests, which CI refuses (CI=$CI)" >&2
		exit 2
	fi
done

LOGS=$(mktemp -d)
trap 'rm -rf "$LOGS"' EXIT
declare -A RC=() CLOSING=()

# NAME CMD...: one suite; its output is kept apart to find its closing line.
run_suite() {
	local name=$1
	shift
	"$@" 2>&1 | tee "$LOGS/$name.log"
	RC[$name]=$?
}

valgrind_suite() {
	# valgrind's note on each bpf() command it cannot model is noise.
	"$ROOT/tests/valgrind/run.sh" 2>&1 | grep -v 'unhandled eBPF command'
}

AGENT=${NSGUARD:-$ROOT/.output/asan/nsguard}
run_suite unit "$ROOT/tests/unit/run.sh" "$ROOT/.output/asan/tests"
run_suite integration env NSGUARD="$AGENT" "$ROOT/tests/integration/run.sh"
run_suite evasion env NSGUARD="$AGENT" "$ROOT/tests/evasion/run.sh"
run_suite docker env NSGUARD="$AGENT" "$ROOT/tests/docker/run.sh"
# The soak's two-minute version, on the release build (RSS is measured).
run_suite soak "$ROOT/tests/soak/run.sh" --short
run_suite metadata "$ROOT/tests/integration/metadata_selftest.sh"
run_suite deploy "$ROOT/tests/deploy/run.sh"
run_suite vmaccel "$ROOT/tests/vm/accel-test.sh"
run_suite vm "$ROOT/tests/vm/run.sh"
run_suite vm-arm64 "$ROOT/tests/vm/arm64/run.sh"
run_suite valgrind valgrind_suite
# A short libFuzzer pass over every target: any crash fails the run.
run_suite fuzz make -C "$ROOT" --no-print-directory fuzz FUZZ_SECONDS="${NSG_FUZZ_SECONDS:-15}"

passed=0 failed=0 skipped=0 status=0
summary_re='^%s: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?$'

# NAME: adds the suite's counts; a missing or doubled closing line, or an
# exit status its counts do not explain, is one more failure, by name.
tally() {
	local name=$1 re lines n p f s
	# shellcheck disable=SC2059  # the format is ours
	re=$(printf "$summary_re" "$name")
	lines=$(grep -E "$re" "$LOGS/$name.log" 2>/dev/null)
	n=$(grep -c . <<<"$lines")
	if ((n == 0)); then
		echo "suite $name: missing (no closing line \"$name: N passed, N failed\")"
		failed=$((failed + 1))
		return
	elif ((n > 1)); then
		echo "suite $name: $n closing lines, want 1"
		failed=$((failed + 1))
		return
	fi
	CLOSING[$name]=$lines
	[[ $lines =~ $re ]]
	p=${BASH_REMATCH[1]} f=${BASH_REMATCH[2]} s=${BASH_REMATCH[4]:-0}
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	if [[ ${RC[$name]} -ne 0 && $f -eq 0 ]] && ! { ((s > 0)) && ci_mode; }; then
		echo "suite $name: exit ${RC[$name]} with no failed test"
		failed=$((failed + 1))
	fi
}

# A failing test's own line, in any suite's format (cmocka, the shell
# suites' "[ FAIL ] name" and "failed: name", FAIL lines, a VM boot that
# never reported).
FAILURE_RE='^ *(\[ *FAIL(ED)? *\]|FAIL\b|failed: |not ok\b|.*ended without a summary|.*(host|guest) timeout)'

# NAME: the suite's closing line, and, when it did not pass, the lines that
# name what failed, so that the end of the log says where to look.
recap() {
	local name=$1
	echo "  ${CLOSING[$name]:-$name: no single closing line} (exit ${RC[$name]:-none})"
	[[ ${RC[$name]:-1} -eq 0 ]] && return
	grep -E "$FAILURE_RE" "$LOGS/$name.log" 2>/dev/null | head -15 | sed 's/^ */    /'
}

for name in "${SUITES[@]}"; do
	tally "$name"
	[[ ${RC[$name]:-1} -eq 0 ]] || status=1
done
echo "suites:"
for name in "${SUITES[@]}"; do recap "$name"; done
# A suite run here but not in SUITES would go unchecked.
for name in "${!RC[@]}"; do
	[[ " ${SUITES[*]} " == *" $name "* ]] || { echo "suite $name: not in SUITES"; status=1; }
done
if ((skipped > 0)) && ci_mode; then
	echo "$skipped skipped, and CI is set: a skip fails CI"
	status=1
fi
counts_line "$passed" "$failed" "$skipped"
[[ $status -eq 0 && $failed -eq 0 ]]
