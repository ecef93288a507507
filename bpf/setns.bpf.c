// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * S3/S4: setns() by a container task. The target is derived from the file
 * behind the fd, never from the nstype argument (crun passes 0): an nsfs
 * inode names one namespace; a pidfd names a task whose namespaces are
 * selected by the flags. Entry records the target, exit adds the result.
 */
#include "maps.bpf.h"
#include "identity.bpf.h"
#include "nsinfo.bpf.h"
#include "event.bpf.h"
#include "enforce.bpf.h"
#include "files.bpf.h"
#include <bpf/bpf_tracing.h>

static __always_inline void nsg_target_from_nsfs(struct file *file,
						 struct nsg_setns_info *info)
{
	struct ns_common *ns = BPF_CORE_READ(file, f_inode, i_private);
	int type = nsg_ns_type_of_clone_flag(nsg_ns_common_type(ns));

	info->via = NSG_VIA_NSFS;
	if (type < 0)
		return;
	info->target_mask = NSG_BIT(type);
	info->target_inum[type & (NSG_NS_TYPES - 1)] = BPF_CORE_READ(ns, inum);
}

static __always_inline void nsg_target_from_pidfd(struct file *file, unsigned long magic,
						  __u32 flags, struct nsg_setns_info *info)
{
	struct pid *pid = nsg_pidfd_pid(file, magic);
	struct task_struct *target = nsg_pid_task(pid);
	__u32 inum[NSG_NS_TYPES] = {};
	int t;

	info->via = NSG_VIA_PIDFD;
	if (!target)
		return;
	info->target_mask = nsg_ns_mask_of_clone_flags(flags);
	nsg_task_ns_inums(target, inum);
	for (t = 0; t < NSG_NS_TYPES; t++)
		if (info->target_mask & NSG_BIT(t))
			info->target_inum[t] = inum[t];
}

static __always_inline void nsg_setns_target(struct task_struct *task, int fd,
					     __u32 flags, struct nsg_setns_info *info)
{
	struct file *file = nsg_fd_file(task, fd);
	unsigned long magic;

	if (!file)
		return;
	magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic);
	if (magic == NSFS_MAGIC)
		nsg_target_from_nsfs(file, info);
	else if (magic == PIDFS_MAGIC ||
		 (magic == ANON_INODE_FS_MAGIC && nsg_is_anon_pidfd(file)))
		nsg_target_from_pidfd(file, magic, flags, info);
}

static __always_inline __u32 nsg_target_host_mask(const struct nsg_setns_info *info)
{
	__u32 mask = 0;
	int t;

	for (t = 0; t < NSG_NS_TYPES; t++)
		if ((info->target_mask & NSG_BIT(t)) &&
		    nsg_is_host_ns(t, info->target_inum[t]))
			mask |= NSG_BIT(t);
	return mask;
}

/* Entry of a setns() call: a container task's target is recorded. */
static __always_inline void nsg_setns_begin(int fd, __u32 flags)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct nsg_pending_setns p = {};
	struct nsg_container c;

	nsg_task_container(task, &c);
	if (!c.is_container)
		return;
	p.info.fd = fd;
	p.info.flags = flags;
	nsg_setns_target(task, fd, flags, &p.info);
	p.info.target_host = nsg_target_host_mask(&p.info);
	bpf_map_update_elem(&pending_setns, &pid_tgid, &p, BPF_ANY);
}

/*
 * What policy says about a finished call. Blocking is what really
 * happened: the lsm tier's denial (recorded by lsm_block.bpf.c), or on the
 * signal tier a successful join of a blocked host namespace.
 */
static __always_inline void nsg_setns_decide(struct task_struct *task,
					     const struct nsg_container *c,
					     const struct nsg_pending_setns *p, int ret,
					     struct nsg_decision *d)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	/* Exemptions follow the identity, never the cgroup the task is in now. */
	nsg_decide(p->info.target_host, nsg_task_exempt(c->cgroup_id, tgid), d);
	if (enforce_tier == NSG_TIER_LSM)
		d->blocked = p->blocked;
	else if (ret != 0)
		d->blocked = 0;
	else
		d->blocked &= nsg_joined_host_ns(task);
}

/* Exit of a recorded setns() call: enforce (signal tier) and report. */
static __always_inline void nsg_setns_end(int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct nsg_pending_setns *p;
	struct nsg_coalesce_key k;
	struct nsg_decision d;
	struct nsg_container c;
	struct nsg_event *e;
	__u32 verdict;
	__u64 cgid;

	p = bpf_map_lookup_elem(&pending_setns, &pid_tgid);
	if (!p)
		return;
	cgid = nsg_task_container(task, &c);
	nsg_setns_decide(task, &c, p, ret, &d);
	/* Kill first: a full ring buffer (or the flow gate) must not delay or prevent it. */
	nsg_signal_enforce(&d);
	verdict = nsg_verdict(&d);
	nsg_flow_key(&k, NSG_EV_SETNS, verdict, &c);
	k.mask = p->info.target_host | p->info.target_mask << 8;
	k.result = ret;
	k.via = p->info.via;
	e = nsg_event_begin(&k, &c, NSG_EV_SETNS, nsg_event_class(verdict, d.reported));
	if (e) {
		nsg_event_fill_current(e, NSG_EV_SETNS, task, cgid, &c);
		e->verdict = verdict;
		e->reported_mask = d.reported;
		e->allowed_mask = d.allowed;
		e->setns = p->info;
		e->setns.result = ret;
		bpf_ringbuf_submit(e, 0);
	}
	bpf_map_delete_elem(&pending_setns, &pid_tgid);
}

/*
 * Two ways in: syscall tracepoints (every kernel), or trampolines on the
 * syscall itself (lsm tier: enabling any syscall tracepoint sends every
 * syscall of every task through the slow path; a trampoline costs only
 * setns). The loader picks one pair by the nsg_tp_/nsg_tr_ name prefix.
 */
SEC("tracepoint/syscalls/sys_enter_setns")
int nsg_tp_setns_enter(struct trace_event_raw_sys_enter *ctx)
{
	nsg_setns_begin((int)ctx->args[0], (__u32)ctx->args[1]);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_setns")
int nsg_tp_setns_exit(struct trace_event_raw_sys_exit *ctx)
{
	nsg_setns_end((int)ctx->ret);
	return 0;
}

SEC("fentry/" NSG_SYSCALL_PREFIX "sys_setns")
int BPF_PROG(nsg_tr_setns_enter, const struct pt_regs *regs)
{
	nsg_setns_begin((int)PT_REGS_PARM1_CORE_SYSCALL(regs),
			(__u32)PT_REGS_PARM2_CORE_SYSCALL(regs));
	return 0;
}

SEC("fexit/" NSG_SYSCALL_PREFIX "sys_setns")
int BPF_PROG(nsg_tr_setns_exit, const struct pt_regs *regs, long ret)
{
	nsg_setns_end((int)ret);
	return 0;
}
