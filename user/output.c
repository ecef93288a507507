// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include "event_format.h"
#include "output.h"

/* ---- the file (or stdout) ---- */

/* The feed names containers and processes: not for other users' eyes. */
static FILE *open_append(const char *path, struct stat *st)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	if (fstat(fd, st) || !(f = fdopen(fd, "a"))) {
		int e = errno;

		close(fd);
		errno = e;
		return NULL;
	}
	/* Lines leave in batches (flushed after each ring-buffer poll): fewer writes. */
	setvbuf(f, NULL, _IOFBF, 64 * 1024);
	return f;
}

static int open_file(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
		     size_t errlen)
{
	struct stat st;

	s->f = open_append(o->path, &st);
	if (!s->f) {
		snprintf(err, errlen, "--output %s: %s", o->path, strerror(errno));
		return -1;
	}
	s->owned = true;
	/* Renaming a device or a FIFO away would be wrong, not just useless. */
	if (o->max_bytes && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "--output %s: not a regular file, cannot rotate", o->path);
		return -1;
	}
	s->path = strdup(o->path);
	if (!s->path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Lines already there count towards the first rotation. */
	s->size = S_ISREG(st.st_mode) ? (unsigned long long)st.st_size : 0;
	return 0;
}

/* Opens a fresh file at path in place of the one just renamed away. */
static int reopen(struct nsg_sink *s)
{
	struct stat st;
	FILE *f = open_append(s->path, &st);

	if (!f)
		return -1;
	if (fclose(s->f))
		s->write_errors++;
	s->f = f;
	s->size = (unsigned long long)st.st_size;
	return 0;
}

/* path.(keep-1) -> path.keep ... path -> path.1, then a new path. */
static int rotate_files(struct nsg_sink *s)
{
	size_t n = strlen(s->path) + 16;
	char *from = malloc(n), *to = malloc(n);
	int rc = -1;

	if (!from || !to)
		goto out;
	/* What is buffered belongs in the file being retired. */
	if (fflush(s->f))
		s->write_errors++;
	for (unsigned int i = s->keep - 1; i >= 1; i--) {
		snprintf(from, n, "%s.%u", s->path, i);
		snprintf(to, n, "%s.%u", s->path, i + 1);
		/* Stop rather than overwrite a file we could not move on. */
		if (rename(from, to) && errno != ENOENT)
			goto out;
	}
	snprintf(to, n, "%s.1", s->path);
	if (rename(s->path, to))
		goto out;
	if (reopen(s)) {
		/* Best effort: keep writing under the name consumers follow. */
		rename(to, s->path);
		goto out;
	}
	rc = 0;
out:
	free(from);
	free(to);
	return rc;
}

static void rotate(struct nsg_sink *s)
{
	if (rotate_files(s) == 0) {
		s->rotations++;
		s->rotate_at = s->max_bytes;
		return;
	}
	/*
	 * Lines keep going to the current file, nothing is lost; the failure
	 * is counted once per attempt. Retrying at every line would cost keep
	 * renames per event, so the next attempt waits another max_bytes.
	 */
	s->write_errors++;
	s->rotate_at = s->size + s->max_bytes;
}

static int write_file(struct nsg_sink *s, const char *line, size_t len)
{
	/* A line larger than max_bytes alone still goes whole into one file. */
	if (s->max_bytes && s->size > 0 && s->size + len > s->rotate_at)
		rotate(s);
	if (fwrite(line, 1, len, s->f) != len)
		return -1;
	s->size += len;
	return 0;
}

/* ---- socket clients ---- */

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
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0 && (errno == EINTR || errno == ECONNABORTED))
			continue;
		/* EAGAIN: none waiting; EMFILE and the like: try again next time. */
		if (fd < 0)
			return;
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

static void drain_clients(struct nsg_sink *s)
{
	for (unsigned int i = s->clients; i-- > 0;)
		if (client_drain(&s->client[i]))
			client_remove(s, i, CLIENT_GONE);
}

static void fan_out(struct nsg_sink *s, const char *line, size_t len)
{
	/* A client whose connect() returned before this line gets it. */
	accept_clients(s);
	for (unsigned int i = s->clients; i-- > 0;) {
		enum client_state st = client_write(&s->client[i], line, len);

		if (st != CLIENT_OK)
			client_remove(s, i, st);
	}
}

/* ---- the listening socket ---- */

/* 1: someone listens on path, 0: nobody (a stale socket), -1: cannot tell. */
static int socket_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0 || errno == EAGAIN)
		rc = 1;
	else
		rc = errno == ECONNREFUSED ? 0 : -1;
	close(fd);
	return rc;
}

/* Clears the way for bind(): only a socket nobody listens on is removed. */
static int remove_stale(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	const char *path = sa->sun_path;
	struct stat st;
	int used;

	if (lstat(path, &st))
		goto sys_err_unless_absent;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "--output-socket %s: exists and is not a socket", path);
		return -1;
	}
	used = socket_in_use(sa);
	if (used > 0) {
		snprintf(err, errlen, "--output-socket %s: in use by another process", path);
		return -1;
	}
	if (used < 0 || unlink(path))
		goto sys_err_unless_absent;
	return 0;
sys_err_unless_absent:
	if (errno == ENOENT)
		return 0;
	snprintf(err, errlen, "--output-socket %s: %s", path, strerror(errno));
	return -1;
}

static int listen_on(struct nsg_sink *s, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	mode_t old;
	int fd, rc;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* Created 0600 from the start: no window in which others may connect. */
	old = umask(0177);
	rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc)
		goto fail;
	/* A burst of connects waits in the backlog rather than blocking clients. */
	if (listen(fd, 64) || stat(sa->sun_path, &st)) {
		int e = errno;

		unlink(sa->sun_path);
		errno = e;
		goto fail;
	}
	s->listen_fd = fd;
	s->sock_dev = st.st_dev;
	s->sock_ino = st.st_ino;
	return 0;
fail:
	snprintf(err, errlen, "--output-socket %s: %s", sa->sun_path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

static int open_socket(struct nsg_sink *s, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "--output-socket '%s': path must be 1 to %zu bytes", path,
			 sizeof(sa.sun_path) - 1);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (remove_stale(&sa, err, errlen) || listen_on(s, &sa, err, errlen))
		return -1;
	s->socket_path = strdup(path);
	if (!s->socket_path) {
		unlink(path);
		close(s->listen_fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < NSG_SINK_MAX_CLIENTS; i++)
		s->client[i].fd = -1;
	return 0;
}

/* Removes the socket file, unless someone has replaced it since. */
static void close_socket(struct nsg_sink *s)
{
	struct stat st;

	if (!s->socket_path)
		return;
	while (s->clients)
		client_remove(s, s->clients - 1, CLIENT_GONE);
	close(s->listen_fd);
	s->listen_fd = -1;
	if (!lstat(s->socket_path, &st) && st.st_dev == s->sock_dev && st.st_ino == s->sock_ino)
		unlink(s->socket_path);
	free(s->socket_path);
	s->socket_path = NULL;
}

/* ---- the sink ---- */

static int check_opts(const struct nsg_sink_opts *o, char *err, size_t errlen)
{
	if (o->max_bytes && !o->path)
		snprintf(err, errlen, "--output-max-size needs --output FILE");
	else if (o->keep > NSG_SINK_KEEP_MAX)
		snprintf(err, errlen, "--output-keep %u: at most %u", o->keep, NSG_SINK_KEEP_MAX);
	else if (!o->path && o->no_stdout && !o->socket_path)
		snprintf(err, errlen, "no output: neither stdout, a file nor a socket");
	else
		return 0;
	return -1;
}

int nsg_sink_open_opts(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
		       size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->listen_fd = -1;
	s->format = o->format;
	s->max_bytes = o->max_bytes;
	s->rotate_at = o->max_bytes;
	s->keep = o->keep ? o->keep : NSG_SINK_KEEP_DEFAULT;
	if (check_opts(o, err, errlen))
		return -1;
	if (o->path && open_file(s, o, err, errlen))
		goto fail;
	if (!o->path && !o->no_stdout)
		s->f = stdout;
	if (o->socket_path && open_socket(s, o->socket_path, err, errlen))
		goto fail;
	return 0;
fail:
	nsg_sink_close(s);
	return -1;
}

int nsg_sink_open(struct nsg_sink *s, const char *path, enum nsg_format format, char *err,
		  size_t errlen)
{
	struct nsg_sink_opts o = { .path = path, .format = format };

	return nsg_sink_open_opts(s, &o, err, errlen);
}

/*
 * JSON lines are dumped into one buffer the sink reuses: no allocation and
 * one copy per event (json_dumpf() would call fwrite() per token, the
 * agent's biggest cost in an event storm).
 */
static int format_json_line(struct nsg_sink *s, const json_t *obj, size_t *len)
{
	size_t need = json_dumpb(obj, s->buf, s->buf_cap, JSON_COMPACT | JSON_PRESERVE_ORDER);

	if (need == 0)
		return -1;
	if (need + 1 > s->buf_cap) {
		size_t cap = need + 1 > 2 * s->buf_cap ? need + 1 : 2 * s->buf_cap;
		char *grown = realloc(s->buf, cap);

		if (!grown)
			return -1;
		s->buf = grown;
		s->buf_cap = cap;
		if (json_dumpb(obj, s->buf, s->buf_cap, JSON_COMPACT | JSON_PRESERVE_ORDER) != need)
			return -1;
	}
	s->buf[need] = '\n';
	*len = need + 1;
	return 0;
}

/* The whole line in memory first: nothing half-written reaches anyone. */
static int format_text_line(const json_t *obj, char **line, size_t *len)
{
	FILE *m = open_memstream(line, len);
	int rc;

	if (!m)
		return -1;
	rc = nsg_write_text_line(m, obj);
	if (fclose(m) || rc) {
		free(*line);
		*line = NULL;
		return -1;
	}
	return 0;
}

void nsg_sink_emit(struct nsg_sink *s, json_t *obj)
{
	char *text = NULL, *line;
	size_t len = 0;
	bool ok;

	if (!obj) {
		s->write_errors++;
		return;
	}
	if (s->format == NSG_FMT_TEXT) {
		ok = format_text_line(obj, &text, &len) == 0;
		line = text;
	} else {
		ok = format_json_line(s, obj, &len) == 0;
		line = ok ? s->buf : NULL;
	}
	json_decref(obj);
	if (ok && s->f)
		ok = write_file(s, line, len) == 0;
	/* Clients get the line even when the file failed: one loss, not two. */
	if (line && s->socket_path)
		fan_out(s, line, len);
	if (ok)
		s->lines_written++;
	else
		s->write_errors++;
	free(text);
}

void nsg_sink_flush(struct nsg_sink *s)
{
	if (s->f && fflush(s->f) != 0)
		s->write_errors++;
	if (s->socket_path)
		drain_clients(s);
}

void nsg_sink_service(struct nsg_sink *s)
{
	if (!s->socket_path)
		return;
	accept_clients(s);
	reap_hangups(s);
	drain_clients(s);
}

int nsg_sink_poll_fd(const struct nsg_sink *s)
{
	return s->socket_path ? s->listen_fd : -1;
}

void nsg_sink_close(struct nsg_sink *s)
{
	nsg_sink_flush(s);
	if (s->owned && s->f && fclose(s->f))
		s->write_errors++;
	s->f = NULL;
	s->owned = false;
	close_socket(s);
	free(s->path);
	s->path = NULL;
	free(s->buf);
	s->buf = NULL;
	s->buf_cap = 0;
}
