/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * S6 and `nsguard scan`: the containers running now, found from /proc and
 * cgroups with the same classifier as the kernel side, whatever the runtime.
 */
#ifndef NSGUARD_PROCSCAN_H
#define NSGUARD_PROCSCAN_H

#include <stddef.h>
#include <stdint.h>
#include "container/cgroupmode.h"
#include "container/container.h"
#include "container/hostns.h"

struct nsg_scanned_container {
	struct nsg_cgroup_identity ident;
	char cgroup_path[512];    /* of its first process seen */
	uint32_t host_ns_mask;    /* union over its processes */
	uint32_t nprocs;
	uint32_t nprocs_host_ns[NSG_NS_TYPES]; /* processes sharing each type */
	int first_pid;
	uint32_t ns_inum[NSG_NS_TYPES]; /* of first_pid */
};

struct nsg_scan {
	struct nsg_scanned_container *items;
	size_t count, cap;
};

/* Scans /proc. Returns 0, or -1 when /proc cannot be read. */
int nsg_scan_proc(const struct nsg_cgroup_mode *mode, const struct nsg_hostns *host,
		  struct nsg_scan *out);
void nsg_scan_free(struct nsg_scan *s);
/* Containers that share the host IPC or PID namespace. */
size_t nsg_scan_violations(const struct nsg_scan *s);

#endif
