// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The members and values several of the feed's objects share (schema_members.h). */
#include "feed/controls.h"
#include "feed/names.h"
#include "feed/schema_members.h"
#include "feed/timefmt.h"

void nsg_schema_envelope(struct nsg_jsonw *w, const char *time, const char *event)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_kv_int(w, "schema", NSG_SCHEMA_VERSION);
	nsg_jsonw_kv_string(w, "time", time);
	nsg_jsonw_kv_string(w, "event", event);
}

void nsg_schema_agent_event_begin(struct nsg_jsonw *w, const char *event)
{
	char now[NSG_RFC3339_LEN];

	nsg_format_now(now, sizeof(now));
	nsg_schema_envelope(w, now, event);
}

void nsg_schema_agent_violation_begin(struct nsg_jsonw *w, const char *event)
{
	nsg_schema_agent_event_begin(w, event);
	nsg_jsonw_kv_string(w, "severity", "violation");
}

void nsg_schema_ns_list(struct nsg_jsonw *w, uint32_t mask)
{
	nsg_jsonw_array_begin(w);
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t))
			nsg_jsonw_string(w, nsg_ns_names[t]);
	nsg_jsonw_array_end(w);
}

void nsg_schema_ns_inums(struct nsg_jsonw *w, const uint32_t inum[NSG_NS_TYPES])
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

unsigned long long nsg_schema_per_type_counts(struct nsg_jsonw *w,
					      const unsigned long long *counts)
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

void nsg_schema_controls_member(struct nsg_jsonw *w, uint32_t mask)
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

void nsg_schema_container_member(struct nsg_jsonw *w, const char *id,
				 const struct nsg_feed_ctx *ctx)
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

/*
 * An informational event (namespace creation, a setns the policy does not
 * report) is judged by nobody: "none", not the kernel's default "alert".
 */
const char *nsg_schema_judged_verdict(uint32_t verdict, bool violation)
{
	return !violation && verdict == NSG_VERDICT_ALERT ? "none" : nsg_verdict_name(verdict);
}

/* What enforce mode would have done: audit mode's answer to "what if". */
static const char *enforce_verdict(const struct nsg_feed_ctx *ctx, uint32_t reported,
				   uint32_t allowed)
{
	if (reported & ctx->would_block & ~allowed)
		return ctx->would_stop ? ctx->would_stop : "alert";
	return allowed && allowed == reported ? "allowed" : "alert";
}

void nsg_schema_enforce_verdict_member(struct nsg_jsonw *w, const struct nsg_feed_ctx *ctx,
				       uint32_t reported, uint32_t allowed)
{
	if (ctx && ctx->audit)
		nsg_jsonw_kv_string(w, "enforce_verdict", enforce_verdict(ctx, reported, allowed));
}
