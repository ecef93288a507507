// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/grow.h"
#include "container/procscan.h"

static struct nsg_scanned_container *find_or_add(struct nsg_scan *s, const char *id)
{
	struct nsg_scanned_container *c;
	void *p;

	for (size_t i = 0; i < s->count; i++)
		if (strcmp(s->items[i].ident.id, id) == 0)
			return &s->items[i];
	p = nsg_grow(s->items, &s->cap, s->count + 1, sizeof(*s->items), 16);
	if (!p)
		return NULL;
	s->items = p;
	c = &s->items[s->count++];
	memset(c, 0, sizeof(*c));
	return c;
}

static void add_process(struct nsg_scan *s, const struct nsg_hostns *host, int pid,
			const struct nsg_cgroup_identity *ident, const char *path)
{
	uint32_t inum[NSG_NS_TYPES], shared;
	struct nsg_scanned_container *c;

	nsg_proc_ns_inums(pid, inum);
	if (!inum[NSG_NS_IPC] && !inum[NSG_NS_PID])
		return; /* exited meanwhile */
	c = find_or_add(s, ident->id);
	if (!c)
		return;
	if (!c->nprocs) {
		c->ident = *ident;
		c->first_pid = pid;
		memcpy(c->ns_inum, inum, sizeof(inum));
		snprintf(c->cgroup_path, sizeof(c->cgroup_path), "%s", path);
	}
	c->nprocs++;
	shared = nsg_hostns_shared(host, inum);
	c->host_ns_mask |= shared;
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (shared & NSG_BIT(t))
			c->nprocs_host_ns[t]++;
}

static int pid_of(const char *name)
{
	for (const char *p = name; *p; p++)
		if (!isdigit((unsigned char)*p))
			return -1;
	return atoi(name);
}

int nsg_scan_proc(const struct nsg_cgroup_mode *mode, const struct nsg_hostns *host,
		  struct nsg_scan *out)
{
	DIR *d = opendir("/proc");
	struct dirent *de;

	memset(out, 0, sizeof(*out));
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct nsg_cgroup_identity ident;
		int pid = pid_of(de->d_name);
		char path[512];

		if (pid <= 0 || nsg_proc_cgroup_path(mode, pid, path, sizeof(path)))
			continue;
		if (nsg_cgroup_path_identity(path, &ident))
			add_process(out, host, pid, &ident, path);
	}
	closedir(d);
	return 0;
}

void nsg_scan_free(struct nsg_scan *s)
{
	free(s->items);
	memset(s, 0, sizeof(*s));
}

size_t nsg_scan_violations(const struct nsg_scan *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->count; i++)
		if (s->items[i].host_ns_mask & NSG_VIOLATION_MASK)
			n++;
	return n;
}
