/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the agent says: its own feed lines and its metrics (report.c). */
#ifndef NSGUARD_REPORT_H
#define NSGUARD_REPORT_H

#include <stddef.h>

struct agent;
struct nsg_self_check_finding;

/* The sink (--output, --output-socket) and the metrics endpoint. 0, or -1 with err. */
int nsg_report_open(struct agent *a, char *err, size_t errlen);
void nsg_report_close(struct agent *a);
/* The ring buffers' callback: one kernel event into the feed and the metrics. */
int nsg_report_kernel_event(void *ctx, void *data, size_t size);
/* Audit mode's enforce_verdict, from the tier and the policy's blocked types. */
void nsg_report_set_what_if(struct agent *a);
/* The flow gate's summaries (coalesced, rate_limited) go to the feed. */
void nsg_report_start_flow(struct agent *a);
void nsg_report_agent_start(struct agent *a);
void nsg_report_agent_stats(struct agent *a);
void nsg_report_agent_stop(struct agent *a, const char *why);
/* Metrics stay current between stats lines. */
void nsg_report_refresh_metrics(struct agent *a);
/* policy_reloaded, or policy_error (and a line on stderr) when error is set. */
void nsg_report_policy_event(struct agent *a, const char *error);
/* The self-check's report (struct nsg_self_check_view's callback). */
void nsg_report_tamper(void *arg, const struct nsg_self_check_finding *f);
/* map_full for the flow tables, once each time one fills. */
void nsg_report_full_tables(struct agent *a);
/* S6: the containers already in host namespaces when the agent started. */
void nsg_report_running_containers(struct agent *a);

#endif
