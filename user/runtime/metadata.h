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
 *
 * The lookup is meta_lookup.c, the sources state_*.c (state_sources.h),
 * the annotations' reading annotations.h, a cache in front meta_cache.h,
 * the node's own roots node_meta.h.
 */
#ifndef NSGUARD_METADATA_H
#define NSGUARD_METADATA_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
