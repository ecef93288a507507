/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one reader of a JSON file from disk: a regular file of at most a
 * caller's cap, read whole (a file that grows past the cap while read is
 * refused too) and parsed with Jansson. Callers differ in how they open the
 * file (beneath a root, without following a symlink, without blocking on
 * a FIFO), in the cap and in how they word a failure, so the reader says
 * where it failed (struct nsg_json_file) and, when asked, why in one line.
 *
 * Needs only libc and Jansson: nsguard-runc links it with -ljansson alone.
 */
#ifndef NSGUARD_JSON_FILE_H
#define NSGUARD_JSON_FILE_H

#include <stddef.h>
#include <sys/stat.h>
#include <jansson.h>

/* Where reading failed: a caller that words its own messages words them from this. */
enum nsg_json_file_fault {
	NSG_JSON_FILE_OK,
	NSG_JSON_FILE_OPEN,   /* open failed (errnum) */
	NSG_JSON_FILE_UNFIT,  /* fstat failed (errnum), not a regular file, or over max */
	NSG_JSON_FILE_UNREAD, /* read failed (errnum), out of memory (ENOMEM), grew past max (EFBIG) */
	NSG_JSON_FILE_PARSE,  /* not JSON (jerr) */
};

struct nsg_json_file {
	/* Set by the caller. */
	size_t max;                     /* the largest file accepted, in bytes */
	size_t json_flags;              /* for json_loadb() */
	/* Set by the reader. */
	enum nsg_json_file_fault fault;
	int errnum;
	struct stat st;                 /* the file read, once fstat succeeded */
	json_error_t jerr;
};

/*
 * Reads and parses the file open at fd, and closes fd. fd < 0 is an open
 * that failed (errno still its). Returns the document, or NULL with
 * f->fault set and, when err is not NULL, one line saying why in err.
 */
json_t *nsg_json_file_load_fd(int fd, struct nsg_json_file *f, char *err, size_t errlen);

/*
 * The same for path, opened O_RDONLY | O_CLOEXEC | oflags. With O_NOFOLLOW
 * a symlink in the file's place is "is a symbolic link, refused".
 */
json_t *nsg_json_file_load(const char *path, int oflags, struct nsg_json_file *f, char *err,
			   size_t errlen);

#endif
