// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "agent/exe_cache.h"

int nsg_exe_cache_init(struct nsg_exe_cache *c)
{
	c->slots = calloc(NSG_EXE_CACHE_SLOTS, sizeof(*c->slots));
	return c->slots ? 0 : -1;
}

void nsg_exe_cache_free(struct nsg_exe_cache *c)
{
	free(c->slots);
	c->slots = NULL;
}

const char *nsg_exe_cache_lookup(void *cache, uint32_t pid, uint64_t start_boot_ns,
				 uint64_t exec_id)
{
	struct nsg_exe_cache *c = cache;
	struct nsg_exe_slot *s = &c->slots[pid % NSG_EXE_CACHE_SLOTS];
	char link[64];
	ssize_t n;

	if (s->pid == pid && s->start_boot_ns == start_boot_ns && s->exec_id == exec_id)
		return s->valid ? s->path : NULL;
	s->pid = pid;
	s->start_boot_ns = start_boot_ns;
	s->exec_id = exec_id;
	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	n = readlink(link, s->path, sizeof(s->path) - 1);
	s->valid = n > 0;
	if (s->valid)
		s->path[n] = '\0';
	return s->valid ? s->path : NULL;
}
