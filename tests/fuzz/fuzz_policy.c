// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the policy parser (user/policy.c). The input is the YAML
 * text. A parsed policy is checked against what the parser promises (the
 * README's Policy section) and matched against a few containers; a refused
 * one must come with a `name:line:column: message` error and nothing held.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "fuzz_common.h"
#include "policy/policy.h"

#define ID "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"

static const struct nsg_match_input inputs[] = {
	{ 0 },
	{ .container_id = ID,
	  .cgroup = "/system.slice/docker-" ID ".scope",
	  .kubernetes_namespace = "monitoring",
	  .pod = "node-exporter-7d9f",
	  .container_name = "istio-proxy",
	  .image = "registry.example.com/debug/busybox:latest" },
	{ .container_id = "", .cgroup = "", .kubernetes_namespace = "", .pod = "",
	  .container_name = "", .image = "" },
	{ .container_id = ID, .cgroup = "/kubepods/besteffort/pod1234/" ID,
	  .kubernetes_namespace = "kube-system", .pod = "[*?]\\", .container_name = "\xff\xfe",
	  .image = "*" },
};

static bool has_container_field(const struct nsg_rule *r)
{
	return r->kubernetes_namespace || r->pod || r->container_name || r->image ||
	       r->container_id || r->cgroup;
}

static void check_policy(const struct nsg_policy *p)
{
	uint32_t alert = nsg_policy_types_at_least(p, NSG_ACT_ALERT);
	uint32_t block = nsg_policy_types_at_least(p, NSG_ACT_BLOCK);
	uint32_t all = nsg_policy_types_at_least(p, NSG_ACT_ALLOW);

	FUZZ_CHECK(p->mode >= -1 && p->mode <= 1, "mode %d", p->mode);
	FUZZ_CHECK(p->enforcer >= -1 && p->enforcer <= 3, "enforcer %d", p->enforcer);
	FUZZ_CHECK(p->hook_failure == NSG_HOOK_FAIL_OPEN || p->hook_failure == NSG_HOOK_FAIL_CLOSED,
		   "hook_failure %d", (int)p->hook_failure);
	for (int t = 0; t < NSG_NS_TYPES; t++)
		FUZZ_CHECK(p->action[t] <= NSG_ACT_BLOCK, "action[%d] = %d", t, (int)p->action[t]);
	FUZZ_CHECK(all == NSG_NS_ALL, "allow mask %#x", all);
	FUZZ_CHECK((block & ~alert) == 0, "block %#x alert %#x", block, alert);
	FUZZ_CHECK((block & ~NSG_VIOLATION_MASK) == 0, "blocks %#x: only ipc/pid can be", block);
	FUZZ_CHECK(!p->nrules || p->rules, "%zu rules, no array", p->nrules);

	for (size_t i = 0; i < p->nrules; i++) {
		const struct nsg_rule *r = &p->rules[i];

		FUZZ_CHECK(r->ns_mask && !(r->ns_mask & ~NSG_NS_ALL), "rule %zu ns_mask %#x", i,
			   r->ns_mask);
		FUZZ_CHECK(r->line >= 1, "rule %zu line %d", i, r->line);
		FUZZ_CHECK(has_container_field(r) != !!r->executable,
			   "rule %zu: executable must stand alone and something must match", i);
		if (r->executable) {
			FUZZ_CHECK(r->executable[0] == '/' && !strpbrk(r->executable, "*?[") &&
					   strlen(r->executable) < NSG_EXE_LEN,
				   "rule %zu: executable '%s' is not an exact path", i, r->executable);
		}
	}
}

static void match_all(const struct nsg_policy *p)
{
	uint32_t mask;

	/* Nothing known: no container rule can match (a pattern needs a value). */
	FUZZ_CHECK(nsg_policy_container_allows(p, &inputs[0]) == 0, "empty input matched");
	for (size_t i = 1; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		mask = nsg_policy_container_allows(p, &inputs[i]);
		FUZZ_CHECK(!(mask & ~NSG_NS_ALL), "mask %#x", mask);
	}
	/* Each rule's own patterns as values: fnmatch over the patterns themselves. */
	for (size_t i = 0; i < p->nrules; i++) {
		const struct nsg_rule *r = &p->rules[i];
		struct nsg_match_input in = {
			.container_id = r->container_id, .cgroup = r->cgroup,
			.kubernetes_namespace = r->kubernetes_namespace, .pod = r->pod,
			.container_name = r->container_name, .image = r->image,
		};

		mask = nsg_policy_container_allows(p, &in);
		FUZZ_CHECK(!(mask & ~NSG_NS_ALL), "mask %#x", mask);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nsg_policy p;
	char err[256];
	int rc;

	err[0] = '\0';
	rc = nsg_policy_parse("fuzz", (const char *)data, size, &p, err, sizeof(err));
	if (rc == 0) {
		/* The project's own code first: a sanitizer report then names it. */
		match_all(&p);
		check_policy(&p);
	} else {
		FUZZ_CHECK(rc == -1, "rc %d", rc);
		FUZZ_CHECK(strncmp(err, "fuzz:", 5) == 0, "error without location: '%s'", err);
		FUZZ_CHECK(p.nrules == 0 && p.rules == NULL, "a refused policy still holds rules");
	}
	nsg_policy_free(&p);
	nsg_policy_free(&p); /* leaves an empty policy: a second call is a no-op */
	return 0;
}
