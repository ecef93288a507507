// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <jansson.h>
#include "feed/controls.h"
#include "feed/feed_schema.h"
#include "feed/names.h"
#include "kernel/tier.h"
#include "feed/timefmt.h"
#include "util/utf8.h"

/* ---- pieces shared by several events ---- */

/* ["ipc","pid"] for a namespace-type mask. */
static void ns_list(struct nsg_jsonw *w, uint32_t mask)
{
	nsg_jsonw_array_begin(w);
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t))
			nsg_jsonw_string(w, nsg_ns_names[t]);
	nsg_jsonw_array_end(w);
}

/* {"ipc": inum, ...} for all eight types; null where unknown. */
static void ns_inums(struct nsg_jsonw *w, const uint32_t inum[NSG_NS_TYPES])
{
	nsg_jsonw_object_begin(w);
	for (int t = 0; t < NSG_NS_TYPES; t++) {
		nsg_jsonw_key(w, nsg_ns_names[t]);
		if (inum[t])
			nsg_jsonw_uint(w, inum[t]);
		else
			nsg_jsonw_null(w);
	}
	nsg_jsonw_object_end(w);
}

static void envelope(struct nsg_jsonw *w, const char *time, const char *event)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_int(w, "schema", NSG_SCHEMA_VERSION);
	nsg_jsonw_kv_string(w, "time", time);
	nsg_jsonw_kv_string(w, "event", event);
}

/* Every agent event starts so: it happens now. */
static void agent_event_begin(struct nsg_jsonw *w, const char *event)
{
	char now[NSG_RFC3339_LEN];

	nsg_format_now(now, sizeof(now));
	envelope(w, now, event);
}

/*
 * "controls": the compliance controls that sharing `mask` fails
 * (controls.c); left out when none.
 */
static void controls_member(struct nsg_jsonw *w, uint32_t mask)
{
	const char *ids[8];
	size_t n = nsg_controls_failed(mask, ids, 8);

	if (!n)
		return;
	nsg_jsonw_key(w, "controls");
	nsg_jsonw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		nsg_jsonw_string(w, ids[i]);
	nsg_jsonw_array_end(w);
}

/* The `container` member, when the context can tell. */
static void container_member(struct nsg_jsonw *w, const char *id, const struct nsg_feed_ctx *ctx)
{
	const char *frag;
	size_t len = 0;

	if (!ctx || !ctx->container_of)
		return;
	frag = ctx->container_of(ctx->container_arg, id, &len);
	nsg_jsonw_key(w, "container");
	if (frag)
		nsg_jsonw_fragment(w, frag, len);
	else
		nsg_jsonw_null(w);
}

/* ---- kernel events ---- */

static const char *severity_of(const struct nsg_event *e)
{
	switch (e->type) {
	case NSG_EV_HOST_NS_EXEC:
		return "violation";
	case NSG_EV_SETNS:
		return e->reported_mask ? "violation" : "info";
	case NSG_EV_TAMPER:
		return "violation";
	}
	return "info";
}

/*
 * An informational event (namespace creation, a setns the policy does not
 * report) is judged by nobody: "none", not the kernel's default "alert".
 */
static const char *judged_verdict(uint32_t verdict, bool violation)
{
	return !violation && verdict == NSG_VERDICT_ALERT ? "none" : nsg_verdict_name(verdict);
}

const char *nsg_event_verdict(const struct nsg_event *e)
{
	return judged_verdict(e->verdict, strcmp(severity_of(e), "violation") == 0);
}

/* What enforce mode would have done: audit mode's answer to "what if". */
static const char *enforce_verdict(const struct nsg_feed_ctx *ctx, uint32_t reported,
				   uint32_t allowed)
{
	if (reported & ctx->would_block & ~allowed)
		return ctx->would_stop ? ctx->would_stop : "alert";
	return allowed && allowed == reported ? "allowed" : "alert";
}

static void enforce_verdict_member(struct nsg_jsonw *w, const struct nsg_feed_ctx *ctx,
				   uint32_t reported, uint32_t allowed)
{
	if (ctx && ctx->audit)
		nsg_jsonw_kv_string(w, "enforce_verdict", enforce_verdict(ctx, reported, allowed));
}

/* The namespace types whose sharing an event is about, when it is a violation. */
static uint32_t violated_mask(const struct nsg_event *e)
{
	if (strcmp(severity_of(e), "violation") != 0)
		return 0;
	if (e->type == NSG_EV_SETNS)
		return e->reported_mask & e->setns.target_host;
	if (e->type == NSG_EV_HOST_NS_EXEC)
		return e->host_ns_mask & (NSG_VIOLATION_MASK | e->reported_mask);
	return 0;
}

static void exe_member(struct nsg_jsonw *w, const struct nsg_event *e,
		       const struct nsg_feed_ctx *ctx)
{
	const char *exe = NULL;

	if (e->exe[0]) {
		nsg_jsonw_member_bytes(w, "exe", e->exe, sizeof(e->exe));
		return;
	}
	if (ctx->exe_of)
		exe = ctx->exe_of(ctx->exe_arg, e->pid, e->start_boot_ns, e->exec_id);
	nsg_jsonw_member_bytes_or_null(w, "exe", exe);
}

static void container_id_members(struct nsg_jsonw *w, const struct nsg_event *e,
				 const struct nsg_feed_ctx *ctx)
{
	char id[NSG_CONTAINER_ID_LEN + 1];

	nsg_jsonw_key(w, "container_id");
	if (!e->is_container) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_stringn(w, e->container_id, NSG_CONTAINER_ID_LEN);
	memcpy(id, e->container_id, NSG_CONTAINER_ID_LEN);
	id[NSG_CONTAINER_ID_LEN] = '\0';
	container_member(w, id, ctx);
}

/*
 * A container task's identity is kept wherever it moves: where its container
 * is, and, when it is not in its container's own cgroup, where it is now.
 */
static void moved_members(struct nsg_jsonw *w, const struct nsg_event *e,
			  const struct nsg_feed_ctx *ctx)
{
	char path[1024];

	nsg_jsonw_key(w, "container_cgroup_id");
	if (!e->is_container || !e->container_cgroup_id) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_uint(w, e->container_cgroup_id);
	if (e->cgroup_id == e->container_cgroup_id)
		return;
	if (ctx->cgroup_path_of && ctx->cgroup_path_of(ctx->cgroup_arg, e->cgroup_id, path, sizeof(path)) == 0)
		nsg_jsonw_member_bytes(w, "cgroup", path, sizeof(path));
	else
		nsg_jsonw_kv_null(w, "cgroup");
}

static void common_members(struct nsg_jsonw *w, const struct nsg_event *e,
			   const struct nsg_feed_ctx *ctx)
{
	uint32_t violated = violated_mask(e); /* once: the verdict's "what if" and the controls */
	char when[NSG_RFC3339_LEN];

	nsg_format_rfc3339((int64_t)e->ts_boot_ns + ctx->boot_to_realtime_ns, when, sizeof(when));
	envelope(w, when, nsg_event_name(e->type));
	nsg_jsonw_kv_string(w, "severity", severity_of(e));
	nsg_jsonw_kv_string(w, "verdict", nsg_event_verdict(e));
	if (violated)
		enforce_verdict_member(w, ctx, e->reported_mask, e->allowed_mask);
	nsg_jsonw_kv_uint(w, "pid", e->pid);
	nsg_jsonw_kv_uint(w, "tid", e->tid);
	nsg_jsonw_kv_uint(w, "ppid", e->ppid);
	nsg_jsonw_kv_uint(w, "uid", e->uid);
	nsg_jsonw_member_bytes(w, "comm", e->comm, sizeof(e->comm));
	exe_member(w, e, ctx);
	nsg_jsonw_kv_uint(w, "cgroup_id", e->cgroup_id);
	container_id_members(w, e, ctx);
	moved_members(w, e, ctx);
	/* The watched types, and any other the policy reports for this event. */
	nsg_jsonw_key(w, "host_ns");
	ns_list(w, e->host_ns_mask & (NSG_VIOLATION_MASK | e->reported_mask));
	nsg_jsonw_key(w, "host_ns_all");
	ns_list(w, e->host_ns_mask);
	if (e->allowed_mask) {
		nsg_jsonw_key(w, "allowed_ns");
		ns_list(w, e->allowed_mask);
	}
	nsg_jsonw_key(w, "ns");
	ns_inums(w, e->ns_inum);
	controls_member(w, violated);
}

/* The target that matters most: a host namespace (IPC/PID first), then the first. */
static int primary_target(const struct nsg_setns_info *s)
{
	return nsg_first_ns_type(s->target_host ? s->target_host : s->target_mask);
}

int nsg_event_primary_ns(const struct nsg_event *e)
{
	if (e->type == NSG_EV_SETNS)
		return primary_target(&e->setns);
	return nsg_first_ns_type(e->reported_mask);
}

static void target_object(struct nsg_jsonw *w, const struct nsg_setns_info *s, int t)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "type", nsg_ns_names[t]);
	nsg_jsonw_kv_uint(w, "inum", s->target_inum[t]);
	nsg_jsonw_kv_bool(w, "host", s->target_host & NSG_BIT(t));
	nsg_jsonw_object_end(w);
}

static void setns_members(struct nsg_jsonw *w, const struct nsg_setns_info *s)
{
	int primary = primary_target(s);

	nsg_jsonw_key(w, "target");
	if (primary >= 0)
		target_object(w, s, primary);
	else
		nsg_jsonw_null(w);
	nsg_jsonw_key(w, "targets");
	nsg_jsonw_array_begin(w);
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (s->target_mask & NSG_BIT(t))
			target_object(w, s, t);
	nsg_jsonw_array_end(w);
	nsg_jsonw_kv_string(w, "via", nsg_setns_via_name(s->via));
	nsg_jsonw_kv_int(w, "fd", s->fd);
	nsg_jsonw_kv_uint(w, "nstype", s->flags);
	nsg_jsonw_kv_int(w, "result", s->result);
}

static void create_members(struct nsg_jsonw *w, const struct nsg_create_info *c)
{
	char flags[24];

	snprintf(flags, sizeof(flags), "0x%llx", (unsigned long long)c->clone_flags);
	nsg_jsonw_kv_string(w, "syscall", nsg_create_via_name(c->via));
	nsg_jsonw_kv_string(w, "clone_flags", flags);
	nsg_jsonw_key(w, "created");
	ns_list(w, c->created_mask);
	nsg_jsonw_key(w, "new_ns");
	nsg_jsonw_object_begin(w);
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (c->created_mask & NSG_BIT(t))
			nsg_jsonw_kv_uint(w, nsg_ns_names[t], c->new_inum[t]);
	nsg_jsonw_object_end(w);
	nsg_jsonw_key(w, "child_pid");
	if (c->via == NSG_CREATE_CLONE)
		nsg_jsonw_uint(w, c->child_pid);
	else
		nsg_jsonw_null(w);
}

/* What a tamper attempt went for: one of nsguard's BPF objects, or the agent. */
static void tamper_members(struct nsg_jsonw *w, const struct nsg_tamper_info *t)
{
	nsg_jsonw_kv_string(w, "source", "kernel");
	nsg_jsonw_kv_string(w, "op", nsg_tamper_op_name(t->op));
	if (t->op == NSG_TAMPER_BPF)
		nsg_jsonw_kv_string(w, "bpf_cmd", nsg_bpf_cmd_name(t->cmd));
	else if (t->op == NSG_TAMPER_SIGNAL)
		nsg_jsonw_kv_uint(w, "signal", t->cmd);
	else if (t->op == NSG_TAMPER_PTRACE)
		nsg_jsonw_kv_uint(w, "ptrace_mode", t->cmd);
	nsg_jsonw_key(w, "object");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "kind", nsg_obj_kind_name(t->obj_kind));
	if (t->obj_kind == NSG_OBJ_AGENT) {
		nsg_jsonw_kv_uint(w, "pid", t->obj_id);
	} else {
		nsg_jsonw_kv_uint(w, "id", t->obj_id);
		nsg_jsonw_member_bytes(w, "name", t->obj_name, sizeof(t->obj_name));
	}
	nsg_jsonw_object_end(w);
}

void nsg_feed_kernel_event(struct nsg_jsonw *w, const struct nsg_event *e,
			   const struct nsg_feed_ctx *ctx)
{
	common_members(w, e, ctx);
	if (e->type == NSG_EV_SETNS)
		setns_members(w, &e->setns);
	else if (e->type == NSG_EV_NS_CREATE)
		create_members(w, &e->create);
	else if (e->type == NSG_EV_TAMPER)
		tamper_members(w, &e->tamper);
	nsg_jsonw_object_end(w);
}

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
	ns_inums(w, h->inum);
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
	agent_event_begin(w, "agent_start");
	nsg_jsonw_kv_string(w, "version", s->version);
	nsg_jsonw_kv_int(w, "pid", s->pid);
	nsg_jsonw_kv_string(w, "kernel", s->probe->kernel_release);
	nsg_jsonw_kv_string(w, "mode", s->enforcing ? "enforce" : "audit");
	nsg_jsonw_kv_string(w, "tier", nsg_tier_name(s->tier));
	nsg_jsonw_kv_string(w, "tier_reason", s->tier_reason);
	nsg_jsonw_key(w, "block");
	ns_list(w, s->enforcing ? s->block_mask : 0);
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

/* ---- agent_stats, agent_stop, policy ---- */

/* {"host_ns_exec": n, ...} over the kernel event types; returns the sum. */
static unsigned long long per_type_counts(struct nsg_jsonw *w, const unsigned long long *counts)
{
	unsigned long long total = 0;

	nsg_jsonw_object_begin(w);
	for (uint32_t t = 1; t < NSG_EV_MAX; t++) {
		nsg_jsonw_kv_uint(w, nsg_event_name(t), counts[t]);
		total += counts[t];
	}
	nsg_jsonw_object_end(w);
	return total;
}

static void output_object(struct nsg_jsonw *w, const struct nsg_feed_stats *s)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_uint(w, "lines", s->lines);
	nsg_jsonw_kv_uint(w, "rotations", s->rotations);
	nsg_jsonw_kv_uint(w, "socket_clients", s->socket_clients);
	nsg_jsonw_kv_uint(w, "socket_clients_dropped", s->socket_clients_dropped);
	nsg_jsonw_kv_uint(w, "socket_clients_rejected", s->socket_clients_rejected);
	nsg_jsonw_object_end(w);
}

/* ---- the flow gate: summaries and accounting ---- */

static const char *const outcome_names[NSG_FLOW_OUTCOMES] = {
	[NSG_FLOW_QUEUED] = "queued",
	[NSG_FLOW_COALESCED] = "coalesced",
	[NSG_FLOW_RATE_LIMITED] = "rate_limited",
	[NSG_FLOW_DROPPED] = "dropped",
};

static const char *const class_names[NSG_CLASSES] = {
	[NSG_CLASS_VIOLATION] = "violation",
	[NSG_CLASS_INFO] = "info",
};

static void time_member(struct nsg_jsonw *w, const char *key, uint64_t boot_ns,
			const struct nsg_feed_ctx *ctx)
{
	char when[NSG_RFC3339_LEN];

	nsg_format_rfc3339((int64_t)boot_ns + ctx->boot_to_realtime_ns, when, sizeof(when));
	nsg_jsonw_kv_string(w, key, when);
}

/* container_id (null: host tasks) and the `container` object of a flow entry. */
static void flow_who_members(struct nsg_jsonw *w, const struct nsg_flow_id *who, bool overflow,
			     const struct nsg_feed_ctx *ctx)
{
	char id[NSG_CONTAINER_ID_LEN + 1];

	if (overflow) {
		nsg_jsonw_kv_string(w, "container_id", "overflow");
		return;
	}
	memcpy(id, who->id, NSG_CONTAINER_ID_LEN);
	id[NSG_CONTAINER_ID_LEN] = '\0';
	if (!id[0]) {
		nsg_jsonw_kv_null(w, "container_id");
		return;
	}
	nsg_jsonw_member_bytes(w, "container_id", id, sizeof(id));
	container_member(w, id, ctx);
}

/* The host namespaces a coalesced violation is about (setns: its targets). */
static uint32_t coalesced_mask(const struct nsg_coalesce_key *k)
{
	if (k->type == NSG_EV_SETNS)
		return k->mask & 0xff;
	return k->type == NSG_EV_HOST_NS_EXEC ? (k->mask & NSG_NS_ALL) : 0;
}

void nsg_feed_coalesced(struct nsg_jsonw *w, const struct nsg_coalesced *c,
			const struct nsg_feed_ctx *ctx)
{
	const struct nsg_coalesce_key *k = &c->key;

	/* Repeats of information (namespaces created, a setns to no host
	 * namespace) are information too: no alert. */
	bool violation = k->type == NSG_EV_TAMPER || coalesced_mask(k);

	agent_event_begin(w, "coalesced");
	nsg_jsonw_kv_string(w, "severity", violation ? "violation" : "info");
	nsg_jsonw_kv_string(w, "verdict", judged_verdict(k->verdict, violation));
	if (violation && k->verdict == NSG_VERDICT_ALERT)
		enforce_verdict_member(w, ctx, coalesced_mask(k), 0);
	nsg_jsonw_kv_string(w, "of", nsg_event_name(k->type));
	nsg_jsonw_kv_uint(w, "repeats", c->repeats);
	time_member(w, "first_time", c->first_ns, ctx);
	time_member(w, "last_time", c->last_ns, ctx);
	flow_who_members(w, &k->who, false, ctx);
	nsg_jsonw_kv_uint(w, "pid", c->last_pid);
	nsg_jsonw_kv_uint(w, "tid", c->last_tid);
	nsg_jsonw_member_bytes(w, "comm", c->last_comm, sizeof(c->last_comm));
	nsg_jsonw_key(w, "host_ns");
	if (k->type == NSG_EV_SETNS) {
		ns_list(w, k->mask & 0xff);
		nsg_jsonw_key(w, "targets");
		ns_list(w, k->mask >> 8);
		nsg_jsonw_kv_string(w, "via", nsg_setns_via_name(k->via));
		nsg_jsonw_kv_int(w, "result", k->result);
	} else {
		ns_list(w, k->mask & NSG_NS_ALL);
		nsg_jsonw_member_bytes_or_null(w, "exe", c->exe);
	}
	controls_member(w, coalesced_mask(k));
	nsg_jsonw_object_end(w);
}

/* {"host_ns_exec": n, "setns": n, "ns_create": n}; returns their sum. */
static uint64_t per_type_object(struct nsg_jsonw *w, const uint64_t n[NSG_EV_MAX])
{
	uint64_t total = 0;

	nsg_jsonw_object_begin(w);
	for (uint32_t t = 1; t < NSG_EV_MAX; t++) {
		nsg_jsonw_kv_uint(w, nsg_event_name(t), n[t]);
		total += n[t];
	}
	nsg_jsonw_object_end(w);
	return total;
}

void nsg_feed_rate_limited(struct nsg_jsonw *w, const struct nsg_rate_limited *r,
			   unsigned int rate, unsigned int burst, const struct nsg_feed_ctx *ctx)
{
	uint64_t violations = 0, info = 0;

	for (uint32_t t = 1; t < NSG_EV_MAX; t++) {
		violations += r->refused[NSG_CLASS_VIOLATION][t];
		info += r->refused[NSG_CLASS_INFO][t];
	}
	agent_event_begin(w, "rate_limited");
	nsg_jsonw_kv_string(w, "severity", violations ? "violation" : "info");
	flow_who_members(w, &r->who, r->overflow, ctx);
	nsg_jsonw_key(w, "refused");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_key(w, "violation");
	per_type_object(w, r->refused[NSG_CLASS_VIOLATION]);
	nsg_jsonw_key(w, "info");
	per_type_object(w, r->refused[NSG_CLASS_INFO]);
	nsg_jsonw_object_end(w);
	nsg_jsonw_kv_uint(w, "total", violations + info);
	time_member(w, "first_time", r->first_ns, ctx);
	time_member(w, "last_time", r->last_ns, ctx);
	nsg_jsonw_kv_uint(w, "rate", rate);
	nsg_jsonw_kv_uint(w, "burst", burst);
	nsg_jsonw_object_end(w);
}

/* {"queued": n, "coalesced": n, "rate_limited": n, "dropped": n} */
static void outcomes_object(struct nsg_jsonw *w, const uint64_t n[NSG_FLOW_OUTCOMES])
{
	nsg_jsonw_object_begin(w);
	for (int i = 0; i < NSG_FLOW_OUTCOMES; i++)
		nsg_jsonw_kv_uint(w, outcome_names[i], n[i]);
	nsg_jsonw_object_end(w);
}

/* Per class, the types that had any event: "violation": {"setns": {...}}, "info": {} */
static void class_type_members(struct nsg_jsonw *w, const struct nsg_flow_counts *c)
{
	for (int k = 0; k < NSG_CLASSES; k++) {
		nsg_jsonw_key(w, class_names[k]);
		nsg_jsonw_object_begin(w);
		for (uint32_t t = 1; t < NSG_EV_MAX; t++) {
			uint64_t any = 0;

			for (int i = 0; i < NSG_FLOW_OUTCOMES; i++)
				any |= c->n[k][t][i];
			if (!any)
				continue;
			nsg_jsonw_key(w, nsg_event_name(t));
			outcomes_object(w, c->n[k][t]);
		}
		nsg_jsonw_object_end(w);
	}
}

static void container_counts_object(struct nsg_jsonw *w, const struct nsg_flow_counts *c)
{
	nsg_jsonw_object_begin(w);
	flow_who_members(w, &c->who, c->overflow, NULL);
	if (c->ended)
		nsg_jsonw_kv_bool(w, "ended", true);
	class_type_members(w, c);
	nsg_jsonw_object_end(w);
}

static void flow_object(struct nsg_jsonw *w, const struct nsg_feed_flow *f)
{
	if (!f) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_object_begin(w);
	for (int k = 0; k < NSG_CLASSES; k++) {
		uint64_t sum[NSG_FLOW_OUTCOMES] = { 0 };

		for (uint32_t t = 1; t < NSG_EV_MAX; t++)
			for (int i = 0; i < NSG_FLOW_OUTCOMES; i++)
				sum[i] += f->totals->n[k][t][i];
		nsg_jsonw_key(w, class_names[k]);
		outcomes_object(w, sum);
	}
	nsg_jsonw_key(w, "by_type");
	nsg_jsonw_object_begin(w);
	class_type_members(w, f->totals);
	nsg_jsonw_object_end(w);
	nsg_jsonw_key(w, "containers");
	nsg_jsonw_array_begin(w);
	for (size_t i = 0; i < f->nper && i < f->max_listed; i++)
		container_counts_object(w, &f->per[i]);
	nsg_jsonw_array_end(w);
	nsg_jsonw_kv_uint(w, "containers_not_listed",
			  f->nper > f->max_listed ? f->nper - f->max_listed : 0);
	nsg_jsonw_key(w, "summaries");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_uint(w, "coalesced", f->summaries_coalesced);
	nsg_jsonw_kv_uint(w, "rate_limited", f->summaries_rate_limited);
	nsg_jsonw_object_end(w);
	nsg_jsonw_object_end(w);
}

static void state_object(struct nsg_jsonw *w, const struct nsg_feed_state *st)
{
	if (!st) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_uint(w, "max_containers", st->max_containers);
	nsg_jsonw_kv_uint(w, "registry", st->registry);
	nsg_jsonw_kv_uint(w, "exempt_cgroups", st->exempt_cgroups);
	nsg_jsonw_kv_uint(w, "flows", st->flows);
	nsg_jsonw_kv_uint(w, "coalescing", st->coalescing);
	nsg_jsonw_kv_uint(w, "metadata", st->metadata);
	nsg_jsonw_kv_uint(w, "forgotten", st->forgotten);
	nsg_jsonw_kv_uint(w, "identities_lost", st->identities_lost);
	nsg_jsonw_kv_uint(w, "removals_lost", st->removals_lost);
	nsg_jsonw_kv_uint(w, "rss_kb", st->rss_kb);
	nsg_jsonw_object_end(w);
}

void nsg_feed_agent_stats(struct nsg_jsonw *w, const struct nsg_feed_stats *s)
{
	unsigned long long events_total, drops_total;

	agent_event_begin(w, "agent_stats");
	nsg_jsonw_key(w, "events");
	events_total = per_type_counts(w, s->events);
	nsg_jsonw_key(w, "drops");
	drops_total = per_type_counts(w, s->drops);
	nsg_jsonw_key(w, "drops_by_class");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_uint(w, "violation", s->drops_by_class[NSG_CLASS_VIOLATION]);
	nsg_jsonw_kv_uint(w, "info", s->drops_by_class[NSG_CLASS_INFO]);
	nsg_jsonw_object_end(w);
	nsg_jsonw_key(w, "flow");
	flow_object(w, s->flow);
	nsg_jsonw_key(w, "state");
	state_object(w, s->state);
	nsg_jsonw_kv_uint(w, "events_total", events_total);
	nsg_jsonw_kv_uint(w, "drops_total", drops_total);
	nsg_jsonw_kv_uint(w, "host_ns_running", s->host_ns_running);
	nsg_jsonw_kv_uint(w, "write_errors", s->write_errors);
	nsg_jsonw_key(w, "output");
	output_object(w, s);
	nsg_jsonw_kv_int(w, "uptime_s", s->uptime_s);
	nsg_jsonw_object_end(w);
}

void nsg_feed_agent_stop(struct nsg_jsonw *w, const char *reason)
{
	agent_event_begin(w, "agent_stop");
	nsg_jsonw_kv_string(w, "reason", reason);
	nsg_jsonw_object_end(w);
}

void nsg_feed_policy_event(struct nsg_jsonw *w, const char *policy, size_t rules,
			   const char *error)
{
	agent_event_begin(w, error ? "policy_error" : "policy_reloaded");
	nsg_jsonw_kv_string(w, "policy", policy);
	if (error)
		nsg_jsonw_kv_string(w, "error", error);
	else
		nsg_jsonw_kv_uint(w, "rules", rules);
	nsg_jsonw_object_end(w);
}

/* ---- containers ---- */

/*
 * Strings from the runtime (annotations, the cgroup path) are bytes: like
 * comm/exe, invalid UTF-8 is repaired with the exact bytes in `<key>_raw`,
 * never a silently missing field.
 */
static void registered_pod(struct nsg_jsonw *w, const struct nsg_known_container *k, bool uid)
{
	nsg_jsonw_key(w, "pod");
	if (!k->pod && !k->kubernetes_namespace) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_object_begin(w);
	nsg_jsonw_member_bytes_or_null(w, "name", k->pod);
	nsg_jsonw_member_bytes_or_null(w, "namespace", k->kubernetes_namespace);
	if (uid) /* the hook is not told it */
		nsg_jsonw_kv_null(w, "uid");
	nsg_jsonw_object_end(w);
}

void nsg_feed_container_registered(struct nsg_jsonw *w, const struct nsg_known_container *k)
{
	agent_event_begin(w, "container_registered");
	nsg_jsonw_member_bytes_or_null(w, "container_id", k->id[0] ? k->id : NULL);
	nsg_jsonw_member_bytes_or_null(w, "cgroup", k->cgroup);
	nsg_jsonw_kv_uint(w, "cgroup_id", k->cgroup_id);
	registered_pod(w, k, false);
	nsg_jsonw_member_bytes_or_null(w, "container_name", k->container_name);
	nsg_jsonw_member_bytes_or_null(w, "image", k->image);
	nsg_jsonw_key(w, "allowed_ns");
	ns_list(w, k->allowed);
	nsg_jsonw_object_end(w);
}

void nsg_feed_exemption_failed(struct nsg_jsonw *w, const struct nsg_known_container *k,
			       const char *why)
{
	agent_event_begin(w, "exemption_failed");
	nsg_jsonw_kv_string(w, "severity", "violation");
	nsg_jsonw_member_bytes_or_null(w, "container_id", k->id[0] ? k->id : NULL);
	nsg_jsonw_member_bytes_or_null(w, "cgroup", k->cgroup);
	nsg_jsonw_kv_uint(w, "cgroup_id", k->cgroup_id);
	nsg_jsonw_member_bytes_or_null(w, "container_name", k->container_name);
	nsg_jsonw_member_bytes_or_null(w, "image", k->image);
	nsg_jsonw_key(w, "allowed_ns");
	ns_list(w, k->allowed);
	nsg_jsonw_kv_string(w, "reason", why);
	nsg_jsonw_object_end(w);
}

void nsg_feed_map_full(struct nsg_jsonw *w, const char *map, unsigned long long max,
		       const char *effect)
{
	agent_event_begin(w, "map_full");
	nsg_jsonw_kv_string(w, "severity", "violation");
	nsg_jsonw_kv_string(w, "map", map);
	nsg_jsonw_kv_uint(w, "max", max);
	nsg_jsonw_kv_string(w, "effect", effect);
	nsg_jsonw_object_end(w);
}

void nsg_feed_self_check(struct nsg_jsonw *w, const struct nsg_self_check_finding *f)
{
	agent_event_begin(w, "tamper");
	nsg_jsonw_kv_string(w, "severity", "violation");
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

void nsg_feed_container_from_registration(struct nsg_jsonw *w,
					  const struct nsg_known_container *k)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_member_bytes_or_null(w, "runtime", k->runtime);
	nsg_jsonw_member_bytes_or_null(w, "name", k->container_name);
	registered_pod(w, k, true);
	nsg_jsonw_member_bytes_or_null(w, "image", k->image);
	nsg_jsonw_object_end(w);
}

/* A state-file field: null when empty or not valid UTF-8 (it may be unterminated). */
static void meta_field(struct nsg_jsonw *w, const char *key, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	nsg_jsonw_key(w, key);
	if (n && nsg_utf8_valid(s, n))
		nsg_jsonw_stringn(w, s, n);
	else
		nsg_jsonw_null(w);
}

#define META_FIELD(w, key, m, f) meta_field(w, key, (m)->f, sizeof((m)->f))

void nsg_feed_container(struct nsg_jsonw *w, const struct nsg_container_meta *m)
{
	static const struct nsg_container_meta none;

	if (!m || !m->found)
		m = &none;
	nsg_jsonw_object_begin(w);
	META_FIELD(w, "runtime", m, runtime);
	META_FIELD(w, "name", m, name);
	nsg_jsonw_key(w, "pod");
	if (m->pod_name[0] || m->pod_namespace[0] || m->pod_uid[0]) {
		nsg_jsonw_object_begin(w);
		META_FIELD(w, "name", m, pod_name);
		META_FIELD(w, "namespace", m, pod_namespace);
		META_FIELD(w, "uid", m, pod_uid);
		nsg_jsonw_object_end(w);
	} else {
		nsg_jsonw_null(w);
	}
	META_FIELD(w, "image", m, image);
	nsg_jsonw_object_end(w);
}

/* ---- hook_unreachable ---- */

/* A parsed value written back through the writer (the spool record's members). */
static void jansson_value(struct nsg_jsonw *w, const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		nsg_jsonw_object_begin(w);
		json_object_foreach((json_t *)v, key, item) {
			nsg_jsonw_key(w, key);
			jansson_value(w, item);
		}
		nsg_jsonw_object_end(w);
		break;
	case JSON_ARRAY:
		nsg_jsonw_array_begin(w);
		json_array_foreach(v, i, item)
			jansson_value(w, item);
		nsg_jsonw_array_end(w);
		break;
	case JSON_STRING:
		nsg_jsonw_stringn(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		nsg_jsonw_int(w, json_integer_value(v));
		break;
	case JSON_REAL:
		nsg_jsonw_double(w, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		nsg_jsonw_bool(w, json_is_true(v));
		break;
	case JSON_NULL:
		nsg_jsonw_null(w);
		break;
	}
}

static bool envelope_key(const char *key)
{
	static const char *const ours[] = { "schema", "time", "event", "severity" };

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcmp(key, ours[i]) == 0)
			return true;
	return false;
}

void nsg_feed_hook_unreachable(struct nsg_jsonw *w, const char *spool_line, size_t len)
{
	json_t *rec = json_loadb(spool_line, len, 0, NULL), *v;
	const char *key;

	agent_event_begin(w, "hook_unreachable");
	nsg_jsonw_kv_string(w, "severity", "violation");
	if (json_is_object(rec)) {
		json_object_foreach(rec, key, v) {
			if (envelope_key(key))
				continue;
			nsg_jsonw_key(w, key);
			jansson_value(w, v);
		}
	}
	json_decref(rec);
	nsg_jsonw_object_end(w);
}

/* ---- the start-up scan and `nsguard scan` ---- */

/* What a scan knows of a container, shared by host_ns_running and scan. */
static void scanned_members(struct nsg_jsonw *w, const struct nsg_scanned_container *c,
			    uint32_t reported)
{
	nsg_jsonw_kv_string(w, "container_id", c->ident.id);
	nsg_jsonw_kv_string(w, "runtime", c->ident.runtime);
	nsg_jsonw_kv_string_or_null(w, "pod_uid", c->ident.pod_uid[0] ? c->ident.pod_uid : NULL);
	nsg_jsonw_member_bytes(w, "cgroup", c->cgroup_path, sizeof(c->cgroup_path));
	nsg_jsonw_kv_int(w, "pid", c->first_pid);
	nsg_jsonw_kv_uint(w, "processes", c->nprocs);
	nsg_jsonw_key(w, "processes_in_host_ns");
	nsg_jsonw_object_begin(w);
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (reported & NSG_BIT(t))
			nsg_jsonw_kv_uint(w, nsg_ns_names[t], c->nprocs_host_ns[t]);
	nsg_jsonw_object_end(w);
	nsg_jsonw_key(w, "host_ns");
	ns_list(w, reported);
	nsg_jsonw_key(w, "host_ns_all");
	ns_list(w, c->host_ns_mask);
	nsg_jsonw_key(w, "ns");
	ns_inums(w, c->ns_inum);
	controls_member(w, reported);
}

void nsg_feed_host_ns_running(struct nsg_jsonw *w, const struct nsg_scanned_container *c,
			      uint32_t reported, uint32_t allowed, const struct nsg_feed_ctx *ctx)
{
	bool all_allowed = allowed && allowed == reported;

	agent_event_begin(w, "host_ns_running");
	nsg_jsonw_kv_string(w, "severity", "violation");
	nsg_jsonw_kv_string(w, "verdict", all_allowed ? "allowed" : "alert");
	enforce_verdict_member(w, ctx, reported, allowed);
	if (allowed) {
		nsg_jsonw_key(w, "allowed_ns");
		ns_list(w, allowed);
	}
	scanned_members(w, c, reported);
	container_member(w, c->ident.id, ctx);
	nsg_jsonw_object_end(w);
}

/*
 * One container of the scan report: host_ns_running's fields without the
 * envelope, and its `container` object when the context knows it.
 */
void nsg_feed_scan_container(struct nsg_jsonw *w, const struct nsg_scanned_container *c,
			     const struct nsg_feed_ctx *ctx)
{
	uint32_t shared = c->host_ns_mask & NSG_VIOLATION_MASK;

	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_string(w, "severity", shared ? "violation" : "info");
	scanned_members(w, c, shared);
	container_member(w, c->ident.id, ctx);
	nsg_jsonw_object_end(w);
}

void nsg_feed_scan_report(struct nsg_jsonw *w, const struct nsg_scan *s, size_t violations,
			  const struct nsg_hostns *host, const struct nsg_feed_ctx *ctx)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_key(w, "containers");
	nsg_jsonw_array_begin(w);
	for (size_t i = 0; i < s->count; i++)
		nsg_feed_scan_container(w, &s->items[i], ctx);
	nsg_jsonw_array_end(w);
	nsg_jsonw_kv_uint(w, "violations", violations);
	nsg_jsonw_key(w, "host_ns");
	ns_inums(w, host->inum);
	nsg_jsonw_object_end(w);
}
