// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the feed's writer and schema (user/feed/jsonw.c,
 * schema_*.c, textline.c), checked against Jansson. The input's first
 * sizeof(struct nsg_event) bytes are the ring-buffer record (shorter inputs
 * leave the rest zero); a following byte chooses the context's callbacks
 * (bit 0: exe_of, bit 1: container_of) and the bytes after it (the "tail")
 * are what exe_of answers (the /proc/PID/exe link, bytes) and the name in
 * the `container` object.
 *
 * Three things the kernel side guarantees are kept, or the checks would fire
 * on records it cannot write: a container record's ID is 64 lowercase hex
 * (the classifier only copies such IDs), the boot-clock timestamp is below
 * 2^60 ns (36 years of uptime), and the cgroup IDs (kernfs node IDs,
 * counted up from 1) are below 2^63, where Jansson, like most readers, can
 * hold them (the writer prints any uint64 exactly).
 *
 * Checked, for the kernel event: the line is exactly one line, valid UTF-8,
 * parses with Jansson as one object without duplicate keys; the README's
 * fields are there with their types; `comm` and `exe` keep their exact
 * bytes (as the string, or in `<name>_raw` when not valid UTF-8); the text
 * rendering is one valid UTF-8 line. For the writer alone (differential):
 * the tail as a string, a key and kernel bytes reads back through Jansson
 * with the same bytes (repaired the independent way when invalid), and is
 * byte for byte Jansson's own encoding when valid; the record's first 8
 * bytes as a double read back as the same double. The `coalesced` and
 * `rate_limited` summaries are built from the same bytes and checked too.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>
#include "fuzz_common.h"
#include "feed/feed_schema.h"
#include "feed/jsonw.h"
#include "feed/textline.h"

static const char *tail;
static size_t tail_len;
static struct nsg_jsonw container_w;

static const char *exe_of(void *arg, uint32_t pid, uint64_t start, uint64_t exec_id)
{
	(void)arg;
	(void)pid;
	(void)start;
	(void)exec_id;
	return tail;
}

/* The tail as the container's name: null unless valid UTF-8 and not empty. */
static const char *container_of(void *arg, const char *id, size_t *len)
{
	struct nsg_container_meta m = { .found = true };

	(void)arg;
	FUZZ_CHECK(strlen(id) == NSG_CONTAINER_ID_LEN, "container_of got '%s'", id);
	strcpy(m.runtime, "docker");
	memcpy(m.name, tail, tail_len < sizeof(m.name) ? tail_len : sizeof(m.name));
	nsg_jsonw_rewind(&container_w, 0);
	nsg_feed_container(&container_w, &m);
	*len = container_w.len;
	return container_w.buf;
}

/* w's bytes: one line's worth, valid UTF-8, no newline or NUL; parsed by Jansson. */
static json_t *parse_line(const struct nsg_jsonw *w, size_t flags)
{
	json_error_t jerr;
	json_t *back;

	FUZZ_CHECK(!w->failed, "writer failed");
	FUZZ_CHECK(memchr(w->buf, '\n', w->len) == NULL, "newline in a line: '%.*s'", (int)w->len,
		   w->buf);
	FUZZ_CHECK(memchr(w->buf, '\0', w->len) == NULL, "NUL byte in a line");
	FUZZ_CHECK(fuzz_utf8_ok(w->buf, w->len), "not valid UTF-8: '%.*s'", (int)w->len, w->buf);
	back = json_loadb(w->buf, w->len, flags, &jerr);
	FUZZ_CHECK(back != NULL, "Jansson cannot parse (%s): '%.*s'", jerr.text, (int)w->len,
		   w->buf);
	return back;
}

static void check_hex(const char *hex, const char *bytes, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	FUZZ_CHECK(strlen(hex) == 2 * n, "_raw has %zu hex digits for %zu bytes", strlen(hex), n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(hex[2 * i] == digits[(unsigned char)bytes[i] >> 4] &&
				   hex[2 * i + 1] == digits[(unsigned char)bytes[i] & 15],
			   "_raw byte %zu differs", i);
}

/* Length of the longest valid UTF-8 sequence at p, by fuzz_utf8_ok alone. */
static size_t valid_prefix(const char *p, size_t n)
{
	for (size_t k = n < 4 ? n : 4; k > 0; k--)
		if (fuzz_utf8_ok(p, k) && (k == 1 || (unsigned char)p[0] >= 0xC0))
			return k;
	return 0;
}

/* The repair, written apart from jsonw.c: each byte not in a valid sequence is U+FFFD. */
static bool repaired_equals(const char *got, size_t got_len, const char *bytes, size_t n)
{
	size_t i = 0, o = 0;

	while (i < n) {
		size_t k = (unsigned char)bytes[i] < 0x80 ? 1 : valid_prefix(bytes + i, n - i);

		if (k == 0) {
			if (o + 3 > got_len || memcmp(got + o, "\xEF\xBF\xBD", 3) != 0)
				return false;
			o += 3;
			i++;
			continue;
		}
		if (o + k > got_len || memcmp(got + o, bytes + i, k) != 0)
			return false;
		o += k;
		i += k;
	}
	return o == got_len;
}

/* obj[key] carries exactly bytes[0..n): as the string, or hex in key_raw. */
static void check_bytes(const json_t *obj, const char *key, const char *bytes, size_t n)
{
	char rawkey[32];
	json_t *v = json_object_get(obj, key), *raw;

	snprintf(rawkey, sizeof(rawkey), "%s_raw", key);
	raw = json_object_get(obj, rawkey);
	FUZZ_CHECK(json_is_string(v), "%s is not a string", key);
	if (fuzz_utf8_ok(bytes, n)) {
		FUZZ_CHECK(json_string_length(v) == n && memcmp(json_string_value(v), bytes, n) == 0,
			   "%s changed valid UTF-8 bytes", key);
		FUZZ_CHECK(raw == NULL, "%s_raw present for valid UTF-8", key);
		return;
	}
	FUZZ_CHECK(repaired_equals(json_string_value(v), json_string_length(v), bytes, n),
		   "%s: not the byte-wise repair", key);
	FUZZ_CHECK(json_is_string(raw), "%s: invalid UTF-8 and no %s", key, rawkey);
	check_hex(json_string_value(raw), bytes, n);
}

static void check_time(const char *t)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ";

	FUZZ_CHECK(t && strlen(t) == sizeof(shape) - 1, "time '%s'", t ? t : "(null)");
	for (size_t i = 0; i < sizeof(shape) - 1; i++)
		FUZZ_CHECK(shape[i] == 'd' ? (t[i] >= '0' && t[i] <= '9') : t[i] == shape[i],
			   "time '%s' is not RFC 3339", t);
}

static bool one_of(const char *s, const char *const *set)
{
	for (; s && *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

/* A tamper event names what was tried on which object; the object's name keeps its bytes. */
static void check_tamper_fields(const json_t *o, const struct nsg_tamper_info *t)
{
	json_t *obj = json_object_get(o, "object");

	FUZZ_CHECK(json_is_string(json_object_get(o, "op")) && json_is_object(obj) &&
			   json_is_string(json_object_get(obj, "kind")),
		   "tamper fields");
	if (t->obj_kind == NSG_OBJ_AGENT)
		FUZZ_CHECK(json_integer_value(json_object_get(obj, "pid")) == t->obj_id, "tamper pid");
	else
		check_bytes(obj, "name", t->obj_name, strnlen(t->obj_name, sizeof(t->obj_name)));
}

static void check_kernel_fields(const json_t *o, const struct nsg_event *e)
{
	static const char *const severities[] = { "violation", "info", NULL };
	static const char *const verdicts[] = { "alert", "blocked", "killed", "allowed", "none",
						"unknown", NULL };
	static const char *const events[] = { "host_ns_exec", "setns", "ns_create", "tamper",
					      "unknown", NULL };
	json_t *ns;

	FUZZ_CHECK(json_integer_value(json_object_get(o, "schema")) == 1, "schema");
	check_time(json_string_value(json_object_get(o, "time")));
	FUZZ_CHECK(one_of(json_string_value(json_object_get(o, "event")), events), "event");
	FUZZ_CHECK(one_of(json_string_value(json_object_get(o, "severity")), severities),
		   "severity");
	FUZZ_CHECK(one_of(json_string_value(json_object_get(o, "verdict")), verdicts), "verdict");
	FUZZ_CHECK(json_integer_value(json_object_get(o, "pid")) == e->pid &&
			   json_integer_value(json_object_get(o, "tid")) == e->tid &&
			   json_integer_value(json_object_get(o, "ppid")) == e->ppid &&
			   json_integer_value(json_object_get(o, "uid")) == e->uid,
		   "integer fields");
	FUZZ_CHECK(json_is_integer(json_object_get(o, "cgroup_id")), "cgroup_id");
	if (e->is_container && e->container_cgroup_id)
		FUZZ_CHECK(json_integer_value(json_object_get(o, "container_cgroup_id")) ==
				   (json_int_t)e->container_cgroup_id,
			   "container_cgroup_id");
	else
		FUZZ_CHECK(json_is_null(json_object_get(o, "container_cgroup_id")),
			   "container_cgroup_id not null");
	if (e->is_container)
		FUZZ_CHECK(json_string_length(json_object_get(o, "container_id")) == 64,
			   "container_id");
	else
		FUZZ_CHECK(json_is_null(json_object_get(o, "container_id")), "container_id not null");
	FUZZ_CHECK(json_is_array(json_object_get(o, "host_ns")) &&
			   json_is_array(json_object_get(o, "host_ns_all")),
		   "host_ns lists");
	ns = json_object_get(o, "ns");
	FUZZ_CHECK(json_is_object(ns) && json_object_size(ns) == NSG_NS_TYPES, "ns object");
	if (e->type == NSG_EV_TAMPER)
		check_tamper_fields(o, &e->tamper);
	if (e->type == NSG_EV_SETNS)
		FUZZ_CHECK(json_is_array(json_object_get(o, "targets")) &&
				   json_is_string(json_object_get(o, "via")) &&
				   json_object_get(o, "target") && json_object_get(o, "result"),
			   "setns fields");
	if (e->type == NSG_EV_NS_CREATE)
		FUZZ_CHECK(json_is_string(json_object_get(o, "syscall")) &&
				   json_is_string(json_object_get(o, "clone_flags")) &&
				   json_is_object(json_object_get(o, "new_ns")) &&
				   json_object_get(o, "child_pid"),
			   "ns_create fields");
}

static void check_exe_and_container(const json_t *o, const struct nsg_event *e,
				    const struct nsg_feed_ctx *ctx)
{
	json_t *c, *name;

	check_bytes(o, "comm", e->comm, strnlen(e->comm, sizeof(e->comm)));
	if (e->exe[0])
		check_bytes(o, "exe", e->exe, strnlen(e->exe, sizeof(e->exe)));
	else if (ctx->exe_of && tail)
		check_bytes(o, "exe", tail, tail_len);
	else
		FUZZ_CHECK(json_is_null(json_object_get(o, "exe")), "exe should be null");
	c = json_object_get(o, "container");
	if (!e->is_container || !ctx->container_of) {
		FUZZ_CHECK(c == NULL, "container member without a container lookup");
		return;
	}
	name = json_object_get(c, "name");
	FUZZ_CHECK(json_is_object(c) && json_object_size(c) == 4, "container object");
	if (tail_len && tail_len <= 256 && fuzz_utf8_ok(tail, tail_len))
		FUZZ_CHECK(json_string_length(name) == tail_len &&
				   memcmp(json_string_value(name), tail, tail_len) == 0,
			   "container name changed");
	else if (tail_len <= 256)
		FUZZ_CHECK(json_is_null(name), "empty or invalid container name is not null");
}

static void check_kernel_event(const struct nsg_event *e, const struct nsg_feed_ctx *ctx)
{
	static struct nsg_jsonw w, text;
	json_t *o;

	nsg_jsonw_rewind(&w, 0);
	nsg_feed_kernel_event(&w, e, ctx);
	o = parse_line(&w, JSON_REJECT_DUPLICATES);
	FUZZ_CHECK(json_is_object(o), "not an object");
	check_kernel_fields(o, e);
	check_exe_and_container(o, e, ctx);
	json_decref(o);

	nsg_jsonw_rewind(&text, 0);
	FUZZ_CHECK(nsg_text_from_json(&text, w.buf, w.len) == 0, "no text rendering");
	FUZZ_CHECK(memchr(text.buf, '\n', text.len) == NULL, "text is more than one line");
	FUZZ_CHECK(fuzz_utf8_ok(text.buf, text.len), "text is not valid UTF-8");
}

/*
 * The flow gate's summaries from the same bytes: a coalesced kind (the
 * record's comm as the last repeat's, the tail as exe) and a container's
 * refusals. Checked: one object, no duplicate keys, comm's exact bytes, the
 * counts read back, and the text rendering is one valid UTF-8 line.
 */
static void check_summaries(const struct nsg_event *e, const struct nsg_feed_ctx *ctx)
{
	static struct nsg_jsonw w, text;
	/* Counts stay below 2^63, as the cgroup ID does: Jansson must read them back. */
	struct nsg_coalesced c = { .repeats = e->exec_id & INT64_MAX, .first_ns = e->ts_boot_ns,
				   .last_ns = e->start_boot_ns & ((1ULL << 60) - 1),
				   .last_pid = e->pid, .last_tid = e->tid, .exe = tail };
	struct nsg_rate_limited r = { .first_ns = c.first_ns, .last_ns = c.last_ns,
				      .overflow = e->uid & 1 };
	json_t *o;

	c.key.type = e->type;
	c.key.verdict = e->verdict;
	c.key.mask = e->host_ns_mask;
	c.key.result = (int32_t)e->reported_mask;
	c.key.via = e->allowed_mask;
	memcpy(c.key.who.id, e->container_id, NSG_CONTAINER_ID_LEN * !!e->is_container);
	memcpy(c.last_comm, e->comm, sizeof(c.last_comm));
	r.who = c.key.who;
	for (int t = 1; t < NSG_EV_MAX; t++)
		r.refused[t & 1][t] = e->ns_inum[t]; /* 32-bit: their sum stays readable */
	nsg_jsonw_rewind(&w, 0);
	nsg_feed_coalesced(&w, &c, ctx);
	o = parse_line(&w, JSON_REJECT_DUPLICATES);
	FUZZ_CHECK(json_is_object(o), "coalesced: not an object");
	check_bytes(o, "comm", e->comm, strnlen(e->comm, sizeof(e->comm)));
	FUZZ_CHECK((uint64_t)json_integer_value(json_object_get(o, "repeats")) == c.repeats,
		   "repeats did not read back");
	json_decref(o);
	nsg_jsonw_rewind(&text, 0);
	FUZZ_CHECK(nsg_text_from_json(&text, w.buf, w.len) == 0, "coalesced: no text rendering");
	FUZZ_CHECK(fuzz_utf8_ok(text.buf, text.len) && !memchr(text.buf, '\n', text.len),
		   "coalesced: text is not one valid line");
	nsg_jsonw_rewind(&w, 0);
	nsg_feed_rate_limited(&w, &r, e->uid, e->ppid, ctx);
	o = parse_line(&w, JSON_REJECT_DUPLICATES);
	FUZZ_CHECK(json_is_object(o), "rate_limited: not an object");
	FUZZ_CHECK(json_is_integer(json_object_get(o, "total")), "rate_limited: no total");
	json_decref(o);
}

static void check_key(const json_t *obj, const char *s, size_t n)
{
	const char *key = json_object_iter_key(json_object_iter((json_t *)obj));
	size_t klen = key ? strlen(key) : 0;

	FUZZ_CHECK(json_object_size(obj) == 1 && key, "key did not read back");
	if (fuzz_utf8_ok(s, n))
		FUZZ_CHECK(klen == n && memcmp(key, s, n) == 0, "valid UTF-8 key changed");
	else
		FUZZ_CHECK(repaired_equals(key, klen, s, n), "invalid UTF-8 key not repaired");
}

/* The tail through the writer alone: as a value, a key and kernel bytes. */
static void check_writer_strings(const char *s, size_t n)
{
	static struct nsg_jsonw w;
	json_t *back, *ref;
	char *dump;

	nsg_jsonw_rewind(&w, 0);
	nsg_jsonw_stringn(&w, s, n);
	back = parse_line(&w, JSON_DECODE_ANY | JSON_ALLOW_NUL);
	FUZZ_CHECK(json_is_string(back), "string did not read back as one");
	if (fuzz_utf8_ok(s, n)) {
		FUZZ_CHECK(json_string_length(back) == n && memcmp(json_string_value(back), s, n) == 0,
			   "valid UTF-8 string changed");
		/* Differential: Jansson's own bytes for the same string. */
		ref = json_stringn(s, n);
		dump = json_dumps(ref, JSON_ENCODE_ANY | JSON_COMPACT);
		FUZZ_CHECK(dump && strlen(dump) == w.len && memcmp(dump, w.buf, w.len) == 0,
			   "differs from Jansson: '%.*s' vs '%s'", (int)w.len, w.buf, dump);
		free(dump);
		json_decref(ref);
	} else {
		FUZZ_CHECK(repaired_equals(json_string_value(back), json_string_length(back), s, n),
			   "invalid UTF-8 not repaired byte by byte");
	}
	json_decref(back);

	/* As a key (Jansson's keys cannot hold NUL). */
	if (!memchr(s, '\0', n)) {
		nsg_jsonw_rewind(&w, 0);
		nsg_jsonw_object_begin(&w);
		nsg_jsonw_keyn(&w, s, n);
		nsg_jsonw_int(&w, 1);
		nsg_jsonw_object_end(&w);
		back = parse_line(&w, 0);
		check_key(back, s, n);
		json_decref(back);
	}

	/* As kernel bytes: up to the first NUL, exact bytes in b_raw when invalid. */
	nsg_jsonw_rewind(&w, 0);
	nsg_jsonw_object_begin(&w);
	nsg_jsonw_member_bytes(&w, "b", s, n);
	nsg_jsonw_object_end(&w);
	back = parse_line(&w, JSON_REJECT_DUPLICATES);
	check_bytes(back, "b", s, strnlen(s, n));
	json_decref(back);
}

/* Any 8 bytes as a double: it reads back as the same double (or null). */
static void check_writer_double(const uint8_t *bits)
{
	static struct nsg_jsonw w;
	json_t *arr, *back;
	double v;

	memcpy(&v, bits, sizeof(v));
	nsg_jsonw_rewind(&w, 0);
	nsg_jsonw_array_begin(&w);
	nsg_jsonw_double(&w, v);
	nsg_jsonw_array_end(&w);
	arr = parse_line(&w, 0);
	back = json_array_get(arr, 0);
	if (!isfinite(v)) {
		FUZZ_CHECK(json_is_null(back), "NaN or infinity is not null");
	} else {
		FUZZ_CHECK(json_is_real(back), "double did not read back as a real: '%.*s'",
			   (int)w.len, w.buf);
		FUZZ_CHECK(json_real_value(back) == v, "%.17g read back as %.17g", v,
			   json_real_value(back));
	}
	json_decref(arr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsg_feed_ctx ctx = { .boot_to_realtime_ns = 1700000000LL * 1000000000LL };
	struct nsg_event e;
	char *tail_buf = NULL;

	if (size >= 8)
		check_writer_double(data);
	memset(&e, 0, sizeof(e));
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	e.ts_boot_ns &= (1ULL << 60) - 1;
	e.cgroup_id &= INT64_MAX;
	e.container_cgroup_id &= INT64_MAX;
	if (e.is_container)
		for (int i = 0; i < NSG_CONTAINER_ID_LEN; i++)
			e.container_id[i] = "0123456789abcdef"[(unsigned char)e.container_id[i] & 15];
	tail = NULL;
	tail_len = 0;
	if (size > sizeof(e)) {
		uint8_t flags = data[sizeof(e)];

		tail_len = size - sizeof(e) - 1;
		tail_buf = malloc(tail_len + 1);
		FUZZ_CHECK(tail_buf != NULL, "malloc");
		memcpy(tail_buf, data + sizeof(e) + 1, tail_len);
		tail_buf[tail_len] = '\0';
		check_writer_strings(tail_buf, tail_len);
		tail_len = strlen(tail_buf); /* exe_of answers a C string */
		tail = tail_buf;
		if (flags & 1)
			ctx.exe_of = exe_of;
		if (flags & 2)
			ctx.container_of = container_of;
	}
	check_kernel_event(&e, &ctx);
	check_summaries(&e, &ctx);
	free(tail_buf);
	return 0;
}
