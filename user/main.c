// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* nsguard: entry point. Parses the command line and runs one command. */
#include <stdio.h>
#include "agent/agent.h"
#include "cli/cli.h"
#include "policy/policy.h"
#include "kernel/pin.h"
#include "scan/scan_cmd.h"

/* --check-policy FILE: the agent's own parser, nothing loaded. */
static int check_policy(const char *path)
{
	struct nsg_policy p;
	char err[512];

	if (nsg_policy_load(path, &p, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return NSG_EXIT_USAGE;
	}
	printf("%s: valid (%zu allow rules)\n", path, p.nrules);
	nsg_policy_free(&p);
	return 0;
}

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
	if (cfg.command == NSG_CMD_CHECK_POLICY)
		return check_policy(cfg.policy_path);
	if (cfg.command == NSG_CMD_CLEANUP) {
		if (nsg_pin_cleanup(cfg.pin_path, err, sizeof(err)) == 0)
			return 0;
		fprintf(stderr, "nsguard: %s\n", err);
		return 1;
	}
	return nsg_agent_run(&cfg);
}
