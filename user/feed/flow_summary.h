/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's side of the flow gate (bpf/flow.bpf.c, include/flow.h): it
 * turns the kernel's counters into summaries and accounting.
 *
 * - `coalesced`: the repeats of one violation kind, once the burst pauses
 *   (NSG_FLOW_QUIET_NS) or at least once a window while it goes on;
 * - `rate_limited`: what a container's budget refused, the same way;
 * - accounting: per container, class and type, the four outcomes
 *   (flow_accounting.c; the summaries are flow_summary.c's).
 *
 * The kernel's counters only grow; the agent remembers what it has
 * summarised (a tsearch tree per map) and reports the difference, so no
 * count is lost or told twice. Kinds idle for NSG_FLOW_IDLE_NS leave the
 * kernel map to make room.
 */
#ifndef NSGUARD_FLOW_SUMMARY_H
#define NSGUARD_FLOW_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include "flow.h"

struct nsguard_bpf;

#define NSG_FLOW_QUIET_NS 250000000ULL
#define NSG_FLOW_IDLE_MIN_NS 10000000000ULL
#define NSG_FLOW_DEPARTED_MAX 1024

/* One `coalesced` summary: `repeats` happened in (first_ns, last_ns]. */
struct nsg_coalesced {
	struct nsg_coalesce_key key;
	uint64_t repeats;
	uint64_t first_ns; /* boot time: the queued event they repeat, or the previous summary's end */
	uint64_t last_ns;  /* boot time of the last repeat */
	uint32_t last_pid, last_tid;
	char last_comm[NSG_COMM_LEN];
	const char *exe; /* exec: the path, when its queued event was seen; else NULL */
};

/* One `rate_limited` summary: what one container's budget refused since the last one. */
struct nsg_rate_limited {
	struct nsg_flow_id who;
	bool overflow; /* the entry containers beyond --max-containers share */
	unsigned long long refused[NSG_CLASSES][NSG_EV_MAX]; /* the type of agent_stats' counts: one writer */
	uint64_t first_ns; /* boot time: the previous summary's end, or when the container was first seen */
	uint64_t last_ns;  /* boot time of the last refusal */
};

struct nsg_flow_sink {
	void (*coalesced)(void *arg, const struct nsg_coalesced *c);
	void (*rate_limited)(void *arg, const struct nsg_rate_limited *r);
	void *arg;
};

/* Outcomes of one container (or all: the totals), as the kernel counted them. */
struct nsg_flow_counts {
	struct nsg_flow_id who;
	bool overflow;
	bool ended;    /* the container's cgroup is gone: these are its final counts */
	uint64_t n[NSG_CLASSES][NSG_EV_MAX][NSG_FLOW_OUTCOMES];
};

struct nsg_flow {
	struct nsguard_bpf *skel;
	struct nsg_flow_sink sink;
	uint64_t window_ns;         /* the kernel's coalescing window; 0: off */
	void *coalesce_seen;        /* tsearch tree of what was summarised per kind */
	void *limited_seen;         /* ... per container */
	/* Outcomes of containers whose entry left the kernel: totals never go back. */
	uint64_t retired[NSG_CLASSES][NSG_EV_MAX][NSG_FLOW_OUTCOMES];
	/*
	 * Final counts of containers that ended with events held back, until the
	 * next agent_stats has told them (nsg_flow_told); the oldest beyond
	 * NSG_FLOW_DEPARTED_MAX only in the totals.
	 */
	struct nsg_flow_counts *departed;
	size_t ndeparted;
	uint64_t summaries_coalesced, summaries_rate_limited;
};

void nsg_flow_init(struct nsg_flow *f, struct nsguard_bpf *skel, uint64_t window_ns,
		   const struct nsg_flow_sink *sink);
/* A queued exec violation: its path goes into the summaries of its repeats. */
void nsg_flow_note_exec(struct nsg_flow *f, const struct nsg_event *e);
/*
 * Summarises what is due at `now` (CLOCK_BOOTTIME ns): everything when
 * `final` (the hooks are detached and nothing more can arrive).
 */
void nsg_flow_sweep(struct nsg_flow *f, uint64_t now, bool final);
/*
 * A container's cgroup is gone: what its budget refused is summarised and its
 * entry leaves the kernel's map (a task of it that moved elsewhere and
 * reports again starts a new entry; its kinds idle out of the coalescing
 * table by themselves).
 */
void nsg_flow_forget(struct nsg_flow *f, const struct nsg_flow_id *who, uint64_t now);
/*
 * The accounting: totals over every container and, in *per (caller frees,
 * sorted by events not queued, most first), the containers that had any
 * event coalesced, rate-limited or dropped; *nper of them. per may be NULL.
 */
int nsg_flow_read(struct nsg_flow *f, struct nsg_flow_counts *totals,
		  struct nsg_flow_counts **per, size_t *nper);
void nsg_flow_free(struct nsg_flow *f);
/* agent_stats has listed the departed containers: they need not be again. */
void nsg_flow_told(struct nsg_flow *f);
/* The flows table had no room: containers beyond it count in the overflow entry. */
bool nsg_flow_overflowing(struct nsg_flow *f);
/* Violation kinds the kernel's coalescing table had no room for, so far. */
uint64_t nsg_flow_coalesce_lost(struct nsg_flow *f);

#endif
