/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event feed's schema lives here: kernel records and agent events to
 * JSON objects (README "Event schema"), and the one-line text rendering.
 */
#ifndef NSGUARD_EVENT_FORMAT_H
#define NSGUARD_EVENT_FORMAT_H

#include <stdint.h>
#include <stdio.h>
#include <jansson.h>
#include <linux/types.h>
#include "nsguard.h"
#include "flow_summary.h"
#include "procscan.h"

struct nsg_format_ctx {
	int64_t boot_to_realtime_ns;
	/* Path of the process's executable, or NULL: event-time lookup. */
	const char *(*exe_of)(void *arg, uint32_t pid, uint64_t start_boot_ns, uint64_t exec_id);
	void *exe_arg;
	/* The `container` object for a container ID, or NULL. */
	json_t *(*container_of)(void *arg, const char *id);
	void *container_arg;
};

/* A new event object with "time" (now) and "event" set. */
json_t *nsg_json_agent_event(const char *event);
/* The namespace type an event is mainly about (setns: its `target`), or -1. */
int nsg_event_primary_ns(const struct nsg_event *e);
/* A kernel record as a feed object; NULL on allocation failure. */
json_t *nsg_event_to_json(const struct nsg_event *e, const struct nsg_format_ctx *ctx);
#define NSG_SCHEMA_VERSION 1

/*
 * `host_ns_running` for a container found by the start-up scan: `reported`
 * are the shared types the policy reports, `allowed` those a rule allows.
 */
json_t *nsg_scanned_to_json(const struct nsg_scanned_container *c, uint32_t reported,
			    uint32_t allowed);
/* `coalesced`: the repeats of one violation kind (user/flow.h). */
json_t *nsg_coalesced_to_json(const struct nsg_coalesced *c, const struct nsg_format_ctx *ctx);
/* `rate_limited`: what one container's budget refused; rate and burst as configured. */
json_t *nsg_rate_limited_to_json(const struct nsg_rate_limited *r, unsigned int rate,
				 unsigned int burst, const struct nsg_format_ctx *ctx);
/* agent_stats' `flow`: the outcomes of every event, in total and per container. */
json_t *nsg_flow_accounting_json(const struct nsg_flow_counts *totals,
				 const struct nsg_flow_counts *per, size_t nper, size_t max_listed);
/* ["ipc","pid"] for a namespace-type mask. */
json_t *nsg_json_ns_list(uint32_t mask);
/* {"ipc": inum, ...} for all eight types. */
json_t *nsg_json_ns_inums(const uint32_t inum[NSG_NS_TYPES]);

/* Writes obj as one line of compact JSON. Returns 0 or -1. */
int nsg_write_json_line(FILE *f, const json_t *obj);
/* Writes obj as one human-readable line. Returns 0 or -1. */
int nsg_write_text_line(FILE *f, const json_t *obj);

#endif
