/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Containers the agent knows by more than their cgroup: registered by the
 * OCI hook (with the runtime's annotations) or found by the start-up scan.
 * Their allowlist exemptions are kept in the kernel's exempt_cgroups map
 * and recomputed whenever the policy changes.
 */
#ifndef NSGUARD_REGISTRY_H
#define NSGUARD_REGISTRY_H

#include <stddef.h>
#include <stdint.h>
#include "policy/policy.h"

struct nsguard_bpf;

struct nsg_known_container {
	char id[NSG_CONTAINER_ID_LEN + 1];
	uint64_t cgroup_id;
	char *cgroup;
	char *kubernetes_namespace;
	char *pod;
	char *container_name;
	char *image;
	char *runtime;
	uint32_t allowed;       /* what the current policy allows it */
	uint32_t always_allowed; /* whatever the policy says (the agent's own container) */
};

struct nsg_registry {
	struct nsg_known_container *items;
	size_t count, cap;
	size_t max; /* containers at once (--max-containers); 0: no limit */
};

/* Adds or replaces (by cgroup id) a container; strings are copied. NULL: full or out of memory. */
struct nsg_known_container *nsg_registry_put(struct nsg_registry *r,
					     const struct nsg_known_container *c);
/*
 * Re-evaluates every container against `p` and updates the kernel; `failed`
 * (may be NULL) hears of each allowlisted container the kernel's table had
 * no room for.
 */
void nsg_registry_apply(struct nsg_registry *r, struct nsguard_bpf *skel,
			const struct nsg_policy *p,
			void (*failed)(void *arg, const struct nsg_known_container *c), void *arg);
uint32_t nsg_registry_allowed(const struct nsg_registry *r, uint64_t cgroup_id);
/* The registered container with this ID, or NULL. */
const struct nsg_known_container *nsg_registry_find_id(const struct nsg_registry *r,
						       const char *id);
/* Forgets the container of a removed cgroup; 1 if it was known. */
int nsg_registry_remove(struct nsg_registry *r, uint64_t cgroup_id);
void nsg_registry_free(struct nsg_registry *r);
struct nsg_match_input nsg_known_match_input(const struct nsg_known_container *c);

#endif
