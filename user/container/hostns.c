// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "container/hostns.h"
#include "feed/names.h"

uint32_t nsg_proc_ns_inum(int pid, const char *name)
{
	char path[64];
	struct stat st;

	if (pid > 0)
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
	else
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	if (stat(path, &st) != 0)
		return 0;
	return (uint32_t)st.st_ino;
}

void nsg_proc_ns_inums(int pid, uint32_t inum[NSG_NS_TYPES])
{
	for (int t = 0; t < NSG_NS_TYPES; t++)
		inum[t] = nsg_proc_ns_inum(pid, nsg_ns_names[t]);
}

static void init_defaults(struct nsg_hostns *h)
{
	memset(h, 0, sizeof(*h));
	h->inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
	h->inum[NSG_NS_PID] = NSG_INIT_PID_INO;
	h->inum[NSG_NS_UTS] = NSG_INIT_UTS_INO;
	h->inum[NSG_NS_CGROUP] = NSG_INIT_CGROUP_INO;
	h->inum[NSG_NS_TIME] = NSG_INIT_TIME_INO;
	h->inum[NSG_NS_USER] = NSG_INIT_USER_INO;
	/* Unreadable on some hosts even for root: then they stay unknown. */
	h->inum[NSG_NS_NET] = nsg_proc_ns_inum(1, "net");
	h->inum[NSG_NS_MNT] = nsg_proc_ns_inum(1, "mnt");
}

int nsg_hostns_init(struct nsg_hostns *h, int host_pid, char *err, size_t errlen)
{
	if (host_pid <= 0) {
		init_defaults(h);
		return 0;
	}
	memset(h, 0, sizeof(*h));
	h->from_pid = host_pid;
	nsg_proc_ns_inums(host_pid, h->inum);
	if (!h->inum[NSG_NS_IPC] || !h->inum[NSG_NS_PID]) {
		snprintf(err, errlen,
			 "--host-ns-pid %d: cannot read /proc/%d/ns/ipc and /proc/%d/ns/pid",
			 host_pid, host_pid, host_pid);
		return -1;
	}
	return 0;
}

uint32_t nsg_hostns_shared(const struct nsg_hostns *h, const uint32_t inum[NSG_NS_TYPES])
{
	uint32_t mask = 0;

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (h->inum[t] && inum[t] == h->inum[t])
			mask |= NSG_BIT(t);
	return mask;
}
