#!/usr/bin/env bash
#
# selftest_containers.sh [WORKDIR] — end-to-end check of tests/lib/containers.sh
# and tests/helpers against real runc, crun and podman. Needs root.
# Last line: "N passed, N failed"; exit status non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=containers.sh
. "$here/containers.sh"

passed=0
failed=0
helper_pid=
own_workdir=

pass() { passed=$((passed + 1)); echo "ok   $1"; }
fail() { failed=$((failed + 1)); echo "FAIL $1${2:+: $2}"; }
check() { # check NAME CMD... — CMD must succeed; never fails itself
	local name=$1
	shift
	if "$@"; then pass "$name"; else fail "$name" "exit $?"; fi
}
require() { # like check, but returns 1 so the caller can skip what depends on it
	local name=$1 rc=0
	shift
	"$@" || rc=$?
	if [ "$rc" -eq 0 ]; then pass "$name"; else fail "$name" "exit $rc"; fi
	return "$rc"
}
check_eq() { # check_eq NAME GOT WANT
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', want '$3'"; fi
}
check_ne() {
	if [ "$2" != "$3" ]; then pass "$1"; else fail "$1" "both '$2'"; fi
}
check_match() { # check_match NAME GOT ERE
	if [[ $2 =~ $3 ]]; then pass "$1"; else fail "$1" "got '$2', want /$3/"; fi
}

cleanup() {
	ctr_teardown
	[ -z "$helper_pid" ] || kill "$helper_pid" 2>/dev/null || true
	[ -z "$own_workdir" ] || rm -rf "$own_workdir"
}
trap cleanup EXIT

ns_of() { readlink "/proc/$1/ns/$2"; }

# CMD...: lists containers; it must succeed (a failed list names nobody)
# and name none of $ids.
lists_none_of_ours() {
	local out
	out=$("$@") || { echo "$* failed" >&2; return 1; }
	! grep -qFf <(printf '%s\n' "${ids[@]}" | grep .) <<<"$out"
}

# PATTERN: no process matches (pgrep's 1), as opposed to pgrep failing (2, 3).
no_process() {
	local rc=0
	pgrep -f "$1" >/dev/null || rc=$?
	[ "$rc" -eq 1 ]
}

# Every container id and cgroup path used, to verify teardown removed them.
ids=()
cgpaths=()

# Host IPC shared, own PID ns; cgroup id and path as the agent will see them.
test_hostipc() {
	local rt=$1 id cg pid
	id=$(ctr_new_id) cg=/docker/$id
	ids+=("$id") cgpaths+=("$cg")
	require "$rt hostipc: run" ctr_run "$rt" "$id" "$cg" hostipc -- sleep 60 || return 0
	pid=$(ctr_pid "$rt" "$id") || { fail "$rt hostipc: pid"; return 0; }
	check_eq "$rt hostipc: ipc ns is the host's" "$(ns_of "$pid" ipc)" "$host_ipc"
	check_ne "$rt hostipc: pid ns is its own" "$(ns_of "$pid" pid)" "$host_pidns"
	check_eq "$rt hostipc: v2 cgroup path" "$(awk -F: '$1 == 0 { print $3 }' "/proc/$pid/cgroup")" "$cg"
	check_match "$rt hostipc: cgroup id" "$(ctr_cgroup_id "$cg")" '^[0-9]+$'
	check "$rt hostipc: rm" ctr_rm "$rt" "$id"
	check "$rt hostipc: gone from $rt list" lists_none_of_ours "$rt" list -q
}

# Host PID + caps: the S3 escape (nsenter and pidfd) from inside, plus the
# static helpers.
test_hostpid() {
	local rt=$1 id cg pid out
	id=$(ctr_new_id) cg=/kubepods/besteffort/pod$(ctr_new_uuid)/$id
	ids+=("$id") cgpaths+=("$cg")
	require "$rt hostpid: run" ctr_run "$rt" "$id" "$cg" hostpid,caps -- sleep 60 || return 0
	pid=$(ctr_pid "$rt" "$id") || { fail "$rt hostpid: pid"; return 0; }
	check_eq "$rt hostpid: pid ns is the host's" "$(ns_of "$pid" pid)" "$host_pidns"
	check_ne "$rt hostpid: ipc ns is its own" "$(ns_of "$pid" ipc)" "$host_ipc"
	out=$(ctr_exec "$rt" "$id" --caps -- nsenter --ipc="/proc/$helper_pid/ns/ipc" readlink /proc/self/ns/ipc) || true
	check_eq "$rt hostpid: exec nsenter into host ipc" "$out" "$host_ipc"
	out=$(ctr_exec "$rt" "$id" --caps -- pidfd_setns "$helper_pid" --then readlink /proc/self/ns/ipc) || true
	check_eq "$rt hostpid: pidfd_setns into host ipc" "$out" $'setns=0\n'"$host_ipc"
	out=$(ctr_exec "$rt" "$id" -- setns_storm 1000) || true
	check_eq "$rt hostpid: setns_storm" "$out" "calls=1000 ok=1000 failed=0"
	out=$(ctr_exec "$rt" "$id" --caps -- clone_ns) || true
	check_match "$rt hostpid: clone_ns" "$out" '^child=[0-9]+$'
	out=$(ctr_exec "$rt" "$id" --caps -- clone_ns --clone3) || true
	check_match "$rt hostpid: clone_ns --clone3" "$out" '^child=[0-9]+$'
	# Left running on purpose: ctr_teardown must remove it.
}

test_default() {
	local rt=$1 id cg pid out rc=0
	id=$(ctr_new_id) cg=/docker/$id
	ids+=("$id") cgpaths+=("$cg")
	require "$rt default: run" ctr_run "$rt" "$id" "$cg" "" -- sleep 60 || return 0
	pid=$(ctr_pid "$rt" "$id") || { fail "$rt default: pid"; return 0; }
	check_ne "$rt default: ipc ns differs" "$(ns_of "$pid" ipc)" "$host_ipc"
	check_ne "$rt default: pid ns differs" "$(ns_of "$pid" pid)" "$host_pidns"
	out=$(ctr_exec "$rt" "$id" -- pidfd_setns "$helper_pid") || rc=$?
	check_eq "$rt default: pidfd_setns to an invisible pid fails" "$rc:$out" "1:pidfd_open=-1 errno=3 (No such process)"
	check "$rt default: rm" ctr_rm "$rt" "$id"
}

test_fg() {
	local rt=$1 id out rc=0
	id=$(ctr_new_id)
	ids+=("$id") cgpaths+=("/docker/$id")
	out=$(ctr_run_fg "$rt" "$id" "/docker/$id" hostipc -- sh -c 'echo hello; exit 7') || rc=$?
	check_eq "$rt fg: output and status" "$rc:$out" "7:hello"
	check "$rt fg: bundle removed" test ! -e "$CTR_WORKDIR/bundles/$id"
}

test_podman() {
	local id pid out cg
	require "podman: setup" podman_setup || return 0
	id=$(podman_run_hostipc nsg-selftest-ipc -- sleep 60) || true
	ids+=("$id")
	check_match "podman hostipc: 64-hex id" "$id" '^[0-9a-f]{64}$' || return 0
	pid=$(podman_pid "$id") || { fail "podman hostipc: pid"; return 0; }
	cg=/libpod_parent/libpod-$id
	check_eq "podman hostipc: ipc ns is the host's" "$(ns_of "$pid" ipc)" "$host_ipc"
	check_eq "podman hostipc: v2 cgroup path" "$(awk -F: '$1 == 0 { print $3 }' "/proc/$pid/cgroup")" "$cg"
	# setns() needs CAP_SYS_ADMIN even to re-join one's own namespace.
	out=$(podman_exec "$id" --caps -- setns_storm 1000) || true
	check_eq "podman hostipc: setns_storm" "$out" "calls=1000 ok=1000 failed=0"
	check "podman hostipc: rm" podman_rm "$id"

	id=$(podman_run nsg-selftest-pid hostpid -- sleep 60) || true
	ids+=("$id")
	pid=$(podman_pid "$id") || { fail "podman hostpid: pid"; return 0; }
	check_eq "podman hostpid: pid ns is the host's" "$(ns_of "$pid" pid)" "$host_pidns"
	out=$(podman_exec "$id" --caps -- nsenter --ipc="/proc/$helper_pid/ns/ipc" readlink /proc/self/ns/ipc) || true
	check_eq "podman hostpid: exec nsenter into host ipc" "$out" "$host_ipc"

	id=$(podman_run nsg-selftest-default "" -- sleep 60) || true
	ids+=("$id")
	pid=$(podman_pid "$id") || { fail "podman default: pid"; return 0; }
	check_ne "podman default: ipc ns differs" "$(ns_of "$pid" ipc)" "$host_ipc"
	check_eq "podman: ps -a lists the two left" "$(_podman ps -a -q --no-trunc | sort | tr '\n' ' ')" \
		"$(printf '%s\n' "${ids[@]: -2}" | sort | tr '\n' ' ')"
	# These two are left for ctr_teardown.
}

no_podman_selftest_ctr() {
	local out
	out=$(podman ps -a --format '{{.Names}}') || return 1
	! grep -q nsg-selftest <<<"$out"
}

# Nothing of ours may survive teardown: containers, bundles, cgroups,
# mounts, podman store.
check_clean() {
	local leftovers h p
	check "teardown: no state left" test -z "$(grep -v '^$' "$CTR_WORKDIR/state" || true)"
	check "teardown: runc list" lists_none_of_ours runc list -q
	check "teardown: crun list" lists_none_of_ours crun list -q
	# podman's containers show in crun list too (same /run/crun root); the
	# default store is only queried if it exists, so as not to create it.
	if [ -d /var/lib/containers/storage ]; then
		check "teardown: podman ps -a" no_podman_selftest_ctr
	fi
	check "teardown: no conmon of ours" no_process "conmon.*$CTR_WORKDIR"
	check "teardown: podman store removed" test ! -e "$CTR_WORKDIR/podman"
	check "teardown: no bundles" test -z "$(ls -A "$CTR_WORKDIR/bundles" 2>/dev/null)"
	check_eq "teardown: no mounts under workdir" "$(grep -c " $CTR_WORKDIR/" /proc/self/mountinfo || true)" 0
	leftovers=
	for h in /sys/fs/cgroup/*; do
		for p in "${cgpaths[@]}" /libpod_parent; do
			[[ $p == /libpod_parent && $had_libpod_parent == yes ]] && continue
			while [ -n "$p" ]; do
				[ ! -d "$h$p" ] || leftovers+=" $h$p"
				p=${p%/*}
			done
		done
	done
	check_eq "teardown: no test cgroup dirs" "$leftovers" ""
	check_eq "teardown: hugetlb mount state restored" "$(mountpoint -q /sys/fs/cgroup/hugetlb && echo yes || echo no)" "$had_hugetlb"
}

main() {
	local t0 rt w=${1:-}
	t0=$(date +%s%N)
	if [ -z "$w" ]; then
		own_workdir=$(mktemp -d /tmp/nsguard-ctr-selftest.XXXXXX)
		w=$own_workdir
	fi
	"$here/../helpers/build.sh" "$w/bin"
	had_hugetlb=$(mountpoint -q /sys/fs/cgroup/hugetlb && echo yes || echo no)
	had_libpod_parent=$([ -d /sys/fs/cgroup/unified/libpod_parent ] || [ -d /sys/fs/cgroup/libpod_parent ] && echo yes || echo no)
	export CTR_EXTRA_BINS="$w/bin/pidfd_setns $w/bin/setns_storm $w/bin/clone_ns"
	require "setup" ctr_setup "$w" || exit 1

	sleep 60 &
	helper_pid=$!
	host_ipc=$(ns_of "$helper_pid" ipc)
	host_pidns=$(ns_of "$helper_pid" pid)

	for rt in runc crun; do
		test_hostipc "$rt"
		test_hostpid "$rt"
		test_default "$rt"
		test_fg "$rt"
	done
	test_podman

	ctr_teardown
	ctr_teardown # idempotent: a second call (as from the EXIT trap) is harmless
	check_clean

	kill "$helper_pid" 2>/dev/null || true
	wait "$helper_pid" 2>/dev/null || true
	helper_pid=
	echo "time: $((($(date +%s%N) - t0) / 1000000)) ms"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}

main "$@"
