// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <string.h>
#include "feed/textline.h"

struct span {
	const char *p;
	size_t n;
};

struct member {
	struct span key;   /* between the quotes, escaped as in the line */
	struct span value; /* as in the line */
};

/* The prefix's fields, in the order the text shows them. */
enum { F_TIME, F_EVENT, F_SEVERITY, F_VERDICT, F_PID, F_COMM, F_FIXED };
static const char *const fixed_keys[F_FIXED] = { "time", "event", "severity", "verdict", "pid",
						 "comm" };
static const int fixed_width[F_FIXED] = { 0, 15, 9, 7, 0, 0 };

/* Past the string that starts at p ('"'), or NULL when it does not end. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\')
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return NULL;
}

/* Past the compact JSON value that starts at p, or NULL. */
static const char *skip_value(const char *p, const char *end)
{
	int depth = 0;

	if (p < end && *p == '"')
		return skip_string(p, end);
	while (p < end) {
		if (*p == '"') {
			if (!(p = skip_string(p, end)))
				return NULL;
			continue;
		}
		if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']')
			depth--;
		else if (*p == ',' && depth == 0)
			return p;
		if (depth < 0)
			return p;
		p++;
		if (depth == 0 && (p[-1] == '}' || p[-1] == ']'))
			return p;
	}
	return depth == 0 ? p : NULL;
}

/* Reads the member at *p (`"key":value`); advances past it and its comma. */
static bool next_member(const char **p, const char *end, struct member *m)
{
	const char *k = *p, *v;

	if (k >= end || *k != '"' || !(v = skip_string(k, end)) || v >= end || *v != ':')
		return false;
	m->key = (struct span){ k + 1, (size_t)(v - k - 2) };
	v++;
	*p = skip_value(v, end);
	if (!*p || *p == v)
		return false;
	m->value = (struct span){ v, (size_t)(*p - v) };
	if (*p < end && **p == ',')
		(*p)++;
	return true;
}

static bool span_is(struct span s, const char *lit)
{
	return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static int fixed_index(struct span key)
{
	for (int i = 0; i < F_FIXED; i++)
		if (span_is(key, fixed_keys[i]))
			return i;
	return -1;
}

/* A string value without its quotes (still escaped: one line whatever it holds). */
static struct span unquoted(struct span v)
{
	if (v.n >= 2 && v.p[0] == '"')
		return (struct span){ v.p + 1, v.n - 2 };
	return (struct span){ "-", 1 };
}

static void put(struct nsg_jsonw *out, const char *p, size_t n)
{
	nsg_jsonw_verbatim(out, p, n);
}

static void put_padded(struct nsg_jsonw *out, struct span s, size_t width)
{
	static const char spaces[] = "                ";

	put(out, s.p, s.n);
	if (s.n < width)
		put(out, spaces, width - s.n);
}

/* time event severity verdict, then pid= and comm= when the line has them. */
static void put_prefix(struct nsg_jsonw *out, const struct span fixed[F_FIXED])
{
	for (int i = F_TIME; i <= F_VERDICT; i++) {
		struct span s = fixed[i].p ? unquoted(fixed[i]) : (struct span){ "-", 1 };

		if (i > F_TIME)
			put(out, " ", 1);
		put_padded(out, s, (size_t)fixed_width[i]);
	}
	if (fixed[F_PID].p) {
		put(out, " pid=", 5);
		put(out, fixed[F_PID].p, fixed[F_PID].n);
	}
	if (fixed[F_COMM].p) {
		put(out, " comm=", 6);
		put(out, fixed[F_COMM].p, fixed[F_COMM].n);
	}
}

/* ` key=value` for each member outside the prefix that is not null. */
static void put_rest(struct nsg_jsonw *out, const char *p, const char *end)
{
	struct member m;

	while (next_member(&p, end, &m)) {
		if (fixed_index(m.key) >= 0 || span_is(m.value, "null"))
			continue;
		put(out, " ", 1);
		put(out, m.key.p, m.key.n);
		put(out, "=", 1);
		put(out, m.value.p, m.value.n);
	}
}

int nsg_text_from_json(struct nsg_jsonw *out, const char *json, size_t len)
{
	const char *end = json + len, *body = json + 1, *p = body;
	struct span fixed[F_FIXED] = { { 0 } };
	struct member m;
	int i;

	if (len < 2 || json[0] != '{' || end[-1] != '}')
		return -1;
	end--; /* the closing brace */
	while (p < end) {
		if (!next_member(&p, end, &m))
			return -1;
		if ((i = fixed_index(m.key)) >= 0 && !fixed[i].p)
			fixed[i] = m.value;
	}
	put_prefix(out, fixed);
	put_rest(out, body, end);
	return out->failed ? -1 : 0;
}
