/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What OCI annotations (and Docker's labels) say of a container, read the
 * same way wherever they come from: the runtime state sources, the OCI
 * hook's state document (oci_state.c). Kubernetes fields come out the same
 * whatever wrote them: containerd's CRI (io.kubernetes.cri.*), CRI-O and
 * dockershim (the kubelet's labels, io.kubernetes.pod.* and
 * io.kubernetes.container.name; io.kubernetes.cri-o.*).
 */
#ifndef NSGUARD_ANNOTATIONS_H
#define NSGUARD_ANNOTATIONS_H

#include <jansson.h>
#include "runtime/metadata.h"

/*
 * Reads the annotations only in the key family of the runtime that wrote
 * them (a pod on CRI-O cannot claim a namespace with containerd's keys).
 * Fills the empty fields of *m: runtime (when the annotations name one),
 * name, pod, image.
 */
void nsg_meta_from_annotations(json_t *annotations, struct nsg_container_meta *m);

/*
 * A state source knows the container: marks m found, names the runtime
 * (the annotations' manager, else `hint`; the first source to find the ID
 * names it), then fills what the annotations say and the bundle.
 */
void nsg_meta_found(struct nsg_container_meta *m, json_t *annotations, const char *hint,
		    const char *bundle);

#endif
