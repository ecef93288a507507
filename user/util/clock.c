// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The kernel's event clock, for userspace timers that must agree with it. */
#include <time.h>
#include "util/clock.h"

uint64_t nsg_boottime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
