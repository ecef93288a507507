#!/bin/bash
# selftest.sh [RESULT_DIR] — proves the VM harness: smoke.sh with and without BPF LSM,
# plus the harness's own contract (exit code, files back, leftover processes, guest
# timeout). Last line: "N passed, N failed"; exit status 0 only if none failed.
# RESULT_DIR (optional) keeps each boot's console.log/output.log under RESULT_DIR/<test>.
set -uo pipefail   # no -e: a failing boot is a result to count, not a reason to stop

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KEEP=${1:-}
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/nsguard-vm-selftest.XXXXXX")
trap 'rm -rf "$RESULTS"' EXIT
PASSED=0
FAILED=0

pass() { echo "PASS $1"; PASSED=$((PASSED + 1)); }
fail() { echo "FAIL $1"; FAILED=$((FAILED + 1)); }

# boot NAME EXPECTED_RC RUN_VM_ARGS... — one VM run; passes if the exit code matches and
# the optional check function $CHECK succeeds on its result dir.
boot() {
    local name=$1 want=$2 rc=0; shift 2
    # run-vm's stderr (console tail on non-zero exits) only matters when the test fails.
    "$HERE/run-vm.sh" --quiet "$@" "$RESULTS/$name" 2>"$RESULTS/$name.err" || rc=$?
    if [[ $rc == "$want" ]] && ${CHECK:-true} "$RESULTS/$name"; then
        pass "$name"
    else
        cat "$RESULTS/$name.err" "$RESULTS/$name/output.log" 2>/dev/null
        fail "$name (exit $rc, wanted $want)"
    fi
    [[ -z $KEEP ]] || { mkdir -p "$KEEP"; cp -r "$RESULTS/$name" "$KEEP/"; }
}

# A job that exits 7, leaves a daemon holding its stdout and writes a result file.
contract_job() {
    cat <<'EOF'
sleep 1000 &
echo payload >"$VM_OUT/result.txt"
echo "marker-$VM_LSM"
exit 7
EOF
}

contract_check() {
    grep -qx payload "$1/out/result.txt" && grep -q marker-lockdown "$1/output.log"
}

main() {
    local t0=$SECONDS
    boot smoke-bpf-lsm 0 --lsm lockdown,capability,bpf "$HERE/smoke.sh"
    boot smoke-no-bpf-lsm 0 --lsm lockdown,capability "$HERE/smoke.sh"
    contract_job >"$RESULTS/contract.sh"
    CHECK=contract_check boot exit-code-and-files 7 --lsm lockdown "$RESULTS/contract.sh"
    echo 'echo hanging; sleep 1000' >"$RESULTS/hang.sh"
    boot guest-timeout 124 --timeout 3 "$RESULTS/hang.sh"
    echo "selftest took $((SECONDS - t0)) s"
    echo "$PASSED passed, $FAILED failed"
    [[ $FAILED == 0 ]]
}

main "$@"
