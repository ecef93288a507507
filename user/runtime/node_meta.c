// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The node's own state roots, set up once for the agent and the scan (node_meta.h). */
#include <string.h>
#include "util/clock.h"
#include "runtime/node_meta.h"

void nsg_node_meta_init(struct nsg_node_meta *n, const char *storage_root)
{
	memset(n, 0, sizeof(*n));
	nsg_meta_config_defaults(&n->cfg);
	if (storage_root) {
		n->storage_roots[0] = storage_root;
		n->storage_roots[1] = "/var/lib/containers/storage";
		n->storage_roots[2] = "/run/containers/storage";
		n->cfg.storage_roots = n->storage_roots;
	}
	nsg_docker_roots_init(&n->docker);
	nsg_node_meta_refresh(n, true);
	n->cfg.docker_roots = n->docker.list;
}

bool nsg_node_meta_refresh(struct nsg_node_meta *n, bool force)
{
	/* The agent's clock (the kernel's event clock); only intervals matter. */
	return nsg_docker_roots_refresh(&n->docker, nsg_boottime_ns() / 1000000, force);
}
