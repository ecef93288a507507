/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What several of the feed's objects write alike: the envelope, namespace
 * lists, `container`, `controls`, the audit-mode verdict. For the schema's
 * own files (schema_*.c) only; everyone else writes through feed_schema.h.
 */
#ifndef NSGUARD_SCHEMA_MEMBERS_H
#define NSGUARD_SCHEMA_MEMBERS_H

#include <stdbool.h>
#include <stdint.h>
#include "feed/feed_schema.h"

/* Opens the object with {"schema","time","event"}; the event's members follow. */
void nsg_schema_envelope(struct nsg_jsonw *w, const char *time, const char *event);
/* The envelope of an agent event: it happens now. */
void nsg_schema_agent_event_begin(struct nsg_jsonw *w, const char *event);
/* The same for an agent event about something wrong: "severity":"violation". */
void nsg_schema_agent_violation_begin(struct nsg_jsonw *w, const char *event);

/* ["ipc","pid"] for a namespace-type mask. */
void nsg_schema_ns_list(struct nsg_jsonw *w, uint32_t mask);
/* {"ipc": inum, ...} for all eight types; null where unknown. */
void nsg_schema_ns_inums(struct nsg_jsonw *w, const uint32_t inum[NSG_NS_TYPES]);
/* {"host_ns_exec": n, ...} over the kernel event types; returns the sum. */
unsigned long long nsg_schema_per_type_counts(struct nsg_jsonw *w,
					      const unsigned long long *counts);

/* "controls": the compliance controls that sharing `mask` fails; left out when none. */
void nsg_schema_controls_member(struct nsg_jsonw *w, uint32_t mask);
/* The `container` member, when the context can tell. */
void nsg_schema_container_member(struct nsg_jsonw *w, const char *id,
				 const struct nsg_feed_ctx *ctx);

/* A verdict as the feed says it: information is judged by nobody ("none"). */
const char *nsg_schema_judged_verdict(uint32_t verdict, bool violation);
/* "enforce_verdict" in audit mode: what enforce mode would have done. */
void nsg_schema_enforce_verdict_member(struct nsg_jsonw *w, const struct nsg_feed_ctx *ctx,
				       uint32_t reported, uint32_t allowed);

/* agent_stats' `flow` (schema_flow.c): null when the counters could not be read. */
void nsg_schema_flow_value(struct nsg_jsonw *w, const struct nsg_feed_flow *f);

#endif
