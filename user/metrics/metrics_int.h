/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the metrics (metrics.h): the counters and their labels, shared by
 * counters.c (the agent's updates), exposition.c (the text a scrape gets),
 * listen_addr.c (--metrics-addr) and http_server.c (the server thread).
 */
#ifndef NSGUARD_METRICS_INT_H
#define NSGUARD_METRICS_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include "feed/names.h"

/*
 * Label values, spelled as in the event feed (names.c). The last value of
 * each list is the bucket for anything unknown.
 */
/* restored/unrestored: what the agent's self-check did about a tamper it found. */
/* none: informational events (no verdict). */
#define VERDICT_LABELS \
	"alert", "blocked", "killed", "allowed", "none", "restored", "unrestored", "other"
#define NS_LABELS "none", "ipc", "pid", "net", "uts", "mnt", "cgroup", "time", "user", "other"
#define CLASS_LABELS "violation", "info", "other"
#define OUTCOME_LABELS "queued", "coalesced", "rate_limited", "dropped", "other"
#define MAP_LABELS "exempt_cgroups", "flows", "coalesce", "other"
#define TIER_LABELS "lsm", "signal", "none", "other"
#define MODE_LABELS "audit", "enforce", "other"

/* How many values a list has: a constant, so it can size the counters. */
#define LABEL_COUNT(...) (sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))

/*
 * Events: the kernel's (names.c spells them), which it queues and can
 * drop, then host_ns_running (the start-up scan's), then "other".
 */
#define KERNEL_EVENTS (NSG_EV_MAX - 1)
#define N_EVENTS (KERNEL_EVENTS + 2)
#define N_VERDICTS LABEL_COUNT(VERDICT_LABELS)
#define N_NS LABEL_COUNT(NS_LABELS)
#define N_CLASSES LABEL_COUNT(CLASS_LABELS)
#define N_OUTCOMES LABEL_COUNT(OUTCOME_LABELS)
#define N_MAPS LABEL_COUNT(MAP_LABELS)
#define N_TIERS LABEL_COUNT(TIER_LABELS)
#define N_MODES LABEL_COUNT(MODE_LABELS)

extern const char *const nsg_metrics_verdicts[N_VERDICTS];
extern const char *const nsg_metrics_ns_types[N_NS];
extern const char *const nsg_metrics_classes[N_CLASSES];
extern const char *const nsg_metrics_outcomes[N_OUTCOMES];
extern const char *const nsg_metrics_maps[N_MAPS];
extern const char *const nsg_metrics_tiers[N_TIERS];
extern const char *const nsg_metrics_modes[N_MODES];

#define VERSION_MAX 64

/* Everything rendered; copied whole under the lock, formatted outside it. */
struct counters {
	unsigned long long events[N_EVENTS][N_VERDICTS][N_NS];
	unsigned long long drops[N_EVENTS];
	unsigned long long flow[N_CLASSES][N_EVENTS][N_OUTCOMES];
	unsigned long long reloads_ok, reloads_error;
	unsigned long long exemptions_failed, map_full[N_MAPS];
	double ring_fill;
	int tier, mode; /* indices, -1 until set */
	unsigned long containers;
	unsigned long long feed_lines_lost, feed_reopens;
	char version[VERSION_MAX];
};

struct nsg_metrics {
	pthread_mutex_t lock;
	struct counters c;
	struct event_base *base;
	struct evhttp *http;
	struct event *stop_ev;
	int stop_fd; /* eventfd: stop requests survive a loop that has not started yet */
	int port;
	pthread_t thread;
	bool running;
};

/* Nothing counted yet, no tier, the build's version. */
void nsg_metrics_counters_init(struct counters *c);
/* The label of event index e (names.c's spelling for the kernel's). */
const char *nsg_metrics_event_label(size_t e);
/*
 * A listening TCP socket for --metrics-addr (see nsg_metrics_start) and
 * the port it got; -1 with a one-line reason in err.
 */
int nsg_metrics_listen(const char *addr, int *port, char *err, size_t errlen);

#endif
