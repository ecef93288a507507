// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flow gate's summaries (flow_summary.h): `coalesced` and
 * `rate_limited` from the kernel's counters, less what was already told,
 * and the coalescing table kept in room; the accounting is
 * flow_accounting.c's.
 */
#include <search.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "feed/flow_accounting.h"
#include "feed/flow_summary.h"
#include "nsguard.skel.h"
#include "util/clock.h"

/* Kinds retired per sweep: the map is walked first, then trimmed. */
#define RETIRE_BATCH 256

/* What was summarised of one violation kind. */
struct seen_kind {
	struct nsg_coalesce_key key;
	uint64_t reported;      /* repeats already in a summary */
	uint64_t bound_ns;      /* where the next summary starts */
	uint64_t summarised_at; /* when the last one was written */
	char *exe;              /* exec: the path of its queued event, if seen */
};

/* What was summarised of one container's refusals. */
struct seen_container {
	struct nsg_flow_id who;
	bool overflow;
	uint64_t reported[NSG_CLASSES][NSG_EV_MAX];
	uint64_t bound_ns;
	uint64_t summarised_at;
};

static int cmp_kind(const void *a, const void *b)
{
	return memcmp(&((const struct seen_kind *)a)->key, &((const struct seen_kind *)b)->key,
		      sizeof(struct nsg_coalesce_key));
}

static int cmp_container(const void *a, const void *b)
{
	const struct seen_container *x = a, *y = b;

	if (x->overflow != y->overflow)
		return x->overflow ? 1 : -1;
	return memcmp(&x->who, &y->who, sizeof(x->who));
}

/* The tree node for `probe`, created from it when new; NULL when out of memory. */
static void *remember(void **root, const void *probe, size_t size,
		      int (*cmp)(const void *, const void *))
{
	void **slot = tfind(probe, root, cmp);
	void *fresh;

	if (slot)
		return *slot;
	fresh = malloc(size);
	if (!fresh)
		return NULL;
	memcpy(fresh, probe, size);
	slot = tsearch(fresh, root, cmp);
	if (!slot || *slot != fresh) {
		free(fresh);
		return slot ? *slot : NULL;
	}
	return fresh;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/*
 * How long ago `then` was. The sweep reads the clock once; a CPU still
 * flooding writes newer times meanwhile, and such a time is "just now", not
 * an unsigned wrap-around to "ages ago".
 */
static uint64_t age(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* A kind the kernel no longer sees may leave: ten windows, and at least 10 s. */
static uint64_t idle_ns(const struct nsg_flow *f)
{
	return max_u64(10 * f->window_ns, NSG_FLOW_IDLE_MIN_NS);
}

static void summarise_kind(struct nsg_flow *f, struct seen_kind *s,
			   const struct nsg_coalesce_val *v, uint64_t now)
{
	struct nsg_coalesced c = {
		.key = s->key,
		.repeats = v->repeats - s->reported,
		.first_ns = s->bound_ns,
		.last_ns = v->last_ns,
		.last_pid = v->last_pid,
		.last_tid = v->last_tid,
	};

	memcpy(c.last_comm, v->last_comm, sizeof(c.last_comm));
	c.exe = s->exe;
	s->reported = v->repeats;
	s->bound_ns = v->last_ns;
	s->summarised_at = now;
	f->summaries_coalesced++;
	if (f->sink.coalesced)
		f->sink.coalesced(f->sink.arg, &c);
}

/* Due: the burst paused, a window passed since the last summary, or the end. */
static bool kind_due(const struct nsg_flow *f, const struct seen_kind *s,
		     const struct nsg_coalesce_val *v, uint64_t now, bool final)
{
	return final || age(now, v->last_ns) >= NSG_FLOW_QUIET_NS ||
	       age(now, s->summarised_at) >= f->window_ns;
}

static void free_kind(void *p)
{
	struct seen_kind *s = p;

	free(s->exe);
	free(s);
}

/* Removes an idle kind from the kernel map; a repeat that raced in is still told. */
static void retire_kind(struct nsg_flow *f, int fd, const struct nsg_coalesce_key *key,
			uint64_t now)
{
	struct seen_kind probe = { .key = *key }, **slot, *s;
	struct nsg_coalesce_val v = { 0 }; /* valgrind cannot tell that the kernel fills it */

	slot = tfind(&probe, &f->coalesce_seen, cmp_kind);
	if (!slot || bpf_map_lookup_and_delete_elem(fd, key, &v))
		return;
	s = *slot;
	if (v.repeats > s->reported)
		summarise_kind(f, s, &v, now);
	tdelete(&probe, &f->coalesce_seen, cmp_kind);
	free_kind(s);
}

static void sweep_coalesce(struct nsg_flow *f, uint64_t now, bool final)
{
	int fd = bpf_map__fd(f->skel->maps.coalesce);
	struct nsg_coalesce_key cur, next, retire[RETIRE_BATCH];
	const struct nsg_coalesce_key *prev = NULL;
	size_t nretire = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		struct seen_kind probe = { .key = next }, *s;
		struct nsg_coalesce_val v;

		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &v))
			continue;
		probe.bound_ns = v.created_ns;
		probe.summarised_at = now;
		if (!(s = remember(&f->coalesce_seen, &probe, sizeof(probe), cmp_kind)))
			continue;
		if (v.repeats > s->reported && kind_due(f, s, &v, now, final))
			summarise_kind(f, s, &v, now);
		else if (!final && v.repeats == s->reported && nretire < RETIRE_BATCH &&
			 age(now, max_u64(v.last_ns, v.window_start_ns)) >= idle_ns(f))
			retire[nretire++] = cur;
	}
	for (size_t i = 0; i < nretire; i++)
		retire_kind(f, fd, &retire[i], now);
}

static uint64_t refused_since(const struct seen_container *s, const struct nsg_flow_stats *v,
			      struct nsg_rate_limited *r)
{
	uint64_t total = 0;

	for (int c = 0; c < NSG_CLASSES; c++)
		for (int t = 1; t < NSG_EV_MAX; t++) {
			r->refused[c][t] = v->n[c][t][NSG_FLOW_RATE_LIMITED] - s->reported[c][t];
			total += r->refused[c][t];
		}
	return total;
}

static void check_container(struct nsg_flow *f, const struct nsg_flow_id *who, bool overflow,
			    const struct nsg_flow_stats *v, uint64_t now, bool final)
{
	struct seen_container probe = { .who = *who, .overflow = overflow }, *s;
	struct nsg_rate_limited r = { .who = *who };

	probe.bound_ns = v->first_limited_ns;
	probe.summarised_at = now;
	if (!(s = remember(&f->limited_seen, &probe, sizeof(probe), cmp_container)))
		return;
	if (!refused_since(s, v, &r))
		return;
	if (!final && age(now, v->last_limited_ns) < NSG_FLOW_QUIET_NS &&
	    age(now, s->summarised_at) < max_u64(f->window_ns, NSG_FLOW_QUIET_NS))
		return;
	r.overflow = overflow;
	r.first_ns = s->bound_ns;
	r.last_ns = v->last_limited_ns;
	for (int c = 0; c < NSG_CLASSES; c++)
		for (int t = 1; t < NSG_EV_MAX; t++)
			s->reported[c][t] = v->n[c][t][NSG_FLOW_RATE_LIMITED];
	s->bound_ns = v->last_limited_ns;
	s->summarised_at = now;
	f->summaries_rate_limited++;
	if (f->sink.rate_limited)
		f->sink.rate_limited(f->sink.arg, &r);
}

void nsg_flow_forget(struct nsg_flow *f, const struct nsg_flow_id *who, uint64_t now)
{
	struct seen_container probe = { .who = *who }, **slot;
	struct nsg_flow_stats v = { 0 }; /* valgrind cannot tell that the kernel fills it */

	if (!f->skel || !who->id[0] ||
	    bpf_map_lookup_and_delete_elem(bpf_map__fd(f->skel->maps.flows), who, &v))
		return;
	check_container(f, who, false, &v, now, true);
	nsg_flow_retire(f, who, &v);
	slot = tfind(&probe, &f->limited_seen, cmp_container);
	if (slot) {
		struct seen_container *s = *slot;

		tdelete(&probe, &f->limited_seen, cmp_container);
		free(s);
	}
}

struct sweep_arg {
	struct nsg_flow *f;
	uint64_t now;
	bool final;
};

static void sweep_one_container(void *arg, const struct nsg_flow_id *who, bool overflow,
				const struct nsg_flow_stats *v)
{
	struct sweep_arg *a = arg;

	check_container(a->f, who, overflow, v, a->now, a->final);
}

void nsg_flow_sweep(struct nsg_flow *f, uint64_t now, bool final)
{
	struct sweep_arg a = { .f = f, .now = now, .final = final };

	if (!f->skel)
		return;
	sweep_coalesce(f, now, final);
	nsg_flow_for_each_container(f, sweep_one_container, &a);
}

/* The kernel's key of an exec event (bpf/exec.bpf.c, lsm_block.bpf.c build the same). */
static void exec_key(const struct nsg_event *e, struct nsg_coalesce_key *k)
{
	memset(k, 0, sizeof(*k));
	k->type = e->type;
	k->verdict = e->verdict;
	k->mask = e->reported_mask;
	k->exe_hash = nsg_exe_hash(e->exe);
	if (e->is_container)
		memcpy(k->who.id, e->container_id, NSG_CONTAINER_ID_LEN);
}

void nsg_flow_note_exec(struct nsg_flow *f, const struct nsg_event *e)
{
	struct seen_kind probe = { 0 }, *s;

	struct nsg_coalesce_val v;

	if (!f->window_ns || e->type != NSG_EV_HOST_NS_EXEC || !e->exe[0] ||
	    e->verdict == NSG_VERDICT_ALLOWED)
		return;
	exec_key(e, &probe.key);
	/* Only kinds the kernel coalesces: the sweep retires what it remembers. */
	if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.coalesce), &probe.key, &v))
		return;
	probe.bound_ns = e->ts_boot_ns;
	probe.summarised_at = nsg_boottime_ns();
	s = remember(&f->coalesce_seen, &probe, sizeof(probe), cmp_kind);
	if (s && !s->exe)
		s->exe = strndup(e->exe, NSG_EXE_LEN);
}

/*
 * A restarted agent (--pin) finds counts its predecessor summarised at its
 * exit: they are the starting point, not news.
 */
static void take_baseline(struct nsg_flow *f)
{
	uint64_t now = nsg_boottime_ns();
	struct nsg_flow_sink sink = f->sink;
	uint64_t sc = f->summaries_coalesced, sr = f->summaries_rate_limited;

	f->sink = (struct nsg_flow_sink){ 0 };
	nsg_flow_sweep(f, now, true);
	f->sink = sink;
	f->summaries_coalesced = sc;
	f->summaries_rate_limited = sr;
}

void nsg_flow_init(struct nsg_flow *f, struct nsguard_bpf *skel, uint64_t window_ns,
		   const struct nsg_flow_sink *sink)
{
	memset(f, 0, sizeof(*f));
	f->skel = skel;
	f->window_ns = window_ns;
	f->sink = *sink;
	take_baseline(f);
}

uint64_t nsg_flow_coalesce_lost(struct nsg_flow *f)
{
	return f->skel ? f->skel->bss->coalesce_lost : 0;
}

void nsg_flow_free(struct nsg_flow *f)
{
	tdestroy(f->coalesce_seen, free_kind);
	tdestroy(f->limited_seen, free);
	free(f->departed);
	f->departed = NULL;
	f->ndeparted = 0;
	f->coalesce_seen = NULL;
	f->limited_seen = NULL;
}

