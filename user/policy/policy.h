/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The policy: what to do when a container shares a host namespace, and
 * who is allowed to. A YAML file (parsed with libyaml), validated whole
 * before anything is applied; errors are `file:line:column: message`.
 */
#ifndef NSGUARD_POLICY_H
#define NSGUARD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nsguard.h"

enum nsg_action { NSG_ACT_ALLOW = 0, NSG_ACT_ALERT, NSG_ACT_BLOCK };
enum nsg_hook_failure { NSG_HOOK_FAIL_OPEN = 0, NSG_HOOK_FAIL_CLOSED };

/* One allowlist entry: every field given must match (globs: fnmatch). */
struct nsg_rule {
	char *name;
	char *kubernetes_namespace;
	char *pod;
	char *container_name;
	char *image;
	char *container_id;
	char *cgroup;
	char *executable;       /* exact absolute path: the kernel compares it */
	uint32_t ns_mask;       /* namespace types it allows; all by default */
	int line;
};

struct nsg_policy {
	int mode;               /* enum nsg_mode, or -1 when the file leaves it out */
	int enforcer;           /* enum nsg_enforcer, or -1 */
	enum nsg_action action[NSG_NS_TYPES];
	struct nsg_rule *rules;
	size_t nrules;
	enum nsg_hook_failure hook_failure;
};

/* What is known of a container (and, for exec rules, the executable). */
struct nsg_match_input {
	const char *container_id;
	const char *cgroup;
	const char *kubernetes_namespace;
	const char *pod;
	const char *container_name;
	const char *image;
};

extern const char nsg_default_policy_yaml[];

/* Parses YAML text; `name` prefixes error messages. 0, or -1 with err set. */
int nsg_policy_parse(const char *name, const char *text, size_t len, struct nsg_policy *out,
		     char *err, size_t errlen);
/* Reads and parses FILE; refuses a world-writable one. */
int nsg_policy_load(const char *path, struct nsg_policy *out, char *err, size_t errlen);
int nsg_policy_load_default(struct nsg_policy *out);
/*
 * What the hook and nsguard-runc do when they cannot do their part: the
 * policy file's hook.on_agent_unreachable. No file (NULL): open. A file
 * that cannot be read or parsed cannot have said "open": closed, with the
 * reason in why (else why is "").
 */
enum nsg_hook_failure nsg_policy_hook_failure(const char *path, char *why, size_t whylen);
void nsg_policy_free(struct nsg_policy *p);

/* Namespace types whose action is at least `a` (alert includes block). */
uint32_t nsg_policy_types_at_least(const struct nsg_policy *p, enum nsg_action a);
/* Namespace types the container-level rules allow for this container. */
uint32_t nsg_policy_container_allows(const struct nsg_policy *p, const struct nsg_match_input *in);

#endif
