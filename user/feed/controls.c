// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "feed/controls.h"
#include "nsguard.h"

#define IPC NSG_BIT(NSG_NS_IPC)
#define PID NSG_BIT(NSG_NS_PID)

/*
 * CIS Docker Benchmark v1.2.0 through v1.5.0 number the host PID and IPC
 * controls 5.15 and 5.16; v1.6.0 added a control before them (5.16, 5.17).
 * Both editions are named: audits run against either. Pod Security
 * Standards' baseline "Host Namespaces" forbids hostPID and hostIPC.
 */
const struct nsg_control nsg_controls[] = {
	{ "cis-docker-1.6.0:5.17", "CIS Docker Benchmark", "v1.6.0", "5.17",
	  "Ensure that the host's IPC namespace is not shared", IPC },
	{ "cis-docker-1.6.0:5.16", "CIS Docker Benchmark", "v1.6.0", "5.16",
	  "Ensure that the host's process namespace is not shared", PID },
	{ "cis-docker-1.2.0:5.16", "CIS Docker Benchmark", "v1.2.0", "5.16",
	  "Ensure that the host's IPC namespace is not shared", IPC },
	{ "cis-docker-1.2.0:5.15", "CIS Docker Benchmark", "v1.2.0", "5.15",
	  "Ensure that the host's process namespace is not shared", PID },
	{ "k8s-pss-baseline:host-namespaces", "Kubernetes Pod Security Standards", "baseline",
	  "Host Namespaces", "Sharing the host namespaces must be disallowed (hostPID, hostIPC)",
	  IPC | PID },
};
const size_t nsg_controls_count = sizeof(nsg_controls) / sizeof(nsg_controls[0]);

size_t nsg_controls_failed(uint32_t mask, const char **ids, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < nsg_controls_count && n < max; i++)
		if (nsg_controls[i].ns_mask & mask)
			ids[n++] = nsg_controls[i].id;
	return n;
}
