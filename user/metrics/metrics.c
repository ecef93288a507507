// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus endpoint. libevent's evhttp rather than libmicrohttpd: Debian's
 * libmicrohttpd.a needs GnuTLS, whose p11-kit dependency has no static
 * library in Debian, so it cannot go into the static binary; libevent_core
 * and libevent_extra link statically with nothing else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include "metrics/metrics.h"
#include "feed/names.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LISTEN_BACKLOG 16
/* A scraper that stalls must not hold a connection forever. */
#define HTTP_TIMEOUT_S 10
#define MAX_HEADERS_SIZE 8192
#define MAX_BODY_SIZE 1024
#define VERSION_MAX 64

/*
 * Label values, spelled as in the event feed (names.c). The last entry of
 * each table is the bucket for anything unknown.
 */
/*
 * Events: the kernel's (names.c spells them), which it queues and can
 * drop, then host_ns_running (the start-up scan's), then "other".
 */
#define KERNEL_EVENTS (NSG_EV_MAX - 1)
#define N_EVENTS (KERNEL_EVENTS + 2)
/* restored/unrestored: what the agent's self-check did about a tamper it found. */
/* none: informational events (no verdict). */
static const char *const verdict_names[] = { "alert", "blocked", "killed", "allowed", "none",
					     "restored", "unrestored", "other" };
static const char *const ns_names[] = { "none", "ipc",	  "pid",  "net",  "uts", "mnt",
					"cgroup", "time", "user", "other" };
static const char *const class_names[] = { "violation", "info", "other" };
static const char *const outcome_names[] = { "queued", "coalesced", "rate_limited", "dropped",
					     "other" };
static const char *const map_names[] = { "exempt_cgroups", "flows", "coalesce", "other" };
static const char *const tier_names[] = { "lsm", "signal", "none", "other" };
static const char *const mode_names[] = { "audit", "enforce", "other" };

#define N_VERDICTS ARRAY_LEN(verdict_names)
#define N_NS ARRAY_LEN(ns_names)
#define N_CLASSES ARRAY_LEN(class_names)
#define N_MAPS ARRAY_LEN(map_names)
#define N_OUTCOMES ARRAY_LEN(outcome_names)

/* Everything rendered; copied whole under the lock, formatted outside it. */
struct counters {
	unsigned long long events[N_EVENTS][N_VERDICTS][N_NS];
	unsigned long long drops[N_EVENTS];
	unsigned long long flow[N_CLASSES][N_EVENTS][N_OUTCOMES];
	unsigned long long reloads_ok, reloads_error;
	unsigned long long exemptions_failed, map_full[N_MAPS];
	double ring_fill;
	int tier, mode; /* indices, -1 until set */
	unsigned long containers;
	char version[VERSION_MAX];
};

struct nsg_metrics {
	pthread_mutex_t lock;
	struct counters c;
	struct event_base *base;
	struct evhttp *http;
	struct event *stop_ev;
	int stop_fd; /* eventfd: stop requests survive a loop that has not started yet */
	int port;
	pthread_t thread;
	bool running;
};

/* The label of event index e (names.c's spelling for the kernel's). */
static const char *event_label(size_t e)
{
	if (e < KERNEL_EVENTS)
		return nsg_event_name((uint32_t)e + 1);
	return e == KERNEL_EVENTS ? "host_ns_running" : "other";
}

static size_t event_index(const char *value)
{
	for (size_t e = 0; value && e < N_EVENTS - 1; e++)
		if (strcmp(event_label(e), value) == 0)
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
	v = label_index(verdict_names, N_VERDICTS, verdict);
	t = ns_type ? label_index(ns_names, N_NS, ns_type) : 0;
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
	c = label_index(class_names, N_CLASSES, cls);
	e = event_index(event);
	o = label_index(outcome_names, N_OUTCOMES, outcome);
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
	i = label_index(map_names, N_MAPS, map);
	pthread_mutex_lock(&m->lock);
	m->c.map_full[i]++;
	pthread_mutex_unlock(&m->lock);
}

void nsg_metrics_set_tier(struct nsg_metrics *m, const char *tier, const char *mode)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->c.tier = (int)label_index(tier_names, ARRAY_LEN(tier_names), tier);
	m->c.mode = (int)label_index(mode_names, ARRAY_LEN(mode_names), mode);
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

void nsg_metrics_set_version(struct nsg_metrics *m, const char *version)
{
	if (!m || !version)
		return;
	pthread_mutex_lock(&m->lock);
	snprintf(m->c.version, sizeof(m->c.version), "%s", version);
	pthread_mutex_unlock(&m->lock);
}

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
					event_label(e), verdict_names[v], ns_names[t],
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
		fprintf(f, "nsguard_events_dropped_total{event=\"%s\"} %llu\n", event_label(e),
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
					class_names[k], event_label(e), outcome_names[o], c->flow[k][e][o]);
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
	put_header(f, "nsguard_exemptions_failed_total", "counter",
		   "Allowlisted containers that could not be exempted (a table was full).");
	fprintf(f, "nsguard_exemptions_failed_total %llu\n", c->exemptions_failed);
	put_header(f, "nsguard_map_full_total", "counter",
		   "Times a per-container table was found full (--max-containers).");
	for (size_t i = 0; i + 1 < N_MAPS; i++)
		fprintf(f, "nsguard_map_full_total{map=\"%s\"} %llu\n", map_names[i], c->map_full[i]);
	put_header(f, "nsguard_tier_info", "gauge",
		   "Enforcement tier and mode in force; the value is always 1.");
	if (c->tier >= 0)
		fprintf(f, "nsguard_tier_info{tier=\"%s\",mode=\"%s\"} 1\n", tier_names[c->tier],
			mode_names[c->mode]);
	put_header(f, "nsguard_containers_tracked", "gauge",
		   "Containers the agent currently knows of.");
	fprintf(f, "nsguard_containers_tracked %lu\n", c->containers);
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

/* ---- HTTP ---- */

static void send_metrics(struct evhttp_request *req, struct nsg_metrics *m, bool head)
{
	struct evbuffer *body = NULL;
	char *text = NULL;

	if (!head) {
		text = nsg_metrics_render(m);
		body = evbuffer_new();
		if (!text || !body || evbuffer_add(body, text, strlen(text)) != 0) {
			evhttp_send_error(req, HTTP_INTERNAL, NULL);
			goto out;
		}
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	/* No body for HEAD: libevent 2.1 would send one after the headers. */
	evhttp_send_reply(req, HTTP_OK, "OK", body);
out:
	free(text);
	if (body)
		evbuffer_free(body);
}

static void on_request(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);

	if (path && strcmp(path, "/metrics") == 0 &&
	    (cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD))
		send_metrics(req, arg, cmd == EVHTTP_REQ_HEAD);
	else
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
}

static void on_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void *serve(void *arg)
{
	struct nsg_metrics *m = arg;

	event_base_dispatch(m->base);
	return NULL;
}

/* ---- addresses ---- */

struct listen_addr {
	struct sockaddr_storage ss;
	socklen_t len;
	bool any; /* ":PORT": IPv6 dual-stack, IPv4 where IPv6 is off */
};

static int parse_port(const char *s, unsigned short *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -1;
	*port = (unsigned short)v;
	return 0;
}

static int set_host(struct listen_addr *la, const char *host, unsigned short port)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&la->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&la->ss;
	size_t n = strlen(host);
	char v6[INET6_ADDRSTRLEN];

	memset(la, 0, sizeof(*la));
	if (n == 0) {
		la->any = true;
		in6->sin6_family = AF_INET6;
		in6->sin6_addr = in6addr_any;
		in6->sin6_port = htons(port);
		la->len = sizeof(*in6);
		return 0;
	}
	if (host[0] == '[') {
		/* Brackets are required around IPv6, as in URLs. */
		if (n < 3 || host[n - 1] != ']' || n - 2 >= sizeof(v6))
			return -1;
		memcpy(v6, host + 1, n - 2);
		v6[n - 2] = '\0';
		if (inet_pton(AF_INET6, v6, &in6->sin6_addr) != 1)
			return -1;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		la->len = sizeof(*in6);
		return 0;
	}
	if (inet_pton(AF_INET, host, &in4->sin_addr) != 1)
		return -1;
	in4->sin_family = AF_INET;
	in4->sin_port = htons(port);
	la->len = sizeof(*in4);
	return 0;
}

static int parse_addr(const char *addr, struct listen_addr *la)
{
	const char *colon = addr ? strrchr(addr, ':') : NULL;
	char host[INET6_ADDRSTRLEN + 2];
	unsigned short port;
	size_t n;

	if (!colon || parse_port(colon + 1, &port) != 0)
		return -1;
	n = (size_t)(colon - addr);
	if (n >= sizeof(host))
		return -1;
	memcpy(host, addr, n);
	host[n] = '\0';
	return set_host(la, host, port);
}

/* Falls back to IPv4 for ":PORT" on hosts booted without IPv6. */
static int open_socket(struct listen_addr *la)
{
	const int type = SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&la->ss;
	unsigned short port;
	int fd, off = 0;

	fd = socket(la->ss.ss_family, type, 0);
	if (fd >= 0 || !la->any || errno != EAFNOSUPPORT) {
		if (fd >= 0 && la->any)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
		return fd;
	}
	port = ((struct sockaddr_in6 *)&la->ss)->sin6_port;
	memset(&la->ss, 0, sizeof(la->ss));
	in4->sin_family = AF_INET;
	in4->sin_addr.s_addr = htonl(INADDR_ANY);
	in4->sin_port = port;
	la->len = sizeof(*in4);
	return socket(AF_INET, type, 0);
}

static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* addr as it may appear in a one-line message: bounded, control bytes as '?'. */
static void printable(char *dst, size_t n, const char *addr)
{
	snprintf(dst, n, "%s", addr ? addr : "");
	for (; *dst; dst++)
		if ((unsigned char)*dst < 0x20 || *dst == 0x7f)
			*dst = '?';
}

/* A listening socket for addr, or -1 with the reason in err. */
static int listen_on(const char *addr, int *port, char *err, size_t errlen)
{
	struct listen_addr la;
	char shown[64];
	int fd, one = 1;

	printable(shown, sizeof(shown), addr);
	if (parse_addr(addr, &la) != 0) {
		snprintf(err, errlen,
			 "metrics address '%s': expected IP:PORT, e.g. 127.0.0.1:9500, :9500 or "
			 "[::1]:9500",
			 shown);
		return -1;
	}
	fd = open_socket(&la);
	if (fd < 0) {
		snprintf(err, errlen, "metrics address '%s': socket: %s", shown, strerror(errno));
		return -1;
	}
	/* A restarted agent rebinds while old connections sit in TIME_WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&la.ss, la.len) != 0 || listen(fd, LISTEN_BACKLOG) != 0) {
		snprintf(err, errlen, "metrics address '%s': %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	*port = bound_port(fd);
	return fd;
}

/* ---- life cycle ---- */

static void free_metrics(struct nsg_metrics *m)
{
	if (m->http)
		evhttp_free(m->http); /* closes the listener and open connections */
	if (m->stop_ev)
		event_free(m->stop_ev);
	if (m->base)
		event_base_free(m->base);
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static int setup_http(struct nsg_metrics *m, int fd)
{
	m->base = event_base_new();
	m->http = m->base ? evhttp_new(m->base) : NULL;
	if (!m->http)
		return -1;
	evhttp_set_gencb(m->http, on_request, m);
	evhttp_set_timeout(m->http, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(m->http, MAX_HEADERS_SIZE);
	evhttp_set_max_body_size(m->http, MAX_BODY_SIZE);
	m->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->stop_fd < 0)
		return -1;
	m->stop_ev = event_new(m->base, m->stop_fd, EV_READ, on_stop, m->base);
	if (!m->stop_ev || event_add(m->stop_ev, NULL) != 0)
		return -1;
	/* Last: from here on evhttp owns fd and closes it. */
	return evhttp_accept_socket_with_handle(m->http, fd) ? 0 : -1;
}

/* The server thread takes no signals: they stay the main thread's, and a
 * write to a closed connection fails with EPIPE instead of killing us. */
static int start_thread(struct nsg_metrics *m)
{
	sigset_t all, old;
	int rc;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&m->thread, NULL, serve, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc == 0)
		pthread_setname_np(m->thread, "nsg-metrics");
	return rc;
}

struct nsg_metrics *nsg_metrics_start(const char *addr, char *err, size_t errlen)
{
	struct nsg_metrics *m = calloc(1, sizeof(*m));
	int fd, rc;

	if (!m) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->stop_fd = -1;
	m->c.tier = m->c.mode = -1;
	snprintf(m->c.version, sizeof(m->c.version), "%s", NSGUARD_VERSION);
	fd = listen_on(addr, &m->port, err, errlen);
	if (fd < 0) {
		free_metrics(m);
		return NULL;
	}
	if (setup_http(m, fd) != 0) {
		snprintf(err, errlen, "metrics: HTTP server setup failed");
		close(fd);
		free_metrics(m);
		return NULL;
	}
	rc = start_thread(m);
	if (rc != 0) {
		snprintf(err, errlen, "metrics: thread: %s", strerror(rc));
		free_metrics(m);
		return NULL;
	}
	m->running = true;
	return m;
}

void nsg_metrics_stop(struct nsg_metrics *m)
{
	uint64_t one = 1;

	if (!m)
		return;
	if (m->running) {
		/* The eventfd stays readable, so a loop that has not started yet still stops. */
		if (write(m->stop_fd, &one, sizeof(one)) != sizeof(one))
			fprintf(stderr, "nsguard: metrics: stop: %s\n", strerror(errno));
		pthread_join(m->thread, NULL);
	}
	free_metrics(m);
}

int nsg_metrics_port(const struct nsg_metrics *m)
{
	return m ? m->port : -1;
}
