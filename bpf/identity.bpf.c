// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Container identity (the rule is in identity.bpf.h): the cgroup walk, and
 * the hooks that assign and keep a task's identity — fork, cgroup moves, the
 * start-up iterator — and forget a container when its cgroup is removed.
 */
#include "maps.bpf.h"
#include "identity.bpf.h"
#include <bpf/bpf_tracing.h>

/*
 * Classifies one cgroup's kernfs name; on a match fills c->id. A global
 * function, like the walk: the verifier checks the name loops once per
 * program instead of once per walk step (16x fewer instructions to verify,
 * ~80 ms less load time per program).
 */
__noinline int nsg_classify_cgroup(__u64 cgrp_addr, struct nsg_container *c)
{
	struct cgroup *cgrp = (struct cgroup *)cgrp_addr;
	struct nsg_scratch *s;
	__u32 zero = 0;
	const char *name;
	long n;
	int off;

	if (!c)
		return 0;
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	name = BPF_CORE_READ(cgrp, kn, name);
	n = bpf_probe_read_kernel_str(s->cgname, sizeof(s->cgname), name);
	if (n <= 1)
		return 0;
	off = nsg_container_id_offset(s->cgname, (unsigned int)(n - 1));
	if (off < 0)
		return 0;
	nsg_copy_container_id(s->cgname, (unsigned int)off, c->id);
	c->is_container = 1;
	c->cgroup_id = nsg_cgroup_id(cgrp);
	return 1;
}

__noinline int nsg_walk_cgroups(__u64 cgrp_addr, struct nsg_container *c)
{
	struct cgroup *cgrp = (struct cgroup *)cgrp_addr;
	int i;

	if (!c)
		return 0;
	for (i = 0; i < NSG_CGROUP_WALK_MAX && cgrp; i++) {
		if (nsg_classify_cgroup((__u64)cgrp, c))
			return 1;
		cgrp = nsg_cgroup_parent(cgrp);
	}
	return 0;
}

__noinline int nsg_cgroup_within(__u64 cgrp_addr, __u64 ancestor)
{
	struct cgroup *cgrp = (struct cgroup *)cgrp_addr;
	int i;

	for (i = 0; i < NSG_CGROUP_WALK_MAX && cgrp; i++) {
		if (nsg_cgroup_id(cgrp) == ancestor)
			return 1;
		cgrp = nsg_cgroup_parent(cgrp);
	}
	return 0;
}

/* A child is its parent's; a host parent's child born in a container's cgroup is that container's. */
SEC("tp_btf/task_newtask")
int BPF_PROG(nsg_identity_fork, struct task_struct *task, __u64 clone_flags)
{
	struct nsg_container c;

	nsg_task_container(bpf_get_current_task_btf(), &c);
	if (c.is_container)
		nsg_identity_keep(task, &c);
	else
		nsg_task_container(task, &c);
	return 0;
}

/*
 * A task moved to another cgroup (the tracepoint fires after the move, for
 * any hierarchy: the task's cgroup in the identity hierarchy is what
 * counts). The host side entering a container's cgroup takes its identity;
 * a container task keeps its own, unless the move is deeper into its own
 * container's subtree and lands in a nested container.
 */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(nsg_identity_move, struct cgroup *dst, const char *path, struct task_struct *task,
	     bool threadgroup)
{
	struct nsg_container *known = bpf_task_storage_get(&identities, task, NULL, 0);
	struct cgroup *now = nsg_task_cgroup(task);
	struct nsg_container to;

	nsg_cgroup_container(now, &to);
	if (!to.is_container)
		return 0;
	if (!known) {
		nsg_identity_keep(task, &to);
		return 0;
	}
	if (!known->is_container || to.cgroup_id == known->cgroup_id ||
	    !nsg_cgroup_within((__u64)now, known->cgroup_id))
		return 0;
	known->cgroup_id = to.cgroup_id;
	__builtin_memcpy(known->id, to.id, sizeof(known->id));
	return 0;
}

/* Tasks that predate the agent: run once at start (the loader reads this iterator). */
SEC("iter/task")
int nsg_identity_seed(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct nsg_container c;

	if (task)
		nsg_task_container(task, &c);
	return 0;
}

/*
 * A cgroup is gone: its cached classification and exemption go with it, and
 * a container's removal is queued for the agent (registry, accounting,
 * metadata). A full queue is counted; the agent's sweep catches those.
 */
SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(nsg_identity_cgroup_rmdir, struct cgroup *dir, const char *path)
{
	/* A plain address: global functions take scalars, not BTF pointers. */
	struct cgroup *cgrp = nsg_untrusted(dir);
	struct nsg_removed_cgroup gone = { .cgroup_id = nsg_cgroup_id(cgrp) };
	struct nsg_container c = {};

	/* Ids are per hierarchy: another hierarchy's removal is not ours. */
	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != identity_hierarchy_id)
		return 0;
	bpf_map_delete_elem(&container_cache, &gone.cgroup_id);
	bpf_map_delete_elem(&exempt_cgroups, &gone.cgroup_id);
	if (!nsg_classify_cgroup((__u64)cgrp, &c))
		return 0;
	__builtin_memcpy(gone.id, c.id, sizeof(gone.id));
	if (bpf_map_push_elem(&removed_cgroups, &gone, 0))
		__sync_fetch_and_add(&removals_lost, 1);
	return 0;
}
