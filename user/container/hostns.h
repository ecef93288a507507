/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which namespaces are "the host's". Default: the initial namespaces, whose
 * inodes are fixed; net and mnt have no fixed inode and are taken from PID 1
 * when readable. `--host-ns-pid PID` takes all eight from that process
 * (nested nodes such as kind, where the node is itself a container).
 */
#ifndef NSGUARD_HOSTNS_H
#define NSGUARD_HOSTNS_H

#include <stdint.h>
#include <linux/types.h>
#include "nsguard.h"

struct nsg_hostns {
	uint32_t inum[NSG_NS_TYPES]; /* 0 = unknown: never matches */
	int from_pid;                /* 0 = initial namespaces */
};

/* Inode of /proc/PID/ns/NAME, or 0 when it cannot be read. */
uint32_t nsg_proc_ns_inum(int pid, const char *name);
/* Inodes of all eight namespaces of PID ("pid" = its active PID ns). */
void nsg_proc_ns_inums(int pid, uint32_t inum[NSG_NS_TYPES]);
/* Fills *h; returns 0, or -1 with err set when PID's namespaces are unreadable. */
int nsg_hostns_init(struct nsg_hostns *h, int host_pid, char *err, size_t errlen);
/* Mask of the namespace types in inum[] that are the host's. */
uint32_t nsg_hostns_shared(const struct nsg_hostns *h, const uint32_t inum[NSG_NS_TYPES]);

#endif
