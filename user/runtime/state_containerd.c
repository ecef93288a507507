// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* containerd's v2 task dirs: <root>/<namespace>/<id>/config.json, the shim's bundle. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "runtime/annotations.h"
#include "runtime/state_files.h"
#include "runtime/state_sources.h"

/* The v2 shim's bundle is the task dir; namespace "moby" is Docker's. */
bool nsg_state_containerd_task(struct nsg_container_meta *m, const char *root, const char *ns,
			       const char *id)
{
	json_t *cfg = ns ? nsg_state_load(root, ns, id, "config.json") : NULL;
	char bundle[PATH_MAX];

	if (!cfg)
		return false;
	snprintf(bundle, sizeof(bundle), "%s/%s/%s", root, ns, id);
	nsg_meta_found(m, json_object_get(cfg, "annotations"),
		       strcmp(ns, "moby") == 0 ? "docker" : "containerd", bundle);
	json_decref(cfg);
	return true;
}
