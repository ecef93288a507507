/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy as the kernel sees it: per-type actions in policy_cfg,
 * allowlisted executables in exempt_exes, allowlisted containers (by cgroup
 * id) in exempt_cgroups. Written before the hooks attach, and on reload.
 */
#ifndef NSGUARD_POLICY_MAPS_H
#define NSGUARD_POLICY_MAPS_H

#include <stdbool.h>
#include <stdint.h>
#include "nsguard.h"
#include "policy/policy.h"

struct nsguard_bpf;

/* policy_cfg's value for this policy (what nsg_policy_push writes). */
uint64_t nsg_policy_word(const struct nsg_policy *p, bool enforce);
/* exempt_exes' value for a path: the types its rules allow; 0: not listed. */
uint32_t nsg_policy_exe_mask(const struct nsg_policy *p, const char *path);
/* exempt_exes' key for a path: zero-padded, cut to NSG_EXE_LEN - 1 bytes. */
void nsg_policy_exe_key(const char *path, char key[NSG_EXE_LEN]);
/* Returns 0, or -1 with err set (nothing changed when the exe map is full). */
int nsg_policy_push(struct nsguard_bpf *skel, const struct nsg_policy *p, bool enforce,
		    char *err, size_t errlen);
/* mask 0 removes the container's exemption. */
int nsg_exempt_cgroup(struct nsguard_bpf *skel, uint64_t cgid, uint32_t mask);

#endif
