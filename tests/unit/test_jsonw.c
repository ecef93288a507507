// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The feed's JSON writer (user/jsonw.c), byte for byte: every escape and
 * control byte, each kind of invalid UTF-8 (repaired, exact bytes in
 * "<key>_raw"), integers at their limits, doubles as a person writes them,
 * commas in nesting, fragments, failure and reuse of the buffer; and, for
 * random valid values, the same bytes as Jansson's compact dump.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <float.h>
#include <cmocka.h>
#include <jansson.h>
#include "feed/jsonw.h"
#include "util/utf8.h"

/* What w holds, as a C string (the writer never NUL-terminates). */
static const char *text(struct nsg_jsonw *w)
{
	static char out[1 << 16];

	assert_false(w->failed);
	assert_true(w->len < sizeof(out));
	memcpy(out, w->buf, w->len);
	out[w->len] = '\0';
	return out;
}

static void expect(struct nsg_jsonw *w, const char *want)
{
	assert_string_equal(text(w), want);
	nsg_jsonw_rewind(w, 0);
}

/* ---- strings ---- */

static void test_short_escapes(void **state)
{
	struct nsg_jsonw w = { 0 };

	(void)state;
	nsg_jsonw_string(&w, "q\"b\\s/\b\f\n\r\t");
	expect(&w, "\"q\\\"b\\\\s/\\b\\f\\n\\r\\t\"");
	nsg_jsonw_free(&w);
}

/* Every byte below 0x20, NUL included, in one string; DEL is not escaped. */
static void test_every_control_byte(void **state)
{
	struct nsg_jsonw w = { 0 };
	char in[34];

	(void)state;
	for (int i = 0; i < 32; i++)
		in[i] = (char)i;
	in[32] = 0x7f;
	in[33] = ' ';
	nsg_jsonw_stringn(&w, in, sizeof(in));
	expect(&w, "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000B\\f\\r"
		   "\\u000E\\u000F\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018"
		   "\\u0019\\u001A\\u001B\\u001C\\u001D\\u001E\\u001F\x7f \"");
	nsg_jsonw_free(&w);
}

/* Each single byte as Jansson escapes it (Jansson is the reference the feed kept). */
static void test_each_ascii_byte_as_jansson(void **state)
{
	struct nsg_jsonw w = { 0 };

	(void)state;
	for (int c = 0; c < 0x80; c++) {
		char in = (char)c, *ref;
		json_t *j = json_stringn(&in, 1);

		ref = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		nsg_jsonw_stringn(&w, &in, 1);
		if (strcmp(text(&w), ref) != 0)
			fail_msg("byte 0x%02x: '%s', Jansson '%s'", c, text(&w), ref);
		nsg_jsonw_rewind(&w, 0);
		free(ref);
		json_decref(j);
	}
	nsg_jsonw_free(&w);
}

struct utf8_case {
	const char *what, *in, *out, *raw; /* raw NULL: valid, no _raw member */
};

static const struct utf8_case utf8_cases[] = {
	{ "2-byte", "caf\xc3\xa9", "caf\xc3\xa9", NULL },
	{ "3-byte", "\xe2\x82\xac", "\xe2\x82\xac", NULL },
	{ "4-byte", "\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80", NULL },
	{ "U+10FFFF", "\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf", NULL },
	{ "U+D7FF", "\xed\x9f\xbf", "\xed\x9f\xbf", NULL },
	{ "U+E000", "\xee\x80\x80", "\xee\x80\x80", NULL },
	{ "U+FFFF", "\xef\xbf\xbf", "\xef\xbf\xbf", NULL },
	{ "overlong 2", "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd", "c0af" },
	{ "overlong C1", "\xc1\xbf", "\xef\xbf\xbd\xef\xbf\xbd", "c1bf" },
	{ "overlong 3", "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "e080af" },
	{ "overlong 4", "\xf0\x80\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	  "f08080af" },
	{ "surrogate", "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "eda080" },
	{ "low surrogate", "\xed\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "edbfbf" },
	{ "above U+10FFFF", "\xf4\x90\x80\x80",
	  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "f4908080" },
	{ "F5 lead", "\xf5\x80\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	  "f5808080" },
	{ "FF", "a\xff", "a\xef\xbf\xbd", "61ff" },
	{ "lone continuation", "\x80z", "\xef\xbf\xbdz", "807a" },
	{ "truncated 2 at end", "x\xc3", "x\xef\xbf\xbd", "78c3" },
	{ "truncated 3 at end", "/tmp/\xe2\x82", "/tmp/\xef\xbf\xbd\xef\xbf\xbd",
	  "2f746d702fe282" },
	{ "truncated 4 at end", "\xf0\x9f\x98", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "f09f98" },
	/* A broken sequence costs only its lead byte: what follows is read again. */
	{ "lead then ASCII", "\xc3(", "\xef\xbf\xbd(", "c328" },
	{ "lead then valid", "\xe2\xc3\xa9", "\xef\xbf\xbd\xc3\xa9", "e2c3a9" },
	{ "escape and repair", "\"\n\xff", "\\\"\\n\xef\xbf\xbd", "220aff" },
};

/* Every kind of invalid sequence: U+FFFD per byte in "k", exact bytes in "k_raw". */
static void test_invalid_utf8_kinds(void **state)
{
	struct nsg_jsonw w = { 0 };
	char want[512];

	(void)state;
	for (size_t i = 0; i < sizeof(utf8_cases) / sizeof(utf8_cases[0]); i++) {
		const struct utf8_case *c = &utf8_cases[i];

		nsg_jsonw_object_begin(&w);
		nsg_jsonw_member_bytes(&w, "k", c->in, strlen(c->in) + 1);
		nsg_jsonw_object_end(&w);
		if (c->raw)
			snprintf(want, sizeof(want), "{\"k\":\"%s\",\"k_raw\":\"%s\"}", c->out, c->raw);
		else
			snprintf(want, sizeof(want), "{\"k\":\"%s\"}", c->out);
		if (strcmp(text(&w), want) != 0)
			fail_msg("%s: '%s', want '%s'", c->what, text(&w), want);
		nsg_jsonw_rewind(&w, 0);
		/* A plain string repairs the same way, without the sibling. */
		nsg_jsonw_string(&w, c->in);
		snprintf(want, sizeof(want), "\"%s\"", c->out);
		assert_string_equal(text(&w), want);
		nsg_jsonw_rewind(&w, 0);
	}
	nsg_jsonw_free(&w);
}

/* Kernel buffers: up to the first NUL, or maxlen bytes when there is none. */
static void test_member_bytes_bounds(void **state)
{
	struct nsg_jsonw w = { 0 };
	char comm[16];

	(void)state;
	memset(comm, 'x', sizeof(comm));
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_member_bytes(&w, "comm", comm, sizeof(comm));
	nsg_jsonw_member_bytes(&w, "cut", "ab\0\xff", 4);
	nsg_jsonw_member_bytes_or_null(&w, "none", NULL);
	nsg_jsonw_member_bytes_or_null(&w, "empty", "");
	nsg_jsonw_object_end(&w);
	expect(&w, "{\"comm\":\"xxxxxxxxxxxxxxxx\",\"cut\":\"ab\",\"none\":null,\"empty\":\"\"}");
	nsg_jsonw_free(&w);
}

/* Keys are strings too: a hostile key cannot break out of its quotes. */
static void test_keys_escaped(void **state)
{
	struct nsg_jsonw w = { 0 };

	(void)state;
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_key(&w, "a\"\n");
	nsg_jsonw_int(&w, 1);
	nsg_jsonw_member_bytes(&w, "b\\", "\xfe", 1);
	nsg_jsonw_object_end(&w);
	expect(&w, "{\"a\\\"\\n\":1,\"b\\\\\":\"\xef\xbf\xbd\",\"b\\\\_raw\":\"fe\"}");
	nsg_jsonw_free(&w);
}

/* ---- numbers ---- */

static void test_integers(void **state)
{
	struct nsg_jsonw w = { 0 };

	(void)state;
	nsg_jsonw_array_begin(&w);
	nsg_jsonw_int(&w, INT64_MIN);
	nsg_jsonw_int(&w, INT64_MAX);
	nsg_jsonw_int(&w, 0);
	nsg_jsonw_int(&w, -1);
	nsg_jsonw_int(&w, 10);
	nsg_jsonw_uint(&w, UINT64_MAX);
	nsg_jsonw_uint(&w, 0);
	nsg_jsonw_uint(&w, 4026531839U);
	nsg_jsonw_array_end(&w);
	expect(&w, "[-9223372036854775808,9223372036854775807,0,-1,10,18446744073709551615,0,"
		   "4026531839]");
	nsg_jsonw_free(&w);
}

struct double_case {
	double v;
	const char *out;
};

/*
 * Shortest digits that read back as the same double; whole numbers keep
 * ".0" so that a double field never turns into an integer for typed
 * consumers (294.0, not 294); exponents from 1e21 up and below 1e-6.
 */
static const struct double_case double_cases[] = {
	{ 15.3, "15.3" },
	{ 0.1 + 0.2, "0.30000000000000004" },
	{ 0.1, "0.1" },
	{ 0.5, "0.5" },
	{ 294.0, "294.0" },
	{ 160.0, "160.0" },
	{ 0.0, "0.0" },
	{ -0.0, "-0.0" },
	{ -2.5, "-2.5" },
	{ 1.0 / 3, "0.3333333333333333" },
	{ 100.0, "100.0" },
	{ 1e20, "100000000000000000000.0" },
	{ 1e21, "1e21" },
	{ 1.5e300, "1.5e300" },
	{ 123456789012345678.0, "123456789012345680.0" },
	{ 0.000001, "0.000001" },
	{ 0.0000015, "0.0000015" },
	{ 1e-7, "1e-7" },
	{ 2.5e-8, "2.5e-8" },
	{ 5e-324, "5e-324" },
	{ DBL_MAX, "1.7976931348623157e308" },
	{ -DBL_MIN, "-2.2250738585072014e-308" },
	{ 9007199254740993.0, "9007199254740992.0" },
	{ 12345.678, "12345.678" },
};

static void test_doubles(void **state)
{
	struct nsg_jsonw w = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(double_cases) / sizeof(double_cases[0]); i++) {
		nsg_jsonw_double(&w, double_cases[i].v);
		if (strcmp(text(&w), double_cases[i].out) != 0)
			fail_msg("%.17g: '%s', want '%s'", double_cases[i].v, text(&w),
				 double_cases[i].out);
		nsg_jsonw_rewind(&w, 0);
	}
	/* JSON has no NaN or infinity. */
	nsg_jsonw_array_begin(&w);
	nsg_jsonw_double(&w, NAN);
	nsg_jsonw_double(&w, INFINITY);
	nsg_jsonw_double(&w, -INFINITY);
	nsg_jsonw_array_end(&w);
	expect(&w, "[null,null,null]");
	nsg_jsonw_free(&w);
}

/* Random doubles: read back exactly, and no digit could be dropped. */
static void test_doubles_round_trip(void **state)
{
	struct nsg_jsonw w = { 0 };
	unsigned int seed = 12345;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		uint64_t bits = ((uint64_t)rand_r(&seed) << 42) ^ ((uint64_t)rand_r(&seed) << 21) ^
				(uint64_t)rand_r(&seed);
		double v, back;
		json_t *j;

		memcpy(&v, &bits, sizeof(v));
		if (!isfinite(v))
			continue;
		nsg_jsonw_double(&w, v);
		back = strtod(text(&w), NULL);
		if (memcmp(&back, &v, sizeof(v)) != 0)
			fail_msg("%.17g printed as '%s'", v, text(&w));
		/* Jansson reads it as a real, the same value. */
		j = json_loads(text(&w), JSON_DECODE_ANY, NULL);
		assert_true(json_is_real(j));
		assert_true(json_real_value(j) == v);
		json_decref(j);
		nsg_jsonw_rewind(&w, 0);
	}
	nsg_jsonw_free(&w);
}

/* ---- structure ---- */

static void test_nesting_and_commas(void **state)
{
	struct nsg_jsonw w = { 0 };

	(void)state;
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_kv_int(&w, "a", 1);
	nsg_jsonw_key(&w, "b");
	nsg_jsonw_array_begin(&w);
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_object_end(&w);
	nsg_jsonw_array_begin(&w);
	nsg_jsonw_array_end(&w);
	nsg_jsonw_null(&w);
	nsg_jsonw_bool(&w, true);
	nsg_jsonw_bool(&w, false);
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_kv_string(&w, "c", "d");
	nsg_jsonw_kv_null(&w, "e");
	nsg_jsonw_object_end(&w);
	nsg_jsonw_array_end(&w);
	nsg_jsonw_kv_string_or_null(&w, "f", NULL);
	nsg_jsonw_kv_string_or_null(&w, "g", "h");
	nsg_jsonw_kv_uint(&w, "i", 2);
	nsg_jsonw_kv_double(&w, "j", 0.25);
	nsg_jsonw_kv_bool(&w, "k", true);
	nsg_jsonw_object_end(&w);
	expect(&w, "{\"a\":1,\"b\":[{},[],null,true,false,{\"c\":\"d\",\"e\":null}],\"f\":null,"
		   "\"g\":\"h\",\"i\":2,\"j\":0.25,\"k\":true}");
	nsg_jsonw_free(&w);
}

/* A cached object goes in as it is, as a member's value or an element. */
static void test_fragments(void **state)
{
	static const char frag[] = "{\"runtime\":\"docker\",\"pod\":null}";
	struct nsg_jsonw w = { 0 };

	(void)state;
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_kv_int(&w, "pid", 7);
	nsg_jsonw_key(&w, "container");
	nsg_jsonw_fragment(&w, frag, strlen(frag));
	nsg_jsonw_key(&w, "list");
	nsg_jsonw_array_begin(&w);
	nsg_jsonw_fragment(&w, "1", 1);
	nsg_jsonw_fragment(&w, frag, strlen(frag));
	nsg_jsonw_array_end(&w);
	nsg_jsonw_object_end(&w);
	expect(&w, "{\"pid\":7,\"container\":{\"runtime\":\"docker\",\"pod\":null},"
		   "\"list\":[1,{\"runtime\":\"docker\",\"pod\":null}]}");
	nsg_jsonw_free(&w);
}

/* Lines one after another in one buffer: each starts without a comma. */
static void test_mark_and_rewind(void **state)
{
	struct nsg_jsonw w = { 0 };
	size_t mark;

	(void)state;
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_kv_int(&w, "n", 1);
	nsg_jsonw_object_end(&w);
	nsg_jsonw_verbatim(&w, "\n", 1);
	mark = nsg_jsonw_mark(&w);
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_kv_int(&w, "n", 2);
	nsg_jsonw_rewind(&w, mark); /* abandoned half-way */
	mark = nsg_jsonw_mark(&w);
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_kv_int(&w, "n", 3);
	nsg_jsonw_object_end(&w);
	expect(&w, "{\"n\":1}\n{\"n\":3}");
	nsg_jsonw_free(&w);
}

/* A value that cannot fit fails the writer; everything after is a no-op until rewind. */
static void test_failure_is_sticky_until_rewind(void **state)
{
	struct nsg_jsonw w = { 0 };
	size_t mark;

	(void)state;
	nsg_jsonw_string(&w, "kept");
	nsg_jsonw_verbatim(&w, "\n", 1);
	mark = nsg_jsonw_mark(&w);
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_stringn(&w, "x", SIZE_MAX / 2);
	assert_true(w.failed);
	nsg_jsonw_int(&w, 5);
	nsg_jsonw_object_end(&w);
	assert_true(w.failed);
	nsg_jsonw_rewind(&w, mark);
	assert_false(w.failed);
	nsg_jsonw_int(&w, 6);
	expect(&w, "\"kept\"\n6");
	nsg_jsonw_free(&w);
}

/* Once warm, writing the same line again allocates nothing. */
static void test_buffer_reused(void **state)
{
	struct nsg_jsonw w = { 0 };
	char big[5000];
	char *buf;
	size_t cap;

	(void)state;
	memset(big, '\n', sizeof(big)); /* each byte becomes two */
	for (int round = 0; round < 3; round++) {
		nsg_jsonw_rewind(&w, 0);
		nsg_jsonw_object_begin(&w);
		nsg_jsonw_member_bytes(&w, "big", big, sizeof(big));
		nsg_jsonw_object_end(&w);
		assert_int_equal(w.len, strlen("{\"big\":\"\"}") + 2 * sizeof(big));
		if (round == 0) {
			buf = w.buf;
			cap = w.cap;
		}
		assert_ptr_equal(w.buf, buf);
		assert_int_equal(w.cap, cap);
	}
	nsg_jsonw_free(&w);
	assert_null(w.buf);
	assert_int_equal(w.len, 0);
}

/* ---- against Jansson, random valid values ---- */

struct rng {
	unsigned int seed;
};

static unsigned int pick(struct rng *r, unsigned int n)
{
	return (unsigned int)rand_r(&r->seed) % n;
}

/* Random valid UTF-8, heavy on the bytes that need escaping. */
static size_t random_text(struct rng *r, char *out, size_t max)
{
	static const char *const pieces[] = { "\"", "\\", "/", "\n", "\t", "\x01", "\x1f", "\x7f",
					      "a", "Z", " ", "\xc3\xa9", "\xe2\x82\xac",
					      "\xf0\x9f\x98\x80", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf" };
	size_t n = 0, want = pick(r, 12);

	for (size_t i = 0; i < want; i++) {
		const char *p = pieces[pick(r, sizeof(pieces) / sizeof(pieces[0]))];
		size_t k = strlen(p);

		if (n + k > max)
			break;
		memcpy(out + n, p, k);
		n += k;
	}
	return n;
}

/* The same random value into w and as a Jansson tree (no reals: they differ by design). */
static json_t *random_value(struct rng *r, struct nsg_jsonw *w, int depth)
{
	char s[64];
	size_t n;
	json_t *j;
	int64_t v;
	uint64_t u;
	bool b;

	switch (pick(r, depth > 3 ? 5 : 7)) {
	case 0:
		n = random_text(r, s, sizeof(s));
		nsg_jsonw_stringn(w, s, n);
		return json_stringn(s, n);
	case 1:
		v = (int64_t)(((uint64_t)rand_r(&r->seed) << 32) ^ (uint64_t)rand_r(&r->seed));
		v = pick(r, 2) ? -v : v;
		nsg_jsonw_int(w, v);
		return json_integer(v);
	case 2:
		b = pick(r, 2);
		nsg_jsonw_bool(w, b);
		return json_boolean(b);
	case 3:
		nsg_jsonw_null(w);
		return json_null();
	case 4:
		u = ((uint64_t)rand_r(&r->seed) << 31) ^ (uint64_t)rand_r(&r->seed);
		nsg_jsonw_uint(w, u);
		return json_integer((json_int_t)u);
	case 5:
		j = json_array();
		nsg_jsonw_array_begin(w);
		for (unsigned int i = pick(r, 4); i > 0; i--)
			json_array_append_new(j, random_value(r, w, depth + 1));
		nsg_jsonw_array_end(w);
		return j;
	default:
		j = json_object();
		nsg_jsonw_object_begin(w);
		for (unsigned int i = pick(r, 4); i > 0; i--) {
			n = random_text(r, s, sizeof(s) - 1);
			s[n] = '\0';
			/* Jansson keys end at NUL and must be unique: make them so. */
			snprintf(s + strlen(s), sizeof(s) - strlen(s), "%u", i);
			nsg_jsonw_key(w, s);
			json_object_set_new(j, s, random_value(r, w, depth + 1));
		}
		nsg_jsonw_object_end(w);
		return j;
	}
}

static void test_differential_jansson(void **state)
{
	struct nsg_jsonw w = { 0 };
	struct rng r = { .seed = 42 };

	(void)state;
	for (int i = 0; i < 5000; i++) {
		json_t *j;
		char *ref;

		nsg_jsonw_rewind(&w, 0);
		j = random_value(&r, &w, 0);
		assert_non_null(j);
		ref = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
		assert_non_null(ref);
		if (strcmp(text(&w), ref) != 0)
			fail_msg("case %d:\n writer  '%s'\n Jansson '%s'", i, text(&w), ref);
		free(ref);
		json_decref(j);
	}
	nsg_jsonw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_escapes),
		cmocka_unit_test(test_every_control_byte),
		cmocka_unit_test(test_each_ascii_byte_as_jansson),
		cmocka_unit_test(test_invalid_utf8_kinds),
		cmocka_unit_test(test_member_bytes_bounds),
		cmocka_unit_test(test_keys_escaped),
		cmocka_unit_test(test_integers),
		cmocka_unit_test(test_doubles),
		cmocka_unit_test(test_doubles_round_trip),
		cmocka_unit_test(test_nesting_and_commas),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_mark_and_rewind),
		cmocka_unit_test(test_failure_is_sticky_until_rewind),
		cmocka_unit_test(test_buffer_reused),
		cmocka_unit_test(test_differential_jansson),
	};

	return cmocka_run_group_tests_name("jsonw", tests, NULL, NULL);
}
