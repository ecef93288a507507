// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The flow gate's accounting (flow_summary.h): per container, class and
 * type, what became of every event a hook reported, as agent_stats tells
 * it; the counts of containers whose entry left the kernel are kept here,
 * so totals never go back and a departed container is listed once more.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "feed/flow_accounting.h"
#include "nsguard.skel.h"

void nsg_flow_for_each_container(struct nsg_flow *f, nsg_flow_container_fn *fn, void *arg)
{
	int fd = bpf_map__fd(f->skel->maps.flows);
	struct nsg_flow_id cur, next, none = { 0 };
	const struct nsg_flow_id *prev = NULL;
	struct nsg_flow_stats v;
	__u32 zero = 0;

	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		cur = next;
		prev = &cur;
		if (bpf_map_lookup_elem(fd, &cur, &v) == 0)
			fn(arg, &cur, false, &v);
	}
	if (bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.flow_overflow), &zero, &v) == 0)
		fn(arg, &none, true, &v);
}

/* sum += v, outcome by outcome. */
static void add_outcomes(uint64_t sum[NSG_CLASSES][NSG_EV_MAX][NSG_FLOW_OUTCOMES],
			 const struct nsg_flow_stats *v)
{
	for (int c = 0; c < NSG_CLASSES; c++)
		for (int t = 1; t < NSG_EV_MAX; t++)
			for (int o = 0; o < NSG_FLOW_OUTCOMES; o++)
				sum[c][t][o] += v->n[c][t][o];
}

static bool anything_held_back(const struct nsg_flow_stats *v)
{
	for (int c = 0; c < NSG_CLASSES; c++)
		for (int t = 1; t < NSG_EV_MAX; t++)
			for (int o = NSG_FLOW_COALESCED; o < NSG_FLOW_OUTCOMES; o++)
				if (v->n[c][t][o])
					return true;
	return false;
}

static bool held_queued(const struct nsg_flow_stats *v)
{
	for (int c = 0; c < NSG_CLASSES; c++)
		for (int t = 1; t < NSG_EV_MAX; t++)
			if (v->n[c][t][NSG_FLOW_QUEUED])
				return true;
	return false;
}

/* A departed container's final counts wait for the next agent_stats. */
static void remember_departed(struct nsg_flow *f, const struct nsg_flow_id *who,
			      const struct nsg_flow_stats *v)
{
	struct nsg_flow_counts *d;

	if (!f->departed && !(f->departed = calloc(NSG_FLOW_DEPARTED_MAX, sizeof(*f->departed))))
		return;
	if (f->ndeparted == NSG_FLOW_DEPARTED_MAX) {
		memmove(f->departed, f->departed + 1, (f->ndeparted - 1) * sizeof(*f->departed));
		f->ndeparted--;
	}
	d = &f->departed[f->ndeparted++];
	memset(d, 0, sizeof(*d));
	d->who = *who;
	d->ended = true;
	memcpy(d->n, v->n, sizeof(d->n));
}

void nsg_flow_told(struct nsg_flow *f)
{
	f->ndeparted = 0;
}

void nsg_flow_retire(struct nsg_flow *f, const struct nsg_flow_id *who,
		     const struct nsg_flow_stats *v)
{
	add_outcomes(f->retired, v);
	if (anything_held_back(v))
		remember_departed(f, who, v);
}

struct read_arg {
	struct nsg_flow_counts *totals, *per;
	size_t n, cap;
	int err;
};

static void append_listed(struct read_arg *a, const struct nsg_flow_counts *c)
{
	if (a->n == a->cap) {
		struct nsg_flow_counts *grown = realloc(a->per, 2 * a->cap * sizeof(*grown));

		if (!grown) {
			a->err = -ENOMEM;
			return;
		}
		a->per = grown;
		a->cap *= 2;
	}
	a->per[a->n++] = *c;
}

static void read_one_container(void *arg, const struct nsg_flow_id *who, bool overflow,
			       const struct nsg_flow_stats *v)
{
	struct read_arg *a = arg;
	struct nsg_flow_counts c;

	add_outcomes(a->totals->n, v);
	if (!a->cap || a->err || !anything_held_back(v))
		return;
	memset(&c, 0, sizeof(c));
	c.who = *who;
	c.overflow = overflow;
	memcpy(c.n, v->n, sizeof(c.n));
	append_listed(a, &c);
}

static uint64_t held_back(const struct nsg_flow_counts *c)
{
	uint64_t sum = 0;

	for (int k = 0; k < NSG_CLASSES; k++)
		for (int t = 1; t < NSG_EV_MAX; t++)
			for (int o = NSG_FLOW_COALESCED; o < NSG_FLOW_OUTCOMES; o++)
				sum += c->n[k][t][o];
	return sum;
}

static int by_held_back_desc(const void *a, const void *b)
{
	uint64_t x = held_back(a), y = held_back(b);

	return x < y ? 1 : x > y ? -1 : 0;
}

int nsg_flow_read(struct nsg_flow *f, struct nsg_flow_counts *totals,
		  struct nsg_flow_counts **per, size_t *nper)
{
	struct read_arg a = { .totals = totals };

	memset(totals, 0, sizeof(*totals));
	memcpy(totals->n, f->retired, sizeof(totals->n));
	if (per) {
		a.cap = 16;
		if (!(a.per = malloc(a.cap * sizeof(*a.per))))
			return -ENOMEM;
	}
	if (f->skel)
		nsg_flow_for_each_container(f, read_one_container, &a);
	for (size_t i = 0; per && !a.err && i < f->ndeparted; i++)
		append_listed(&a, &f->departed[i]);
	if (a.err) {
		free(a.per);
		return a.err;
	}
	if (per) {
		qsort(a.per, a.n, sizeof(*a.per), by_held_back_desc);
		*per = a.per;
		*nper = a.n;
	}
	return 0;
}

bool nsg_flow_overflowing(struct nsg_flow *f)
{
	struct nsg_flow_stats v;
	__u32 zero = 0;

	if (!f->skel || bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.flow_overflow), &zero, &v))
		return false;
	return anything_held_back(&v) || held_queued(&v);
}
