// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `nsguard scan`: the containers running now and the host namespaces they
 * share, named as the agent's events name them (runtime state: name, image,
 * pod). For people a table (the default on a terminal), for pipelines JSON
 * (the default otherwise) or one container a line (jsonl), and with
 * --suggest-policy a policy that allowlists what runs now.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "feed/controls.h"
#include "feed/feed_schema.h"
#include "feed/names.h"
#include "feed/output.h"
#include "kernel/probe.h"
#include "container/procscan.h"
#include "runtime/meta_cache.h"
#include "runtime/node_meta.h"
#include "scan/scan_cmd.h"
#include "scan/suggest_policy.h"
#include "util/utf8.h"

/* Where the runtimes' state says who each container is. */
struct scan_meta {
	struct nsg_node_meta node;
	struct nsg_meta_cache *cache;
};

static int meta_open(struct scan_meta *m, const struct nsg_config *cfg)
{
	nsg_node_meta_init(&m->node, cfg->storage_root);
	m->cache = nsg_meta_cache_new(&m->node.cfg, 4096);
	return m->cache ? 0 : -1;
}

static const char *container_json(void *arg, const char *id, size_t *len)
{
	return nsg_meta_cache_get_container(arg, id, len);
}

/* ---- the table ---- */

enum { COL_ID, COL_NAME, COL_IMAGE, COL_POD, COL_RUNTIME, COL_HOST_NS, COL_PROCS, NCOLS };
static const char *const headers[NCOLS] = { "CONTAINER", "NAME", "IMAGE", "POD",
					    "RUNTIME", "HOST NS", "PROCS" };
/* Wider values are cut (a terminal line stays readable). */
#define COL_MAX 40

struct row {
	char cell[NCOLS][COL_MAX * 4 + 8];
};

/*
 * A cell as a terminal may show it: control bytes (an escape sequence in a
 * name could repaint the screen) and invalid UTF-8 (utf8.c's definition)
 * become '?', and the text is cut to COL_MAX characters, the last one '~'.
 */
static void set_cell(char *dst, size_t size, const char *src)
{
	const unsigned char *p = (const unsigned char *)(src && src[0] ? src : "-");
	size_t left = strlen((const char *)p), n = 0, chars = 0;

	while (left && n + 5 < size) {
		size_t len = nsg_utf8_seq_len(p, left), step = len ? len : 1;

		if (chars == COL_MAX - 1 && step < left) {
			dst[n++] = '~';
			break;
		}
		if (!len)
			dst[n++] = '?';
		for (size_t k = 0; k < len; k++)
			dst[n++] = (p[k] < 0x20 || p[k] == 0x7f) ? '?' : (char)p[k];
		p += step;
		left -= step;
		chars++;
	}
	dst[n] = '\0';
}

static size_t display_width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xC0) != 0x80;
	return w;
}

static void ns_list_text(uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int t = 0; t < NSG_NS_TYPES && off < len; t++)
		if (mask & NSG_BIT(t))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
						nsg_ns_names[t]);
}

static void fill_row(struct row *r, const struct nsg_scanned_container *c,
		     const struct nsg_container_meta *m)
{
	char pod[600], shared[64], procs[16];

	pod[0] = '\0';
	if (m && m->pod_name[0])
		snprintf(pod, sizeof(pod), "%s/%s", m->pod_namespace[0] ? m->pod_namespace : "?",
			 m->pod_name);
	ns_list_text(c->host_ns_mask & NSG_VIOLATION_MASK, shared, sizeof(shared));
	snprintf(procs, sizeof(procs), "%u", c->nprocs);
	set_cell(r->cell[COL_ID], sizeof(r->cell[COL_ID]), c->ident.id);
	r->cell[COL_ID][12] = '\0';
	set_cell(r->cell[COL_NAME], sizeof(r->cell[COL_NAME]), m ? m->name : NULL);
	set_cell(r->cell[COL_IMAGE], sizeof(r->cell[COL_IMAGE]), m ? m->image : NULL);
	set_cell(r->cell[COL_POD], sizeof(r->cell[COL_POD]), pod);
	set_cell(r->cell[COL_RUNTIME], sizeof(r->cell[COL_RUNTIME]),
		 m && m->runtime[0] ? m->runtime : c->ident.runtime);
	set_cell(r->cell[COL_HOST_NS], sizeof(r->cell[COL_HOST_NS]), shared);
	set_cell(r->cell[COL_PROCS], sizeof(r->cell[COL_PROCS]), procs);
}

static void print_cells(FILE *f, char cells[][COL_MAX * 4 + 8], const size_t width[NCOLS])
{
	for (int i = 0; i < NCOLS; i++) {
		size_t pad = width[i] - display_width(cells[i]);

		if (i == COL_PROCS) /* numbers right-aligned, last */
			fprintf(f, "%*s%s\n", (int)pad, "", cells[i]);
		else
			fprintf(f, "%s%*s  ", cells[i], (int)pad, "");
	}
}

static void write_table(FILE *f, const struct nsg_scan *s, struct nsg_meta_cache *meta)
{
	struct row *rows = calloc(s->count ? s->count : 1, sizeof(*rows));
	char head[NCOLS][COL_MAX * 4 + 8];
	size_t width[NCOLS], i;
	int c;

	if (!rows)
		return;
	for (c = 0; c < NCOLS; c++) {
		snprintf(head[c], sizeof(head[c]), "%s", headers[c]);
		width[c] = strlen(headers[c]);
	}
	for (i = 0; i < s->count; i++) {
		fill_row(&rows[i], &s->items[i], nsg_meta_cache_get(meta, s->items[i].ident.id));
		for (c = 0; c < NCOLS; c++)
			if (display_width(rows[i].cell[c]) > width[c])
				width[c] = display_width(rows[i].cell[c]);
	}
	print_cells(f, head, width);
	for (i = 0; i < s->count; i++)
		print_cells(f, rows[i].cell, width);
	fprintf(f, "%zu containers, %zu sharing the host IPC or PID namespace\n", s->count,
		nsg_scan_violations(s));
	free(rows);
}

/* The table is for people, not a feed line: the sink takes it as it is. */
static void emit_text(struct nsg_sink *sink, void (*fn)(FILE *, void *), void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m) {
		sink->write_errors++;
		return;
	}
	fn(m, arg);
	if (fclose(m) == 0)
		nsg_sink_emit_raw(sink, text, len);
	else
		sink->write_errors++;
	free(text);
}

/* ---- --suggest-policy ---- */

struct scan_job {
	const struct nsg_scan *scan;
	struct scan_meta *meta;
	int rc;
	char err[256];
};

static void table_fn(FILE *f, void *arg)
{
	struct scan_job *j = arg;

	write_table(f, j->scan, j->meta->cache);
}

/* The metadata is copied: the cache's pointers last only until its next call. */
static void suggest_fn(FILE *f, void *arg)
{
	struct scan_job *j = arg;
	const struct nsg_scan *s = j->scan;
	struct nsg_container_meta *metas = calloc(s->count ? s->count : 1, sizeof(*metas));
	struct nsg_suggest_input *in = calloc(s->count ? s->count : 1, sizeof(*in));
	size_t i, n = 0;

	j->rc = -1;
	if (!metas || !in) {
		snprintf(j->err, sizeof(j->err), "out of memory");
		goto out;
	}
	for (i = 0; i < s->count; i++) {
		const struct nsg_scanned_container *c = &s->items[i];
		const struct nsg_container_meta *m = nsg_meta_cache_get(j->meta->cache, c->ident.id);
		uint32_t shared = c->host_ns_mask & NSG_VIOLATION_MASK;

		if (!shared)
			continue;
		if (m)
			metas[n] = *m;
		m = &metas[n];
		in[n] = (struct nsg_suggest_input){
			.host_ns_mask = shared,
			.container_id = c->ident.id,
			.runtime = m->runtime[0] ? m->runtime : c->ident.runtime,
			.kubernetes_namespace = m->pod_namespace[0] ? m->pod_namespace : NULL,
			.pod = m->pod_name[0] ? m->pod_name : NULL,
			.container_name = m->name[0] ? m->name : NULL,
			.image = m->image[0] ? m->image : NULL,
		};
		n++;
	}
	j->rc = nsg_suggest_policy(f, in, n, j->err, sizeof(j->err));
out:
	free(metas);
	free(in);
}

/* ---- the command ---- */

static int fail(const char *err)
{
	fprintf(stderr, "nsguard scan: %s\n", err);
	return NSG_EXIT_USAGE;
}

/* Not asked: a table for a person at a terminal, JSON for everything else. */
static enum nsg_format scan_format(const struct nsg_config *cfg)
{
	if (cfg->format_set)
		return cfg->format;
	return !cfg->output_path && isatty(STDOUT_FILENO) ? NSG_FMT_TEXT : NSG_FMT_JSON;
}

static void emit_report(struct nsg_sink *sink, enum nsg_format fmt, struct scan_job *job,
			const struct nsg_hostns *host)
{
	struct nsg_feed_ctx ctx = { .container_of = container_json,
				    .container_arg = job->meta->cache };

	if (fmt == NSG_FMT_TEXT) {
		emit_text(sink, table_fn, job);
		return;
	}
	if (fmt == NSG_FMT_JSONL) {
		for (size_t i = 0; i < job->scan->count; i++) {
			nsg_feed_scan_container(nsg_sink_line(sink), &job->scan->items[i], &ctx);
			nsg_sink_commit(sink);
		}
		return;
	}
	nsg_feed_scan_report(nsg_sink_line(sink), job->scan, nsg_scan_violations(job->scan), host,
			     &ctx);
	nsg_sink_commit(sink);
}

int nsg_scan_command(const struct nsg_config *cfg)
{
	enum nsg_format fmt = scan_format(cfg);
	struct scan_meta meta = { 0 };
	struct nsg_cgroup_mode mode;
	struct nsg_hostns host;
	struct nsg_sink sink;
	struct nsg_scan scan;
	struct scan_job job = { .scan = &scan, .meta = &meta };
	char err[512];
	int status;

	if (nsg_probe_privileges(err, sizeof(err)) ||
	    nsg_hostns_init(&host, cfg->host_ns_pid, err, sizeof(err)) ||
	    nsg_cgroup_mode_detect(&mode, err, sizeof(err)))
		return fail(err);
	if (meta_open(&meta, cfg))
		return fail("out of memory");
	/* JSON as written; the table and the policy go through as they are (raw). */
	if (nsg_sink_open(&sink, cfg->output_path, NSG_FMT_JSON, err, sizeof(err))) {
		nsg_meta_cache_free(meta.cache);
		return fail(err);
	}
	if (nsg_scan_proc(&mode, &host, &scan)) {
		nsg_sink_close(&sink);
		nsg_meta_cache_free(meta.cache);
		return fail("cannot read /proc");
	}
	if (cfg->suggest_policy)
		emit_text(&sink, suggest_fn, &job);
	else
		emit_report(&sink, fmt, &job, &host);
	status = nsg_scan_violations(&scan) ? 1 : 0;
	nsg_scan_free(&scan);
	nsg_sink_close(&sink);
	nsg_meta_cache_free(meta.cache);
	if (cfg->suggest_policy && job.rc)
		return fail(job.err);
	if (sink.write_errors)
		return fail("cannot write the report");
	/* A suggested policy is the output asked for: not a finding. */
	return cfg->suggest_policy ? 0 : status;
}
