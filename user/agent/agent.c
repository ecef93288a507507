// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "agent/agent.h"
#include "agent/agent_int.h"
#include "container/cgroupmode.h"
#include "agent/container_gone.h"
#include "agent/exe_cache.h"
#include "feed/feed_schema.h"
#include "hook/hook_server.h"
#include "container/hostns.h"
#include "kernel/loader.h"
#include "runtime/oci_state.h"
#include "policy/policy.h"
#include "policy/policy_maps.h"
#include "container/registry.h"
#include "feed/names.h"
#include "feed/output.h"
#include "kernel/probe.h"
#include "container/procscan.h"
#include "kernel/tier.h"
#include "feed/timefmt.h"

#define POLL_TIMEOUT_MS 100
#define BUSY_BATCH 64
#define BUSY_TICK_NS 1000000
/* How often the flow gate's counters are turned into summaries. */
#define FLOW_SWEEP_NS 200000000ULL
/* The registry's own check for containers whose removal the kernel's queue lost. */
#define DEPARTURE_SWEEP_NS 30000000000ULL
/* Containers named one by one in agent_stats' flow accounting. */
#define FLOW_CONTAINERS_LISTED 32

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t exit_signal;
static volatile sig_atomic_t reload_requested;


static void on_signal(int sig)
{
	exiting = 1;
	exit_signal = sig;
}

static void on_sighup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	(void)level;
	(void)fmt;
	(void)args;
	return 0;
}

static int die(const char *fmt, const char *what, int status)
{
	fprintf(stderr, "nsguard: ");
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return status;
}

/* Metrics label: the type the event is about, as its JSON shows it. */
static const char *ns_type_label(int t)
{
	return t >= 0 ? nsg_ns_names[t] : NULL;
}

static int handle_event(void *ctx, void *data, size_t size)
{
	struct agent *a = ctx;
	struct nsg_event full = { 0 }, *e = &full;

	/* Records without the exe tail are shorter: complete them with zeros. */
	if (size < NSG_EVENT_SIZE_NO_EXE)
		return 0;
	memcpy(&full, data, size < sizeof(full) ? size : sizeof(full));
	if (e->type == 0 || e->type >= NSG_EV_MAX)
		return 0;
	a->received[e->type]++;
	nsg_flow_note_exec(&a->flow, e);
	nsg_metrics_count_event(a->metrics, nsg_event_name(e->type), nsg_event_verdict(e),
				ns_type_label(nsg_event_primary_ns(e)));
	nsg_feed_kernel_event(nsg_sink_line(&a->sink), e, &a->fmt);
	nsg_sink_commit(&a->sink);
	return 0;
}

/* Audit mode: the feed says what enforce mode would do, on this tier, with this policy. */
void nsg_agent_set_what_if(struct agent *a)
{
	a->fmt.audit = a->cfg->mode != NSG_MODE_ENFORCE;
	a->fmt.would_block = a->cfg->block_mask;
	a->fmt.would_stop = a->tier.tier == NSG_TIER_LSM	? "blocked" :
			    a->tier.tier == NSG_TIER_SIGNAL ? "killed" :
							      NULL;
}

bool nsg_agent_enforcing(const struct agent *a)
{
	return a->cfg->mode == NSG_MODE_ENFORCE && a->tier.tier != NSG_TIER_NONE;
}

/* The pin state when --pin is on, else NULL: what the loader expects. */
static struct nsg_pin *agent_pin(struct agent *a)
{
	return a->cfg->pin ? &a->pin : NULL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static double round1(double ms)
{
	return (double)(long long)(ms * 10.0 + 0.5) / 10.0;
}

static void emit_agent_start(struct agent *a)
{
	struct nsg_feed_start s = {
		.version = NSGUARD_VERSION,
		.pid = getpid(),
		.enforcing = nsg_agent_enforcing(a),
		.tier = a->tier.tier,
		.tier_reason = a->tier.reason,
		.block_mask = a->cfg->block_mask,
		.probe = &a->probe,
		.host = &a->host,
		.cgroups = &a->cgroups,
		.ring_size = a->cfg->ring_size,
		.info_ring_size = a->cfg->info_ring_size,
		.pin_path = a->cfg->pin ? a->cfg->pin_path : NULL,
		.pin_adopted = a->pin.adopted,
		.pin_replaced = a->pin.replaced,
		.probed_ms = round1(a->clock.probed),
		.loaded_ms = round1(a->clock.loaded),
		.attached_ms = round1(a->clock.attached),
	};

	nsg_feed_agent_start(nsg_sink_line(&a->sink), &s);
	nsg_sink_commit(&a->sink);
	nsg_sink_flush(&a->sink);
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
	nsg_read_drops(a->skel, slot);
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
				nsg_metrics_set_flow(a->metrics, cls[k], nsg_event_name((uint32_t)t),
						     outcome[o], totals->n[k][t][o]);
}

static void update_gauges(struct agent *a, const unsigned long long *drops)
{
	struct nsg_flow_counts totals;

	for (int t = 1; t < NSG_EV_MAX; t++)
		nsg_metrics_set_drops(a->metrics, nsg_event_name((uint32_t)t), drops[t]);
	if (a->metrics && nsg_flow_read(&a->flow, &totals, NULL, NULL) == 0)
		set_flow_metrics(a, &totals);
	nsg_metrics_set_ring_fill(a->metrics, nsg_ring_fill(a->skel, a->cfg->ring_size));
	nsg_metrics_set_containers(a->metrics, a->registry.count);
}

/* Metrics stay current between stats lines. */
static void refresh_metrics(struct agent *a)
{
	struct drop_counts d;

	if (!a->metrics)
		return;
	read_drops(a, &d);
	update_gauges(a, d.by_type);
}

static void emit_agent_stats(struct agent *a)
{
	struct nsg_flow_counts totals, *per = NULL;
	struct nsg_feed_flow flow = { .totals = &totals, .max_listed = FLOW_CONTAINERS_LISTED,
				      .summaries_coalesced = a->flow.summaries_coalesced,
				      .summaries_rate_limited = a->flow.summaries_rate_limited };
	struct drop_counts d;
	struct nsg_feed_stats s = {
		.events = a->received,
		.drops = d.by_type,
		.drops_by_class = d.by_class,
		.host_ns_running = a->startup_reported,
		.write_errors = a->sink.write_errors,
		.lines = a->sink.lines_written,
		.rotations = a->sink.rotations,
		.socket_clients = a->sink.clients,
		.socket_clients_dropped = a->sink.clients_dropped,
		.socket_clients_rejected = a->sink.clients_rejected,
		.uptime_s = time(NULL) - a->started,
	};
	unsigned long long drop_total;
	struct nsg_feed_state st;

	nsg_state_read(a, &st);
	s.state = &st;
	read_drops(a, &d);
	update_gauges(a, d.by_type);
	/* The kernel's counters: what happened to every event a hook reported. */
	if (nsg_flow_read(&a->flow, &totals, &per, &flow.nper) == 0) {
		flow.per = per;
		s.flow = &flow;
	}
	nsg_feed_agent_stats(nsg_sink_line(&a->sink), &s);
	nsg_sink_commit(&a->sink);
	if (s.flow)
		nsg_flow_told(&a->flow);
	free(per);
	nsg_sink_flush(&a->sink);
	drop_total = d.by_class[NSG_CLASS_VIOLATION] + d.by_class[NSG_CLASS_INFO];
	if (drop_total)
		fprintf(stderr, "nsguard: events lost, ring buffer full: %llu violations "
			"(raise --ring-size), %llu informational (raise --info-ring-size)\n",
			d.by_class[NSG_CLASS_VIOLATION], d.by_class[NSG_CLASS_INFO]);
}

static int cgroup_path_of(void *arg, uint64_t id, char *path, size_t len)
{
	return nsg_cgroup_path_of_id(arg, id, path, len);
}

/*
 * The `container` object: the runtime's state files first (they know the
 * most); a short-lived container's state may be gone by the time its event
 * is formatted, and then what its hook registration said.
 */
static const char *container_of(void *arg, const char *id, size_t *len)
{
	struct agent *a = arg;
	const char *cached = nsg_meta_cache_get_container(a->meta, id, len);
	const struct nsg_known_container *k;

	if (cached)
		return cached;
	k = nsg_registry_find_id(&a->registry, id);
	if (!k)
		return NULL;
	/* Rare (state already gone), so written afresh each time. */
	nsg_jsonw_rewind(&a->scratch, 0);
	nsg_feed_container_from_registration(&a->scratch, k);
	*len = a->scratch.len;
	return a->scratch.failed ? NULL : a->scratch.buf;
}

static void emit_coalesced(void *arg, const struct nsg_coalesced *c)
{
	struct agent *a = arg;

	nsg_feed_coalesced(nsg_sink_line(&a->sink), c, &a->fmt);
	nsg_sink_commit(&a->sink);
}

static void emit_rate_limited(void *arg, const struct nsg_rate_limited *r)
{
	struct agent *a = arg;

	nsg_feed_rate_limited(nsg_sink_line(&a->sink), r, a->cfg->container_rate,
			      a->cfg->container_burst, &a->fmt);
	nsg_sink_commit(&a->sink);
}

/* Before the hooks attach: a restarted agent's baseline holds nothing new. */
static void start_flow(struct agent *a)
{
	struct nsg_flow_sink sink = { .coalesced = emit_coalesced,
				      .rate_limited = emit_rate_limited,
				      .arg = a };

	nsg_flow_init(&a->flow, a->skel, (uint64_t)a->cfg->coalesce_window_ms * 1000000ULL, &sink);
}

/* S6: containers that were in host namespaces before the hooks existed. */
static void report_running_containers(struct agent *a)
{
	uint32_t reported_types = nsg_policy_types_at_least(&a->policy, NSG_ACT_ALERT);
	char self_cgroup[512] = "";
	struct nsg_scan scan;

	/* The agent's own pod shares the host PID namespace by design: not a finding. */
	nsg_proc_cgroup_path(&a->cgroups, getpid(), self_cgroup, sizeof(self_cgroup));
	if (nsg_scan_proc(&a->cgroups, &a->host, &scan)) {
		fprintf(stderr, "nsguard: start-up scan: cannot read /proc\n");
		return;
	}
	for (size_t i = 0; i < scan.count; i++) {
		struct nsg_scanned_container *c = &scan.items[i];
		uint32_t reported = c->host_ns_mask & reported_types, allowed;

		if (!reported || strcmp(c->cgroup_path, self_cgroup) == 0)
			continue;
		allowed = reported & nsg_registry_allowed(&a->registry,
				nsg_cgroup_id_of_path(&a->cgroups, c->cgroup_path));
		nsg_feed_host_ns_running(nsg_sink_line(&a->sink), c, reported, allowed, &a->fmt);
		nsg_sink_commit(&a->sink);
		nsg_metrics_count_event(a->metrics, "host_ns_running",
					allowed == reported ? "allowed" : "alert",
					ns_type_label(nsg_first_ns_type(reported)));
		a->startup_reported++;
	}
	nsg_scan_free(&scan);
	nsg_sink_flush(&a->sink);
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed stdout shows up as write errors */
}

/*
 * Under a flood, sleeping in epoll means one wakeup (an IPI from the
 * producing CPU) per event or two. Once a poll returns a full batch, the
 * agent reads on a 1 ms tick instead: thousands of events per wakeup, and
 * events wait at most a tick. A short batch returns it to epoll.
 */
static int consume_after_pause(struct ring_buffer *rb)
{
	struct timespec tick = { .tv_nsec = BUSY_TICK_NS };

	nanosleep(&tick, NULL);
	return ring_buffer__consume(rb);
}

/* A per-container table is full: said once, until it has room again. */
static void check_full(struct agent *a, bool full, bool *said, const char *map, const char *effect)
{
	if (full && !*said) {
		nsg_metrics_count_map_full(a->metrics, map);
		nsg_feed_map_full(nsg_sink_line(&a->sink), map, a->cfg->max_containers, effect);
		nsg_sink_commit(&a->sink);
		fprintf(stderr, "nsguard: %s is full: %s (raise --max-containers)\n", map, effect);
	}
	*said = full;
}

/*
 * Every sweep: summaries due, containers that ended, full tables. The
 * registry's own sweep (a stat per container) only every 30 s.
 */
static void tend_state(struct agent *a, uint64_t now, uint64_t *next_departure_sweep)
{
	unsigned long long lost = nsg_flow_coalesce_lost(&a->flow);

	nsg_flow_sweep(&a->flow, now, false);
	nsg_forget_removed_containers(a, now);
	if (now >= *next_departure_sweep) {
		nsg_sweep_departed_containers(a, now);
		*next_departure_sweep = now + DEPARTURE_SWEEP_NS;
	}
	check_full(a, nsg_flow_overflowing(&a->flow), &a->gone.flows_full, "flows",
		   "containers beyond it share one budget and one accounting entry (\"overflow\")");
	check_full(a, lost != a->gone.coalesce_lost_seen, &a->gone.coalesce_full, "coalesce",
		   "new kinds of violation are not coalesced (each container's budget still holds)");
	a->gone.coalesce_lost_seen = lost;
}

static int poll_until_stopped(struct agent *a)
{
	time_t next_stats = a->started + a->cfg->stats_interval, last_refresh = 0;
	uint64_t next_sweep = 0, next_departure_sweep = 0;
	bool busy = false;

	while (!exiting) {
		int n = busy ? consume_after_pause(a->rb) : ring_buffer__poll(a->rb, POLL_TIMEOUT_MS);

		busy = n >= BUSY_BATCH;

		if (n < 0 && n != -EINTR)
			return die("ring buffer poll failed: %s", strerror(-n), 1);
		if (n > 0)
			nsg_sink_flush(&a->sink);
		if (nsg_boottime_ns() >= next_sweep) {
			tend_state(a, nsg_boottime_ns(), &next_departure_sweep);
			next_sweep = nsg_boottime_ns() + FLOW_SWEEP_NS;
		}
		nsg_sink_service(&a->sink);
		nsg_hook_server_service(&a->hook, nsg_agent_hook_request, a);
		if (reload_requested) {
			reload_requested = 0;
			nsg_docker_roots_refresh(&a->docker, nsg_boottime_ns() / 1000000, true);
			nsg_agent_reload_policy(a);
			nsg_self_check(a);
		}
		if (time(NULL) != last_refresh) {
			last_refresh = time(NULL);
			refresh_metrics(a);
			/* Cheap while the dockerd seen last still runs. */
			nsg_docker_roots_refresh(&a->docker, nsg_boottime_ns() / 1000000, false);
		}
		if (a->cfg->stats_interval && time(NULL) >= next_stats) {
			nsg_self_check(a);
			emit_agent_stats(a);
			next_stats = time(NULL) + a->cfg->stats_interval;
		}
	}
	/* Whatever the kernel already committed is delivered before stopping. */
	ring_buffer__consume(a->rb);
	return 0;
}

static void emit_agent_stop(struct agent *a)
{
	nsg_feed_agent_stop(nsg_sink_line(&a->sink), exit_signal ? strsignal(exit_signal) : "error");
	nsg_sink_commit(&a->sink);
	nsg_sink_flush(&a->sink);
}

static int open_sink(struct agent *a, char *err, size_t errlen)
{
	const struct nsg_config *cfg = a->cfg;
	struct nsg_sink_opts o = {
		.path = cfg->output_path,
		.format = cfg->format,
		.max_bytes = cfg->output_max_bytes,
		.keep = cfg->output_keep,
		.socket_path = cfg->output_socket,
		/* A socket alone means the consumer is local: keep stdout quiet. */
		.no_stdout = cfg->output_socket && !cfg->output_path,
	};

	return nsg_sink_open_opts(&a->sink, &o, err, errlen);
}


/* Runtime state directories (read-only) give events their `container`. */
static int open_metadata(struct agent *a)
{
	nsg_meta_config_defaults(&a->meta_cfg);
	if (a->cfg->storage_root) {
		a->storage_roots[0] = a->cfg->storage_root;
		a->storage_roots[1] = "/var/lib/containers/storage";
		a->storage_roots[2] = "/run/containers/storage";
		a->meta_cfg.storage_roots = a->storage_roots;
	}
	nsg_docker_roots_init(&a->docker);
	nsg_docker_roots_refresh(&a->docker, nsg_boottime_ns() / 1000000, true);
	a->meta_cfg.docker_roots = a->docker.list;
	a->meta = nsg_meta_cache_new(&a->meta_cfg, 1024);
	a->fmt.container_of = container_of;
	a->fmt.container_arg = a;
	return a->meta ? 0 : -1;
}

static int prepare(struct agent *a, char *err, size_t errlen)
{
	a->registry.max = a->cfg->max_containers;
	if (nsg_agent_load_policy(a, err, errlen) ||
	    nsg_probe_run(&a->probe, err, errlen))
		return -1;
	a->clock.probed = ms_since(&a->clock.t0);
	if (nsg_choose_tier(a->cfg, &a->probe, &a->tier, err, errlen) ||
	    nsg_hostns_init(&a->host, a->cfg->host_ns_pid, err, errlen) ||
	    nsg_cgroup_mode_detect(&a->cgroups, err, errlen) ||
	    open_sink(a, err, errlen))
		return -1;
	if (a->cfg->hook_socket && nsg_hook_server_open(&a->hook, a->cfg->hook_socket, err, errlen))
		return -1;
	if (a->cfg->metrics_addr && !(a->metrics = nsg_metrics_start(a->cfg->metrics_addr, err, errlen)))
		return -1;
	if (open_metadata(a)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (nsg_exe_cache_init(&a->exes)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	a->fmt.cgroup_path_of = cgroup_path_of;
	a->fmt.cgroup_arg = &a->cgroups;
	nsg_agent_set_what_if(a);
	a->fmt.boot_to_realtime_ns = nsg_boot_to_realtime_offset();
	a->fmt.exe_of = nsg_exe_cache_lookup;
	a->fmt.exe_arg = &a->exes;
	return 0;
}

static int start(struct agent *a)
{
	struct nsg_load_opts lo = {
		.host = &a->host,
		.cgroups = &a->cgroups,
		.ring_size = a->cfg->ring_size,
		.info_ring_size = a->cfg->info_ring_size,
		.pin = agent_pin(a),
		.tier = a->tier.tier,
		/* Audit mode loads nothing that blocks: it cannot block by mistake. */
		.enforce = nsg_agent_enforcing(a),
		.coalesce_window_ms = a->cfg->coalesce_window_ms,
		.container_rate = a->cfg->container_rate,
		.container_burst = a->cfg->container_burst,
		.max_containers = a->cfg->max_containers,
		.lsm_bpf_args = a->probe.lsm_bpf_args,
	};
	char err[512];

	a->skel = nsg_load(&lo, err, sizeof(err));
	if (!a->skel)
		return die("%s", err, 1);
	a->clock.loaded = ms_since(&a->clock.t0);
	/* Policy and exemptions are in place before the first hook fires. */
	if (nsg_agent_apply_policy(a, err, sizeof(err))) {
		if (lo.pin)
			nsg_pin_abort(lo.pin);
		return die("%s", err, 1);
	}
	start_flow(a);
	if (nsg_attach(a->skel, lo.pin, err, sizeof(err)))
		return die("%s", err, 1);
	if (nsg_self_register(a, err, sizeof(err)))
		return die("%s", err, 1);
	a->clock.attached = ms_since(&a->clock.t0);
	/* Violations first: each poll drains their ring before the other. */
	a->rb = ring_buffer__new(nsg_events_fd(a->skel), handle_event, a, NULL);
	if (!a->rb || ring_buffer__add(a->rb, nsg_info_events_fd(a->skel), handle_event, a))
		return die("%s", "cannot open the ring buffers", 1);
	a->started = time(NULL);
	emit_agent_start(a);
	nsg_metrics_set_version(a->metrics, NSGUARD_VERSION);
	nsg_metrics_set_tier(a->metrics, nsg_tier_name(a->tier.tier),
			     nsg_agent_enforcing(a) ? "enforce" : "audit");
	nsg_agent_report_missed_hooks(a);
	if (a->cfg->startup_scan)
		report_running_containers(a);
	return 0;
}

static void teardown(struct agent *a)
{
	nsg_hook_server_close(&a->hook);
	nsg_metrics_stop(a->metrics);
	nsg_meta_cache_free(a->meta);
	nsg_registry_free(&a->registry);
	nsg_policy_free(&a->policy);
	ring_buffer__free(a->rb);
	nsg_unload(a->skel, agent_pin(a));
	nsg_exe_cache_free(&a->exes);
	nsg_flow_free(&a->flow);
	nsg_self_guard_free(&a->guard);
	nsg_jsonw_free(&a->scratch);
	nsg_sink_close(&a->sink); /* safe on a sink that never opened */
}

int nsg_agent_run(const struct nsg_config *cfg)
{
	struct agent a = { .cli = cfg, .cfg = cfg, .hook = { .fd = -1 },
			   .pin = { .dir = cfg->pin_path, .lock_fd = -1 } };
	char err[512];
	int status;

	clock_gettime(CLOCK_MONOTONIC, &a.clock.t0);
	if (!cfg->verbose)
		libbpf_set_print(libbpf_quiet);
	if (prepare(&a, err, sizeof(err))) {
		teardown(&a);
		return die("%s", err, NSG_EXIT_USAGE);
	}
	install_signals();
	status = start(&a);
	if (status == 0) {
		status = poll_until_stopped(&a);
		/* Detach first: nothing can arrive after the final counts (unless pinned). */
		nsg_detach(a.skel, agent_pin(&a));
		ring_buffer__consume(a.rb);
		nsg_forget_removed_containers(&a, nsg_boottime_ns());
		nsg_flow_sweep(&a.flow, nsg_boottime_ns(), true);
		emit_agent_stats(&a);
		emit_agent_stop(&a);
	}
	teardown(&a);
	return status;
}
