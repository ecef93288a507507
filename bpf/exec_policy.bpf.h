/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * S1/S2: is an exec by `task` a container task running in the host IPC or
 * PID namespace? Shared by the exec tracepoint (detection, signal tier) and
 * lsm/bprm_check_security (lsm tier), so both judge the same way.
 *
 * Runtimes move their init process into the container's cgroup before it
 * enters the container's namespaces, and runc re-executes itself there
 * (its cloned-binary step, exe /dev/fd/N). That exec is the runtime, not the
 * container: the task still shares its mount namespace with a parent that
 * is not a container task. A container task has its own mount namespace or
 * a container parent, so this exemption cannot be reached from inside one.
 */
#ifndef NSGUARD_EXEC_POLICY_BPF_H
#define NSGUARD_EXEC_POLICY_BPF_H

#include "maps.bpf.h"
#include "identity.bpf.h"
#include "nsinfo.bpf.h"
#include "policy.bpf.h"

static __always_inline int nsg_is_runtime_bootstrap(struct task_struct *task)
{
	struct task_struct *parent = task->real_parent; /* a BTF pointer: identities are task storage */
	struct nsg_scratch *room;
	__u32 zero = 0;

	if (BPF_CORE_READ(task, nsproxy, mnt_ns) != BPF_CORE_READ(parent, nsproxy, mnt_ns))
		return 0;
	room = bpf_map_lookup_elem(&scratch, &zero);
	if (!room)
		return 0;
	nsg_task_container(parent, &room->parent);
	return !room->parent.is_container;
}

/*
 * Returns the host namespace types `task`, a container task, shares (0 for
 * host tasks and runtime bootstrap) and fills *c (its identity) and *cgid
 * (the cgroup it is in now) for the event.
 * The policy then decides which of them matter.
 */
static __always_inline __u32 nsg_exec_shared_host_ns(struct task_struct *task,
						     struct nsg_container *c, __u64 *cgid)
{
	__u32 inum[NSG_NS_TYPES] = {};
	__u32 mask;

	*cgid = nsg_task_container(task, c);
	if (!c->is_container)
		return 0;
	nsg_task_ns_inums(task, inum);
	mask = nsg_host_ns_mask(inum) & NSG_POLICY_REPORT(nsg_policy_now());
	if (!mask || nsg_is_runtime_bootstrap(task))
		return 0;
	return mask;
}

#endif /* NSGUARD_EXEC_POLICY_BPF_H */
