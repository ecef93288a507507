#!/usr/bin/env bash
# Runs the libFuzzer targets built by tests/fuzz/fuzz.mk.
#
#   run.sh [--out DIR] [--seconds N | --regress] TARGET...
#
# Each target fuzzes a scratch copy of tests/fuzz/corpus/<target>/ (the
# committed corpus is never modified) for N seconds (-max_total_time), with
# tests/fuzz/dict/<target>.dict when there is one. --regress instead runs
# each target once over the committed corpus. A target that crashes, leaks,
# times out or runs out of memory fails; its input is kept under
# DIR/crashes/ and its path printed. A target that executed no input
# fails too. A target of tests/fuzz/fuzz_*.c not named is counted as
# skipped. The last line is `fuzz: N passed, N failed` (", N skipped");
# the exit status is 0 only when none failed (and, under CI, none was
# skipped: tests/lib/summary.sh).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# shellcheck source=tests/lib/summary.sh
source "$root/tests/lib/summary.sh"
out=$root/.output/fuzz
seconds=30
regress=0
targets=()

while [[ $# -gt 0 ]]; do
	case $1 in
	--out) out=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--regress) regress=1; shift ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[[ $out = /* ]] || out=$root/$out
if [[ ${#targets[@]} -eq 0 ]]; then
	for f in "$here"/fuzz_*.c; do
		t=${f##*/fuzz_}
		targets+=("${t%.c}")
	done
fi
if ! [[ $seconds =~ ^[0-9]+$ ]] || [[ $seconds -lt 1 ]]; then
	echo "fuzz: FUZZ_SECONDS must be a positive integer, not '$seconds'" >&2
	echo "fuzz: 0 passed, ${#targets[@]} failed"
	exit 1
fi

crashes=$out/crashes
mkdir -p "$crashes"
passed=0
failed=0
skipped=0

# Every target with a source here runs, or is counted as skipped.
for f in "$here"/fuzz_*.c; do
	t=${f##*/fuzz_}
	t=${t%.c}
	if [[ " ${targets[*]} " != *" $t "* ]]; then
		echo "fuzz_$t: skipped (not among the targets given)"
		skipped=$((skipped + 1))
	fi
done

stat_of() { sed -n "s/^stat::$1: *//p" "$2" | tail -1; }

for t in "${targets[@]}"; do
	bin=$out/fuzz_$t
	seeds=$here/corpus/$t
	work=$out/work/$t
	log=$out/$t.log
	if [[ ! -x $bin ]]; then
		echo "fuzz_$t: FAIL: $bin not built"
		failed=$((failed + 1))
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work/corpus"
	if [[ -d $seeds ]] && ! cp -r "$seeds/." "$work/corpus/"; then
		echo "fuzz_$t: FAIL: cannot copy its corpus"
		failed=$((failed + 1))
		continue
	fi
	nseeds=$(find "$work/corpus" -type f | wc -l)
	args=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1
		"-artifact_prefix=$crashes/$t-")
	[[ -f $here/dict/$t.dict ]] && args+=("-dict=$here/dict/$t.dict")
	# Inputs written before this run are not this run's findings.
	touch "$work/.start"
	# The targets' own scratch files (tmpfs), removed here even after a crash.
	scratch=$(mktemp -d /dev/shm/nsguard-fuzz-run.XXXXXX 2>/dev/null || mktemp -d)
	# New corpus entries stay in the scratch copy only.
	if [[ $regress -eq 1 ]]; then
		FUZZ_TMPDIR=$scratch "$bin" "${args[@]}" -runs=0 "$work/corpus" >"$log" 2>&1
	else
		FUZZ_TMPDIR=$scratch "$bin" "${args[@]}" "-max_total_time=$seconds" "$work/corpus" \
			>"$log" 2>&1
	fi
	rc=$?
	rm -rf -- "$scratch"
	runs=$(stat_of number_of_executed_units "$log")
	eps=$(stat_of average_exec_per_sec "$log")
	rss=$(stat_of peak_rss_mb "$log")
	ncorpus=$(find "$work/corpus" -type f | wc -l)
	summary="${runs:-?} runs, ${eps:-?} exec/s, corpus $nseeds -> $ncorpus, peak RSS ${rss:-?} MB"
	# A clean exit that executed nothing fuzzed nothing.
	if [[ $rc -eq 0 && ${runs:-0} -gt 0 ]]; then
		echo "fuzz_$t: ok: $summary"
		passed=$((passed + 1))
		continue
	fi
	failed=$((failed + 1))
	if [[ $rc -eq 0 ]]; then
		echo "fuzz_$t: FAIL: exit 0 but no input executed: $summary; log $log"
		continue
	fi
	echo "fuzz_$t: FAIL (exit $rc): $summary; log $log"
	# The sanitizer's or the check's own words.
	grep -m1 -E '^==[0-9]+==ERROR|runtime error:|fuzz check failed|^SUMMARY:|deadly signal|ERROR: libFuzzer' \
		"$log" | sed 's/^/  /'
	grep -m1 -E '^SUMMARY:' "$log" | sed 's/^/  /'
	found=0
	while IFS= read -r f; do
		echo "  input: $f"
		found=1
	done < <(find "$crashes" -maxdepth 1 -type f -name "$t-*" -newer "$work/.start" | sort)
	[[ $found -eq 1 ]] || echo "  input: none written (see $log)"
done

suite_summary fuzz "$passed" "$failed" "$skipped"
