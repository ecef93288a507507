/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The agent's end of nsguard-oci-hook (hook_requests.c). */
#ifndef NSGUARD_HOOK_REQUESTS_H
#define NSGUARD_HOOK_REQUESTS_H

#include <stddef.h>

struct agent;

/* Listens on --hook-socket when it is set. 0, or -1 with err. */
int nsg_hook_requests_open(struct agent *a, char *err, size_t errlen);
/* Answers the requests waiting now; never blocks. */
void nsg_hook_requests_service(struct agent *a);
void nsg_hook_requests_close(struct agent *a);
/* Reports hook calls that found no agent (spooled by nsguard-oci-hook). */
void nsg_hook_requests_report_missed(struct agent *a);

#endif
