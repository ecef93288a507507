// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Bounded state on a node that runs for months: a container the kernel saw
 * leave (its cgroup removed: bpf/identity.bpf.c queues it) leaves the agent
 * too — the registry, its exemption, its accounting entry and its cached
 * metadata. The kernel drops its own cache and exemption at the removal
 * itself, so nothing depends on the agent being quick or the queue having
 * room; a slow sweep of the registry catches what an overfull queue lost.
 *
 * Why the tracepoint rather than only a sweep: a churning node (CronJobs,
 * CI runners) fills --max-containers between two sweeps, and the kernel's
 * tables are what an allowlisted container's start needs room in.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "agent/agent_state.h"
#include "agent/container_gone.h"
#include "policy/policy_maps.h"
#include "nsguard.skel.h"

/* One container: everything the agent holds about it. */
static void forget(struct agent *a, uint64_t cgroup_id, const char id[NSG_CONTAINER_ID_LEN],
		   uint64_t now)
{
	char name[NSG_CONTAINER_ID_LEN + 1] = "";
	struct nsg_flow_id who;

	nsg_registry_remove(&a->ctr.registry, cgroup_id);
	nsg_exempt_cgroup(a->kern.skel, cgroup_id, 0);
	if (id && id[0]) {
		memcpy(who.id, id, sizeof(who.id));
		memcpy(name, id, NSG_CONTAINER_ID_LEN);
		nsg_flow_forget(&a->out.flow, &who, now);
		nsg_meta_cache_forget(a->ctr.meta, name);
	}
	a->ctr.forgotten++;
}

void nsg_forget_removed_containers(struct agent *a, uint64_t now)
{
	int fd = bpf_map__fd(a->kern.skel->maps.removed_cgroups);
	/* Zeroed: valgrind cannot tell that the kernel fills it (a queue pop). */
	struct nsg_removed_cgroup gone = { 0 };

	while (bpf_map_lookup_and_delete_elem(fd, NULL, &gone) == 0)
		forget(a, gone.cgroup_id, gone.id, now);
}

/* Registry entries whose cgroup is gone (their removal did not fit in the queue). */
void nsg_sweep_departed_containers(struct agent *a, uint64_t now)
{
	for (size_t i = a->ctr.registry.count; i-- > 0;) {
		struct nsg_known_container *k = &a->ctr.registry.items[i];

		if (k->cgroup && nsg_cgroup_id_of_path(&a->kern.cgroups, k->cgroup) == k->cgroup_id)
			continue;
		forget(a, k->cgroup_id, k->id, now);
	}
}

/* Entries in a kernel hash map (a walk of its keys). */
static unsigned long long map_entries(struct bpf_map *map)
{
	char cur[128], next[128];
	unsigned long long n = 0;
	int fd = bpf_map__fd(map);
	void *prev = NULL;

	if (bpf_map__key_size(map) > sizeof(cur))
		return 0;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(cur, next, bpf_map__key_size(map));
		prev = cur;
		n++;
	}
	return n;
}

static unsigned long long rss_kb(void)
{
	unsigned long long pages = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%llu %llu", &pages, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return resident * (unsigned long long)sysconf(_SC_PAGESIZE) / 1024;
}

void nsg_state_read(struct agent *a, struct nsg_feed_state *st)
{
	memset(st, 0, sizeof(*st));
	st->max_containers = a->set.cfg->max_containers;
	st->registry = a->ctr.registry.count;
	st->exempt_cgroups = map_entries(a->kern.skel->maps.exempt_cgroups);
	st->flows = map_entries(a->kern.skel->maps.flows);
	st->coalescing = map_entries(a->kern.skel->maps.coalesce);
	st->metadata = nsg_meta_cache_count(a->ctr.meta);
	st->forgotten = a->ctr.forgotten;
	st->identities_lost = a->kern.skel->bss->identities_lost;
	st->removals_lost = a->kern.skel->bss->removals_lost;
	st->rss_kb = rss_kb();
}
