// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The feed's sink (output.h): lines written into one batch buffer, and
 * batches handed in one write each to stdout or the file (sink_file.c)
 * and to the socket's clients (sink_clients.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "feed/sink_int.h"
#include "feed/textline.h"

/* ---- opening ---- */

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
	if (o->path && nsg_sink_file_open(s, o, err, errlen))
		goto fail;
	if (!o->path && !o->no_stdout)
		use_stdout(s);
	if (o->socket_path && nsg_sink_clients_open(s, o->socket_path, err, errlen))
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

/* ---- writing to the file or stdout ---- */

/* stdout may be a non-blocking pipe: wait a little for the reader, as stdio never did. */
static bool wait_writable(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };

	return poll(&pfd, 1, 1000) > 0;
}

/* Lines in p[0..n). */
static unsigned long long count_lines(const char *p, size_t n)
{
	unsigned long long k = 0;

	if (!n)
		return 0; /* p may be NULL then (an empty batch) */
	for (const char *e = p + n; (p = memchr(p, '\n', (size_t)(e - p))); p++)
		k++;
	return k;
}

/* Bytes of p[0..done) up to and including its last newline. */
static size_t whole_part(const char *p, size_t done)
{
	const char *nl = done ? memrchr(p, '\n', done) : NULL;

	return nl ? (size_t)(nl - p + 1) : 0;
}

/*
 * Back to where our last whole line ended: a torn line never stays, and
 * the next batch never starts in the middle of one. Only in our own
 * regular file; `end` is where the last whole line ended.
 */
static bool cut_back(struct nsg_sink *s)
{
	if (!s->owned || !s->regular)
		return true;
	s->torn = ftruncate(s->fd, (off_t)s->end) != 0;
	return !s->torn;
}

/* Lines a failed write lost: counted while the fault lasts, told once it is over. */
static void lose_lines(struct nsg_sink *s, unsigned long long lost, int err)
{
	if (!lost)
		return; /* only feed_gap lines failed: they wait, nothing else is missing */
	s->lines_lost += lost;
	s->gap.lost += lost;
	if (!s->gap.cause) {
		s->gap.cause = "write_failed";
		s->gap.error = err;
	}
}

/* Someone cut our file (copytruncate): what it held of ours before this write is gone. */
static void check_truncated(struct nsg_sink *s)
{
	struct stat st;
	struct nsg_feed_gap g = { .cause = "truncated" };

	if (!s->owned || !s->regular || fstat(s->fd, &st) || (unsigned long long)st.st_size >= s->end)
		return;
	g.bytes = s->end - (unsigned long long)st.st_size;
	nsg_sink_note_gap(s, &g);
	s->end = (unsigned long long)st.st_size;
	s->size = s->end + s->batch.len;
}

/* Writes p[0..n) whole; 0, or -1 with errno (and done: what went in). */
static int write_all(struct nsg_sink *s, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		ssize_t k = write(s->fd, p + *done, n - *done);

		if (k > 0) {
			*done += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && wait_writable(s->fd))
			continue;
		if (k == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

/* A write that failed part-way: whole lines stay, the rest is cut back. errno kept. */
static void failed_at(struct nsg_sink *s, const char *p, size_t done)
{
	int err = errno;

	s->end += whole_part(p, done);
	cut_back(s);
	errno = err;
}

/* The feed_gap lines waiting, before anything else; they are never counted as lost. */
static int write_gap_lines(struct nsg_sink *s)
{
	struct nsg_jsonw *g = &s->gap_line;
	size_t mark = g->len, done;

	if (s->gap.cause) {
		struct nsg_feed_gap w = { .cause = s->gap.cause, .error = s->gap.error,
					  .lost = s->gap.lost, .lost_known = true };

		nsg_sink_note_gap(s, &w);
	}
	if (!g->len)
		return 0;
	if (write_all(s, g->buf, g->len, &done)) {
		int err = errno;

		/* All of them again next time: none stays, none twice. */
		cut_back(s);
		/* A write_failed gap keeps counting until it can be told. */
		nsg_jsonw_rewind(g, mark);
		errno = err;
		return -1;
	}
	s->end += g->len;
	nsg_jsonw_rewind(g, 0);
	memset(&s->gap, 0, sizeof(s->gap));
	return 0;
}

/* Writes whole lines p[0..n) to the file; 0, or -1 (the lines that did not go are counted). */
static int write_lines(struct nsg_sink *s, const char *p, size_t n)
{
	size_t done = 0, kept;

	if (s->torn && !cut_back(s))
		goto lost;
	check_truncated(s);
	if (write_gap_lines(s))
		goto lost;
	if (write_all(s, p, n, &done) == 0) {
		s->end += n;
		return 0;
	}
	failed_at(s, p, done);
lost:
	kept = whole_part(p, done);
	lose_lines(s, count_lines(p + kept, n - kept), errno);
	s->size = s->end + (s->batch.len - n);
	return -1;
}

/* ---- lines and batches ---- */

/*
 * Hands the first n bytes of the batch (whole lines) to the file and to
 * every client in one write each, and drops them from the batch.
 */
static void write_out(struct nsg_sink *s, size_t n)
{
	struct nsg_jsonw *b = &s->batch;

	if (!n) {
		/* Nothing new, but a gap to tell once the file takes lines again. */
		if (s->fd >= 0 && (s->gap.cause || s->gap_line.len))
			write_lines(s, b->buf, 0);
		return;
	}
	if (s->fd >= 0 && write_lines(s, b->buf, n))
		s->write_errors++;
	/* Clients get the lines even when the file failed: one loss, not two. */
	if (s->socket_path)
		nsg_sink_clients_send(s, b->buf, n);
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
	if (nsg_sink_file_rotation_due(s, len)) {
		/* What came before belongs in the file being retired. */
		write_out(s, s->line_start);
		nsg_sink_file_rotate(s);
	}
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
		nsg_sink_clients_drain(s);
}

void nsg_sink_service(struct nsg_sink *s)
{
	if (!s->socket_path)
		return;
	/* Lines committed before a client is accepted are not that client's. */
	write_out(s, s->line_start);
	nsg_sink_clients_service(s);
}

int nsg_sink_reopen(struct nsg_sink *s)
{
	if (!s->path || !s->owned)
		return 0;
	/* The lines waiting belong to the file they were written for. */
	nsg_sink_flush(s);
	if (nsg_sink_file_reopen(s)) {
		s->write_errors++;
		/* Said once, not at every look while the path stays unusable. */
		if (!s->reopen_failing)
			fprintf(stderr, "nsguard: --output %s: cannot open it again: %s (still "
				"writing to the file it was)\n", s->path, strerror(errno));
		s->reopen_failing = true;
		return -1;
	}
	s->reopen_failing = false;
	s->reopens++;
	return 0;
}

void nsg_sink_watch_path(struct nsg_sink *s)
{
	if (s->path && s->owned && !nsg_sink_file_is_at_path(s))
		nsg_sink_reopen(s);
}

void nsg_sink_close(struct nsg_sink *s)
{
	nsg_sink_flush(s);
	if (s->owned && s->fd >= 0 && close(s->fd))
		s->write_errors++;
	s->fd = -1;
	s->owned = false;
	nsg_sink_clients_close(s);
	free(s->path);
	s->path = NULL;
	nsg_jsonw_free(&s->batch);
	nsg_jsonw_free(&s->text);
	nsg_jsonw_free(&s->gap_line);
	s->line_start = 0;
}
