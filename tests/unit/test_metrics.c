// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus endpoint: the exposition text parses back (HELP/TYPE before
 * every family, one sample per series, escaped labels), label values stay
 * in their fixed sets, and a real scrape over TCP gets 200 and the
 * counters while other paths get 404; bad addresses and a busy port fail
 * with one line.
 */
#include <setjmp.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <cmocka.h>
#include "metrics/metrics.h"
#include "feed/names.h"

static const char *const families[] = {
	"nsguard_build_info",	      "nsguard_events_total",	   "nsguard_events_dropped_total",
	"nsguard_ringbuf_fill_ratio", "nsguard_policy_reloads_total", "nsguard_tier_info",
	"nsguard_containers_tracked", "nsguard_feed_lines_lost_total", "nsguard_feed_reopens_total",
};

static struct nsg_metrics *start_local(void)
{
	char err[256] = "";
	struct nsg_metrics *m = nsg_metrics_start("127.0.0.1:0", err, sizeof(err));

	if (!m)
		fail_msg("start: %s", err);
	assert_true(nsg_metrics_port(m) > 0);
	return m;
}

/* The metric name of a sample line: up to '{' or ' '. */
static size_t name_len(const char *line)
{
	return strcspn(line, "{ ");
}

/* What the exposition parsed so far declared and showed. */
struct expo {
	char declared[16][64]; /* family names, in order */
	int ndecl;
	bool help_pending; /* HELP seen, its TYPE not yet */
	char seen[512][160]; /* series (name and labels) */
	int nseen;
};

static void on_help(struct expo *x, const char *line)
{
	assert_false(x->help_pending);
	assert_true(x->ndecl < 16);
	x->help_pending = true;
	snprintf(x->declared[x->ndecl++], sizeof(x->declared[0]), "%.*s",
		 (int)name_len(line + 7), line + 7);
}

static void on_type(struct expo *x, const char *line)
{
	const char *name = x->declared[x->ndecl - 1], *type;

	assert_true(x->help_pending);
	x->help_pending = false;
	assert_int_equal(strncmp(line + 7, name, strlen(name)), 0);
	type = line + 7 + strlen(name);
	assert_true(strcmp(type, " counter") == 0 || strcmp(type, " gauge") == 0);
}

/* {name="value",...}: label names are identifiers, values escape \ " \n. */
static void check_labels(const char *p, const char *end)
{
	assert_true(*p++ == '{' && end[-1] == '}');
	while (p < end - 1) {
		assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
		while ((*p >= 'a' && *p <= 'z') || *p == '_')
			p++;
		assert_true(p[0] == '=' && p[1] == '"');
		for (p += 2; *p != '"'; p++) {
			assert_true(*p != '\n' && p < end);
			if (*p == '\\')
				assert_non_null(strchr("\\\"n", *++p));
		}
		p++;
		assert_true(*p == ',' || p == end - 1);
		if (*p == ',')
			p++;
	}
}

static void on_sample(struct expo *x, const char *line)
{
	const char *name = x->declared[x->ndecl - 1];
	const char *v = strrchr(line, ' ');
	size_t n = name_len(line), series;
	char *end;

	/* A sample belongs to the family declared last. */
	assert_false(x->help_pending);
	assert_true(x->ndecl > 0 && v);
	assert_true(n == strlen(name) && strncmp(line, name, n) == 0);
	if (line[n] == '{')
		check_labels(line + n, v);
	else
		assert_ptr_equal(line + n, v);
	/* The value is a number after the last space. */
	strtod(v + 1, &end);
	assert_true(*end == '\0' && end != v + 1);
	series = (size_t)(v - line);
	for (int i = 0; i < x->nseen; i++)
		if (strlen(x->seen[i]) == series && strncmp(x->seen[i], line, series) == 0)
			fail_msg("series twice: %s", x->seen[i]);
	assert_true(x->nseen < 512);
	snprintf(x->seen[x->nseen++], sizeof(x->seen[0]), "%.*s", (int)series, line);
}

/*
 * Checks the whole text line by line: every line is HELP, TYPE or a
 * sample; each family has HELP then TYPE before its first sample; labels
 * are well-formed; no series appears twice. Fails the test otherwise.
 */
static void check_exposition(const char *text)
{
	char *copy = strdup(text), *save = NULL, *line;
	struct expo *x = calloc(1, sizeof(*x));

	assert_true(copy && x);
	assert_true(strlen(text) > 0 && text[strlen(text) - 1] == '\n');
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0)
			on_help(x, line);
		else if (strncmp(line, "# TYPE ", 7) == 0)
			on_type(x, line);
		else
			on_sample(x, line);
	}
	assert_false(x->help_pending);
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		bool found = false;

		for (int i = 0; i < x->ndecl; i++)
			found |= strcmp(x->declared[i], families[f]) == 0;
		if (!found)
			fail_msg("family %s not declared", families[f]);
	}
	free(x);
	free(copy);
}

/* Value of the sample whose series is exactly `series`, or -1 if absent. */
static double sample(const char *text, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, series, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

static double render_sample(struct nsg_metrics *m, const char *series)
{
	char *text = nsg_metrics_render(m);
	double v;

	assert_non_null(text);
	check_exposition(text);
	v = sample(text, series);
	free(text);
	return v;
}

#define EV(e, v, t) "nsguard_events_total{event=\"" e "\",verdict=\"" v "\",ns_type=\"" t "\"}"

static void test_fresh_render(void **state)
{
	struct nsg_metrics *m = start_local();
	char *text = nsg_metrics_render(m);

	(void)state;
	assert_non_null(text);
	check_exposition(text);
	assert_true(sample(text, "nsguard_build_info{version=\"" NSGUARD_VERSION "\"}") == 1);
	assert_true(sample(text, "nsguard_ringbuf_fill_ratio") == 0);
	assert_true(sample(text, "nsguard_policy_reloads_total{result=\"ok\"}") == 0);
	assert_true(sample(text, "nsguard_policy_reloads_total{result=\"error\"}") == 0);
	assert_true(sample(text, "nsguard_containers_tracked") == 0);
	/* Drops show zero for every kernel event, so "no loss" is visible. */
	assert_true(sample(text, "nsguard_events_dropped_total{event=\"setns\"}") == 0);
	assert_true(sample(text, "nsguard_events_dropped_total{event=\"host_ns_exec\"}") == 0);
	assert_true(sample(text, "nsguard_events_dropped_total{event=\"ns_create\"}") == 0);
	/* No tier until the agent has chosen one. */
	assert_null(strstr(text, "nsguard_tier_info{"));
	free(text);
	nsg_metrics_stop(m);
}

static void test_counters_increase(void **state)
{
	struct nsg_metrics *m = start_local();

	(void)state;
	nsg_metrics_count_event(m, "setns", "alert", "ipc");
	assert_true(render_sample(m, EV("setns", "alert", "ipc")) == 1);
	nsg_metrics_count_event(m, "setns", "alert", "ipc");
	nsg_metrics_count_event(m, "setns", "blocked", "ipc");
	nsg_metrics_count_event(m, "ns_create", "alert", NULL);
	assert_true(render_sample(m, EV("setns", "alert", "ipc")) == 2);
	assert_true(render_sample(m, EV("setns", "blocked", "ipc")) == 1);
	assert_true(render_sample(m, EV("ns_create", "alert", "none")) == 1);

	nsg_metrics_count_policy_reload(m, true);
	nsg_metrics_count_policy_reload(m, false);
	nsg_metrics_count_policy_reload(m, false);
	assert_true(render_sample(m, "nsguard_policy_reloads_total{result=\"ok\"}") == 1);
	assert_true(render_sample(m, "nsguard_policy_reloads_total{result=\"error\"}") == 2);

	nsg_metrics_set_drops(m, "setns", 41);
	nsg_metrics_set_drops(m, "setns", 42);
	assert_true(render_sample(m, "nsguard_events_dropped_total{event=\"setns\"}") == 42);
	nsg_metrics_set_containers(m, 7);
	assert_true(render_sample(m, "nsguard_containers_tracked") == 7);
	nsg_metrics_set_feed(m, 16, 3);
	assert_true(render_sample(m, "nsguard_feed_lines_lost_total") == 16);
	assert_true(render_sample(m, "nsguard_feed_reopens_total") == 3);
	nsg_metrics_set_ring_fill(m, 0.25);
	assert_true(render_sample(m, "nsguard_ringbuf_fill_ratio") == 0.25);
	nsg_metrics_stop(m);
}

#define FLOW(c, e, o) "nsguard_kernel_events_total{class=\"" c "\",event=\"" e "\",outcome=\"" o "\"}"

/* Every outcome of every kernel event shows, zero included; unknown labels never add series. */
static void test_flow_outcomes(void **state)
{
	struct nsg_metrics *m = start_local();
	char *text;

	(void)state;
	assert_true(render_sample(m, FLOW("violation", "setns", "coalesced")) == 0);
	assert_true(render_sample(m, FLOW("info", "ns_create", "rate_limited")) == 0);
	nsg_metrics_set_flow(m, "violation", "setns", "coalesced", 1999989);
	nsg_metrics_set_flow(m, "violation", "setns", "queued", 11);
	nsg_metrics_set_flow(m, "info", "ns_create", "dropped", 3);
	assert_true(render_sample(m, FLOW("violation", "setns", "coalesced")) == 1999989);
	assert_true(render_sample(m, FLOW("violation", "setns", "queued")) == 11);
	assert_true(render_sample(m, FLOW("info", "ns_create", "dropped")) == 3);
	nsg_metrics_set_flow(m, "bogus", "setns", "queued", 5);
	nsg_metrics_set_flow(m, "violation", "bogus", "queued", 5);
	nsg_metrics_set_flow(m, "violation", "setns", "bogus", 5);
	text = nsg_metrics_render(m);
	assert_non_null(text);
	assert_null(strstr(text, "bogus"));
	assert_null(strstr(text, "nsguard_kernel_events_total{class=\"other\""));
	assert_null(strstr(text, "outcome=\"other\""));
	free(text);
	nsg_metrics_stop(m);
}

static void test_gauges_bounded(void **state)
{
	struct nsg_metrics *m = start_local();
	char *text;

	(void)state;
	nsg_metrics_set_ring_fill(m, 3.0);
	assert_true(render_sample(m, "nsguard_ringbuf_fill_ratio") == 1);
	nsg_metrics_set_ring_fill(m, -1.0);
	assert_true(render_sample(m, "nsguard_ringbuf_fill_ratio") == 0);
	nsg_metrics_set_ring_fill(m, 0.0 / 0.0);
	assert_true(render_sample(m, "nsguard_ringbuf_fill_ratio") == 0);

	/* The tier is one series, replaced, never accumulated. */
	nsg_metrics_set_tier(m, "signal", "audit");
	nsg_metrics_set_tier(m, "lsm", "enforce");
	text = nsg_metrics_render(m);
	check_exposition(text);
	assert_true(sample(text, "nsguard_tier_info{tier=\"lsm\",mode=\"enforce\"}") == 1);
	assert_null(strstr(text, "tier=\"signal\""));
	free(text);
	nsg_metrics_stop(m);
}

/* Unknown label values land in "other": the series count cannot grow. */
static void test_unknown_labels_bucketed(void **state)
{
	struct nsg_metrics *m = start_local();
	char *text;

	(void)state;
	nsg_metrics_count_event(m, "evil\"} 1\nnsguard_pwned 1", "x", "y");
	nsg_metrics_count_event(m, NULL, NULL, "");
	for (int i = 0; i < 1000; i++) {
		char name[32];

		snprintf(name, sizeof(name), "ev%d", i);
		nsg_metrics_count_event(m, name, name, name);
	}
	nsg_metrics_set_drops(m, "bogus", 5);
	nsg_metrics_set_tier(m, "wat", "\n");
	text = nsg_metrics_render(m);
	check_exposition(text);
	assert_true(sample(text, EV("other", "other", "other")) == 1002);
	assert_true(sample(text, "nsguard_events_dropped_total{event=\"other\"}") == 5);
	assert_true(sample(text, "nsguard_tier_info{tier=\"other\",mode=\"other\"}") == 1);
	assert_null(strstr(text, "pwned"));
	assert_null(strstr(text, "ev1"));
	free(text);
	nsg_metrics_stop(m);
}

/* Every name the feed uses (names.c) has its own bucket. */
static void test_feed_names_known(void **state)
{
	struct nsg_metrics *m = start_local();
	const char *verdicts[] = { nsg_verdict_name(NSG_VERDICT_ALERT),
				   nsg_verdict_name(NSG_VERDICT_BLOCKED),
				   nsg_verdict_name(NSG_VERDICT_KILLED),
				   nsg_verdict_name(NSG_VERDICT_ALLOWED) };
	char *text;

	(void)state;
	for (uint32_t e = NSG_EV_HOST_NS_EXEC; e < NSG_EV_MAX; e++)
		for (size_t v = 0; v < sizeof(verdicts) / sizeof(verdicts[0]); v++)
			for (int t = 0; t < NSG_NS_TYPES; t++)
				nsg_metrics_count_event(m, nsg_event_name(e), verdicts[v],
							nsg_ns_names[t]);
	nsg_metrics_count_event(m, "host_ns_running", "alert", "pid");
	for (uint32_t e = NSG_EV_HOST_NS_EXEC; e < NSG_EV_MAX; e++)
		nsg_metrics_set_drops(m, nsg_event_name(e), 1);
	nsg_metrics_set_tier(m, "none", "audit");
	text = nsg_metrics_render(m);
	check_exposition(text);
	assert_null(strstr(text, "\"other\""));
	assert_true(sample(text, EV("host_ns_exec", "killed", "user")) == 1);
	assert_true(sample(text, EV("host_ns_running", "alert", "pid")) == 1);
	free(text);
	nsg_metrics_stop(m);
}

static void test_label_escaping(void **state)
{
	struct nsg_metrics *m = start_local();

	(void)state;
	nsg_metrics_set_version(m, "1.0\"x\\y\nz");
	assert_true(render_sample(m, "nsguard_build_info{version=\"1.0\\\"x\\\\y\\nz\"}") == 1);
	nsg_metrics_stop(m);
}

static void test_null_safe(void **state)
{
	(void)state;
	nsg_metrics_count_event(NULL, "setns", "alert", "ipc");
	nsg_metrics_set_drops(NULL, "setns", 1);
	nsg_metrics_set_ring_fill(NULL, 0.5);
	nsg_metrics_count_policy_reload(NULL, true);
	nsg_metrics_set_tier(NULL, "lsm", "audit");
	nsg_metrics_set_containers(NULL, 1);
	nsg_metrics_set_version(NULL, "x");
	assert_null(nsg_metrics_render(NULL));
	assert_int_equal(nsg_metrics_port(NULL), -1);
	nsg_metrics_stop(NULL);
}

/* ---- over TCP ---- */

/* Sends one raw HTTP/1.0 request; returns the whole response (caller frees). */
static char *http_raw(int port, const char *request)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct timeval tv = { .tv_sec = 5 };
	size_t len = 0, cap = 65536;
	char *buf = calloc(1, cap);
	ssize_t n;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_non_null(buf);
	assert_true(fd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* Bounded: a hung server fails the test instead of hanging it. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	while ((n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	assert_true(n == 0); /* EOF, not a timeout */
	close(fd);
	buf[len] = '\0';
	return buf;
}

/* The status code of a response, whatever HTTP version it answers with. */
static int status_of(const char *resp)
{
	int code = -1;

	if (sscanf(resp, "HTTP/1.%*1[01] %3d ", &code) != 1)
		return -1;
	return code;
}

static char *http_get(int port, const char *method, const char *path)
{
	char req[256];

	snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: localhost\r\n\r\n", method, path);
	return http_raw(port, req);
}

static void test_scrape(void **state)
{
	struct nsg_metrics *m = start_local();
	char *resp, *body;

	(void)state;
	nsg_metrics_count_event(m, "host_ns_exec", "killed", "pid");
	nsg_metrics_count_event(m, "host_ns_exec", "killed", "pid");
	nsg_metrics_count_event(m, "host_ns_exec", "killed", "pid");
	resp = http_get(nsg_metrics_port(m), "GET", "/metrics");
	assert_int_equal(status_of(resp), 200);
	assert_non_null(strcasestr(resp, "\r\nContent-Type: text/plain; version=0.0.4"));
	body = strstr(resp, "\r\n\r\n");
	assert_non_null(body);
	check_exposition(body + 4);
	assert_true(sample(body + 4, EV("host_ns_exec", "killed", "pid")) == 3);
	free(resp);

	/* HEAD: the same status and type, and no body after the headers. */
	resp = http_get(nsg_metrics_port(m), "HEAD", "/metrics");
	assert_int_equal(status_of(resp), 200);
	assert_non_null(strcasestr(resp, "\r\nContent-Type: text/plain; version=0.0.4"));
	body = strstr(resp, "\r\n\r\n");
	assert_non_null(body);
	assert_string_equal(body + 4, "");
	free(resp);

	/* Query strings do not change the answer. */
	resp = http_get(nsg_metrics_port(m), "GET", "/metrics?x=1");
	assert_int_equal(status_of(resp), 200);
	free(resp);
	nsg_metrics_stop(m);
}

static void test_scrape_http11_keepalive(void **state)
{
	struct nsg_metrics *m = start_local();
	char *resp;

	(void)state;
	resp = http_raw(nsg_metrics_port(m), "GET /metrics HTTP/1.1\r\nHost: x\r\n"
					     "Connection: close\r\n\r\n");
	assert_int_equal(status_of(resp), 200);
	assert_non_null(strstr(resp, "nsguard_build_info{"));
	free(resp);
	nsg_metrics_stop(m);
}

static void test_other_paths_404(void **state)
{
	struct nsg_metrics *m = start_local();
	const char *paths[] = { "/", "/metric", "/metrics/", "/metricsx", "/../metrics" };
	char *resp;

	(void)state;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		int code;

		resp = http_get(nsg_metrics_port(m), "GET", paths[i]);
		code = status_of(resp);
		free(resp);
		if (code != 404)
			fail_msg("GET %s: status %d", paths[i], code);
	}
	resp = http_get(nsg_metrics_port(m), "POST", "/metrics");
	assert_int_equal(status_of(resp), 404);
	free(resp);
	resp = http_get(nsg_metrics_port(m), "DELETE", "/metrics");
	assert_int_equal(status_of(resp), 404);
	free(resp);
	/* The server survives garbage and still answers. */
	resp = http_raw(nsg_metrics_port(m), "\x01\x02 garbage\r\n\r\n");
	free(resp);
	resp = http_get(nsg_metrics_port(m), "GET", "/metrics");
	assert_int_equal(status_of(resp), 200);
	free(resp);
	nsg_metrics_stop(m);
}

static void assert_one_line(const char *err)
{
	assert_true(strlen(err) > 0);
	assert_null(strchr(err, '\n'));
}

static void test_bad_addresses(void **state)
{
	const char *bad[] = { "",	       "9500",	       "127.0.0.1",  "127.0.0.1:",
			      "127.0.0.1:x",   "127.0.0.1:65536", "127.0.0.1:-1", "localhost:9500",
			      "::1:9500",      "[::1:9500",    "[]:9500",    "1.2.3:9500",
			      "[::1]:+1",      "127.0.0.1:9500 ", "1.2.3.4\n:9500", "\n" };
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (nsg_metrics_start(bad[i], err, sizeof(err)))
			fail_msg("'%s' accepted", bad[i]);
		assert_one_line(err);
		assert_non_null(strstr(err, "metrics address"));
	}
	err[0] = '\0';
	assert_null(nsg_metrics_start(NULL, err, sizeof(err)));
	assert_one_line(err);
}

static void test_port_in_use(void **state)
{
	struct nsg_metrics *m = start_local();
	char addr[64], err[256] = "";

	(void)state;
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", nsg_metrics_port(m));
	assert_null(nsg_metrics_start(addr, err, sizeof(err)));
	assert_one_line(err);
	assert_non_null(strstr(err, "in use"));
	nsg_metrics_stop(m);
	/* Freed on stop: the port can be taken again at once. */
	m = nsg_metrics_start(addr, err, sizeof(err));
	if (!m)
		fail_msg("rebind %s: %s", addr, err);
	nsg_metrics_stop(m);
}

/*
 * Without IPv6 the [::1] half cannot run: a cmocka skip, which run.sh
 * counts and CI fails on (run.sh gives root a private network namespace
 * with ::1 up, so it runs wherever the kernel has IPv6).
 */
static void test_any_and_ipv6(void **state)
{
	char err[256] = "";
	struct nsg_metrics *m = nsg_metrics_start(":0", err, sizeof(err));
	int fd = socket(AF_INET6, SOCK_STREAM, 0), fd_errno = errno;
	char *resp;

	(void)state;
	if (!m)
		fail_msg(":0: %s", err);
	/* ":PORT" takes IPv4 clients too. */
	resp = http_get(nsg_metrics_port(m), "GET", "/metrics");
	assert_int_equal(status_of(resp), 200);
	free(resp);
	nsg_metrics_stop(m);
	if (fd < 0) {
		print_message("skipped: no IPv6 here: socket(AF_INET6): %s\n", strerror(fd_errno));
		skip();
	}
	close(fd);
	m = nsg_metrics_start("[::1]:0", err, sizeof(err));
	if (!m && strstr(err, "Cannot assign")) {
		print_message("skipped: IPv6 without a loopback address: %s\n", err);
		skip();
	}
	if (!m)
		fail_msg("[::1]:0: %s", err);
	nsg_metrics_stop(m);
}

/* Stopping right after starting must not hang (a stop before the loop runs). */
static void test_start_stop_fast(void **state)
{
	(void)state;
	for (int i = 0; i < 200; i++)
		nsg_metrics_stop(start_local());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fresh_render),
		cmocka_unit_test(test_counters_increase),
		cmocka_unit_test(test_flow_outcomes),
		cmocka_unit_test(test_gauges_bounded),
		cmocka_unit_test(test_unknown_labels_bucketed),
		cmocka_unit_test(test_feed_names_known),
		cmocka_unit_test(test_label_escaping),
		cmocka_unit_test(test_null_safe),
		cmocka_unit_test(test_scrape),
		cmocka_unit_test(test_scrape_http11_keepalive),
		cmocka_unit_test(test_other_paths_404),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_port_in_use),
		cmocka_unit_test(test_any_and_ipv6),
		cmocka_unit_test(test_start_stop_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
