/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy decision, made in the kernel at the hook: which of the host
 * namespaces a task shares (or targets) are reported, which an allowlist
 * rule allows, and which are blocked. Userspace keeps the inputs current:
 * policy_cfg (per-type actions), exempt_cgroups (allowlisted containers,
 * written before their first exec by the OCI hook path), exempt_exes.
 */
#ifndef NSGUARD_POLICY_BPF_H
#define NSGUARD_POLICY_BPF_H

#include "maps.bpf.h"
#include <bpf/bpf_core_read.h>

struct nsg_decision {
	__u32 reported; /* types the policy reports */
	__u32 allowed;  /* of those, allowed by a rule */
	__u32 blocked;  /* of those, to be stopped (0 in audit mode) */
};

static __always_inline __u64 nsg_policy_now(void)
{
	__u32 zero = 0;
	__u64 *cfg = bpf_map_lookup_elem(&policy_cfg, &zero);

	return cfg ? *(volatile __u64 *)cfg : 0;
}

/* Allowlist by executable path (as execve() got it), or 0. */
static __always_inline __u32 nsg_exe_exempt(const char *filename)
{
	struct nsg_scratch *s;
	__u32 zero = 0, *mask;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	__builtin_memset(s->exe, 0, sizeof(s->exe));
	bpf_probe_read_kernel_str(s->exe, sizeof(s->exe), filename);
	mask = bpf_map_lookup_elem(&exempt_exes, s->exe);
	return mask ? *mask : 0;
}

/* Allowlist of the container, by cgroup. */
static __always_inline __u32 nsg_cgroup_exempt(__u64 cgid)
{
	__u32 *mask = bpf_map_lookup_elem(&exempt_cgroups, &cgid);

	return mask ? *mask : 0;
}

/* Allowlist of the container and of the process (by the exe it runs). */
static __always_inline __u32 nsg_task_exempt(__u64 cgid, __u32 tgid)
{
	__u32 *by_exe = bpf_map_lookup_elem(&exempt_procs, &tgid);

	return nsg_cgroup_exempt(cgid) | (by_exe ? *by_exe : 0);
}

static __always_inline void nsg_decide(__u32 violating, __u32 exempt, struct nsg_decision *d)
{
	__u64 cfg = nsg_policy_now();

	d->reported = violating & NSG_POLICY_REPORT(cfg) & NSG_NS_ALL;
	d->allowed = d->reported & exempt;
	d->blocked = 0;
	if (enforce_tier != NSG_TIER_NONE)
		d->blocked = d->reported & NSG_POLICY_BLOCK(cfg) & ~d->allowed;
}

static __always_inline __u32 nsg_verdict(const struct nsg_decision *d)
{
	if (d->blocked)
		return enforce_tier == NSG_TIER_LSM ? NSG_VERDICT_BLOCKED : NSG_VERDICT_KILLED;
	if (d->allowed && d->allowed == d->reported)
		return NSG_VERDICT_ALLOWED;
	return NSG_VERDICT_ALERT;
}

static __always_inline int nsg_policy_has_exe_rules(void)
{
	return NSG_POLICY_REPORT(nsg_policy_now()) & NSG_POLICY_EXE_RULES;
}

#endif /* NSGUARD_POLICY_BPF_H */
