/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Building events: ring-buffer reservation with loss accounting, task header. */
#ifndef NSGUARD_EVENT_BPF_H
#define NSGUARD_EVENT_BPF_H

#include "maps.bpf.h"
#include "nsinfo.bpf.h"
#include "flow.bpf.h"
#include <bpf/bpf_core_read.h>

/* Violations get their own ring: informational floods cannot fill it. */
static __always_inline __u32 nsg_event_class(__u32 verdict, __u32 reported)
{
	if (!reported || verdict == NSG_VERDICT_ALLOWED)
		return NSG_CLASS_INFO;
	return NSG_CLASS_VIOLATION;
}

/*
 * A failed reservation is never silent: it is counted per CPU, class and
 * type. Only exec events carry `exe` (the record's tail); the others are
 * shorter.
 */
static __always_inline struct nsg_event *nsg_event_reserve(__u32 type, __u32 cls)
{
	struct nsg_scratch *s;
	struct nsg_event *e;
	__u32 slot, zero = 0;
	__u64 *lost;

	/*
	 * The class goes through memory on purpose: branching on a value the
	 * verifier can trace back to the namespace masks makes those masks
	 * "precise", and 6.1's verifier then explores every mask combination
	 * (over a million instructions). Read back, it is just a number.
	 */
	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return NULL;
	s->event_class = cls;
	cls = *(volatile __u32 *)&s->event_class;
	if (cls == NSG_CLASS_VIOLATION) {
		if (type == NSG_EV_HOST_NS_EXEC)
			e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
		else
			e = bpf_ringbuf_reserve(&events, NSG_EVENT_SIZE_NO_EXE, 0);
		if (e)
			ring_avail_bytes = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	} else {
		if (type == NSG_EV_HOST_NS_EXEC)
			e = bpf_ringbuf_reserve(&info_events, sizeof(*e), 0);
		else
			e = bpf_ringbuf_reserve(&info_events, NSG_EVENT_SIZE_NO_EXE, 0);
	}
	if (e)
		return e;
	slot = NSG_DROP_SLOT(cls & 1, NSG_EV_INDEX(type));
	lost = bpf_map_lookup_elem(&drops, &slot);
	if (lost)
		*lost += 1;
	return NULL;
}

/*
 * The one way to a ring buffer: through the flow gate (coalescing and the
 * container's budget), then the reservation; every event gets exactly one
 * outcome in its container's counters. NULL: nothing to fill.
 */
static __always_inline struct nsg_event *nsg_event_begin(struct nsg_coalesce_key *k,
							 struct nsg_container *c, __u32 type,
							 __u32 cls)
{
	struct nsg_event *e;

	if (!nsg_flow_admit(k, &c->origin, cls))
		return NULL;
	/* `type`, not k->type: the verifier must see the constant to size the record. */
	e = nsg_event_reserve(type, cls);
	nsg_flow_count(k, cls, e ? NSG_FLOW_QUEUED : NSG_FLOW_DROPPED);
	return e;
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
	e->container_cgroup_id = c->cgroup_id;
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
