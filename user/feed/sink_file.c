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

int nsg_sink_file_open(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
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
