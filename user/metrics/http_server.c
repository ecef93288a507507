// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus endpoint: GET /metrics answered by libevent's HTTP server in a
 * thread of its own, and the metrics' start and stop. evhttp rather than
 * libmicrohttpd: Debian's libmicrohttpd.a needs GnuTLS, whose p11-kit
 * dependency has no static library in Debian, so it cannot go into the
 * static binary; libevent_core and libevent_extra link statically with
 * nothing else.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include "metrics/metrics.h"
#include "metrics/metrics_int.h"

/* A scraper that stalls must not hold a connection forever. */
#define HTTP_TIMEOUT_S 10
#define MAX_HEADERS_SIZE 8192
#define MAX_BODY_SIZE 1024

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
	nsg_metrics_counters_init(&m->c);
	fd = nsg_metrics_listen(addr, &m->port, err, errlen);
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
