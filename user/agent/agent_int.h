/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The agent's state, shared by agent.c (lifecycle) and agent_policy.c. */
#ifndef NSGUARD_AGENT_INT_H
#define NSGUARD_AGENT_INT_H

#include <time.h>
#include <bpf/libbpf.h>
#include "container/cgroupmode.h"
#include "cli/cli.h"
#include "runtime/docker_roots.h"
#include "agent/exe_cache.h"
#include "feed/feed_schema.h"
#include "feed/flow_summary.h"
#include "hook/hook_server.h"
#include "container/hostns.h"
#include "feed/jsonw.h"
#include "runtime/meta_cache.h"
#include "runtime/metadata.h"
#include "metrics/metrics.h"
#include "feed/output.h"
#include "kernel/pin.h"
#include "policy/policy.h"
#include "kernel/probe.h"
#include "container/registry.h"
#include "kernel/self_protect.h"
#include "kernel/tier.h"

struct agent {
	const struct nsg_config *cli; /* as given */
	const struct nsg_config *cfg; /* the command line merged with the policy */
	struct nsg_config effective;
	struct nsg_policy policy;
	struct nsg_registry registry;
	struct nsg_hook_server hook;
	struct nsg_metrics *metrics;
	struct nsg_meta_config meta_cfg;
	const char *storage_roots[4];
	struct nsg_docker_roots docker; /* meta_cfg.docker_roots points into it */
	struct nsg_meta_cache *meta;
	struct nsg_probe probe;
	struct nsg_hostns host;
	struct nsg_cgroup_mode cgroups;
	struct nsg_tier_choice tier;
	struct nsg_sink sink;
	struct nsg_exe_cache exes;
	struct nsg_feed_ctx fmt;
	struct nsg_jsonw scratch;     /* a `container` object written outside the sink */
	struct nsguard_bpf *skel;
	struct ring_buffer *rb;
	struct nsg_pin pin;
	struct nsg_flow flow;
	struct nsg_self_guard guard;
	struct {
		unsigned long long forgotten; /* containers whose cgroup went (container_gone.c) */
		bool flows_full, coalesce_full; /* map_full said once, until there is room again */
		unsigned long long coalesce_lost_seen;
	} gone;
	unsigned long long received[NSG_EV_MAX];
	unsigned long long startup_reported;
	time_t started;
	struct startup_clock {
		/* Milliseconds since nsg_agent_run: when each start-up step ended. */
		double probed, loaded, attached;
		struct timespec t0;
	} clock;
};

bool nsg_agent_enforcing(const struct agent *a);
void nsg_agent_set_what_if(struct agent *a);

/* agent_policy.c */
/* Loads the policy and merges it under the command line into a->effective. */
int nsg_agent_load_policy(struct agent *a, char *err, size_t errlen);
/* Pushes the policy and the running containers' exemptions into the kernel. */
int nsg_agent_apply_policy(struct agent *a, char *err, size_t errlen);
/* SIGHUP: all or nothing; a bad policy keeps the old one and says why. */
void nsg_agent_reload_policy(struct agent *a);
/* Answers the OCI hook's requests. */
json_t *nsg_agent_hook_request(void *arg, json_t *state);
/* Reports hook calls that found no agent (spooled by nsguard-oci-hook). */
void nsg_agent_report_missed_hooks(struct agent *a);

#endif
