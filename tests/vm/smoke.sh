#!/bin/bash
# shellcheck disable=SC2317  # functions called through check/trap look unreachable
# smoke.sh — guest job (run by run-vm.sh) proving the VM is fit for nsguard's tests:
# the requested LSM list took effect, BTF and bpftool work, and runc runs a container
# in a pure cgroup v2 hierarchy. Prints "ok - X" / "not ok - X"; exits with the number
# of failed checks.
set -euo pipefail

FAILED=0
CID=$(printf 'cafe%060d' "$$")     # a container ID as runtimes make them: 64 hex
CGROUP=/nsguard-smoke/$CID
BUNDLE=/tmp/smoke-bundle

check() {
    local name=$1 t0=$EPOCHREALTIME; shift
    if "$@"; then echo -n "ok - $name"; else echo -n "not ok - $name"; FAILED=$((FAILED + 1)); fi
    echo " ($(elapsed_ms "$t0") ms)"
}

elapsed_ms() {
    local now=$EPOCHREALTIME
    echo $(( (${now/./} - ${1/./}) / 1000 ))
}

# bpf must be active exactly when the boot's lsm= asked for it (VM_LSM from run-vm.sh).
lsm_matches_boot() {
    local active wanted=no have=no
    active=$(cat /sys/kernel/security/lsm)
    echo "# lsm: $active (requested ${VM_LSM:-?})"
    [[ ,${VM_LSM:-}, == *,bpf,* ]] && wanted=yes
    [[ ,$active, == *,bpf,* ]] && have=yes
    [[ $wanted == "$have" ]]
}

bpftool_works() {
    bpftool prog list >/dev/null && [[ -r /sys/kernel/btf/vmlinux ]]
}

# Rootfs = static busybox; no image needed.
make_bundle() {
    mkdir -p "$BUNDLE/rootfs/bin"
    cp /bin/busybox "$BUNDLE/rootfs/bin/"
    ln -s busybox "$BUNDLE/rootfs/bin/sh"
    (cd "$BUNDLE" && runc spec)
    # No cgroup namespace, so /proc/self/cgroup shows the real path to check.
    jq --arg cg "$CGROUP" '.process.terminal = false
        | .process.args = ["/bin/sh", "-c", "echo hello-from-container pid=$$; cat /proc/self/cgroup"]
        | .linux.cgroupsPath = $cg
        | .linux.namespaces |= map(select(.type != "cgroup"))' \
        "$BUNDLE/config.json" >"$BUNDLE/config.new"
    mv "$BUNDLE/config.new" "$BUNDLE/config.json"
}

runc_runs_container() {
    local out
    make_bundle
    out=$(runc run --bundle "$BUNDLE" "smoke-$$" 2>&1) || { echo "$out"; return 1; }
    printf "# container: %s\n" "${out//$'\n'/$'\n# container: '}"
    [[ $out == *"hello-from-container pid=1"* && $out == *"0::$CGROUP"* ]]
}

cgroup_is_pure_v2() {
    [[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]
}

main() {
    echo "# kernel: $(uname -r)"
    check "lsm list matches lsm= of the boot" lsm_matches_boot
    check "cgroup v2 only" cgroup_is_pure_v2
    check "bpftool prog list, BTF present" bpftool_works
    check "runc runs a busybox container at $CGROUP" runc_runs_container
    echo "# $FAILED failed"
    exit "$FAILED"
}

main "$@"
