#!/usr/bin/env bash
# Evasion suite on this kernel (signal tier): the agent (NSGUARD, built with
# ASan/UBSan by `make test`) in enforce mode against real runc containers
# trying to reach the host IPC namespace past it (cases.sh), to shed their
# identity (identity_cases.sh) and to switch nsguard off (tamper_cases.sh);
# the VM job runs the same cases on the lsm tier. Closes with "evasion: N passed, N failed"
# (", N skipped" when NSG_TEST_ONLY left cases out).
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
# shellcheck source=tests/evasion/identity_cases.sh
source "$ROOT/tests/evasion/identity_cases.sh"
# shellcheck source=tests/lib/tamper_cases.sh
source "$ROOT/tests/lib/tamper_cases.sh"

ENFORCE_TIER=signal
host_suite_setup evasion pidfd_setns evade tamper

run_evasion_suite || FAILED=$((FAILED + 1))
run_identity_suite || FAILED=$((FAILED + 1))
run_tamper_suite || FAILED=$((FAILED + 1))
finish_suite evasion
