/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A task's container identity, as the kernel keeps it (bpf/identity.bpf.h)
 * and the agent reads it (its own, from task storage `identities`).
 */
#ifndef NSGUARD_IDENTITY_H
#define NSGUARD_IDENTITY_H

#include "nsguard.h"
#include "flow.h"

/*
 * Who a task is (identity.bpf.h): a container's, or the host's. For a cgroup
 * (container_cache) it is what the cgroup's name and its ancestors' say; for
 * a task (task storage `identities`) it is decided once, when the task enters
 * a container's cgroup from the host side, and kept wherever it moves.
 */
struct nsg_container {
	__u32 is_container;
	__u32 pad;
	__u64 cgroup_id; /* the cgroup named by the ID: where exemptions are kept */
	char id[NSG_CONTAINER_ID_LEN + 1];
	/* The outermost container (nested runtimes): whose budget events spend. */
	struct nsg_flow_id origin;
};

#endif /* NSGUARD_IDENTITY_H */
