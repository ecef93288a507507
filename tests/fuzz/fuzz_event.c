// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the event formatter (user/event_format.c, jsonstr.c).
 * The input's first sizeof(struct nsg_event) bytes are the ring-buffer
 * record (shorter inputs leave the rest zero); a following byte chooses the
 * format context's callbacks (bit 0: exe_of, bit 1: container_of) and the
 * bytes after it are what exe_of answers (the /proc/PID/exe link, bytes).
 *
 * Two things the kernel side guarantees are kept, or the checks would fire
 * on records it cannot write: a container record's ID is 64 lowercase hex
 * (the classifier only copies such IDs), and the boot-clock timestamp is
 * below 2^60 ns (36 years of uptime).
 *
 * Checked: the JSON line is exactly one line, valid UTF-8, parses back to
 * the same object; the README's fields are there with their types; `comm` and
 * `exe` keep their exact bytes (as the string, or in `<name>_raw` when not
 * valid UTF-8); the text line is one valid UTF-8 line too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "fuzz_common.h"
#include "event_format.h"

static const char *exe_answer;

static const char *exe_of(void *arg, uint32_t pid, uint64_t start, uint64_t exec_id)
{
	(void)arg;
	(void)pid;
	(void)start;
	(void)exec_id;
	return exe_answer;
}

static json_t *container_of(void *arg, const char *id)
{
	(void)arg;
	FUZZ_CHECK(strlen(id) == NSG_CONTAINER_ID_LEN, "container_of got '%s'", id);
	return json_pack("{s:s, s:n, s:n, s:s}", "runtime", "docker", "name", "pod", "image",
			 "busybox");
}

/* Writes obj with fn into memory; checks it is one valid UTF-8 line. Returns it. */
static char *one_line(int (*fn)(FILE *, const json_t *), const json_t *obj, size_t *len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	int rc;

	FUZZ_CHECK(f != NULL, "open_memstream");
	rc = fn(f, obj);
	FUZZ_CHECK(fclose(f) == 0 && rc == 0, "write failed (rc %d)", rc);
	FUZZ_CHECK(n > 0 && buf[n - 1] == '\n', "line does not end in a newline: '%s'", buf);
	FUZZ_CHECK(memchr(buf, '\n', n - 1) == NULL, "more than one line: '%s'", buf);
	FUZZ_CHECK(memchr(buf, '\0', n) == NULL, "NUL byte in the line");
	FUZZ_CHECK(fuzz_utf8_ok(buf, n), "line is not valid UTF-8: '%s'", buf);
	*len = n;
	return buf;
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
	} else {
		FUZZ_CHECK(json_is_string(raw), "%s: invalid UTF-8 and no %s", key, rawkey);
		check_hex(json_string_value(raw), bytes, n);
	}
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const severities[] = { "violation", "info", NULL };
	static const char *const verdicts[] = { "alert", "blocked", "killed", "allowed",
						"unknown", NULL };
	static const char *const events[] = { "host_ns_exec", "setns", "ns_create", "unknown",
					      NULL };
	struct nsg_format_ctx ctx = { .boot_to_realtime_ns = 1700000000LL * 1000000000LL };
	struct nsg_event e;
	char *exe_buf = NULL, *line, *text;
	size_t len, tlen, n;
	json_t *o, *back, *ns;

	memset(&e, 0, sizeof(e));
	memcpy(&e, data, size < sizeof(e) ? size : sizeof(e));
	e.ts_boot_ns &= (1ULL << 60) - 1;
	if (e.is_container)
		for (int i = 0; i < NSG_CONTAINER_ID_LEN; i++)
			e.container_id[i] = "0123456789abcdef"[(unsigned char)e.container_id[i] & 15];
	exe_answer = NULL;
	if (size > sizeof(e)) {
		uint8_t flags = data[sizeof(e)];

		if (flags & 1) {
			ctx.exe_of = exe_of;
			exe_buf = strndup((const char *)data + sizeof(e) + 1, size - sizeof(e) - 1);
			exe_answer = exe_buf;
		}
		if (flags & 2)
			ctx.container_of = container_of;
	}

	o = nsg_event_to_json(&e, &ctx);
	FUZZ_CHECK(o != NULL, "nsg_event_to_json returned NULL");

	/* The README's fields. */
	FUZZ_CHECK(json_integer_value(json_object_get(o, "schema")) == 1, "schema");
	check_time(json_string_value(json_object_get(o, "time")));
	FUZZ_CHECK(one_of(json_string_value(json_object_get(o, "event")), events), "event");
	FUZZ_CHECK(one_of(json_string_value(json_object_get(o, "severity")), severities),
		   "severity");
	FUZZ_CHECK(one_of(json_string_value(json_object_get(o, "verdict")), verdicts), "verdict");
	FUZZ_CHECK(json_is_integer(json_object_get(o, "pid")) &&
			   json_is_integer(json_object_get(o, "tid")) &&
			   json_is_integer(json_object_get(o, "ppid")) &&
			   json_is_integer(json_object_get(o, "uid")) &&
			   json_is_integer(json_object_get(o, "cgroup_id")),
		   "integer fields");
	check_bytes(o, "comm", e.comm, strnlen(e.comm, sizeof(e.comm)));
	if (e.exe[0])
		check_bytes(o, "exe", e.exe, strnlen(e.exe, sizeof(e.exe)));
	else if (exe_answer)
		check_bytes(o, "exe", exe_answer, strlen(exe_answer));
	else
		FUZZ_CHECK(json_is_null(json_object_get(o, "exe")), "exe should be null");
	if (e.is_container)
		FUZZ_CHECK(json_string_length(json_object_get(o, "container_id")) == 64,
			   "container_id");
	else
		FUZZ_CHECK(json_is_null(json_object_get(o, "container_id")), "container_id not null");
	FUZZ_CHECK(json_is_array(json_object_get(o, "host_ns")) &&
			   json_is_array(json_object_get(o, "host_ns_all")),
		   "host_ns lists");
	ns = json_object_get(o, "ns");
	FUZZ_CHECK(json_is_object(ns) && json_object_size(ns) == NSG_NS_TYPES, "ns object");
	if (e.type == NSG_EV_SETNS)
		FUZZ_CHECK(json_is_array(json_object_get(o, "targets")) &&
				   json_is_string(json_object_get(o, "via")) &&
				   json_object_get(o, "target") && json_object_get(o, "result"),
			   "setns fields");
	if (e.type == NSG_EV_NS_CREATE)
		FUZZ_CHECK(json_is_string(json_object_get(o, "syscall")) &&
				   json_is_string(json_object_get(o, "clone_flags")) &&
				   json_is_object(json_object_get(o, "new_ns")) &&
				   json_object_get(o, "child_pid"),
			   "ns_create fields");

	/* The JSON line: one line, UTF-8, and it reads back as the same object. */
	line = one_line(nsg_write_json_line, o, &len);
	back = json_loadb(line, len - 1, 0, NULL);
	FUZZ_CHECK(back != NULL, "JSON line does not parse: '%s'", line);
	FUZZ_CHECK(json_equal(back, o), "JSON line reads back different: '%s'", line);
	n = strlen(line);
	FUZZ_CHECK(n == len, "JSON line has a NUL");

	/* The text line. */
	text = one_line(nsg_write_text_line, o, &tlen);

	free(text);
	free(line);
	json_decref(back);
	json_decref(o);
	free(exe_buf);
	return 0;
}
