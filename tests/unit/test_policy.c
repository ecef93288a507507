// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Policy parsing and matching: a good policy yields exactly what it says;
 * every kind of bad input is refused with `file:line:column: message`.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "cli/cli.h"
#include "policy/policy.h"

#define ID "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"

static const char good[] =
	"mode: enforce\n"
	"enforcer: signal\n"
	"namespaces:\n"
	"  ipc: block\n"
	"  pid: alert\n"
	"  net: alert\n"
	"allow:\n"
	"  - name: node exporters\n"
	"    kubernetes_namespace: monitoring\n"
	"    pod: \"node-exporter-*\"\n"
	"    namespaces: [pid]\n"
	"  - container_id: " ID "\n"
	"  - cgroup: \"/system.slice/docker-*.scope\"\n"
	"    namespaces: [ipc, pid]\n"
	"  - executable: /usr/bin/crictl\n"
	"    namespaces: [ipc]\n"
	"hook:\n"
	"  on_agent_unreachable: closed\n";

static int parse(const char *text, struct nsg_policy *p, char *err, size_t errlen)
{
	return nsg_policy_parse("policy.yaml", text, strlen(text), p, err, errlen);
}

static void test_good_policy(void **state)
{
	struct nsg_policy p;
	char err[512];

	(void)state;
	assert_int_equal(parse(good, &p, err, sizeof(err)), 0);
	assert_int_equal(p.mode, NSG_MODE_ENFORCE);
	assert_int_equal(p.enforcer, NSG_ENFORCER_SIGNAL);
	assert_int_equal(p.action[NSG_NS_IPC], NSG_ACT_BLOCK);
	assert_int_equal(p.action[NSG_NS_PID], NSG_ACT_ALERT);
	assert_int_equal(p.action[NSG_NS_NET], NSG_ACT_ALERT);
	assert_int_equal(p.action[NSG_NS_UTS], NSG_ACT_ALLOW);
	assert_int_equal(nsg_policy_types_at_least(&p, NSG_ACT_BLOCK), NSG_BIT(NSG_NS_IPC));
	assert_int_equal(nsg_policy_types_at_least(&p, NSG_ACT_ALERT),
			 NSG_BIT(NSG_NS_IPC) | NSG_BIT(NSG_NS_PID) | NSG_BIT(NSG_NS_NET));
	assert_int_equal(p.nrules, 4);
	assert_string_equal(p.rules[0].name, "node exporters");
	assert_int_equal(p.rules[0].ns_mask, NSG_BIT(NSG_NS_PID));
	assert_int_equal(p.rules[0].line, 8);
	assert_int_equal(p.rules[1].ns_mask, NSG_NS_ALL);
	assert_string_equal(p.rules[3].executable, "/usr/bin/crictl");
	assert_int_equal(p.hook_failure, NSG_HOOK_FAIL_CLOSED);
	nsg_policy_free(&p);
}

static void test_default_policy(void **state)
{
	struct nsg_policy p;

	(void)state;
	assert_int_equal(nsg_policy_load_default(&p), 0);
	assert_int_equal(p.mode, NSG_MODE_AUDIT);
	assert_int_equal(nsg_policy_types_at_least(&p, NSG_ACT_BLOCK), NSG_VIOLATION_MASK);
	assert_int_equal(nsg_policy_types_at_least(&p, NSG_ACT_ALERT), NSG_VIOLATION_MASK);
	assert_int_equal(p.nrules, 0);
	assert_int_equal(p.hook_failure, NSG_HOOK_FAIL_OPEN);
	nsg_policy_free(&p);
}

static void test_matching(void **state)
{
	struct nsg_match_input exporter = { .kubernetes_namespace = "monitoring",
					    .pod = "node-exporter-x7k2p" };
	struct nsg_match_input other_ns = { .kubernetes_namespace = "default",
					    .pod = "node-exporter-x7k2p" };
	struct nsg_match_input by_id = { .container_id = ID };
	struct nsg_match_input by_cgroup = { .cgroup = "/system.slice/docker-abc.scope" };
	struct nsg_match_input unknown = { 0 };
	struct nsg_policy p;
	char err[512];

	(void)state;
	assert_int_equal(parse(good, &p, err, sizeof(err)), 0);
	assert_int_equal(nsg_policy_container_allows(&p, &exporter), NSG_BIT(NSG_NS_PID));
	assert_int_equal(nsg_policy_container_allows(&p, &other_ns), 0);
	assert_int_equal(nsg_policy_container_allows(&p, &by_id), NSG_NS_ALL);
	assert_int_equal(nsg_policy_container_allows(&p, &by_cgroup), NSG_VIOLATION_MASK);
	/* Unknown fields never match a rule that names them. */
	assert_int_equal(nsg_policy_container_allows(&p, &unknown), 0);
	nsg_policy_free(&p);
}

static void expect_error(const char *text, const char *where, const char *what)
{
	struct nsg_policy p;
	char err[512];

	/* An empty message would match anything: every case names its message. */
	assert_true(what[0] != '\0');
	if (parse(text, &p, err, sizeof(err)) == 0)
		fail_msg("accepted: %s", text);
	if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, what))
		fail_msg("error '%s' is not '%s ... %s'", err, where, what);
	assert_null(strchr(err, '\n'));
}

static void test_errors_name_line_and_column(void **state)
{
	(void)state;
	expect_error("mode: audit\nnamespaces: [ipc\n", "policy.yaml:3:1:",
		     "did not find expected ',' or ']'");
	expect_error("mode: audit\nmood: enforce\n", "policy.yaml:2:1:", "unknown field 'mood'");
	expect_error("mode: sometimes\n", "policy.yaml:1:7:", "not one of the allowed values");
	expect_error("namespaces: [ipc]\n", "policy.yaml:1:13:", "expected a mapping");
	expect_error("namespaces:\n  net: block\n", "policy.yaml:2:8:", "block is not supported");
	expect_error("namespaces:\n  ipcs: alert\n", "policy.yaml:2:3:", "unknown namespace type 'ipcs'");
	expect_error("allow:\n  - pod: \"web-[a\"\n", "policy.yaml:2:10:", "not a valid glob");
	expect_error("allow:\n  - executable: \"/usr/bin/*\"\n", "policy.yaml:2:17:",
		     "exact absolute path");
	expect_error("allow:\n  - executable: /bin/sh\n    pod: x\n", "policy.yaml:2:5:",
		     "cannot be combined");
	expect_error("allow:\n  - name: nothing\n", "policy.yaml:2:5:", "at least one field");
	expect_error("allow:\n  - pod: x\n    namespaces: [ipc, bogus]\n", "policy.yaml:3:23:",
		     "unknown namespace type 'bogus'");
	expect_error("allow:\n  - pod: [x]\n", "policy.yaml:2:10:", "expected a string");
	expect_error("allow: {pod: x}\n", "policy.yaml:1:8:", "expected a list of rules");
	expect_error("hook:\n  on_agent_unreachable: maybe\n", "policy.yaml:2:25:", "allowed values");
	expect_error("- just\n- a list\n", "policy.yaml:1:1:", "must be a mapping");
	/* Found by fuzzing: a second list used to overflow the first one's array. */
	expect_error("allow:\n  - pod: a\nallow:\n  - pod: b\n", "policy.yaml:3:1:", "'allow' appears twice");
	expect_error("\"mo\\nde\": audit\n", "policy.yaml:1:1:", "unknown field 'mo?de'");
}

static void test_world_writable_refused(void **state)
{
	char path[] = "/tmp/nsg-policy-XXXXXX", err[512];
	struct nsg_policy p;
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "mode: audit\n", 12), 12);
	close(fd);
	chmod(path, 0644);
	assert_int_equal(nsg_policy_load(path, &p, err, sizeof(err)), 0);
	nsg_policy_free(&p);
	chmod(path, 0666);
	assert_int_equal(nsg_policy_load(path, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "world-writable"));
	unlink(path);
	assert_int_equal(nsg_policy_load(path, &p, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_policy),
		cmocka_unit_test(test_default_policy),
		cmocka_unit_test(test_matching),
		cmocka_unit_test(test_errors_name_line_and_column),
		cmocka_unit_test(test_world_writable_refused),
	};

	return cmocka_run_group_tests_name("policy", tests, NULL, NULL);
}
