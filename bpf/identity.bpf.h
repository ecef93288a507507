/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Container identity in the kernel: is this task in a container, and which?
 * Decided at the hook from the task's own cgroup, so there is no window in
 * which a fresh container task is unknown (no userspace round trip).
 */
#ifndef NSGUARD_IDENTITY_BPF_H
#define NSGUARD_IDENTITY_BPF_H

#include "maps.bpf.h"
#include <bpf/bpf_core_read.h>

#define NSG_V1_SUBSYS_MAX 16

/* The cgroup that identifies containers: v2 default hierarchy or one v1. */
static __always_inline struct cgroup *nsg_task_cgroup(struct task_struct *task)
{
	struct css_set *cset = BPF_CORE_READ(task, cgroups);
	struct cgroup_subsys_state *css = NULL;
	int ssid = cgroup_v1_subsys;

	if (ssid < 0)
		return BPF_CORE_READ(cset, dfl_cgrp);
	bpf_core_read(&css, sizeof(css), &cset->subsys[ssid & (NSG_V1_SUBSYS_MAX - 1)]);
	return BPF_CORE_READ(css, cgroup);
}

static __always_inline __u64 nsg_cgroup_id(struct cgroup *cgrp)
{
	return BPF_CORE_READ(cgrp, kn, id);
}

static __always_inline struct cgroup *nsg_cgroup_parent(struct cgroup *cgrp)
{
	struct cgroup_subsys_state *parent = BPF_CORE_READ(cgrp, self.parent);

	/* `self` is the first member of struct cgroup on every kernel. */
	return (struct cgroup *)parent;
}

/*
 * Bounded walk from a cgroup to the root; the deepest ID wins. A global
 * function (identity.bpf.c): the verifier checks it once, not once per
 * call site, which keeps every hook far below the complexity limit.
 */
extern int nsg_walk_cgroups(__u64 cgrp_addr, struct nsg_container *c);

/*
 * Fills *c for `task` and returns its cgroup id. Results are cached per
 * cgroup id: ids are never reused while the system runs, so a cached answer
 * cannot go stale.
 */
static __always_inline __u64 nsg_task_container(struct task_struct *task,
						struct nsg_container *c)
{
	struct cgroup *cgrp = nsg_task_cgroup(task);
	struct nsg_container *cached;
	__u64 cgid;

	c->is_container = 0;
	c->id[0] = '\0';
	if (!cgrp)
		return 0;
	cgid = nsg_cgroup_id(cgrp);
	cached = bpf_map_lookup_elem(&container_cache, &cgid);
	if (cached) {
		*c = *cached;
		return cgid;
	}
	nsg_walk_cgroups((__u64)cgrp, c);
	bpf_map_update_elem(&container_cache, &cgid, c, BPF_ANY);
	return cgid;
}

#endif /* NSGUARD_IDENTITY_BPF_H */
