# shellcheck shell=bash
#
# summary.sh — the closing line every suite prints, and the rule that a
# skipped test is counted and fails CI (a test that did not run proved
# nothing, so it cannot pass as nothing).
#
#   ci_mode                       true when CI is set (not empty, 0 or false)
#   counts_line PASSED FAILED SKIPPED
#                                 "N passed, N failed", then ", N skipped"
#                                 when any were
#   suite_summary NAME PASSED FAILED SKIPPED
#                                 prints "NAME: <counts_line>" as the last
#                                 line; fails when any failed, or when any
#                                 were skipped under CI

ci_mode() {
	local ci=${CI:-}
	[[ -n $ci && $ci != 0 && ${ci,,} != false ]]
}

counts_line() {
	local line="$1 passed, $2 failed"
	(($3 > 0)) && line+=", $3 skipped"
	echo "$line"
}

suite_summary() {
	local name=$1 passed=$2 failed=$3 skipped=$4 rc=0
	((failed == 0)) || rc=1
	if ((skipped > 0)) && ci_mode; then
		echo "$name: $skipped skipped, and CI is set: a skip fails CI"
		rc=1
	fi
	echo "$name: $(counts_line "$passed" "$failed" "$skipped")"
	return $rc
}
