/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Container identity in the kernel: is this task a container's, and whose?
 *
 * A cgroup's name says which container it belongs to (include/container_id.h,
 * the deepest ID on the way to the root wins). But a task can leave its
 * cgroup: a container that can write the host's cgroupfs moves itself into
 * the root cgroup, or into an allowlisted container's, with one `echo`. So a
 * task's identity is decided once and kept (identity.bpf.c):
 *
 * - entering a container's cgroup from the host side (the runtime's init,
 *   `runc exec` sessions) gives a task that container's identity;
 * - a child inherits its parent's at fork; a host parent's child born
 *   straight into a container's cgroup (clone3 CLONE_INTO_CGROUP) takes that
 *   cgroup's;
 * - a container task keeps its identity wherever it moves, except deeper
 *   into its own container's subtree where a nested runtime made a container
 *   (Docker-in-Docker, kind): that inner container's, with the outer one as
 *   `origin`;
 * - tasks that predate the agent get theirs from their cgroup when the agent
 *   starts (a task iterator) or, at the latest, at their first event.
 *
 * The decision is made at the hook from kernel state: no window in which a
 * fresh container task is unknown, no userspace round trip.
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

/* The same address as a plain number (global functions take no BTF pointers). */
static __always_inline void *nsg_untrusted(const void *p)
{
	void *copy = NULL;

	bpf_probe_read_kernel(&copy, sizeof(copy), &p);
	return copy;
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
/* 1 when the cgroup with id `ancestor` is cgrp or one of its ancestors. */
extern int nsg_cgroup_within(__u64 cgrp_addr, __u64 ancestor);

/*
 * What a cgroup's name and its ancestors' say (cached per cgroup id: ids are
 * never reused while the system runs, so a cached answer cannot go stale).
 */
static __always_inline void nsg_cgroup_container(struct cgroup *cgrp, struct nsg_container *c)
{
	struct nsg_container *cached;
	__u64 cgid;

	__builtin_memset(c, 0, sizeof(*c));
	if (!cgrp)
		return;
	cgid = nsg_cgroup_id(cgrp);
	cached = bpf_map_lookup_elem(&container_cache, &cgid);
	if (cached) {
		*c = *cached;
		return;
	}
	nsg_walk_cgroups((__u64)cgrp, c);
	__builtin_memcpy(c->origin.id, c->id, NSG_CONTAINER_ID_LEN);
	bpf_map_update_elem(&container_cache, &cgid, c, BPF_ANY);
}

/* Keeps `c` as the task's identity; a failure is counted, never silent. */
static __always_inline void nsg_identity_keep(struct task_struct *task, struct nsg_container *c)
{
	if (!bpf_task_storage_get(&identities, task, c, BPF_LOCAL_STORAGE_GET_F_CREATE))
		__sync_fetch_and_add(&identities_lost, 1);
}

/*
 * Fills *c with the identity of `task` (a BTF pointer: task storage wants
 * one) and returns the id of the cgroup it is in now. A task seen for the
 * first time takes its current cgroup's identity, kept if it is a container's.
 */
static __always_inline __u64 nsg_task_container(struct task_struct *task,
						struct nsg_container *c)
{
	struct cgroup *cgrp = nsg_task_cgroup(task);
	struct nsg_container *known;
	__u64 cgid = cgrp ? nsg_cgroup_id(cgrp) : 0;

	known = bpf_task_storage_get(&identities, task, NULL, 0);
	if (known) {
		*c = *known;
		return cgid;
	}
	nsg_cgroup_container(cgrp, c);
	if (c->is_container)
		nsg_identity_keep(task, c);
	return cgid;
}

#endif /* NSGUARD_IDENTITY_BPF_H */
