#!/usr/bin/env bash
# VM tests (`make vmtest`): two boots of Debian's stock kernel, with bpf in
# lsm= (tier lsm) and without (tier signal), each running enforce-job.sh
# against the agent built here. Closes with "vm: N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/summary.sh
source "$ROOT/tests/lib/summary.sh"
# shellcheck source=tests/vm/guest-kernel.sh
source "$ROOT/tests/vm/guest-kernel.sh"
NSGUARD=${NSGUARD:-$ROOT/.output/nsguard}
RESULTS=$(mktemp -d /tmp/nsguard-vmtest.XXXXXX)
trap 'rm -rf "$RESULTS"' EXIT

# The guest sees the host's root read-only but covers /tmp, /run, /var/lib,
# /var/tmp and /root with tmpfs, and a checkout may live there: everything
# the job needs travels in one staged folder instead ($VM_WORK/in/stage).
STAGE=$RESULTS/stage
stage() {
	mkdir -p "$STAGE/tests/integration" "$STAGE/tests/vm" &&
		cp "$NSGUARD" "$STAGE/nsguard" &&
		cp "$(dirname "$NSGUARD")/nsguard-oci-hook" "$STAGE/nsguard-oci-hook" &&
		"$ROOT/tests/helpers/build.sh" "$STAGE/helpers" &&
		cp -r "$ROOT/tests/lib" "$ROOT/tests/evasion" "$STAGE/tests/" &&
		cp "$ROOT/tests/integration/lib.sh" "$ROOT/tests/integration/production_cases.sh" \
			"$STAGE/tests/integration/" &&
		cp "$ROOT/tests/vm/enforce-job.sh" "$STAGE/tests/vm/"
}
stage || { echo "vm: cannot stage the job"; echo "vm: 0 passed, 1 failed"; exit 1; }
cd / || exit 1
passed=0 failed=0

# NAME LSM_LIST: one boot; its summary line is added to the totals.
boot() {
	local name=$1 lsm=$2 rc=0
	# Sized for TCG on a loaded 2-core host (a boot takes 12-19 minutes there;
	# two boots at the limit still fit in the 90 minutes CI gives the whole run).
	"$ROOT/tests/vm/run-vm.sh" --quiet --lsm "$lsm" --timeout 1800 --file "$STAGE" \
		${NSG_TEST_ONLY:+--env "NSG_TEST_ONLY=$NSG_TEST_ONLY"} \
		"$STAGE/tests/vm/enforce-job.sh" "$RESULTS/$name" || rc=$?
	sed 's/^/    /' "$RESULTS/$name/output.log" 2>/dev/null
	add_boot_counts vm "$RESULTS/$name/output.log" "$rc" ||
		unfinished_boot vm "$name (lsm=$lsm)" "$RESULTS/$name" "$rc"
}

skipped=0
boot lsm lockdown,capability,bpf
boot signal lockdown,capability
suite_summary vm "$passed" "$failed" "$skipped"
