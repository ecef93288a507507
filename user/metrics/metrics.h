/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus metrics: counters kept by the agent's main thread, served as
 * text exposition format 0.0.4 on GET /metrics by libevent's HTTP server in
 * a thread of its own. Every function is NULL-safe, so the agent can call
 * them unconditionally when --metrics-addr is not given.
 *
 * Label values come from small fixed sets; anything else is counted under
 * "other", so a bug or a hostile input can never grow the series count.
 */
#ifndef NSGUARD_METRICS_H
#define NSGUARD_METRICS_H

#include <stdbool.h>
#include <stddef.h>

/* NSGUARD_VERSION: the VERSION file's, passed by the Makefile (-D). */

struct nsg_metrics;

/*
 * Starts serving on addr: "127.0.0.1:9500", ":9500" (all addresses, IPv6
 * and IPv4), "[::1]:9500"; the host must be a numeric address (no name
 * lookups: the static binary has no NSS). Port 0 picks a free port (see
 * nsg_metrics_port). Returns NULL with a one-line reason in err on failure
 * (bad address, port in use).
 */
struct nsg_metrics *nsg_metrics_start(const char *addr, char *err, size_t errlen);
/* Stops the server thread and frees m. NULL-safe. */
void nsg_metrics_stop(struct nsg_metrics *m);
/* The TCP port actually bound (useful with port 0); -1 for NULL. */
int nsg_metrics_port(const struct nsg_metrics *m);

/*
 * One event. event: host_ns_exec, setns, ns_create, host_ns_running;
 * verdict: alert, blocked, killed, allowed; ns_type: ipc, pid, net, uts,
 * mnt, cgroup, time, user, or NULL for "none".
 */
void nsg_metrics_count_event(struct nsg_metrics *m, const char *event, const char *verdict,
			     const char *ns_type);
/* Absolute total of events the kernel could not queue (the BPF drop counters). */
void nsg_metrics_set_drops(struct nsg_metrics *m, const char *event, unsigned long long total);
/*
 * Absolute total of one outcome of the flow gate (include/flow.h): class
 * violation or info; event as above; outcome queued, coalesced,
 * rate_limited or dropped.
 */
void nsg_metrics_set_flow(struct nsg_metrics *m, const char *cls, const char *event,
			  const char *outcome, unsigned long long total);
/* Ring buffer fill, 0..1 (clamped). */
void nsg_metrics_set_ring_fill(struct nsg_metrics *m, double ratio);
void nsg_metrics_count_policy_reload(struct nsg_metrics *m, bool ok);
/* An allowlisted container that could not be exempted (a table was full). */
void nsg_metrics_count_exemption_failed(struct nsg_metrics *m);
/* A per-container table (exempt_cgroups, flows, coalesce) was found full. */
void nsg_metrics_count_map_full(struct nsg_metrics *m, const char *map);
/* tier: lsm, signal, none; mode: audit, enforce. Replaces the previous pair. */
void nsg_metrics_set_tier(struct nsg_metrics *m, const char *tier, const char *mode);
void nsg_metrics_set_containers(struct nsg_metrics *m, unsigned long n);
/* The feed file's losses and reopens (the sink's counters). */
void nsg_metrics_set_feed(struct nsg_metrics *m, unsigned long long lines_lost,
			  unsigned long long reopens);
/* Overrides nsguard_build_info's version label (default NSGUARD_VERSION). */
void nsg_metrics_set_version(struct nsg_metrics *m, const char *version);

/* The exposition text (for tests and for the HTTP handler); caller frees. */
char *nsg_metrics_render(struct nsg_metrics *m);

#endif
