// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "feed_schema.h"
#include "names.h"
#include "output.h"
#include "probe.h"
#include "procscan.h"
#include "scan_cmd.h"

static void ns_list_text(uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int t = 0; t < NSG_NS_TYPES && off < len; t++)
		if (mask & NSG_BIT(t))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
						nsg_ns_names[t]);
	if (!buf[0])
		snprintf(buf, len, "-");
}

static void write_table(FILE *f, const struct nsg_scan *s)
{
	fprintf(f, "%-12s  %-10s  %-16s  %5s  %-36s  %s\n", "CONTAINER", "RUNTIME", "HOST NS",
		"PROCS", "POD UID", "CGROUP");
	for (size_t i = 0; i < s->count; i++) {
		const struct nsg_scanned_container *c = &s->items[i];
		char shared[64];

		ns_list_text(c->host_ns_mask & NSG_VIOLATION_MASK, shared, sizeof(shared));
		fprintf(f, "%-12.12s  %-10s  %-16s  %5u  %-36s  %s\n", c->ident.id, c->ident.runtime,
			shared, c->nprocs, c->ident.pod_uid[0] ? c->ident.pod_uid : "-",
			c->cgroup_path);
	}
	fprintf(f, "%zu containers, %zu sharing the host IPC or PID namespace\n", s->count,
		nsg_scan_violations(s));
}

/* The table is for people, not a feed line: the sink takes it as it is. */
static void emit_table(struct nsg_sink *sink, const struct nsg_scan *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m) {
		sink->write_errors++;
		return;
	}
	write_table(m, s);
	if (fclose(m) == 0)
		nsg_sink_emit_raw(sink, text, len);
	else
		sink->write_errors++;
	free(text);
}

static int fail(const char *err)
{
	fprintf(stderr, "nsguard scan: %s\n", err);
	return NSG_EXIT_USAGE;
}

int nsg_scan_command(const struct nsg_config *cfg)
{
	struct nsg_cgroup_mode mode;
	struct nsg_hostns host;
	struct nsg_sink sink;
	struct nsg_scan scan;
	char err[512];
	int status;

	if (nsg_probe_privileges(err, sizeof(err)) ||
	    nsg_hostns_init(&host, cfg->host_ns_pid, err, sizeof(err)) ||
	    nsg_cgroup_mode_detect(&mode, err, sizeof(err)) ||
	    nsg_sink_open(&sink, cfg->output_path, cfg->format, err, sizeof(err)))
		return fail(err);
	if (nsg_scan_proc(&mode, &host, &scan)) {
		nsg_sink_close(&sink);
		return fail("cannot read /proc");
	}
	if (cfg->format == NSG_FMT_TEXT) {
		emit_table(&sink, &scan);
	} else {
		nsg_feed_scan_report(nsg_sink_line(&sink), &scan, nsg_scan_violations(&scan), &host);
		nsg_sink_commit(&sink);
	}
	status = nsg_scan_violations(&scan) ? 1 : 0;
	nsg_scan_free(&scan);
	nsg_sink_close(&sink);
	return sink.write_errors ? fail("cannot write the report") : status;
}
