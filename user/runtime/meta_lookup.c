// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Container ID -> metadata (metadata.h): which roots each state source is
 * given, and the order the sources are asked in. The first that knows the
 * ID names the runtime; later ones only fill fields still empty, e.g. the
 * bundle of a Docker container.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include "container_id.h"
#include "runtime/metadata.h"
#include "runtime/state_sources.h"

/* Directory entries looked at under a wildcard root or a task root. */
#define MAX_SUBDIRS 256

static const char *const def_runc[] = {
	"/run/runc",
	"/run/containerd/runc/*",
	"/run/docker/runtime-runc/moby",
	NULL,
};
static const char *const def_crun[] = { "/run/crun", NULL };
static const char *const def_task[] = { "/run/containerd/io.containerd.runtime.v2.task", NULL };
static const char *const def_storage[] = {
	"/var/lib/containers/storage",
	"/run/containers/storage",
	NULL,
};
static const char *const def_docker[] = { "/var/lib/docker", NULL };

void nsg_meta_config_defaults(struct nsg_meta_config *cfg)
{
	cfg->runc_roots = def_runc;
	cfg->crun_roots = def_crun;
	cfg->containerd_task_roots = def_task;
	cfg->storage_roots = def_storage;
	cfg->docker_roots = def_docker;
}

bool nsg_meta_id_valid(const char *id)
{
	int i;

	if (!id)
		return false;
	/* The kernel side's classifier judges each character (container_id.h). */
	for (i = 0; i < NSG_CONTAINER_ID_LEN; i++)
		if (!nsg_is_lower_hex(id[i]))
			return false;
	return id[NSG_CONTAINER_ID_LEN] == '\0';
}

/* Tries fn on each subdirectory of dir (by name, opened beneath dir). */
static bool each_subdir(const char *dir, nsg_state_source fn, struct nsg_container_meta *m,
			const char *id)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	bool hit = false;
	int n = 0;

	while (d && !hit && n++ < MAX_SUBDIRS && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		hit = fn(m, dir, de->d_name, id);
	}
	if (d)
		closedir(d);
	return hit;
}

/*
 * Tries each root in turn until one knows id. A root whose last component is
 * "*" stands for the subdirectories of its parent; with all_subdirs, every
 * root does (containerd task roots hold namespaces).
 */
static void each_root(const char *const *roots, nsg_state_source fn, bool all_subdirs,
		      struct nsg_container_meta *m, const char *id)
{
	char parent[PATH_MAX];
	size_t n;

	for (; roots && *roots; roots++) {
		n = strlen(*roots);
		if (n >= 2 && n < sizeof(parent) && strcmp(*roots + n - 2, "/*") == 0) {
			memcpy(parent, *roots, n - 2);
			parent[n - 2] = '\0';
			if (each_subdir(parent, fn, m, id))
				return;
		} else if (all_subdirs ? each_subdir(*roots, fn, m, id) : fn(m, *roots, NULL, id)) {
			return;
		}
	}
}

#define ROOTS(cfg, d, field) ((cfg)->field ? (cfg)->field : (d).field)

int nsg_metadata_lookup(const struct nsg_meta_config *cfg, const char *id,
			struct nsg_container_meta *out)
{
	struct nsg_meta_config d;

	memset(out, 0, sizeof(*out));
	if (!nsg_meta_id_valid(id))
		return -EINVAL;
	nsg_meta_config_defaults(&d);
	if (!cfg)
		cfg = &d;
	/* Richest first: the first to know id names the runtime. */
	each_root(ROOTS(cfg, d, docker_roots), nsg_state_docker, false, out, id);
	each_root(ROOTS(cfg, d, containerd_task_roots), nsg_state_containerd_task, true, out, id);
	each_root(ROOTS(cfg, d, storage_roots), nsg_state_storage, false, out, id);
	each_root(ROOTS(cfg, d, runc_roots), nsg_state_runc, false, out, id);
	each_root(ROOTS(cfg, d, crun_roots), nsg_state_crun, false, out, id);
	return 0;
}
