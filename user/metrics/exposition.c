// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * What a scrape gets: the counters in Prometheus text exposition format
 * 0.0.4, formatted from a snapshot so the agent's updates never wait on it.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

/* A label value per the exposition format: \ " and newline escaped. */
static void put_label_value(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void put_header(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void render_events(FILE *f, const struct counters *c)
{
	put_header(f, "nsguard_events_total", "counter",
		   "Events reported, by event type, verdict and namespace type.");
	for (size_t e = 0; e < N_EVENTS; e++)
		for (size_t v = 0; v < N_VERDICTS; v++)
			for (size_t t = 0; t < N_NS; t++) {
				if (!c->events[e][v][t])
					continue;
				fprintf(f,
					"nsguard_events_total{event=\"%s\",verdict=\"%s\","
					"ns_type=\"%s\"} %llu\n",
					nsg_metrics_event_label(e), nsg_metrics_verdicts[v], nsg_metrics_ns_types[t],
					c->events[e][v][t]);
			}
}

static void render_drops(FILE *f, const struct counters *c)
{
	put_header(f, "nsguard_events_dropped_total", "counter",
		   "Kernel events lost because the ring buffer was full.");
	for (size_t e = 0; e < N_EVENTS; e++) {
		/* Zero drops is news worth showing for what can drop. */
		if (e >= KERNEL_EVENTS && !c->drops[e])
			continue;
		fprintf(f, "nsguard_events_dropped_total{event=\"%s\"} %llu\n", nsg_metrics_event_label(e),
			c->drops[e]);
	}
}

/* Every outcome of the kernel's events: queued + the rest == what happened. */
static void render_flow(FILE *f, const struct counters *c)
{
	put_header(f, "nsguard_kernel_events_total", "counter",
		   "Events the hooks reported, by class, event and outcome "
		   "(queued, coalesced, rate_limited, dropped).");
	for (size_t k = 0; k + 1 < N_CLASSES; k++)
		for (size_t e = 0; e < KERNEL_EVENTS; e++)
			for (size_t o = 0; o + 1 < N_OUTCOMES; o++)
				fprintf(f, "nsguard_kernel_events_total{class=\"%s\",event=\"%s\","
					   "outcome=\"%s\"} %llu\n",
					nsg_metrics_classes[k], nsg_metrics_event_label(e), nsg_metrics_outcomes[o], c->flow[k][e][o]);
}

/* A family of one unlabelled sample. */
static void put_single(FILE *f, const char *name, const char *type, const char *help,
		       unsigned long long value)
{
	put_header(f, name, type, help);
	fprintf(f, "%s %llu\n", name, value);
}

static void render_state(FILE *f, const struct counters *c)
{
	put_header(f, "nsguard_ringbuf_fill_ratio", "gauge",
		   "Share of the BPF ring buffer in use at the last poll (0..1).");
	fprintf(f, "nsguard_ringbuf_fill_ratio %.6g\n", c->ring_fill);
	put_header(f, "nsguard_policy_reloads_total", "counter",
		   "Policy (re)loads, by result.");
	fprintf(f, "nsguard_policy_reloads_total{result=\"ok\"} %llu\n", c->reloads_ok);
	fprintf(f, "nsguard_policy_reloads_total{result=\"error\"} %llu\n", c->reloads_error);
	put_single(f, "nsguard_exemptions_failed_total", "counter",
		   "Allowlisted containers that could not be exempted (a table was full).",
		   c->exemptions_failed);
	put_header(f, "nsguard_map_full_total", "counter",
		   "Times a per-container table was found full (--max-containers).");
	for (size_t i = 0; i + 1 < N_MAPS; i++)
		fprintf(f, "nsguard_map_full_total{map=\"%s\"} %llu\n", nsg_metrics_maps[i], c->map_full[i]);
	put_header(f, "nsguard_tier_info", "gauge",
		   "Enforcement tier and mode in force; the value is always 1.");
	if (c->tier >= 0)
		fprintf(f, "nsguard_tier_info{tier=\"%s\",mode=\"%s\"} 1\n", nsg_metrics_tiers[c->tier],
			nsg_metrics_modes[c->mode]);
	put_single(f, "nsguard_containers_tracked", "gauge",
		   "Containers the agent currently knows of.", c->containers);
	put_single(f, "nsguard_feed_lines_lost_total", "counter",
		   "Feed lines the output file could not take (a full disk); feed_gap tells each run.",
		   c->feed_lines_lost);
	put_single(f, "nsguard_feed_reopens_total", "counter",
		   "Times the output file was opened again (SIGUSR1, renamed or deleted).",
		   c->feed_reopens);
}

char *nsg_metrics_render(struct nsg_metrics *m)
{
	struct counters *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!m)
		return NULL;
	/* A snapshot keeps the agent's updates from waiting on formatting. */
	c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	pthread_mutex_lock(&m->lock);
	*c = m->c;
	pthread_mutex_unlock(&m->lock);

	f = open_memstream(&buf, &len);
	if (!f) {
		free(c);
		return NULL;
	}
	put_header(f, "nsguard_build_info", "gauge",
		   "Build information; the value is always 1.");
	fputs("nsguard_build_info{version=\"", f);
	put_label_value(f, c->version);
	fputs("\"} 1\n", f);
	render_events(f, c);
	render_drops(f, c);
	render_flow(f, c);
	render_state(f, c);
	free(c);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
