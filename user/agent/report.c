// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What the agent says: every line of the feed it writes of its own (kernel
 * events as they arrive, agent_start/stats/stop, policy, map_full, tamper,
 * the start-up report of running containers) and the metrics beside them.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent/agent_state.h"
#include "agent/container_gone.h"
#include "agent/containers.h"
#include "agent/report.h"
#include "container/procscan.h"
#include "feed/names.h"
#include "feed/timefmt.h"
#include "kernel/loader.h"
#include "policy/policy_maps.h"

/* Containers named one by one in agent_stats' flow accounting. */
#define FLOW_CONTAINERS_LISTED 32

/* A line written outside the event stream goes out at once. */
static void commit_now(struct agent *a)
{
	nsg_sink_commit(&a->out.sink);
	nsg_sink_flush(&a->out.sink);
}

/* Metrics label: the type the event is about, as its JSON shows it. */
static const char *ns_type_label(int t)
{
	return t >= 0 ? nsg_ns_names[t] : NULL;
}

int nsg_report_kernel_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	struct nsg_event full = { 0 }, *e = &full;

	/* Records without the exe tail are shorter: complete them with zeros. */
	if (size < NSG_EVENT_SIZE_NO_EXE)
		return 0;
	memcpy(&full, data, size < sizeof(full) ? size : sizeof(full));
	if (e->type == 0 || e->type >= NSG_EV_MAX)
		return 0;
	a->out.received[e->type]++;
	nsg_flow_note_exec(&a->out.flow, e);
	nsg_metrics_count_event(a->out.metrics, nsg_event_name(e->type), nsg_event_verdict(e),
				ns_type_label(nsg_event_primary_ns(e)));
	nsg_feed_kernel_event(nsg_sink_line(&a->out.sink), e, &a->out.fmt);
	nsg_sink_commit(&a->out.sink);
	return 0;
}

/* Audit mode: the feed says what enforce mode would do, on this tier, with this policy. */
void nsg_report_set_what_if(struct agent *a)
{
	enum nsg_tier tier = a->kern.tier.tier;

	a->out.fmt.audit = a->set.cfg->mode != NSG_MODE_ENFORCE;
	a->out.fmt.would_block = a->set.cfg->block_mask;
	a->out.fmt.would_stop = tier == NSG_TIER_LSM ? "blocked" : tier == NSG_TIER_SIGNAL ? "killed" : NULL;
}

static double round1(double ms)
{
	return (double)(long long)(ms * 10.0 + 0.5) / 10.0;
}

void nsg_report_agent_start(struct agent *a)
{
	const struct nsg_config *cfg = a->set.cfg;
	struct nsg_feed_start s = {
		.version = NSGUARD_VERSION,
		.pid = getpid(),
		.enforcing = a->kern.enforcing,
		.tier = a->kern.tier.tier,
		.tier_reason = a->kern.tier.reason,
		.block_mask = cfg->block_mask,
		.probe = &a->kern.probe,
		.host = &a->kern.host,
		.cgroups = &a->kern.cgroups,
		.ring_size = cfg->ring_size,
		.info_ring_size = cfg->info_ring_size,
		.pin_path = cfg->pin ? cfg->pin_path : NULL,
		.pin_adopted = a->kern.pin.adopted,
		.pin_replaced = a->kern.pin.replaced,
		.probed_ms = round1(a->clock.probed),
		.loaded_ms = round1(a->clock.loaded),
		.attached_ms = round1(a->clock.attached),
	};

	a->out.started = time(NULL);
	nsg_feed_agent_start(nsg_sink_line(&a->out.sink), &s);
	commit_now(a);
	nsg_metrics_set_version(a->out.metrics, NSGUARD_VERSION);
	nsg_metrics_set_tier(a->out.metrics, nsg_tier_name(a->kern.tier.tier),
			     a->kern.enforcing ? "enforce" : "audit");
}

struct drop_counts {
	unsigned long long by_type[NSG_EV_MAX];
	unsigned long long by_class[NSG_CLASSES];
};

/* The kernel counts per class and type; reports want both sums. */
static void read_drops(struct agent *a, struct drop_counts *d)
{
	unsigned long long slot[NSG_DROP_SLOTS] = {0};

	memset(d, 0, sizeof(*d));
	nsg_read_drops(a->kern.skel, slot);
	for (int c = 0; c < NSG_CLASSES; c++)
		for (int t = 1; t < NSG_EV_MAX; t++) {
			d->by_type[t] += slot[NSG_DROP_SLOT(c, t)];
			d->by_class[c] += slot[NSG_DROP_SLOT(c, t)];
		}
}

static void set_flow_metrics(struct agent *a, const struct nsg_flow_counts *totals)
{
	static const char *const cls[NSG_CLASSES] = { "violation", "info" };
	static const char *const outcome[NSG_FLOW_OUTCOMES] = { "queued", "coalesced",
								"rate_limited", "dropped" };

	for (int k = 0; k < NSG_CLASSES; k++)
		for (int t = 1; t < NSG_EV_MAX; t++)
			for (int o = 0; o < NSG_FLOW_OUTCOMES; o++)
				nsg_metrics_set_flow(a->out.metrics, cls[k], nsg_event_name((uint32_t)t),
						     outcome[o], totals->n[k][t][o]);
}

static void update_gauges(struct agent *a, const unsigned long long *drops)
{
	struct nsg_flow_counts totals;

	for (int t = 1; t < NSG_EV_MAX; t++)
		nsg_metrics_set_drops(a->out.metrics, nsg_event_name((uint32_t)t), drops[t]);
	if (a->out.metrics && nsg_flow_read(&a->out.flow, &totals, NULL, NULL) == 0)
		set_flow_metrics(a, &totals);
	nsg_metrics_set_ring_fill(a->out.metrics, nsg_ring_fill(a->kern.skel, a->set.cfg->ring_size));
	nsg_metrics_set_containers(a->out.metrics, a->ctr.registry.count);
	nsg_metrics_set_feed(a->out.metrics, a->out.sink.lines_lost, a->out.sink.reopens);
}

void nsg_report_refresh_metrics(struct agent *a)
{
	struct drop_counts d;

	if (!a->out.metrics)
		return;
	read_drops(a, &d);
	update_gauges(a, d.by_type);
}

static void say_drops(const struct drop_counts *d)
{
	if (d->by_class[NSG_CLASS_VIOLATION] + d->by_class[NSG_CLASS_INFO])
		fprintf(stderr, "nsguard: events lost, ring buffer full: %llu violations "
			"(raise --ring-size), %llu informational (raise --info-ring-size)\n",
			d->by_class[NSG_CLASS_VIOLATION], d->by_class[NSG_CLASS_INFO]);
}

void nsg_report_agent_stats(struct agent *a)
{
	const struct nsg_sink *sink = &a->out.sink;
	struct nsg_flow_counts totals, *per = NULL;
	struct nsg_feed_flow flow = { .totals = &totals, .max_listed = FLOW_CONTAINERS_LISTED,
				      .summaries_coalesced = a->out.flow.summaries_coalesced,
				      .summaries_rate_limited = a->out.flow.summaries_rate_limited };
	struct drop_counts d;
	struct nsg_feed_stats s = {
		.events = a->out.received,
		.drops = d.by_type,
		.drops_by_class = d.by_class,
		.host_ns_running = a->out.startup_reported,
		.write_errors = sink->write_errors,
		.lines = sink->lines_written,
		.rotations = sink->rotations,
		.socket_clients = sink->clients,
		.socket_clients_dropped = sink->clients_dropped,
		.socket_clients_rejected = sink->clients_rejected,
		.lines_lost = sink->lines_lost,
		.reopens = sink->reopens,
		.uptime_s = time(NULL) - a->out.started,
	};
	struct nsg_feed_state st;

	nsg_state_read(a, &st);
	s.state = &st;
	read_drops(a, &d);
	update_gauges(a, d.by_type);
	/* The kernel's counters: what happened to every event a hook reported. */
	if (nsg_flow_read(&a->out.flow, &totals, &per, &flow.nper) == 0) {
		flow.per = per;
		s.flow = &flow;
	}
	nsg_feed_agent_stats(nsg_sink_line(&a->out.sink), &s);
	nsg_sink_commit(&a->out.sink);
	if (s.flow)
		nsg_flow_told(&a->out.flow);
	free(per);
	nsg_sink_flush(&a->out.sink);
	say_drops(&d);
}

void nsg_report_agent_stop(struct agent *a, const char *why)
{
	nsg_feed_agent_stop(nsg_sink_line(&a->out.sink), why);
	commit_now(a);
}

/* policy_reloaded, or policy_error when error is set. */
void nsg_report_policy_event(struct agent *a, const char *error)
{
	nsg_feed_policy_event(nsg_sink_line(&a->out.sink), a->set.cli->policy_path ?: "<embedded>",
			      a->set.policy.nrules, error);
	commit_now(a);
	if (error)
		fprintf(stderr, "nsguard: policy reload failed, keeping the old policy: %s\n", error);
}

void nsg_report_tamper(void *arg, const struct nsg_self_check_finding *f)
{
	struct agent *a = arg;

	nsg_metrics_count_event(a->out.metrics, "tamper", f->restored ? "restored" : "unrestored", NULL);
	nsg_feed_self_check(nsg_sink_line(&a->out.sink), f);
	nsg_sink_commit(&a->out.sink);
	fprintf(stderr, "nsguard: tamper: %s %s%s%s %s (found %s, expected %s)%s\n", f->kind,
		f->name, f->has_key ? " " : "", f->has_key ? f->key : "", f->change, f->found,
		f->expected, f->restored ? ": restored" : ": could not restore");
}

/* A per-container table is full: said once, until it has room again. */
static void check_full(struct agent *a, bool full, bool *said, const char *map, const char *effect)
{
	if (full && !*said) {
		nsg_metrics_count_map_full(a->out.metrics, map);
		nsg_feed_map_full(nsg_sink_line(&a->out.sink), map, a->set.cfg->max_containers, effect);
		nsg_sink_commit(&a->out.sink);
		fprintf(stderr, "nsguard: %s is full: %s (raise --max-containers)\n", map, effect);
	}
	*said = full;
}

void nsg_report_full_tables(struct agent *a)
{
	struct agent_report *r = &a->out;
	unsigned long long lost = nsg_flow_coalesce_lost(&r->flow);

	check_full(a, nsg_flow_overflowing(&r->flow), &r->flows_full, "flows",
		   "containers beyond it share one budget and one accounting entry (\"overflow\")");
	check_full(a, lost != r->coalesce_lost_seen, &r->coalesce_full, "coalesce",
		   "new kinds of violation are not coalesced (each container's budget still holds)");
	r->coalesce_lost_seen = lost;
}

static void emit_coalesced(void *arg, const struct nsg_coalesced *c)
{
	struct agent *a = arg;

	nsg_feed_coalesced(nsg_sink_line(&a->out.sink), c, &a->out.fmt);
	nsg_sink_commit(&a->out.sink);
}

static void emit_rate_limited(void *arg, const struct nsg_rate_limited *r)
{
	struct agent *a = arg;

	nsg_feed_rate_limited(nsg_sink_line(&a->out.sink), r, a->set.cfg->container_rate,
			      a->set.cfg->container_burst, &a->out.fmt);
	nsg_sink_commit(&a->out.sink);
}

/* Before the hooks attach: a restarted agent's baseline holds nothing new. */
void nsg_report_start_flow(struct agent *a)
{
	struct nsg_flow_sink sink = { .coalesced = emit_coalesced,
				      .rate_limited = emit_rate_limited,
				      .arg = a };

	nsg_flow_init(&a->out.flow, a->kern.skel,
		      (uint64_t)a->set.cfg->coalesce_window_ms * 1000000ULL, &sink);
}

/* S6: containers that were in host namespaces before the hooks existed. */
void nsg_report_running_containers(struct agent *a)
{
	uint32_t reported_types = nsg_policy_types_at_least(&a->set.policy, NSG_ACT_ALERT);
	struct nsg_scan scan;

	if (nsg_scan_proc(&a->kern.cgroups, &a->kern.host, &scan)) {
		fprintf(stderr, "nsguard: start-up scan: cannot read /proc\n");
		return;
	}
	for (size_t i = 0; i < scan.count; i++) {
		struct nsg_scanned_container *c = &scan.items[i];
		uint32_t reported = c->host_ns_mask & reported_types, allowed;

		if (!reported || nsg_containers_is_self(a, c->cgroup_path))
			continue;
		allowed = reported & nsg_registry_allowed(&a->ctr.registry,
				nsg_cgroup_id_of_path(&a->kern.cgroups, c->cgroup_path));
		nsg_feed_host_ns_running(nsg_sink_line(&a->out.sink), c, reported, allowed, &a->out.fmt);
		nsg_sink_commit(&a->out.sink);
		nsg_metrics_count_event(a->out.metrics, "host_ns_running",
					allowed == reported ? "allowed" : "alert",
					ns_type_label(nsg_first_ns_type(reported)));
		a->out.startup_reported++;
	}
	nsg_scan_free(&scan);
	nsg_sink_flush(&a->out.sink);
}

int nsg_report_open(struct agent *a, char *err, size_t errlen)
{
	const struct nsg_config *cfg = a->set.cfg;
	struct nsg_sink_opts o = {
		.path = cfg->output_path,
		.format = cfg->format,
		.max_bytes = cfg->output_max_bytes,
		.keep = cfg->output_keep,
		.socket_path = cfg->output_socket,
		/* A socket alone means the consumer is local: keep stdout quiet. */
		.no_stdout = cfg->output_socket && !cfg->output_path,
	};

	if (nsg_sink_open_opts(&a->out.sink, &o, err, errlen))
		return -1;
	if (cfg->metrics_addr && !(a->out.metrics = nsg_metrics_start(cfg->metrics_addr, err, errlen)))
		return -1;
	a->out.fmt.boot_to_realtime_ns = nsg_boot_to_realtime_offset();
	return 0;
}

void nsg_report_close(struct agent *a)
{
	nsg_metrics_stop(a->out.metrics);
	nsg_flow_free(&a->out.flow);
	nsg_sink_close(&a->out.sink); /* safe on a sink that never opened */
}
