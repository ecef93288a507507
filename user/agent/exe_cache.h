/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Executable paths for events that carry none from the kernel (setns,
 * ns_create): /proc/PID/exe read once per process. Keyed by (pid, start
 * time, exec count): a recycled PID or a new exec never sees a stale path.
 * Each path takes its own length, not PATH_MAX: a 1024-slot table of fixed
 * 4 KiB paths grew the agent's RSS by 4 MiB as PIDs touched its pages.
 */
#ifndef NSGUARD_EXE_CACHE_H
#define NSGUARD_EXE_CACHE_H

#include <stdint.h>

#define NSG_EXE_CACHE_SLOTS 1024

struct nsg_exe_slot {
	uint32_t pid;
	uint64_t start_boot_ns;
	uint64_t exec_id;
	char *path;  /* NULL: none (process gone, kernel thread) */
};

struct nsg_exe_cache {
	struct nsg_exe_slot *slots;
};

int nsg_exe_cache_init(struct nsg_exe_cache *c);
void nsg_exe_cache_free(struct nsg_exe_cache *c);
/* Path or NULL (process gone, kernel thread). Matches nsg_format_ctx.exe_of. */
const char *nsg_exe_cache_lookup(void *cache, uint32_t pid, uint64_t start_boot_ns,
				 uint64_t exec_id);

#endif
