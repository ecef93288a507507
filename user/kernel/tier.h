/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Choosing the enforcement tier from the feature probe: `auto` takes the
 * best available and says why it did not take a better one; an explicitly
 * requested tier that is unavailable is an error, never a silent downgrade.
 */
#ifndef NSGUARD_TIER_H
#define NSGUARD_TIER_H

#include <stddef.h>
#include <linux/types.h>
#include "cli/cli.h"
#include "nsguard.h"
#include "kernel/probe.h"

struct nsg_tier_choice {
	enum nsg_tier tier;
	char reason[256];
};

/* Returns 0, or -1 with a one-line reason in err. */
int nsg_choose_tier(const struct nsg_config *cfg, const struct nsg_probe *p,
		    struct nsg_tier_choice *out, char *err, size_t errlen);
const char *nsg_tier_name(enum nsg_tier tier);

#endif
