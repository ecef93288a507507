// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flow gate in the feed (flow_summary.h): its summaries, `coalesced`
 * and `rate_limited`, and its accounting, agent_stats' `flow`.
 */
#include <string.h>
#include "feed/names.h"
#include "feed/schema_members.h"
#include "feed/timefmt.h"

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
	nsg_schema_container_member(w, id, ctx);
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

	nsg_schema_agent_event_begin(w, "coalesced");
	nsg_jsonw_kv_string(w, "severity", violation ? "violation" : "info");
	nsg_jsonw_kv_string(w, "verdict", nsg_schema_judged_verdict(k->verdict, violation));
	if (violation && k->verdict == NSG_VERDICT_ALERT)
		nsg_schema_enforce_verdict_member(w, ctx, coalesced_mask(k), 0);
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
		nsg_schema_ns_list(w, k->mask & 0xff);
		nsg_jsonw_key(w, "targets");
		nsg_schema_ns_list(w, k->mask >> 8);
		nsg_jsonw_kv_string(w, "via", nsg_setns_via_name(k->via));
		nsg_jsonw_kv_int(w, "result", k->result);
	} else {
		nsg_schema_ns_list(w, k->mask & NSG_NS_ALL);
		nsg_jsonw_member_bytes_or_null(w, "exe", c->exe);
	}
	nsg_schema_controls_member(w, coalesced_mask(k));
	nsg_jsonw_object_end(w);
}

void nsg_feed_rate_limited(struct nsg_jsonw *w, const struct nsg_rate_limited *r,
			   unsigned int rate, unsigned int burst, const struct nsg_feed_ctx *ctx)
{
	uint64_t violations = 0, info = 0;

	for (uint32_t t = 1; t < NSG_EV_MAX; t++) {
		violations += r->refused[NSG_CLASS_VIOLATION][t];
		info += r->refused[NSG_CLASS_INFO][t];
	}
	nsg_schema_agent_event_begin(w, "rate_limited");
	nsg_jsonw_kv_string(w, "severity", violations ? "violation" : "info");
	flow_who_members(w, &r->who, r->overflow, ctx);
	nsg_jsonw_key(w, "refused");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_key(w, "violation");
	nsg_schema_per_type_counts(w, r->refused[NSG_CLASS_VIOLATION]);
	nsg_jsonw_key(w, "info");
	nsg_schema_per_type_counts(w, r->refused[NSG_CLASS_INFO]);
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

/* Per class, each outcome over every type: "violation": {"queued": n, ...}, "info": {...} */
static void class_totals_members(struct nsg_jsonw *w, const struct nsg_flow_counts *totals)
{
	for (int k = 0; k < NSG_CLASSES; k++) {
		uint64_t sum[NSG_FLOW_OUTCOMES] = { 0 };

		for (uint32_t t = 1; t < NSG_EV_MAX; t++)
			for (int i = 0; i < NSG_FLOW_OUTCOMES; i++)
				sum[i] += totals->n[k][t][i];
		nsg_jsonw_key(w, class_names[k]);
		outcomes_object(w, sum);
	}
}

/* The containers with anything held back, as many as are listed, and how many are not. */
static void containers_members(struct nsg_jsonw *w, const struct nsg_feed_flow *f)
{
	nsg_jsonw_key(w, "containers");
	nsg_jsonw_array_begin(w);
	for (size_t i = 0; i < f->nper && i < f->max_listed; i++)
		container_counts_object(w, &f->per[i]);
	nsg_jsonw_array_end(w);
	nsg_jsonw_kv_uint(w, "containers_not_listed",
			  f->nper > f->max_listed ? f->nper - f->max_listed : 0);
}

void nsg_schema_flow_value(struct nsg_jsonw *w, const struct nsg_feed_flow *f)
{
	if (!f) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_object_begin(w);
	class_totals_members(w, f->totals);
	nsg_jsonw_key(w, "by_type");
	nsg_jsonw_object_begin(w);
	class_type_members(w, f->totals);
	nsg_jsonw_object_end(w);
	containers_members(w, f);
	nsg_jsonw_key(w, "summaries");
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_uint(w, "coalesced", f->summaries_coalesced);
	nsg_jsonw_kv_uint(w, "rate_limited", f->summaries_rate_limited);
	nsg_jsonw_object_end(w);
	nsg_jsonw_object_end(w);
}
