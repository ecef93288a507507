#!/usr/bin/env bash
# Docker suite on this kernel (signal tier): the agent (NSGUARD, built with
# ASan/UBSan by `make test`) against Debian's Docker Engine, started here with
# a data root of its own (never /var/lib/docker: the agent must find it) and
# no network. The CIS controls' own commands, exec + nsenter, compose,
# restart/stop/rm, allowlisting through the nsguard-runc runtime wrapper
# registered in daemon.json, and what an operator sees (scan, controls, the
# path from audit to enforce), and the DaemonSet's pod spec run for real.
# Closes with "docker: N passed, N failed".
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/lib/containers.sh
source "$ROOT/tests/lib/containers.sh"
# shellcheck source=tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"
# shellcheck source=tests/lib/enforce_cases.sh
source "$ROOT/tests/lib/enforce_cases.sh"
# shellcheck source=tests/lib/docker.sh
source "$ROOT/tests/lib/docker.sh"
# shellcheck source=tests/docker/cases.sh
source "$ROOT/tests/docker/cases.sh"
# shellcheck source=tests/docker/wrapper_cases.sh
source "$ROOT/tests/docker/wrapper_cases.sh"
# shellcheck source=tests/docker/operator_cases.sh
source "$ROOT/tests/docker/operator_cases.sh"
# shellcheck source=tests/docker/daemonset_cases.sh
source "$ROOT/tests/docker/daemonset_cases.sh"

ENFORCE_TIER=signal
HOOK_BIN=${NSGUARD_HOOK:-$(dirname "$NSGUARD")/nsguard-oci-hook}
WRAPPER_BIN=${NSGUARD_RUNC:-$(dirname "$NSGUARD")/nsguard-runc}
IMAGE=nsg-busybox:test

docker_suite_cleanup() {
	agent_stop_all
	ds_cleanup
	docker_stop
	docker_cli_cleanup
	host_suite_cleanup
}

host_suite_setup docker
trap docker_suite_cleanup EXIT
HOST_IPC=$(stat -L -c %i /proc/self/ns/ipc)
HOST_PID=$(stat -L -c %i /proc/self/ns/pid)

# A data root Docker does not use by default: names and images reach the
# feed only if the agent found it through the running dockerd.
docker_start "$WORK/docker" --data-root "$WORK/docker/state" || exit 1
docker_import "$IMAGE" "$CTR_WORKDIR/rootfs" || exit 1

run_docker_audit_suite
run_docker_enforce_suite
run_docker_wrapper_suite
run_docker_operator_suite
run_docker_daemonset_suite
finish_suite docker
