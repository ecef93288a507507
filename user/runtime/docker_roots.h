/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Where the running Docker Engine keeps its state. A container's name and
 * image are in <data-root>/containers/<id>/config.v2.json, and the data
 * root is often moved (`dockerd --data-root`, "data-root" in daemon.json).
 * The agent asks the running dockerd: its command line, else the config
 * file it was started with, else Docker's default /var/lib/docker.
 *
 * Only a dockerd running as root in the node's mount namespace (the agent's
 * own, or PID 1's for an agent in a hostPID pod) is believed. A process in
 * a container can call itself dockerd and name a data root of its own
 * making, to lend its container ID an allowlisted name; root in the node's
 * mount namespace could rewrite Docker's real state anyway.
 */
#ifndef NSGUARD_DOCKER_ROOTS_H
#define NSGUARD_DOCKER_ROOTS_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NSG_DOCKER_DEFAULT_ROOT "/var/lib/docker"
#define NSG_DOCKER_DEFAULT_CONFIG "/etc/docker/daemon.json"
/* dockerds followed at once (one per node in practice; rootful only). */
#define NSG_DOCKERD_MAX 4

struct nsg_docker_roots {
	int n;                                /* dockerds found */
	pid_t pid[NSG_DOCKERD_MAX];
	unsigned long long start[NSG_DOCKERD_MAX]; /* start time: the pid not reused */
	char path[NSG_DOCKERD_MAX][PATH_MAX];
	/* For nsg_meta_config.docker_roots: the paths, or the default alone. */
	const char *list[NSG_DOCKERD_MAX + 1];
	uint64_t last_scan_ms;
};

void nsg_docker_roots_init(struct nsg_docker_roots *r);

/*
 * Keeps r->list current: a dockerd found before is checked (cheap); /proc is
 * walked again when one has gone, or when none is known and `force` is set
 * or NSG_DOCKER_RESCAN_MS have passed. Returns true when the list changed.
 */
#define NSG_DOCKER_RESCAN_MS 5000
bool nsg_docker_roots_refresh(struct nsg_docker_roots *r, uint64_t now_ms, bool force);

/*
 * The data root a dockerd with this command line (NUL-separated, as in
 * /proc/PID/cmdline) uses: --data-root (or the old -g/--graph), else
 * "data-root" ("graph") in its --config-file (default
 * NSG_DOCKER_DEFAULT_CONFIG), read below `fsroot` ("" for /), else the
 * default. 0, or -1 with a one-line reason in err (a config file that does
 * not parse, a relative path).
 */
int nsg_dockerd_data_root(const char *cmdline, size_t len, const char *fsroot, char *out,
			  size_t outlen, char *err, size_t errlen);

#endif
