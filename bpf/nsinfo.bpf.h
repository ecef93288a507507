/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Namespace facts about tasks and nsfs inodes, read with CO-RE so one
 * object runs on 6.1 and 6.18 (struct ns_common and proc_ns_operations
 * changed between them).
 */
#ifndef NSGUARD_NSINFO_BPF_H
#define NSGUARD_NSINFO_BPF_H

#include "maps.bpf.h"
#include <bpf/bpf_core_read.h>

/* Before 6.18 the namespace type lived in the operations table. */
struct proc_ns_operations___typed {
	int type;
} __attribute__((preserve_access_index));

struct ns_common___typed {
	const struct proc_ns_operations___typed *ops;
} __attribute__((preserve_access_index));

/* From 6.18 ns_common carries it. A flavor of its own, so the object builds
 * from either kernel's vmlinux.h (x86's is 6.18, arm64's is 6.1). */
struct ns_common___ns_type {
	__u32 ns_type;
} __attribute__((preserve_access_index));

/* The task's active PID namespace, as /proc/PID/ns/pid shows it. */
static __always_inline struct pid_namespace *
nsg_task_active_pid_ns(struct task_struct *task)
{
	struct pid *pid = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(pid, level);
	struct upid upid = {};

	bpf_core_read(&upid, sizeof(upid), &pid->numbers[level & 63]);
	return upid.ns;
}

/* Inodes of all eight namespaces of `task` (0 where there is none). */
static __always_inline void nsg_task_ns_inums(struct task_struct *task,
					      __u32 inum[NSG_NS_TYPES])
{
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);

	inum[NSG_NS_USER] = BPF_CORE_READ(task, real_cred, user_ns, ns.inum);
	inum[NSG_NS_PID] = BPF_CORE_READ(nsg_task_active_pid_ns(task), ns.inum);
	if (!nsp) /* exiting task */
		return;
	inum[NSG_NS_IPC] = BPF_CORE_READ(nsp, ipc_ns, ns.inum);
	inum[NSG_NS_NET] = BPF_CORE_READ(nsp, net_ns, ns.inum);
	inum[NSG_NS_UTS] = BPF_CORE_READ(nsp, uts_ns, ns.inum);
	inum[NSG_NS_MNT] = BPF_CORE_READ(nsp, mnt_ns, ns.inum);
	inum[NSG_NS_CGROUP] = BPF_CORE_READ(nsp, cgroup_ns, ns.inum);
	inum[NSG_NS_TIME] = BPF_CORE_READ(nsp, time_ns, ns.inum);
}

static __always_inline int nsg_is_host_ns(int type, __u32 inum)
{
	__u32 host = host_ns_inum[type & (NSG_NS_TYPES - 1)];

	return host && inum == host;
}

static __always_inline __u32 nsg_host_ns_mask(const __u32 inum[NSG_NS_TYPES])
{
	__u32 mask = 0;
	int t;

	for (t = 0; t < NSG_NS_TYPES; t++)
		if (nsg_is_host_ns(t, inum[t]))
			mask |= NSG_BIT(t);
	return mask;
}

/* CLONE_NEW* flag of one namespace type -> enum nsg_ns_type, or -1. */
static __always_inline int nsg_ns_type_of_clone_flag(__u64 flag)
{
	switch (flag) {
	case NSG_CLONE_NEWIPC: return NSG_NS_IPC;
	case NSG_CLONE_NEWPID: return NSG_NS_PID;
	case NSG_CLONE_NEWNET: return NSG_NS_NET;
	case NSG_CLONE_NEWUTS: return NSG_NS_UTS;
	case NSG_CLONE_NEWNS: return NSG_NS_MNT;
	case NSG_CLONE_NEWCGROUP: return NSG_NS_CGROUP;
	case NSG_CLONE_NEWTIME: return NSG_NS_TIME;
	case NSG_CLONE_NEWUSER: return NSG_NS_USER;
	}
	return -1;
}

/* Mask of enum nsg_ns_type bits named by CLONE_NEW* flags. */
static __always_inline __u32 nsg_ns_mask_of_clone_flags(__u64 flags)
{
	__u32 mask = 0;
	int bit;

	for (bit = 0; bit < 32; bit++) {
		int t = nsg_ns_type_of_clone_flag(flags & (1ULL << bit));

		if (t >= 0)
			mask |= NSG_BIT(t);
	}
	return mask;
}

/* Type (CLONE_NEW* value) of the namespace behind an nsfs inode. */
static __always_inline __u32 nsg_ns_common_type(struct ns_common *ns)
{
	struct ns_common___ns_type *new = (void *)ns;
	struct ns_common___typed *old = (void *)ns;

	if (bpf_core_field_exists(new->ns_type))
		return BPF_CORE_READ(new, ns_type);
	return BPF_CORE_READ(old, ops, type);
}

#endif /* NSGUARD_NSINFO_BPF_H */
