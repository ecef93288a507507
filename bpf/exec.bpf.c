// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * S1/S2: a container task that execs while sharing the host IPC or PID
 * namespace. Every exec is checked, the entrypoint's and every later
 * `exec` session's, because a runtime may join namespaces before any exec.
 * Here the exec has happened: report it, and in the signal tier kill it
 * before its first instruction. (The lsm tier denies earlier, in
 * lsm_block.bpf.c, so a blocked exec never reaches this point.)
 */
#include "maps.bpf.h"
#include "exec_policy.bpf.h"
#include "event.bpf.h"
#include "enforce.bpf.h"
#include <bpf/bpf_tracing.h>

SEC("tp_btf/sched_process_exec")
int BPF_PROG(nsg_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	struct nsg_container c;
	struct nsg_event *e;
	__u32 host_mask, verdict;
	__u64 cgid;

	host_mask = nsg_exec_violation(task, &c, &cgid);
	if (!host_mask)
		return 0;
	/* Kill first: a full ring buffer must not delay or prevent it. */
	verdict = nsg_signal_enforce(host_mask);
	e = nsg_event_reserve(NSG_EV_HOST_NS_EXEC);
	if (!e)
		return 0;
	nsg_event_fill_current(e, NSG_EV_HOST_NS_EXEC, task, cgid, &c);
	e->verdict = verdict;
	bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), BPF_CORE_READ(bprm, filename));
	bpf_ringbuf_submit(e, 0);
	return 0;
}
