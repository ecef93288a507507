/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Filling a struct nsg_container_meta from what the runtimes' state files
 * say: a field is set once, by the first source that knows it, and a value
 * too long for it is cut without breaking a UTF-8 character. Shared by the
 * annotation reading (annotations.c) and the state sources (state_*.c).
 */
#ifndef NSGUARD_META_FIELDS_H
#define NSGUARD_META_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <jansson.h>

/* Copies src into dst (size > 0) when dst is still empty and src is not. */
void nsg_meta_set_if_empty(char *dst, size_t size, const char *src);

#define META_SET(m, field, src) nsg_meta_set_if_empty((m)->field, sizeof((m)->field), (src))

/* obj[key] when it is a string, else NULL. */
static inline const char *nsg_jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* obj[key] is the string val. */
static inline bool nsg_jstr_is(json_t *obj, const char *key, const char *val)
{
	const char *v = nsg_jstr(obj, key);

	return v && strcmp(v, val) == 0;
}

#endif
