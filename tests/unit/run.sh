#!/usr/bin/env bash
# Runs the unit-test binary in DIR of every tests/unit/test_*.c (one not
# built fails) and counts cmocka's passed, failed and skipped tests, then
# the checks of user/'s shape (tests/structure/check.py, on DIR/../libnsguard.a). As
# root each binary runs in a private network namespace with loopback up,
# so the IPv6 case runs even where the host has no ::1 (and no test meets
# another's ports). Closes with "unit: N passed, N failed" (", N skipped"
# when any were: a skip fails CI, see tests/lib/summary.sh).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/summary.sh
source "$here/../lib/summary.sh"
dir=${1:?usage: run.sh DIR}
passed=0 failed=0 skipped=0
skipped_names=()

run_one() {
	if [[ $(id -u) -eq 0 ]]; then
		unshare --net -- sh -c 'ip link set lo up && exec "$0"' "$1"
	else
		"$1"
	fi
}

# WORD OUTPUT: N from cmocka's "[  WORD  ] N test(s)..." line, or nothing.
cmocka_count() {
	sed -n "s/^\[ *$1 *\] \([0-9][0-9]*\) test(s).*/\1/p" <<<"$2" | tail -1
}

# One binary: its counts are added; what does not add up is one more failure.
run_test() {
	local t=$1 name=${1##*/} out rc=0 ran p f s
	out=$(run_one "$t" 2>&1) || rc=$?
	printf '%s\n' "$out"
	ran=$(sed -n 's/^\[==========\] \([0-9][0-9]*\) test(s) run\.$/\1/p' <<<"$out" | tail -1)
	p=$(cmocka_count PASSED "$out")
	f=$(cmocka_count FAILED "$out")
	s=$(cmocka_count SKIPPED "$out")
	passed=$((passed + ${p:-0})) failed=$((failed + ${f:-0})) skipped=$((skipped + ${s:-0}))
	while read -r n; do
		[[ -n $n ]] && skipped_names+=("$name: $n")
	done < <(sed -n 's/^\[  SKIPPED \] \([^ ]*\)$/\1/p' <<<"$out" | sort -u)
	# A crash (sanitizer, signal) or a summary cmocka did not finish.
	if [[ -z $ran ]] || ((${p:-0} + ${f:-0} + ${s:-0} != ran)); then
		echo "FAIL $name: cmocka's counts do not add up (run ${ran:-?}," \
			"passed ${p:-?}, failed ${f:-?}, skipped ${s:-?}; exit $rc)"
		failed=$((failed + 1))
	elif [[ $rc -ne 0 && ${f:-0} -eq 0 ]]; then
		echo "FAIL $name: exit $rc with no failed test"
		failed=$((failed + 1))
	fi
}

for src in "$here"/test_*.c; do
	t=$dir/$(basename "$src" .c)
	if [[ ! -x $t ]]; then
		echo "FAIL ${t##*/}: $t not built"
		failed=$((failed + 1))
		continue
	fi
	run_test "$t"
done

# The shape of user/ (tests/structure/check.py): its checks count here.
structure() {
	local out p f
	out=$(python3 "$here/../structure/check.py" "$dir/../libnsguard.a" 2>&1)
	printf '%s\n' "$out"
	read -r p f < <(sed -n 's/^structure: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' <<<"$out")
	if [[ -z ${p:-} ]]; then
		echo "FAIL structure: tests/structure/check.py gave no summary"
		failed=$((failed + 1))
		return
	fi
	passed=$((passed + p)) failed=$((failed + f))
}
structure
for n in "${skipped_names[@]}"; do echo "skipped: $n"; done
suite_summary unit "$passed" "$failed" "$skipped"
