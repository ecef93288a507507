/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Container ID -> metadata (runtime, name, pod, image), read from the
 * runtimes' own state on the node: runc/crun state dirs and the bundle's
 * OCI config.json annotations, containerd's v2 task dirs, CRI-O's and
 * podman's containers/storage, Docker's config.v2.json. No runtime API is
 * called: state files work whether or not the daemon answers, and need no
 * socket access.
 *
 * Every path is built from a validated 64-hex ID and walked component by
 * component without following symlinks under a root; files are read whole
 * up to NSG_META_MAX_FILE bytes, larger ones are ignored.
 */
#ifndef NSGUARD_METADATA_H
#define NSGUARD_METADATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

/* Largest state file read; runtime state files are a few KiB. */
#define NSG_META_MAX_FILE (4u << 20)

struct nsg_container_meta {
	bool found;
	char runtime[32];        /* "docker", "containerd", "cri-o", "podman", "runc", "crun" */
	char name[256];          /* container name */
	char pod_name[256];
	char pod_namespace[256];
	char pod_uid[64];
	char image[512];
	char bundle[1024];       /* OCI bundle dir when known */
	bool sandbox;            /* a pod's sandbox (pause) container */
};

/*
 * Roots to search; NULL-terminated lists. A NULL list means the default for
 * that source; an empty list ({ NULL }) disables it. A runc or crun root
 * whose last component is "*" stands for each subdirectory of its parent
 * (containerd keeps one runc root per namespace). containerd task roots
 * hold <namespace>/<id>/config.json.
 */
struct nsg_meta_config {
	const char *const *runc_roots;       /* /run/runc, /run/containerd/runc/<any ns>, /run/docker/runtime-runc/moby */
	const char *const *crun_roots;       /* /run/crun */
	const char *const *containerd_task_roots; /* /run/containerd/io.containerd.runtime.v2.task */
	const char *const *storage_roots;    /* /var/lib/containers/storage, /run/containers/storage */
	const char *const *docker_roots;     /* /var/lib/docker */
};

void nsg_meta_config_defaults(struct nsg_meta_config *cfg);

/* True when id is exactly 64 lowercase hex characters. */
bool nsg_meta_id_valid(const char *id);

/*
 * Looks `id` (64 hex) up; returns 0 and fills *out (out->found false when
 * unknown), or -EINVAL (out zeroed) when id is not a container ID.
 */
int nsg_metadata_lookup(const struct nsg_meta_config *cfg, const char *id,
			struct nsg_container_meta *out);

/*
 * What OCI annotations say of a container, read the way every source here
 * reads them: only in the key family of the runtime that wrote them (a pod
 * on CRI-O cannot claim a namespace with containerd's keys). Fills the
 * empty fields of *m: runtime (when the annotations name one), name, pod,
 * image.
 */
void nsg_meta_from_annotations(json_t *annotations, struct nsg_container_meta *m);

/*
 * Cache in front of lookup, not thread-safe. Positive results are kept
 * (least recently used evicted beyond capacity); negative ones are retried
 * after NSG_META_NEG_TTL_MS, because a container's state files may appear
 * only after its first event.
 */
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
