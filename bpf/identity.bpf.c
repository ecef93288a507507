// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Container identity: the cgroup walk behind nsg_task_container(). */
#include "maps.bpf.h"
#include "identity.bpf.h"

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
