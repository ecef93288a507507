// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one way nsguard claims a unix socket path, listens on it, accepts
 * from it and gives it back (see unix_listener.h).
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "util/unix_listener.h"

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) == NSG_UNIX_PATH_MAX + 1,
	       "NSG_UNIX_PATH_MAX is sun_path's capacity");

/* Records why, with errno as it is now; returns -1. */
static int fail(struct nsg_unix_listen_error *e, enum nsg_unix_listen_failure why)
{
	e->why = why;
	e->errnum = errno;
	return -1;
}

static int make_parent_dir(const char *path, mode_t mode, struct nsg_unix_listen_error *e)
{
	char copy[NSG_UNIX_PATH_MAX + 1];
	struct stat st;
	char *dir;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	snprintf(e->dir, sizeof(e->dir), "%s", dir);
	if (mkdir(dir, mode) && errno != EEXIST)
		return fail(e, NSG_UNIX_LISTEN_DIR_FAILED);
	/* lstat: a symlink planted in the directory's place is refused, not followed. */
	if (lstat(dir, &st) || !S_ISDIR(st.st_mode))
		return fail(e, NSG_UNIX_LISTEN_DIR_NOT_DIR);
	return 0;
}

/* 1: someone listens on path, 0: nobody (a stale socket), -1: cannot tell. */
static int socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -1;
	/* Non-blocking: a listener with a full backlog answers EAGAIN rather than stalling us. */
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0 || errno == EAGAIN)
		rc = 1;
	else
		rc = errno == ECONNREFUSED ? 0 : -1;
	close(fd);
	return rc;
}

/* Clears the way for bind(): only a socket nobody listens on is removed. */
static int remove_stale(const struct sockaddr_un *sa, struct nsg_unix_listen_error *e)
{
	const char *path = sa->sun_path;
	struct stat st;
	int used;

	if (lstat(path, &st))
		goto fail_unless_absent;
	if (!S_ISSOCK(st.st_mode))
		return fail(e, NSG_UNIX_LISTEN_NOT_SOCKET);
	used = socket_in_use(sa);
	if (used > 0)
		return fail(e, NSG_UNIX_LISTEN_IN_USE);
	if (used < 0 || unlink(path))
		goto fail_unless_absent;
	return 0;
fail_unless_absent:
	/* Gone in the meantime is as good as removed. */
	return errno == ENOENT ? 0 : fail(e, NSG_UNIX_LISTEN_SYSTEM);
}

static int bind_and_listen(const struct sockaddr_un *sa, struct nsg_unix_socket_file *made,
			   struct nsg_unix_listen_error *e)
{
	struct stat st;
	mode_t old;
	int fd, rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(e, NSG_UNIX_LISTEN_SYSTEM);
	/* Created 0600 from the start: no window in which others may connect. */
	old = umask(0177);
	rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc) {
		fail(e, NSG_UNIX_LISTEN_SYSTEM);
		close(fd);
		return -1;
	}
	/* A burst of connects waits in the backlog rather than blocking clients. */
	if (listen(fd, 64) || stat(sa->sun_path, &st)) {
		fail(e, NSG_UNIX_LISTEN_SYSTEM);
		unlink(sa->sun_path);
		close(fd);
		return -1;
	}
	made->dev = st.st_dev;
	made->ino = st.st_ino;
	return fd;
}

int nsg_unix_listen(const char *path, mode_t dir_mode, struct nsg_unix_socket_file *made,
		    struct nsg_unix_listen_error *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);

	/* Empty would bind an abstract socket, which no path reaches. */
	if (!n || n > NSG_UNIX_PATH_MAX) {
		errno = ENAMETOOLONG;
		return fail(e, NSG_UNIX_LISTEN_BAD_PATH);
	}
	memcpy(sa.sun_path, path, n + 1);
	if (dir_mode && make_parent_dir(path, dir_mode, e))
		return -1;
	if (remove_stale(&sa, e))
		return -1;
	return bind_and_listen(&sa, made, e);
}

int nsg_unix_accept(int listen_fd, bool nonblock)
{
	int flags = SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);

	for (;;) {
		int fd = accept4(listen_fd, NULL, NULL, flags);

		/* A signal, or a client that gave up while queued: the next one may be there. */
		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		/* EAGAIN: none waiting; EMFILE and the like: the caller tries again next time. */
		return fd;
	}
}

void nsg_unix_unlisten(int listen_fd, const char *path, const struct nsg_unix_socket_file *made)
{
	struct stat st;

	close(listen_fd);
	if (!lstat(path, &st) && st.st_dev == made->dev && st.st_ino == made->ino)
		unlink(path);
}
