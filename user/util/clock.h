/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The clock the kernel stamps events with (clock.c). */
#ifndef NSGUARD_CLOCK_H
#define NSGUARD_CLOCK_H

#include <stdint.h>

/* CLOCK_BOOTTIME in ns: the kernel's event clock, which keeps counting through suspend. */
uint64_t nsg_boottime_ns(void);

#endif
