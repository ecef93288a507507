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
