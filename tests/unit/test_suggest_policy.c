// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `nsguard scan --suggest-policy`'s generator (user/scan/suggest_*.c): pod
 * names become their workload's glob; containers of one workload share a
 * rule; every document parses with the policy's own parser, allows each
 * container it covers exactly the types it uses, and not its neighbours,
 * whatever bytes the names and images hold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "cli/cli.h"
#include "policy/policy.h"
#include "scan/suggest_policy.h"

#define ID_A "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
#define ID_B "9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a4f1c1b2a9d8e7f6a5b4c3d2e1f0a"
#define ID_C "0e9f8a7b6c5d4e3f2a4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d"
#define ID_D "c5d4e3f2a4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6"
#define IPC NSG_BIT(NSG_NS_IPC)
#define PID NSG_BIT(NSG_NS_PID)
#define NET NSG_BIT(NSG_NS_NET)

/* Every byte of the document is printable ASCII, UTF-8 or a newline. */
static void assert_no_raw_controls(const char *doc, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)doc[i] < 0x20 && doc[i] != '\n')
			fail_msg("raw control byte 0x%02x at %zu", (unsigned char)doc[i], i);
		else if (doc[i] == 0x7f)
			fail_msg("raw DEL at %zu", i);
}

/* The document for in[0..n), parsed into p; the caller frees both. */
static char *suggest(const struct nsg_suggest_input *in, size_t n, struct nsg_policy *p)
{
	char *doc = NULL, err[512];
	size_t len = 0;
	FILE *f = open_memstream(&doc, &len);

	assert_non_null(f);
	if (nsg_suggest_policy(f, in, n, err, sizeof(err)))
		fail_msg("nsg_suggest_policy: %s", err);
	assert_int_equal(fclose(f), 0);
	assert_no_raw_controls(doc, len);
	if (nsg_policy_parse("suggested", doc, len, p, err, sizeof(err)))
		fail_msg("does not parse: %s\n%s", err, doc);
	assert_int_equal(p->mode, NSG_MODE_ENFORCE);
	assert_int_equal(nsg_policy_types_at_least(p, NSG_ACT_BLOCK), NSG_VIOLATION_MASK);
	assert_int_equal(nsg_policy_types_at_least(p, NSG_ACT_ALERT), NSG_VIOLATION_MASK);
	assert_int_equal(p->hook_failure, NSG_HOOK_FAIL_OPEN);
	return doc;
}

/* As the agent builds it (agent/containers.c, registry.h): "" is unknown. */
static uint32_t allows(const struct nsg_policy *p, const struct nsg_suggest_input *in)
{
	struct nsg_match_input m = {
		.container_id = in->container_id,
		.kubernetes_namespace = in->kubernetes_namespace,
		.pod = in->pod,
		.container_name = in->container_name,
		.image = in->image,
	};

	return nsg_policy_container_allows(p, &m);
}

static void assert_allowed(const struct nsg_policy *p, const struct nsg_suggest_input *in)
{
	uint32_t want = in->host_ns_mask & NSG_VIOLATION_MASK;

	assert_int_equal(allows(p, in) & want, want);
}

static void assert_denied(const struct nsg_policy *p, const struct nsg_suggest_input *in)
{
	if (allows(p, in) & NSG_VIOLATION_MASK)
		fail_msg("allowed: namespace '%.60s', pod '%.60s', name '%.60s', image '%.60s'",
			 in->kubernetes_namespace ? in->kubernetes_namespace : "(null)",
			 in->pod ? in->pod : "(null)",
			 in->container_name ? in->container_name : "(null)",
			 in->image ? in->image : "(null)");
}

static void free_both(char *doc, struct nsg_policy *p)
{
	free(doc);
	nsg_policy_free(p);
}

/* ---- Pod patterns ---- */

static void expect_pattern(const char *pod, const char *want)
{
	char out[16384];

	nsg_pod_pattern(pod, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("pod '%.80s': pattern '%.80s', expected '%.80s'", pod, out, want);
}

static void test_pod_patterns(void **state)
{
	(void)state;
	/* Deployment: <name>-<pod-template-hash>-<random>. */
	expect_pattern("node-exporter-7f9c8d6b5-x2kqz", "node-exporter-*");
	expect_pattern("coredns-5d78c9869d-kx7vq", "coredns-*");
	expect_pattern("web-bcdfgh-x2kqz", "web-*");          /* a 6-char hash */
	expect_pattern("web-bcdfghjklm-x2kqz", "web-*");      /* a 10-char one */
	expect_pattern("web-bcdfg-x2kqz", "web-bcdfg-*");     /* 5: a ReplicaSet's name */
	expect_pattern("web-bcdfghjklmn-x2kqz", "web-bcdfghjklmn-*");
	/* A CronJob's Job is named by minutes, not by the alphabet: it stays. */
	expect_pattern("backup-28012345-bd4kx", "backup-28012345-*");
	/* DaemonSet, Job, bare ReplicaSet: <name>-<random>. */
	expect_pattern("kube-proxy-x2kqz", "kube-proxy-*");
	expect_pattern("fluent-bit-24567", "fluent-bit-*");
	/* StatefulSet: <name>-<ordinal>. */
	expect_pattern("web-0", "web-*");
	expect_pattern("kafka-broker-12", "kafka-broker-*");
	expect_pattern("web-01", "web-01"); /* %d prints no leading zero */
	/* No generated suffix: the exact name. */
	expect_pattern("etcd-master", "etcd-master");
	expect_pattern("nginx", "nginx");
	expect_pattern("x2kqz", "x2kqz");
	expect_pattern("-x2kqz", "-x2kqz");
	expect_pattern("web-", "web-");
	/* Looks random, but is not of the alphabet (vowels, 0/1/3, capitals). */
	expect_pattern("web-abcde", "web-abcde");
	expect_pattern("web-x2kq1", "web-x2kq1");
	expect_pattern("web-X2KQZ", "web-X2KQZ");
	expect_pattern("web-x2kqzz", "web-x2kqzz");
	/* The name part is a literal for fnmatch. */
	expect_pattern("a*b?[c]\\-x2kqz", "a\\*b\\?\\[c]\\\\-*");
	expect_pattern("we*b", "we\\*b");
}

static void test_pod_patterns_long_names(void **state)
{
	/* 60 bytes: more than generateName keeps. */
	static const char daemonset[] = "monitoring-agent-with-an-unreasonably-long-daemonset-namexyz";
	/* 49 bytes: "<deployment>-<hash>-" is 61. */
	static const char deployment[] = "payments-reconciliation-worker-for-eu-west-region";
	char pod[64], want[64], *big, *big_want;
	size_t n = 10240;

	(void)state;
	/* generateName keeps 58 bytes of "<daemonset>-", then 5 random ones. */
	memcpy(pod, daemonset, 58);
	memcpy(pod + 58, "x2kqz", 6);
	memcpy(want, daemonset, 58);
	memcpy(want + 58, "*", 2);
	expect_pattern(pod, want);
	/* ... and of "<deployment>-<hash>-" the start of the hash: it goes too. */
	memcpy(pod, deployment, 49);
	memcpy(pod + 49, "-7f9c8d6b", 9);
	memcpy(pod + 58, "x2kqz", 6);
	memcpy(want, deployment, 49);
	memcpy(want + 49, "-*", 3);
	expect_pattern(pod, want);
	/* 10 KB: exact, and with a suffix, the prefix. */
	big = malloc(n + 16);
	big_want = malloc(n + 16);
	assert_non_null(big);
	assert_non_null(big_want);
	memset(big, 'a', n);
	big[n] = '\0';
	expect_pattern(big, big);
	strcpy(big_want, big);
	strcat(big, "-x2kqz");
	strcat(big_want, "-*");
	expect_pattern(big, big_want);
	free(big);
	free(big_want);
}

static void test_pod_pattern_buffer_too_small(void **state)
{
	char out[16];

	(void)state;
	/* A cut pattern would match other pods: nothing rather than that. */
	nsg_pod_pattern("kube-proxy-x2kqz", out, 12);
	assert_string_equal(out, "");
	nsg_pod_pattern("kube-proxy-x2kqz", out, 13);
	assert_string_equal(out, "kube-proxy-*");
	nsg_pod_pattern("a*b", out, 4);
	assert_string_equal(out, "");
	nsg_pod_pattern("a*b", out, 5);
	assert_string_equal(out, "a\\*b");
	out[0] = 'z';
	nsg_pod_pattern("web-0", out, 0);
	assert_int_equal(out[0], 'z');
}

/* ---- Kubernetes ---- */

static void test_replicas_share_one_rule(void **state)
{
	const struct nsg_suggest_input in[] = {
		{ PID, ID_A, "containerd", "shop", "web-7f9c8d6b5-x2kqz", "nginx", "nginx:1.25" },
		{ PID, ID_B, "containerd", "shop", "web-7f9c8d6b5-bd4kx", "nginx", "nginx:1.25" },
	};
	/* The next rollout's pod, on another hash: still the workload. */
	const struct nsg_suggest_input next = { PID, ID_C, "containerd", "shop",
						"web-5c8b7d9f4-qwrtz", "nginx", "nginx:1.26" };
	/* Least privilege: the pod's sidecar, another namespace, another workload. */
	const struct nsg_suggest_input neighbours[] = {
		{ PID, ID_D, "containerd", "shop", "web-7f9c8d6b5-x2kqz", "istio-proxy", "istio" },
		{ PID, ID_D, "containerd", "default", "web-7f9c8d6b5-x2kqz", "nginx", "nginx:1.25" },
		{ PID, ID_D, "containerd", "shop", "webapp-7f9c8d6b5-x2kqz", "nginx", "nginx:1.25" },
		{ PID, ID_D, "containerd", "shop", "api-7f9c8d6b5-x2kqz", "nginx", "nginx:1.25" },
		{ PID, ID_D, NULL, NULL, NULL, "nginx", "nginx:1.25" },
	};
	struct nsg_policy p;
	char *doc = suggest(in, 2, &p);

	(void)state;
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].kubernetes_namespace, "shop");
	assert_string_equal(p.rules[0].pod, "web-*");
	assert_string_equal(p.rules[0].container_name, "nginx");
	assert_null(p.rules[0].image);
	assert_int_equal(p.rules[0].ns_mask, PID);
	assert_allowed(&p, &in[0]);
	assert_allowed(&p, &in[1]);
	assert_allowed(&p, &next);
	for (size_t i = 0; i < sizeof(neighbours) / sizeof(neighbours[0]); i++)
		assert_denied(&p, &neighbours[i]);
	/* Each container is named above its rule. */
	assert_non_null(strstr(doc, "  # 4f1c1b2a9d8e (containerd): pod shop/web-7f9c8d6b5-x2kqz, "
				    "container nginx, image nginx:1.25; host pid\n"));
	assert_non_null(strstr(doc, "  # 9b8c7d6e5f4a (containerd): pod shop/web-7f9c8d6b5-bd4kx"));
	assert_non_null(strstr(doc, "Allowlisted: 2, in 1 rule; not allowlisted: 0."));
	free_both(doc, &p);
}

static void test_types_are_the_union(void **state)
{
	const struct nsg_suggest_input in[] = {
		{ IPC, ID_A, "cri-o", "monitoring", "agent-x2kqz", "agent", NULL },
		{ PID | NET, ID_B, "cri-o", "monitoring", "agent-bd4kx", "agent", NULL },
		{ PID, ID_C, "cri-o", "monitoring", "db-0", "postgres", NULL },
	};
	struct nsg_policy p;
	char *doc = suggest(in, 3, &p);

	(void)state;
	assert_int_equal(p.nrules, 2);
	assert_string_equal(p.rules[0].pod, "agent-*");
	assert_int_equal(p.rules[0].ns_mask, IPC | PID);
	assert_string_equal(p.rules[1].pod, "db-*");
	assert_int_equal(p.rules[1].ns_mask, PID);
	assert_non_null(strstr(doc, "    namespaces: [ipc, pid]\n"));
	assert_non_null(strstr(doc, "    namespaces: [pid]\n"));
	for (size_t i = 0; i < 3; i++)
		assert_allowed(&p, &in[i]);
	free_both(doc, &p);
}

static void test_kubernetes_without_container_name(void **state)
{
	const struct nsg_suggest_input in = { IPC, ID_A, "containerd", "kube-system",
					      "etcd-master", NULL, "registry.k8s.io/etcd:3.5" };
	const struct nsg_suggest_input other_pod = { IPC, ID_B, "containerd", "kube-system",
						     "etcd-master2", NULL, NULL };
	struct nsg_policy p;
	char *doc = suggest(&in, 1, &p);

	(void)state;
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].pod, "etcd-master");
	assert_null(p.rules[0].container_name);
	assert_null(p.rules[0].image);
	assert_allowed(&p, &in);
	assert_denied(&p, &other_pod);
	free_both(doc, &p);
}

/* ---- Docker, podman ---- */

static void test_by_name(void **state)
{
	const struct nsg_suggest_input in[] = {
		{ IPC, ID_A, "docker", NULL, NULL, "db", "postgres:16" },
		{ IPC, ID_B, "podman", NULL, NULL, "db", "postgres:15" },
	};
	const struct nsg_suggest_input db2 = { IPC, ID_C, "docker", NULL, NULL, "db2", "postgres:16" };
	const struct nsg_suggest_input same_image = { IPC, ID_C, "docker", NULL, NULL, "other",
						      "postgres:16" };
	const struct nsg_suggest_input in_a_pod = { IPC, ID_C, "containerd", "shop", "db-0", "db",
						    NULL };
	struct nsg_policy p;
	char *doc = suggest(in, 2, &p);

	(void)state;
	/* One name, one rule, whichever runtime. */
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].container_name, "db");
	assert_null(p.rules[0].image);
	assert_null(p.rules[0].pod);
	assert_int_equal(p.rules[0].ns_mask, IPC);
	assert_allowed(&p, &in[0]);
	assert_allowed(&p, &in[1]);
	assert_denied(&p, &db2);
	assert_denied(&p, &same_image);
	/* A rule on a name alone does cover a pod's container of that name. */
	assert_allowed(&p, &in_a_pod);
	free_both(doc, &p);
}

static void test_by_image(void **state)
{
	const struct nsg_suggest_input in = { PID, ID_A, "runc", NULL, NULL, NULL,
					      "registry.example.com/debug:1" };
	const struct nsg_suggest_input other = { PID, ID_B, "runc", NULL, NULL, NULL,
						 "registry.example.com/debug:2" };
	struct nsg_policy p;
	char *doc = suggest(&in, 1, &p);

	(void)state;
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].image, "registry.example.com/debug:1");
	assert_null(p.rules[0].container_name);
	assert_allowed(&p, &in);
	assert_denied(&p, &other);
	free_both(doc, &p);
}

static void test_neither_name_nor_image(void **state)
{
	const struct nsg_suggest_input in[] = {
		{ IPC | PID, ID_A, "runc", NULL, NULL, NULL, NULL },
		{ IPC, ID_B, "docker", NULL, NULL, "", "" },
	};
	struct nsg_policy p;
	char *doc = suggest(in, 2, &p);

	(void)state;
	assert_int_equal(p.nrules, 0);
	assert_non_null(strstr(doc, "\nallow: []\n"));
	assert_non_null(strstr(doc, "#   " ID_A " (runc); host ipc, pid: neither its name nor"));
	assert_non_null(strstr(doc, "#   " ID_B " (docker); host ipc: neither its name nor"));
	assert_non_null(strstr(doc, "Allowlisted: 0, in 0 rules; not allowlisted: 2."));
	assert_denied(&p, &in[0]);
	free_both(doc, &p);
}

static void test_not_sharing_ipc_or_pid_is_ignored(void **state)
{
	const struct nsg_suggest_input in = { NET, ID_A, "docker", NULL, NULL, "proxy", "envoy" };
	struct nsg_policy p;
	char *doc = suggest(&in, 1, &p);

	(void)state;
	assert_int_equal(p.nrules, 0);
	assert_null(strstr(doc, "proxy"));
	assert_non_null(strstr(doc, "sharing the host's IPC or PID namespace: 0.\n"));
	free_both(doc, &p);
}

static void test_empty_input(void **state)
{
	struct nsg_policy p;
	char *doc = suggest(NULL, 0, &p);

	(void)state;
	assert_int_equal(p.nrules, 0);
	assert_non_null(strstr(doc, "# Nothing to allowlist: no container shares"));
	assert_non_null(strstr(doc, "\nallow: []\n"));
	assert_non_null(strstr(doc, "\nmode: enforce\nnamespaces:\n  ipc: block\n  pid: block\n"));
	assert_null(strstr(doc, "hook:"));
	free_both(doc, &p);
}

/* The report's example, byte for byte. */
static void test_example_document(void **state)
{
	const struct nsg_suggest_input in[] = {
		{ PID, ID_A, "containerd", "monitoring", "node-exporter-x2kqz", "node-exporter",
		  "quay.io/prometheus/node-exporter:v1.8.1" },
		{ IPC, ID_B, "docker", NULL, NULL, "shm-cache", "redis:7" },
		{ IPC | PID, ID_C, "runc", NULL, NULL, NULL, NULL },
	};
	static const char want[] =
		"# nsguard policy suggested by `nsguard scan --suggest-policy`: enforce mode,\n"
		"# with an allowlist for the containers that share the host's IPC or PID\n"
		"# namespace now; any other container that does is stopped.\n"
		"# Review each rule before loading it: a rule allows every container it\n"
		"# matches, and a pod pattern (\"name-*\") the workload's future pods too.\n"
		"# Containers sharing the host's IPC or PID namespace: 3.\n"
		"# Allowlisted: 2, in 2 rules; not allowlisted: 1.\n"
		"mode: enforce\n"
		"namespaces:\n"
		"  ipc: block\n"
		"  pid: block\n"
		"# Not allowlisted (stopped in enforce mode unless you add a rule):\n"
		"#   " ID_C " (runc); host ipc, pid: neither its name nor its image is known, "
		"and a rule on its ID (container_id) would not outlive this instance.\n"
		"allow:\n"
		"  # 4f1c1b2a9d8e (containerd): pod monitoring/node-exporter-x2kqz, container "
		"node-exporter, image quay.io/prometheus/node-exporter:v1.8.1; host pid\n"
		"  - kubernetes_namespace: \"monitoring\"\n"
		"    pod: \"node-exporter-*\"\n"
		"    container_name: \"node-exporter\"\n"
		"    namespaces: [pid]\n"
		"  # 9b8c7d6e5f4a (docker): container shm-cache, image redis:7; host ipc\n"
		"  - container_name: \"shm-cache\"\n"
		"    namespaces: [ipc]\n";
	struct nsg_policy p;
	char *doc = suggest(in, 3, &p);

	(void)state;
	if (strcmp(doc, want) != 0) {
		printf("%s", doc);
		fail_msg("not the expected document");
	}
	free_both(doc, &p);
}

/* ---- Hostile values ---- */

/* s as a literal glob, the way fnmatch (flags 0) reads a backslash. */
static char *glob_literal(const char *s)
{
	char *g = malloc(2 * strlen(s) + 1), *o = g;

	assert_non_null(g);
	for (; *s; s++) {
		if (strchr("*?[\\", *s))
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return g;
}

static char *concat(const char *a, const char *b)
{
	char *s = malloc(strlen(a) + strlen(b) + 1);

	assert_non_null(s);
	strcpy(s, a);
	strcat(s, b);
	return s;
}

/* Values a glob would take for more than themselves, or that differ from v by one byte. */
static void assert_neighbours_denied(const struct nsg_policy *p, struct nsg_suggest_input *in,
				     const char **field)
{
	const char *v = *field;
	char *longer = concat(v, "x"), *shorter = strdup(v), *swapped = strdup(v);

	assert_non_null(shorter);
	assert_non_null(swapped);
	shorter[strlen(shorter) - 1] = '\0';
	for (char *c = swapped; *c; c++)
		if (strchr("*?[\\", *c))
			*c = 'x';
	*field = longer;
	assert_denied(p, in);
	*field = "anything";
	assert_denied(p, in);
	if (shorter[0]) {
		*field = shorter;
		assert_denied(p, in);
	}
	if (strcmp(swapped, v) != 0) {
		*field = swapped;
		assert_denied(p, in);
	}
	*field = v;
	free(longer);
	free(shorter);
	free(swapped);
}

static void check_hostile_name(const char *h)
{
	struct nsg_suggest_input in = { IPC, ID_A, "docker", NULL, NULL, h, "nginx" };
	struct nsg_policy p;
	char *doc = suggest(&in, 1, &p), *g = glob_literal(h);

	if (p.nrules != 1)
		fail_msg("name '%.60s': %zu rules\n%s", h, p.nrules, doc);
	assert_string_equal(p.rules[0].container_name, g);
	assert_null(p.rules[0].image);
	assert_int_equal(p.rules[0].ns_mask, IPC);
	assert_allowed(&p, &in);
	assert_neighbours_denied(&p, &in, &in.container_name);
	free(g);
	free_both(doc, &p);
}

static void check_hostile_image(const char *h)
{
	struct nsg_suggest_input in = { PID, ID_A, "podman", NULL, NULL, NULL, h };
	struct nsg_policy p;
	char *doc = suggest(&in, 1, &p), *g = glob_literal(h);

	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].image, g);
	assert_allowed(&p, &in);
	assert_neighbours_denied(&p, &in, &in.image);
	free(g);
	free_both(doc, &p);
}

/* Namespace, pod and container name all hostile; the pod has a generated suffix. */
static void check_hostile_pod(const char *h)
{
	char *pod = concat(h, "-x2kqz"), *g = glob_literal(h), *want_pod = concat(g, "-*");
	struct nsg_suggest_input in = { IPC | PID, ID_A, "cri-o", h, pod, h, h };
	struct nsg_policy p;
	char *doc = suggest(&in, 1, &p);

	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].kubernetes_namespace, g);
	assert_string_equal(p.rules[0].pod, want_pod);
	assert_string_equal(p.rules[0].container_name, g);
	assert_allowed(&p, &in);
	assert_neighbours_denied(&p, &in, &in.kubernetes_namespace);
	assert_neighbours_denied(&p, &in, &in.container_name);
	in.pod = "x-x2kqz";
	assert_denied(&p, &in);
	free(pod);
	free(g);
	free(want_pod);
	free_both(doc, &p);
}

static const char *const hostile[] = {
	"evil\nmode: audit",
	"evil\n- container_name: \"*\"",
	"evil\"\nallow: []\n#",
	"quote\"in\"side",
	"back\\slash\\",
	"\\\"",
	"star*",
	"*",
	"q?",
	"[abc]",
	"x[",
	"a]b",
	"# not a comment",
	"name # trailing",
	"key: value",
	"---",
	"--- \nmode: audit",
	"...",
	"&anchor",
	"*alias",
	"!!binary",
	"{a: b}",
	"'single'",
	"%TAG ! x",
	"- dash",
	" leading and trailing ",
	"null",
	"~",
	"tab\there",
	"cr\rlf\r\n",
	"esc\x1b[31mred",
	"del\x7f",
	"bell\x07\x01",
	"\xc2\x85" "nel-break",             /* U+0085: a YAML 1.1 line break */
	"\xe2\x80\xa8" "ls \xe2\x80\xa9 ps", /* U+2028, U+2029: line breaks too */
	"\xc2\x9b" "c1",                     /* U+009B: not printable */
	"\xef\xbb\xbf" "bom",
	"\xef\xbf\xbe \xef\xbf\xbf",         /* U+FFFE, U+FFFF: not printable */
	"\xc3\xbcnic\xc3\xb6" "de-\xe5\x90\x8d\xe5\x89\x8d-\xf0\x9f\x98\x80",
};

static void test_hostile_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		check_hostile_name(hostile[i]);
		check_hostile_image(hostile[i]);
		check_hostile_pod(hostile[i]);
	}
}

static void test_hostile_long_values(void **state)
{
	static const char unit[] = "*?[\\\"\n#: ---\xc2\x85\xe5\x90\x8d";
	size_t n = 10240;
	char *big = malloc(n + sizeof(unit));

	(void)state;
	assert_non_null(big);
	memset(big, 'a', n);
	big[n] = '\0';
	check_hostile_name(big);
	check_hostile_pod(big);
	big[0] = '\0';
	while (strlen(big) < n)
		strcat(big, unit);
	check_hostile_name(big);
	check_hostile_image(big);
	check_hostile_pod(big);
	free(big);
}

/* YAML cannot spell a byte that is not UTF-8: left out, never approximated. */
static void test_invalid_utf8_left_out(void **state)
{
	const struct nsg_suggest_input in[] = {
		{ IPC, ID_A, "docker", NULL, NULL, "bad\xff\xfe", "nginx" },
		{ IPC, ID_B, "docker", NULL, NULL, NULL, "overlong\xc0\xaf" },
		{ PID, ID_C, "containerd", "ns\xed\xa0\x80", "web-0", "c", NULL },
		{ PID, ID_D, "docker", NULL, NULL, "good", "bad\xff" }, /* image unused */
	};
	struct nsg_policy p;
	char *doc = suggest(in, 4, &p);

	(void)state;
	assert_int_equal(p.nrules, 1);
	assert_string_equal(p.rules[0].container_name, "good");
	assert_non_null(strstr(doc, "#   " ID_A " (docker): container bad??, image nginx; host ipc: "
				    "its container name is not valid UTF-8"));
	assert_non_null(strstr(doc, ID_B " (docker): image overlong??; host ipc: its image is not"));
	assert_non_null(strstr(doc, ID_C " (containerd): pod ns??" "?/web-0, container c; host pid: "
				    "its Kubernetes namespace is not valid UTF-8"));
	assert_non_null(strstr(doc, "  # c5d4e3f2a4f1 (docker): container good, image bad?; host pid\n"));
	free_both(doc, &p);
}

/* Comments show at most 80 bytes of a value, never a line break. */
static void test_comments_are_one_line(void **state)
{
	char name[200];
	const struct nsg_suggest_input in = { IPC, ID_A, "dock\ner", NULL, NULL, name, "img\r\n" };
	struct nsg_policy p;
	char *doc;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	doc = suggest(&in, 1, &p);
	assert_non_null(strstr(doc, "  # 4f1c1b2a9d8e (dock?er): container nnnnnnnnnnnnnnnnnnnnnnnn"
				    "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn..., "
				    "image img??; host ipc\n"));
	free_both(doc, &p);
}

/* nsg_policy_load refuses a policy over 1 MiB: none is suggested either. */
static void test_too_large(void **state)
{
	enum { COUNT = 120, LEN = 10240 };
	struct nsg_suggest_input *in = calloc(COUNT, sizeof(*in));
	char *names = malloc(COUNT * (LEN + 1)), err[256];
	FILE *f = fopen("/dev/null", "w");

	(void)state;
	assert_non_null(in);
	assert_non_null(names);
	assert_non_null(f);
	for (size_t i = 0; i < COUNT; i++) {
		char *name = names + i * (LEN + 1);

		snprintf(name, LEN + 1, "%zu", i); /* distinct names: one rule each */
		memset(name + strlen(name), 'a', LEN - strlen(name));
		name[LEN] = '\0';
		in[i] = (struct nsg_suggest_input){ IPC, ID_A, "docker", NULL, NULL, name, NULL };
	}
	assert_int_equal(nsg_suggest_policy(f, in, COUNT, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than the 1048576 nsguard loads"));
	assert_int_equal(nsg_suggest_policy(f, in, COUNT / 2, err, sizeof(err)), 0);
	fclose(f);
	free(names);
	free(in);
}

static void test_write_error(void **state)
{
	const struct nsg_suggest_input in = { IPC, ID_A, "docker", NULL, NULL, "db", NULL };
	FILE *ro = fopen("/dev/null", "r");
	char err[256];

	(void)state;
	assert_non_null(ro);
	assert_int_equal(nsg_suggest_policy(ro, &in, 1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "writing the policy"));
	fclose(ro);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pod_patterns),
		cmocka_unit_test(test_pod_patterns_long_names),
		cmocka_unit_test(test_pod_pattern_buffer_too_small),
		cmocka_unit_test(test_replicas_share_one_rule),
		cmocka_unit_test(test_types_are_the_union),
		cmocka_unit_test(test_kubernetes_without_container_name),
		cmocka_unit_test(test_by_name),
		cmocka_unit_test(test_by_image),
		cmocka_unit_test(test_neither_name_nor_image),
		cmocka_unit_test(test_not_sharing_ipc_or_pid_is_ignored),
		cmocka_unit_test(test_empty_input),
		cmocka_unit_test(test_example_document),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_hostile_long_values),
		cmocka_unit_test(test_invalid_utf8_left_out),
		cmocka_unit_test(test_comments_are_one_line),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_write_error),
	};

	return cmocka_run_group_tests_name("suggest_policy", tests, NULL, NULL);
}
