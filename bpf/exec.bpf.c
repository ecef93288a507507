// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * S1/S2: a container task that execs while sharing the host IPC or PID
 * namespace (or another type the policy reports). Every exec is checked,
 * the entrypoint's and every later `exec` session's, because a runtime may
 * join namespaces before any exec. Here the exec has happened: report it,
 * and in the signal tier kill it before its first instruction. (The lsm
 * tier denies earlier, in lsm_block.bpf.c, so a blocked exec never gets
 * here.) Processes running an allowlisted executable are remembered for
 * their later setns() calls.
 */
#include "maps.bpf.h"
#include "exec_policy.bpf.h"
#include "event.bpf.h"
#include "enforce.bpf.h"
#include "policy.bpf.h"
#include <bpf/bpf_tracing.h>

/* The exec decides whether this process runs an allowlisted executable. */
static __always_inline __u32 nsg_track_exe_exemption(const char *filename)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, mask;

	if (!nsg_policy_has_exe_rules())
		return 0;
	mask = nsg_exe_exempt(filename);
	if (mask)
		bpf_map_update_elem(&exempt_procs, &tgid, &mask, BPF_ANY);
	else
		bpf_map_delete_elem(&exempt_procs, &tgid);
	return mask;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(nsg_exec, struct task_struct *task, pid_t old_pid, struct linux_binprm *bprm)
{
	const char *filename = BPF_CORE_READ(bprm, filename);
	struct nsg_coalesce_key k;
	struct nsg_decision d;
	struct nsg_container c;
	struct nsg_event *e;
	__u32 shared, exe_exempt, verdict;
	__u64 cgid;

	shared = nsg_exec_shared_host_ns(task, &c, &cgid);
	exe_exempt = c.is_container ? nsg_track_exe_exemption(filename) : 0;
	if (!shared)
		return 0;
	/* Exemptions follow the identity, never the cgroup the task is in now. */
	nsg_decide(shared, nsg_cgroup_exempt(c.cgroup_id) | exe_exempt, &d);
	if (!d.reported)
		return 0;
	/* Kill first: a full ring buffer must not delay or prevent it. */
	nsg_signal_enforce(&d);
	verdict = nsg_verdict(&d);
	nsg_flow_key(&k, NSG_EV_HOST_NS_EXEC, verdict, &c);
	k.mask = d.reported;
	k.exe_hash = nsg_flow_exe_hash((__u64)filename);
	e = nsg_event_begin(&k, &c, NSG_EV_HOST_NS_EXEC, nsg_event_class(verdict, d.reported));
	if (!e)
		return 0;
	nsg_event_fill_current(e, NSG_EV_HOST_NS_EXEC, task, cgid, &c);
	e->verdict = verdict;
	e->reported_mask = d.reported;
	e->allowed_mask = d.allowed;
	bpf_probe_read_kernel_str(e->exe, sizeof(e->exe), filename);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
