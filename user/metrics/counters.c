// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The counters the agent's main thread keeps (metrics.h): each update
 * finds its labels' indices, then takes the lock only to count.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

const char *const nsg_metrics_verdicts[N_VERDICTS] = { VERDICT_LABELS };
const char *const nsg_metrics_ns_types[N_NS] = { NS_LABELS };
const char *const nsg_metrics_classes[N_CLASSES] = { CLASS_LABELS };
const char *const nsg_metrics_outcomes[N_OUTCOMES] = { OUTCOME_LABELS };
const char *const nsg_metrics_maps[N_MAPS] = { MAP_LABELS };
const char *const nsg_metrics_tiers[N_TIERS] = { TIER_LABELS };
const char *const nsg_metrics_modes[N_MODES] = { MODE_LABELS };

void nsg_metrics_counters_init(struct counters *c)
{
	c->tier = c->mode = -1;
	snprintf(c->version, sizeof(c->version), "%s", NSGUARD_VERSION);
}

const char *nsg_metrics_event_label(size_t e)
{
	if (e < KERNEL_EVENTS)
		return nsg_event_name((uint32_t)e + 1);
	return e == KERNEL_EVENTS ? "host_ns_running" : "other";
}

static size_t event_index(const char *value)
{
	for (size_t e = 0; value && e < N_EVENTS - 1; e++)
		if (strcmp(nsg_metrics_event_label(e), value) == 0)
			return e;
	return N_EVENTS - 1;
}

/* Index of value in names, or of the trailing "other" bucket. */
static size_t label_index(const char *const *names, size_t n, const char *value)
{
	for (size_t i = 0; value && i < n - 1; i++)
		if (strcmp(names[i], value) == 0)
			return i;
	return n - 1;
}

void nsg_metrics_count_event(struct nsg_metrics *m, const char *event, const char *verdict,
			     const char *ns_type)
{
	size_t e, v, t;

	if (!m)
		return;
	e = event_index(event);
	v = label_index(nsg_metrics_verdicts, N_VERDICTS, verdict);
	t = ns_type ? label_index(nsg_metrics_ns_types, N_NS, ns_type) : 0;
	pthread_mutex_lock(&m->lock);
	m->c.events[e][v][t]++;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_drops(struct nsg_metrics *m, const char *event, unsigned long long total)
{
	size_t e;

	if (!m)
		return;
	e = event_index(event);
	pthread_mutex_lock(&m->lock);
	m->c.drops[e] = total;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_flow(struct nsg_metrics *m, const char *cls, const char *event,
			  const char *outcome, unsigned long long total)
{
	size_t c, e, o;

	if (!m)
		return;
	c = label_index(nsg_metrics_classes, N_CLASSES, cls);
	e = event_index(event);
	o = label_index(nsg_metrics_outcomes, N_OUTCOMES, outcome);
	pthread_mutex_lock(&m->lock);
	m->c.flow[c][e][o] = total;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_ring_fill(struct nsg_metrics *m, double ratio)
{
	if (!m)
		return;
	/* The negated test also turns NaN into 0. */
	if (!(ratio >= 0.0))
		ratio = 0.0;
	if (ratio > 1.0)
		ratio = 1.0;
	pthread_mutex_lock(&m->lock);
	m->c.ring_fill = ratio;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_count_policy_reload(struct nsg_metrics *m, bool ok)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	if (ok)
		m->c.reloads_ok++;
	else
		m->c.reloads_error++;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_count_exemption_failed(struct nsg_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->c.exemptions_failed++;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_count_map_full(struct nsg_metrics *m, const char *map)
{
	size_t i;

	if (!m)
		return;
	i = label_index(nsg_metrics_maps, N_MAPS, map);
	pthread_mutex_lock(&m->lock);
	m->c.map_full[i]++;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_tier(struct nsg_metrics *m, const char *tier, const char *mode)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->c.tier = (int)label_index(nsg_metrics_tiers, N_TIERS, tier);
	m->c.mode = (int)label_index(nsg_metrics_modes, N_MODES, mode);
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_containers(struct nsg_metrics *m, unsigned long n)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->c.containers = n;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_feed(struct nsg_metrics *m, unsigned long long lines_lost,
			  unsigned long long reopens)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->c.feed_lines_lost = lines_lost;
	m->c.feed_reopens = reopens;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_version(struct nsg_metrics *m, const char *version)
{
	if (!m || !version)
		return;
	pthread_mutex_lock(&m->lock);
	snprintf(m->c.version, sizeof(m->c.version), "%s", version);
	pthread_mutex_unlock(&m->lock);
}
