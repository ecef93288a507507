/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The containers the agent knows, and their exemptions in the kernel (containers.c). */
#ifndef NSGUARD_CONTAINERS_H
#define NSGUARD_CONTAINERS_H

#include <stdbool.h>
#include <stddef.h>
#include "container/registry.h"

struct agent;

/* Registry, node metadata and exe cache; needs the cgroup mode detected. */
int nsg_containers_open(struct agent *a, char *err, size_t errlen);
void nsg_containers_close(struct agent *a);
/*
 * Into the registry and the kernel's exemptions together, or neither.
 * `announce`: say so in the feed (container_registered). 0, or -1 when an
 * allowlisted container could not be exempted (reported).
 */
int nsg_containers_register(struct agent *a, const struct nsg_known_container *k, bool announce);
/* The containers running now (before the hooks attach). */
void nsg_containers_register_running(struct agent *a);
/* Every registered container's exemptions recomputed from the policy. */
void nsg_containers_apply_policy(struct agent *a);
/* Whether a cgroup path is the agent's own container. */
bool nsg_containers_is_self(const struct agent *a, const char *cgroup_path);

#endif
