/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which cgroup hierarchy identifies containers: the v2 (unified) one when
 * it is mounted (pure v2 or hybrid hosts), otherwise one v1 hierarchy.
 * The kernel side and the /proc scan must use the same one.
 */
#ifndef NSGUARD_CGROUPMODE_H
#define NSGUARD_CGROUPMODE_H

#include <stdbool.h>

struct nsg_cgroup_mode {
	bool v2;
	int v1_ssid;                /* v1 subsystem id (kernel's enum) or -1 */
	int hierarchy_id;           /* the kernel's id of the hierarchy: 0 for v2 */
	char v1_controller[32];     /* its name in /proc/PID/cgroup */
	char mount[256];            /* where that hierarchy is mounted */
};

/* Returns 0, or -1 with err set when no usable hierarchy exists. */
int nsg_cgroup_mode_detect(struct nsg_cgroup_mode *m, char *err, size_t errlen);
/*
 * The path of `pid` in the chosen hierarchy, from /proc/PID/cgroup.
 * Returns 0, or -1 when the process is gone or not in it.
 */
int nsg_proc_cgroup_path(const struct nsg_cgroup_mode *m, int pid, char *path, size_t len);

/* Inode of the hierarchy's directory for `path` = the kernel's cgroup id; 0 if gone. */
unsigned long long nsg_cgroup_id_of_path(const struct nsg_cgroup_mode *m, const char *path);
/*
 * The other way: the path (in the hierarchy, "/" for its root) of the cgroup
 * with this id, through the kernel's file handles for cgroupfs. Returns 0,
 * or -1 when it is gone or cannot be opened.
 */
int nsg_cgroup_path_of_id(const struct nsg_cgroup_mode *m, unsigned long long id, char *path,
			  size_t len);

#endif
