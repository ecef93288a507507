/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The `signal` tier: on kernels without BPF LSM, a violating task gets
 * SIGKILL from the tracepoint. The signal is delivered on the way back to
 * user space, so the task never runs an instruction in the host namespace.
 */
#ifndef NSGUARD_ENFORCE_BPF_H
#define NSGUARD_ENFORCE_BPF_H

#include "maps.bpf.h"
#include "nsinfo.bpf.h"
#include "policy.bpf.h"

#define NSG_SIGKILL 9

/* Kills current when the decision blocks something on this tier. */
static __always_inline void nsg_signal_enforce(const struct nsg_decision *d)
{
	if (enforce_tier == NSG_TIER_SIGNAL && d->blocked)
		bpf_send_signal(NSG_SIGKILL);
}

/*
 * After a successful setns: the watched host namespaces current now holds
 * (IPC, and the PID namespace its next children will be born into).
 */
static __always_inline __u32 nsg_joined_host_ns(struct task_struct *task)
{
	struct nsproxy *nsp = BPF_CORE_READ(task, nsproxy);
	__u32 mask = 0;

	if (nsg_is_host_ns(NSG_NS_IPC, BPF_CORE_READ(nsp, ipc_ns, ns.inum)))
		mask |= NSG_BIT(NSG_NS_IPC);
	if (nsg_is_host_ns(NSG_NS_PID, BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum)))
		mask |= NSG_BIT(NSG_NS_PID);
	return mask;
}

#endif /* NSGUARD_ENFORCE_BPF_H */
