/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Command line: `nsguard [OPTION...]` (the agent) and `nsguard scan`. */
#ifndef NSGUARD_CLI_H
#define NSGUARD_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "feed/names.h"

enum nsg_command { NSG_CMD_AGENT, NSG_CMD_SCAN, NSG_CMD_CHECK_POLICY, NSG_CMD_CLEANUP };
/* JSONL: `nsguard scan`, one container a line (the agent's feed is JSON lines anyway). */
enum nsg_format { NSG_FMT_JSON, NSG_FMT_TEXT, NSG_FMT_JSONL };

struct nsg_config {
	enum nsg_command command;
	enum nsg_format format;
	enum nsg_mode mode;
	enum nsg_enforcer enforcer;
	unsigned int block_mask;   /* namespace types blocked in enforce mode */
	bool mode_set, enforcer_set, block_set; /* given on the command line: beats the policy */
	bool format_set;           /* --format given (scan: else a table on a terminal) */
	bool suggest_policy;       /* scan --suggest-policy */
	const char *policy_path;   /* NULL: the embedded default policy */
	const char *hook_socket;   /* OCI hook requests; NULL: no hook listener */
	const char *metrics_addr;  /* Prometheus endpoint; NULL: none */
	const char *storage_root;  /* extra containers/storage root (podman --root) */
	const char *output_path;   /* NULL: stdout */
	unsigned long long output_max_bytes; /* rotate the file at this size; 0: never */
	unsigned int output_keep;  /* rotated files kept */
	const char *output_socket; /* unix-socket stream for local consumers */
	int host_ns_pid;           /* 0: the initial namespaces */
	unsigned int stats_interval; /* seconds; 0: only at exit */
	unsigned long ring_size;   /* violations ring, bytes, a power of two */
	unsigned long info_ring_size; /* informational events ring */
	unsigned int coalesce_window_ms; /* identical violations coalesced within; 0: never */
	unsigned int container_rate;  /* events/s each container may queue per class; 0: no limit */
	unsigned int container_burst; /* ... and at once */
	unsigned int max_containers; /* containers tracked at once: exemptions, budgets, registry */
	bool pin;                  /* keep hooks and maps pinned across restarts */
	const char *pin_path;      /* bpffs directory for --pin and --cleanup */
	bool startup_scan;
	bool verbose;
	bool help;
};

#define NSG_DEFAULT_STATS_INTERVAL 60
#define NSG_DEFAULT_RING_SIZE (4UL << 20)
#define NSG_DEFAULT_INFO_RING_SIZE (1UL << 20)
#define NSG_DEFAULT_COALESCE_WINDOW_MS 1000
#define NSG_DEFAULT_CONTAINER_RATE 100
#define NSG_DEFAULT_CONTAINER_BURST 200
#define NSG_DEFAULT_MAX_CONTAINERS 16384
#define NSG_MIN_MAX_CONTAINERS 4
#define NSG_MAX_MAX_CONTAINERS (1U << 20)
#define NSG_DEFAULT_PIN_PATH "/sys/fs/bpf/nsguard"
#define NSG_DEFAULT_HOOK_SOCKET "/run/nsguard/hook.sock"
/* Beside the hook socket: what nsguard-oci-hook could not hand to the agent. */
#define NSG_HOOK_SPOOL_NAME "hook-missed.jsonl"
#define NSG_EXIT_USAGE 2

void nsg_config_defaults(struct nsg_config *cfg);
/*
 * Parses argv into cfg. Returns 0, or NSG_EXIT_USAGE with a one-line
 * reason in err (no trailing newline).
 */
int nsg_parse_args(int argc, char **argv, struct nsg_config *cfg, char *err, size_t errlen);
/* Full --help text on f. */
void nsg_print_help(FILE *f);

#endif
