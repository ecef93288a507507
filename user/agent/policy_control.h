/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The agent's policy: loaded, merged with the command line, pushed, reloaded (policy_control.c). */
#ifndef NSGUARD_POLICY_CONTROL_H
#define NSGUARD_POLICY_CONTROL_H

#include <stddef.h>
#include "cli/cli.h"

struct agent;
struct agent_settings;

/* Loads the policy and merges it under the command line into s->effective. */
int nsg_agent_load_policy(struct agent_settings *s, const struct nsg_config *cli, char *err,
			  size_t errlen);
/* Pushes the policy and the running containers' exemptions into the kernel. */
int nsg_agent_apply_policy(struct agent *a, char *err, size_t errlen);
/* SIGHUP: all or nothing; a bad policy keeps the old one and says why. */
void nsg_agent_reload_policy(struct agent *a);

#endif
