/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the feed goes. One sink writes every line to up to two places at
 * once:
 *
 * - stdout, or a file (mode 0600, appended to) with optional size-based
 *   rotation: path -> path.1 -> ... -> path.keep;
 * - a Unix stream socket that local consumers connect to; each client
 *   gets every line written after its connect() returned (and may get a
 *   few earlier ones: the batch that was waiting when it was accepted).
 *
 * Lines are written by the schema (feed_schema.h) straight into the sink's
 * batch buffer: nsg_sink_line() hands out the writer, nsg_sink_commit()
 * ends the line (or drops it whole if it could not be completed). Lines
 * accumulate and leave with one write per batch: at nsg_sink_flush() (the
 * agent flushes after each ring-buffer poll) or when NSG_SINK_BATCH bytes
 * are waiting. Only whole lines are ever handed to a file or a client, no
 * line is split across rotated files, and a write that fails half-way
 * through a line in a regular file is cut back to the last whole line.
 *
 * The file is whole lines or nothing, whatever happens to the node: what a
 * failed write (a full disk) could not keep is counted, and once writing
 * works again one `feed_gap` line says how many lines went and why; an
 * earlier writer's unfinished last line is cut at open (feed_gap too); a
 * file cut under the agent (copytruncate) is noticed at the next write.
 * The node's log rotation is followed: nsg_sink_reopen() (SIGUSR1) and
 * nsg_sink_watch_path() (the path renamed or deleted) open the path again.
 */
#ifndef NSGUARD_OUTPUT_H
#define NSGUARD_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "cli/cli.h"
#include "feed/jsonw.h"
#include "util/unix_listener.h"

#define NSG_SINK_KEEP_DEFAULT 5
#define NSG_SINK_KEEP_MAX 999
#define NSG_SINK_MAX_CLIENTS 16
/* Bytes a client may lag behind on top of its kernel socket buffer. */
#define NSG_SINK_CLIENT_BUF (64 * 1024)
/* A batch is written out once this many bytes wait (and at every flush). */
#define NSG_SINK_BATCH (64 * 1024)

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
	int fd;                       /* the file or stdout; -1 when socket-only */
	enum nsg_format format;
	bool owned;                   /* fd is ours to close */
	bool regular;                 /* fd is a regular file: a torn write can be cut back */

	/* Counters: valid after nsg_sink_close() too. */
	unsigned long long lines_written;    /* lines handed to every place without a file error */
	unsigned long long write_errors;     /* lost or unformattable lines, failed flushes/rotations */
	unsigned long long rotations;
	unsigned int clients;                /* connected now */
	unsigned long long clients_dropped;  /* disconnected for not keeping up */
	unsigned long long clients_rejected; /* turned away: NSG_SINK_MAX_CLIENTS already connected */
	unsigned long long lines_lost;       /* lines the file could not take */
	unsigned long long reopens;          /* the file opened again at its path */

	/* Rotation; path is NULL for stdout. */
	char *path;
	unsigned long long max_bytes;
	unsigned long long size;             /* bytes in the current file, ours and earlier ones,
						the batch's included */
	unsigned long long rotate_at;        /* max_bytes, pushed further after a failed rotation */
	unsigned int keep;

	/* The file as the agent left it: what a reopen or a truncation is told by. */
	dev_t dev;
	ino_t ino;
	unsigned long long end;              /* where our last write ended */
	bool torn;                           /* a torn line could not be cut yet */
	bool reopen_failing;                 /* said once until a reopen works */
	struct {
		const char *cause;               /* NULL: no gap to report */
		int error;
		unsigned long long lost, bytes;
		bool lost_known;
	} gap;
	struct nsg_jsonw gap_line;           /* the feed_gap line, written before the next batch */

	/* Socket; socket_path is NULL when there is none. */
	char *socket_path;
	int listen_fd;
	struct nsg_unix_socket_file sock_file;
	struct nsg_sink_client client[NSG_SINK_MAX_CLIENTS];

	struct nsg_jsonw batch;  /* whole lines not written yet, then the line being written */
	size_t line_start;       /* where that line begins in batch */
	struct nsg_jsonw text;   /* --format text: the line rendered, reused */
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
/*
 * The writer for the next line: write one JSON value (no newline) into it,
 * then nsg_sink_commit(). The writer belongs to the sink; use it for
 * nothing else.
 */
struct nsg_jsonw *nsg_sink_line(struct nsg_sink *s);
/*
 * Ends that line: adds the newline (for --format text, renders it first),
 * rotates the file first if the line would not fit, and writes the batch
 * out when it is full. A line the writer could not complete is dropped
 * whole and counted in write_errors. Never blocks on a socket client.
 */
void nsg_sink_commit(struct nsg_sink *s);
/* A finished JSON line (no newline), copied in: nsg_sink_line() + commit. */
void nsg_sink_emit_json(struct nsg_sink *s, const char *json, size_t len);
/* Bytes that are not a feed line (the scan table), written as they are. */
void nsg_sink_emit_raw(struct nsg_sink *s, const char *bytes, size_t len);
/* Writes the batch to the file/stdout and whatever clients can take now. */
void nsg_sink_flush(struct nsg_sink *s);
/*
 * Call regularly from the agent's loop (each poll iteration): writes out
 * the committed lines, then accepts new clients, forgets clients that hung
 * up, and sends clients what they lag behind. Never blocks on a client. A
 * no-op without a socket.
 */
void nsg_sink_service(struct nsg_sink *s);
/*
 * The node rotated the file its own way (logrotate `create`, SIGUSR1):
 * the waiting lines go to the file as it is, then the path is opened
 * again (created where missing). 0, or -1 (the old file stays in use).
 */
int nsg_sink_reopen(struct nsg_sink *s);
/* Call about once a second: reopens when the path is no longer the file written to. */
void nsg_sink_watch_path(struct nsg_sink *s);
/* Flushes, closes everything and removes the socket file. Safe on a closed or failed sink. */
void nsg_sink_close(struct nsg_sink *s);

#endif
