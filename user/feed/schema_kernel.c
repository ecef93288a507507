// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The kernel's events in the feed: host_ns_exec, setns, ns_create and
 * tamper, from a ring-buffer record, with what the agent looks up for them
 * (the executable's path, the `container` object, a moved task's cgroup).
 */
#include <stdio.h>
#include <string.h>
#include "feed/names.h"
#include "feed/schema_members.h"
#include "feed/timefmt.h"

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

const char *nsg_event_verdict(const struct nsg_event *e)
{
	return nsg_schema_judged_verdict(e->verdict, strcmp(severity_of(e), "violation") == 0);
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
	nsg_schema_container_member(w, id, ctx);
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
	nsg_schema_envelope(w, when, nsg_event_name(e->type));
	nsg_jsonw_kv_string(w, "severity", severity_of(e));
	nsg_jsonw_kv_string(w, "verdict", nsg_event_verdict(e));
	if (violated)
		nsg_schema_enforce_verdict_member(w, ctx, e->reported_mask, e->allowed_mask);
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
	nsg_schema_ns_list(w, e->host_ns_mask & (NSG_VIOLATION_MASK | e->reported_mask));
	nsg_jsonw_key(w, "host_ns_all");
	nsg_schema_ns_list(w, e->host_ns_mask);
	if (e->allowed_mask) {
		nsg_jsonw_key(w, "allowed_ns");
		nsg_schema_ns_list(w, e->allowed_mask);
	}
	nsg_jsonw_key(w, "ns");
	nsg_schema_ns_inums(w, e->ns_inum);
	nsg_schema_controls_member(w, violated);
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
	nsg_schema_ns_list(w, c->created_mask);
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
