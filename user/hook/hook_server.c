// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include "hook/hook_server.h"

/* A hook that connects but stalls must not stall the agent. */
#define REQUEST_DEADLINE_MS 1000

static int make_parent_dir(const char *path, char *err, size_t errlen)
{
	char copy[sizeof(((struct nsg_hook_server *)0)->path)];
	struct stat st;
	char *dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "hook socket directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "hook socket directory %s is not a directory", dir);
		return -1;
	}
	return 0;
}

static bool someone_listens(const struct sockaddr_un *addr)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool live = fd >= 0 && connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) == 0;

	if (fd >= 0)
		close(fd);
	return live;
}

/* A socket file left by an agent that died is replaced; anything else is not. */
static int remove_stale(const struct sockaddr_un *addr, char *err, size_t errlen)
{
	struct stat st;

	if (lstat(addr->sun_path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "--hook-socket %s exists and is not a socket", addr->sun_path);
		return -1;
	}
	if (someone_listens(addr)) {
		snprintf(err, errlen, "--hook-socket %s: another agent is listening there", addr->sun_path);
		return -1;
	}
	unlink(addr->sun_path);
	return 0;
}

int nsg_hook_server_open(struct nsg_hook_server *s, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	mode_t old;
	int rc;

	s->fd = -1;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "--hook-socket %s: path too long", path);
		return -1;
	}
	snprintf(s->path, sizeof(s->path), "%s", path);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	if (make_parent_dir(path, err, errlen) || remove_stale(&addr, err, errlen))
		return -1;
	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	old = umask(0177); /* 0600 from the first moment: only root may register */
	rc = s->fd < 0 ? -1 : bind(s->fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc || listen(s->fd, 64)) {
		snprintf(err, errlen, "--hook-socket %s: %s", path, strerror(errno));
		if (s->fd >= 0)
			close(s->fd);
		s->fd = -1;
		return -1;
	}
	stat(path, &s->st); /* at close, unlink only what is still ours */
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
	while ((fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
		handle_connection(fd, handler, arg);
		close(fd);
	}
}

void nsg_hook_server_close(struct nsg_hook_server *s)
{
	struct stat now;

	if (s->fd >= 0) {
		close(s->fd);
		if (stat(s->path, &now) == 0 && now.st_ino == s->st.st_ino && now.st_dev == s->st.st_dev)
			unlink(s->path);
	}
	s->fd = -1;
}
