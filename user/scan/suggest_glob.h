/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The globs of `nsguard scan --suggest-policy`'s rules: a value matched
 * exactly, and a pod's workload (nsg_pod_pattern, in suggest_policy.h).
 */
#ifndef NSGUARD_SUGGEST_GLOB_H
#define NSGUARD_SUGGEST_GLOB_H

/* s as a glob matching exactly s; NULL: out of memory. */
char *nsg_glob_literal(const char *s);
/* nsg_pod_pattern's glob for the pod's workload, allocated; NULL: out of memory. */
char *nsg_pod_glob(const char *pod);

#endif
