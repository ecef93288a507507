/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Maps and tunables shared by every BPF program.
 */
#ifndef NSGUARD_MAPS_BPF_H
#define NSGUARD_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "nsguard.h"
#include "container_id.h"
#include "flow.h"
#include "identity.h"

#define NSG_CGROUP_WALK_MAX 16

/* Syscall wrapper symbols carry an arch prefix. */
#if defined(__TARGET_ARCH_x86)
#define NSG_SYSCALL_PREFIX "__x64_"
#elif defined(__TARGET_ARCH_arm64)
#define NSG_SYSCALL_PREFIX "__arm64_"
#else
#error "nsguard: unsupported __TARGET_ARCH"
#endif
#define NSG_PENDING_MAX 16384
#define NSG_CONTAINER_CACHE_MAX 8192

/* A setns() seen at syscall entry, completed at exit. */
struct nsg_pending_setns {
	struct nsg_setns_info info;
	__u32 blocked; /* namespace types the lsm tier denied during the call */
};

/* lsm tier: set while current is inside an install of a blocked host ns. */
struct nsg_setns_mark {
	__u32 deny_mask;
};

struct nsg_setns_marks_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct nsg_setns_mark);
};

struct nsg_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22); /* userspace resizes: --ring-size */
};

struct nsg_info_events_map {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* userspace resizes: --info-ring-size */
};

struct nsg_drops_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NSG_DROP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
};

/* Task identities: created at fork, entry into a container's cgroup, first sight. */
struct nsg_identities_map {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct nsg_container);
};

struct nsg_removed_cgroups_map {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, NSG_EXEMPT_CGROUPS_MAX); /* userspace resizes: --max-containers */
	__type(value, struct nsg_removed_cgroup);
};

struct nsg_container_cache_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NSG_CONTAINER_CACHE_MAX);
	__type(key, __u64); /* cgroup id: never reused while the system runs */
	__type(value, struct nsg_container);
};

/*
 * Per-CPU room for what would not fit a program's 512-byte stack (6.1's
 * verifier adds a caller's and a global function's stacks together).
 */
struct nsg_scratch {
	char cgname[NSG_CGNAME_MAX];
	char exe[NSG_EXE_LEN]; /* zero-padded key for exempt_exes */
	__u32 event_class;     /* see nsg_event_reserve() */
	struct nsg_container parent;   /* exec_policy.bpf.h: the exec's parent */
	struct nsg_coalesce_key flow_key; /* flow.bpf.c: the caller's key, as a map key */
	struct nsg_flow_id flow_who;      /* ... and the entries events are charged to */
	struct nsg_flow_id flow_payer;
};

struct nsg_scratch_map {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsg_scratch);
};

struct nsg_pending_setns_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSG_PENDING_MAX);
	__type(key, __u64); /* pid_tgid */
	__type(value, struct nsg_pending_setns);
};

/* The live policy (one __u64, so a reload swaps it in one store). */
struct nsg_policy_cfg_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};

/* Allowlisted containers, by cgroup id: namespace types they may share. */
struct nsg_exempt_cgroups_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSG_EXEMPT_CGROUPS_MAX); /* userspace resizes: --max-containers */
	__type(key, __u64);
	__type(value, __u32);
};

/* Allowlisted executables, by exact path as execve() got it. */
struct nsg_exempt_exes_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSG_EXEMPT_EXES_MAX);
	__type(key, char[NSG_EXE_LEN]);
	__type(value, __u32);
};

/* Processes running an allowlisted executable (set at exec), by tgid. */
struct nsg_exempt_procs_map {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, NSG_PENDING_MAX);
	__type(key, __u32);
	__type(value, __u32);
};

/*
 * --pin: which build and configuration the pinned objects belong to (a hash
 * userspace writes). No program reads it; a restarted agent adopts the
 * pinned hooks only when its own hash matches.
 */
struct nsg_pin_meta_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};

/* Per-container accounting and budget (flow.bpf.c); allocated as containers appear. */
struct nsg_flows_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NSG_FLOWS_MAX); /* userspace resizes: --max-containers */
	__type(key, struct nsg_flow_id);
	__type(value, struct nsg_flow_stats);
};

/* Containers beyond --max-containers share this one entry. */
struct nsg_flow_overflow_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct nsg_flow_stats);
};

/* Violations being coalesced (flow.bpf.c); the agent summarises and retires them. */
struct nsg_coalesce_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, NSG_COALESCE_MAX);
	__type(key, struct nsg_coalesce_key);
	__type(value, struct nsg_coalesce_val);
};

struct nsg_pending_unshare_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, NSG_PENDING_MAX);
	__type(key, __u64); /* pid_tgid */
	__type(value, __u64); /* unshare flags */
};

/*
 * Every object includes these definitions; they are weak so that `bpftool
 * gen object` merges them into one map each (libbpf 1.1's linker mislays
 * DATASEC offsets of `extern` maps, weak definitions link correctly).
 */
/* Host namespace inode per enum nsg_ns_type; 0 = unknown, never matches. */
const volatile __u32 host_ns_inum[NSG_NS_TYPES] __weak = {
	[NSG_NS_IPC] = NSG_INIT_IPC_INO,
	[NSG_NS_PID] = NSG_INIT_PID_INO,
	[NSG_NS_UTS] = NSG_INIT_UTS_INO,
	[NSG_NS_CGROUP] = NSG_INIT_CGROUP_INO,
	[NSG_NS_TIME] = NSG_INIT_TIME_INO,
	[NSG_NS_USER] = NSG_INIT_USER_INO,
};
/* v1 subsystem id whose hierarchy identifies containers; -1 = cgroup v2. */
const volatile int cgroup_v1_subsys __weak = -1;
/* That hierarchy's id (cgroup_root.hierarchy_id; 0 = v2): cgroup ids are per hierarchy. */
const volatile int identity_hierarchy_id __weak = 0;
/* Bytes waiting in the violations ring when its last event was reserved (metrics). */
__u64 ring_avail_bytes __weak;
/* Identities the kernel could not store, container removals the queue could not hold. */
__u64 identities_lost __weak;
__u64 removals_lost __weak;
/* Violation kinds the coalescing table had no room for (they go to the budget). */
__u64 coalesce_lost __weak;
/* enum nsg_tier in force; NONE in audit mode (nothing blocks). */
const volatile __u32 enforce_tier __weak = NSG_TIER_NONE;
/* Identical violations within this window are coalesced; 0: never. */
const volatile __u64 coalesce_window_ns __weak = 1000000000ULL;
/*
 * Each container's budget per event class, as a cell rate: one event per
 * flow_interval_ns, flow_slack_ns of credit (burst - 1 intervals). 0: no limit.
 */
const volatile __u64 flow_interval_ns __weak = 10000000ULL;
const volatile __u64 flow_slack_ns __weak = 199ULL * 10000000ULL;

/* Violations (alert, blocked, killed); `info_events` takes the rest. */
struct nsg_events_map events __weak SEC(".maps");
struct nsg_info_events_map info_events __weak SEC(".maps");
struct nsg_drops_map drops __weak SEC(".maps");
struct nsg_container_cache_map container_cache __weak SEC(".maps");
struct nsg_scratch_map scratch __weak SEC(".maps");
struct nsg_pending_setns_map pending_setns __weak SEC(".maps");
struct nsg_pending_unshare_map pending_unshare __weak SEC(".maps");
struct nsg_setns_marks_map setns_marks __weak SEC(".maps");
struct nsg_policy_cfg_map policy_cfg __weak SEC(".maps");
struct nsg_exempt_cgroups_map exempt_cgroups __weak SEC(".maps");
struct nsg_exempt_exes_map exempt_exes __weak SEC(".maps");
struct nsg_exempt_procs_map exempt_procs __weak SEC(".maps");
struct nsg_pin_meta_map pin_meta __weak SEC(".maps");
struct nsg_flows_map flows __weak SEC(".maps");
struct nsg_identities_map identities __weak SEC(".maps");
struct nsg_removed_cgroups_map removed_cgroups __weak SEC(".maps");
struct nsg_flow_overflow_map flow_overflow __weak SEC(".maps");
struct nsg_coalesce_map coalesce __weak SEC(".maps");

#endif /* NSGUARD_MAPS_BPF_H */
