// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The metadata cache (meta_cache.h): a fixed array of entries, found by a
 * hash of the ID (chained buckets) and kept in least-recently-used order
 * (a doubly linked list through the array), so a full cache reuses its
 * oldest entry and allocates nothing but the entries' `container` bytes.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "container_id.h"
#include "feed/feed_schema.h"
#include "feed/jsonw.h"
#include "fnv.h"
#include "runtime/meta_cache.h"

#define ID_LEN NSG_CONTAINER_ID_LEN
#define NIL UINT32_MAX
#define CACHE_DEFAULT 1024
#define CACHE_MAX (1u << 20)

struct meta_entry {
	char id[ID_LEN + 1];
	bool positive;
	uint64_t checked_ms;       /* when a negative entry was last looked up */
	uint32_t prev, next;       /* LRU list, most recent at head */
	uint32_t chain;            /* hash bucket chain */
	struct nsg_container_meta meta;
	char *container;           /* meta as the feed's `container` object, built once */
	size_t container_len;
	bool forgotten;            /* out of the hash (nsg_meta_cache_forget): reuse without unhashing */
};

struct nsg_meta_cache {
	struct nsg_meta_config cfg;
	struct meta_entry *e;
	uint32_t cap, used;
	uint32_t *bucket;
	uint32_t nbucket;          /* power of two */
	uint32_t head, tail;
	uint64_t (*now_ms)(void *);
	void *now_arg;
	struct nsg_meta_cache_stats stats;
};

static uint64_t mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* FNV-1a: IDs are kernel cgroup names, chosen by whoever made the container. */
static uint32_t id_hash(const char *id)
{
	uint64_t h = NSG_FNV_OFFSET;
	int i;

	for (i = 0; i < ID_LEN; i++)
		h = NSG_FNV_STEP(h, id[i]);
	return (uint32_t)(h ^ (h >> 32));
}

struct nsg_meta_cache *nsg_meta_cache_new(const struct nsg_meta_config *cfg, size_t capacity)
{
	struct nsg_meta_cache *c = calloc(1, sizeof(*c));
	uint32_t i;

	if (!c)
		return NULL;
	if (capacity == 0)
		capacity = CACHE_DEFAULT;
	c->cap = capacity > CACHE_MAX ? CACHE_MAX : (uint32_t)capacity;
	for (c->nbucket = 16; c->nbucket < 2 * c->cap; c->nbucket *= 2)
		;
	c->e = calloc(c->cap, sizeof(*c->e));
	c->bucket = malloc(c->nbucket * sizeof(*c->bucket));
	if (!c->e || !c->bucket) {
		nsg_meta_cache_free(c);
		return NULL;
	}
	for (i = 0; i < c->nbucket; i++)
		c->bucket[i] = NIL;
	if (cfg)
		c->cfg = *cfg;
	else
		nsg_meta_config_defaults(&c->cfg);
	c->head = c->tail = NIL;
	c->now_ms = mono_ms;
	return c;
}

void nsg_meta_cache_free(struct nsg_meta_cache *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->used; i++)
		free(c->e[i].container);
	free(c->e);
	free(c->bucket);
	free(c);
}

void nsg_meta_cache_set_clock(struct nsg_meta_cache *c, uint64_t (*now_ms)(void *), void *arg)
{
	c->now_ms = now_ms ? now_ms : mono_ms;
	c->now_arg = arg;
}

void nsg_meta_cache_stats(const struct nsg_meta_cache *c, struct nsg_meta_cache_stats *out)
{
	*out = c->stats;
}

static void lru_unlink(struct nsg_meta_cache *c, uint32_t i)
{
	struct meta_entry *e = &c->e[i];

	if (e->prev != NIL)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NIL)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void lru_push_head(struct nsg_meta_cache *c, uint32_t i)
{
	c->e[i].prev = NIL;
	c->e[i].next = c->head;
	if (c->head != NIL)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

static uint32_t *bucket_of(struct nsg_meta_cache *c, const char *id)
{
	return &c->bucket[id_hash(id) & (c->nbucket - 1)];
}

static uint32_t find(struct nsg_meta_cache *c, const char *id)
{
	uint32_t i;

	for (i = *bucket_of(c, id); i != NIL; i = c->e[i].chain)
		if (memcmp(c->e[i].id, id, ID_LEN) == 0)
			return i;
	return NIL;
}

static void hash_remove(struct nsg_meta_cache *c, uint32_t i)
{
	uint32_t *p = bucket_of(c, c->e[i].id);

	while (*p != i)
		p = &c->e[*p].chain;
	*p = c->e[i].chain;
}

/* A free slot, evicting the least recently used entry when full. */
static uint32_t take_slot(struct nsg_meta_cache *c)
{
	uint32_t i = c->tail;

	/*
	 * A forgotten entry first, even while the array has room: the pages of
	 * a slot never used are not touched, so a node where containers come
	 * and go keeps the cache's memory at what it holds at once, not at its
	 * capacity.
	 */
	if (c->used < c->cap && (i == NIL || !c->e[i].forgotten))
		return c->used++;
	lru_unlink(c, i);
	if (!c->e[i].forgotten) {
		hash_remove(c, i);
		c->stats.evictions++;
	}
	c->e[i].forgotten = false;
	return i;
}

static void look_up(struct nsg_meta_cache *c, struct meta_entry *e, uint64_t now)
{
	c->stats.lookups++;
	free(e->container);
	e->container = NULL;
	nsg_metadata_lookup(&c->cfg, e->id, &e->meta);
	e->positive = e->meta.found;
	e->checked_ms = now;
}

/*
 * The entry for id, looked up when new, negative and old enough, or
 * `afresh`; NULL when id is not one.
 */
static struct meta_entry *cache_entry(struct nsg_meta_cache *c, const char *id, bool afresh)
{
	uint64_t now = c->now_ms(c->now_arg);
	struct meta_entry *e;
	uint32_t i;

	if (!nsg_meta_id_valid(id))
		return NULL;
	i = find(c, id);
	if (i == NIL) {
		c->stats.misses++;
		i = take_slot(c);
		e = &c->e[i];
		memcpy(e->id, id, ID_LEN + 1);
		e->chain = *bucket_of(c, id);
		*bucket_of(c, id) = i;
		look_up(c, e, now);
	} else {
		e = &c->e[i];
		lru_unlink(c, i);
		if (afresh || (!e->positive && now - e->checked_ms >= NSG_META_NEG_TTL_MS)) {
			c->stats.misses++;
			look_up(c, e, now);
		} else {
			c->stats.hits++;
		}
	}
	lru_push_head(c, i);
	return e;
}

void nsg_meta_cache_forget(struct nsg_meta_cache *c, const char *id)
{
	uint32_t i;

	if (!c || !nsg_meta_id_valid(id) || (i = find(c, id)) == NIL)
		return;
	hash_remove(c, i);
	lru_unlink(c, i);
	free(c->e[i].container);
	memset(&c->e[i], 0, sizeof(c->e[i]));
	/* At the tail: take_slot() reuses it before any live entry. */
	c->e[i].chain = NIL;
	c->e[i].next = NIL;
	c->e[i].prev = c->tail;
	if (c->tail != NIL)
		c->e[c->tail].next = i;
	else
		c->head = i;
	c->tail = i;
	c->e[i].forgotten = true;
}

size_t nsg_meta_cache_count(const struct nsg_meta_cache *c)
{
	size_t n = 0;

	for (uint32_t i = 0; c && i < c->used; i++)
		n += c->e[i].positive;
	return n;
}

const struct nsg_container_meta *nsg_meta_cache_get(struct nsg_meta_cache *c, const char *id)
{
	struct meta_entry *e = cache_entry(c, id, false);

	return e && e->positive ? &e->meta : NULL;
}

const struct nsg_container_meta *nsg_meta_cache_refresh(struct nsg_meta_cache *c, const char *id)
{
	struct meta_entry *e = cache_entry(c, id, true);

	return e && e->positive ? &e->meta : NULL;
}

/* A copy of the object, sized to fit: it lives as long as the entry. */
static char *render_container(const struct nsg_container_meta *m, size_t *len)
{
	struct nsg_jsonw w = { 0 };
	char *copy = NULL;

	nsg_feed_container(&w, m);
	if (!w.failed && (copy = malloc(w.len)))
		memcpy(copy, w.buf, w.len);
	*len = w.len;
	nsg_jsonw_free(&w);
	return copy;
}

const char *nsg_meta_cache_get_container(struct nsg_meta_cache *c, const char *id, size_t *len)
{
	struct meta_entry *e = cache_entry(c, id, false);

	if (!e || !e->positive)
		return NULL;
	if (!e->container)
		e->container = render_container(&e->meta, &e->container_len);
	*len = e->container_len;
	return e->container;
}
