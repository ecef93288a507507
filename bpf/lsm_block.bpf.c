// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The `lsm` tier: deny with -EPERM where BPF LSM and trampolines exist.
 * The syscall fails, the task lives, and the runtime reports "operation
 * not permitted".
 *
 * exec: lsm/bprm_check_security runs before the new image is committed.
 *
 * setns: there is no LSM hook for setns. The install function of the
 * target namespace (ipcns_install, pidns_install) sees the target; when it
 * is a blocked host namespace and the caller a container task, a mark goes
 * into task storage. The install function's own ns_capable(CAP_SYS_ADMIN)
 * check then reaches lsm/capable, which denies while the mark is set; the
 * fexit removes the mark. Works for /proc/PID/ns fds and pidfds alike.
 *
 * The loader loads these programs (prefix nsg_lsm_) only in enforce mode
 * on the lsm tier.
 */
#include "maps.bpf.h"
#include "identity.bpf.h"
#include "nsinfo.bpf.h"
#include "event.bpf.h"
#include "exec_policy.bpf.h"
#include "policy.bpf.h"
#include <bpf/bpf_tracing.h>

#define NSG_EPERM 1
#define NSG_CAP_SYS_ADMIN 21

SEC("lsm/bprm_check_security")
int BPF_PROG(nsg_lsm_bprm_check, struct linux_binprm *bprm, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	const char *filename = BPF_CORE_READ(bprm, filename);
	struct nsg_coalesce_key k;
	struct nsg_decision d;
	struct nsg_container c;
	struct nsg_event *e;
	__u32 shared, exempt;
	__u64 cgid;

	if (ret)
		return ret;
	shared = nsg_exec_shared_host_ns(task, &c, &cgid);
	if (!shared)
		return 0;
	exempt = nsg_cgroup_exempt(c.cgroup_id);
	if (nsg_policy_has_exe_rules())
		exempt |= nsg_exe_exempt(filename);
	nsg_decide(shared, exempt, &d);
	if (!d.blocked)
		return 0; /* reported, if at all, once the exec is done (exec.bpf.c) */
	nsg_flow_key(&k, NSG_EV_HOST_NS_EXEC, NSG_VERDICT_BLOCKED, &c);
	k.mask = d.reported;
	k.exe_hash = nsg_flow_exe_hash((__u64)filename);
	e = nsg_event_begin(&k, &c, NSG_EV_HOST_NS_EXEC, NSG_CLASS_VIOLATION);
	if (e) {
		nsg_event_fill_current(e, NSG_EV_HOST_NS_EXEC, task, cgid, &c);
		e->verdict = NSG_VERDICT_BLOCKED;
		e->reported_mask = d.reported;
		e->allowed_mask = d.allowed;
		bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), filename);
		bpf_ringbuf_submit(e, 0);
	}
	return -NSG_EPERM;
}

/* Marks current when it is about to install a blocked host namespace. */
static __always_inline void nsg_mark_install(int type, struct ns_common *new)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct nsg_setns_mark *mark;
	struct nsg_decision d;
	struct nsg_container c;

	if (!nsg_is_host_ns(type, BPF_CORE_READ(new, inum)))
		return;
	nsg_task_container(task, &c);
	if (!c.is_container)
		return;
	nsg_decide(NSG_BIT(type), nsg_task_exempt(c.cgroup_id, tgid), &d);
	if (!d.blocked)
		return;
	mark = bpf_task_storage_get(&setns_marks, task, NULL, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (mark)
		mark->deny_mask |= NSG_BIT(type);
}

/* Clears the mark; a denied install is recorded for the setns event. */
static __always_inline void nsg_unmark_install(int type, int ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct nsg_pending_setns *p;
	struct nsg_setns_mark *mark;

	mark = bpf_task_storage_get(&setns_marks, task, NULL, 0);
	if (!mark || !(mark->deny_mask & NSG_BIT(type)))
		return;
	mark->deny_mask &= ~NSG_BIT(type);
	p = bpf_map_lookup_elem(&pending_setns, &pid_tgid);
	if (p && ret == -NSG_EPERM)
		p->blocked |= NSG_BIT(type);
}

SEC("fentry/ipcns_install")
int BPF_PROG(nsg_lsm_ipc_install, struct nsset *nsset, struct ns_common *new)
{
	nsg_mark_install(NSG_NS_IPC, new);
	return 0;
}

SEC("fexit/ipcns_install")
int BPF_PROG(nsg_lsm_ipc_installed, struct nsset *nsset, struct ns_common *new, int ret)
{
	nsg_unmark_install(NSG_NS_IPC, ret);
	return 0;
}

SEC("fentry/pidns_install")
int BPF_PROG(nsg_lsm_pid_install, struct nsset *nsset, struct ns_common *new)
{
	nsg_mark_install(NSG_NS_PID, new);
	return 0;
}

SEC("fexit/pidns_install")
int BPF_PROG(nsg_lsm_pid_installed, struct nsset *nsset, struct ns_common *new, int ret)
{
	nsg_unmark_install(NSG_NS_PID, ret);
	return 0;
}

SEC("lsm/capable")
int BPF_PROG(nsg_lsm_capable, const struct cred *cred, struct user_namespace *ns, int cap,
	     unsigned int opts, int ret)
{
	struct nsg_setns_mark *mark;

	if (ret || cap != NSG_CAP_SYS_ADMIN)
		return ret;
	mark = bpf_task_storage_get(&setns_marks, bpf_get_current_task_btf(), NULL, 0);
	if (mark && mark->deny_mask)
		return -NSG_EPERM;
	return 0;
}
