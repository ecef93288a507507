// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Executable paths for events the kernel sends without one (exe_cache.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "agent/exe_cache.h"

int nsg_exe_cache_init(struct nsg_exe_cache *c)
{
	c->slots = calloc(NSG_EXE_CACHE_SLOTS, sizeof(*c->slots));
	return c->slots ? 0 : -1;
}

void nsg_exe_cache_free(struct nsg_exe_cache *c)
{
	for (size_t i = 0; c->slots && i < NSG_EXE_CACHE_SLOTS; i++)
		free(c->slots[i].path);
	free(c->slots);
	c->slots = NULL;
}

const char *nsg_exe_cache_lookup(void *cache, uint32_t pid, uint64_t start_boot_ns,
				 uint64_t exec_id)
{
	struct nsg_exe_cache *c = cache;
	struct nsg_exe_slot *s = &c->slots[pid % NSG_EXE_CACHE_SLOTS];
	char link[64], path[PATH_MAX];
	ssize_t n;

	if (s->pid == pid && s->start_boot_ns == start_boot_ns && s->exec_id == exec_id)
		return s->path;
	s->pid = pid;
	s->start_boot_ns = start_boot_ns;
	s->exec_id = exec_id;
	free(s->path);
	s->path = NULL;
	snprintf(link, sizeof(link), "/proc/%u/exe", pid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n > 0) {
		path[n] = '\0';
		s->path = strdup(path); /* NULL on no memory: no path, as for a gone process */
	}
	return s->path;
}
