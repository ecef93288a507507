/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A small JSON writer for the feed: values are appended as compact JSON
 * into a growable buffer that the caller owns and reuses, so once the
 * buffer is warm writing an event allocates nothing and builds no tree.
 * Jansson stays for parsing (runtime state, the OCI hook protocol); the
 * feed's per-event path is this.
 *
 * Output is byte for byte what Jansson's json_dumpb(JSON_COMPACT |
 * JSON_PRESERVE_ORDER) made of the same values (tests/unit/test_jsonw.c
 * checks it), except doubles, which print shortest-first (below):
 *
 * - strings: `"` and `\` are escaped, \b \f \n \r \t get their short
 *   escapes, other bytes below 0x20 become \u00XX (upper-case hex), all
 *   else is copied; bytes that are not valid UTF-8 (RFC 3629: no overlongs,
 *   surrogates or code points above U+10FFFF) become U+FFFD, one per byte,
 *   so the output is always valid JSON whatever the input;
 * - nsg_jsonw_member_bytes(): kernel bytes (comm, exe, cgroup paths) as
 *   the string above plus, when they are not valid UTF-8, their exact bytes
 *   as lower-case hex in a sibling member "<key>_raw";
 * - integers: exact, int64 and uint64 (Jansson had int64 only);
 * - doubles: the shortest digits that read back as the same double, laid
 *   out as a person writes them: 15.3, 0.5, 0.000001, 1e21, 1e-7; a whole
 *   number keeps ".0" (294.0), so a double always reads back as a
 *   real, never an integer, to typed consumers; NaN and infinities are null;
 * - commas between members and elements are automatic.
 *
 * Errors: when the buffer cannot grow, `failed` is set and every later
 * call is a no-op; the caller drops the incomplete line (nsg_jsonw_rewind).
 */
#ifndef NSGUARD_JSONW_H
#define NSGUARD_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsg_jsonw {
	char *buf;      /* owned by the writer's user; grown as needed, kept */
	size_t len;     /* bytes written */
	size_t cap;
	bool comma;     /* the next member or element needs a comma first */
	bool failed;    /* the buffer could not grow: what follows the last mark is incomplete */
};

/* An empty writer (a zeroed struct is one too). */
void nsg_jsonw_init(struct nsg_jsonw *w);
/* Frees the buffer; the writer is empty again. */
void nsg_jsonw_free(struct nsg_jsonw *w);
/* Where a new top-level value starts: returns the offset to rewind to. */
size_t nsg_jsonw_mark(struct nsg_jsonw *w);
/* Drops everything after mark (an incomplete line) and clears `failed`. */
void nsg_jsonw_rewind(struct nsg_jsonw *w, size_t mark);

void nsg_jsonw_object_begin(struct nsg_jsonw *w);
void nsg_jsonw_object_end(struct nsg_jsonw *w);
void nsg_jsonw_array_begin(struct nsg_jsonw *w);
void nsg_jsonw_array_end(struct nsg_jsonw *w);
/* A member's key (escaped like any string); its value comes next. */
void nsg_jsonw_key(struct nsg_jsonw *w, const char *key);
void nsg_jsonw_keyn(struct nsg_jsonw *w, const char *key, size_t len);

/* Strings: escaped, invalid UTF-8 replaced (see above). */
void nsg_jsonw_string(struct nsg_jsonw *w, const char *s);
void nsg_jsonw_stringn(struct nsg_jsonw *w, const char *s, size_t len);
/* A string, or null when s is NULL. */
void nsg_jsonw_string_or_null(struct nsg_jsonw *w, const char *s);
void nsg_jsonw_int(struct nsg_jsonw *w, int64_t v);
void nsg_jsonw_uint(struct nsg_jsonw *w, uint64_t v);
void nsg_jsonw_double(struct nsg_jsonw *w, double v);
void nsg_jsonw_bool(struct nsg_jsonw *w, bool v);
void nsg_jsonw_null(struct nsg_jsonw *w);
/* A value serialized earlier (e.g. a cached object), copied as it is. */
void nsg_jsonw_fragment(struct nsg_jsonw *w, const char *json, size_t len);
/* Bytes with no JSON meaning at all (the sink's text rendering); no comma. */
void nsg_jsonw_verbatim(struct nsg_jsonw *w, const char *bytes, size_t len);

/*
 * Member `key` with buf's bytes up to its first NUL (at most maxlen), and
 * member "<key>_raw" with their hex when they are not valid UTF-8.
 */
void nsg_jsonw_member_bytes(struct nsg_jsonw *w, const char *key, const char *buf,
			    size_t maxlen);
/* The same for a NUL-terminated string, or `key: null` when s is NULL. */
void nsg_jsonw_member_bytes_or_null(struct nsg_jsonw *w, const char *key, const char *s);

/*
 * Members, key and value in one call: nsg_jsonw_kv_<kind>(w, key, v) is
 * nsg_jsonw_key(w, key) and nsg_jsonw_<kind>(w, v), for string,
 * string_or_null, int, uint, double and bool; nsg_jsonw_kv_null(w, key).
 */
#define NSG_JSONW_KV(kind, type)                                                             \
	static inline void nsg_jsonw_kv_##kind(struct nsg_jsonw *w, const char *key, type v) \
	{                                                                                    \
		nsg_jsonw_key(w, key);                                                       \
		nsg_jsonw_##kind(w, v);                                                      \
	}
NSG_JSONW_KV(string, const char *)
NSG_JSONW_KV(string_or_null, const char *)
NSG_JSONW_KV(int, int64_t)
NSG_JSONW_KV(uint, uint64_t)
NSG_JSONW_KV(double, double)
NSG_JSONW_KV(bool, bool)
#undef NSG_JSONW_KV

static inline void nsg_jsonw_kv_null(struct nsg_jsonw *w, const char *key)
{
	nsg_jsonw_key(w, key);
	nsg_jsonw_null(w);
}

#endif
