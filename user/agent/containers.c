// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The containers the agent knows: registered with their exemptions (by the
 * OCI hook or the start-up scan), named from the runtimes' state, and
 * handed to the feed as the `container` object.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent/agent_state.h"
#include "agent/containers.h"
#include "container/procscan.h"
#include "policy/policy_maps.h"

/* Policy matching works on what the runtime's state says of the container. */
static void fill_from_metadata(struct agent *a, struct nsg_known_container *k)
{
	const struct nsg_container_meta *m = nsg_meta_cache_get(a->ctr.meta, k->id);

	if (!m)
		return;
	k->kubernetes_namespace = m->pod_namespace[0] ? (char *)m->pod_namespace : NULL;
	k->pod = m->pod_name[0] ? (char *)m->pod_name : NULL;
	k->container_name = m->name[0] ? (char *)m->name : NULL;
	k->image = m->image[0] ? (char *)m->image : NULL;
}

static void emit_registered(struct agent *a, const struct nsg_known_container *k)
{
	nsg_feed_container_registered(nsg_sink_line(&a->out.sink), k);
	nsg_sink_commit(&a->out.sink);
	nsg_sink_flush(&a->out.sink);
}

/* An allowlisted container that cannot be exempted is reported, never left to be stopped silently. */
static void report_exemption_failed(struct agent *a, const struct nsg_known_container *k,
				    const char *why)
{
	nsg_metrics_count_exemption_failed(a->out.metrics);
	nsg_feed_exemption_failed(nsg_sink_line(&a->out.sink), k, why);
	nsg_sink_commit(&a->out.sink);
	nsg_sink_flush(&a->out.sink);
	fprintf(stderr, "nsguard: container %.12s is allowlisted but cannot be exempted: %s\n",
		k->id, why);
}

/* nsg_registry_apply's word that the kernel's table had no room. */
static void exemption_map_full(void *arg, const struct nsg_known_container *k)
{
	report_exemption_failed(arg, k, "exemption map full (--max-containers)");
}

/*
 * Registry and exemption together, or neither: an exemption the registry
 * does not hold would outlive its container's policy.
 */
int nsg_containers_register(struct agent *a, const struct nsg_known_container *k, bool announce)
{
	const char *why = NULL;

	if (!nsg_registry_put(&a->ctr.registry, k))
		why = "registry full (--max-containers)";
	else if (nsg_exempt_cgroup(a->kern.skel, k->cgroup_id, k->allowed))
		why = "exemption map full (--max-containers)";
	if (!why) {
		if (announce)
			emit_registered(a, k);
		return 0;
	}
	nsg_registry_remove(&a->ctr.registry, k->cgroup_id);
	if (!k->allowed)
		return 0; /* nothing to exempt: the kernel's decision stands without us */
	report_exemption_failed(a, k, why);
	return -1;
}

/*
 * Running containers (S6) are known to the registry from the start. The
 * agent's own container (a DaemonSet pod shares the host PID namespace by
 * design) is always exempt: it must be able to restart itself.
 * This scan runs before the hooks attach (exemptions first); the S6 report
 * scans again after they attach, so that a container started in between
 * is seen by one or the other: two scans on purpose.
 */
void nsg_containers_register_running(struct agent *a)
{
	struct nsg_match_input in;
	struct nsg_scan scan;

	if (nsg_scan_proc(&a->kern.cgroups, &a->kern.host, &scan))
		return;
	for (size_t i = 0; i < scan.count; i++) {
		struct nsg_known_container k = { .cgroup = scan.items[i].cgroup_path };

		memcpy(k.id, scan.items[i].ident.id, sizeof(k.id));
		k.cgroup_id = nsg_cgroup_id_of_path(&a->kern.cgroups, k.cgroup);
		if (nsg_containers_is_self(a, k.cgroup))
			k.always_allowed = NSG_NS_ALL;
		fill_from_metadata(a, &k);
		in = nsg_known_match_input(&k);
		k.allowed = nsg_policy_container_allows(&a->set.policy, &in) | k.always_allowed;
		if (k.cgroup_id)
			nsg_containers_register(a, &k, false);
	}
	nsg_scan_free(&scan);
}

void nsg_containers_apply_policy(struct agent *a)
{
	nsg_registry_apply(&a->ctr.registry, a->kern.skel, &a->set.policy, exemption_map_full, a);
}

bool nsg_containers_is_self(const struct agent *a, const char *cgroup_path)
{
	return a->ctr.self_cgroup[0] && strcmp(cgroup_path, a->ctr.self_cgroup) == 0;
}

/*
 * The `container` object: the runtime's state files first (they know the
 * most); a short-lived container's state may be gone by the time its event
 * is formatted, and then what its hook registration said.
 */
static const char *container_of(void *arg, const char *id, size_t *len)
{
	struct agent *a = arg;
	const char *cached = nsg_meta_cache_get_container(a->ctr.meta, id, len);
	const struct nsg_known_container *k;

	if (cached)
		return cached;
	k = nsg_registry_find_id(&a->ctr.registry, id);
	if (!k)
		return NULL;
	/* Rare (state already gone), so written afresh each time. */
	nsg_jsonw_rewind(&a->ctr.scratch, 0);
	nsg_feed_container_from_registration(&a->ctr.scratch, k);
	*len = a->ctr.scratch.len;
	return a->ctr.scratch.failed ? NULL : a->ctr.scratch.buf;
}

/* Runtime state directories (read-only) give events their `container`. */
static int open_metadata(struct agent *a)
{
	nsg_node_meta_init(&a->ctr.node, a->set.cfg->storage_root);
	a->ctr.meta = nsg_meta_cache_new(&a->ctr.node.cfg, 1024);
	return a->ctr.meta ? 0 : -1;
}

int nsg_containers_open(struct agent *a, char *err, size_t errlen)
{
	a->ctr.registry.max = a->set.cfg->max_containers;
	/* The agent's own pod shares the host PID namespace by design: not a finding. */
	nsg_proc_cgroup_path(&a->kern.cgroups, getpid(), a->ctr.self_cgroup,
			     sizeof(a->ctr.self_cgroup));
	if (open_metadata(a) || nsg_exe_cache_init(&a->ctr.exes)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->out.fmt.container_of = container_of;
	a->out.fmt.container_arg = a;
	a->out.fmt.exe_of = nsg_exe_cache_lookup;
	a->out.fmt.exe_arg = &a->ctr.exes;
	return 0;
}

void nsg_containers_close(struct agent *a)
{
	nsg_meta_cache_free(a->ctr.meta);
	nsg_registry_free(&a->ctr.registry);
	nsg_exe_cache_free(&a->ctr.exes);
	nsg_jsonw_free(&a->ctr.scratch);
}
