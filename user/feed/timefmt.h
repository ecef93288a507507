/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Event timestamps: kernel boot-clock nanoseconds to RFC 3339 UTC. */
#ifndef NSGUARD_TIMEFMT_H
#define NSGUARD_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define NSG_RFC3339_LEN 40

/* Offset that turns CLOCK_BOOTTIME nanoseconds into CLOCK_REALTIME. */
int64_t nsg_boot_to_realtime_offset(void);
/* "2026-11-23T08:18:28.123456789Z" */
void nsg_format_rfc3339(int64_t realtime_ns, char *buf, size_t len);
/* Now, formatted. */
void nsg_format_now(char *buf, size_t len);

#endif
