/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Between the flow gate's two halves: the summaries (flow_summary.c) walk
 * the kernel's per-container entries and hand a forgotten container's
 * final counts to the accounting (flow_accounting.c). Callers outside the
 * gate use flow_summary.h.
 */
#ifndef NSGUARD_FLOW_ACCOUNTING_H
#define NSGUARD_FLOW_ACCOUNTING_H

#include <stdbool.h>
#include "feed/flow_summary.h"

typedef void nsg_flow_container_fn(void *arg, const struct nsg_flow_id *who, bool overflow,
				   const struct nsg_flow_stats *v);

/* Calls fn for every container entry and the overflow entry. */
void nsg_flow_for_each_container(struct nsg_flow *f, nsg_flow_container_fn *fn, void *arg);
/*
 * A container's entry left the kernel's map with these counts: they stay in
 * the totals, and, when it had anything held back, it is listed once more.
 */
void nsg_flow_retire(struct nsg_flow *f, const struct nsg_flow_id *who,
		     const struct nsg_flow_stats *v);

#endif
