// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The feed's schema (user/feed/feed_schema.h, written by schema_*.c), byte
 * for byte: every event's keys, their order and values are what the
 * Jansson-built feed wrote (the expected lines below were produced by that
 * code), except numbers that are doubles, which now print as a person
 * writes them. Hostile bytes in comm/exe are escaped or repaired with the
 * exact bytes in *_raw; every line is one valid JSON object; the text
 * rendering keeps its layout.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <jansson.h>
#include "feed/feed_schema.h"
#include "feed/textline.h"
#include "feed/timefmt.h"
#include "util/utf8.h"

#define ID "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
#define T0 "2023-11-14T22:13:25.000000123Z"
#define KERNEL_ENVELOPE(event) "{\"schema\":1,\"time\":\"" T0 "\",\"event\":\"" event "\","
#define NS_JSON                                                                              \
	"{\"ipc\":4026531839,\"pid\":4026532000,\"net\":null,\"uts\":null,\"mnt\":null,"     \
	"\"cgroup\":null,\"time\":null,\"user\":null}"
#define CONTAINER_JSON                                                                       \
	"{\"runtime\":\"docker\",\"name\":\"web\",\"pod\":{\"name\":null,\"namespace\":"     \
	"\"shop\",\"uid\":null},\"image\":\"nginx:1.25\"}"
#define FFFD "\xef\xbf\xbd"

static struct nsg_jsonw w;

static int setup(void **state)
{
	(void)state;
	nsg_jsonw_init(&w);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	nsg_jsonw_free(&w);
	return 0;
}

/* What w holds as a C string; every line must be one JSON object. */
static const char *line(void)
{
	static char out[1 << 15];
	json_error_t jerr;
	json_t *back;

	assert_false(w.failed);
	assert_true(w.len < sizeof(out));
	memcpy(out, w.buf, w.len);
	out[w.len] = '\0';
	assert_null(memchr(out, '\n', w.len));
	back = json_loads(out, JSON_REJECT_DUPLICATES, &jerr);
	if (!json_is_object(back))
		fail_msg("not a JSON object (%s): %s", jerr.text, out);
	json_decref(back);
	return out;
}

/* The line with the time of an agent event (now) replaced by "T", after checking its shape. */
static const char *line_now_masked(void)
{
	static char out[1 << 15];
	const char *l = line(), *t = strstr(l, "\"time\":\"");
	size_t off;

	assert_non_null(t);
	t += 8;
	off = (size_t)(t - l);
	assert_true(strlen(t) > 31 && t[4] == '-' && t[10] == 'T' && t[19] == '.' && t[29] == 'Z');
	snprintf(out, sizeof(out), "%.*sT%s", (int)off, l, t + 30);
	return out;
}

static void reset(void)
{
	nsg_jsonw_rewind(&w, 0);
}

static const struct nsg_feed_ctx plain_ctx = { .boot_to_realtime_ns = 1700000000LL * 1000000000LL };

static struct nsg_jsonw container_buf;

static const char *container_of(void *arg, const char *id, size_t *len)
{
	struct nsg_container_meta m = { .found = true };

	(void)arg;
	assert_int_equal(strlen(id), 64);
	strcpy(m.runtime, "docker");
	strcpy(m.name, "web");
	strcpy(m.image, "nginx:1.25");
	strcpy(m.pod_namespace, "shop");
	nsg_jsonw_rewind(&container_buf, 0);
	nsg_feed_container(&container_buf, &m);
	*len = container_buf.len;
	return container_buf.buf;
}

static const char *exe_of(void *arg, uint32_t pid, uint64_t start, uint64_t exec_id)
{
	(void)arg, (void)pid, (void)start, (void)exec_id;
	return "/usr/bin/nsenter";
}

static const struct nsg_feed_ctx full_ctx = {
	.boot_to_realtime_ns = 1700000000LL * 1000000000LL,
	.exe_of = exe_of,
	.container_of = container_of,
};

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
	e.container_cgroup_id = 4242;
	e.is_container = 1;
	memcpy(e.container_id, ID, sizeof(ID));
	strcpy(e.comm, "sh");
	e.ns_inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
	e.ns_inum[NSG_NS_PID] = 4026532000U;
	e.host_ns_mask = NSG_BIT(NSG_NS_IPC);
	return e;
}

/* The compliance controls (controls.c) for host IPC, and for host IPC and PID. */
#define CONTROLS_IPC_LIST "\"cis-docker-1.6.0:5.17\",\"cis-docker-1.2.0:5.16\",\"k8s-pss-baseline:host-namespaces\""
#define CONTROLS_IPC "\"controls\":[" CONTROLS_IPC_LIST "]"
#define CONTROLS_BOTH                                                                      \
	"\"controls\":[\"cis-docker-1.6.0:5.17\",\"cis-docker-1.6.0:5.16\",\"cis-docker-1.2.0:5.16\","  \
	"\"cis-docker-1.2.0:5.15\",\"k8s-pss-baseline:host-namespaces\"]"

static const char *kernel_line(const struct nsg_event *e, const struct nsg_feed_ctx *ctx)
{
	reset();
	nsg_feed_kernel_event(&w, e, ctx);
	return line();
}

/* ---- kernel events ---- */

static void test_exec_event_bytes(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);

	(void)state;
	strcpy(e.exe, "/bin/sh");
	assert_string_equal(kernel_line(&e, &plain_ctx),
			    KERNEL_ENVELOPE("host_ns_exec")
			    "\"severity\":\"violation\",\"verdict\":\"alert\",\"pid\":100,\"tid\":101,"
			    "\"ppid\":1,\"uid\":0,\"comm\":\"sh\",\"exe\":\"/bin/sh\",\"cgroup_id\":4242,"
			    "\"container_id\":\"" ID "\",\"container_cgroup_id\":4242,\"host_ns\":[\"ipc\"],\"host_ns_all\":[\"ipc\"],"
			    "\"ns\":" NS_JSON "," CONTROLS_IPC "}");
}

static void test_ns_create_bytes(void **state)
{
	struct nsg_event e = base_event(NSG_EV_NS_CREATE);
	static const char *const tail =
		"\"cgroup_id\":4242,\"container_id\":null,\"container_cgroup_id\":null,\"host_ns\":[\"ipc\"],"
		"\"host_ns_all\":[\"ipc\"],\"ns\":" NS_JSON ",";
	char want[2048];

	(void)state;
	e.is_container = 0;
	e.create.via = NSG_CREATE_UNSHARE;
	e.create.clone_flags = NSG_CLONE_NEWIPC | NSG_CLONE_NEWPID;
	e.create.created_mask = NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID);
	e.create.new_inum[NSG_NS_IPC] = 11;
	e.create.new_inum[NSG_NS_PID] = 12;
	snprintf(want, sizeof(want),
		 KERNEL_ENVELOPE("ns_create") "\"severity\":\"info\",\"verdict\":\"none\","
		 "\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":0,\"comm\":\"sh\",\"exe\":null,%s"
		 "\"syscall\":\"unshare\",\"clone_flags\":\"0x28000000\",\"created\":[\"ipc\",\"pid\"],"
		 "\"new_ns\":{\"ipc\":11,\"pid\":12},\"child_pid\":null}", tail);
	assert_string_equal(kernel_line(&e, &plain_ctx), want);

	e.create.via = NSG_CREATE_CLONE;
	e.create.child_pid = 555;
	e.uid = 1000;
	snprintf(want, sizeof(want),
		 KERNEL_ENVELOPE("ns_create") "\"severity\":\"info\",\"verdict\":\"none\","
		 "\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":1000,\"comm\":\"sh\",\"exe\":null,%s"
		 "\"syscall\":\"clone\",\"clone_flags\":\"0x28000000\",\"created\":[\"ipc\",\"pid\"],"
		 "\"new_ns\":{\"ipc\":11,\"pid\":12},\"child_pid\":555}", tail);
	assert_string_equal(kernel_line(&e, &plain_ctx), want);
}

/*
 * Audit mode says what enforce mode would have done, from the policy's
 * blocked types and the tier: right after the verdict, on violations only.
 */
static void test_enforce_verdict(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);
	struct nsg_feed_ctx ctx = plain_ctx;

	(void)state;
	e.reported_mask = NSG_BIT(NSG_NS_IPC);
	ctx.audit = true;
	ctx.would_block = NSG_VIOLATION_MASK;
	ctx.would_stop = "killed";
	assert_non_null(strstr(kernel_line(&e, &ctx),
			       "\"verdict\":\"alert\",\"enforce_verdict\":\"killed\",\"pid\":100,"));
	ctx.would_stop = "blocked";
	assert_non_null(strstr(kernel_line(&e, &ctx), "\"enforce_verdict\":\"blocked\""));
	/* --block pid: an IPC violation would only alert. */
	ctx.would_block = NSG_BIT(NSG_NS_PID);
	assert_non_null(strstr(kernel_line(&e, &ctx), "\"enforce_verdict\":\"alert\""));
	/* --enforcer none: nothing could stop it. */
	ctx.would_block = NSG_VIOLATION_MASK;
	ctx.would_stop = NULL;
	assert_non_null(strstr(kernel_line(&e, &ctx), "\"enforce_verdict\":\"alert\""));
	/* Allowlisted: allowed either way. */
	ctx.would_stop = "killed";
	e.allowed_mask = NSG_BIT(NSG_NS_IPC);
	e.verdict = NSG_VERDICT_ALLOWED;
	assert_non_null(strstr(kernel_line(&e, &ctx),
			       "\"verdict\":\"allowed\",\"enforce_verdict\":\"allowed\""));
	/* Enforce mode says nothing more than its verdict. */
	ctx.audit = false;
	assert_null(strstr(kernel_line(&e, &ctx), "enforce_verdict"));
	/* Information has no verdict to foresee, and fails no control. */
	ctx.audit = true;
	e = base_event(NSG_EV_NS_CREATE);
	assert_null(strstr(kernel_line(&e, &ctx), "enforce_verdict"));
	assert_null(strstr(line(), "controls"));
	assert_non_null(strstr(line(), "\"verdict\":\"none\""));
}

/* A hostile comm, exe from the lookup, the container object, two targets. */
static struct nsg_event hostile_setns(void)
{
	struct nsg_event e = base_event(NSG_EV_SETNS);

	e.setns.via = NSG_VIA_PIDFD;
	e.setns.target_mask = NSG_BIT(NSG_NS_NET) | NSG_BIT(NSG_NS_IPC);
	e.setns.target_host = NSG_BIT(NSG_NS_IPC);
	e.reported_mask = NSG_BIT(NSG_NS_IPC); /* the policy reports ipc */
	e.setns.target_inum[NSG_NS_NET] = 77;
	e.setns.target_inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
	e.setns.result = -1;
	e.setns.fd = 3;
	e.setns.flags = 0x08000000;
	e.verdict = NSG_VERDICT_KILLED;
	memcpy(e.comm, "a\"b\\c\nd\x01\x7f\xff\xc3(", 13);
	return e;
}

#define HOSTILE_COMM_JSON "a\\\"b\\\\c\\nd\\u0001\x7f" FFFD FFFD "("
#define TARGET_IPC "{\"type\":\"ipc\",\"inum\":4026531839,\"host\":true}"

static void test_setns_bytes(void **state)
{
	struct nsg_event e = hostile_setns();

	(void)state;
	assert_string_equal(kernel_line(&e, &full_ctx),
			    KERNEL_ENVELOPE("setns")
			    "\"severity\":\"violation\",\"verdict\":\"killed\",\"pid\":100,\"tid\":101,"
			    "\"ppid\":1,\"uid\":0,\"comm\":\"" HOSTILE_COMM_JSON "\","
			    "\"comm_raw\":\"6122625c630a64017fffc328\",\"exe\":\"/usr/bin/nsenter\","
			    "\"cgroup_id\":4242,\"container_id\":\"" ID "\",\"container\":" CONTAINER_JSON
			    ",\"container_cgroup_id\":4242,\"host_ns\":[\"ipc\"],\"host_ns_all\":[\"ipc\"],\"ns\":" NS_JSON ","
			    CONTROLS_IPC ",\"target\":" TARGET_IPC ",\"targets\":[" TARGET_IPC
			    ",{\"type\":\"net\",\"inum\":77,\"host\":false}],\"via\":\"pidfd\",\"fd\":3,"
			    "\"nstype\":134217728,\"result\":-1}");
}

static void test_allowed_setns_bytes(void **state)
{
	struct nsg_event e = base_event(NSG_EV_SETNS);
	struct nsg_feed_ctx ctx = full_ctx;

	(void)state;
	e.setns.via = NSG_VIA_NSFS;
	e.setns.target_mask = NSG_BIT(NSG_NS_PID);
	e.verdict = NSG_VERDICT_ALLOWED;
	e.allowed_mask = e.reported_mask = NSG_BIT(NSG_NS_PID);
	e.host_ns_mask = NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID);
	ctx.exe_of = NULL;
	strcpy(e.exe, "/tmp/\xe2\x82"); /* truncated 3-byte sequence */
	assert_string_equal(kernel_line(&e, &ctx),
			    KERNEL_ENVELOPE("setns")
			    "\"severity\":\"violation\",\"verdict\":\"allowed\",\"pid\":100,\"tid\":101,"
			    "\"ppid\":1,\"uid\":0,\"comm\":\"sh\",\"exe\":\"/tmp/" FFFD FFFD "\","
			    "\"exe_raw\":\"2f746d702fe282\",\"cgroup_id\":4242,\"container_id\":\"" ID "\","
			    "\"container\":" CONTAINER_JSON ",\"container_cgroup_id\":4242,\"host_ns\":[\"ipc\",\"pid\"],"
			    "\"host_ns_all\":[\"ipc\",\"pid\"],\"allowed_ns\":[\"pid\"],\"ns\":" NS_JSON ","
			    "\"target\":{\"type\":\"pid\",\"inum\":0,\"host\":false},"
			    "\"targets\":[{\"type\":\"pid\",\"inum\":0,\"host\":false}],\"via\":\"nsfs\","
			    "\"fd\":0,\"nstype\":0,\"result\":0}");
}

static int root_path(void *arg, uint64_t id, char *path, size_t len)
{
	(void)arg;
	if (id != 1)
		return -1;
	snprintf(path, len, "/");
	return 0;
}

/* A task outside its container's cgroup: still its container, and where it is now. */
static void test_moved_task_bytes(void **state)
{
	struct nsg_event e = base_event(NSG_EV_SETNS);
	struct nsg_feed_ctx ctx = plain_ctx;

	(void)state;
	e.cgroup_id = 1;
	ctx.cgroup_path_of = root_path;
	assert_non_null(strstr(kernel_line(&e, &ctx), "\"cgroup_id\":1,\"container_id\":\"" ID "\","
						      "\"container_cgroup_id\":4242,\"cgroup\":\"/\",\"host_ns\""));
	e.cgroup_id = 77; /* gone by the time it is written */
	assert_non_null(strstr(kernel_line(&e, &ctx), "\"container_cgroup_id\":4242,\"cgroup\":null,"));
	e.is_container = 0; /* host tasks have no container cgroup */
	assert_non_null(strstr(kernel_line(&e, &ctx), "\"container_id\":null,\"container_cgroup_id\":null,\"host_ns\""));
}

/* An unknown container's object is null; no container_of, no member at all. */
static const char *unknown_container(void *arg, const char *id, size_t *len)
{
	(void)arg, (void)id, (void)len;
	return NULL;
}

static void test_container_member(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);
	struct nsg_feed_ctx ctx = plain_ctx;

	(void)state;
	assert_null(strstr(kernel_line(&e, &ctx), "\"container\""));
	ctx.container_of = unknown_container;
	assert_non_null(strstr(kernel_line(&e, &ctx), ",\"container\":null,\"container_cgroup_id\":4242,\"host_ns\":"));
	e.is_container = 0; /* a host task is never looked up */
	assert_null(strstr(kernel_line(&e, &ctx), "\"container\""));
}

static void test_hostile_comm_escaped(void **state)
{
	struct nsg_event e = base_event(NSG_EV_SETNS);
	json_t *o;

	(void)state;
	memcpy(e.comm, "a\"b\\c\nd\x01", 9);
	o = json_loads(kernel_line(&e, &plain_ctx), 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "comm")), "a\"b\\c\nd\x01");
	assert_null(json_object_get(o, "comm_raw"));
	assert_non_null(strstr(line(), "\"comm\":\"a\\\"b\\\\c\\nd\\u0001\","));
	json_decref(o);
}

static void test_invalid_utf8_repaired_and_kept(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);
	json_t *o;

	(void)state;
	memcpy(e.comm, "x\xff\xc3(y", 6);
	strcpy(e.exe, "/tmp/\xe2\x82"); /* truncated 3-byte sequence */
	o = json_loads(kernel_line(&e, &plain_ctx), 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "comm")), "x" FFFD FFFD "(y");
	assert_string_equal(json_string_value(json_object_get(o, "comm_raw")), "78ffc32879");
	assert_string_equal(json_string_value(json_object_get(o, "exe")), "/tmp/" FFFD FFFD);
	assert_string_equal(json_string_value(json_object_get(o, "exe_raw")), "2f746d702fe282");
	json_decref(o);
}

/* comm fills its 16 bytes with no NUL: all 16 are shown, nothing past them. */
static void test_unterminated_comm(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);

	(void)state;
	memset(e.comm, 'c', sizeof(e.comm));
	assert_non_null(strstr(kernel_line(&e, &plain_ctx), "\"comm\":\"cccccccccccccccc\","));
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

/* ---- the text rendering ---- */

static const char *text_of_line(void)
{
	static struct nsg_jsonw t;
	static char out[1 << 15];

	nsg_jsonw_rewind(&t, 0);
	assert_int_equal(nsg_text_from_json(&t, w.buf, w.len), 0);
	assert_true(t.len < sizeof(out));
	memcpy(out, t.buf, t.len);
	out[t.len] = '\0';
	nsg_jsonw_free(&t);
	return out;
}

static void test_text_line_bytes(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);

	(void)state;
	strcpy(e.exe, "/bin/sh");
	kernel_line(&e, &plain_ctx);
	assert_string_equal(text_of_line(),
			    T0 " host_ns_exec    violation alert   pid=100 comm=\"sh\" schema=1 tid=101 "
			    "ppid=1 uid=0 exe=\"/bin/sh\" cgroup_id=4242 container_id=\"" ID "\" "
			    "container_cgroup_id=4242 host_ns=[\"ipc\"] host_ns_all=[\"ipc\"] ns=" NS_JSON
			    " controls=[" CONTROLS_IPC_LIST "]");
	e = hostile_setns();
	kernel_line(&e, &full_ctx);
	assert_string_equal(text_of_line(),
			    T0 " setns           violation killed  pid=100 comm=\"" HOSTILE_COMM_JSON
			    "\" schema=1 tid=101 ppid=1 uid=0 comm_raw=\"6122625c630a64017fffc328\" "
			    "exe=\"/usr/bin/nsenter\" cgroup_id=4242 container_id=\"" ID "\" container="
			    CONTAINER_JSON " container_cgroup_id=4242 host_ns=[\"ipc\"] host_ns_all=[\"ipc\"] ns=" NS_JSON
			    " controls=[" CONTROLS_IPC_LIST "] target=" TARGET_IPC " targets=[" TARGET_IPC
			    ",{\"type\":\"net\",\"inum\":77,\"host\":false}] via=\"pidfd\" fd=3 "
			    "nstype=134217728 result=-1");
}

static void test_text_line_single_line(void **state)
{
	struct nsg_event e = base_event(NSG_EV_HOST_NS_EXEC);
	const char *t;

	(void)state;
	memcpy(e.comm, "evil\nline", 10);
	kernel_line(&e, &plain_ctx);
	t = text_of_line();
	assert_null(strchr(t, '\n'));
	assert_non_null(strstr(t, "host_ns_exec"));
	assert_non_null(strstr(t, "comm=\"evil\\nline\""));
	assert_non_null(strstr(t, "container_id=\"" ID "\""));
	/* null members are left out */
	assert_null(strstr(t, "exe="));
}

/* An agent event: missing columns are "-", no pid or comm, values as JSON. */
static void test_text_agent_event(void **state)
{
	(void)state;
	reset();
	nsg_feed_agent_stop(&w, "Terminated");
	assert_non_null(strstr(text_of_line(), "Z agent_stop      -         -       schema=1 "
							"reason=\"Terminated\""));
	reset();
	assert_int_equal(nsg_text_from_json(&w, "[1]", 3), -1);
	assert_int_equal(nsg_text_from_json(&w, "{\"a\"}", 5), -1);
	assert_int_equal(nsg_text_from_json(&w, "{\"a\":1,\"b\":\"x}", 13), -1);
}

/* ---- agent events ---- */

static void test_agent_start_bytes(void **state)
{
	struct nsg_probe probe = { .btf = true, .ringbuf = true, .lsm_bpf_active = true,
				   .mounted = { "securityfs" }, .nmounted = 1 };
	struct nsg_hostns host = { .inum = { NSG_INIT_IPC_INO, NSG_INIT_PID_INO }, .from_pid = 0 };
	struct nsg_cgroup_mode cg = { .v2 = true };
	struct nsg_feed_start s = {
		.version = "0.1.0", .pid = 4321, .enforcing = false, .tier = NSG_TIER_SIGNAL,
		.tier_reason = "lsm tier unavailable: x", .block_mask = 3, .probe = &probe,
		.host = &host, .cgroups = &cg, .ring_size = 4194304, .info_ring_size = 1048576,
		.probed_ms = 15.3, .loaded_ms = 294.0, .attached_ms = 0.5,
	};

	(void)state;
	strcpy(probe.kernel_release, "6.18.44");
	strcpy(probe.lsm_list, "lockdown,capability,bpf");
	reset();
	nsg_feed_agent_start(&w, &s);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"agent_start\",\"version\":\"0.1.0\","
			    "\"pid\":4321,\"kernel\":\"6.18.44\",\"mode\":\"audit\",\"tier\":\"signal\","
			    "\"tier_reason\":\"lsm tier unavailable: x\",\"block\":[],"
			    "\"detection\":\"tracepoint\",\"probe\":{\"btf\":true,\"ringbuf\":true,"
			    "\"lsm\":\"lockdown,capability,bpf\",\"bpf_lsm_active\":true,"
			    "\"lsm_prog_loads\":false,\"trampolines\":false,\"mounted\":[\"securityfs\"]},"
			    "\"host_ns\":{\"source\":\"initial\",\"inums\":{\"ipc\":4026531839,"
			    "\"pid\":4026531836,\"net\":null,\"uts\":null,\"mnt\":null,\"cgroup\":null,"
			    "\"time\":null,\"user\":null}},\"cgroup_hierarchy\":\"v2\","
			    "\"ring_size\":4194304,\"info_ring_size\":1048576,\"pinned\":null,"
			    "\"startup\":{\"probed_ms\":15.3,\"loaded_ms\":294.0,\"attached_ms\":0.5}}");

	/* Enforcing on the lsm tier, v1 cgroups, pinned, host namespaces from a PID. */
	s.enforcing = true;
	s.tier = NSG_TIER_LSM;
	s.pin_path = "/sys/fs/bpf/nsguard";
	s.pin_adopted = true;
	host.from_pid = 77;
	cg = (struct nsg_cgroup_mode){ .v2 = false, .v1_controller = "pids" };
	reset();
	nsg_feed_agent_start(&w, &s);
	assert_non_null(strstr(line(), "\"mode\":\"enforce\",\"tier\":\"lsm\","));
	assert_non_null(strstr(line(), "\"block\":[\"ipc\",\"pid\"],\"detection\":\"trampoline\","));
	assert_non_null(strstr(line(), "\"host_ns\":{\"source\":\"pid:77\","));
	assert_non_null(strstr(line(), "\"cgroup_hierarchy\":\"v1:pids\","));
	assert_non_null(strstr(line(), "\"pinned\":{\"path\":\"/sys/fs/bpf/nsguard\","
					"\"adopted\":true,\"replaced\":false},"));
}

static void test_agent_stats_bytes(void **state)
{
	unsigned long long events[NSG_EV_MAX] = { 0, 5, 6, 7 }, drops[NSG_EV_MAX] = { 0, 1, 0, 2 };
	unsigned long long by_class[NSG_CLASSES] = { 1, 2 };
	struct nsg_feed_stats s = {
		.events = events, .drops = drops, .drops_by_class = by_class,
		.host_ns_running = 3, .write_errors = 4, .lines = 20, .rotations = 1,
		.socket_clients = 2, .socket_clients_dropped = 9, .socket_clients_rejected = 5,
		.lines_lost = 7, .reopens = 2, .uptime_s = 61,
	};

	(void)state;
	reset();
	nsg_feed_agent_stats(&w, &s);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"agent_stats\","
			    "\"events\":{\"host_ns_exec\":5,\"setns\":6,\"ns_create\":7,\"tamper\":0},"
			    "\"drops\":{\"host_ns_exec\":1,\"setns\":0,\"ns_create\":2,\"tamper\":0},"
			    "\"drops_by_class\":{\"violation\":1,\"info\":2},\"flow\":null,\"state\":null,"
			    "\"events_total\":18,"
			    "\"drops_total\":3,\"host_ns_running\":3,\"write_errors\":4,"
			    "\"output\":{\"lines\":20,\"rotations\":1,\"socket_clients\":2,"
			    "\"socket_clients_dropped\":9,\"socket_clients_rejected\":5,\"lines_lost\":7,"
			    "\"reopens\":2},\"uptime_s\":61}");
}

static struct nsg_flow_id flow_id(const char *pair)
{
	struct nsg_flow_id who;

	for (int i = 0; i < NSG_CONTAINER_ID_LEN; i += 2)
		memcpy(who.id + i, pair, 2);
	return who;
}

#define ID_AB "abababababababababababababababababababababababababababababababab"
#define ID_CD "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"

/* The flow accounting: totals per class, by type, the listed containers, summaries. */
static void test_agent_stats_flow_bytes(void **state)
{
	unsigned long long zero[NSG_EV_MAX] = { 0 }, by_class[NSG_CLASSES] = { 0 };
	struct nsg_flow_counts totals = { 0 }, per[2] = { { .who = flow_id("ab") } };
	struct nsg_feed_flow flow = { .totals = &totals, .per = per, .nper = 2, .max_listed = 1,
				      .summaries_coalesced = 2, .summaries_rate_limited = 1 };
	struct nsg_feed_state st = { .max_containers = 16, .registry = 1, .exempt_cgroups = 2,
				     .flows = 3, .coalescing = 4, .metadata = 5, .forgotten = 80,
				     .removals_lost = 6, .rss_kb = 4096 };
	struct nsg_feed_stats s = { .events = zero, .drops = zero, .drops_by_class = by_class,
				    .flow = &flow, .state = &st };
	const uint64_t setns[NSG_FLOW_OUTCOMES] = { 11, 1999989, 0, 0 };
	const uint64_t create[NSG_FLOW_OUTCOMES] = { 3, 0, 5, 1 };

	(void)state;
	memcpy(totals.n[NSG_CLASS_VIOLATION][NSG_EV_SETNS], setns, sizeof(setns));
	memcpy(totals.n[NSG_CLASS_INFO][NSG_EV_NS_CREATE], create, sizeof(create));
	memcpy(per[0].n[NSG_CLASS_VIOLATION][NSG_EV_SETNS], setns, sizeof(setns));
	reset();
	nsg_feed_agent_stats(&w, &s);
	assert_string_equal(strstr(line_now_masked(), "\"flow\""),
			    "\"flow\":{\"violation\":{\"queued\":11,\"coalesced\":1999989,\"rate_limited\":0,"
			    "\"dropped\":0},\"info\":{\"queued\":3,\"coalesced\":0,\"rate_limited\":5,"
			    "\"dropped\":1},\"by_type\":{\"violation\":{\"setns\":{\"queued\":11,"
			    "\"coalesced\":1999989,\"rate_limited\":0,\"dropped\":0}},\"info\":{"
			    "\"ns_create\":{\"queued\":3,\"coalesced\":0,\"rate_limited\":5,\"dropped\":1}}},"
			    "\"containers\":[{\"container_id\":\"" ID_AB "\",\"violation\":{\"setns\":{"
			    "\"queued\":11,\"coalesced\":1999989,\"rate_limited\":0,\"dropped\":0}},"
			    "\"info\":{}}],\"containers_not_listed\":1,"
			    "\"summaries\":{\"coalesced\":2,\"rate_limited\":1}},"
			    "\"state\":{\"max_containers\":16,\"registry\":1,\"exempt_cgroups\":2,\"flows\":3,"
			    "\"coalescing\":4,\"metadata\":5,\"forgotten\":80,\"identities_lost\":0,"
			    "\"removals_lost\":6,\"rss_kb\":4096},"
			    "\"events_total\":0,\"drops_total\":0,\"host_ns_running\":0,\"write_errors\":0,"
			    "\"output\":{\"lines\":0,\"rotations\":0,\"socket_clients\":0,"
			    "\"socket_clients_dropped\":0,\"socket_clients_rejected\":0,\"lines_lost\":0,"
			    "\"reopens\":0},\"uptime_s\":0}");
}

/* A denied setns retried: the summary names the kind, the last repeat and the window. */
static void test_coalesced_setns_bytes(void **state)
{
	struct nsg_coalesced c = {
		.key = { .who = flow_id("ab"), .type = NSG_EV_SETNS, .verdict = NSG_VERDICT_BLOCKED,
			 .mask = NSG_BIT(NSG_NS_IPC) | (NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_UTS)) << 8,
			 .result = -1, .via = NSG_VIA_NSFS },
		.repeats = 583655, .first_ns = 5000000000ULL, .last_ns = 6000000000ULL,
		.last_pid = 42, .last_tid = 43, .last_comm = "fl0-1\xff",
	};

	(void)state;
	reset();
	nsg_feed_coalesced(&w, &c, &full_ctx);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"coalesced\",\"severity\":\"violation\","
			    "\"verdict\":\"blocked\",\"of\":\"setns\",\"repeats\":583655,"
			    "\"first_time\":\"2023-11-14T22:13:25.000000000Z\","
			    "\"last_time\":\"2023-11-14T22:13:26.000000000Z\",\"container_id\":\"" ID_AB "\","
			    "\"container\":{\"runtime\":\"docker\",\"name\":\"web\",\"pod\":{\"name\":null,"
			    "\"namespace\":\"shop\",\"uid\":null},\"image\":\"nginx:1.25\"},\"pid\":42,\"tid\":43,"
			    "\"comm\":\"fl0-1\xef\xbf\xbd\",\"comm_raw\":\"666c302d31ff\",\"host_ns\":[\"ipc\"],"
			    "\"targets\":[\"ipc\",\"uts\"],\"via\":\"nsfs\",\"result\":-1," CONTROLS_IPC "}");
	/* An exec kind whose queued event was not seen: exe is null. */
	c.key.type = NSG_EV_HOST_NS_EXEC;
	c.key.verdict = NSG_VERDICT_ALERT;
	c.key.mask = NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID);
	reset();
	nsg_feed_coalesced(&w, &c, &plain_ctx);
	assert_non_null(strstr(line(), "\"of\":\"host_ns_exec\""));
	assert_non_null(strstr(line(), "\"host_ns\":[\"ipc\",\"pid\"],\"exe\":null," CONTROLS_BOTH "}"));
	/* Repeats of information stay information. */
	c.key.type = NSG_EV_NS_CREATE;
	c.key.mask = 0;
	reset();
	nsg_feed_coalesced(&w, &c, &plain_ctx);
	assert_non_null(strstr(line(), "\"severity\":\"info\",\"verdict\":\"none\",\"of\":\"ns_create\""));
	assert_null(strstr(line(), "controls"));
	c.key.type = NSG_EV_SETNS; /* to no host namespace */
	reset();
	nsg_feed_coalesced(&w, &c, &plain_ctx);
	assert_non_null(strstr(line(), "\"severity\":\"info\",\"verdict\":\"none\",\"of\":\"setns\""));
	c.key.type = NSG_EV_HOST_NS_EXEC;
	c.key.mask = NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID);
	c.exe = "/usr/local/bin/./flood";
	reset();
	nsg_feed_coalesced(&w, &c, &plain_ctx);
	assert_non_null(strstr(line(), "\"exe\":\"/usr/local/bin/./flood\"," CONTROLS_BOTH "}"));
}

static void test_rate_limited_bytes(void **state)
{
	struct nsg_rate_limited r = { .who = flow_id("cd"), .first_ns = 7000000000ULL,
				      .last_ns = 8000000000ULL };

	(void)state;
	r.refused[NSG_CLASS_VIOLATION][NSG_EV_HOST_NS_EXEC] = 2375;
	r.refused[NSG_CLASS_INFO][NSG_EV_NS_CREATE] = 7;
	reset();
	nsg_feed_rate_limited(&w, &r, 20, 20, &plain_ctx);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"rate_limited\",\"severity\":\"violation\","
			    "\"container_id\":\"" ID_CD "\",\"refused\":{\"violation\":{\"host_ns_exec\":2375,"
			    "\"setns\":0,\"ns_create\":0,\"tamper\":0},\"info\":{\"host_ns_exec\":0,\"setns\":0,"
			    "\"ns_create\":7,\"tamper\":0}},\"total\":2382,\"first_time\":\"2023-11-14T22:13:27.000000000Z\","
			    "\"last_time\":\"2023-11-14T22:13:28.000000000Z\",\"rate\":20,\"burst\":20}");
	/* Only informational events refused: severity info; the shared entry has no ID. */
	r.refused[NSG_CLASS_VIOLATION][NSG_EV_HOST_NS_EXEC] = 0;
	r.overflow = true;
	reset();
	nsg_feed_rate_limited(&w, &r, 100, 200, &full_ctx);
	assert_non_null(strstr(line(), "\"severity\":\"info\",\"container_id\":\"overflow\",\"refused\""));
}

/* The limits: an allowlisted container that found no room, and a full table. */
static void test_exemption_failed_and_map_full_bytes(void **state)
{
	struct nsg_known_container k = { .id = ID, .cgroup = "/kubepods/x", .cgroup_id = 9,
					  .container_name = "exporter", .allowed = NSG_BIT(NSG_NS_PID) };

	(void)state;
	reset();
	nsg_feed_exemption_failed(&w, &k, "exemption map full (--max-containers)");
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"exemption_failed\","
			    "\"severity\":\"violation\",\"container_id\":\"" ID "\",\"cgroup\":\"/kubepods/x\","
			    "\"cgroup_id\":9,\"container_name\":\"exporter\",\"image\":null,"
			    "\"allowed_ns\":[\"pid\"],\"reason\":\"exemption map full (--max-containers)\"}");
	reset();
	nsg_feed_map_full(&w, "flows", 16, "shared");
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"map_full\",\"severity\":\"violation\","
			    "\"map\":\"flows\",\"max\":16,\"effect\":\"shared\"}");
}

/* feed_gap, each cause: what the file could not hold, told in the file. */
static void test_feed_gap_bytes(void **state)
{
	struct nsg_feed_gap full = { .cause = "write_failed", .error = ENOSPC, .lost = 12,
				     .lost_known = true };
	struct nsg_feed_gap torn = { .cause = "torn_line_at_start", .lost = 1, .lost_known = true,
				     .bytes = 37 };
	struct nsg_feed_gap cut = { .cause = "truncated", .bytes = 4096 };

	(void)state;
	reset();
	nsg_feed_gap(&w, &full);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"feed_gap\",\"severity\":\"violation\","
			    "\"cause\":\"write_failed\",\"error\":\"No space left on device\",\"lost\":12}");
	reset();
	nsg_feed_gap(&w, &torn);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"feed_gap\",\"severity\":\"violation\","
			    "\"cause\":\"torn_line_at_start\",\"error\":null,\"lost\":1,\"bytes\":37}");
	reset();
	nsg_feed_gap(&w, &cut);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"feed_gap\",\"severity\":\"violation\","
			    "\"cause\":\"truncated\",\"error\":null,\"lost\":null,\"bytes\":4096}");
}

/* Attempts on nsguard itself: a BPF object by ID, a signal to the agent; the self-check. */
static void test_tamper_bytes(void **state)
{
	struct nsg_event e = base_event(NSG_EV_TAMPER);
	struct nsg_self_check_finding f = { .kind = "map", .name = "policy_cfg",
					    .change = "changed", .found = "0x0000000000000000",
					    .expected = "0x0000000300000003", .restored = true };
	static const char *const head =
		"\"pid\":100,\"tid\":101,\"ppid\":1,\"uid\":0,\"comm\":\"sh\",\"exe\":null,"
		"\"cgroup_id\":4242,\"container_id\":\"" ID "\",\"container_cgroup_id\":4242,"
		"\"host_ns\":[\"ipc\"],\"host_ns_all\":[\"ipc\"],\"ns\":" NS_JSON ",\"source\":\"kernel\",";
	char want[2048];

	(void)state;
	e.verdict = NSG_VERDICT_BLOCKED;
	e.tamper.op = NSG_TAMPER_BPF;
	e.tamper.cmd = 14;
	e.tamper.obj_kind = NSG_OBJ_MAP;
	e.tamper.obj_id = 31;
	strcpy(e.tamper.obj_name, "policy_cfg");
	snprintf(want, sizeof(want), KERNEL_ENVELOPE("tamper")
		 "\"severity\":\"violation\",\"verdict\":\"blocked\",%s\"op\":\"bpf\","
		 "\"bpf_cmd\":\"BPF_MAP_GET_FD_BY_ID\",\"object\":{\"kind\":\"map\",\"id\":31,"
		 "\"name\":\"policy_cfg\"}}", head);
	assert_string_equal(kernel_line(&e, &plain_ctx), want);

	memset(&e.tamper, 0, sizeof(e.tamper));
	e.verdict = NSG_VERDICT_KILLED;
	e.tamper.op = NSG_TAMPER_SIGNAL;
	e.tamper.cmd = 9;
	e.tamper.obj_kind = NSG_OBJ_AGENT;
	e.tamper.obj_id = 777;
	snprintf(want, sizeof(want), KERNEL_ENVELOPE("tamper")
		 "\"severity\":\"violation\",\"verdict\":\"killed\",%s\"op\":\"signal\","
		 "\"signal\":9,\"object\":{\"kind\":\"agent\",\"pid\":777}}", head);
	assert_string_equal(kernel_line(&e, &plain_ctx), want);

	reset();
	nsg_feed_self_check(&w, &f);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"tamper\",\"severity\":\"violation\","
			    "\"verdict\":\"restored\",\"source\":\"self_check\",\"object\":{\"kind\":\"map\","
			    "\"name\":\"policy_cfg\"},\"change\":\"changed\",\"found\":\"0x0000000000000000\","
			    "\"expected\":\"0x0000000300000003\"}");
}

static void test_stop_and_policy_bytes(void **state)
{
	(void)state;
	reset();
	nsg_feed_agent_stop(&w, "Terminated");
	assert_string_equal(line_now_masked(), "{\"schema\":1,\"time\":\"T\",\"event\":\"agent_stop\","
					       "\"reason\":\"Terminated\"}");
	reset();
	nsg_feed_policy_event(&w, "/etc/nsguard/policy.yaml", 3, NULL);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"policy_reloaded\","
			    "\"policy\":\"/etc/nsguard/policy.yaml\",\"rules\":3}");
	reset();
	nsg_feed_policy_event(&w, "<embedded>", 3, "p.yaml:3:7: unknown key \"x\"");
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"policy_error\","
			    "\"policy\":\"<embedded>\",\"error\":\"p.yaml:3:7: unknown key \\\"x\\\"\"}");
}

static struct nsg_known_container hostile_registration(void)
{
	struct nsg_known_container k = {
		.cgroup = "/kubepods/pod1/x\xff", .cgroup_id = 99, .pod = "web-0",
		.kubernetes_namespace = "sh\xc3(p", .container_name = "api", .allowed = 3,
	};

	strcpy(k.id, ID);
	return k;
}

static void test_container_registered_bytes(void **state)
{
	struct nsg_known_container k = hostile_registration();

	(void)state;
	reset();
	nsg_feed_container_registered(&w, &k);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"container_registered\","
			    "\"container_id\":\"" ID "\",\"cgroup\":\"/kubepods/pod1/x" FFFD "\","
			    "\"cgroup_raw\":\"2f6b756265706f64732f706f64312f78ff\",\"cgroup_id\":99,"
			    "\"pod\":{\"name\":\"web-0\",\"namespace\":\"sh" FFFD "(p\","
			    "\"namespace_raw\":\"7368c32870\"},\"container_name\":\"api\",\"image\":null,"
			    "\"allowed_ns\":[\"ipc\",\"pid\"]}");
}

/* The `container` object from the hook's registration, and from the runtime's state. */
static void test_container_objects_bytes(void **state)
{
	struct nsg_known_container k = hostile_registration();
	struct nsg_container_meta m = { .found = true };

	(void)state;
	reset();
	nsg_feed_container_from_registration(&w, &k);
	assert_string_equal(line(), "{\"runtime\":null,\"name\":\"api\",\"pod\":{\"name\":\"web-0\","
				    "\"namespace\":\"sh" FFFD "(p\",\"namespace_raw\":\"7368c32870\","
				    "\"uid\":null},\"image\":null}");
	k.pod = k.kubernetes_namespace = NULL;
	k.runtime = "crun";
	reset();
	nsg_feed_container_from_registration(&w, &k);
	assert_string_equal(line(), "{\"runtime\":\"crun\",\"name\":\"api\",\"pod\":null,\"image\":null}");

	/* State fields: empty or not valid UTF-8 is null; the name may fill its array. */
	strcpy(m.runtime, "containerd");
	memset(m.name, 'x', sizeof(m.name));
	strcpy(m.image, "bad\xc3(");
	strcpy(m.pod_uid, "u-1");
	reset();
	nsg_feed_container(&w, &m);
	assert_true(strlen(line()) > sizeof(m.name));
	assert_non_null(strstr(line(), "xxx\",\"pod\":{\"name\":null,\"namespace\":null,"
					"\"uid\":\"u-1\"},\"image\":null}"));
	m.found = false;
	reset();
	nsg_feed_container(&w, &m);
	assert_string_equal(line(), "{\"runtime\":null,\"name\":null,\"pod\":null,\"image\":null}");
	reset();
	nsg_feed_container(&w, NULL);
	assert_string_equal(line(), "{\"runtime\":null,\"name\":null,\"pod\":null,\"image\":null}");
}

static void test_hook_unreachable_bytes(void **state)
{
	static const char rec[] = "{\"unix_time\":1700000000,\"container_id\":\"abc\",\"pid\":42,"
				  "\"reason\":\"connect: No such file\"}\n";
	static const char odd[] = "{\"event\":\"evil\",\"x\":[1,2.5,{\"y\":null}],\"severity\":\"info\"}";

	(void)state;
	reset();
	nsg_feed_hook_unreachable(&w, rec, strlen(rec));
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"hook_unreachable\","
			    "\"severity\":\"violation\",\"unix_time\":1700000000,\"container_id\":\"abc\","
			    "\"pid\":42,\"reason\":\"connect: No such file\"}");
	/* The record cannot rename the event or lower its severity. */
	reset();
	nsg_feed_hook_unreachable(&w, odd, strlen(odd));
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"hook_unreachable\","
			    "\"severity\":\"violation\",\"x\":[1,2.5,{\"y\":null}]}");
	/* Not an object: the envelope alone. */
	reset();
	nsg_feed_hook_unreachable(&w, "not json\n", 9);
	assert_string_equal(line_now_masked(), "{\"schema\":1,\"time\":\"T\",\"event\":\"hook_unreachable\","
					       "\"severity\":\"violation\"}");
	reset();
	nsg_feed_hook_unreachable(&w, "[1]", 3);
	assert_string_equal(line_now_masked(), "{\"schema\":1,\"time\":\"T\",\"event\":\"hook_unreachable\","
					       "\"severity\":\"violation\"}");
}

/* ---- the scan ---- */

#define SCANNED_CGROUP "/docker/" ID
#define SCANNED_CGROUP_HEX                                                                   \
	"2f646f636b65722f3466316331623261396438653766366135623463336432653166306139623863376436" \
	"6535663461336232633164306539663861376236633564346533663261ff"
#define SCANNED_NS                                                                           \
	"{\"ipc\":4026531839,\"pid\":null,\"net\":null,\"uts\":null,\"mnt\":null,\"cgroup\":null," \
	"\"time\":null,\"user\":null}"

static struct nsg_scanned_container scanned(void)
{
	struct nsg_scanned_container c;

	memset(&c, 0, sizeof(c));
	strcpy(c.ident.id, ID);
	c.ident.runtime = "docker";
	strcpy(c.cgroup_path, SCANNED_CGROUP "\xff");
	c.host_ns_mask = NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID);
	c.nprocs = 2;
	c.nprocs_host_ns[NSG_NS_IPC] = 2;
	c.nprocs_host_ns[NSG_NS_PID] = 1;
	c.first_pid = 77;
	c.ns_inum[NSG_NS_IPC] = NSG_INIT_IPC_INO;
	return c;
}

static void test_host_ns_running_bytes(void **state)
{
	struct nsg_scanned_container c = scanned();

	(void)state;
	reset();
	nsg_feed_host_ns_running(&w, &c, 3, 1, NULL);
	assert_string_equal(line_now_masked(),
			    "{\"schema\":1,\"time\":\"T\",\"event\":\"host_ns_running\","
			    "\"severity\":\"violation\",\"verdict\":\"alert\",\"allowed_ns\":[\"ipc\"],"
			    "\"container_id\":\"" ID "\",\"runtime\":\"docker\",\"pod_uid\":null,"
			    "\"cgroup\":\"" SCANNED_CGROUP FFFD "\",\"cgroup_raw\":\"" SCANNED_CGROUP_HEX "\","
			    "\"pid\":77,\"processes\":2,\"processes_in_host_ns\":{\"ipc\":2,\"pid\":1},"
			    "\"host_ns\":[\"ipc\",\"pid\"],\"host_ns_all\":[\"ipc\",\"pid\"],"
			    "\"ns\":" SCANNED_NS "," CONTROLS_BOTH "}");
	/* Everything reported is allowed; the container object comes last. */
	reset();
	nsg_feed_host_ns_running(&w, &c, 1, 1, &full_ctx);
	assert_non_null(strstr(line(), "\"verdict\":\"allowed\",\"allowed_ns\":[\"ipc\"],"));
	assert_non_null(strstr(line(), "\"processes_in_host_ns\":{\"ipc\":2},\"host_ns\":[\"ipc\"],"));
	assert_non_null(
		strstr(line(), "\"ns\":" SCANNED_NS "," CONTROLS_IPC ",\"container\":" CONTAINER_JSON "}"));
}

static void test_scan_report_bytes(void **state)
{
	struct nsg_scanned_container items[2] = { scanned(), scanned() };
	struct nsg_scan s = { .items = items, .count = 2 };
	struct nsg_hostns host = { .inum = { NSG_INIT_IPC_INO } };

	(void)state;
	items[1].host_ns_mask = 0;
	strcpy(items[1].ident.pod_uid, "0b0e");
	reset();
	nsg_feed_scan_report(&w, &s, 1, &host, NULL);
	assert_string_equal(line(),
			    "{\"containers\":[{\"severity\":\"violation\",\"container_id\":\"" ID "\","
			    "\"runtime\":\"docker\",\"pod_uid\":null,\"cgroup\":\"" SCANNED_CGROUP FFFD "\","
			    "\"cgroup_raw\":\"" SCANNED_CGROUP_HEX "\",\"pid\":77,\"processes\":2,"
			    "\"processes_in_host_ns\":{\"ipc\":2,\"pid\":1},\"host_ns\":[\"ipc\",\"pid\"],"
			    "\"host_ns_all\":[\"ipc\",\"pid\"],\"ns\":" SCANNED_NS "," CONTROLS_BOTH "},"
			    "{\"severity\":\"info\",\"container_id\":\"" ID "\",\"runtime\":\"docker\","
			    "\"pod_uid\":\"0b0e\",\"cgroup\":\"" SCANNED_CGROUP FFFD "\","
			    "\"cgroup_raw\":\"" SCANNED_CGROUP_HEX "\",\"pid\":77,\"processes\":2,"
			    "\"processes_in_host_ns\":{},\"host_ns\":[],\"host_ns_all\":[],"
			    "\"ns\":" SCANNED_NS "}],\"violations\":1,\"host_ns\":{\"ipc\":4026531839,"
			    "\"pid\":null,\"net\":null,\"uts\":null,\"mnt\":null,\"cgroup\":null,"
			    "\"time\":null,\"user\":null}}");
}

/* ---- time ---- */

/* The arithmetic RFC 3339 formatter agrees with gmtime_r over 1970..2262. */
static void test_rfc3339_matches_gmtime(void **state)
{
	unsigned int seed = 7;
	char got[NSG_RFC3339_LEN], want[NSG_RFC3339_LEN + 16], date[32];

	(void)state;
	for (int i = 0; i < 100000; i++) {
		int64_t ns = (int64_t)((((uint64_t)rand_r(&seed) << 32) ^ (uint64_t)rand_r(&seed)) &
				       ((1ULL << 63) - 1));
		time_t secs = (time_t)(ns / 1000000000LL);
		struct tm tm;

		if (i < 3) /* the edges: the epoch, a leap day, the largest */
			ns = i == 0 ? 0 : i == 1 ? 951782400LL * 1000000000LL + 1 : INT64_MAX;
		secs = (time_t)(ns / 1000000000LL);
		gmtime_r(&secs, &tm);
		strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want, sizeof(want), "%s.%09lldZ", date, (long long)(ns % 1000000000LL));
		nsg_format_rfc3339(ns, got, sizeof(got));
		if (strcmp(got, want) != 0)
			fail_msg("%lld: '%s', gmtime '%s'", (long long)ns, got, want);
	}
	nsg_format_rfc3339(951782400LL * 1000000000LL, got, sizeof(got));
	assert_string_equal(got, "2000-02-29T00:00:00.000000000Z");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exec_event_bytes),
		cmocka_unit_test(test_ns_create_bytes),
		cmocka_unit_test(test_setns_bytes),
		cmocka_unit_test(test_allowed_setns_bytes),
		cmocka_unit_test(test_container_member),
		cmocka_unit_test(test_moved_task_bytes),
		cmocka_unit_test(test_hostile_comm_escaped),
		cmocka_unit_test(test_invalid_utf8_repaired_and_kept),
		cmocka_unit_test(test_unterminated_comm),
		cmocka_unit_test(test_utf8_validator),
		cmocka_unit_test(test_text_line_bytes),
		cmocka_unit_test(test_text_line_single_line),
		cmocka_unit_test(test_text_agent_event),
		cmocka_unit_test(test_agent_start_bytes),
		cmocka_unit_test(test_agent_stats_bytes),
		cmocka_unit_test(test_agent_stats_flow_bytes),
		cmocka_unit_test(test_coalesced_setns_bytes),
		cmocka_unit_test(test_rate_limited_bytes),
		cmocka_unit_test(test_exemption_failed_and_map_full_bytes),
		cmocka_unit_test(test_feed_gap_bytes),
		cmocka_unit_test(test_tamper_bytes),
		cmocka_unit_test(test_stop_and_policy_bytes),
		cmocka_unit_test(test_container_registered_bytes),
		cmocka_unit_test(test_container_objects_bytes),
		cmocka_unit_test(test_hook_unreachable_bytes),
		cmocka_unit_test(test_host_ns_running_bytes),
		cmocka_unit_test(test_enforce_verdict),
		cmocka_unit_test(test_scan_report_bytes),
		cmocka_unit_test(test_rfc3339_matches_gmtime),
	};
	int rc = cmocka_run_group_tests_name("format", tests, setup, teardown);

	nsg_jsonw_free(&container_buf);
	return rc;
}
