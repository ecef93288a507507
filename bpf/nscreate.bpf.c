// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * S5: who creates which namespaces. clone/clone3 show their flags at
 * task_newtask (after copy_namespaces, so the child's nsproxy is final);
 * unshare(2) bypasses that path and is seen at its syscall exit.
 */
#include "maps.bpf.h"
#include "identity.bpf.h"
#include "nsinfo.bpf.h"
#include "event.bpf.h"
#include <bpf/bpf_tracing.h>

/* Inodes of the namespaces a task will hand to its next children. */
static __always_inline void nsg_for_children_inums(struct task_struct *task,
						   __u32 inum[NSG_NS_TYPES])
{
	struct nsproxy *nsp;

	nsg_task_ns_inums(task, inum);
	nsp = BPF_CORE_READ(task, nsproxy);
	if (!nsp)
		return;
	inum[NSG_NS_PID] = BPF_CORE_READ(nsp, pid_ns_for_children, ns.inum);
	inum[NSG_NS_TIME] = BPF_CORE_READ(nsp, time_ns_for_children, ns.inum);
}

static __always_inline void nsg_emit_create(struct task_struct *creator,
					    struct task_struct *holder,
					    __u64 flags, __u32 via, __u32 child_pid,
					    __u32 child_tid)
{
	__u32 inum[NSG_NS_TYPES] = {};
	struct nsg_coalesce_key k;
	struct nsg_container c;
	struct nsg_event *e;
	__u64 cgid;
	int t;

	cgid = nsg_task_container(creator, &c);
	nsg_flow_key(&k, NSG_EV_NS_CREATE, NSG_VERDICT_ALERT, &c);
	e = nsg_event_begin(&k, &c, NSG_EV_NS_CREATE, NSG_CLASS_INFO);
	if (!e)
		return;
	nsg_event_fill_current(e, NSG_EV_NS_CREATE, creator, cgid, &c);
	e->create.clone_flags = flags;
	e->create.via = via;
	e->create.child_pid = child_pid;
	e->create.child_tid = child_tid;
	e->create.created_mask = nsg_ns_mask_of_clone_flags(flags);
	nsg_for_children_inums(holder, inum);
	for (t = 0; t < NSG_NS_TYPES; t++)
		e->create.new_inum[t] =
			(e->create.created_mask & NSG_BIT(t)) ? inum[t] : 0;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/task_newtask")
int BPF_PROG(nsg_clone_newtask, struct task_struct *task, __u64 clone_flags)
{
	if (!(clone_flags & NSG_CLONE_NEW_MASK))
		return 0;
	nsg_emit_create(bpf_get_current_task_btf(), task, clone_flags,
			NSG_CREATE_CLONE, BPF_CORE_READ(task, tgid),
			BPF_CORE_READ(task, pid));
	return 0;
}

static __always_inline void nsg_unshare_begin(__u64 flags)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (flags & NSG_CLONE_NEW_MASK)
		bpf_map_update_elem(&pending_unshare, &pid_tgid, &flags, BPF_ANY);
}

static __always_inline void nsg_unshare_end(long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u64 *flags = bpf_map_lookup_elem(&pending_unshare, &pid_tgid);

	if (!flags)
		return;
	if (ret == 0)
		nsg_emit_create(task, task, *flags, NSG_CREATE_UNSHARE, 0, 0);
	bpf_map_delete_elem(&pending_unshare, &pid_tgid);
}

/* Tracepoints or trampolines, as for setns (see setns.bpf.c). */
SEC("tracepoint/syscalls/sys_enter_unshare")
int nsg_tp_unshare_enter(struct trace_event_raw_sys_enter *ctx)
{
	nsg_unshare_begin(ctx->args[0]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_unshare")
int nsg_tp_unshare_exit(struct trace_event_raw_sys_exit *ctx)
{
	nsg_unshare_end(ctx->ret);
	return 0;
}

SEC("fentry/" NSG_SYSCALL_PREFIX "sys_unshare")
int BPF_PROG(nsg_tr_unshare_enter, const struct pt_regs *regs)
{
	nsg_unshare_begin(PT_REGS_PARM1_CORE_SYSCALL(regs));
	return 0;
}

SEC("fexit/" NSG_SYSCALL_PREFIX "sys_unshare")
int BPF_PROG(nsg_tr_unshare_exit, const struct pt_regs *regs, long ret)
{
	nsg_unshare_end(ret);
	return 0;
}
