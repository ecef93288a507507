// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The enforcement tier from --enforcer and the probe; the rules are in tier.h. */
#include <stdio.h>
#include <string.h>
#include "kernel/tier.h"

const char *nsg_tier_name(enum nsg_tier tier)
{
	switch (tier) {
	case NSG_TIER_LSM: return "lsm";
	case NSG_TIER_SIGNAL: return "signal";
	case NSG_TIER_NONE: break;
	}
	return "none";
}

/* strerror() has no text for the kernel-internal ENOTSUPP. */
static const char *probe_error(int err)
{
	if (err == NSG_ENOTSUPP)
		return "ENOTSUPP: this kernel cannot attach BPF trampolines to kernel functions "
		       "(arm64 before Linux 6.4)";
	return strerror(err);
}

/* Why the lsm tier cannot run here, or NULL when it can. */
static const char *lsm_unavailable(const struct nsg_probe *p, char *buf, size_t len)
{
	if (!p->lsm_bpf_active)
		snprintf(buf, len, "BPF LSM is not active (\"bpf\" missing from lsm=%.100s; boot with lsm=...,bpf)",
			 p->lsm_list[0] ? p->lsm_list : "?");
	else if (!p->lsm_prog_loads)
		snprintf(buf, len, "BPF LSM programs fail to load or attach (%s)",
			 probe_error(p->lsm_load_errno));
	else if (!p->trampolines)
		snprintf(buf, len, "BPF trampolines (fentry) fail to load or attach (%s)",
			 probe_error(p->fentry_load_errno));
	else
		return NULL;
	return buf;
}

int nsg_choose_tier(const struct nsg_config *cfg, const struct nsg_probe *p,
		    struct nsg_tier_choice *out, char *err, size_t errlen)
{
	char why[200];
	const char *no_lsm = lsm_unavailable(p, why, sizeof(why));

	memset(out, 0, sizeof(*out));
	switch (cfg->enforcer) {
	case NSG_ENFORCER_NONE:
		out->tier = NSG_TIER_NONE;
		snprintf(out->reason, sizeof(out->reason), "--enforcer none: report only");
		return 0;
	case NSG_ENFORCER_SIGNAL:
		out->tier = NSG_TIER_SIGNAL;
		snprintf(out->reason, sizeof(out->reason), "--enforcer signal requested");
		return 0;
	case NSG_ENFORCER_LSM:
		if (no_lsm) {
			snprintf(err, errlen, "--enforcer lsm: unavailable on this kernel: %s", no_lsm);
			return -1;
		}
		out->tier = NSG_TIER_LSM;
		snprintf(out->reason, sizeof(out->reason), "--enforcer lsm requested");
		return 0;
	case NSG_ENFORCER_AUTO:
		break;
	}
	if (!no_lsm) {
		out->tier = NSG_TIER_LSM;
		snprintf(out->reason, sizeof(out->reason), "best tier: BPF LSM and trampolines usable");
	} else {
		out->tier = NSG_TIER_SIGNAL;
		snprintf(out->reason, sizeof(out->reason), "lsm tier unavailable: %s", no_lsm);
	}
	return 0;
}
