/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The agent's side of self-protection (bpf/self_protect.bpf.c guards):
 * tells the kernel which BPF objects and which process are nsguard's, and
 * checks on every stats interval and SIGHUP that its kernel state is what it
 * wrote, restoring and reporting (`tamper`, source self_check) what is not.
 * The check is the answer to host root and to whatever a kernel without BPF
 * LSM lets through.
 */
#ifndef NSGUARD_SELF_PROTECT_H
#define NSGUARD_SELF_PROTECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>
#include "nsguard.h"

struct nsguard_bpf;
struct nsg_policy;
struct nsg_registry;
struct nsg_cgroup_mode;
struct nsg_self_check_finding;

struct nsg_guarded_obj {
	struct nsg_self_obj_key key;
	struct nsg_self_obj obj;
};

struct nsg_guarded_link {
	int fd;           /* ours to close when adopted from pins; else libbpf's */
	bool owned;
	__u32 prog_id;    /* the program it must still run */
	char name[NSG_OBJ_NAME_LEN];
	char pin[256];    /* with --pin: where it is pinned; "" otherwise */
};

struct nsg_self_guard {
	struct nsg_guarded_obj *objs;
	size_t nobjs;
	struct nsg_guarded_link *links;
	size_t nlinks;
	struct nsg_self_cfg cfg;
	bool agent_known;   /* the agent's process is guarded (host PID namespace) */
	unsigned long long findings; /* differences the self-check found, ever */
};

/*
 * After the hooks attach: writes self_objs and self_cfg. `pin_dir` is the
 * --pin directory or NULL; `adopted`: the objects came from its pins.
 * 0, or -1 with err.
 */
int nsg_self_register(struct nsg_self_guard *g, struct nsguard_bpf *skel, const char *pin_dir,
		      bool adopted, char *err, size_t errlen);

/* What the kernel state should be, and where differences are reported. */
struct nsg_self_check_view {
	struct nsguard_bpf *skel;
	const struct nsg_policy *policy;
	bool enforcing;
	const struct nsg_registry *registry;
	const struct nsg_cgroup_mode *cgroups;
	void (*report)(void *arg, const struct nsg_self_check_finding *f);
	void *report_arg;
};

/*
 * Compares the kernel state with the view (self_check.c); restores what it
 * can and reports every difference. Containers that just ended must have
 * been forgotten first: their exemptions are the removal queue's to drop.
 * Returns the number of differences.
 */
unsigned int nsg_self_check(struct nsg_self_guard *g, const struct nsg_self_check_view *v);
void nsg_self_guard_free(struct nsg_self_guard *g);

#endif
