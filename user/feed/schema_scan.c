// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a scan of /proc finds in the feed: host_ns_running for a container
 * the start-up scan finds in a host namespace, and `nsguard scan`'s report
 * (--format json) and rows (--format jsonl).
 */
#include "feed/names.h"
#include "feed/schema_members.h"

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
	nsg_schema_ns_list(w, reported);
	nsg_jsonw_key(w, "host_ns_all");
	nsg_schema_ns_list(w, c->host_ns_mask);
	nsg_jsonw_key(w, "ns");
	nsg_schema_ns_inums(w, c->ns_inum);
	nsg_schema_controls_member(w, reported);
}

void nsg_feed_host_ns_running(struct nsg_jsonw *w, const struct nsg_scanned_container *c,
			      uint32_t reported, uint32_t allowed, const struct nsg_feed_ctx *ctx)
{
	bool all_allowed = allowed && allowed == reported;

	nsg_schema_agent_violation_begin(w, "host_ns_running");
	nsg_jsonw_kv_string(w, "verdict", all_allowed ? "allowed" : "alert");
	nsg_schema_enforce_verdict_member(w, ctx, reported, allowed);
	if (allowed) {
		nsg_jsonw_key(w, "allowed_ns");
		nsg_schema_ns_list(w, allowed);
	}
	scanned_members(w, c, reported);
	nsg_schema_container_member(w, c->ident.id, ctx);
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
	nsg_schema_container_member(w, c->ident.id, ctx);
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
	nsg_schema_ns_inums(w, host->inum);
	nsg_jsonw_object_end(w);
}
