/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Where the feed goes: stdout or an append-only file (mode 0600). */
#ifndef NSGUARD_OUTPUT_H
#define NSGUARD_OUTPUT_H

#include <stdio.h>
#include <jansson.h>
#include "cli.h"

struct nsg_sink {
	FILE *f;
	enum nsg_format format;
	bool owned;
	unsigned long write_errors;
};

/* Returns 0, or -1 with a one-line reason in err. */
int nsg_sink_open(struct nsg_sink *s, const char *path, enum nsg_format format, char *err,
		  size_t errlen);
/* Writes one event line; steals the reference to obj. */
void nsg_sink_emit(struct nsg_sink *s, json_t *obj);
void nsg_sink_flush(struct nsg_sink *s);
void nsg_sink_close(struct nsg_sink *s);

#endif
