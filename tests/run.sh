#!/usr/bin/env bash
# Runs the unit and host integration suites (userspace under ASan/UBSan)
# and the VM suite, and closes with one total line: "N passed, N failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT

status=0
"$ROOT/tests/unit/run.sh" "$ROOT/.output/asan/tests" 2>&1 | tee -a "$log" || status=1
NSGUARD=${NSGUARD:-$ROOT/.output/asan/nsguard} "$ROOT/tests/integration/run.sh" 2>&1 |
	tee -a "$log" || status=1
"$ROOT/tests/vm/run.sh" 2>&1 | tee -a "$log" || status=1

sum() { awk -v f="$1" '/^[a-z]+: [0-9]+ passed, [0-9]+ failed/ { s += $f } END { print s + 0 }' "$log"; }
passed=$(sum 2)
failed=$(sum 4)
suites=$(grep -cE '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$log")
# A suite that died before its summary is a failure too.
if [[ $suites -lt 3 ]]; then
	failed=$((${failed:-0} + 3 - suites))
	status=1
fi
echo "${passed:-0} passed, ${failed:-0} failed"
[[ $status -eq 0 && ${failed:-0} -eq 0 ]]
