// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * containers/storage, shared by CRI-O and podman: each container's
 * userdata/config.json (the bundle) and the store's containers.json.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include "container_id.h"
#include "runtime/annotations.h"
#include "runtime/meta_fields.h"
#include "runtime/state_files.h"
#include "runtime/state_sources.h"

/*
 * overlay-containers/containers.json: [{"id","names":[..],"metadata":"<JSON
 * string>"}]. podman's metadata is {"name","image-name",...}; CRI-O's adds
 * "metadata-name" (the CRI container name; "name" is k8s_...), "uid" and
 * "namespace" for sandboxes.
 */
static void meta_from_containers_json(struct nsg_container_meta *m, const char *storage,
				      const char *id)
{
	static const char *const comps[] = { "overlay-containers", "containers.json", NULL };
	json_t *all = nsg_state_load_beneath(storage, comps), *c, *md = NULL;
	const char *s;
	size_t i;

	json_array_foreach(all, i, c) {
		if (!nsg_jstr_is(c, "id", id))
			continue;
		s = nsg_jstr(c, "metadata");
		md = s ? json_loads(s, 0, NULL) : NULL;
		META_SET(m, name, nsg_jstr(md, "metadata-name"));
		META_SET(m, name, nsg_jstr(md, "name"));
		META_SET(m, name, json_string_value(json_array_get(json_object_get(c, "names"), 0)));
		META_SET(m, image, nsg_jstr(md, "image-name"));
		META_SET(m, pod_namespace, nsg_jstr(md, "namespace"));
		META_SET(m, pod_uid, nsg_jstr(md, "uid"));
		json_decref(md);
		break;
	}
	json_decref(all);
}

bool nsg_state_storage(struct nsg_container_meta *m, const char *root, const char *sub,
		       const char *id)
{
	const char *const comps[] = { "overlay-containers", id, "userdata", "config.json", NULL };
	json_t *cfg = nsg_state_load_beneath(root, comps);
	char bundle[PATH_MAX];

	(void)sub;
	if (!cfg)
		return false;
	snprintf(bundle, sizeof(bundle), "%s/overlay-containers/%s/userdata", root, id);
	nsg_meta_found(m, json_object_get(cfg, "annotations"), "podman", bundle);
	json_decref(cfg);
	meta_from_containers_json(m, root, id);
	return true;
}

void nsg_state_storage_bundle(struct nsg_container_meta *m, const char *bundle, const char *id)
{
	char storage[PATH_MAX], tail[NSG_CONTAINER_ID_LEN + 32];
	size_t blen, tlen;

	if (!bundle || bundle[0] != '/')
		return;
	blen = strlen(bundle);
	tlen = (size_t)snprintf(tail, sizeof(tail), "/overlay-containers/%s/userdata", id);
	if (blen <= tlen || blen - tlen >= sizeof(storage) ||
	    strcmp(bundle + blen - tlen, tail) != 0)
		return;
	memcpy(storage, bundle, blen - tlen);
	storage[blen - tlen] = '\0';
	meta_from_containers_json(m, storage, id);
}
