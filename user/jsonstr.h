/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Kernel strings (comm, exe, cgroup names) are bytes, not text. JSON needs
 * valid UTF-8: invalid sequences become U+FFFD and the exact bytes are kept
 * beside them as hex in "<key>_raw", so nothing is lost and nothing breaks
 * a consumer's parser. Escaping of quotes/control bytes is Jansson's.
 */
#ifndef NSGUARD_JSONSTR_H
#define NSGUARD_JSONSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>
#include "utf8.h"

/*
 * Sets obj[key] to the bytes of buf up to its first NUL (at most maxlen),
 * and obj[key"_raw"] to their hex when they are not valid UTF-8.
 * Returns 0, or -1 on allocation failure.
 */
int nsg_json_set_bytes(json_t *obj, const char *key, const char *buf, size_t maxlen);
/* The same for a NUL-terminated string, or null when s is NULL. */
int nsg_json_set_str_or_null(json_t *obj, const char *key, const char *s);

#endif
