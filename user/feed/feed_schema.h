/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The feed's schema, in one place: every object nsguard writes — kernel
 * events, agent events, the `container` object, `nsguard scan --format
 * json` — is declared here and written only by the schema's files, through
 * the JSON writer (jsonw.h). Callers hand over C values; which keys there
 * are, in which order, and how each value is spelt is the schema's business
 * (README "Event schema" shows the result). Each nsg_feed_*() writes one
 * complete JSON object into w, without a newline: the sink (output.h)
 * frames lines, batches them and renders `--format text` from them.
 *
 * The schema's files, by concern: schema_kernel.c (kernel events),
 * schema_agent.c (agent_start, agent_stats, agent_stop, policy, map_full,
 * the self-check), schema_flow.c (coalesced, rate_limited, agent_stats'
 * `flow`), schema_container.c (the `container` object, the hook's
 * registrations), schema_hook.c (hook_unreachable), schema_scan.c
 * (host_ns_running, `nsguard scan`); what several share, schema_members.h.
 *
 * Adding an event: a struct of the values it carries (below, if it needs
 * more than a few arguments), a function in the schema file of its concern
 * that begins with nsg_schema_agent_event_begin(w, "name") (schema, time,
 * event), writes the members in the order the README lists them with the
 * nsg_jsonw_kv_*() helpers and ends the object, its declaration here; at
 * the call site `nsg_feed_x(nsg_sink_line(sink), ...); nsg_sink_commit(sink);`;
 * a byte-for-byte case in tests/unit/test_format.c; a row in the README.
 */
#ifndef NSGUARD_FEED_SCHEMA_H
#define NSGUARD_FEED_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "container/cgroupmode.h"
#include "feed/flow_summary.h"
#include "container/hostns.h"
#include "feed/jsonw.h"
#include "runtime/metadata.h"
#include "nsguard.h"
#include "kernel/probe.h"
#include "container/procscan.h"
#include "container/registry.h"

#define NSG_SCHEMA_VERSION 1

/* What events look up while they are written. */
struct nsg_feed_ctx {
	int64_t boot_to_realtime_ns;
	/* Path of the process's executable, or NULL: event-time lookup. */
	const char *(*exe_of)(void *arg, uint32_t pid, uint64_t start_boot_ns, uint64_t exec_id);
	void *exe_arg;
	/*
	 * The `container` object for a container ID, serialized (its length in
	 * *len), or NULL for null. Unset: events have no `container` member.
	 */
	const char *(*container_of)(void *arg, const char *id, size_t *len);
	void *container_arg;
	/* The path of a cgroup by id (0) or -1: for tasks outside their container's cgroup. */
	int (*cgroup_path_of)(void *arg, uint64_t id, char *path, size_t len);
	void *cgroup_arg;
	/*
	 * Audit mode: violations also say what enforce mode would have done
	 * ("enforce_verdict"): the policy's blocked types, and how this node's
	 * tier stops ("killed", "blocked"; NULL: it cannot).
	 */
	bool audit;
	uint32_t would_block;
	const char *would_stop;
};

/* ---- kernel events ---- */

/* host_ns_exec, setns, ns_create from a ring-buffer record. */
void nsg_feed_kernel_event(struct nsg_jsonw *w, const struct nsg_event *e,
			   const struct nsg_feed_ctx *ctx);
/* The event's verdict as the feed and the metrics say it ("none" for information). */
const char *nsg_event_verdict(const struct nsg_event *e);
/* The namespace type an event is mainly about (setns: its `target`), or -1. */
int nsg_event_primary_ns(const struct nsg_event *e);

/* ---- agent events ---- */

struct nsg_feed_start {
	const char *version;
	int pid;
	bool enforcing;                  /* mode enforce (else audit) */
	enum nsg_tier tier;
	const char *tier_reason;
	uint32_t block_mask;             /* types blocked (ignored unless enforcing) */
	const struct nsg_probe *probe;
	const struct nsg_hostns *host;
	const struct nsg_cgroup_mode *cgroups;
	unsigned long long ring_size, info_ring_size;
	const char *pin_path;            /* NULL: not pinned */
	bool pin_adopted, pin_replaced;
	double probed_ms, loaded_ms, attached_ms; /* since the agent started */
};
void nsg_feed_agent_start(struct nsg_jsonw *w, const struct nsg_feed_start *s);

/* agent_stats' `flow`: what happened to every event a hook reported. */
struct nsg_feed_flow {
	const struct nsg_flow_counts *totals;
	const struct nsg_flow_counts *per; /* containers with anything held back, most first */
	size_t nper, max_listed;
	unsigned long long summaries_coalesced, summaries_rate_limited;
};

/* agent_stats' `state`: how much the agent holds, against its limit. */
struct nsg_feed_state {
	unsigned long long max_containers;
	unsigned long long registry, exempt_cgroups, flows, coalescing, metadata;
	unsigned long long forgotten;       /* containers forgotten since start */
	unsigned long long identities_lost; /* identities the kernel could not store */
	unsigned long long removals_lost;   /* removals the kernel's queue had no room for */
	unsigned long long rss_kb;
};

struct nsg_feed_stats {
	const unsigned long long *events;  /* [NSG_EV_MAX], by kernel event type */
	const unsigned long long *drops;   /* [NSG_EV_MAX] */
	const unsigned long long *drops_by_class; /* [NSG_CLASSES] */
	const struct nsg_feed_flow *flow;  /* NULL: the counters could not be read (null) */
	const struct nsg_feed_state *state; /* NULL: not known (null) */
	unsigned long long host_ns_running;
	unsigned long long write_errors;
	unsigned long long lines, rotations, socket_clients, socket_clients_dropped;
	unsigned long long socket_clients_rejected; /* turned away: too many connected */
	unsigned long long lines_lost;     /* lines the file could not take (feed_gap says when) */
	unsigned long long reopens;        /* the file opened again (SIGUSR1, renamed or deleted) */
	long long uptime_s;
};
void nsg_feed_agent_stats(struct nsg_jsonw *w, const struct nsg_feed_stats *s);

void nsg_feed_agent_stop(struct nsg_jsonw *w, const char *reason);

/*
 * `feed_gap`: lines missing from the file before this one. cause:
 * "write_failed" (error says why; lost counts them), "torn_line_at_start"
 * (an earlier writer's unfinished last line, cut: lost 1), "truncated"
 * (someone cut the file under the agent, e.g. logrotate's copytruncate:
 * lost unknown, bytes says how much went).
 */
struct nsg_feed_gap {
	const char *cause;
	int error;                    /* errno, 0: none */
	unsigned long long lost;      /* lines */
	bool lost_known;
	unsigned long long bytes;     /* cut or truncated; 0: not said */
};
void nsg_feed_gap(struct nsg_jsonw *w, const struct nsg_feed_gap *g);

/* `coalesced`: the repeats of one violation kind (flow_summary.h). */
void nsg_feed_coalesced(struct nsg_jsonw *w, const struct nsg_coalesced *c,
			const struct nsg_feed_ctx *ctx);
/* `rate_limited`: what one container's budget refused; rate and burst as configured. */
void nsg_feed_rate_limited(struct nsg_jsonw *w, const struct nsg_rate_limited *r,
			   unsigned int rate, unsigned int burst, const struct nsg_feed_ctx *ctx);

/* policy_reloaded (error NULL, with the rule count) or policy_error. */
void nsg_feed_policy_event(struct nsg_jsonw *w, const char *policy, size_t rules,
			   const char *error);

/* The hook registered a container (k->allowed: what the policy allows it). */
void nsg_feed_container_registered(struct nsg_jsonw *w, const struct nsg_known_container *k);
/* An allowlisted container could not be exempted (why: which limit). */
void nsg_feed_exemption_failed(struct nsg_jsonw *w, const struct nsg_known_container *k,
			       const char *why);
/* What the agent's self-check found changed in its kernel state (kernel/self_protect.c). */
struct nsg_self_check_finding {
	const char *kind;     /* "map", "link" */
	const char *name;     /* policy_cfg, exempt_cgroups, ..., a program's name */
	bool has_key;
	char key[64];         /* the entry, where the object is a table */
	const char *change;   /* "changed", "removed", "added", "detached" */
	char found[64];       /* what the kernel held ("-": nothing) */
	char expected[64];    /* what the agent wrote ("-": nothing) */
	bool restored;
};

/* `tamper` from the self-check: verdict restored (or unrestored, with why in the log). */
void nsg_feed_self_check(struct nsg_jsonw *w, const struct nsg_self_check_finding *f);
/* One of the per-container tables is full: what that means until it has room. */
void nsg_feed_map_full(struct nsg_jsonw *w, const char *map, unsigned long long max,
		       const char *effect);

/*
 * hook_unreachable from one line of the hook's spool file: its members
 * after the envelope (schema, time, event, severity), which it cannot
 * replace; a line that is not a JSON object adds nothing.
 */
void nsg_feed_hook_unreachable(struct nsg_jsonw *w, const char *spool_line, size_t len);

/*
 * host_ns_running for a container found by the start-up scan: `reported`
 * are the shared types the policy reports, `allowed` those a rule allows;
 * `container` last, when ctx has container_of.
 */
void nsg_feed_host_ns_running(struct nsg_jsonw *w, const struct nsg_scanned_container *c,
			      uint32_t reported, uint32_t allowed, const struct nsg_feed_ctx *ctx);

/* ---- the `container` object ---- */

/*
 * From the runtime's state: {"runtime","name","pod":{"name","namespace",
 * "uid"}|null,"image"}; empty fields, and fields that are not valid
 * UTF-8, are null; pod is null when none of its fields is known.
 */
void nsg_feed_container(struct nsg_jsonw *w, const struct nsg_container_meta *m);
/* From the hook's registration (state gone): the same keys, pod uid null. */
void nsg_feed_container_from_registration(struct nsg_jsonw *w,
					  const struct nsg_known_container *k);

/* ---- nsguard scan ---- */

/* {"containers":[...],"violations":N,"host_ns":{...}} */
void nsg_feed_scan_report(struct nsg_jsonw *w, const struct nsg_scan *s, size_t violations,
			  const struct nsg_hostns *host, const struct nsg_feed_ctx *ctx);
/* One row of it (`nsguard scan --format jsonl` writes one a line). */
void nsg_feed_scan_container(struct nsg_jsonw *w, const struct nsg_scanned_container *c,
			     const struct nsg_feed_ctx *ctx);

#endif
