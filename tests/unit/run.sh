#!/usr/bin/env bash
# Runs every unit-test binary in DIR; closes with "unit: N passed, N failed".
set -uo pipefail
dir=${1:?usage: run.sh DIR}
passed=0 failed=0
for t in "$dir"/test_*; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A crash (sanitizer, signal) counts even when cmocka printed nothing.
	if [[ $rc -ne 0 && -z $f ]]; then failed=$((failed + 1)); fi
done
echo "unit: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
