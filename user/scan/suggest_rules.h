/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The rules of `nsguard scan --suggest-policy`: what a container's rule
 * matches on, and the plan: one rule per workload, and for each container
 * its rule or why it gets none.
 */
#ifndef NSGUARD_SUGGEST_RULES_H
#define NSGUARD_SUGGEST_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "scan/suggest_policy.h"

/* One allow entry: the globs it matches on (NULL: not matched on) and the types it allows. */
struct nsg_suggest_rule {
	char *kubernetes_namespace;
	char *pod;
	char *container_name;
	char *image;
	uint32_t ns_mask;
};

/* Which rule each container got (-1: none), and why not. */
struct nsg_suggest_plan {
	struct nsg_suggest_rule *rules;
	size_t nrules;
	long *rule_of;
	const char **why;   /* NULL for a container not considered */
	size_t considered;  /* containers sharing ipc or pid with the host */
	size_t allowed;
};

/* s, or NULL when it is unknown (NULL or ""). */
const char *nsg_suggest_known(const char *s);
/* The plan for in[0..n): 0, or -1: out of memory; to be freed either way. */
int nsg_suggest_plan_build(struct nsg_suggest_plan *pl, const struct nsg_suggest_input *in,
			   size_t n);
void nsg_suggest_plan_free(struct nsg_suggest_plan *pl);

#endif
