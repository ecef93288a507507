// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdlib.h>
#include <string.h>
#include "policy/policy_maps.h"
#include "util/grow.h"
#include "container/registry.h"

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void known_free(struct nsg_known_container *c)
{
	free(c->cgroup);
	free(c->kubernetes_namespace);
	free(c->pod);
	free(c->container_name);
	free(c->image);
	free(c->runtime);
	memset(c, 0, sizeof(*c));
}

static struct nsg_known_container *slot_for(struct nsg_registry *r, uint64_t cgid)
{
	void *p;

	for (size_t i = 0; i < r->count; i++)
		if (r->items[i].cgroup_id == cgid)
			return &r->items[i];
	if (r->max && r->count >= r->max)
		return NULL;
	p = nsg_grow(r->items, &r->cap, r->count + 1, sizeof(*r->items), 32);
	if (!p)
		return NULL;
	r->items = p;
	memset(&r->items[r->count], 0, sizeof(r->items[0]));
	return &r->items[r->count++];
}

struct nsg_known_container *nsg_registry_put(struct nsg_registry *r,
					     const struct nsg_known_container *c)
{
	struct nsg_known_container *slot = slot_for(r, c->cgroup_id);

	if (!slot)
		return NULL;
	known_free(slot);
	memcpy(slot->id, c->id, sizeof(slot->id));
	slot->cgroup_id = c->cgroup_id;
	slot->cgroup = dup_or_null(c->cgroup);
	slot->kubernetes_namespace = dup_or_null(c->kubernetes_namespace);
	slot->pod = dup_or_null(c->pod);
	slot->container_name = dup_or_null(c->container_name);
	slot->image = dup_or_null(c->image);
	slot->runtime = dup_or_null(c->runtime);
	slot->allowed = c->allowed;
	slot->always_allowed = c->always_allowed;
	return slot;
}

struct nsg_match_input nsg_known_match_input(const struct nsg_known_container *c)
{
	return (struct nsg_match_input){
		.container_id = c->id[0] ? c->id : NULL,
		.cgroup = c->cgroup,
		.kubernetes_namespace = c->kubernetes_namespace,
		.pod = c->pod,
		.container_name = c->container_name,
		.image = c->image,
	};
}

void nsg_registry_apply(struct nsg_registry *r, struct nsguard_bpf *skel,
			const struct nsg_policy *p,
			void (*failed)(void *arg, const struct nsg_known_container *c), void *arg)
{
	for (size_t i = 0; i < r->count; i++) {
		struct nsg_known_container *c = &r->items[i];
		struct nsg_match_input in = nsg_known_match_input(c);

		c->allowed = nsg_policy_container_allows(p, &in) | c->always_allowed;
		if (nsg_exempt_cgroup(skel, c->cgroup_id, c->allowed) && failed)
			failed(arg, c);
	}
}

uint32_t nsg_registry_allowed(const struct nsg_registry *r, uint64_t cgroup_id)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->items[i].cgroup_id == cgroup_id)
			return r->items[i].allowed;
	return 0;
}

const struct nsg_known_container *nsg_registry_find_id(const struct nsg_registry *r,
						       const char *id)
{
	/* Newest first: a container ID is registered again if it is re-created. */
	for (size_t i = r->count; i-- > 0;)
		if (strcmp(r->items[i].id, id) == 0)
			return &r->items[i];
	return NULL;
}

int nsg_registry_remove(struct nsg_registry *r, uint64_t cgroup_id)
{
	for (size_t i = 0; i < r->count; i++) {
		if (r->items[i].cgroup_id != cgroup_id)
			continue;
		known_free(&r->items[i]);
		/* Order matters to nsg_registry_find_id (newest last): shift, do not swap. */
		memmove(&r->items[i], &r->items[i + 1], (r->count - i - 1) * sizeof(r->items[0]));
		r->count--;
		return 1;
	}
	return 0;
}

void nsg_registry_free(struct nsg_registry *r)
{
	for (size_t i = 0; i < r->count; i++)
		known_free(&r->items[i]);
	free(r->items);
	memset(r, 0, sizeof(*r));
}
