// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Docker Engine's own state: <data-root>/containers/<id>/config.v2.json. */
#include <string.h>
#include "runtime/annotations.h"
#include "runtime/meta_fields.h"
#include "runtime/state_files.h"
#include "runtime/state_sources.h"

/*
 * config.v2.json: "Name" is "/<name>", "Config.Image" the image as asked
 * for, "Config.Labels" carries io.kubernetes.* under dockershim, whose
 * container name label beats the k8s_... Docker name.
 */
bool nsg_state_docker(struct nsg_container_meta *m, const char *root, const char *sub,
		      const char *id)
{
	const char *const comps[] = { "containers", id, "config.v2.json", NULL };
	json_t *c = nsg_state_load_beneath(root, comps), *config;
	const char *name;

	(void)sub;
	if (nsg_state_names_other(c, "ID", id)) {
		json_decref(c);
		return false;
	}
	config = json_object_get(c, "Config");
	META_SET(m, runtime, "docker");
	nsg_meta_found(m, json_object_get(config, "Labels"), "docker", NULL);
	name = nsg_jstr(c, "Name");
	META_SET(m, name, name && name[0] == '/' ? name + 1 : name);
	META_SET(m, image, nsg_jstr(config, "Image"));
	json_decref(c);
	return true;
}
