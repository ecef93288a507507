// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * serializer [-n EVENTS] [-r ROUNDS] [-c CPU]
 *
 * The feed's serializer alone, on one core (pinned with
 * sched_setaffinity): N realistic kernel events — setns into the host IPC
 * namespace by a container task with a hostile comm (escapes and invalid
 * UTF-8, so a `comm_raw`), exe from the event-time lookup, the
 * `container` object from the per-container cache; every fourth one a
 * host_ns_exec with its own exe — formatted into a 64 KiB batch buffer the
 * way the sink fills it (lines appended, the buffer reused once full).
 *
 *   writer   feed/schema_*.c through jsonw.c, as the agent does now
 *   jansson  the previous path, kept here as the baseline: a json_t tree
 *            per event (the container object a cached, shared json_t),
 *            json_dumpb() into a reused buffer, copied into the batch
 *
 * Both run in the same process, interleaved round by round; each path's
 * best round counts (thread CPU time, so other load on the machine costs
 * wall time, not the result). First, both paths format the same events and
 * the bytes are compared: the baseline is the same schema.
 *
 * Prints one TSV line per path: path, events, cpu_s, events_per_s, bytes
 * per event; then `ratio<TAB>writer/jansson`.
 */
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "feed/controls.h"
#include "feed/feed_schema.h"
#include "feed/names.h"
#include "feed/timefmt.h"
#include "util/utf8.h"

#define BATCH (64 * 1024)
#define VARIANTS 64
#define ID "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"

static const int64_t boot_to_realtime = 1700000000LL * 1000000000LL;

/* ---- the events ---- */

static struct nsg_event events[VARIANTS];

static void make_events(void)
{
	for (int i = 0; i < VARIANTS; i++) {
		struct nsg_event *e = &events[i];

		memset(e, 0, sizeof(*e));
		e->type = i % 4 == 3 ? NSG_EV_HOST_NS_EXEC : NSG_EV_SETNS;
		e->verdict = NSG_VERDICT_ALERT;
		e->ts_boot_ns = 86400ULL * 1000000000ULL + (uint64_t)i * 7919;
		e->pid = 200000 + (uint32_t)i;
		e->tid = e->pid;
		e->ppid = 1234;
		e->cgroup_id = 19899;
		e->container_cgroup_id = 19899; /* in its own container's cgroup: no `cgroup` */
		e->is_container = 1;
		memcpy(e->container_id, ID, sizeof(ID));
		memcpy(e->comm, "evil\"\\\n\xff\xc3(x", 11); /* renamed with PR_SET_NAME */
		e->comm[10] = (char)('a' + i % 26);
		e->host_ns_mask = NSG_BIT(NSG_NS_IPC);
		e->reported_mask = NSG_BIT(NSG_NS_IPC);
		for (int t = 0; t < NSG_NS_TYPES; t++)
			e->ns_inum[t] = 4026532000U + (uint32_t)t;
		e->ns_inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
		if (e->type == NSG_EV_HOST_NS_EXEC) {
			strcpy(e->exe, "/usr/local/bin/evade");
			continue;
		}
		e->setns.via = NSG_VIA_NSFS;
		e->setns.fd = 3;
		e->setns.target_mask = NSG_BIT(NSG_NS_IPC);
		e->setns.target_host = NSG_BIT(NSG_NS_IPC);
		e->setns.target_inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
		e->setns.result = 0;
	}
}

static const char *exe_of(void *arg, uint32_t pid, uint64_t start, uint64_t exec_id)
{
	(void)arg, (void)pid, (void)start, (void)exec_id;
	return "/usr/bin/nsenter";
}

static struct nsg_container_meta meta = { .found = true, .runtime = "containerd",
					  .name = "flooder", .pod_name = "flood-7d9f8-abcde",
					  .pod_namespace = "tenant-a", .pod_uid = "0b0e5b8a-6c1d-4c0e",
					  .image = "docker.io/library/busybox:1.36" };

/* ---- the writer path ---- */

static struct nsg_jsonw container_cache;

static const char *container_of(void *arg, const char *id, size_t *len)
{
	(void)arg, (void)id;
	*len = container_cache.len;
	return container_cache.buf;
}

static const struct nsg_feed_ctx ctx = {
	.boot_to_realtime_ns = boot_to_realtime,
	.exe_of = exe_of,
	.container_of = container_of,
};

static struct nsg_jsonw batch;

static size_t writer_line(const struct nsg_event *e)
{
	size_t mark;

	if (batch.len >= BATCH)
		nsg_jsonw_rewind(&batch, 0);
	mark = nsg_jsonw_mark(&batch);
	nsg_feed_kernel_event(&batch, e, &ctx);
	nsg_jsonw_verbatim(&batch, "\n", 1);
	return batch.len - mark;
}

/* ---- the Jansson path (the feed before the writer) ---- */

static json_t *container_json;

static json_t *ns_list(uint32_t mask)
{
	json_t *list = json_array();

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t))
			json_array_append_new(list, json_string(nsg_ns_names[t]));
	return list;
}

static json_t *ns_inums(const uint32_t inum[NSG_NS_TYPES])
{
	json_t *obj = json_object();

	for (int t = 0; t < NSG_NS_TYPES; t++)
		json_object_set_new(obj, nsg_ns_names[t], inum[t] ? json_integer(inum[t]) : json_null());
	return obj;
}

/* Bytes to a string member; invalid UTF-8 repaired, the exact bytes as hex in key_raw. */
static void set_bytes(json_t *o, const char *key, const char *buf, size_t maxlen)
{
	size_t len = strnlen(buf, maxlen), n = 0;
	char fixed[3 * 256 + 1], hex[2 * 256 + 1], rawkey[64];

	if (nsg_utf8_valid(buf, len)) {
		json_object_set_new(o, key, json_stringn(buf, len));
		return;
	}
	for (size_t i = 0; i < len;) {
		size_t k = nsg_utf8_seq_len((const unsigned char *)buf + i, len - i);

		memcpy(fixed + n, k ? buf + i : "\xEF\xBF\xBD", k ? k : 3);
		n += k ? k : 3;
		i += k ? k : 1;
	}
	for (size_t i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", (unsigned char)buf[i]);
	snprintf(rawkey, sizeof(rawkey), "%s_raw", key);
	json_object_set_new(o, key, json_stringn(fixed, n));
	json_object_set_new(o, rawkey, json_stringn(hex, 2 * len));
}

static json_t *target_json(const struct nsg_setns_info *s, int t)
{
	return json_pack("{s:s, s:I, s:b}", "type", nsg_ns_names[t], "inum",
			 (json_int_t)s->target_inum[t], "host", !!(s->target_host & NSG_BIT(t)));
}

/* "controls" as the feed writes it (controls.c), when the mask fails any. */
static void controls_json(json_t *o, uint32_t mask)
{
	const char *ids[8];
	size_t n = nsg_controls_failed(mask, ids, 8);
	json_t *a;

	if (!n)
		return;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(ids[i]));
	json_object_set_new(o, "controls", a);
}

static json_t *jansson_event(const struct nsg_event *e)
{
	json_t *o = json_object(), *targets;
	char when[NSG_RFC3339_LEN];
	int primary;

	nsg_format_rfc3339((int64_t)e->ts_boot_ns + boot_to_realtime, when, sizeof(when));
	json_object_set_new(o, "schema", json_integer(1));
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "event", json_string(nsg_event_name(e->type)));
	json_object_set_new(o, "severity", json_string("violation"));
	json_object_set_new(o, "verdict", json_string(nsg_verdict_name(e->verdict)));
	json_object_set_new(o, "pid", json_integer(e->pid));
	json_object_set_new(o, "tid", json_integer(e->tid));
	json_object_set_new(o, "ppid", json_integer(e->ppid));
	json_object_set_new(o, "uid", json_integer(e->uid));
	set_bytes(o, "comm", e->comm, sizeof(e->comm));
	if (e->exe[0])
		set_bytes(o, "exe", e->exe, sizeof(e->exe));
	else
		set_bytes(o, "exe", exe_of(NULL, 0, 0, 0), NSG_EXE_LEN);
	json_object_set_new(o, "cgroup_id", json_integer((json_int_t)e->cgroup_id));
	json_object_set_new(o, "container_id", json_stringn(e->container_id, NSG_CONTAINER_ID_LEN));
	json_object_set_new(o, "container", json_incref(container_json));
	json_object_set_new(o, "container_cgroup_id", json_integer((json_int_t)e->container_cgroup_id));
	json_object_set_new(o, "host_ns", ns_list(e->host_ns_mask & (NSG_VIOLATION_MASK | e->reported_mask)));
	json_object_set_new(o, "host_ns_all", ns_list(e->host_ns_mask));
	json_object_set_new(o, "ns", ns_inums(e->ns_inum));
	controls_json(o, e->type == NSG_EV_SETNS ? e->reported_mask & e->setns.target_host :
						   e->host_ns_mask & (NSG_VIOLATION_MASK | e->reported_mask));
	if (e->type != NSG_EV_SETNS)
		return o;
	primary = nsg_first_ns_type(e->setns.target_host ? e->setns.target_host : e->setns.target_mask);
	targets = json_array();
	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (e->setns.target_mask & NSG_BIT(t))
			json_array_append_new(targets, target_json(&e->setns, t));
	json_object_set_new(o, "target", primary >= 0 ? target_json(&e->setns, primary) : json_null());
	json_object_set_new(o, "targets", targets);
	json_object_set_new(o, "via", json_string(nsg_setns_via_name(e->setns.via)));
	json_object_set_new(o, "fd", json_integer(e->setns.fd));
	json_object_set_new(o, "nstype", json_integer(e->setns.flags));
	json_object_set_new(o, "result", json_integer(e->setns.result));
	return o;
}

static char *dump_buf;
static size_t dump_cap = BATCH;

/* The old sink: json_dumpb() into one reused buffer, then into the batch. */
static size_t jansson_line(const struct nsg_event *e)
{
	json_t *o = jansson_event(e);
	size_t n = json_dumpb(o, dump_buf, dump_cap, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(o);
	if (n == 0 || n + 1 > dump_cap)
		abort();
	dump_buf[n++] = '\n';
	if (batch.len + n > BATCH)
		nsg_jsonw_rewind(&batch, 0);
	nsg_jsonw_verbatim(&batch, dump_buf, n);
	return n;
}

/* ---- the measurement ---- */

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct path {
	const char *name;
	size_t (*line)(const struct nsg_event *e);
	double best_s;
	size_t bytes;
};

static void run_round(struct path *p, long n)
{
	double t0 = thread_cpu_s(), s;
	size_t bytes = 0;

	nsg_jsonw_rewind(&batch, 0);
	for (long i = 0; i < n; i++)
		bytes += p->line(&events[i % VARIANTS]);
	s = thread_cpu_s() - t0;
	if (p->best_s == 0 || s < p->best_s)
		p->best_s = s;
	p->bytes = bytes;
}

/* Both paths write the same bytes for every event variant. */
static int same_bytes(void)
{
	for (int i = 0; i < VARIANTS; i++) {
		size_t a, b;
		char *first;

		nsg_jsonw_rewind(&batch, 0);
		a = writer_line(&events[i]);
		first = strndup(batch.buf, a);
		nsg_jsonw_rewind(&batch, 0);
		b = jansson_line(&events[i]);
		if (!first || a != b || memcmp(first, batch.buf, a) != 0) {
			fprintf(stderr, "serializer: event %d differs:\n%s%.*s", i, first ? first : "",
				(int)b, batch.buf);
			free(first);
			return 0;
		}
		free(first);
	}
	return 1;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("serializer: sched_setaffinity (running unpinned)");
}

int main(int argc, char **argv)
{
	struct path paths[] = { { "writer", writer_line, 0, 0 }, { "jansson", jansson_line, 0, 0 } };
	long n = 500000;
	int rounds = 5, cpu = 0, c;

	while ((c = getopt(argc, argv, "n:r:c:")) != -1) {
		if (c == 'n')
			n = atol(optarg);
		else if (c == 'r')
			rounds = atoi(optarg);
		else if (c == 'c')
			cpu = atoi(optarg);
		else
			return 2;
	}
	if (n < 1 || rounds < 1)
		return 2;
	pin(cpu);
	make_events();
	nsg_feed_container(&container_cache, &meta);
	container_json = json_loadb(container_cache.buf, container_cache.len, 0, NULL);
	dump_buf = malloc(dump_cap);
	if (!container_json || !dump_buf || !same_bytes())
		return 1;
	for (int r = 0; r < rounds; r++)
		for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
			run_round(&paths[p], n);
	for (size_t p = 0; p < sizeof(paths) / sizeof(paths[0]); p++)
		printf("%s\t%ld\t%.4f\t%.0f\t%.0f\n", paths[p].name, n, paths[p].best_s,
		       (double)n / paths[p].best_s, (double)paths[p].bytes / (double)n);
	printf("ratio\t%.2f\n", paths[1].best_s / paths[0].best_s);
	json_decref(container_json);
	nsg_jsonw_free(&container_cache);
	nsg_jsonw_free(&batch);
	free(dump_buf);
	return 0;
}
