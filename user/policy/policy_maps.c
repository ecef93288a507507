// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "policy/policy_maps.h"
#include "nsguard.skel.h"

static bool has_exe_rules(const struct nsg_policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].executable)
			return true;
	return false;
}

/* Union of the namespace types the rules for `path` allow. */
static uint32_t exe_mask(const struct nsg_policy *p, const char *path)
{
	uint32_t mask = 0;

	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i].executable && strcmp(p->rules[i].executable, path) == 0)
			mask |= p->rules[i].ns_mask;
	return mask;
}

void nsg_policy_exe_key(const char *path, char key[NSG_EXE_LEN])
{
	memset(key, 0, NSG_EXE_LEN);
	strncpy(key, path, NSG_EXE_LEN - 1);
}

/* Removes executables the new policy no longer lists. */
static void prune_exes(int fd, const struct nsg_policy *p)
{
	char key[NSG_EXE_LEN], next[NSG_EXE_LEN];
	void *prev = NULL;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		if (!exe_mask(p, key)) {
			bpf_map_delete_elem(fd, key);
			prev = NULL; /* restart: deletion invalidates the cursor */
			continue;
		}
		prev = key;
	}
}

static int push_exes(int fd, const struct nsg_policy *p, char *err, size_t errlen)
{
	char key[NSG_EXE_LEN];

	for (size_t i = 0; i < p->nrules; i++) {
		uint32_t mask;

		if (!p->rules[i].executable)
			continue;
		mask = exe_mask(p, p->rules[i].executable);
		nsg_policy_exe_key(p->rules[i].executable, key);
		if (bpf_map_update_elem(fd, key, &mask, BPF_ANY)) {
			snprintf(err, errlen, "allowlist of executables: %s", strerror(errno));
			return -1;
		}
	}
	prune_exes(fd, p);
	return 0;
}

uint64_t nsg_policy_word(const struct nsg_policy *p, bool enforce)
{
	uint32_t report = nsg_policy_types_at_least(p, NSG_ACT_ALERT);
	uint32_t block = enforce ? nsg_policy_types_at_least(p, NSG_ACT_BLOCK) : 0;

	if (has_exe_rules(p))
		report |= NSG_POLICY_EXE_RULES;
	return NSG_POLICY_PACK(report, block);
}

uint32_t nsg_policy_exe_mask(const struct nsg_policy *p, const char *path)
{
	return exe_mask(p, path);
}

int nsg_policy_push(struct nsguard_bpf *skel, const struct nsg_policy *p, bool enforce,
		    char *err, size_t errlen)
{
	uint64_t word = nsg_policy_word(p, enforce);
	uint32_t zero = 0;

	if (push_exes(bpf_map__fd(skel->maps.exempt_exes), p, err, errlen))
		return -1;
	/* One 8-byte value: the kernel never sees half a policy. */
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.policy_cfg), &zero, &word, BPF_ANY)) {
		snprintf(err, errlen, "policy map: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int nsg_exempt_cgroup(struct nsguard_bpf *skel, uint64_t cgid, uint32_t mask)
{
	int fd = bpf_map__fd(skel->maps.exempt_cgroups);

	if (!mask)
		return bpf_map_delete_elem(fd, &cgid) && errno != ENOENT ? -1 : 0;
	return bpf_map_update_elem(fd, &cgid, &mask, BPF_ANY);
}
