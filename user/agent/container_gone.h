/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Containers that ended leave the agent's state (container_gone.c). */
#ifndef NSGUARD_CONTAINER_GONE_H
#define NSGUARD_CONTAINER_GONE_H

#include <stdint.h>
#include "feed/feed_schema.h"

struct agent;

/* Drains the kernel's queue of removed container cgroups (`now`: CLOCK_BOOTTIME ns). */
void nsg_forget_removed_containers(struct agent *a, uint64_t now);
/* Backstop: registry entries whose cgroup directory is gone. */
void nsg_sweep_departed_containers(struct agent *a, uint64_t now);
/* What the agent holds now, for agent_stats' `state`. */
void nsg_state_read(struct agent *a, struct nsg_feed_state *st);

#endif
