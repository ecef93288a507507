/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What this kernel and environment offer, checked before anything loads:
 * privileges, BTF, ring buffer, the pseudo filesystems, BPF LSM and
 * trampolines. The result is reported in agent_start.
 */
#ifndef NSGUARD_PROBE_H
#define NSGUARD_PROBE_H

#include <stdbool.h>
#include <stddef.h>

/* The kernel's ENOTSUPP, which userspace's errno.h does not name: the
 * trial attach's failure on arm64 before Linux 6.4. */
#define NSG_ENOTSUPP 524

struct nsg_probe {
	char kernel_release[128];
	bool btf;             /* /sys/kernel/btf/vmlinux */
	bool ringbuf;         /* BPF_MAP_TYPE_RINGBUF loads */
	bool lsm_bpf_active;  /* "bpf" in /sys/kernel/security/lsm */
	bool lsm_prog_loads;  /* an lsm/ program loads and attaches */
	bool trampolines;     /* an fentry/ program loads and attaches */
	char lsm_list[256];
	int lsm_load_errno;     /* why the trial load or attach failed (0: both worked) */
	int fentry_load_errno;
	int lsm_bpf_args;       /* arguments of the `bpf` LSM hook (4 from 6.14: `kernel`); -1 unknown */
	const char *mounted[4]; /* filesystems this agent had to mount */
	size_t nmounted;
};

/*
 * Checks privileges, mounts tracefs/securityfs/bpffs when absent and probes
 * features. Returns 0, or -1 with a one-line reason in err when the agent
 * cannot run here (not root, no BTF, no ring buffer).
 */
int nsg_probe_run(struct nsg_probe *p, char *err, size_t errlen);
/* Privilege check alone (used before the scan command reads /proc). */
int nsg_probe_privileges(char *err, size_t errlen);

#endif
