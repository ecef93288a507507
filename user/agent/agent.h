/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The long-running agent: load, report, poll until told to stop. */
#ifndef NSGUARD_AGENT_H
#define NSGUARD_AGENT_H

#include "cli/cli.h"

/* Returns the process exit status. */
int nsg_agent_run(const struct nsg_config *cfg);

#endif
