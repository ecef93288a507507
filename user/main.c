// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nsguard: entry point. Parses the command line and runs one command. */
#include <stdio.h>
#include "agent.h"
#include "cli.h"
#include "scan_cmd.h"

int main(int argc, char **argv)
{
	struct nsg_config cfg;
	char err[256];

	if (nsg_parse_args(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "nsguard: %s (see nsguard --help)\n", err);
		return NSG_EXIT_USAGE;
	}
	if (cfg.help) {
		nsg_print_help(stdout);
		return 0;
	}
	if (cfg.command == NSG_CMD_SCAN)
		return nsg_scan_command(&cfg);
	return nsg_agent_run(&cfg);
}
