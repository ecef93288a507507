/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the feed goes. One sink writes every line to up to two places at
 * once:
 *
 * - stdout, or a file (mode 0600, appended to) with optional size-based
 *   rotation: path -> path.1 -> ... -> path.keep;
 * - a Unix stream socket that local consumers connect to; each client
 *   gets every line written after its connect() returned.
 *
 * A line is formatted once, in memory, and then handed whole to each
 * place, so no line is ever split across rotated files, and a format
 * error never leaves half a line anywhere.
 */
#ifndef NSGUARD_OUTPUT_H
#define NSGUARD_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>
#include <jansson.h>
#include "cli.h"

#define NSG_SINK_KEEP_DEFAULT 5
#define NSG_SINK_KEEP_MAX 999
#define NSG_SINK_MAX_CLIENTS 16
/* Bytes a client may lag behind on top of its kernel socket buffer. */
#define NSG_SINK_CLIENT_BUF (64 * 1024)

struct nsg_sink_opts {
	const char *path;             /* NULL: stdout (unless no_stdout) */
	enum nsg_format format;
	unsigned long long max_bytes; /* rotate before a line would take the file past this; 0: never */
	unsigned int keep;            /* rotated files kept, path.1 .. path.keep; 0: NSG_SINK_KEEP_DEFAULT */
	const char *socket_path;      /* NULL: no socket */
	bool no_stdout;               /* with path NULL: socket only */
};

struct nsg_sink_client {
	int fd;
	char *pending;                /* what the kernel did not take yet; NULL: nothing */
	size_t npending;
};

struct nsg_sink {
	FILE *f;                      /* the file or stdout; NULL when socket-only */
	enum nsg_format format;
	bool owned;                   /* f is ours to close */

	/* Counters: valid after nsg_sink_close() too. */
	unsigned long long lines_written;    /* lines handed to every place without a file error */
	unsigned long long write_errors;     /* lost or unformattable lines, failed flushes/rotations */
	unsigned long long rotations;
	unsigned int clients;                /* connected now */
	unsigned long long clients_dropped;  /* disconnected for not keeping up */
	unsigned long long clients_rejected; /* turned away: NSG_SINK_MAX_CLIENTS already connected */

	/* Rotation; path is NULL for stdout. */
	char *path;
	unsigned long long max_bytes;
	unsigned long long size;             /* bytes in the current file, ours and earlier ones */
	unsigned long long rotate_at;        /* max_bytes, pushed further after a failed rotation */
	unsigned int keep;

	/* Socket; socket_path is NULL when there is none. */
	char *socket_path;
	int listen_fd;
	dev_t sock_dev;
	ino_t sock_ino;
	struct nsg_sink_client client[NSG_SINK_MAX_CLIENTS];

	char *buf; /* the line being written, reused */
	size_t buf_cap;
};

/* Returns 0, or -1 with a one-line reason in err. stdout or an append-only file, no rotation. */
int nsg_sink_open(struct nsg_sink *s, const char *path, enum nsg_format format, char *err,
		  size_t errlen);
/*
 * Returns 0, or -1 with a one-line reason in err (nothing is left open
 * then; nsg_sink_close() is a harmless no-op). Refuses: max_bytes
 * without a path or on a path that is not a regular file, keep above
 * NSG_SINK_KEEP_MAX, no destination at all, a socket_path that exists and
 * is not a socket or is a socket another process listens on.
 */
int nsg_sink_open_opts(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
		       size_t errlen);
/* Writes one event line; steals the reference to obj. Never blocks on a socket client. */
void nsg_sink_emit(struct nsg_sink *s, json_t *obj);
/* Flushes the file/stdout and whatever clients can take now. */
void nsg_sink_flush(struct nsg_sink *s);
/*
 * Call regularly from the agent's loop (each poll iteration): accepts new
 * clients, forgets clients that hung up, and sends clients what they lag
 * behind. Never blocks. A no-op without a socket.
 */
void nsg_sink_service(struct nsg_sink *s);
/* The listening socket, readable when a client connects (for a poll set); -1 without one. */
int nsg_sink_poll_fd(const struct nsg_sink *s);
/* Flushes, closes everything and removes the socket file. Safe on a closed or failed sink. */
void nsg_sink_close(struct nsg_sink *s);

#endif
