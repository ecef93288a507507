// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/utf8.h"
#include "feed/jsonw.h"

#define MIN_CAP 256
/* The most one input byte can become inside a string: "\u00XX". */
#define ESCAPE_MAX 6

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
static const char hex_lower[] = "0123456789abcdef";
static const char hex_upper[] = "0123456789ABCDEF";

void nsg_jsonw_init(struct nsg_jsonw *w)
{
	memset(w, 0, sizeof(*w));
}

void nsg_jsonw_free(struct nsg_jsonw *w)
{
	free(w->buf);
	nsg_jsonw_init(w);
}

size_t nsg_jsonw_mark(struct nsg_jsonw *w)
{
	w->comma = false;
	return w->len;
}

void nsg_jsonw_rewind(struct nsg_jsonw *w, size_t mark)
{
	if (mark < w->len)
		w->len = mark;
	w->comma = false;
	w->failed = false;
}

/* Room for n more bytes; false (and `failed`) when the buffer cannot grow. */
static bool reserve(struct nsg_jsonw *w, size_t n)
{
	size_t cap;
	char *grown;

	if (w->failed)
		return false;
	if (n <= w->cap - w->len)
		return true;
	if (n > SIZE_MAX / 2 - w->len) {
		w->failed = true;
		return false;
	}
	cap = w->cap ? w->cap : MIN_CAP;
	while (cap < w->len + n)
		cap *= 2;
	grown = realloc(w->buf, cap);
	if (!grown) {
		w->failed = true;
		return false;
	}
	w->buf = grown;
	w->cap = cap;
	return true;
}

static void put(struct nsg_jsonw *w, const char *p, size_t n)
{
	if (!reserve(w, n))
		return;
	memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_char(struct nsg_jsonw *w, char c)
{
	if (reserve(w, 1))
		w->buf[w->len++] = c;
}

/* Before a member's key or an array element: the comma, when one is due. */
static void separate(struct nsg_jsonw *w)
{
	if (w->comma)
		put_char(w, ',');
}

/* A complete value was written: whatever comes next in its container is separated. */
static void value_done(struct nsg_jsonw *w)
{
	w->comma = true;
}

void nsg_jsonw_verbatim(struct nsg_jsonw *w, const char *bytes, size_t len)
{
	put(w, bytes, len);
}

/* An object or an array opens where any value would and holds nothing yet. */
static void open_container(struct nsg_jsonw *w, char bracket)
{
	separate(w);
	put_char(w, bracket);
	w->comma = false;
}

/* Once closed, it is a complete value like any other. */
static void close_container(struct nsg_jsonw *w, char bracket)
{
	put_char(w, bracket);
	value_done(w);
}

void nsg_jsonw_object_begin(struct nsg_jsonw *w)
{
	open_container(w, '{');
}

void nsg_jsonw_object_end(struct nsg_jsonw *w)
{
	close_container(w, '}');
}

void nsg_jsonw_array_begin(struct nsg_jsonw *w)
{
	open_container(w, '[');
}

void nsg_jsonw_array_end(struct nsg_jsonw *w)
{
	close_container(w, ']');
}

/* ---- strings ---- */

/*
 * What an ASCII byte becomes inside a string: 0 copied as it is, 'u' the
 * \u00XX form, anything else the letter of its short escape (Jansson's set).
 */
static const char ascii_escape[128] = {
	['\b'] = 'b', ['\f'] = 'f', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u', [0x04] = 'u', [0x05] = 'u',
	[0x06] = 'u', [0x07] = 'u', [0x0B] = 'u', [0x0E] = 'u', [0x0F] = 'u', [0x10] = 'u',
	[0x11] = 'u', [0x12] = 'u', [0x13] = 'u', [0x14] = 'u', [0x15] = 'u', [0x16] = 'u',
	[0x17] = 'u', [0x18] = 'u', [0x19] = 'u', [0x1A] = 'u', [0x1B] = 'u', [0x1C] = 'u',
	[0x1D] = 'u', [0x1E] = 'u', [0x1F] = 'u', ['"'] = '"', ['\\'] = '\\',
};

static char *escape_ascii(char *o, unsigned char c)
{
	char e = ascii_escape[c];

	*o++ = '\\';
	if (e != 'u') {
		*o++ = e;
		return o;
	}
	memcpy(o, "u00", 3);
	o[3] = hex_upper[c >> 4];
	o[4] = hex_upper[c & 15];
	return o + 5;
}

/* The quoted, escaped, UTF-8-repaired form of s[0..n), without a comma. */
static void put_quoted(struct nsg_jsonw *w, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	char *o;

	if (n > (SIZE_MAX - 2) / ESCAPE_MAX || !reserve(w, n * ESCAPE_MAX + 2)) {
		w->failed = true;
		return;
	}
	o = w->buf + w->len;
	*o++ = '"';
	while (i < n) {
		unsigned char c = s[i];
		size_t k;

		if (c < 0x80) {
			if (ascii_escape[c])
				o = escape_ascii(o, c);
			else
				*o++ = (char)c;
			i++;
			continue;
		}
		k = nsg_utf8_seq_len(s + i, n - i);
		if (k) {
			memcpy(o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(o, replacement, 3);
			o += 3;
			i++;
		}
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

void nsg_jsonw_keyn(struct nsg_jsonw *w, const char *key, size_t len)
{
	separate(w);
	put_quoted(w, key, len);
	put_char(w, ':');
	w->comma = false;
}

void nsg_jsonw_key(struct nsg_jsonw *w, const char *key)
{
	nsg_jsonw_keyn(w, key, strlen(key));
}

void nsg_jsonw_stringn(struct nsg_jsonw *w, const char *s, size_t len)
{
	separate(w);
	put_quoted(w, s, len);
	value_done(w);
}

void nsg_jsonw_string(struct nsg_jsonw *w, const char *s)
{
	nsg_jsonw_stringn(w, s, strlen(s));
}

void nsg_jsonw_string_or_null(struct nsg_jsonw *w, const char *s)
{
	if (s)
		nsg_jsonw_string(w, s);
	else
		nsg_jsonw_null(w);
}

/* "<hex of every byte>": the exact bytes of a string that was repaired. */
static void put_hex_string(struct nsg_jsonw *w, const char *s, size_t n)
{
	char *o;

	if (n > (SIZE_MAX - 2) / 2 || !reserve(w, 2 * n + 2)) {
		w->failed = true;
		return;
	}
	o = w->buf + w->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		*o++ = hex_lower[(unsigned char)s[i] >> 4];
		*o++ = hex_lower[(unsigned char)s[i] & 15];
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

/* Key "<key>_raw": the key's escaped form with the suffix inside the quotes. */
static void raw_key(struct nsg_jsonw *w, const char *key)
{
	separate(w);
	put_quoted(w, key, strlen(key));
	if (w->failed)
		return;
	w->len--; /* the closing quote */
	put(w, "_raw\":", 6);
	w->comma = false;
}

static void member_bytes_len(struct nsg_jsonw *w, const char *key, const char *buf, size_t len)
{
	nsg_jsonw_key(w, key);
	nsg_jsonw_stringn(w, buf, len);
	if (nsg_utf8_valid(buf, len))
		return;
	raw_key(w, key);
	put_hex_string(w, buf, len);
	value_done(w);
}

void nsg_jsonw_member_bytes(struct nsg_jsonw *w, const char *key, const char *buf,
			    size_t maxlen)
{
	member_bytes_len(w, key, buf, strnlen(buf, maxlen));
}

void nsg_jsonw_member_bytes_or_null(struct nsg_jsonw *w, const char *key, const char *s)
{
	if (s) {
		member_bytes_len(w, key, s, strlen(s));
		return;
	}
	nsg_jsonw_key(w, key);
	nsg_jsonw_null(w);
}

/* ---- numbers and literals ---- */

/* Decimal digits of v, written backwards ending at end; returns the first. */
static char *digits_of(uint64_t v, char *end)
{
	do {
		*--end = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return end;
}

static void put_decimal(struct nsg_jsonw *w, uint64_t magnitude, bool negative)
{
	char tmp[24], *end = tmp + sizeof(tmp), *p = digits_of(magnitude, end);

	if (negative)
		*--p = '-';
	separate(w);
	put(w, p, (size_t)(end - p));
	value_done(w);
}

void nsg_jsonw_uint(struct nsg_jsonw *w, uint64_t v)
{
	put_decimal(w, v, false);
}

void nsg_jsonw_int(struct nsg_jsonw *w, int64_t v)
{
	/* Negated as unsigned: INT64_MIN has no positive int64. */
	put_decimal(w, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0);
}

static void put_literal(struct nsg_jsonw *w, const char *lit)
{
	separate(w);
	put(w, lit, strlen(lit));
	value_done(w);
}

void nsg_jsonw_bool(struct nsg_jsonw *w, bool v)
{
	put_literal(w, v ? "true" : "false");
}

void nsg_jsonw_null(struct nsg_jsonw *w)
{
	put_literal(w, "null");
}

/*
 * The fewest significant digits (1..17) that read back as exactly v > 0:
 * fills digits (no dot, trailing zeros dropped) and returns the decimal
 * exponent of the first digit (v = 0.d1d2... * 10^(exp+1)).
 */
static int shortest_digits(double v, char digits[18], int *ndigits)
{
	char sci[40];
	int exp10 = 0, n = 0;

	for (int prec = 1; prec <= 17; prec++) {
		snprintf(sci, sizeof(sci), "%.*e", prec - 1, v);
		if (strtod(sci, NULL) == v)
			break;
	}
	/* sci is d[.ddd]e[+-]xx */
	for (const char *p = sci; *p && *p != 'e'; p++)
		if (*p != '.')
			digits[n++] = *p;
	exp10 = atoi(strchr(sci, 'e') + 1);
	while (n > 1 && digits[n - 1] == '0')
		n--;
	*ndigits = n;
	return exp10;
}

/* The digits laid out as a person writes them (JavaScript's rules, ".0" kept). */
static size_t layout_double(const char *d, int k, int exp10, char *out)
{
	int point = exp10 + 1; /* digits before the decimal point */
	size_t o = 0;

	if (point >= k && point <= 21) { /* whole: 294.0, 1e20 spelt out */
		memcpy(out, d, (size_t)k);
		o = (size_t)k;
		for (int i = k; i < point; i++)
			out[o++] = '0';
		memcpy(out + o, ".0", 2);
		return o + 2;
	}
	if (point > 0 && point <= 21) { /* 15.3 */
		memcpy(out, d, (size_t)point);
		out[point] = '.';
		memcpy(out + point + 1, d + point, (size_t)(k - point));
		return (size_t)k + 1;
	}
	if (point > -6 && point <= 0) { /* 0.000001 */
		memcpy(out, "0.", 2);
		o = 2;
		for (int i = point; i < 0; i++)
			out[o++] = '0';
		memcpy(out + o, d, (size_t)k);
		return o + (size_t)k;
	}
	out[o++] = d[0]; /* 1e21, 1.5e-7 */
	if (k > 1) {
		out[o++] = '.';
		memcpy(out + o, d + 1, (size_t)(k - 1));
		o += (size_t)(k - 1);
	}
	return o + (size_t)sprintf(out + o, "e%d", exp10);
}

void nsg_jsonw_double(struct nsg_jsonw *w, double v)
{
	char digits[18], out[48];
	size_t o = 0;
	int k, exp10;

	if (!isfinite(v)) { /* JSON has no NaN or infinity */
		nsg_jsonw_null(w);
		return;
	}
	if (signbit(v))
		out[o++] = '-';
	v = fabs(v);
	if (v == 0) {
		memcpy(out + o, "0.0", 3);
		o += 3;
	} else {
		exp10 = shortest_digits(v, digits, &k);
		o += layout_double(digits, k, exp10, out + o);
	}
	separate(w);
	put(w, out, o);
	value_done(w);
}

void nsg_jsonw_fragment(struct nsg_jsonw *w, const char *json, size_t len)
{
	separate(w);
	put(w, json, len);
	value_done(w);
}
