/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `--format text`: a feed line rendered for people,
 *   time event severity verdict pid=N comm="..." key=value ...
 * with the first four padded to columns, "-" for any that is missing, and
 * then every other member that is not null, its value as compact JSON.
 * It is rendered from the JSON line itself (one object, as the schema,
 * feed_schema.h, writes it), so the two formats cannot disagree and the
 * schema stays in one place.
 */
#ifndef NSGUARD_TEXTLINE_H
#define NSGUARD_TEXTLINE_H

#include <stddef.h>
#include "feed/jsonw.h"

/* Appends the text form of json[0..len) to out, no newline. 0, or -1 if it is not one object. */
int nsg_text_from_json(struct nsg_jsonw *out, const char *json, size_t len);

#endif
