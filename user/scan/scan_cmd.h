/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* `nsguard scan`: one-shot audit of the containers running on this node. */
#ifndef NSGUARD_SCAN_CMD_H
#define NSGUARD_SCAN_CMD_H

#include "cli/cli.h"

/* Exit status: 0 clean, 1 a container shares the host IPC/PID ns, 2 error. */
int nsg_scan_command(const struct nsg_config *cfg);

#endif
