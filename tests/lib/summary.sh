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
#   add_boot_counts PREFIX LOG RC / add_unfinished_boot PREFIX NAME LOG RC
#                                 a VM boot's counts, with or without its
#                                 closing line (below)

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

# add_boot_counts PREFIX OUTPUT_LOG RC
#   adds the closing line of one VM boot ("PREFIX-NAME: N passed, N failed",
#   ", N skipped") found in OUTPUT_LOG to the caller's passed, failed and
#   skipped; a boot that exited RC != 0 with no failed case counts one
#   failure. Returns 1, adding nothing, when the boot printed no such line.
add_boot_counts() {
	local re="^$1-[a-z]+: ([0-9]+) passed, ([0-9]+) failed(, ([0-9]+) skipped)?\$" summary
	summary=$(grep -E "$re" "$2" 2>/dev/null | tail -1)
	[[ $summary =~ $re ]] || return 1
	passed=$((passed + BASH_REMATCH[1]))
	failed=$((failed + BASH_REMATCH[2]))
	skipped=$((skipped + ${BASH_REMATCH[4]:-0}))
	if [[ $3 -ne 0 && ${BASH_REMATCH[2]} -eq 0 ]]; then failed=$((failed + 1)); fi
	return 0
}

# add_unfinished_boot PREFIX NAME OUTPUT_LOG RC [WHY]
#   for a boot that printed no closing line (a timeout, a guest that died):
#   adds the cases it finished ("[ PASS ]", "[ FAIL ]" lines) to the caller's
#   passed and failed, one failure for the boot itself, and says which case
#   was running when it stopped (and WHY, when the caller knows, such as the
#   guest kernel's oops), so a hang is named rather than only counted.
add_unfinished_boot() {
	local prefix=$1 name=$2 log=$3 rc=$4 why=${5:-} p f running
	p=$(grep -cE '^ *\[ PASS \] ' "$log" 2>/dev/null) || p=0
	f=$(grep -cE '^ *\[ FAIL \] ' "$log" 2>/dev/null) || f=0
	running=$(awk '/^ *\[ RUN  \] / { sub(/^ *\[ RUN  \] /, ""); r = $0 }
		/^ *\[ (PASS|FAIL|SKIP) \] / { r = "" }
		END { print r }' "$log" 2>/dev/null)
	passed=$((passed + p))
	failed=$((failed + f + 1))
	echo "$prefix boot $name ended without a summary (exit $rc) after $p passed, $f failed;" \
		"running: ${running:-no case}${why:+; $why}"
}
