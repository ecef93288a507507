// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Reading a JSON file whole, up to a cap (json_file.h). The reasons are
 * the ones nsguard-runc prints for a bundle's config.json; keep them as
 * they are (tests/docker/wrapper_cases.sh looks for them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "util/json_file.h"

/* Read past fstat's size before growing the buffer: the file may grow. */
#define READ_SLACK 4096

/* Records where reading failed and, when err is wanted, why. Returns NULL. */
static json_t *failed(struct nsg_json_file *f, enum nsg_json_file_fault fault, int errnum,
		      char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	f->fault = fault;
	f->errnum = errnum;
	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return NULL;
}

/*
 * Reads fd to its end into a buffer of its own, never more than max + 1
 * bytes (one more than allowed: a file that grew is noticed). 0, or an
 * errno: EFBIG when the file holds more than max bytes.
 */
static int read_whole(int fd, size_t size_hint, size_t max, char **out, size_t *len)
{
	size_t cap = size_hint + READ_SLACK <= max ? size_hint + READ_SLACK : max + 1, n = 0;
	char *buf = malloc(cap), *p;
	ssize_t r;
	int rc = buf ? 0 : ENOMEM;

	while (!rc) {
		if (n == cap) {
			if (cap > max) {
				rc = EFBIG;
				break;
			}
			cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
			if (!(p = realloc(buf, cap))) {
				rc = ENOMEM;
				break;
			}
			buf = p;
		}
		r = read(fd, buf + n, cap - n);
		if (r == 0)
			break;
		if (r > 0)
			n += (size_t)r;
		else if (errno != EINTR)
			rc = errno;
	}
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

static json_t *load_open_fd(int fd, struct nsg_json_file *f, char *err, size_t errlen)
{
	char *buf;
	size_t len;
	json_t *j;
	int rc;

	if (fstat(fd, &f->st)) {
		rc = errno;
		return failed(f, NSG_JSON_FILE_UNFIT, rc, err, errlen, "cannot stat: %s",
			      strerror(rc));
	}
	if (!S_ISREG(f->st.st_mode))
		return failed(f, NSG_JSON_FILE_UNFIT, 0, err, errlen, "not a regular file");
	if (f->st.st_size > (off_t)f->max)
		return failed(f, NSG_JSON_FILE_UNFIT, 0, err, errlen,
			      "%lld bytes, over the %zu-byte limit", (long long)f->st.st_size,
			      f->max);
	rc = read_whole(fd, (size_t)f->st.st_size, f->max, &buf, &len);
	if (rc == ENOMEM)
		return failed(f, NSG_JSON_FILE_UNREAD, rc, err, errlen, "out of memory");
	if (rc == EFBIG)
		return failed(f, NSG_JSON_FILE_UNREAD, rc, err, errlen, "over the %zu-byte limit",
			      f->max);
	if (rc)
		return failed(f, NSG_JSON_FILE_UNREAD, rc, err, errlen, "cannot read: %s",
			      strerror(rc));
	j = json_loadb(buf, len, f->json_flags, &f->jerr);
	free(buf);
	if (!j)
		return failed(f, NSG_JSON_FILE_PARSE, 0, err, errlen,
			      "not JSON: %s (line %d, column %d)", f->jerr.text, f->jerr.line,
			      f->jerr.column);
	f->fault = NSG_JSON_FILE_OK;
	return j;
}

json_t *nsg_json_file_load_fd(int fd, struct nsg_json_file *f, char *err, size_t errlen)
{
	int saved = errno;
	json_t *j;

	if (fd < 0)
		return failed(f, NSG_JSON_FILE_OPEN, saved, err, errlen, "cannot open: %s",
			      strerror(saved));
	j = load_open_fd(fd, f, err, errlen);
	close(fd);
	return j;
}

json_t *nsg_json_file_load(const char *path, int oflags, struct nsg_json_file *f, char *err,
			   size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | oflags);

	if (fd < 0 && errno == ELOOP && (oflags & O_NOFOLLOW))
		return failed(f, NSG_JSON_FILE_OPEN, errno, err, errlen,
			      "is a symbolic link, refused");
	return nsg_json_file_load_fd(fd, f, err, errlen);
}
