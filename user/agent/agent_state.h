/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's state, in parts. Each part is written by the one module named
 * beside it (the others only read it), so a reader knows where a field
 * changes: the lifecycle does not reach into the registry, the policy
 * reload does not open sinks.
 */
#ifndef NSGUARD_AGENT_STATE_H
#define NSGUARD_AGENT_STATE_H

#include <stdbool.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "agent/exe_cache.h"
#include "cli/cli.h"
#include "container/cgroupmode.h"
#include "container/hostns.h"
#include "container/registry.h"
#include "feed/feed_schema.h"
#include "feed/flow_summary.h"
#include "feed/jsonw.h"
#include "feed/output.h"
#include "hook/hook_server.h"
#include "kernel/pin.h"
#include "kernel/probe.h"
#include "kernel/self_protect.h"
#include "kernel/tier.h"
#include "metrics/metrics.h"
#include "policy/policy.h"
#include "runtime/meta_cache.h"
#include "runtime/node_meta.h"

/* policy_control.c: what the agent was told to do. */
struct agent_settings {
	const struct nsg_config *cli; /* as given */
	const struct nsg_config *cfg; /* the command line merged with the policy */
	struct nsg_config effective;
	struct nsg_policy policy;
};

/* agent.c: what this node offers and what is loaded, chosen once at start. */
struct agent_kernel {
	struct nsg_probe probe;
	struct nsg_tier_choice tier;
	/* Enforce mode on a tier that can stop a task; mode cannot change on reload. */
	bool enforcing;
	struct nsg_hostns host;
	struct nsg_cgroup_mode cgroups;
	struct nsguard_bpf *skel;
	struct ring_buffer *rb;
	struct nsg_pin pin;
	struct nsg_self_guard guard;
};

/* containers.c, container_gone.c: what the agent knows of containers. */
struct agent_containers {
	struct nsg_registry registry;
	struct nsg_node_meta node;      /* where the runtimes keep their state */
	struct nsg_meta_cache *meta;    /* what it says, per container, cached */
	struct nsg_exe_cache exes;
	struct nsg_jsonw scratch;       /* a `container` object written outside the sink */
	char self_cgroup[512];          /* the agent's own container: never a finding */
	unsigned long long forgotten;   /* containers whose cgroup went */
};

/* report.c: what the agent says (feed and metrics) and what it counted. */
struct agent_report {
	struct nsg_sink sink;
	struct nsg_metrics *metrics;
	struct nsg_feed_ctx fmt;
	struct nsg_flow flow;
	unsigned long long received[NSG_EV_MAX];
	unsigned long long startup_reported;
	bool flows_full, coalesce_full; /* map_full said once, until there is room again */
	unsigned long long coalesce_lost_seen;
	time_t started;
};

/* agent.c: when each start-up step ended, in ms since nsg_agent_run. */
struct agent_clock {
	double probed, loaded, attached;
	struct timespec t0;
};

struct agent {
	struct agent_settings set;
	struct agent_kernel kern;
	struct agent_containers ctr;
	struct agent_report out;
	struct nsg_hook_server hook; /* hook_requests.c */
	struct agent_clock clock;
};

#endif
