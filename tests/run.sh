#!/usr/bin/env bash
# Runs every suite: unit, host integration and evasion (userspace under ASan/UBSan),
# runtime metadata against real runtimes, deployment artefacts (static
# build, manifests), the VM suite (BPF LSM), the agent under valgrind
# memcheck, and a short fuzzing pass. Closes with one total line:
# "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
"$ROOT/tests/unit/run.sh" "$ROOT/.output/asan/tests" 2>&1 | tee -a "$log" || status=1
NSGUARD=${NSGUARD:-$ROOT/.output/asan/nsguard} "$ROOT/tests/integration/run.sh" 2>&1 |
	tee -a "$log" || status=1
NSGUARD=${NSGUARD:-$ROOT/.output/asan/nsguard} "$ROOT/tests/evasion/run.sh" 2>&1 |
	tee -a "$log" || status=1
"$ROOT/tests/integration/metadata_selftest.sh" 2>&1 | tee -a "$log" || status=1
"$ROOT/tests/deploy/run.sh" 2>&1 | tee -a "$log" || status=1
"$ROOT/tests/vm/run.sh" 2>&1 | tee -a "$log" || status=1
"$ROOT/tests/valgrind/run.sh" 2>&1 | grep -v 'unhandled eBPF command' | tee -a "$log" || status=1
# A short libFuzzer pass over every target: any crash fails the run.
make -C "$ROOT" --no-print-directory fuzz FUZZ_SECONDS="${NSG_FUZZ_SECONDS:-15}" 2>&1 |
	tee -a "$log" || status=1

sum() { awk -v f="$1" '/^[a-z]+: [0-9]+ passed, [0-9]+ failed/ { s += $f } END { print s + 0 }' "$log"; }
passed=$(sum 2)
failed=$(sum 4)
suites=$(grep -cE '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$log")
# A suite that died before its summary is a failure too.
if [[ $suites -lt 8 ]]; then
	failed=$((${failed:-0} + 8 - suites))
	status=1
fi
echo "${passed:-0} passed, ${failed:-0} failed"
[[ $status -eq 0 && ${failed:-0} -eq 0 ]]
