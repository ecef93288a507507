// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "container/container.h"
#include "runtime/annotations.h"
#include "runtime/oci_state.h"

/* Older OCI tooling names the image only here; CRI runtimes use their own keys. */
static const char *const oci_image_keys[] = { "org.opencontainers.image.ref.name", NULL };

/* Non-empty field or NULL: the policy treats NULL as unknown. */
static char *field_or_null(char *field)
{
	return field[0] ? field : NULL;
}

const char *nsg_annotation(json_t *annotations, const char *const *keys)
{
	for (; *keys; keys++) {
		const char *v = json_string_value(json_object_get(annotations, *keys));

		if (v && *v)
			return v;
	}
	return NULL;
}

/* Older runtimes leave annotations out of the state: read the bundle's. */
static json_t *bundle_annotations(json_t *state, json_t **config)
{
	const char *bundle = json_string_value(json_object_get(state, "bundle"));
	char path[4096];
	json_error_t jerr;
	FILE *f;

	if (!bundle)
		return NULL;
	snprintf(path, sizeof(path), "%s/config.json", bundle);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	*config = json_loadf(f, JSON_DISABLE_EOF_CHECK, &jerr);
	fclose(f);
	return json_object_get(*config, "annotations");
}

int nsg_oci_state_container(json_t *state, const struct nsg_cgroup_mode *mode,
			    struct nsg_known_container *out, struct nsg_container_meta *meta,
			    char *cgroup_buf, size_t cgroup_len, json_t **config, char *err,
			    size_t errlen)
{
	json_t *ann = json_object_get(state, "annotations");
	json_int_t pid = json_integer_value(json_object_get(state, "pid"));
	struct nsg_cgroup_identity ident;
	const char *id = json_string_value(json_object_get(state, "id"));

	memset(out, 0, sizeof(*out));
	memset(meta, 0, sizeof(*meta));
	*config = NULL;
	if (pid <= 0 || nsg_proc_cgroup_path(mode, (int)pid, cgroup_buf, cgroup_len)) {
		snprintf(err, errlen, "state has no live pid");
		return -1;
	}
	out->cgroup = cgroup_buf;
	out->cgroup_id = nsg_cgroup_id_of_path(mode, cgroup_buf);
	if (!out->cgroup_id) {
		snprintf(err, errlen, "cgroup %s not found", cgroup_buf);
		return -1;
	}
	/* The kernel knows the container by its cgroup's ID; prefer that one. */
	if (nsg_cgroup_path_identity(cgroup_buf, &ident))
		memcpy(out->id, ident.id, sizeof(out->id));
	else if (id)
		snprintf(out->id, sizeof(out->id), "%s", id);
	if (!json_is_object(ann) || !json_object_size(ann))
		ann = bundle_annotations(state, config);
	/* The same reading as the runtime-state lookup: policy sees what events show. */
	nsg_meta_from_annotations(ann, meta);
	if (!meta->image[0] && nsg_annotation(ann, oci_image_keys))
		snprintf(meta->image, sizeof(meta->image), "%s", nsg_annotation(ann, oci_image_keys));
	out->kubernetes_namespace = field_or_null(meta->pod_namespace);
	out->pod = field_or_null(meta->pod_name);
	out->container_name = field_or_null(meta->name);
	out->image = field_or_null(meta->image);
	out->runtime = field_or_null(meta->runtime);
	return 0;
}
