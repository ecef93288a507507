// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * S1/S2: a container task that execs while sharing the host IPC or PID
 * namespace. Every exec is checked, the entrypoint's and every later
 * `exec` session's, because a runtime may join namespaces before any exec.
 *
 * Runtimes move their init process into the container's cgroup before it
 * enters the container's namespaces, and runc re-executes itself there
 * (its cloned-binary step, exe /dev/fd/N). That exec is the runtime, not the
 * container: the task still shares its mount namespace with a parent that
 * is not a container task. A container task has its own mount namespace or
 * a container parent, so this exemption cannot be reached from inside one.
 */
#include "maps.bpf.h"
#include "identity.bpf.h"
#include "nsinfo.bpf.h"
#include "event.bpf.h"
#include "enforce.bpf.h"
#include <bpf/bpf_tracing.h>

static __always_inline int nsg_is_runtime_bootstrap(struct task_struct *task)
{
	struct task_struct *parent = BPF_CORE_READ(task, real_parent);
	struct nsg_container pc;

	if (BPF_CORE_READ(task, nsproxy, mnt_ns) != BPF_CORE_READ(parent, nsproxy, mnt_ns))
		return 0;
	nsg_task_container(parent, &pc);
	return !pc.is_container;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(nsg_exec, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct nsg_container c;
	__u32 inum[NSG_NS_TYPES] = {};
	struct nsg_event *e;
	__u32 verdict;
	__u64 cgid;

	cgid = nsg_task_container(task, &c);
	if (!c.is_container)
		return 0;
	nsg_task_ns_inums(task, inum);
	if (!(nsg_host_ns_mask(inum) & NSG_VIOLATION_MASK))
		return 0;
	if (nsg_is_runtime_bootstrap(task))
		return 0;
	/* Kill first: a full ring buffer must not delay or prevent it. */
	verdict = nsg_signal_enforce(nsg_host_ns_mask(inum));
	e = nsg_event_reserve(NSG_EV_HOST_NS_EXEC);
	if (!e)
		return 0;
	nsg_event_fill_current(e, NSG_EV_HOST_NS_EXEC, task, cgid, &c);
	e->verdict = verdict;
	bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
