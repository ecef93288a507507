/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Hook calls that found no agent: nsguard-oci-hook appends a record beside
 * the hook socket (NSG_HOOK_SPOOL_NAME), the agent reports and removes them
 * when it starts (spool.c).
 */
#ifndef NSGUARD_SPOOL_H
#define NSGUARD_SPOOL_H

#include <stddef.h>
#include <jansson.h>

/* nsguard-oci-hook: one record (time, the container's id and pid, why). Best effort. */
void nsg_spool_append(const char *socket_path, json_t *state, const char *why);
/* The agent: each record's line (newline included) to fn, then the spool is removed. */
void nsg_spool_drain(const char *socket_path, void (*fn)(void *arg, const char *line, size_t len),
		     void *arg);

#endif
