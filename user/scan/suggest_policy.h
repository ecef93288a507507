/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `nsguard scan --suggest-policy`: a policy (mode: enforce, ipc and pid
 * blocked) whose allowlist covers the host-namespace containers running
 * now, one rule per workload. Pure: the scan gathers the containers, this
 * only writes the document, and checks it with the policy's own parser and
 * matcher before writing anything.
 */
#ifndef NSGUARD_SUGGEST_POLICY_H
#define NSGUARD_SUGGEST_POLICY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "nsguard.h"

/* What the scan knows of one container; NULL or "" is unknown. */
struct nsg_suggest_input {
	uint32_t host_ns_mask;            /* NSG_BIT(NSG_NS_*); only ipc and pid are considered */
	const char *container_id;         /* 64 hex, shown in comments */
	const char *runtime;              /* "docker", "containerd", "cri-o", ... or NULL */
	const char *kubernetes_namespace; /* NULL when not a Kubernetes pod */
	const char *pod;                  /* pod name, NULL when not Kubernetes */
	const char *container_name;
	const char *image;
};

/*
 * Writes a complete policy document (YAML) for in[0..n) to out. 0, or -1
 * with a one-line reason in err; nothing is written unless the whole
 * document was made, parsed back and found to allow what it should.
 */
int nsg_suggest_policy(FILE *out, const struct nsg_suggest_input *in, size_t n, char *err,
		       size_t errlen);

/*
 * The glob for a pod's workload: the name with the controller's generated
 * suffix replaced by "*" ("node-exporter-7f9c8d6b5-x2kqz" -> "node-exporter-*",
 * "web-0" -> "web-*"), the rest escaped for fnmatch; a name without such a
 * suffix is matched exactly. out is "" when outlen is too small (2 *
 * strlen(pod) + 3 always fits): a cut pattern would match something else.
 */
void nsg_pod_pattern(const char *pod, char *out, size_t outlen);

#endif
