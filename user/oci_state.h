/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What an OCI runtime tells a hook (the state document on stdin: id, pid,
 * bundle, annotations) turned into a container the policy can match: the
 * Kubernetes identity comes from the annotations CRI runtimes write
 * (containerd's io.kubernetes.cri.*, CRI-O's io.kubernetes.*).
 */
#ifndef NSGUARD_OCI_STATE_H
#define NSGUARD_OCI_STATE_H

#include <jansson.h>
#include "cgroupmode.h"
#include "registry.h"

/*
 * Fills *out (strings point into `state`/`config`, valid while they live).
 * Returns 0, or -1 with err set when the state lacks a pid or cgroup.
 */
int nsg_oci_state_container(json_t *state, const struct nsg_cgroup_mode *mode,
			    struct nsg_known_container *out, char *cgroup_buf, size_t cgroup_len,
			    json_t **config, char *err, size_t errlen);

/* The first of `keys` present in the annotations object, or NULL. */
const char *nsg_annotation(json_t *annotations, const char *const *keys);

#endif
