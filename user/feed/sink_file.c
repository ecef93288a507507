// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink's --output FILE: opened append-only and private, and rotated by
 * size (--output-max-size, --output-keep): path -> path.1 -> ... ->
 * path.keep, then a fresh path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "feed/sink_int.h"

/* The feed names containers and processes: not for other users' eyes. */
static int open_private(const char *path, struct stat *st)
{
	/* Readable too, to find an unfinished last line; write-only where that is all we may. */
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

	if (fd < 0 && errno == EACCES)
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

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

/* Where the last whole line of fd's first `size` bytes ends (0: none). */
static off_t last_line_end(int fd, off_t size)
{
	char buf[4096];
	off_t pos = size;

	while (pos > 0) {
		size_t n = pos < (off_t)sizeof(buf) ? (size_t)pos : sizeof(buf);
		char *nl;

		pos -= (off_t)n;
		if (pread(fd, buf, n, pos) != (ssize_t)n)
			return -1;
		nl = memrchr(buf, '\n', n);
		if (nl)
			return pos + (nl - buf) + 1;
	}
	return 0;
}

/*
 * An earlier writer killed in the middle of a line (SIGKILL can cut a
 * write short) left it unfinished: it is cut, so that the file stays whole
 * lines, and the first line written says so.
 */
static void cut_unfinished_line(struct nsg_sink *s, int fd, struct stat *st)
{
	struct nsg_feed_gap g = { .cause = "torn_line_at_start", .lost = 1, .lost_known = true };
	char last;
	off_t keep;

	if (!S_ISREG(st->st_mode) || st->st_size == 0 ||
	    pread(fd, &last, 1, st->st_size - 1) != 1 || last == '\n')
		return;
	keep = last_line_end(fd, st->st_size);
	if (keep < 0 || ftruncate(fd, keep))
		return;
	g.bytes = (unsigned long long)(st->st_size - keep);
	nsg_sink_note_gap(s, &g);
	st->st_size = keep;
}

/* Opens the path for appending, whole lines, and takes it as the sink's file. */
static int open_append(struct nsg_sink *s, const char *path, struct stat *st)
{
	int fd = open_private(path, st);

	if (fd < 0)
		return -1;
	cut_unfinished_line(s, fd, st);
	s->dev = st->st_dev;
	s->ino = st->st_ino;
	s->end = S_ISREG(st->st_mode) ? (unsigned long long)st->st_size : 0;
	s->torn = false;
	return fd;
}

int nsg_sink_file_open(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
		       size_t errlen)
{
	struct stat st;

	s->fd = open_append(s, o->path, &st);
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

/* Opens the path again (a fresh file where it was renamed away) in place of the old one. */
static int reopen(struct nsg_sink *s)
{
	struct stat st;
	int fd = open_append(s, s->path, &st);

	if (fd < 0)
		return -1;
	if (close(s->fd))
		s->write_errors++;
	s->fd = fd;
	s->regular = S_ISREG(st.st_mode);
	/* Only whole lines were waiting, and they went: the line in progress counts at commit. */
	s->size = (unsigned long long)st.st_size;
	return 0;
}

int nsg_sink_file_reopen(struct nsg_sink *s)
{
	return reopen(s);
}

bool nsg_sink_file_is_at_path(const struct nsg_sink *s)
{
	struct stat st;

	return stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
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

/* A line that is too long for the current file's limit starts the next file. */
bool nsg_sink_file_rotation_due(const struct nsg_sink *s, size_t len)
{
	return s->max_bytes && s->fd >= 0 && s->size != 0 && s->size + len > s->rotate_at;
}

void nsg_sink_file_rotate(struct nsg_sink *s)
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
