/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Building events: ring-buffer reservation with loss accounting, task header. */
#ifndef NSGUARD_EVENT_BPF_H
#define NSGUARD_EVENT_BPF_H

#include "maps.bpf.h"
#include "nsinfo.bpf.h"
#include <bpf/bpf_core_read.h>

/*
 * A failed reservation is never silent: it is counted per CPU and type.
 * Only exec events carry `exe` (the record's tail); the others are shorter.
 */
static __always_inline struct nsg_event *nsg_event_reserve(__u32 type)
{
	struct nsg_event *e;
	__u64 *lost;

	if (type == NSG_EV_HOST_NS_EXEC)
		e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	else
		e = bpf_ringbuf_reserve(&events, NSG_EVENT_SIZE_NO_EXE, 0);

	if (e) {
		ring_avail_bytes = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
		return e;
	}
	lost = bpf_map_lookup_elem(&drops, &type);
	if (lost)
		*lost += 1;
	return NULL;
}

/* Header of an event about `task`, which is the current task. */
static __always_inline void nsg_event_fill_current(struct nsg_event *e, __u32 type,
						   struct task_struct *task,
						   __u64 cgroup_id,
						   const struct nsg_container *c)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	e->ts_boot_ns = bpf_ktime_get_boot_ns();
	e->type = type;
	e->verdict = NSG_VERDICT_ALERT;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->cgroup_id = cgroup_id;
	e->start_boot_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	e->exec_id = BPF_CORE_READ(task, self_exec_id);
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->is_container = c->is_container;
	__builtin_memcpy(e->container_id, c->id, sizeof(e->container_id));
	__builtin_memset(e->ns_inum, 0, sizeof(e->ns_inum));
	nsg_task_ns_inums(task, e->ns_inum);
	e->host_ns_mask = nsg_host_ns_mask(e->ns_inum);
	e->reported_mask = 0;
	e->allowed_mask = 0;
}

#endif /* NSGUARD_EVENT_BPF_H */
