// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's end of nsguard-oci-hook: one OCI state document read per
 * connection, one line answered (see hook_server.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "hook/hook_server.h"

/* A hook that connects but stalls must not stall the agent. */
#define REQUEST_DEADLINE_MS 1000

/* Worded as the agent's users have always read them. */
static void explain(const struct nsg_unix_listen_error *e, const char *path, char *err,
		    size_t errlen)
{
	switch (e->why) {
	case NSG_UNIX_LISTEN_BAD_PATH:
		snprintf(err, errlen, "--hook-socket %s: %s", path,
			 *path ? "path too long" : "path is empty");
		break;
	case NSG_UNIX_LISTEN_DIR_FAILED:
		snprintf(err, errlen, "hook socket directory %s: %s", e->dir, strerror(e->errnum));
		break;
	case NSG_UNIX_LISTEN_DIR_NOT_DIR:
		snprintf(err, errlen, "hook socket directory %s is not a directory", e->dir);
		break;
	case NSG_UNIX_LISTEN_NOT_SOCKET:
		snprintf(err, errlen, "--hook-socket %s exists and is not a socket", path);
		break;
	case NSG_UNIX_LISTEN_IN_USE:
		snprintf(err, errlen, "--hook-socket %s: another agent is listening there", path);
		break;
	case NSG_UNIX_LISTEN_SYSTEM:
		snprintf(err, errlen, "--hook-socket %s: %s", path, strerror(e->errnum));
		break;
	}
}

int nsg_hook_server_open(struct nsg_hook_server *s, const char *path, char *err, size_t errlen)
{
	struct nsg_unix_listen_error e;

	snprintf(s->path, sizeof(s->path), "%s", path);
	/* A 0700 directory and a 0600 socket: only root may register a container. */
	s->fd = nsg_unix_listen(path, 0700, &s->made, &e);
	if (s->fd < 0) {
		explain(&e, path, err, errlen);
		return -1;
	}
	return 0;
}

/* Reads one line (or everything until EOF) within the deadline. */
static char *read_request(int fd)
{
	struct timeval tv = { .tv_sec = REQUEST_DEADLINE_MS / 1000 };
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap + 1);

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (buf && len < NSG_HOOK_REQUEST_MAX) {
		ssize_t n;

		if (len == cap) {
			char *p = realloc(buf, cap * 2 + 1);

			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n))
			break;
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static void answer(int fd, json_t *reply)
{
	char *text = json_dumps(reply, JSON_COMPACT);

	if (text) {
		/* Best effort: a hook that went away learns nothing either way. */
		if (send(fd, text, strlen(text), MSG_NOSIGNAL) >= 0)
			send(fd, "\n", 1, MSG_NOSIGNAL);
		free(text);
	}
}

static void handle_connection(int fd, nsg_hook_handler handler, void *arg)
{
	char *text = read_request(fd);
	json_error_t jerr;
	json_t *state = text ? json_loads(text, 0, &jerr) : NULL, *reply;

	if (!json_is_object(state))
		reply = json_pack("{s:b, s:s}", "ok", 0, "error", "not an OCI state document");
	else
		reply = handler(arg, state);
	answer(fd, reply);
	json_decref(reply);
	json_decref(state);
	free(text);
}

void nsg_hook_server_service(struct nsg_hook_server *s, nsg_hook_handler handler, void *arg)
{
	int fd;

	if (s->fd < 0)
		return;
	/* Blocking: the request is read with a deadline (SO_RCVTIMEO), not polled for. */
	while ((fd = nsg_unix_accept(s->fd, false)) >= 0) {
		handle_connection(fd, handler, arg);
		close(fd);
	}
}

void nsg_hook_server_close(struct nsg_hook_server *s)
{
	if (s->fd >= 0)
		nsg_unix_unlisten(s->fd, s->path, &s->made);
	s->fd = -1;
}
