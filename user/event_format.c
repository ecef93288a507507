// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "event_format.h"
#include "jsonstr.h"
#include "names.h"
#include "timefmt.h"

json_t *nsg_json_ns_list(uint32_t mask)
{
	json_t *list = json_array();

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t))
			json_array_append_new(list, json_string(nsg_ns_names[t]));
	return list;
}

json_t *nsg_json_ns_inums(const uint32_t inum[NSG_NS_TYPES])
{
	json_t *obj = json_object();

	for (int t = 0; t < NSG_NS_TYPES; t++)
		json_object_set_new(obj, nsg_ns_names[t],
				    inum[t] ? json_integer(inum[t]) : json_null());
	return obj;
}

json_t *nsg_json_agent_event(const char *event)
{
	char when[NSG_RFC3339_LEN];

	nsg_format_now(when, sizeof(when));
	return json_pack("{s:i, s:s, s:s}", "schema", NSG_SCHEMA_VERSION, "time", when, "event", event);
}

static const char *severity_of(const struct nsg_event *e)
{
	switch (e->type) {
	case NSG_EV_HOST_NS_EXEC:
		return "violation";
	case NSG_EV_SETNS:
		return e->reported_mask ? "violation" : "info";
	}
	return "info";
}

static void set_common(json_t *o, const struct nsg_event *e, const struct nsg_format_ctx *ctx)
{
	const char *exe = NULL;
	char when[NSG_RFC3339_LEN];

	nsg_format_rfc3339((int64_t)e->ts_boot_ns + ctx->boot_to_realtime_ns, when, sizeof(when));
	json_object_set_new(o, "schema", json_integer(NSG_SCHEMA_VERSION));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "event", json_string(nsg_event_name(e->type)));
	json_object_set_new(o, "severity", json_string(severity_of(e)));
	json_object_set_new(o, "verdict", json_string(nsg_verdict_name(e->verdict)));
	json_object_set_new(o, "pid", json_integer(e->pid));
	json_object_set_new(o, "tid", json_integer(e->tid));
	json_object_set_new(o, "ppid", json_integer(e->ppid));
	json_object_set_new(o, "uid", json_integer(e->uid));
	nsg_json_set_bytes(o, "comm", e->comm, sizeof(e->comm));
	if (e->exe[0])
		nsg_json_set_bytes(o, "exe", e->exe, sizeof(e->exe));
	else if (ctx->exe_of && (exe = ctx->exe_of(ctx->exe_arg, e->pid, e->start_boot_ns, e->exec_id)))
		nsg_json_set_bytes(o, "exe", exe, strlen(exe));
	else
		json_object_set_new(o, "exe", json_null());
	json_object_set_new(o, "cgroup_id", json_integer((json_int_t)e->cgroup_id));
	json_object_set_new(o, "container_id",
			    e->is_container ? json_stringn(e->container_id, NSG_CONTAINER_ID_LEN)
					    : json_null());
	if (e->is_container && ctx->container_of) {
		char id[NSG_CONTAINER_ID_LEN + 1];

		memcpy(id, e->container_id, NSG_CONTAINER_ID_LEN);
		id[NSG_CONTAINER_ID_LEN] = '\0';
		json_object_set_new(o, "container", ctx->container_of(ctx->container_arg, id));
	}
	/* The watched types, and any other the policy reports for this event. */
	json_object_set_new(o, "host_ns", nsg_json_ns_list(e->host_ns_mask &
							   (NSG_VIOLATION_MASK | e->reported_mask)));
	json_object_set_new(o, "host_ns_all", nsg_json_ns_list(e->host_ns_mask));
	if (e->allowed_mask)
		json_object_set_new(o, "allowed_ns", nsg_json_ns_list(e->allowed_mask));
	json_object_set_new(o, "ns", nsg_json_ns_inums(e->ns_inum));
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

static json_t *target_json(const struct nsg_setns_info *s, int t)
{
	return json_pack("{s:s, s:I, s:b}", "type", nsg_ns_names[t], "inum",
			 (json_int_t)s->target_inum[t], "host", !!(s->target_host & NSG_BIT(t)));
}

static void set_setns(json_t *o, const struct nsg_setns_info *s)
{
	json_t *targets = json_array();
	int primary = primary_target(s);

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (s->target_mask & NSG_BIT(t))
			json_array_append_new(targets, target_json(s, t));
	json_object_set_new(o, "target", primary >= 0 ? target_json(s, primary) : json_null());
	json_object_set_new(o, "targets", targets);
	json_object_set_new(o, "via", json_string(nsg_setns_via_name(s->via)));
	json_object_set_new(o, "fd", json_integer(s->fd));
	json_object_set_new(o, "nstype", json_integer(s->flags));
	json_object_set_new(o, "result", json_integer(s->result));
}

static void set_create(json_t *o, const struct nsg_create_info *c)
{
	char flags[24];
	json_t *new_ns = json_object();

	snprintf(flags, sizeof(flags), "0x%llx", (unsigned long long)c->clone_flags);
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (c->created_mask & NSG_BIT(t))
			json_object_set_new(new_ns, nsg_ns_names[t], json_integer(c->new_inum[t]));
	json_object_set_new(o, "syscall", json_string(nsg_create_via_name(c->via)));
	json_object_set_new(o, "clone_flags", json_string(flags));
	json_object_set_new(o, "created", nsg_json_ns_list(c->created_mask));
	json_object_set_new(o, "new_ns", new_ns);
	json_object_set_new(o, "child_pid", c->via == NSG_CREATE_CLONE ? json_integer(c->child_pid)
								      : json_null());
}

json_t *nsg_event_to_json(const struct nsg_event *e, const struct nsg_format_ctx *ctx)
{
	json_t *o = json_object();

	if (!o)
		return NULL;
	set_common(o, e, ctx);
	if (e->type == NSG_EV_SETNS)
		set_setns(o, &e->setns);
	else if (e->type == NSG_EV_NS_CREATE)
		set_create(o, &e->create);
	return o;
}

static json_t *time_json(uint64_t boot_ns, const struct nsg_format_ctx *ctx)
{
	char when[NSG_RFC3339_LEN];

	nsg_format_rfc3339((int64_t)boot_ns + ctx->boot_to_realtime_ns, when, sizeof(when));
	return json_string(when);
}

/* container_id and the `container` object of a flow entry (NULL id: host tasks). */
static void set_flow_who(json_t *o, const struct nsg_flow_id *who, const struct nsg_format_ctx *ctx)
{
	char id[NSG_CONTAINER_ID_LEN + 1];

	if (!who->id[0]) {
		json_object_set_new(o, "container_id", json_null());
		return;
	}
	memcpy(id, who->id, NSG_CONTAINER_ID_LEN);
	id[NSG_CONTAINER_ID_LEN] = '\0';
	nsg_json_set_bytes(o, "container_id", id, sizeof(id));
	if (ctx->container_of)
		json_object_set_new(o, "container", ctx->container_of(ctx->container_arg, id));
}

json_t *nsg_coalesced_to_json(const struct nsg_coalesced *c, const struct nsg_format_ctx *ctx)
{
	const struct nsg_coalesce_key *k = &c->key;
	json_t *o = nsg_json_agent_event("coalesced");

	json_object_set_new(o, "severity", json_string("violation"));
	json_object_set_new(o, "verdict", json_string(nsg_verdict_name(k->verdict)));
	json_object_set_new(o, "of", json_string(nsg_event_name(k->type)));
	json_object_set_new(o, "repeats", json_integer((json_int_t)c->repeats));
	json_object_set_new(o, "first_time", time_json(c->first_ns, ctx));
	json_object_set_new(o, "last_time", time_json(c->last_ns, ctx));
	set_flow_who(o, &k->who, ctx);
	json_object_set_new(o, "pid", json_integer(c->last_pid));
	json_object_set_new(o, "tid", json_integer(c->last_tid));
	nsg_json_set_bytes(o, "comm", c->last_comm, sizeof(c->last_comm));
	if (k->type == NSG_EV_SETNS) {
		json_object_set_new(o, "host_ns", nsg_json_ns_list(k->mask & 0xff));
		json_object_set_new(o, "targets", nsg_json_ns_list(k->mask >> 8));
		json_object_set_new(o, "via", json_string(nsg_setns_via_name(k->via)));
		json_object_set_new(o, "result", json_integer(k->result));
	} else {
		json_object_set_new(o, "host_ns", nsg_json_ns_list(k->mask & NSG_NS_ALL));
		nsg_json_set_str_or_null(o, "exe", c->exe);
	}
	return o;
}

/* {"host_ns_exec": n, "setns": n, "ns_create": n} */
static json_t *per_type_json(const uint64_t n[NSG_EV_MAX], uint64_t *total)
{
	json_t *o = json_object();

	for (uint32_t t = 1; t < NSG_EV_MAX; t++) {
		json_object_set_new(o, nsg_event_name(t), json_integer((json_int_t)n[t]));
		*total += n[t];
	}
	return o;
}

json_t *nsg_rate_limited_to_json(const struct nsg_rate_limited *r, unsigned int rate,
				 unsigned int burst, const struct nsg_format_ctx *ctx)
{
	json_t *o = nsg_json_agent_event("rate_limited"), *refused;
	uint64_t violations = 0, info = 0;

	refused = json_pack("{s:o, s:o}", "violation", per_type_json(r->refused[NSG_CLASS_VIOLATION], &violations),
			    "info", per_type_json(r->refused[NSG_CLASS_INFO], &info));
	json_object_set_new(o, "severity", json_string(violations ? "violation" : "info"));
	if (r->overflow)
		json_object_set_new(o, "container_id", json_string("overflow"));
	else
		set_flow_who(o, &r->who, ctx);
	json_object_set_new(o, "refused", refused);
	json_object_set_new(o, "total", json_integer((json_int_t)(violations + info)));
	json_object_set_new(o, "first_time", time_json(r->first_ns, ctx));
	json_object_set_new(o, "last_time", time_json(r->last_ns, ctx));
	json_object_set_new(o, "rate", json_integer(rate));
	json_object_set_new(o, "burst", json_integer(burst));
	return o;
}

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

/* {"queued": n, "coalesced": n, "rate_limited": n, "dropped": n} */
static json_t *outcomes_json(const uint64_t n[NSG_FLOW_OUTCOMES])
{
	json_t *o = json_object();

	for (int i = 0; i < NSG_FLOW_OUTCOMES; i++)
		json_object_set_new(o, outcome_names[i], json_integer((json_int_t)n[i]));
	return o;
}

/* Per class, the types that had any event: {"violation": {"setns": {...}}, "info": {}} */
static json_t *class_type_json(const struct nsg_flow_counts *c)
{
	json_t *o = json_object();

	for (int k = 0; k < NSG_CLASSES; k++) {
		json_t *types = json_object();

		for (uint32_t t = 1; t < NSG_EV_MAX; t++) {
			uint64_t any = 0;

			for (int i = 0; i < NSG_FLOW_OUTCOMES; i++)
				any |= c->n[k][t][i];
			if (any)
				json_object_set_new(types, nsg_event_name(t), outcomes_json(c->n[k][t]));
		}
		json_object_set_new(o, class_names[k], types);
	}
	return o;
}

static json_t *container_counts_json(const struct nsg_flow_counts *c)
{
	char id[NSG_CONTAINER_ID_LEN + 1];
	json_t *o = class_type_json(c);

	memcpy(id, c->who.id, NSG_CONTAINER_ID_LEN);
	id[NSG_CONTAINER_ID_LEN] = '\0';
	if (c->overflow)
		json_object_set_new(o, "container_id", json_string("overflow"));
	else if (!id[0])
		json_object_set_new(o, "container_id", json_null());
	else
		nsg_json_set_bytes(o, "container_id", id, sizeof(id));
	return o;
}

json_t *nsg_flow_accounting_json(const struct nsg_flow_counts *totals,
				 const struct nsg_flow_counts *per, size_t nper, size_t max_listed)
{
	json_t *o = json_object(), *list = json_array();

	for (int k = 0; k < NSG_CLASSES; k++) {
		uint64_t sum[NSG_FLOW_OUTCOMES] = { 0 };

		for (uint32_t t = 1; t < NSG_EV_MAX; t++)
			for (int i = 0; i < NSG_FLOW_OUTCOMES; i++)
				sum[i] += totals->n[k][t][i];
		json_object_set_new(o, class_names[k], outcomes_json(sum));
	}
	json_object_set_new(o, "by_type", class_type_json(totals));
	for (size_t i = 0; i < nper && i < max_listed; i++)
		json_array_append_new(list, container_counts_json(&per[i]));
	json_object_set_new(o, "containers", list);
	json_object_set_new(o, "containers_not_listed",
			    json_integer((json_int_t)(nper > max_listed ? nper - max_listed : 0)));
	return o;
}

json_t *nsg_scanned_to_json(const struct nsg_scanned_container *c, uint32_t reported,
			    uint32_t allowed)
{
	json_t *o = nsg_json_agent_event("host_ns_running");
	json_t *per_type = json_object();
	bool all_allowed = allowed && allowed == reported;

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (reported & NSG_BIT(t))
			json_object_set_new(per_type, nsg_ns_names[t],
					    json_integer(c->nprocs_host_ns[t]));
	json_object_set_new(o, "severity", json_string("violation"));
	json_object_set_new(o, "verdict", json_string(all_allowed ? "allowed" : "alert"));
	if (allowed)
		json_object_set_new(o, "allowed_ns", nsg_json_ns_list(allowed));
	json_object_set_new(o, "container_id", json_string(c->ident.id));
	json_object_set_new(o, "runtime", json_string(c->ident.runtime));
	json_object_set_new(o, "pod_uid", c->ident.pod_uid[0] ? json_string(c->ident.pod_uid)
							      : json_null());
	nsg_json_set_bytes(o, "cgroup", c->cgroup_path, sizeof(c->cgroup_path));
	json_object_set_new(o, "pid", json_integer(c->first_pid));
	json_object_set_new(o, "processes", json_integer(c->nprocs));
	json_object_set_new(o, "processes_in_host_ns", per_type);
	json_object_set_new(o, "host_ns", nsg_json_ns_list(reported));
	json_object_set_new(o, "host_ns_all", nsg_json_ns_list(c->host_ns_mask));
	json_object_set_new(o, "ns", nsg_json_ns_inums(c->ns_inum));
	return o;
}

int nsg_write_json_line(FILE *f, const json_t *obj)
{
	if (json_dumpf(obj, f, JSON_COMPACT | JSON_PRESERVE_ORDER) != 0)
		return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}

static const char *str_or(const json_t *obj, const char *key, const char *dflt)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s ? s : dflt;
}

/* `key=value` for every field not already in the fixed text prefix. */
static int write_extra_fields(FILE *f, const json_t *obj)
{
	static const char *const shown[] = { "time", "event", "severity", "verdict", "comm", "pid" };
	const char *key;
	json_t *val;

	json_object_foreach((json_t *)obj, key, val) {
		bool skip = false;
		char *enc;

		for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++)
			skip |= strcmp(key, shown[i]) == 0;
		if (skip || json_is_null(val))
			continue;
		enc = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
		if (!enc)
			return -1;
		fprintf(f, " %s=%s", key, enc);
		free(enc);
	}
	return 0;
}

int nsg_write_text_line(FILE *f, const json_t *obj)
{
	json_t *pid = json_object_get(obj, "pid");
	char *comm = json_dumps(json_object_get(obj, "comm"), JSON_ENCODE_ANY);

	fprintf(f, "%s %-15s %-9s %-7s", str_or(obj, "time", "-"), str_or(obj, "event", "-"),
		str_or(obj, "severity", "-"), str_or(obj, "verdict", "-"));
	if (pid)
		fprintf(f, " pid=%lld", (long long)json_integer_value(pid));
	if (comm)
		fprintf(f, " comm=%s", comm);
	free(comm);
	if (write_extra_fields(f, obj))
		return -1;
	return fputc('\n', f) == EOF ? -1 : 0;
}
