/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The flow gate (flow.bpf.c): coalescing and each container's fair share. */
#ifndef NSGUARD_FLOW_BPF_H
#define NSGUARD_FLOW_BPF_H

#include "maps.bpf.h"

/*
 * 1: queue the event; 0: coalesced or over budget (already counted). The
 * budget is `origin`'s: the outermost container's, so a nested runtime's
 * containers (or cgroups a container names itself) share their host's.
 */
extern int nsg_flow_admit(struct nsg_coalesce_key *k, struct nsg_flow_id *origin, __u32 cls);
/* Counts the fate of an admitted event: NSG_FLOW_QUEUED or NSG_FLOW_DROPPED. */
extern int nsg_flow_count(struct nsg_coalesce_key *k, __u32 cls, __u32 outcome);
/* nsg_exe_hash() of a kernel string (the path execve() got). */
extern __u64 nsg_flow_exe_hash(__u64 filename_addr);

/* The key's common part: which container, what kind of event, which verdict. */
static __always_inline void nsg_flow_key(struct nsg_coalesce_key *k, __u32 type, __u32 verdict,
					 const struct nsg_container *c)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->type = type;
	k->verdict = verdict;
	if (c->is_container)
		__builtin_memcpy(k->who.id, c->id, NSG_CONTAINER_ID_LEN);
}

#endif /* NSGUARD_FLOW_BPF_H */
