/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The runtimes' state on the node, one source per runtime family; the
 * lookup (meta_lookup.c) asks them in turn. Each tries one root: `sub` is
 * the subdirectory the root stands for (a wildcard root's entry, a
 * containerd task root's namespace) or NULL. A source that knows `id`
 * marks m found and fills the fields still empty; true then.
 *
 *   docker      <root>/containers/<id>/config.v2.json: Name, Config.Image,
 *               Config.Labels (io.kubernetes.* under dockershim/cri-dockerd)
 *   containerd  <root>/<namespace>/<id>/config.json (the v2 shim bundle)
 *   storage     <root>/overlay-containers/<id>/userdata/config.json (CRI-O,
 *               podman) and <root>/overlay-containers/containers.json
 *               (podman's name and image live only there and in its bolt db)
 *   runc        <root>/<id>/state.json: config.labels holds "key=value" for
 *               every annotation plus "bundle=<dir>"
 *   crun        <root>/<id>/status ("bundle") and <root>/<id>/config.json,
 *               crun's copy of the bundle's config
 *
 * State files are trusted as far as their runtime wrote them (bundle paths
 * in them are followed); what a container's creator controls (annotations,
 * labels) only ever fills fields.
 */
#ifndef NSGUARD_STATE_SOURCES_H
#define NSGUARD_STATE_SOURCES_H

#include <stdbool.h>
#include "runtime/metadata.h"

typedef bool (*nsg_state_source)(struct nsg_container_meta *m, const char *root,
				 const char *sub, const char *id);

bool nsg_state_docker(struct nsg_container_meta *m, const char *root, const char *sub,
		      const char *id);
bool nsg_state_containerd_task(struct nsg_container_meta *m, const char *root, const char *ns,
			       const char *id);
bool nsg_state_storage(struct nsg_container_meta *m, const char *root, const char *sub,
		       const char *id);
bool nsg_state_runc(struct nsg_container_meta *m, const char *root, const char *sub,
		    const char *id);
bool nsg_state_crun(struct nsg_container_meta *m, const char *root, const char *sub,
		    const char *id);

/*
 * A bundle that is a containers/storage userdata dir (podman, CRI-O, whatever
 * storage root they were given) leads to that store's containers.json, the
 * only file with podman's container name and image. Fills m's empty fields.
 */
void nsg_state_storage_bundle(struct nsg_container_meta *m, const char *bundle, const char *id);

#endif
