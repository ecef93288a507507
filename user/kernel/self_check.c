// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Self-protection, the check: the kernel state nsguard wrote (policy,
 * exemptions, its own guard maps, its links and pins) compared with what it
 * should be; each difference restored where it can be and handed to the
 * caller's report.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "container/cgroupmode.h"
#include "container/registry.h"
#include "feed/feed_schema.h"
#include "feed/names.h"
#include "policy/policy_maps.h"
#include "kernel/self_protect.h"
#include "nsguard.skel.h"

static void tell(const struct nsg_self_check_view *v, struct nsg_self_check_finding *f)
{
	v->report(v->report_arg, f);
}

static void finding(struct nsg_self_check_finding *f, const char *kind, const char *name,
		    const char *change)
{
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->name = name;
	f->change = change;
	strcpy(f->found, "-");
	strcpy(f->expected, "-");
}

static unsigned int check_policy(const struct nsg_self_check_view *a)
{
	int fd = bpf_map__fd(a->skel->maps.policy_cfg);
	uint64_t want = nsg_policy_word(a->policy, a->enforcing), have = 0;
	struct nsg_self_check_finding f;
	__u32 zero = 0;

	if (bpf_map_lookup_elem(fd, &zero, &have) == 0 && have == want)
		return 0;
	finding(&f, "map", "policy_cfg", "changed");
	snprintf(f.found, sizeof(f.found), "0x%016" PRIx64, have);
	snprintf(f.expected, sizeof(f.expected), "0x%016" PRIx64, want);
	f.restored = bpf_map_update_elem(fd, &zero, &want, BPF_ANY) == 0;
	tell(a, &f);
	return 1;
}

/* A cgroup the kernel removed is the removal queue's to tell, not tampering. */
static bool cgroup_exists(const struct nsg_self_check_view *a, uint64_t id)
{
	char path[512];

	return nsg_cgroup_path_of_id(a->cgroups, id, path, sizeof(path)) == 0;
}

static unsigned int check_exempt_cgroups(const struct nsg_self_check_view *a)
{
	int fd = bpf_map__fd(a->skel->maps.exempt_cgroups);
	struct nsg_self_check_finding f;
	__u64 key, next, *prev = NULL;
	unsigned int n = 0;
	__u32 have = 0, want;

	/* Entries the agent did not write, or wrote otherwise. */
	while (bpf_map_get_next_key(fd, prev, &next) == 0) {
		key = next;
		prev = &key;
		want = nsg_registry_allowed(a->registry, key);
		if (bpf_map_lookup_elem(fd, &key, &have) || have == want)
			continue;
		finding(&f, "map", "exempt_cgroups", want ? "changed" : "added");
		snprintf(f.found, sizeof(f.found), "0x%x", have);
		if (want)
			snprintf(f.expected, sizeof(f.expected), "0x%x", want);
		f.has_key = true;
		snprintf(f.key, sizeof(f.key), "%llu", (unsigned long long)key);
		f.restored = (want ? bpf_map_update_elem(fd, &key, &want, BPF_ANY)
				   : bpf_map_delete_elem(fd, &key)) == 0;
		tell(a, &f);
		n++;
	}
	/* Entries the agent wrote that are gone while their cgroup is not. */
	for (size_t i = 0; i < a->registry->count; i++) {
		const struct nsg_known_container *k = &a->registry->items[i];

		if (!k->allowed || bpf_map_lookup_elem(fd, &k->cgroup_id, &have) == 0 ||
		    !cgroup_exists(a, k->cgroup_id))
			continue;
		finding(&f, "map", "exempt_cgroups", "removed");
		snprintf(f.expected, sizeof(f.expected), "0x%x", k->allowed);
		f.has_key = true;
		snprintf(f.key, sizeof(f.key), "%llu", (unsigned long long)k->cgroup_id);
		f.restored = bpf_map_update_elem(fd, &k->cgroup_id, &k->allowed, BPF_ANY) == 0;
		/* A full table refused it from the start: exemption_failed said so. */
		if (!f.restored && errno == E2BIG)
			continue;
		tell(a, &f);
		n++;
	}
	return n;
}

static void exe_finding(const struct nsg_self_check_view *a, const char *path, const char *change, __u32 have,
			__u32 want)
{
	struct nsg_self_check_finding f;

	finding(&f, "map", "exempt_exes", change);
	f.has_key = true;
	snprintf(f.key, sizeof(f.key), "%.63s", path);
	if (have)
		snprintf(f.found, sizeof(f.found), "0x%x", have);
	if (want)
		snprintf(f.expected, sizeof(f.expected), "0x%x", want);
	f.restored = true; /* the policy is pushed again below */
	tell(a, &f);
}

static unsigned int check_exempt_exes(const struct nsg_self_check_view *a)
{
	int fd = bpf_map__fd(a->skel->maps.exempt_exes);
	char key[NSG_EXE_LEN], next[NSG_EXE_LEN], err[256];
	unsigned int n = 0;
	void *prev = NULL;
	__u32 have = 0, want;

	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		memcpy(key, next, sizeof(key));
		prev = key;
		key[NSG_EXE_LEN - 1] = '\0';
		want = nsg_policy_exe_mask(a->policy, key);
		if (bpf_map_lookup_elem(fd, key, &have) == 0 && have != want) {
			exe_finding(a, key, want ? "changed" : "added", have, want);
			n++;
		}
	}
	for (size_t i = 0; i < a->policy->nrules; i++) {
		const char *path = a->policy->rules[i].executable;

		if (!path)
			continue;
		nsg_policy_exe_key(path, key);
		if (bpf_map_lookup_elem(fd, key, &have)) {
			exe_finding(a, path, "removed", 0, nsg_policy_exe_mask(a->policy, path));
			n++;
		}
	}
	if (n && nsg_policy_push(a->skel, a->policy, a->enforcing, err, sizeof(err)))
		fprintf(stderr, "nsguard: self-check: cannot restore the policy: %s\n", err);
	return n;
}

/* What tells the kernel which objects and process are nsguard's. */
static unsigned int check_guard_maps(const struct nsg_self_check_view *a,
				     const struct nsg_self_guard *g)
{
	int objs = bpf_map__fd(a->skel->maps.self_objs), cfg = bpf_map__fd(a->skel->maps.self_cfg);
	struct nsg_self_check_finding f;
	struct nsg_self_cfg have_cfg = { 0 };
	struct nsg_self_obj have = { 0 };
	unsigned int n = 0;
	__u32 zero = 0;

	for (size_t i = 0; i < g->nobjs; i++) {
		if (bpf_map_lookup_elem(objs, &g->objs[i].key, &have) == 0 &&
		    memcmp(&have, &g->objs[i].obj, sizeof(have)) == 0)
			continue;
		finding(&f, "map", "self_objs", "removed");
		f.has_key = true;
		snprintf(f.key, sizeof(f.key), "%s %u", nsg_obj_kind_name(g->objs[i].key.kind),
			 g->objs[i].key.id);
		snprintf(f.expected, sizeof(f.expected), "%.15s", g->objs[i].obj.name);
		f.restored = bpf_map_update_elem(objs, &g->objs[i].key, &g->objs[i].obj, BPF_ANY) == 0;
		tell(a, &f);
		n++;
	}
	if (bpf_map_lookup_elem(cfg, &zero, &have_cfg) || memcmp(&have_cfg, &g->cfg, sizeof(have_cfg))) {
		finding(&f, "map", "self_cfg", "changed");
		snprintf(f.found, sizeof(f.found), "pid %u", have_cfg.agent_tgid);
		snprintf(f.expected, sizeof(f.expected), "pid %u", g->cfg.agent_tgid);
		f.restored = bpf_map_update_elem(cfg, &zero, &g->cfg, BPF_ANY) == 0;
		tell(a, &f);
		n++;
	}
	return n;
}

/* Each hook's link still runs its program, and its pin (--pin) is still there. */
static unsigned int check_links(const struct nsg_self_check_view *a,
				const struct nsg_self_guard *g)
{
	struct nsg_self_check_finding f;
	unsigned int n = 0;

	for (size_t i = 0; i < g->nlinks; i++) {
		struct nsg_guarded_link *l = &g->links[i];
		struct bpf_link_info info = { 0 };
		__u32 len = sizeof(info);
		struct stat st;

		if (bpf_obj_get_info_by_fd(l->fd, &info, &len) || info.prog_id != l->prog_id) {
			finding(&f, "link", l->name, "detached");
			snprintf(f.expected, sizeof(f.expected), "prog %u", l->prog_id);
			snprintf(f.found, sizeof(f.found), "prog %u", info.prog_id);
			tell(a, &f); /* a detached link cannot be re-attached in place */
			n++;
			continue;
		}
		if (!l->pin[0] || stat(l->pin, &st) == 0)
			continue;
		finding(&f, "link", l->name, "unpinned");
		snprintf(f.expected, sizeof(f.expected), "%.63s", l->pin);
		f.restored = bpf_obj_pin(l->fd, l->pin) == 0;
		tell(a, &f);
		n++;
	}
	return n;
}

unsigned int nsg_self_check(struct nsg_self_guard *g, const struct nsg_self_check_view *v)
{
	unsigned int n = check_guard_maps(v, g) + check_policy(v) + check_exempt_cgroups(v) +
			 check_exempt_exes(v) + check_links(v, g);

	g->findings += n;
	return n;
}
