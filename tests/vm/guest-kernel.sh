# shellcheck shell=bash
#
# guest-kernel.sh — the guest kernel's command line beyond console= and lsm=,
# shared by both VM harnesses (run-vm.sh, arm64/boot.sh), how a console
# log shows that the guest kernel itself failed, and what both VM suites
# (run.sh, arm64/run.sh) report for a boot that never printed its closing
# line.
#
# oops=panic softlockup_panic=1 (with the harnesses' panic=-1): a guest
#   kernel that oopses or locks up restarts at once, which qemu -no-reboot
#   turns into an exit. A crashed boot then ends in seconds, with the oops on
#   the console, instead of hanging until the host's timeout.
# cgroup.memory=nokmem: the per-memcg list_lru of Debian's 6.1 and 6.12
#   kernels races with memcg reparenting: list_lru_add() can read a dying
#   cgroup's kmemcg_id, then find its list already erased, and dereference
#   NULL (seen in the arm64 guest on 6.1, with no agent running:
#   list_lru_add <- d_lru_add <- dput <- readlinkat from runc, then a
#   lockup). The container tests create and remove cgroups back to back,
#   which is what opens that window. Without kernel-memory accounting,
#   dentries carry no memory cgroup and go to the global list. nsguard
#   itself does not depend on kmem accounting.
# shellcheck disable=SC2034  # used by the scripts that source this
GUEST_KERNEL_ARGS="oops=panic softlockup_panic=1 cgroup.memory=nokmem"

# guest_kernel_crash CONSOLE_LOG: the first console line that shows the guest
# kernel failing, without its timestamp; nothing, and status 0, when there
# is none (callers run under set -e and pipefail).
guest_kernel_crash() {
	{ grep -m1 -E 'Unable to handle kernel|Internal error: Oops|Kernel panic - not syncing|BUG: (soft|hard) ?lockup|general protection fault|BUG: kernel NULL pointer' \
		"$1" 2>/dev/null || true; } | sed 's/^ *\[ *[0-9.]*\] //'
}

# unfinished_boot PREFIX NAME RESULT_DIR RC: a boot with no closing line: the
# tail of its console, then its counts (add_unfinished_boot, from
# tests/lib/summary.sh, which the caller sources), naming the guest kernel's
# failure when the console shows one.
unfinished_boot() {
	local prefix=$1 name=$2 dir=$3 rc=$4 crash
	echo "$prefix boot $name: console tail:"
	tail -40 "$dir/console.log" 2>/dev/null | sed 's/^/    /'
	crash=$(guest_kernel_crash "$dir/console.log")
	add_unfinished_boot "$prefix" "$name" "$dir/output.log" "$rc" "${crash:+guest kernel: $crash}"
}
