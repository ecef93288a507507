/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Reading the runtimes' state files as JSON, safely: paths named by a
 * container ID are walked component by component beneath a root without
 * following a symlink, nothing blocks on a FIFO, and files over
 * NSG_META_MAX_FILE are ignored. Every function returns the document or
 * NULL, silently: a state file that cannot be read is a source that does
 * not know the container.
 */
#ifndef NSGUARD_STATE_FILES_H
#define NSGUARD_STATE_FILES_H

#include <stdbool.h>
#include <jansson.h>

/* root/comps[0]/.../comps[n-1] (comps NULL-terminated); root itself may be a symlink. */
json_t *nsg_state_load_beneath(const char *root, const char *const *comps);

/* root/[sub/]id/file: sub is the subdirectory of a wildcard root, or NULL. */
json_t *nsg_state_load(const char *root, const char *sub, const char *id, const char *file);

/*
 * dir/name where dir came from a runtime's state file (a bundle path): the
 * runtime wrote it, so symlinks on the way are followed, but not one in the
 * file's own place. NULL for a dir that is NULL or not absolute.
 */
json_t *nsg_state_load_in_dir(const char *dir, const char *name);

/*
 * The state file names its container (doc[key]; key NULL: it names none)
 * and that is not id: it is another container's, whatever directory it was
 * found in. NULL doc (no state file): true as well.
 */
bool nsg_state_names_other(json_t *doc, const char *key, const char *id);

#endif
