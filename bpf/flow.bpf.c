// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * No container can blind the feed (include/flow.h has the accounting).
 *
 * Before an event reaches a ring buffer, two checks run at the hook:
 * - coalescing: a violation identical to one queued in the current window
 *   (key: include/flow.h) only increments a counter. The window's first
 *   event is never delayed; the agent summarises the repeats.
 * - a fair share: each container has a budget per event class. Past it,
 *   its events are counted, not queued, so one container cannot fill the
 *   violations ring that every other container's first violation needs.
 * Neither touches enforcement: kill and deny happen at the hook before
 * this runs, for every call.
 *
 * Global functions: the verifier checks each once, not at every hook.
 */
#include "maps.bpf.h"
#include "flow.bpf.h"

#define E2BIG 7

/* Zeros to create a container's entry from (too big for the stack). */
static struct nsg_flow_stats nsg_flow_zero;

/* The entry events of `who` are charged to, created on first use. */
static __always_inline struct nsg_flow_stats *nsg_flow_stats_of(const struct nsg_flow_id *who)
{
	struct nsg_flow_stats *s = bpf_map_lookup_elem(&flows, who);
	__u32 zero = 0;

	if (s)
		return s;
	bpf_map_update_elem(&flows, who, &nsg_flow_zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&flows, who);
	return s ? s : bpf_map_lookup_elem(&flow_overflow, &zero);
}

static __always_inline void nsg_flow_add(struct nsg_flow_stats *s, __u32 cls, __u32 type,
					 __u32 outcome)
{
	__sync_fetch_and_add(&s->n[cls & 1][NSG_EV_INDEX(type)][outcome & 3], 1);
}

/*
 * One event of the budget (generic cell rate algorithm): allowed while the
 * theoretical arrival time is at most flow_slack_ns ahead of now. A few
 * compare-and-swap rounds; a container whose own CPUs keep racing for its
 * bucket is refused, never waved through.
 */
static __always_inline int nsg_flow_budget(__u64 *tat, __u64 now)
{
	__u64 interval = flow_interval_ns, old, base;

	if (!interval)
		return 1;
	for (int i = 0; i < 4; i++) {
		old = *(volatile __u64 *)tat;
		base = old > now ? old : now;
		if (base - now > flow_slack_ns)
			return 0;
		if (__sync_val_compare_and_swap(tat, old, base + interval) == old)
			return 1;
	}
	return 0;
}

/* A repeat inside the open window of its key: counted and summarised. */
static __always_inline int nsg_flow_coalesced(const struct nsg_coalesce_key *k, __u64 now)
{
	struct nsg_coalesce_val *v = bpf_map_lookup_elem(&coalesce, k);
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	if (!v)
		return 0;
	/* A start after now: another CPU opened the window a moment ago. */
	if (v->window_start_ns <= now && now - v->window_start_ns >= coalesce_window_ns)
		return 0;
	__sync_fetch_and_add(&v->repeats, 1);
	/* Plain stores: "the last" of racing repeats is any of them. */
	v->last_ns = now;
	v->last_pid = pid_tgid >> 32;
	v->last_tid = (__u32)pid_tgid;
	bpf_get_current_comm(v->last_comm, sizeof(v->last_comm));
	return 1;
}

/* The event about to be queued opens a window for its key. */
static __always_inline void nsg_flow_open_window(const struct nsg_coalesce_key *k, __u64 now)
{
	struct nsg_coalesce_val *v = bpf_map_lookup_elem(&coalesce, k);
	struct nsg_coalesce_val fresh = { .created_ns = now, .window_start_ns = now };

	if (v) {
		v->window_start_ns = now;
		return;
	}
	/* A full map: this kind is not coalesced, the budget still holds. */
	if (bpf_map_update_elem(&coalesce, k, &fresh, BPF_NOEXIST) == -E2BIG)
		__sync_fetch_and_add(&coalesce_lost, 1);
}

/* BPF has no memcmp: IDs compare as eight words. */
static __always_inline int nsg_flow_same(const struct nsg_flow_id *a, const struct nsg_flow_id *b)
{
	const __u64 *x = (const __u64 *)a->id, *y = (const __u64 *)b->id;

	for (int i = 0; i < NSG_CONTAINER_ID_LEN / 8; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

/*
 * The key arrives as a pointer to the caller's memory, which 6.1's helpers
 * do not take as a map key: the functions work on a copy in the per-CPU
 * scratch (not their stack: 6.1 counts it together with the caller's).
 */
__noinline int nsg_flow_admit(struct nsg_coalesce_key *key, struct nsg_flow_id *origin, __u32 cls)
{
	__u64 now = bpf_ktime_get_boot_ns();
	int coalescing = cls == NSG_CLASS_VIOLATION && coalesce_window_ns;
	struct nsg_flow_stats *s, *budget;
	struct nsg_flow_id *payer;
	struct nsg_coalesce_key *k;
	struct nsg_scratch *room;
	__u32 zero = 0;

	room = bpf_map_lookup_elem(&scratch, &zero);
	if (!key || !origin || !room)
		return 1;
	room->flow_key = *key;
	room->flow_payer = *origin;
	k = &room->flow_key;
	payer = &room->flow_payer;
	s = nsg_flow_stats_of(&k->who);
	if (!s)
		return 1;
	if (coalescing && nsg_flow_coalesced(k, now)) {
		nsg_flow_add(s, cls, k->type, NSG_FLOW_COALESCED);
		return 0;
	}
	/* Host tasks have no budget: the threat is a container, and host root is trusted. */
	budget = payer->id[0] && !nsg_flow_same(payer, &k->who) ? nsg_flow_stats_of(payer) : s;
	if (k->who.id[0] && budget && !nsg_flow_budget(&budget->tat[cls & 1], now)) {
		nsg_flow_add(s, cls, k->type, NSG_FLOW_RATE_LIMITED);
		if (!s->first_limited_ns)
			s->first_limited_ns = now;
		s->last_limited_ns = now;
		return 0;
	}
	if (coalescing)
		nsg_flow_open_window(k, now);
	return 1;
}

__noinline int nsg_flow_count(struct nsg_coalesce_key *key, __u32 cls, __u32 outcome)
{
	struct nsg_scratch *room;
	struct nsg_flow_stats *s;
	__u32 zero = 0;

	room = bpf_map_lookup_elem(&scratch, &zero);
	if (!key || !room)
		return 0;
	room->flow_who = key->who;
	s = nsg_flow_stats_of(&room->flow_who);
	if (s)
		nsg_flow_add(s, cls, key->type, outcome);
	return 0;
}

__noinline __u64 nsg_flow_exe_hash(__u64 filename_addr)
{
	struct nsg_scratch *s;
	__u32 zero = 0;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	__builtin_memset(s->exe, 0, sizeof(s->exe));
	bpf_probe_read_kernel_str(s->exe, sizeof(s->exe), (const char *)filename_addr);
	return nsg_exe_hash(s->exe);
}
