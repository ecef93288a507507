/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The event flow, shared by the BPF side (bpf/flow.bpf.c decides) and the
 * agent (user/flow.c summarises): what happened to every event a hook
 * wanted to report, per container, so that no container can blind the feed.
 *
 * Every such event gets exactly one outcome:
 *   queued        in a ring buffer: the agent delivers it;
 *   coalesced     an identical repeat of a violation already queued in the
 *                 current window: counted, summarised by a `coalesced` event;
 *   rate_limited  over its container's budget: counted, summarised by a
 *                 `rate_limited` event;
 *   dropped       the ring buffer was full.
 * So, per container, class and type: queued + coalesced + rate_limited +
 * dropped == events that happened. The kernel's counters are the truth.
 */
#ifndef NSGUARD_FLOW_H
#define NSGUARD_FLOW_H

#include "fnv.h"
#include "nsguard.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

enum nsg_flow_outcome {
	NSG_FLOW_QUEUED = 0,
	NSG_FLOW_COALESCED,
	NSG_FLOW_RATE_LIMITED,
	NSG_FLOW_DROPPED,
	NSG_FLOW_OUTCOMES,
};

/* Containers tracked one by one; the rest share the overflow entry. */
#define NSG_FLOWS_MAX 16384
/* Distinct violation kinds coalesced at once; further kinds are not coalesced. */
#define NSG_COALESCE_MAX 8192

/* Who an event is charged to: the container ID's 64 characters, zeros for the host. */
struct nsg_flow_id {
	char id[NSG_CONTAINER_ID_LEN];
} __attribute__((aligned(8))); /* compared as words in the kernel */

/* Map `flows`: one per container (and one for host tasks). */
struct nsg_flow_stats {
	__u64 n[NSG_CLASSES][NSG_EV_MAX][NSG_FLOW_OUTCOMES];
	/*
	 * The budget, as a generic cell rate algorithm: the theoretical
	 * arrival time of the next event per class (boot-time ns). One 64-bit
	 * word per bucket, advanced with compare-and-swap: tracepoint programs
	 * may not take BPF spin locks.
	 */
	__u64 tat[NSG_CLASSES];
	__u64 first_limited_ns; /* the first event the budget refused; 0: none yet */
	__u64 last_limited_ns;  /* the last */
};

/*
 * Map `coalesce`: what makes two violations "the same". The container, not
 * the process: a flooder that forks or renames itself (comm) repeats the same
 * violation, and its summary names the last pid and comm. What the analyst
 * acts on is in the key: event type, verdict (an alert never hides a kill),
 * the host namespaces involved (their inodes are the agent's fixed host
 * inodes, so the types say which), how and with what result (setns), and the
 * program (exec, by a hash of its path).
 */
struct nsg_coalesce_key {
	struct nsg_flow_id who;
	__u32 type;    /* enum nsg_event_type */
	__u32 verdict; /* enum nsg_verdict */
	__u32 mask;    /* exec: reported types; setns: target_host | target_mask << 8 */
	__s32 result;  /* setns: the syscall's return value; else 0 */
	__u32 via;     /* setns: enum nsg_setns_via; else 0 */
	__u32 pad;     /* zero: hash keys compare every byte */
	__u64 exe_hash; /* exec: nsg_exe_hash() of the path; else 0 */
};

struct nsg_coalesce_val {
	__u64 created_ns;      /* the first event of this kind, which was queued */
	__u64 window_start_ns; /* the current window's first event, which was queued */
	__u64 last_ns;         /* the last repeat; 0: none yet */
	__u64 repeats;         /* repeats ever coalesced under this key (never reset) */
	__u32 last_pid;
	__u32 last_tid;
	char last_comm[NSG_COMM_LEN];
};

/* FNV-1a of a NUL-terminated path of at most NSG_EXE_LEN bytes. */
static __always_inline __u64 nsg_exe_hash(const char *exe)
{
	__u64 h = NSG_FNV_OFFSET;

	for (int i = 0; i < NSG_EXE_LEN; i++) {
		if (!exe[i])
			break;
		h = NSG_FNV_STEP(h, exe[i]);
	}
	return h;
}

#endif /* NSGUARD_FLOW_H */
