/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Opens, configures, loads and attaches the BPF skeleton — all or nothing. */
#ifndef NSGUARD_LOADER_H
#define NSGUARD_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include "container/cgroupmode.h"
#include "container/hostns.h"
#include "kernel/pin.h"

struct nsguard_bpf;

struct nsg_load_opts {
	const struct nsg_hostns *host;
	const struct nsg_cgroup_mode *cgroups;
	unsigned long ring_size;      /* violations */
	unsigned long info_ring_size; /* everything else */
	struct nsg_pin *pin;          /* --pin; NULL: hooks live as long as the agent */
	unsigned int tier;         /* enum nsg_tier: decides the hooks used */
	bool enforce;              /* false: audit, nothing that blocks is loaded */
	unsigned int coalesce_window_ms; /* 0: no coalescing */
	unsigned int container_rate;     /* events/s per container and class; 0: no limit */
	unsigned int container_burst;
	unsigned int max_containers;     /* sizes the per-container maps */
	int lsm_bpf_args;                /* the probe's: picks the `bpf` LSM hook's variant */
};

/* Returns the loaded (not yet attached) skeleton, or NULL with err set. */
struct nsguard_bpf *nsg_load(const struct nsg_load_opts *o, char *err, size_t errlen);
/*
 * Attaches every loaded program (with --pin: pins them; adopted hooks are
 * attached already); on failure nothing new stays attached.
 */
int nsg_attach(struct nsguard_bpf *skel, struct nsg_pin *pin, char *err, size_t errlen);
/* Sums the per-CPU loss counters into drops[NSG_DROP_SLOTS]. */
int nsg_read_drops(struct nsguard_bpf *skel, unsigned long long *drops);
/* Share of the ring buffer filled when the last event was reserved. */
double nsg_ring_fill(struct nsguard_bpf *skel, unsigned long ring_size);
/* The ring buffers' map fds: violations, informational events. */
int nsg_events_fd(struct nsguard_bpf *skel);
int nsg_info_events_fd(struct nsguard_bpf *skel);
/*
 * Detaches every hook (with --pin: lets the pinned ones be, attached);
 * maps stay readable until nsg_unload.
 */
void nsg_detach(struct nsguard_bpf *skel, struct nsg_pin *pin);
void nsg_unload(struct nsguard_bpf *skel, struct nsg_pin *pin);

#endif
