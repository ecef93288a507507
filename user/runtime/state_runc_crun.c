// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The low-level runtimes' state dirs, runc's and crun's, whoever drove
 * them (containerd's shim, Docker, CRI-O, podman, a person): what the state
 * lacks comes from the bundle, and which daemon drove them is guessed from
 * the root's and the bundle's paths.
 */
#include <stdlib.h>
#include <string.h>
#include "runtime/annotations.h"
#include "runtime/meta_fields.h"
#include "runtime/state_files.h"
#include "runtime/state_sources.h"

/* --- hints from paths ------------------------------------------------------ */

static bool has_component(const char *path, const char *comp)
{
	size_t n = strlen(comp);
	const char *p = path;

	while ((p = strstr(p, comp))) {
		if ((p == path || p[-1] == '/') && (p[n] == '/' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}

/* /run/docker/runtime-runc/moby is Docker's, /run/containerd/runc/<ns> containerd's. */
static const char *root_hint(const char *root, const char *dflt)
{
	if (has_component(root, "docker"))
		return "docker";
	if (has_component(root, "containerd"))
		return "containerd";
	return dflt;
}

/* What a bundle path says: containerd's task dir ("moby" is Docker's). */
static const char *bundle_hint(const char *bundle, const char *dflt)
{
	if (!bundle)
		return dflt;
	if (strstr(bundle, "/io.containerd.runtime.v2.task/moby/"))
		return "docker";
	if (strstr(bundle, "/io.containerd.runtime.v2.task/"))
		return "containerd";
	return dflt;
}

/* --- runc ------------------------------------------------------------------ */

/* Adds the bundle's config.json annotations that annot does not have yet. */
static void merge_bundle_annotations(json_t *annot, const char *bundle)
{
	json_t *cfg = nsg_state_load_in_dir(bundle, "config.json");

	json_object_update_missing(annot, json_object_get(cfg, "annotations"));
	json_decref(cfg);
}

/*
 * runc's config.labels: "key=value" per annotation, then "bundle=<dir>".
 * The last "bundle=" wins: an annotation may be called "bundle" too.
 */
static const char *labels_to_annotations(json_t *labels, json_t *annot)
{
	const char *bundle = NULL, *s, *eq;
	json_t *l;
	size_t i;
	char *key;

	json_array_foreach(labels, i, l) {
		s = json_string_value(l);
		eq = s ? strchr(s, '=') : NULL;
		if (!eq || eq == s)
			continue;
		if (eq - s == 6 && strncmp(s, "bundle", 6) == 0) {
			bundle = eq + 1;
			continue;
		}
		key = strndup(s, (size_t)(eq - s));
		if (key)
			json_object_set_new(annot, key, json_string(eq + 1));
		free(key);
	}
	return bundle;
}

/* runc's state.json: config.labels, then what only the bundle's config.json has. */
static json_t *runc_annotations(json_t *st, const char *root, const char *sub, const char *id,
				const char **bundle)
{
	json_t *annot = json_object();

	(void)root;
	(void)sub;
	(void)id;
	*bundle = labels_to_annotations(json_object_get(json_object_get(st, "config"), "labels"),
					annot);
	/* Older runc or a label list cut short: the bundle has them all. */
	merge_bundle_annotations(annot, *bundle);
	return annot;
}

/* --- crun ------------------------------------------------------------------ */

/* crun's status names the bundle; crun keeps a copy of its config next to it. */
static json_t *crun_annotations(json_t *st, const char *root, const char *sub, const char *id,
				const char **bundle)
{
	json_t *cfg, *annot;

	*bundle = nsg_jstr(st, "bundle");
	cfg = nsg_state_load(root, sub, id, "config.json");
	if (!cfg)
		cfg = nsg_state_load_in_dir(*bundle, "config.json");
	annot = json_incref(json_object_get(cfg, "annotations"));
	json_decref(cfg);
	return annot;
}

/* --- either ---------------------------------------------------------------- */

struct state_dir {
	const char *runtime; /* the name when no path names the daemon that drove it */
	const char *file;    /* the state file in <root>/<id>/ */
	const char *id_key;  /* where it names its container, or NULL */
	/* The annotations (a reference of the caller's) and the bundle (in st). */
	json_t *(*annotations)(json_t *st, const char *root, const char *sub, const char *id,
			       const char **bundle);
};

static const struct state_dir runc_dir = { "runc", "state.json", "id", runc_annotations };
static const struct state_dir crun_dir = { "crun", "status", NULL, crun_annotations };

static bool from_state_dir(const struct state_dir *d, struct nsg_container_meta *m,
			   const char *root, const char *sub, const char *id)
{
	json_t *st = nsg_state_load(root, sub, id, d->file), *annot;
	const char *bundle;

	if (nsg_state_names_other(st, d->id_key, id)) {
		json_decref(st);
		return false;
	}
	annot = d->annotations(st, root, sub, id, &bundle);
	/* The daemon that drove it is the one its paths name, else the runtime itself. */
	nsg_meta_found(m, annot, bundle_hint(bundle, root_hint(root, d->runtime)), bundle);
	/* A storage bundle has more to say. */
	nsg_state_storage_bundle(m, bundle, id);
	json_decref(annot);
	json_decref(st);
	return true;
}

bool nsg_state_runc(struct nsg_container_meta *m, const char *root, const char *sub,
		    const char *id)
{
	return from_state_dir(&runc_dir, m, root, sub, id);
}

bool nsg_state_crun(struct nsg_container_meta *m, const char *root, const char *sub,
		    const char *id)
{
	return from_state_dir(&crun_dir, m, root, sub, id);
}
