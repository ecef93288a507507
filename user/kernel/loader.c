// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The skeleton's life: configured from the options, the tier's programs
 * chosen from one table, maps sized, loaded, attached, then the identity
 * iterator run once.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "kernel/loader.h"
#include "nsguard.skel.h"

/* The budget as the kernel's cell rate: one event per interval, burst - 1 intervals of credit. */
static void configure_flow(struct nsguard_bpf *skel, const struct nsg_load_opts *o)
{
	__u64 interval = o->container_rate ? 1000000000ULL / o->container_rate : 0;
	__u64 burst = o->container_burst ? o->container_burst : 1;

	skel->rodata->coalesce_window_ns = (__u64)o->coalesce_window_ms * 1000000ULL;
	skel->rodata->flow_interval_ns = interval;
	skel->rodata->flow_slack_ns = (burst - 1) * interval;
}

static void configure(struct nsguard_bpf *skel, const struct nsg_load_opts *o)
{
	for (int t = 0; t < NSG_NS_TYPES; t++)
		skel->rodata->host_ns_inum[t] = o->host->inum[t];
	skel->rodata->cgroup_v1_subsys = o->cgroups->v2 ? -1 : o->cgroups->v1_ssid;
	skel->rodata->identity_hierarchy_id = o->cgroups->v2 ? 0 : o->cgroups->hierarchy_id;
	skel->rodata->enforce_tier = o->enforce ? o->tier : NSG_TIER_NONE;
	configure_flow(skel, o);
}

/*
 * When a program loads: on the tiers whose bits it has, and only if its
 * conditions hold (enforcing; the `bpf` LSM hook's variant).
 */
enum load_when {
	LOAD_ON_NONE = 1u << NSG_TIER_NONE,
	LOAD_ON_SIGNAL = 1u << NSG_TIER_SIGNAL,
	LOAD_ON_LSM = 1u << NSG_TIER_LSM,
	LOAD_ENFORCE_ONLY = 1u << 8, /* it blocks: audit mode loads nothing that does */
	/* security_bpf() has a 4th argument (`kernel`) from 6.14 on. */
	LOAD_BPF_HOOK_3_ARGS = 1u << 9,
	LOAD_BPF_HOOK_4_ARGS = 1u << 10,
};

#define LOAD_ON_EVERY_TIER (LOAD_ON_NONE | LOAD_ON_SIGNAL | LOAD_ON_LSM)
#define LOAD_OFF_LSM (LOAD_ON_NONE | LOAD_ON_SIGNAL)

struct tiered_program {
	struct bpf_program *prog;
	unsigned int when; /* enum load_when */
};

static bool loads_now(unsigned int when, const struct nsg_load_opts *o)
{
	unsigned int tier = o->tier <= NSG_TIER_LSM ? 1u << o->tier : 0;

	if (!(when & tier))
		return false;
	if ((when & LOAD_ENFORCE_ONLY) && !o->enforce)
		return false;
	if ((when & LOAD_BPF_HOOK_3_ARGS) && o->lsm_bpf_args == 4)
		return false;
	return !(when & LOAD_BPF_HOOK_4_ARGS) || o->lsm_bpf_args == 4;
}

static const struct tiered_program *find_program(const struct tiered_program *table, size_t n,
						 const struct bpf_program *prog)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].prog == prog)
			return &table[i];
	return NULL;
}

/*
 * Program families, by name: nsg_tp_ (syscall tracepoints) everywhere but
 * the lsm tier, nsg_tr_ (trampolines doing the same) on the lsm tier,
 * nsg_lsm_ (denials) only when enforcing on the lsm tier. Self-protection
 * (self_protect.bpf.c) reports in both modes: nsg_guard_lsm_ on the lsm
 * tier, nsg_guard_tp_ (tracepoints) elsewhere. LSM and trampoline programs fail
 * to load on kernels that lack them.
 * Every program of the skeleton is named here once: one the table lacks
 * fails the load, so that a new program cannot land on a tier by default;
 * one the skeleton lacks does not compile.
 */
static int set_autoload_by_tier(struct nsguard_bpf *skel, const struct nsg_load_opts *o,
				char *err, size_t errlen)
{
	const struct tiered_program table[] = {
		/* BTF tracepoints (exec, clone, identity) and the identity iterator: every tier. */
		{ skel->progs.nsg_exec, LOAD_ON_EVERY_TIER },
		{ skel->progs.nsg_identity_fork, LOAD_ON_EVERY_TIER },
		{ skel->progs.nsg_clone_newtask, LOAD_ON_EVERY_TIER },
		{ skel->progs.nsg_identity_move, LOAD_ON_EVERY_TIER },
		{ skel->progs.nsg_identity_seed, LOAD_ON_EVERY_TIER },
		{ skel->progs.nsg_identity_cgroup_rmdir, LOAD_ON_EVERY_TIER },
		{ skel->progs.nsg_tp_unshare_enter, LOAD_OFF_LSM },
		{ skel->progs.nsg_tp_unshare_exit, LOAD_OFF_LSM },
		{ skel->progs.nsg_tp_setns_enter, LOAD_OFF_LSM },
		{ skel->progs.nsg_tp_setns_exit, LOAD_OFF_LSM },
		{ skel->progs.nsg_tr_unshare_enter, LOAD_ON_LSM },
		{ skel->progs.nsg_tr_unshare_exit, LOAD_ON_LSM },
		{ skel->progs.nsg_tr_setns_enter, LOAD_ON_LSM },
		{ skel->progs.nsg_tr_setns_exit, LOAD_ON_LSM },
		{ skel->progs.nsg_lsm_bprm_check, LOAD_ON_LSM | LOAD_ENFORCE_ONLY },
		{ skel->progs.nsg_lsm_ipc_install, LOAD_ON_LSM | LOAD_ENFORCE_ONLY },
		{ skel->progs.nsg_lsm_ipc_installed, LOAD_ON_LSM | LOAD_ENFORCE_ONLY },
		{ skel->progs.nsg_lsm_pid_install, LOAD_ON_LSM | LOAD_ENFORCE_ONLY },
		{ skel->progs.nsg_lsm_pid_installed, LOAD_ON_LSM | LOAD_ENFORCE_ONLY },
		{ skel->progs.nsg_lsm_capable, LOAD_ON_LSM | LOAD_ENFORCE_ONLY },
		{ skel->progs.nsg_guard_lsm_bpf, LOAD_ON_LSM | LOAD_BPF_HOOK_3_ARGS },
		{ skel->progs.nsg_guard_lsm_bpf_k, LOAD_ON_LSM | LOAD_BPF_HOOK_4_ARGS },
		{ skel->progs.nsg_guard_lsm_bpf_map, LOAD_ON_LSM },
		{ skel->progs.nsg_guard_lsm_bpf_prog, LOAD_ON_LSM },
		{ skel->progs.nsg_guard_lsm_task_kill, LOAD_ON_LSM },
		{ skel->progs.nsg_guard_lsm_ptrace, LOAD_ON_LSM },
		{ skel->progs.nsg_guard_tp_bpf, LOAD_OFF_LSM },
		{ skel->progs.nsg_guard_tp_bpf_fd, LOAD_OFF_LSM },
		{ skel->progs.nsg_guard_tp_signal, LOAD_OFF_LSM },
		{ skel->progs.nsg_guard_tp_ptrace, LOAD_OFF_LSM },
		{ skel->progs.nsg_guard_tp_vm_writev, LOAD_OFF_LSM },
		{ skel->progs.nsg_guard_tp_vm_readv, LOAD_OFF_LSM },
		{ skel->progs.nsg_guard_tp_getfd, LOAD_OFF_LSM },
	};
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, skel->obj) {
		const struct tiered_program *t =
			find_program(table, sizeof(table) / sizeof(table[0]), prog);

		if (!t) {
			snprintf(err, errlen, "BPF program %s is in no tier of the loader's table",
				 bpf_program__name(prog));
			return -1;
		}
		bpf_program__set_autoload(prog, loads_now(t->when, o));
	}
	return 0;
}

static int choose_programs(struct nsguard_bpf *skel, const struct nsg_load_opts *o,
			   char *err, size_t errlen)
{
	if (set_autoload_by_tier(skel, o, err, errlen))
		return -1;
	/* The identity iterator runs once, after the hooks are in (nsg_attach). */
	bpf_program__set_autoattach(skel->progs.nsg_identity_seed, false);
	/* Task storage needs 5.11+: only created where it is used. */
	bpf_map__set_autocreate(skel->maps.setns_marks, o->tier == NSG_TIER_LSM && o->enforce);
	return 0;
}

/* Ring buffers by --ring-size/--info-ring-size; per-container maps by --max-containers. */
static int size_maps(struct nsguard_bpf *skel, const struct nsg_load_opts *o)
{
	/* The classification cache is an LRU: it bounds itself. */
	struct bpf_map *per_container[] = { skel->maps.exempt_cgroups, skel->maps.flows,
					    skel->maps.removed_cgroups };
	int rc = bpf_map__set_max_entries(skel->maps.events, (__u32)o->ring_size);

	if (!rc)
		rc = bpf_map__set_max_entries(skel->maps.info_events, (__u32)o->info_ring_size);
	for (size_t i = 0; !rc && o->max_containers && i < sizeof(per_container) / sizeof(per_container[0]); i++)
		rc = bpf_map__set_max_entries(per_container[i], o->max_containers);
	return rc;
}

struct nsguard_bpf *nsg_load(const struct nsg_load_opts *o, char *err, size_t errlen)
{
	struct nsguard_bpf *skel = nsguard_bpf__open();
	const char *step = "open";
	int rc = 0;

	if (!skel) {
		rc = -errno;
		goto fail;
	}
	configure(skel, o);
	if (choose_programs(skel, o, err, errlen)) {
		nsguard_bpf__destroy(skel);
		return NULL;
	}
	step = "size the maps of";
	rc = size_maps(skel, o);
	if (rc)
		goto fail;
	if (o->pin && nsg_pin_before_load(o->pin, skel, err, errlen)) {
		nsguard_bpf__destroy(skel);
		return NULL;
	}
	step = "load";
	rc = nsguard_bpf__load(skel);
	if (rc)
		goto fail;
	return skel;
fail:
	snprintf(err, errlen, "failed to %s the BPF programs: %s%s", step, strerror(-rc),
		 o->pin && o->pin->adopted ? " (pinned maps do not match: nsguard --cleanup)"
					   : " (run with -v for libbpf's log)");
	if (o->pin)
		nsg_pin_abort(o->pin);
	nsguard_bpf__destroy(skel); /* detaches whatever did attach */
	return NULL;
}

/*
 * Tasks that predate the agent get their identity from their cgroup now,
 * before one of them can leave it: the iterator visits every task once.
 * After the hooks attach, so that no task is born in between unseen.
 */
static int seed_identities(struct nsguard_bpf *skel, char *err, size_t errlen)
{
	struct bpf_link *link = bpf_program__attach_iter(skel->progs.nsg_identity_seed, NULL);
	char buf[64];
	int fd, rc = 0;
	ssize_t n;

	if (!link) {
		snprintf(err, errlen, "cannot attach the identity iterator: %s", strerror(errno));
		return -1;
	}
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		rc = -errno;
	} else {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			;
		if (n < 0)
			rc = -errno;
		close(fd);
	}
	bpf_link__destroy(link);
	/* Its work is done: no program of ours stays loaded that is not a hook. */
	bpf_program__unload(skel->progs.nsg_identity_seed);
	if (rc)
		snprintf(err, errlen, "cannot run the identity iterator: %s", strerror(-rc));
	return rc;
}

int nsg_attach(struct nsguard_bpf *skel, struct nsg_pin *pin, char *err, size_t errlen)
{
	int rc;

	if (pin && pin->adopted)
		return 0;
	rc = nsguard_bpf__attach(skel);
	if (rc)
		snprintf(err, errlen, "failed to attach the BPF programs: %s", strerror(-rc));
	else if (seed_identities(skel, err, errlen) ||
		 (pin && nsg_pin_after_attach(pin, skel, err, errlen)))
		rc = -1;
	if (rc) {
		if (pin)
			nsg_pin_abort(pin);
		nsguard_bpf__detach(skel);
	}
	return rc;
}

int nsg_read_drops(struct nsguard_bpf *skel, unsigned long long *drops)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *percpu;

	if (ncpu <= 0 || !(percpu = calloc((size_t)ncpu, sizeof(*percpu))))
		return -1;
	for (__u32 slot = 0; slot < NSG_DROP_SLOTS; slot++) {
		drops[slot] = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.drops), &slot, percpu))
			continue;
		for (int cpu = 0; cpu < ncpu; cpu++)
			drops[slot] += percpu[cpu];
	}
	free(percpu);
	return 0;
}

double nsg_ring_fill(struct nsguard_bpf *skel, unsigned long ring_size)
{
	return ring_size ? (double)skel->bss->ring_avail_bytes / (double)ring_size : 0.0;
}

int nsg_events_fd(struct nsguard_bpf *skel)
{
	return bpf_map__fd(skel->maps.events);
}

int nsg_info_events_fd(struct nsguard_bpf *skel)
{
	return bpf_map__fd(skel->maps.info_events);
}

void nsg_detach(struct nsguard_bpf *skel, struct nsg_pin *pin)
{
	if (pin)
		nsg_pin_release(pin, skel); /* pinned hooks outlive the agent */
	nsguard_bpf__detach(skel);
}

void nsg_unload(struct nsguard_bpf *skel, struct nsg_pin *pin)
{
	if (pin)
		nsg_pin_release(pin, skel);
	nsguard_bpf__destroy(skel);
}
