// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink's --output-socket: local consumers connect, and every line
 * fans out to all of them without ever blocking the agent. A client that
 * falls too far behind is dropped; one past NSG_SINK_MAX_CLIENTS is
 * turned away.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "feed/sink_int.h"

/* Bytes the kernel took now (maybe fewer than n), or -1: the client is gone. */
static ssize_t send_some(int fd, const char *p, size_t n)
{
	size_t done = 0;

	while (done < n) {
		/* MSG_NOSIGNAL: a consumer that went away must not kill the agent. */
		ssize_t k = send(fd, p + done, n - done, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (k < 0)
			return -1;
		done += (size_t)k;
	}
	return (ssize_t)done;
}

/* Sends what the client lags behind; -1: it is gone. */
static int client_drain(struct nsg_sink_client *c)
{
	ssize_t k;

	if (!c->npending)
		return 0;
	k = send_some(c->fd, c->pending, c->npending);
	if (k < 0)
		return -1;
	c->npending -= (size_t)k;
	memmove(c->pending, c->pending + k, c->npending);
	return 0;
}

enum client_state { CLIENT_OK, CLIENT_GONE, CLIENT_SLOW };

/*
 * Lines go straight to the kernel while the client keeps up. What the
 * kernel does not take waits in the client's own bounded buffer, so a
 * burst does not cost a consumer its connection; a client that lags by
 * more than NSG_SINK_CLIENT_BUF is dropped.
 */
static enum client_state client_write(struct nsg_sink_client *c, const char *line, size_t len)
{
	if (client_drain(c))
		return CLIENT_GONE;
	if (!c->npending) {
		ssize_t k = send_some(c->fd, line, len);

		if (k < 0)
			return CLIENT_GONE;
		line += k;
		len -= (size_t)k;
	}
	if (!len)
		return CLIENT_OK;
	if (c->npending + len > NSG_SINK_CLIENT_BUF)
		return CLIENT_SLOW;
	if (!c->pending && !(c->pending = malloc(NSG_SINK_CLIENT_BUF)))
		return CLIENT_SLOW;
	memcpy(c->pending + c->npending, line, len);
	c->npending += len;
	return CLIENT_OK;
}

/* Slots are kept dense: the last client moves into the freed one. */
static void client_remove(struct nsg_sink *s, unsigned int i, enum client_state why)
{
	struct nsg_sink_client *c = &s->client[i];

	close(c->fd);
	free(c->pending);
	*c = s->client[--s->clients];
	memset(&s->client[s->clients], 0, sizeof(*c));
	s->client[s->clients].fd = -1;
	if (why == CLIENT_SLOW)
		s->clients_dropped++;
}

static void accept_clients(struct nsg_sink *s)
{
	int fd;

	while ((fd = nsg_unix_accept(s->listen_fd, true)) >= 0) {
		if (s->clients == NSG_SINK_MAX_CLIENTS) {
			close(fd);
			s->clients_rejected++;
			continue;
		}
		s->client[s->clients].fd = fd;
		s->client[s->clients].npending = 0;
		s->clients++;
	}
}

/* A client that closed its end must not hold a slot until the next line. */
static void reap_hangups(struct nsg_sink *s)
{
	struct pollfd pfd[NSG_SINK_MAX_CLIENTS];
	unsigned int n = s->clients;

	for (unsigned int i = 0; i < n; i++)
		pfd[i] = (struct pollfd){ .fd = s->client[i].fd };
	if (poll(pfd, n, 0) <= 0)
		return;
	/* Downwards: client_remove() moves the last client into slot i. */
	for (unsigned int i = n; i-- > 0;)
		if (pfd[i].revents & (POLLHUP | POLLERR | POLLNVAL))
			client_remove(s, i, CLIENT_GONE);
}

void nsg_sink_clients_drain(struct nsg_sink *s)
{
	for (unsigned int i = s->clients; i-- > 0;)
		if (client_drain(&s->client[i]))
			client_remove(s, i, CLIENT_GONE);
}

void nsg_sink_clients_service(struct nsg_sink *s)
{
	accept_clients(s);
	reap_hangups(s);
	nsg_sink_clients_drain(s);
}

void nsg_sink_clients_send(struct nsg_sink *s, const char *p, size_t n)
{
	/* A client whose connect() returned before these lines gets them. */
	accept_clients(s);
	for (unsigned int i = s->clients; i-- > 0;) {
		enum client_state st = client_write(&s->client[i], p, n);

		if (st != CLIENT_OK)
			client_remove(s, i, st);
	}
}

/* Worded as --output-socket's users have always read them. */
static void explain(const struct nsg_unix_listen_error *e, const char *path, char *err,
		    size_t errlen)
{
	if (e->why == NSG_UNIX_LISTEN_BAD_PATH)
		snprintf(err, errlen, "--output-socket '%s': path must be 1 to %d bytes", path,
			 NSG_UNIX_PATH_MAX);
	else if (e->why == NSG_UNIX_LISTEN_NOT_SOCKET)
		snprintf(err, errlen, "--output-socket %s: exists and is not a socket", path);
	else if (e->why == NSG_UNIX_LISTEN_IN_USE)
		snprintf(err, errlen, "--output-socket %s: in use by another process", path);
	else
		snprintf(err, errlen, "--output-socket %s: %s", path, strerror(e->errnum));
}

int nsg_sink_clients_open(struct nsg_sink *s, const char *path, char *err, size_t errlen)
{
	struct nsg_unix_listen_error e;

	s->listen_fd = nsg_unix_listen(path, 0, &s->sock_file, &e);
	if (s->listen_fd < 0) {
		explain(&e, path, err, errlen);
		return -1;
	}
	s->socket_path = strdup(path);
	if (!s->socket_path) {
		unlink(path);
		close(s->listen_fd);
		s->listen_fd = -1;
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < NSG_SINK_MAX_CLIENTS; i++)
		s->client[i].fd = -1;
	return 0;
}

void nsg_sink_clients_close(struct nsg_sink *s)
{
	if (!s->socket_path)
		return;
	while (s->clients)
		client_remove(s, s->clients - 1, CLIENT_GONE);
	nsg_unix_unlisten(s->listen_fd, s->socket_path, &s->sock_file);
	s->listen_fd = -1;
	free(s->socket_path);
	s->socket_path = NULL;
}
