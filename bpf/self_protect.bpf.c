// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nsguard protects itself. A container that can escape with setns() has
 * CAP_SYS_ADMIN, and with it bpf(): it could find nsguard's maps by ID and
 * zero the policy, or signal or ptrace the agent. Every such attempt by a
 * container task is a `tamper` violation, in audit mode too:
 *
 *   obtain one of nsguard's BPF objects   the bpf() command (*_GET_FD_BY_ID)
 *                                          and the object itself (any way to
 *                                          a map or program fd: by ID, by pin)
 *   signal the agent                       task_kill (kill, tgkill, pidfd, ...)
 *   attach to the agent                    ptrace_access_check in ATTACH mode
 *                                          (ptrace, process_vm_*, pidfd_getfd,
 *                                          /proc/PID/mem)
 *
 * On the `lsm` tier these are BPF LSM hooks (nsg_guard_lsm_*), which deny
 * with -EPERM when enforcing. Elsewhere tracepoints see the same attempts
 * (nsg_guard_tp_*) and kill the caller when enforcing on the `signal` tier;
 * the kernel completes that one call. What is nsguard's comes from the agent
 * (maps self_objs and self_cfg), never from names a caller could copy.
 *
 * Not guarded: host tasks (host root's own tools: bpftool, nsguard
 * --cleanup; the agent's self-check answers what they change) and the
 * agent's own container (a DaemonSet's pod is the agent).
 */
#include "maps.bpf.h"
#include "identity.bpf.h"
#include "event.bpf.h"
#include "flow.bpf.h"
#include "files.bpf.h"
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define NSG_EPERM 1
#define NSG_SIGKILL 9
/* include/linux/ptrace.h: modes that give control of the target, not a look at it. */
#define NSG_PTRACE_MODE_ATTACH 0x02
/* bpf() commands (uapi/linux/bpf.h enum bpf_cmd), fixed by the ABI. */
#define NSG_BPF_PROG_GET_FD_BY_ID 13
#define NSG_BPF_MAP_GET_FD_BY_ID 14
#define NSG_BPF_LINK_GET_FD_BY_ID 30
/* /proc/PID/stat's start time is in USER_HZ (100) ticks on every architecture. */
#define NSG_NS_PER_USER_TICK 10000000ULL

struct nsg_self_objs_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSG_SELF_OBJS_MAX);
	__type(key, struct nsg_self_obj_key);
	__type(value, struct nsg_self_obj);
} self_objs SEC(".maps");

struct nsg_self_cfg_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsg_self_cfg);
} self_cfg SEC(".maps");

/*
 * By ID, the command hook sees the attempt first and the object hook (which
 * also sees pins) then sees the same one: one attempt, one event. Keyed by
 * pid_tgid: set by the command hook, taken by the object hook.
 */
struct nsg_tamper_seen_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct nsg_self_obj_key);
} tamper_seen SEC(".maps");

static __always_inline struct nsg_self_cfg *nsg_self_cfg(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&self_cfg, &zero);
}

/*
 * 1 when current is a container task that is not the agent's: the callers
 * guarded against. Fills *c and *cgid for the event.
 */
static __always_inline int nsg_guarded_caller(struct task_struct *task, struct nsg_container *c,
					      __u64 *cgid)
{
	struct nsg_self_cfg *cfg = nsg_self_cfg();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;

	if (!cfg || (cfg->agent_tgid && tgid == cfg->agent_tgid))
		return 0;
	*cgid = nsg_task_container(task, c);
	if (!c->is_container)
		return 0;
	return !(cfg->agent_container && c->cgroup_id == cfg->agent_container);
}

/* The agent's process: its pid and start time (a recycled pid starts later). */
static __always_inline int nsg_is_agent(struct task_struct *p)
{
	struct nsg_self_cfg *cfg = nsg_self_cfg();
	__u64 start;

	if (!cfg || !cfg->agent_tgid || BPF_CORE_READ(p, tgid) != cfg->agent_tgid)
		return 0;
	start = BPF_CORE_READ(p, group_leader, start_boottime);
	return start / NSG_NS_PER_USER_TICK == cfg->agent_start_ticks;
}

static __always_inline __u32 nsg_tamper_verdict(void)
{
	if (enforce_tier == NSG_TIER_LSM)
		return NSG_VERDICT_BLOCKED;
	if (enforce_tier == NSG_TIER_SIGNAL)
		return NSG_VERDICT_KILLED;
	return NSG_VERDICT_ALERT;
}

/*
 * What an attempt looks like in the feed. Through the flow gate like every
 * violation: a caller retrying in a loop is one event and a count, keyed by
 * what it tried on which object.
 */
static __always_inline void nsg_tamper_report(struct task_struct *task, struct nsg_container *c,
					      __u64 cgid, const struct nsg_tamper_info *t)
{
	__u32 verdict = nsg_tamper_verdict();
	struct nsg_coalesce_key k;
	struct nsg_event *e;

	nsg_flow_key(&k, NSG_EV_TAMPER, verdict, c);
	k.mask = t->op | t->obj_kind << 8;
	k.result = (__s32)t->cmd;
	k.exe_hash = t->obj_id;
	e = nsg_event_begin(&k, c, NSG_EV_TAMPER, NSG_CLASS_VIOLATION);
	if (!e)
		return;
	nsg_event_fill_current(e, NSG_EV_TAMPER, task, cgid, c);
	e->verdict = verdict;
	__builtin_memcpy(&e->tamper, t, sizeof(e->tamper));
	bpf_ringbuf_submit(e, 0);
}

/*
 * One attempt by current on (kind, id); `found` is the object when it is
 * nsguard's. Returns 1 when the caller is guarded against: then killed on
 * the signal tier when enforcing, and reported unless `quiet`.
 */
static __always_inline int nsg_tamper(__u32 op, __u32 cmd, __u32 kind, __u32 id,
				      const struct nsg_self_obj *found, int quiet)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct nsg_tamper_info t = { .op = op, .cmd = cmd, .obj_kind = kind, .obj_id = id };
	struct nsg_container c;
	__u64 cgid = 0;

	if (!nsg_guarded_caller(task, &c, &cgid))
		return 0;
	/* Kill first: a full ring buffer must not delay or prevent it. */
	if (enforce_tier == NSG_TIER_SIGNAL)
		bpf_send_signal(NSG_SIGKILL);
	if (quiet)
		return 1;
	if (found)
		__builtin_memcpy(t.obj_name, found->name, sizeof(t.obj_name));
	nsg_tamper_report(task, &c, cgid, &t);
	return 1;
}

/*
 * nsguard's object (kind, id): from the command hook (cmd: *_GET_FD_BY_ID)
 * or from the object hooks (cmd 0: by pin, or by an ID whose command was
 * already told: then only the decision is made again, not the report).
 */
static __always_inline int nsg_tamper_obj(__u32 cmd, __u32 kind, __u32 id)
{
	struct nsg_self_obj_key key = { .kind = kind, .id = id }, *seen;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct nsg_self_obj *obj;
	int told = 0;

	if (!id)
		return 0;
	obj = bpf_map_lookup_elem(&self_objs, &key);
	if (!obj)
		return 0;
	if (cmd) {
		/* (Denied here on the lsm tier: no object hook follows.) */
		if (enforce_tier != NSG_TIER_LSM)
			bpf_map_update_elem(&tamper_seen, &pid_tgid, &key, BPF_ANY);
	} else {
		seen = bpf_map_lookup_elem(&tamper_seen, &pid_tgid);
		if (seen && seen->kind == kind && seen->id == id) {
			bpf_map_delete_elem(&tamper_seen, &pid_tgid);
			told = 1;
		}
	}
	return nsg_tamper(NSG_TAMPER_BPF, cmd, kind, id, obj, told);
}

/* The kind of object a *_GET_FD_BY_ID command opens; 0 for other commands. */
static __always_inline __u32 nsg_kind_by_id_cmd(int cmd)
{
	switch (cmd) {
	case NSG_BPF_MAP_GET_FD_BY_ID:
		return NSG_OBJ_MAP;
	case NSG_BPF_PROG_GET_FD_BY_ID:
		return NSG_OBJ_PROG;
	case NSG_BPF_LINK_GET_FD_BY_ID:
		return NSG_OBJ_LINK;
	}
	return 0;
}

/* bpf(): by ID is the way in for a container (pins live in the host's bpffs). */
static __always_inline int nsg_tamper_bpf_cmd(int cmd, union bpf_attr *attr)
{
	__u32 kind = nsg_kind_by_id_cmd(cmd);

	/* map_id, prog_id and link_id share one union member. */
	return kind ? nsg_tamper_obj((__u32)cmd, kind, BPF_CORE_READ(attr, map_id)) : 0;
}

static __always_inline int nsg_tamper_signal(struct task_struct *p, int sig)
{
	if (!sig || !nsg_is_agent(p)) /* signal 0 only asks whether the agent lives */
		return 0;
	return nsg_tamper(NSG_TAMPER_SIGNAL, (__u32)sig, NSG_OBJ_AGENT, BPF_CORE_READ(p, tgid), NULL, 0);
}

static __always_inline int nsg_tamper_ptrace(struct task_struct *child, unsigned int mode)
{
	/* Reads (ps, /proc/PID/environ) are not control; only ATTACH modes are. */
	if (!(mode & NSG_PTRACE_MODE_ATTACH) || !nsg_is_agent(child))
		return 0;
	return nsg_tamper(NSG_TAMPER_PTRACE, mode, NSG_OBJ_AGENT, BPF_CORE_READ(child, tgid), NULL, 0);
}

/* ---- lsm tier: deny (nsg_guard_lsm_*, loaded on the lsm tier in both modes) ---- */

static __always_inline int nsg_deny_if(int tampered, int ret)
{
	if (ret)
		return ret;
	return tampered && enforce_tier == NSG_TIER_LSM ? -NSG_EPERM : 0;
}

/* security_bpf() gained a `kernel` argument in 6.14: the loader picks the variant. */
SEC("lsm/bpf")
int BPF_PROG(nsg_guard_lsm_bpf, int cmd, union bpf_attr *attr, unsigned int size, int ret)
{
	return nsg_deny_if(!ret && nsg_tamper_bpf_cmd(cmd, attr), ret);
}

SEC("lsm/bpf")
int BPF_PROG(nsg_guard_lsm_bpf_k, int cmd, union bpf_attr *attr, unsigned int size, bool kernel,
	     int ret)
{
	return nsg_deny_if(!ret && nsg_tamper_bpf_cmd(cmd, attr), ret);
}

SEC("lsm/bpf_map")
int BPF_PROG(nsg_guard_lsm_bpf_map, struct bpf_map *map, fmode_t fmode, int ret)
{
	return nsg_deny_if(!ret && nsg_tamper_obj(0, NSG_OBJ_MAP, BPF_CORE_READ(map, id)), ret);
}

SEC("lsm/bpf_prog")
int BPF_PROG(nsg_guard_lsm_bpf_prog, struct bpf_prog *prog, int ret)
{
	return nsg_deny_if(!ret && nsg_tamper_obj(0, NSG_OBJ_PROG, BPF_CORE_READ(prog, aux, id)),
			   ret);
}

SEC("lsm/task_kill")
int BPF_PROG(nsg_guard_lsm_task_kill, struct task_struct *p, struct kernel_siginfo *info, int sig,
	     const struct cred *cred, int ret)
{
	return nsg_deny_if(!ret && nsg_tamper_signal(p, sig), ret);
}

SEC("lsm/ptrace_access_check")
int BPF_PROG(nsg_guard_lsm_ptrace, struct task_struct *child, unsigned int mode, int ret)
{
	return nsg_deny_if(!ret && nsg_tamper_ptrace(child, mode), ret);
}

/* ---- other tiers: report, and kill on the signal tier (nsg_guard_tp_*) ---- */

/*
 * Without BPF LSM (and on kernels without kprobes) the same attempts are seen
 * at tracepoints: the bpf() command at syscall entry, the object by the fd
 * it returned (a pin opened by path), the signal where the kernel generates
 * it, ptrace-style access by the pid or pidfd the caller names.
 */
#define NSG_PTRACE_ATTACH 16
#define NSG_PTRACE_SEIZE 0x4206
/* What ptrace_attach(), process_vm_*() and pidfd_getfd() ask for. */
#define NSG_PTRACE_MODE_ATTACH_REALCREDS 0x0a
/* siginfo codes from the kernel are positive; from user space 0 or negative. */
#define NSG_SEND_SIG_PRIV 1

SEC("tp/syscalls/sys_enter_bpf")
int nsg_guard_tp_bpf(struct trace_event_raw_sys_enter *ctx)
{
	int cmd = (int)ctx->args[0];
	__u32 id = 0, kind = nsg_kind_by_id_cmd(cmd);

	if (!kind)
		return 0;
	/* map_id, prog_id and link_id: the attr's first word. */
	bpf_probe_read_user(&id, sizeof(id), (void *)ctx->args[1]);
	nsg_tamper_obj((__u32)cmd, kind, id);
	return 0;
}

SEC("tp/syscalls/sys_exit_bpf")
int nsg_guard_tp_bpf_fd(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task;
	__u32 id = 0, kind;

	if (ctx->ret <= 0)
		return 0;
	task = bpf_get_current_task_btf();
	kind = nsg_bpf_obj_of_fd(task, (int)ctx->ret, &id);
	if (kind)
		nsg_tamper_obj(0, kind, id);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(nsg_guard_tp_signal, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	/* Signals the kernel makes (timers, SIGCHLD, SIGPIPE) are not an attempt. */
	if ((unsigned long)info <= NSG_SEND_SIG_PRIV || BPF_CORE_READ(info, si_code) > 0)
		return 0;
	nsg_tamper_signal(task, sig);
	return 0;
}

/* A pid the caller named is the agent's: only callers in the initial PID namespace can. */
static __always_inline int nsg_names_agent(__u32 pid)
{
	struct nsg_self_cfg *cfg = nsg_self_cfg();
	struct task_struct *task = bpf_get_current_task_btf();

	if (!cfg || !pid || BPF_CORE_READ(task, thread_pid, level) != 0)
		return 0;
	if (pid == cfg->agent_tgid)
		return 1;
	for (int i = 0; i < NSG_AGENT_TIDS; i++)
		if (cfg->agent_tids[i] && pid == cfg->agent_tids[i])
			return 1;
	return 0;
}

static __always_inline void nsg_tamper_ptrace_pid(__u32 pid)
{
	struct nsg_self_cfg *cfg = nsg_self_cfg();

	if (cfg && nsg_names_agent(pid))
		nsg_tamper(NSG_TAMPER_PTRACE, NSG_PTRACE_MODE_ATTACH_REALCREDS, NSG_OBJ_AGENT,
			   cfg->agent_tgid, NULL, 0);
}

SEC("tp/syscalls/sys_enter_ptrace")
int nsg_guard_tp_ptrace(struct trace_event_raw_sys_enter *ctx)
{
	long request = (long)ctx->args[0];

	if (request == NSG_PTRACE_ATTACH || request == NSG_PTRACE_SEIZE)
		nsg_tamper_ptrace_pid((__u32)ctx->args[1]);
	return 0;
}

SEC("tp/syscalls/sys_enter_process_vm_writev")
int nsg_guard_tp_vm_writev(struct trace_event_raw_sys_enter *ctx)
{
	nsg_tamper_ptrace_pid((__u32)ctx->args[0]);
	return 0;
}

SEC("tp/syscalls/sys_enter_process_vm_readv")
int nsg_guard_tp_vm_readv(struct trace_event_raw_sys_enter *ctx)
{
	nsg_tamper_ptrace_pid((__u32)ctx->args[0]);
	return 0;
}

/* pidfd_getfd() copies a file of the target's: the agent's maps, at once. */
SEC("tp/syscalls/sys_enter_pidfd_getfd")
int nsg_guard_tp_getfd(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *target = nsg_pidfd_task(bpf_get_current_task_btf(), (int)ctx->args[0]);

	if (target && nsg_is_agent(target))
		nsg_tamper(NSG_TAMPER_PTRACE, NSG_PTRACE_MODE_ATTACH_REALCREDS, NSG_OBJ_AGENT,
			   BPF_CORE_READ(target, tgid), NULL, 0);
	return 0;
}
