/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Container identity from a cgroup path, for userspace (the /proc scan).
 * Each path component is judged by the kernel side's classifier
 * (include/container_id.h); the deepest match wins, as in the kernel walk.
 */
#ifndef NSGUARD_CONTAINER_H
#define NSGUARD_CONTAINER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "nsguard.h"

struct nsg_cgroup_identity {
	char id[NSG_CONTAINER_ID_LEN + 1];
	const char *runtime; /* best guess from the cgroup naming: "docker", ... */
	char pod_uid[40];    /* Kubernetes pod UID when the path has one, else "" */
};

/* True when `name` (one cgroup directory name) carries a container ID. */
bool nsg_cgroup_name_is_container(const char *name, char id[NSG_CONTAINER_ID_LEN + 1]);
/* True when some component of `path` carries a container ID; fills *out. */
bool nsg_cgroup_path_identity(const char *path, struct nsg_cgroup_identity *out);

#endif
