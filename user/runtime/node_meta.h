/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where this node's runtimes keep their state, as the agent and `nsguard
 * scan` both look for it: the default roots of every source, the storage
 * root given on the command line (--storage-root) before containers/
 * storage's own two, and the data roots of the dockerds running now
 * (docker_roots.h) in place of /var/lib/docker.
 */
#ifndef NSGUARD_NODE_META_H
#define NSGUARD_NODE_META_H

#include <stdbool.h>
#include "runtime/docker_roots.h"
#include "runtime/metadata.h"

struct nsg_node_meta {
	struct nsg_meta_config cfg;   /* for nsg_metadata_lookup, nsg_meta_cache_new */
	const char *storage_roots[4]; /* cfg.storage_roots with a --storage-root */
	struct nsg_docker_roots docker; /* cfg.docker_roots is docker.list */
};

/*
 * Sets up *n (storage_root NULL: containers/storage's defaults) and looks
 * for the running dockerds. cfg points into *n: it must not move, and the
 * string storage_root must outlive it.
 */
void nsg_node_meta_init(struct nsg_node_meta *n, const char *storage_root);

/*
 * Keeps the dockerds' data roots current (nsg_docker_roots_refresh, on
 * CLOCK_BOOTTIME); true when they changed.
 */
bool nsg_node_meta_refresh(struct nsg_node_meta *n, bool force);

#endif
