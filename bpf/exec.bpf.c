// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * S1/S2: a container task that execs while sharing the host IPC or PID
 * namespace. Every exec is checked, the entrypoint's and every later
 * `exec` session's, because a runtime may join namespaces before any exec.
 */
#include "maps.bpf.h"
#include "identity.bpf.h"
#include "nsinfo.bpf.h"
#include "event.bpf.h"
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_process_exec")
int BPF_PROG(nsg_exec, struct task_struct *task, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct nsg_container c;
	__u32 inum[NSG_NS_TYPES] = {};
	struct nsg_event *e;
	__u64 cgid;

	cgid = nsg_task_container(task, &c);
	if (!c.is_container)
		return 0;
	nsg_task_ns_inums(task, inum);
	if (!(nsg_host_ns_mask(inum) & NSG_VIOLATION_MASK))
		return 0;
	e = nsg_event_reserve(NSG_EV_HOST_NS_EXEC);
	if (!e)
		return 0;
	nsg_event_fill_current(e, NSG_EV_HOST_NS_EXEC, task, cgid, &c);
	bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
