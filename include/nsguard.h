/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Definitions shared by the BPF programs and the userspace agent: the event
 * record written to the ring buffer, its enums and the namespace type set.
 */
#ifndef NSGUARD_H
#define NSGUARD_H

#ifndef __VMLINUX_H__ /* userspace: BPF code gets these types from vmlinux.h */
#include <linux/types.h>
#endif

#define NSG_COMM_LEN 16
#define NSG_EXE_LEN 256
#define NSG_CONTAINER_ID_LEN 64
#define NSG_NS_TYPES 8

/* Initial namespaces have fixed inode numbers (include/linux/proc_ns.h). */
#define NSG_INIT_IPC_INO 0xEFFFFFFFU
#define NSG_INIT_UTS_INO 0xEFFFFFFEU
#define NSG_INIT_USER_INO 0xEFFFFFFDU
#define NSG_INIT_PID_INO 0xEFFFFFFCU
#define NSG_INIT_CGROUP_INO 0xEFFFFFFBU
#define NSG_INIT_TIME_INO 0xEFFFFFFAU

/*
 * Namespace types in one fixed order, used as array index in every event
 * (`ns[]`) and as bit number in masks. Userspace names them in nsg_ns_names.
 */
enum nsg_ns_type {
	NSG_NS_IPC = 0,
	NSG_NS_PID,
	NSG_NS_NET,
	NSG_NS_UTS,
	NSG_NS_MNT,
	NSG_NS_CGROUP,
	NSG_NS_TIME,
	NSG_NS_USER,
};

#define NSG_BIT(t) (1U << (t))
/* The namespace types whose sharing with the host is a violation. */
#define NSG_VIOLATION_MASK (NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID))

/* CLONE_NEW* flags (uapi/linux/sched.h), repeated because vmlinux.h has no macros. */
#define NSG_CLONE_NEWTIME 0x00000080U
#define NSG_CLONE_NEWNS 0x00020000U
#define NSG_CLONE_NEWCGROUP 0x02000000U
#define NSG_CLONE_NEWUTS 0x04000000U
#define NSG_CLONE_NEWIPC 0x08000000U
#define NSG_CLONE_NEWUSER 0x10000000U
#define NSG_CLONE_NEWPID 0x20000000U
#define NSG_CLONE_NEWNET 0x40000000U
#define NSG_CLONE_NEW_MASK                                                     \
	(NSG_CLONE_NEWTIME | NSG_CLONE_NEWNS | NSG_CLONE_NEWCGROUP |           \
	 NSG_CLONE_NEWUTS | NSG_CLONE_NEWIPC | NSG_CLONE_NEWUSER |             \
	 NSG_CLONE_NEWPID | NSG_CLONE_NEWNET)

enum nsg_event_type {
	NSG_EV_HOST_NS_EXEC = 1,
	NSG_EV_SETNS,
	NSG_EV_NS_CREATE,
	NSG_EV_TAMPER, /* an attempt on nsguard itself (self_protect.bpf.c) */
	NSG_EV_MAX, /* kernel-side event types end here */
};

/* An event type as an array index: out-of-range types count as 0 (unused). */
#define NSG_EV_INDEX(t) ((t) < NSG_EV_MAX ? (t) : 0)

enum nsg_verdict {
	NSG_VERDICT_ALERT = 0,
	NSG_VERDICT_BLOCKED,
	NSG_VERDICT_KILLED,
	NSG_VERDICT_ALLOWED,
};

/* How violations are stopped; chosen at start-up by the feature probe. */
enum nsg_tier {
	NSG_TIER_NONE = 0, /* report only */
	NSG_TIER_SIGNAL,   /* SIGKILL from the tracepoint, before user code runs */
	NSG_TIER_LSM,      /* -EPERM from BPF LSM hooks; the task lives */
};

/* How a setns() named its target. */
enum nsg_setns_via {
	NSG_VIA_UNKNOWN = 0, /* fd was neither nsfs nor pidfd: setns fails */
	NSG_VIA_NSFS,
	NSG_VIA_PIDFD,
};

/* Which syscall created namespaces. */
enum nsg_create_via {
	NSG_CREATE_CLONE = 1, /* clone, clone3, fork paths: seen at task_newtask */
	NSG_CREATE_UNSHARE,
};

struct nsg_setns_info {
	__s32 fd;
	__u32 flags;         /* nstype argument as passed */
	__u32 via;           /* enum nsg_setns_via */
	__u32 target_mask;   /* namespace types the call targets */
	__u32 target_host;   /* subset of target_mask that are host namespaces */
	__s32 result;        /* syscall return value */
	__u32 target_inum[NSG_NS_TYPES];
};

struct nsg_create_info {
	__u64 clone_flags;
	__u32 via;           /* enum nsg_create_via */
	__u32 child_pid;     /* clone: new task's tgid; unshare: 0 */
	__u32 child_tid;
	__u32 created_mask;  /* namespace types created */
	__u32 new_inum[NSG_NS_TYPES];
};

/* What a `tamper` event's caller tried (the kernel hook that saw it). */
enum nsg_tamper_op {
	NSG_TAMPER_BPF = 1, /* obtain one of nsguard's BPF objects: cmd is the bpf() command */
	NSG_TAMPER_SIGNAL,  /* signal the agent: cmd is the signal */
	NSG_TAMPER_PTRACE,  /* attach to the agent (ptrace, process_vm_*, pidfd_getfd, /proc/PID/mem) */
};

/* Kinds of object in `self_objs` and in a `tamper` event. */
enum nsg_obj_kind {
	NSG_OBJ_MAP = 1,
	NSG_OBJ_PROG,
	NSG_OBJ_LINK,
	NSG_OBJ_AGENT, /* the agent process itself: obj_id is its pid */
};

#define NSG_OBJ_NAME_LEN 16 /* BPF_OBJ_NAME_LEN */

struct nsg_tamper_info {
	__u32 op;       /* enum nsg_tamper_op */
	__u32 cmd;      /* bpf command, signal number or ptrace access mode */
	__u32 obj_kind; /* enum nsg_obj_kind */
	__u32 obj_id;   /* BPF object ID, or the agent's pid */
	char obj_name[NSG_OBJ_NAME_LEN];
};

/* Map `self_objs`: nsguard's own BPF objects, written by the agent. */
struct nsg_self_obj_key {
	__u32 kind; /* enum nsg_obj_kind */
	__u32 id;
};

struct nsg_self_obj {
	char name[NSG_OBJ_NAME_LEN];
};

#define NSG_SELF_OBJS_MAX 256

#define NSG_AGENT_TIDS 8

/* Map `self_cfg`: who the agent is; zero until the agent has said. */
struct nsg_self_cfg {
	__u32 agent_tgid;        /* in the initial PID namespace; 0: unknown */
	__u32 agent_tids[NSG_AGENT_TIDS]; /* its threads (ptrace names threads) */
	__u32 pad;
	__u64 agent_start_ticks; /* its start time, clock ticks after boot (/proc/PID/stat) */
	__u64 agent_container;   /* the identity cgroup of the agent's own container; 0: host */
};

struct nsg_event {
	__u64 ts_boot_ns;    /* bpf_ktime_get_boot_ns() */
	__u64 cgroup_id;
	__u64 start_boot_ns; /* process start time: with pid, a unique key */
	__u64 exec_id;       /* task->self_exec_id: changes on every exec */
	__u64 container_cgroup_id; /* the cgroup of the task's container (its identity); 0: host */
	__u32 type;          /* enum nsg_event_type */
	__u32 verdict;       /* enum nsg_verdict */
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 host_ns_mask;  /* namespace types shared with the host */
	__u32 reported_mask; /* of those (or of setns targets), the ones policy reports */
	__u32 allowed_mask;  /* of the reported ones, the ones an allowlist rule allows */
	__u32 is_container;
	__u32 ns_inum[NSG_NS_TYPES];
	char comm[NSG_COMM_LEN];
	char container_id[NSG_CONTAINER_ID_LEN + 1];
	union {
		struct nsg_setns_info setns;
		struct nsg_create_info create;
		struct nsg_tamper_info tamper;
	};
	/*
	 * Exec events only: the path given to execve. Last, so that the other
	 * events reserve NSG_EVENT_SIZE_NO_EXE and the ring holds twice as many.
	 */
	char exe[NSG_EXE_LEN];
};

#define NSG_EVENT_SIZE_NO_EXE __builtin_offsetof(struct nsg_event, exe)

/* Queue `removed_cgroups`: a container's cgroup was removed; the agent forgets it. */
struct nsg_removed_cgroup {
	__u64 cgroup_id;
	char id[NSG_CONTAINER_ID_LEN];
};

/* policy_cfg map value: reported types in the low half, blocked types in the high. */
#define NSG_POLICY_REPORT(v) ((__u32)(v))
#define NSG_POLICY_BLOCK(v) ((__u32)((v) >> 32))
#define NSG_POLICY_PACK(report, block) ((__u64)(report) | ((__u64)(block) << 32))
/* Flag in the report half: executable rules exist, so execs must look them up. */
#define NSG_POLICY_EXE_RULES (1U << 16)
#define NSG_NS_ALL ((1U << NSG_NS_TYPES) - 1)
#define NSG_EXEMPT_CGROUPS_MAX 16384
#define NSG_EXEMPT_EXES_MAX 1024

/*
 * Events travel in two rings by class, so a flood of informational events
 * (ns_create, benign setns, allowed) cannot crowd out a violation (alert,
 * blocked, killed).
 */
enum nsg_event_class {
	NSG_CLASS_VIOLATION = 0,
	NSG_CLASS_INFO,
	NSG_CLASSES,
};

/* Ring-buffer reservation failures, per CPU: slot = class * NSG_EV_MAX + type. */
#define NSG_DROP_SLOTS (NSG_CLASSES * NSG_EV_MAX)
#define NSG_DROP_SLOT(cls, type) ((cls) * NSG_EV_MAX + (type))

#endif /* NSGUARD_H */
