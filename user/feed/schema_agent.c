// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's own events in the feed: agent_start, agent_stats,
 * agent_stop, policy_reloaded/policy_error, map_full and the self-check's
 * tamper.
 */
#include <stdio.h>
#include <string.h>
#include "feed/schema_members.h"
#include "kernel/tier.h"

/* ---- agent_start ---- */

static void probe_object(struct nsg_jsonw *w, const struct nsg_probe *p)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_bool(w, "btf", p->btf);
	nsg_jsonw_kv_bool(w, "ringbuf", p->ringbuf);
	nsg_jsonw_kv_string(w, "lsm", p->lsm_list);
	nsg_jsonw_kv_bool(w, "bpf_lsm_active", p->lsm_bpf_active);
	nsg_jsonw_kv_bool(w, "lsm_prog_loads", p->lsm_prog_loads);
	nsg_jsonw_kv_bool(w, "trampolines", p->trampolines);
	nsg_jsonw_key(w, "mounted");
	nsg_jsonw_array_begin(w);
	for (size_t i = 0; i < p->nmounted; i++)
		nsg_jsonw_string(w, p->mounted[i]);
	nsg_jsonw_array_end(w);
	nsg_jsonw_object_end(w);
}

static void host_ns_object(struct nsg_jsonw *w, const struct nsg_hostns *h)
{
	char source[32];

	if (h->from_pid)
		snprintf(source, sizeof(source), "pid:%d", h->from_pid);
	else
		snprintf(source, sizeof(source), "initial");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "source", source);
	nsg_jsonw_key(w, "inums");
	nsg_schema_ns_inums(w, h->inum);
	nsg_jsonw_object_end(w);
}

static void pinned_value(struct nsg_jsonw *w, const struct nsg_feed_start *s)
{
	if (!s->pin_path) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "path", s->pin_path);
	nsg_jsonw_kv_bool(w, "adopted", s->pin_adopted);
	nsg_jsonw_kv_bool(w, "replaced", s->pin_replaced);
	nsg_jsonw_object_end(w);
}

/* Where start-up time goes: the probe's trial loads, verification, attach. */
static void startup_object(struct nsg_jsonw *w, const struct nsg_feed_start *s)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_double(w, "probed_ms", s->probed_ms);
	nsg_jsonw_kv_double(w, "loaded_ms", s->loaded_ms);
	nsg_jsonw_kv_double(w, "attached_ms", s->attached_ms);
	nsg_jsonw_object_end(w);
}

static void cgroup_hierarchy_member(struct nsg_jsonw *w, const struct nsg_cgroup_mode *m)
{
	char cg[48];

	snprintf(cg, sizeof(cg), m->v2 ? "v2" : "v1:%s", m->v1_controller);
	nsg_jsonw_kv_string(w, "cgroup_hierarchy", cg);
}

void nsg_feed_agent_start(struct nsg_jsonw *w, const struct nsg_feed_start *s)
{
	nsg_schema_agent_event_begin(w, "agent_start");
	nsg_jsonw_kv_string(w, "version", s->version);
	nsg_jsonw_kv_int(w, "pid", s->pid);
	nsg_jsonw_kv_string(w, "kernel", s->probe->kernel_release);
	nsg_jsonw_kv_string(w, "mode", s->enforcing ? "enforce" : "audit");
	nsg_jsonw_kv_string(w, "tier", nsg_tier_name(s->tier));
	nsg_jsonw_kv_string(w, "tier_reason", s->tier_reason);
	nsg_jsonw_key(w, "block");
	nsg_schema_ns_list(w, s->enforcing ? s->block_mask : 0);
	nsg_jsonw_kv_string(w, "detection", s->tier == NSG_TIER_LSM ? "trampoline" : "tracepoint");
	nsg_jsonw_key(w, "probe");
	probe_object(w, s->probe);
	nsg_jsonw_key(w, "host_ns");
	host_ns_object(w, s->host);
	cgroup_hierarchy_member(w, s->cgroups);
	nsg_jsonw_kv_uint(w, "ring_size", s->ring_size);
	nsg_jsonw_kv_uint(w, "info_ring_size", s->info_ring_size);
	nsg_jsonw_key(w, "pinned");
	pinned_value(w, s);
	nsg_jsonw_key(w, "startup");
	startup_object(w, s);
	nsg_jsonw_object_end(w);
}

/* ---- agent_stats ---- */

/* One counter of an object that holds nothing else. */
struct named_count {
	const char *name;
	unsigned long long n;
};

/* {"name": n, ...} in the table's order. */
static void counts_object(struct nsg_jsonw *w, const struct named_count *c, size_t n)
{
	nsg_jsonw_object_begin(w);
	for (size_t i = 0; i < n; i++)
		nsg_jsonw_kv_uint(w, c[i].name, c[i].n);
	nsg_jsonw_object_end(w);
}

#define COUNTS_OBJECT(w, table) counts_object(w, table, sizeof(table) / sizeof((table)[0]))

static void drops_by_class_object(struct nsg_jsonw *w, const unsigned long long *by_class)
{
	const struct named_count c[] = {
		{ "violation", by_class[NSG_CLASS_VIOLATION] },
		{ "info", by_class[NSG_CLASS_INFO] },
	};

	COUNTS_OBJECT(w, c);
}

static void output_object(struct nsg_jsonw *w, const struct nsg_feed_stats *s)
{
	const struct named_count c[] = {
		{ "lines", s->lines },
		{ "rotations", s->rotations },
		{ "socket_clients", s->socket_clients },
		{ "socket_clients_dropped", s->socket_clients_dropped },
		{ "socket_clients_rejected", s->socket_clients_rejected },
		{ "lines_lost", s->lines_lost },
		{ "reopens", s->reopens },
	};

	COUNTS_OBJECT(w, c);
}

static void state_object(struct nsg_jsonw *w, const struct nsg_feed_state *st)
{
	const struct named_count c[] = {
		{ "max_containers", st->max_containers },
		{ "registry", st->registry },
		{ "exempt_cgroups", st->exempt_cgroups },
		{ "flows", st->flows },
		{ "coalescing", st->coalescing },
		{ "metadata", st->metadata },
		{ "forgotten", st->forgotten },
		{ "identities_lost", st->identities_lost },
		{ "removals_lost", st->removals_lost },
		{ "rss_kb", st->rss_kb },
	};

	COUNTS_OBJECT(w, c);
}

void nsg_feed_agent_stats(struct nsg_jsonw *w, const struct nsg_feed_stats *s)
{
	unsigned long long events_total, drops_total;

	nsg_schema_agent_event_begin(w, "agent_stats");
	nsg_jsonw_key(w, "events");
	events_total = nsg_schema_per_type_counts(w, s->events);
	nsg_jsonw_key(w, "drops");
	drops_total = nsg_schema_per_type_counts(w, s->drops);
	nsg_jsonw_key(w, "drops_by_class");
	drops_by_class_object(w, s->drops_by_class);
	nsg_jsonw_key(w, "flow");
	nsg_schema_flow_value(w, s->flow);
	nsg_jsonw_key(w, "state");
	if (s->state)
		state_object(w, s->state);
	else
		nsg_jsonw_null(w);
	nsg_jsonw_kv_uint(w, "events_total", events_total);
	nsg_jsonw_kv_uint(w, "drops_total", drops_total);
	nsg_jsonw_kv_uint(w, "host_ns_running", s->host_ns_running);
	nsg_jsonw_kv_uint(w, "write_errors", s->write_errors);
	nsg_jsonw_key(w, "output");
	output_object(w, s);
	nsg_jsonw_kv_int(w, "uptime_s", s->uptime_s);
	nsg_jsonw_object_end(w);
}

/* ---- agent_stop, policy, the agent's own state ---- */

void nsg_feed_agent_stop(struct nsg_jsonw *w, const char *reason)
{
	nsg_schema_agent_event_begin(w, "agent_stop");
	nsg_jsonw_kv_string(w, "reason", reason);
	nsg_jsonw_object_end(w);
}

void nsg_feed_gap(struct nsg_jsonw *w, const struct nsg_feed_gap *g)
{
	nsg_schema_agent_violation_begin(w, "feed_gap");
	nsg_jsonw_kv_string(w, "cause", g->cause);
	if (g->error)
		nsg_jsonw_kv_string(w, "error", strerror(g->error));
	else
		nsg_jsonw_kv_null(w, "error");
	if (g->lost_known)
		nsg_jsonw_kv_uint(w, "lost", g->lost);
	else
		nsg_jsonw_kv_null(w, "lost");
	if (g->bytes)
		nsg_jsonw_kv_uint(w, "bytes", g->bytes);
	nsg_jsonw_object_end(w);
}

void nsg_feed_policy_event(struct nsg_jsonw *w, const char *policy, size_t rules,
			   const char *error)
{
	nsg_schema_agent_event_begin(w, error ? "policy_error" : "policy_reloaded");
	nsg_jsonw_kv_string(w, "policy", policy);
	if (error)
		nsg_jsonw_kv_string(w, "error", error);
	else
		nsg_jsonw_kv_uint(w, "rules", rules);
	nsg_jsonw_object_end(w);
}

void nsg_feed_map_full(struct nsg_jsonw *w, const char *map, unsigned long long max,
		       const char *effect)
{
	nsg_schema_agent_violation_begin(w, "map_full");
	nsg_jsonw_kv_string(w, "map", map);
	nsg_jsonw_kv_uint(w, "max", max);
	nsg_jsonw_kv_string(w, "effect", effect);
	nsg_jsonw_object_end(w);
}

void nsg_feed_self_check(struct nsg_jsonw *w, const struct nsg_self_check_finding *f)
{
	nsg_schema_agent_violation_begin(w, "tamper");
	nsg_jsonw_kv_string(w, "verdict", f->restored ? "restored" : "unrestored");
	nsg_jsonw_kv_string(w, "source", "self_check");
	nsg_jsonw_key(w, "object");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "kind", f->kind);
	nsg_jsonw_kv_string(w, "name", f->name);
	if (f->has_key)
		nsg_jsonw_kv_string(w, "key", f->key);
	nsg_jsonw_object_end(w);
	nsg_jsonw_kv_string(w, "change", f->change);
	nsg_jsonw_kv_string(w, "found", f->found);
	nsg_jsonw_kv_string(w, "expected", f->expected);
	nsg_jsonw_object_end(w);
}
