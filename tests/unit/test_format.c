// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Feed formatting: every line is one valid JSON object, hostile bytes in
 * comm/exe are escaped or repaired (never passed raw), and the fields that
 * consumers depend on are there with the right values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "event_format.h"
#include "jsonstr.h"

#define ID "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"

static const struct nsg_format_ctx ctx = { .boot_to_realtime_ns = 1700000000LL * 1000000000LL };

/* Formats e as the feed would and parses the line back. */
static json_t *roundtrip(const struct nsg_event *e, char **line_out)
{
	json_t *obj = nsg_event_to_json(e, &ctx), *back;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	json_error_t jerr;

	assert_non_null(obj);
	assert_int_equal(nsg_write_json_line(f, obj), 0);
	fclose(f);
	json_decref(obj);
	/* Exactly one line, newline-terminated. */
	assert_true(len > 0 && buf[len - 1] == '\n');
	assert_ptr_equal(strchr(buf, '\n'), buf + len - 1);
	back = json_loads(buf, JSON_REJECT_DUPLICATES, &jerr);
	if (!back)
		fail_msg("not JSON (%s): %s", jerr.text, buf);
	if (line_out)
		*line_out = buf;
	else
		free(buf);
	return back;
}

static struct nsg_event base_event(uint32_t type)
{
	struct nsg_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.ts_boot_ns = 5ULL * 1000000000ULL + 123;
	e.pid = 100;
	e.tid = 101;
	e.ppid = 1;
	e.uid = 0;
	e.cgroup_id = 4242;
	e.is_container = 1;
	memcpy(e.container_id, ID, sizeof(ID));
	strcpy(e.comm, "sh");
	e.ns_inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
	e.ns_inum[NSG_NS_PID] = 4026532000U;
	e.host_ns_mask = NSG_BIT(NSG_NS_IPC);
	return e;
}

static const char *str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s)
		fail_msg("field '%s' missing or not a string", key);
	return s;
}

static void test_exec_event_fields(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);
	json_t *o, *host_ns;

	(void)state;
	strcpy(e.exe, "/bin/sh");
	o = roundtrip(&e, NULL);
	assert_string_equal(str(o, "event"), "host_ns_exec");
	assert_string_equal(str(o, "verdict"), "alert");
	assert_string_equal(str(o, "severity"), "violation");
	assert_string_equal(str(o, "time"), "2023-11-14T22:13:25.000000123Z");
	assert_string_equal(str(o, "container_id"), ID);
	assert_string_equal(str(o, "exe"), "/bin/sh");
	assert_int_equal(json_integer_value(json_object_get(o, "pid")), 100);
	assert_int_equal(json_integer_value(json_object_get(o, "tid")), 101);
	assert_int_equal(json_integer_value(json_object_get(o, "cgroup_id")), 4242);
	host_ns = json_object_get(o, "host_ns");
	assert_int_equal(json_array_size(host_ns), 1);
	assert_string_equal(json_string_value(json_array_get(host_ns, 0)), "ipc");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "ns"), "ipc")),
			 NSG_INIT_IPC_INO);
	assert_true(json_is_null(json_object_get(json_object_get(o, "ns"), "net")));
	json_decref(o);
}

static void test_host_task_has_null_container(void **state)
{
	struct nsg_event e = base_event(NSG_EV_NS_CREATE);
	json_t *o;

	(void)state;
	e.is_container = 0;
	e.create.via = NSG_CREATE_UNSHARE;
	e.create.clone_flags = NSG_CLONE_NEWIPC | NSG_CLONE_NEWPID;
	e.create.created_mask = NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID);
	e.create.new_inum[NSG_NS_IPC] = 11;
	e.create.new_inum[NSG_NS_PID] = 12;
	o = roundtrip(&e, NULL);
	assert_true(json_is_null(json_object_get(o, "container_id")));
	assert_true(json_is_null(json_object_get(o, "exe")));
	assert_string_equal(str(o, "syscall"), "unshare");
	assert_string_equal(str(o, "clone_flags"), "0x28000000");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "new_ns"), "pid")), 12);
	assert_string_equal(str(o, "severity"), "info");
	json_decref(o);
}

static void test_setns_primary_target(void **state)
{
	struct nsg_event e = base_event(NSG_EV_SETNS);
	json_t *o, *target;

	(void)state;
	e.setns.via = NSG_VIA_PIDFD;
	e.setns.target_mask = NSG_BIT(NSG_NS_NET) | NSG_BIT(NSG_NS_IPC);
	e.setns.target_host = NSG_BIT(NSG_NS_IPC);
	e.reported_mask = NSG_BIT(NSG_NS_IPC); /* the policy reports ipc */
	e.setns.target_inum[NSG_NS_NET] = 77;
	e.setns.target_inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
	e.setns.result = -1;
	o = roundtrip(&e, NULL);
	target = json_object_get(o, "target");
	assert_string_equal(str(target, "type"), "ipc");
	assert_true(json_is_true(json_object_get(target, "host")));
	assert_int_equal(json_array_size(json_object_get(o, "targets")), 2);
	assert_string_equal(str(o, "via"), "pidfd");
	assert_string_equal(str(o, "severity"), "violation");
	assert_int_equal(json_integer_value(json_object_get(o, "result")), -1);
	json_decref(o);
}

static void test_hostile_comm_escaped(void **state)
{
	struct nsg_event e = base_event(NSG_EV_SETNS);
	char *line;
	json_t *o;

	(void)state;
	memcpy(e.comm, "a\"b\\c\nd\x01", 9);
	o = roundtrip(&e, &line);
	assert_string_equal(str(o, "comm"), "a\"b\\c\nd\x01");
	assert_null(json_object_get(o, "comm_raw"));
	assert_non_null(strstr(line, "a\\\"b\\\\c\\nd\\u0001"));
	free(line);
	json_decref(o);
}

static void test_invalid_utf8_repaired_and_kept(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);
	json_t *o;

	(void)state;
	memcpy(e.comm, "x\xff\xc3(y", 6);
	strcpy(e.exe, "/tmp/\xe2\x82"); /* truncated 3-byte sequence */
	o = roundtrip(&e, NULL);
	assert_string_equal(str(o, "comm"), "x\xEF\xBF\xBD\xEF\xBF\xBD(y");
	assert_string_equal(str(o, "comm_raw"), "78ffc32879");
	assert_string_equal(str(o, "exe"), "/tmp/\xEF\xBF\xBD\xEF\xBF\xBD");
	assert_string_equal(str(o, "exe_raw"), "2f746d702fe282");
	json_decref(o);
}

static void test_utf8_validator(void **state)
{
	(void)state;
	assert_true(nsg_utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14));
	assert_false(nsg_utf8_valid("\xc0\xaf", 2));         /* overlong '/' */
	assert_false(nsg_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
	assert_false(nsg_utf8_valid("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
	assert_false(nsg_utf8_valid("\x80", 1));
}

static void test_text_line_single_line(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);
	json_t *obj;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	memcpy(e.comm, "evil\nline", 10);
	obj = nsg_event_to_json(&e, &ctx);
	assert_int_equal(nsg_write_text_line(f, obj), 0);
	fclose(f);
	assert_ptr_equal(strchr(buf, '\n'), buf + len - 1);
	assert_non_null(strstr(buf, "host_ns_exec"));
	assert_non_null(strstr(buf, "comm=\"evil\\nline\""));
	assert_non_null(strstr(buf, "container_id=\"" ID "\""));
	json_decref(obj);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_event_fields),
		cmocka_unit_test(test_host_task_has_null_container),
		cmocka_unit_test(test_setns_primary_target),
		cmocka_unit_test(test_hostile_comm_escaped),
		cmocka_unit_test(test_invalid_utf8_repaired_and_kept),
		cmocka_unit_test(test_utf8_validator),
		cmocka_unit_test(test_text_line_single_line),
	};

	return cmocka_run_group_tests_name("format", tests, NULL, NULL);
}
