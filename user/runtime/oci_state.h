/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an OCI runtime tells a hook (the state document on stdin: id, pid,
 * bundle, annotations) turned into a container the policy can match: the
 * Kubernetes identity comes from the annotations CRI runtimes write, read
 * by annotations.h's nsg_meta_from_annotations (containerd's io.kubernetes.cri.*,
 * CRI-O's io.kubernetes.*, each only for its own runtime).
 */
#ifndef NSGUARD_OCI_STATE_H
#define NSGUARD_OCI_STATE_H

#include <jansson.h>
#include "container/cgroupmode.h"
#include "runtime/metadata.h"
#include "container/registry.h"

/*
 * Fills *out; its strings point into *meta and cgroup_buf, valid while
 * they live. Returns 0, or -1 with err set when the state lacks a pid or
 * cgroup.
 */
int nsg_oci_state_container(json_t *state, const struct nsg_cgroup_mode *mode,
			    struct nsg_known_container *out, struct nsg_container_meta *meta,
			    char *cgroup_buf, size_t cgroup_len, json_t **config, char *err,
			    size_t errlen);

/* The first of `keys` present in the annotations object, or NULL. */
const char *nsg_annotation(json_t *annotations, const char *const *keys);

#endif
