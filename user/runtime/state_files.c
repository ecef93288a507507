// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Opening the runtimes' state files without leaving their roots (state_files.h). */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "runtime/metadata.h"
#include "runtime/state_files.h"
#include "util/json_file.h"

/* A single path component we may open: no '/', not "", ".", "..". */
static bool comp_ok(const char *c)
{
	return c[0] && !strchr(c, '/') && strcmp(c, ".") && strcmp(c, "..");
}

/*
 * Opens root/comps[0]/.../comps[n-1] without following a symlink in any
 * component below root, so nothing named by an ID leads outside the root.
 * The root itself may be a symlink (/var/run -> /run). O_NONBLOCK: a FIFO planted at a file's place must not block the agent.
 */
static int open_beneath(const char *root, const char *const *comps)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;

	for (; fd >= 0 && *comps; comps++, fd = next) {
		int flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;

		flags |= comps[1] ? O_DIRECTORY : O_NONBLOCK;
		next = comp_ok(*comps) ? openat(fd, *comps, flags) : -1;
		close(fd);
	}
	return fd;
}

/*
 * JSON_ALLOW_NUL: a pod's own annotation holding \u0000 must not hide the
 * whole file; values are read up to the NUL.
 */
static json_t *load_fd(int fd)
{
	struct nsg_json_file f = { .max = NSG_META_MAX_FILE, .json_flags = JSON_ALLOW_NUL };

	return fd < 0 ? NULL : nsg_json_file_load_fd(fd, &f, NULL, 0);
}

json_t *nsg_state_load_beneath(const char *root, const char *const *comps)
{
	return load_fd(open_beneath(root, comps));
}

json_t *nsg_state_load(const char *root, const char *sub, const char *id, const char *file)
{
	const char *const comps[] = { sub, id, file, NULL };

	return nsg_state_load_beneath(root, sub ? comps : comps + 1);
}

json_t *nsg_state_load_in_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int n;

	if (!dir || dir[0] != '/')
		return NULL;
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	return load_fd(open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
}

bool nsg_state_names_other(json_t *doc, const char *key, const char *id)
{
	const char *own = key ? json_string_value(json_object_get(doc, key)) : NULL;

	return !doc || (own && strcmp(own, id) != 0);
}
