/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cache in front of nsg_metadata_lookup() (metadata.h), not thread-safe.
 * Positive results are kept (least recently used evicted beyond capacity);
 * negative ones are retried after NSG_META_NEG_TTL_MS, because a
 * container's state files may appear only after its first event. Each
 * entry also keeps its metadata as the feed's `container` object, made once.
 */
#ifndef NSGUARD_META_CACHE_H
#define NSGUARD_META_CACHE_H

#include <stddef.h>
#include <stdint.h>
#include "runtime/metadata.h"

#define NSG_META_NEG_TTL_MS 2000

struct nsg_meta_cache;

/* cfg (and the lists it points to) must outlive the cache. NULL cfg: defaults. */
struct nsg_meta_cache *nsg_meta_cache_new(const struct nsg_meta_config *cfg, size_t capacity);
/*
 * Metadata for id, or NULL when unknown (or id invalid). The pointer stays
 * valid until the next call on c.
 */
const struct nsg_container_meta *nsg_meta_cache_get(struct nsg_meta_cache *c, const char *id);
/*
 * The same, but looked up afresh whatever the cache holds, and kept: for a
 * moment when the runtime has just written the container's state (an OCI
 * hook), where a negative entry from the container's first events would
 * otherwise hide it for NSG_META_NEG_TTL_MS. Counts as a miss.
 */
const struct nsg_container_meta *nsg_meta_cache_refresh(struct nsg_meta_cache *c, const char *id);
/*
 * The same as the feed's `container` object (feed_schema.h), serialized
 * once per container and kept with its entry: the bytes (length in *len),
 * or NULL when unknown. Valid until the next call on c.
 */
const char *nsg_meta_cache_get_container(struct nsg_meta_cache *c, const char *id,
					 size_t *len);
void nsg_meta_cache_free(struct nsg_meta_cache *c);
/* The container is gone: its entry drops what it held and is the next to be reused. */
void nsg_meta_cache_forget(struct nsg_meta_cache *c, const char *id);
/* Entries that hold a container's metadata now. */
size_t nsg_meta_cache_count(const struct nsg_meta_cache *c);

/* For tests: a clock in milliseconds (default CLOCK_MONOTONIC), and counters. */
void nsg_meta_cache_set_clock(struct nsg_meta_cache *c, uint64_t (*now_ms)(void *), void *arg);
struct nsg_meta_cache_stats {
	uint64_t hits, misses, lookups, evictions;
};
void nsg_meta_cache_stats(const struct nsg_meta_cache *c, struct nsg_meta_cache_stats *out);

#endif
