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
#include "feed/output.h"
#include "feed/textline.h"

/* ---- the file (or stdout) ---- */

/* The feed names containers and processes: not for other users' eyes. */
static int open_append(const char *path, struct stat *st)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0)
		return -1;
	if (fstat(fd, st)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int open_file(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
		     size_t errlen)
{
	struct stat st;

	s->fd = open_append(o->path, &st);
	if (s->fd < 0) {
		snprintf(err, errlen, "--output %s: %s", o->path, strerror(errno));
		return -1;
	}
	s->owned = true;
	s->regular = S_ISREG(st.st_mode);
	/* Renaming a device or a FIFO away would be wrong, not just useless. */
	if (o->max_bytes && !s->regular) {
		snprintf(err, errlen, "--output %s: not a regular file, cannot rotate", o->path);
		return -1;
	}
	s->path = strdup(o->path);
	if (!s->path) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Lines already there count towards the first rotation. */
	s->size = s->regular ? (unsigned long long)st.st_size : 0;
	return 0;
}

/* Opens a fresh file at path in place of the one just renamed away. */
static int reopen(struct nsg_sink *s)
{
	struct stat st;
	int fd = open_append(s->path, &st);

	if (fd < 0)
		return -1;
	if (close(s->fd))
		s->write_errors++;
	s->fd = fd;
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

/* stdout may be a non-blocking pipe: wait a little for the reader, as stdio never did. */
static bool wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	return poll(&pfd, 1, 1000) > 0;
}

/*
 * A write that failed after part of a line went into our own file is cut
 * back to the last whole line, so readers never see half a line (and the
 * next batch does not start in the middle of one).
 */
static void cut_torn_line(struct nsg_sink *s, const char *p, size_t done)
{
	const char *nl;
	size_t torn;
	struct stat st;

	if (!done || p[done - 1] == '\n')
		return;
	nl = memrchr(p, '\n', done);
	torn = nl ? done - (size_t)(nl - p + 1) : done;
	if (!s->owned || !s->regular || fstat(s->fd, &st) || (unsigned long long)st.st_size < torn)
		return;
	if (ftruncate(s->fd, st.st_size - (off_t)torn) == 0)
		lseek(s->fd, 0, SEEK_END);
}

/* Writes whole lines p[0..n) to the file; 0, or -1 (then nothing half-written stays). */
static int write_lines(struct nsg_sink *s, const char *p, size_t n)
{
	size_t done = 0;
	struct stat st;

	while (done < n) {
		ssize_t k = write(s->fd, p + done, n - done);

		if (k > 0) {
			done += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(s->fd))
			continue;
		cut_torn_line(s, p, done);
		/* What the file holds now, for the next rotation. */
		if (s->regular && !fstat(s->fd, &st))
			s->size = (unsigned long long)st.st_size + (s->batch.len - n);
		return -1;
	}
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

static void use_stdout(struct nsg_sink *s)
{
	struct stat st;

	s->fd = STDOUT_FILENO;
	s->regular = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode);
}

int nsg_sink_open_opts(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
		       size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->fd = -1;
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
		use_stdout(s);
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

/* ---- lines and batches ---- */

/*
 * Hands the first n bytes of the batch (whole lines) to the file and to
 * every client in one write each, and drops them from the batch.
 */
static void write_out(struct nsg_sink *s, size_t n)
{
	struct nsg_jsonw *b = &s->batch;

	if (!n)
		return;
	if (s->fd >= 0 && write_lines(s, b->buf, n))
		s->write_errors++;
	/* Clients get the lines even when the file failed: one loss, not two. */
	if (s->socket_path)
		fan_out(s, b->buf, n);
	memmove(b->buf, b->buf + n, b->len - n);
	b->len -= n;
	s->line_start -= n;
}

struct nsg_jsonw *nsg_sink_line(struct nsg_sink *s)
{
	s->line_start = nsg_jsonw_mark(&s->batch);
	return &s->batch;
}

/* --format text: the line just written, replaced by its rendering. */
static int render_text(struct nsg_sink *s)
{
	struct nsg_jsonw *b = &s->batch;

	nsg_jsonw_rewind(&s->text, 0);
	if (nsg_text_from_json(&s->text, b->buf + s->line_start, b->len - s->line_start))
		return -1;
	b->len = s->line_start;
	nsg_jsonw_verbatim(b, s->text.buf, s->text.len);
	return b->failed ? -1 : 0;
}

/* A line that is too long for the current file's limit starts the next file. */
static void rotate_before(struct nsg_sink *s, size_t len)
{
	if (!s->max_bytes || s->fd < 0 || s->size == 0 || s->size + len <= s->rotate_at)
		return;
	/* What came before belongs in the file being retired. */
	write_out(s, s->line_start);
	rotate(s);
}

void nsg_sink_commit(struct nsg_sink *s)
{
	struct nsg_jsonw *b = &s->batch;
	size_t len;

	if (!b->failed && s->format == NSG_FMT_TEXT && render_text(s))
		b->failed = true;
	nsg_jsonw_verbatim(b, "\n", 1);
	if (b->failed) {
		/* Never half a line: whatever could not be completed goes. */
		nsg_jsonw_rewind(b, s->line_start);
		s->write_errors++;
		return;
	}
	len = b->len - s->line_start;
	rotate_before(s, len);
	s->size += len;
	s->lines_written++;
	s->line_start = b->len;
	if (b->len >= NSG_SINK_BATCH)
		write_out(s, b->len);
}

void nsg_sink_emit_json(struct nsg_sink *s, const char *json, size_t len)
{
	nsg_jsonw_fragment(nsg_sink_line(s), json, len);
	nsg_sink_commit(s);
}

void nsg_sink_emit_raw(struct nsg_sink *s, const char *bytes, size_t len)
{
	struct nsg_jsonw *b = nsg_sink_line(s);

	nsg_jsonw_verbatim(b, bytes, len);
	if (b->failed) {
		nsg_jsonw_rewind(b, s->line_start);
		s->write_errors++;
		return;
	}
	s->size += len;
	s->line_start = b->len;
}

void nsg_sink_flush(struct nsg_sink *s)
{
	/* Only committed lines: a line in progress stays where it is. */
	write_out(s, s->line_start);
	if (s->socket_path)
		drain_clients(s);
}

void nsg_sink_service(struct nsg_sink *s)
{
	if (!s->socket_path)
		return;
	/* Lines committed before a client is accepted are not that client's. */
	write_out(s, s->line_start);
	accept_clients(s);
	reap_hangups(s);
	drain_clients(s);
}

void nsg_sink_close(struct nsg_sink *s)
{
	nsg_sink_flush(s);
	if (s->owned && s->fd >= 0 && close(s->fd))
		s->write_errors++;
	s->fd = -1;
	s->owned = false;
	close_socket(s);
	free(s->path);
	s->path = NULL;
	nsg_jsonw_free(&s->batch);
	nsg_jsonw_free(&s->text);
	s->line_start = 0;
}
