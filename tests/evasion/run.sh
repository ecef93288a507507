#!/usr/bin/env bash
# Evasion suite on this kernel (signal tier): the agent (NSGUARD, built with
# ASan/UBSan by `make test`) in enforce mode against real runc containers
# trying to reach the host IPC namespace past it (cases.sh; the VM job runs
# the same cases on the lsm tier). Closes with "evasion: N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=tests/lib/enforce_cases.sh
source "$ROOT/tests/lib/enforce_cases.sh"
# shellcheck source=tests/evasion/cases.sh
source "$ROOT/tests/evasion/cases.sh"

if [[ $(id -u) -ne 0 ]]; then
	echo "evasion tests need root" >&2
	echo "evasion: 0 passed, 1 failed"
	exit 1
fi

WORK=$(mktemp -d /tmp/nsguard-evasion.XXXXXX)
HELPERS=$WORK/helpers
HOST_HELPER=
ENFORCE_TIER=signal

cleanup() {
	agent_stop_all
	[[ -n $HOST_HELPER ]] && kill "$HOST_HELPER" 2>/dev/null && wait "$HOST_HELPER" 2>/dev/null
	ctr_teardown
	rm -rf "$WORK"
}
trap cleanup EXIT

"$ROOT/tests/helpers/build.sh" "$HELPERS" || exit 1
export CTR_EXTRA_BINS="$HELPERS/pidfd_setns $HELPERS/evade"
ctr_setup "$WORK/ctr" || exit 1

# A host process whose namespaces are the targets (PID 1's are unreadable here).
sleep 3600 &
HOST_HELPER=$!

run_evasion_suite || FAILED=$((FAILED + 1))
for n in "${FAILED_NAMES[@]}"; do echo "failed: $n"; done
echo "evasion: $PASSED passed, $FAILED failed"
[[ $FAILED -eq 0 ]]
