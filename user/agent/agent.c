// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's lifecycle: prepare (policy, probe, tier, outputs), start
 * (load, exemptions, attach, report), poll the ring buffers until told to
 * stop, and take everything down again. What each step does lives in the
 * module it calls: policy_control.c, containers.c, hook_requests.c,
 * report.c, container_gone.c.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "agent/agent.h"
#include "agent/agent_state.h"
#include "agent/container_gone.h"
#include "agent/containers.h"
#include "agent/hook_requests.h"
#include "agent/policy_control.h"
#include "agent/report.h"
#include "kernel/loader.h"
#include "util/clock.h"

#define POLL_TIMEOUT_MS 100
#define BUSY_BATCH 64
#define BUSY_TICK_NS 1000000
/* How often the flow gate's counters are turned into summaries. */
#define FLOW_SWEEP_NS 200000000ULL
/* The registry's own check for containers whose removal the kernel's queue lost. */
#define DEPARTURE_SWEEP_NS 30000000000ULL

static volatile sig_atomic_t exiting;
static volatile sig_atomic_t exit_signal;
static volatile sig_atomic_t reload_requested;
static volatile sig_atomic_t reopen_requested;

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

static void on_sigusr1(int sig)
{
	(void)sig;
	reopen_requested = 1;
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

/* The pin state when --pin is on, else NULL: what the loader expects. */
static struct nsg_pin *agent_pin(struct agent *a)
{
	return a->set.cfg->pin ? &a->kern.pin : NULL;
}

static double ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 + (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

static void install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_sighup;
	sigaction(SIGHUP, &sa, NULL);
	/* The node's log rotation: SIGHUP stays the policy's. */
	sa.sa_handler = on_sigusr1;
	sigaction(SIGUSR1, &sa, NULL);
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

/* Containers that ended leave the agent's state before the self-check looks. */
static void self_check(struct agent *a)
{
	struct nsg_self_check_view v = {
		.skel = a->kern.skel,
		.policy = &a->set.policy,
		.enforcing = a->kern.enforcing,
		.registry = &a->ctr.registry,
		.cgroups = &a->kern.cgroups,
		.report = nsg_report_tamper,
		.report_arg = a,
	};

	nsg_forget_removed_containers(a, nsg_boottime_ns());
	nsg_self_check(&a->kern.guard, &v);
}

/*
 * Every sweep: summaries due, containers that ended, full tables. The
 * registry's own sweep (a stat per container) only every 30 s.
 */
static void tend_state(struct agent *a, uint64_t now, uint64_t *next_departure_sweep)
{
	nsg_flow_sweep(&a->out.flow, now, false);
	nsg_forget_removed_containers(a, now);
	if (now >= *next_departure_sweep) {
		nsg_sweep_departed_containers(a, now);
		*next_departure_sweep = now + DEPARTURE_SWEEP_NS;
	}
	nsg_report_full_tables(a);
}

/* The node's Docker Engine may have moved; cheap while the dockerd seen last still runs. */
static void refresh_docker_roots(struct agent *a, bool force)
{
	nsg_node_meta_refresh(&a->ctr.node, force);
}

static int poll_until_stopped(struct agent *a)
{
	const struct nsg_config *cfg = a->set.cfg;
	time_t next_stats = a->out.started + cfg->stats_interval, last_refresh = 0;
	uint64_t next_sweep = 0, next_departure_sweep = 0;
	bool busy = false;

	while (!exiting) {
		int n = busy ? consume_after_pause(a->kern.rb) : ring_buffer__poll(a->kern.rb, POLL_TIMEOUT_MS);

		busy = n >= BUSY_BATCH;

		if (n < 0 && n != -EINTR)
			return die("ring buffer poll failed: %s", strerror(-n), 1);
		if (n > 0)
			nsg_sink_flush(&a->out.sink);
		if (nsg_boottime_ns() >= next_sweep) {
			tend_state(a, nsg_boottime_ns(), &next_departure_sweep);
			next_sweep = nsg_boottime_ns() + FLOW_SWEEP_NS;
		}
		nsg_sink_service(&a->out.sink);
		nsg_hook_requests_service(a);
		if (reload_requested) {
			reload_requested = 0;
			refresh_docker_roots(a, true);
			nsg_agent_reload_policy(a);
			self_check(a);
		}
		if (reopen_requested) {
			reopen_requested = 0;
			nsg_sink_reopen(&a->out.sink);
		}
		if (time(NULL) != last_refresh) {
			last_refresh = time(NULL);
			nsg_report_refresh_metrics(a);
			refresh_docker_roots(a, false);
			/* Renamed or deleted by a rotation that sends no signal. */
			nsg_sink_watch_path(&a->out.sink);
		}
		if (cfg->stats_interval && time(NULL) >= next_stats) {
			self_check(a);
			nsg_report_agent_stats(a);
			next_stats = time(NULL) + cfg->stats_interval;
		}
	}
	/* Whatever the kernel already committed is delivered before stopping. */
	ring_buffer__consume(a->kern.rb);
	return 0;
}

static int cgroup_path_of(void *arg, uint64_t id, char *path, size_t len)
{
	return nsg_cgroup_path_of_id(arg, id, path, len);
}

/* What this node offers decides the tier, and the tier decides whether enforcing is possible. */
static int choose_kernel(struct agent *a, char *err, size_t errlen)
{
	const struct nsg_config *cfg = a->set.cfg;
	struct agent_kernel *k = &a->kern;

	if (nsg_probe_run(&k->probe, err, errlen))
		return -1;
	a->clock.probed = ms_since(&a->clock.t0);
	if (nsg_choose_tier(cfg, &k->probe, &k->tier, err, errlen) ||
	    nsg_hostns_init(&k->host, cfg->host_ns_pid, err, errlen) ||
	    nsg_cgroup_mode_detect(&k->cgroups, err, errlen))
		return -1;
	/* Audit mode loads nothing that blocks: it cannot block by mistake. */
	k->enforcing = cfg->mode == NSG_MODE_ENFORCE && k->tier.tier != NSG_TIER_NONE;
	a->out.fmt.cgroup_path_of = cgroup_path_of;
	a->out.fmt.cgroup_arg = &k->cgroups;
	return 0;
}

static int prepare(struct agent *a, const struct nsg_config *cli, char *err, size_t errlen)
{
	if (nsg_agent_load_policy(&a->set, cli, err, errlen) ||
	    choose_kernel(a, err, errlen) ||
	    nsg_report_open(a, err, errlen) ||
	    nsg_hook_requests_open(a, err, errlen) ||
	    nsg_containers_open(a, err, errlen))
		return -1;
	nsg_report_set_what_if(a);
	return 0;
}

static struct nsg_load_opts load_opts(struct agent *a)
{
	const struct nsg_config *cfg = a->set.cfg;

	return (struct nsg_load_opts){
		.host = &a->kern.host,
		.cgroups = &a->kern.cgroups,
		.ring_size = cfg->ring_size,
		.info_ring_size = cfg->info_ring_size,
		.pin = agent_pin(a),
		.tier = a->kern.tier.tier,
		.enforce = a->kern.enforcing,
		.coalesce_window_ms = cfg->coalesce_window_ms,
		.container_rate = cfg->container_rate,
		.container_burst = cfg->container_burst,
		.max_containers = cfg->max_containers,
		.lsm_bpf_args = a->kern.probe.lsm_bpf_args,
	};
}

static int open_rings(struct agent *a)
{
	struct agent_kernel *k = &a->kern;

	/* Violations first: each poll drains their ring before the other. */
	k->rb = ring_buffer__new(nsg_events_fd(k->skel), nsg_report_kernel_event, a, NULL);
	return k->rb && !ring_buffer__add(k->rb, nsg_info_events_fd(k->skel),
					  nsg_report_kernel_event, a) ? 0 : -1;
}

static int start(struct agent *a)
{
	struct nsg_load_opts lo = load_opts(a);
	struct agent_kernel *k = &a->kern;
	char err[512];

	k->skel = nsg_load(&lo, err, sizeof(err));
	if (!k->skel)
		return die("%s", err, 1);
	a->clock.loaded = ms_since(&a->clock.t0);
	/* Policy and exemptions are in place before the first hook fires. */
	if (nsg_agent_apply_policy(a, err, sizeof(err))) {
		if (lo.pin)
			nsg_pin_abort(lo.pin);
		return die("%s", err, 1);
	}
	nsg_report_start_flow(a);
	if (nsg_attach(k->skel, lo.pin, err, sizeof(err)) ||
	    nsg_self_register(&k->guard, k->skel, lo.pin ? lo.pin->dir : NULL, k->pin.adopted,
			      err, sizeof(err)))
		return die("%s", err, 1);
	a->clock.attached = ms_since(&a->clock.t0);
	if (open_rings(a))
		return die("%s", "cannot open the ring buffers", 1);
	nsg_report_agent_start(a);
	nsg_hook_requests_report_missed(a);
	if (a->set.cfg->startup_scan)
		nsg_report_running_containers(a);
	return 0;
}

static void teardown(struct agent *a)
{
	nsg_hook_requests_close(a);
	nsg_containers_close(a);
	nsg_policy_free(&a->set.policy);
	ring_buffer__free(a->kern.rb);
	nsg_unload(a->kern.skel, agent_pin(a));
	nsg_self_guard_free(&a->kern.guard);
	nsg_report_close(a);
}

/* Detach first: nothing can arrive after the final counts (unless pinned). */
static void stop(struct agent *a)
{
	nsg_detach(a->kern.skel, agent_pin(a));
	ring_buffer__consume(a->kern.rb);
	nsg_forget_removed_containers(a, nsg_boottime_ns());
	nsg_flow_sweep(&a->out.flow, nsg_boottime_ns(), true);
	nsg_report_agent_stats(a);
	nsg_report_agent_stop(a, exit_signal ? strsignal(exit_signal) : "error");
}

int nsg_agent_run(const struct nsg_config *cfg)
{
	struct agent a = { .set = { .cli = cfg, .cfg = cfg }, .hook = { .fd = -1 },
			   .kern.pin = { .dir = cfg->pin_path, .lock_fd = -1 } };
	char err[512];
	int status;

	clock_gettime(CLOCK_MONOTONIC, &a.clock.t0);
	if (!cfg->verbose)
		libbpf_set_print(libbpf_quiet);
	if (prepare(&a, cfg, err, sizeof(err))) {
		teardown(&a);
		return die("%s", err, NSG_EXIT_USAGE);
	}
	install_signals();
	status = start(&a);
	if (status == 0) {
		status = poll_until_stopped(&a);
		stop(&a);
	}
	teardown(&a);
	return status;
}
