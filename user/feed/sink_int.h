/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Inside the feed's sink (output.h): what sink.c (lines and batches),
 * sink_file.c (the --output file and its rotation) and sink_clients.c
 * (the --output-socket clients) call of one another. Not for other users.
 */
#ifndef NSGUARD_SINK_INT_H
#define NSGUARD_SINK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include "feed/feed_schema.h"
#include "feed/output.h"

/* A gap the file must tell of: a feed_gap line before its next line (sink_gap.c). */
void nsg_sink_note_gap(struct nsg_sink *s, const struct nsg_feed_gap *g);

/* Opens o->path (0600, appended to) as the sink's file; 0, or -1 with the reason in err. */
int nsg_sink_file_open(struct nsg_sink *s, const struct nsg_sink_opts *o, char *err,
		       size_t errlen);
/* Whether a line of len bytes must start the next file (--output-max-size). */
bool nsg_sink_file_rotation_due(const struct nsg_sink *s, size_t len);
/* path -> path.1 -> ... -> path.keep, then a fresh path; a failure is counted, not fatal. */
void nsg_sink_file_rotate(struct nsg_sink *s);
/* The path opened again in place of the file; 0, or -1 with errno (the old file kept). */
int nsg_sink_file_reopen(struct nsg_sink *s);
/* Whether the path still names the file written to (not renamed away, not deleted). */
bool nsg_sink_file_is_at_path(const struct nsg_sink *s);

/* Listens on path for clients; 0, or -1 with the reason in err (nothing left open). */
int nsg_sink_clients_open(struct nsg_sink *s, const char *path, char *err, size_t errlen);
/* Whole lines p[0..n) to every client; one that lags too far is dropped. */
void nsg_sink_clients_send(struct nsg_sink *s, const char *p, size_t n);
/* Sends clients what they lag behind; forgets those that are gone. */
void nsg_sink_clients_drain(struct nsg_sink *s);
/* Accepts new clients, forgets those that hung up, then drains. */
void nsg_sink_clients_service(struct nsg_sink *s);
/* Disconnects every client, stops listening and removes the socket file if still ours. */
void nsg_sink_clients_close(struct nsg_sink *s);

#endif
