// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Container metadata from the runtimes' state files. Sources, in the order
 * they are asked (the first that knows the ID names the runtime; later ones
 * only fill fields still empty, e.g. the bundle of a Docker container):
 *
 *   docker      <root>/containers/<id>/config.v2.json: Name, Config.Image,
 *               Config.Labels (io.kubernetes.* under dockershim/cri-dockerd)
 *   containerd  <root>/<namespace>/<id>/config.json (the v2 shim bundle)
 *   storage     <root>/overlay-containers/<id>/userdata/config.json (CRI-O,
 *               podman) and <root>/overlay-containers/containers.json
 *               (podman's name and image live only there and in its bolt db)
 *   runc        <root>/<id>/state.json: config.labels holds "key=value" for
 *               every annotation plus "bundle=<dir>"
 *   crun        <root>/<id>/status ("bundle") and <root>/<id>/config.json,
 *               crun's copy of the bundle's config
 *
 * Kubernetes fields come out the same whatever wrote them: containerd's CRI
 * (io.kubernetes.cri.*), CRI-O and dockershim (the kubelet's labels,
 * io.kubernetes.pod.* and io.kubernetes.container.name; io.kubernetes.cri-o.*).
 *
 * State files are trusted as far as their runtime wrote them (bundle paths
 * in them are followed); what a container's creator controls (annotations,
 * labels) only ever fills fields.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "container_id.h"
#include "feed/feed_schema.h"
#include "fnv.h"
#include "feed/jsonw.h"
#include "runtime/metadata.h"

#define ID_LEN NSG_CONTAINER_ID_LEN
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
	for (i = 0; i < ID_LEN; i++)
		if (!nsg_is_lower_hex(id[i]))
			return false;
	return id[ID_LEN] == '\0';
}

/* --- strings --------------------------------------------------------------- */

/*
 * Copies src into dst (size > 0) when dst is still empty. Truncation backs
 * off to a UTF-8 character boundary: src comes from Jansson, so it is valid
 * UTF-8, and a cut sequence would make the field unencodable as JSON.
 */
static void set_if_empty(char *dst, size_t size, const char *src)
{
	size_t n;

	if (dst[0] || !src || !src[0])
		return;
	n = strnlen(src, size);
	if (n == size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}

#define SET(m, field, src) set_if_empty((m)->field, sizeof((m)->field), (src))

static const char *jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

/* --- files ----------------------------------------------------------------- */

/* A single path component we may open: no '/', not "", ".", "..". */
static bool comp_ok(const char *c)
{
	return c[0] && !strchr(c, '/') && strcmp(c, ".") && strcmp(c, "..");
}

/*
 * Opens root/comps[0]/.../comps[n-1] without following a symlink in any
 * component below root, so nothing named by an ID leads outside the root.
 * The root itself may be a symlink (/var/run -> /run). O_NONBLOCK: a FIFO
 * planted at a file's place must not block the agent.
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

/* Reads a regular file of at most NSG_META_MAX_FILE bytes; NULL otherwise. */
static char *read_capped(int fd, size_t *len)
{
	struct stat st;
	size_t cap, n = 0;
	char *buf, *p;
	ssize_t r;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > NSG_META_MAX_FILE)
		return NULL;
	/* The file may grow after fstat: read on, but never past the cap. */
	cap = (size_t)st.st_size + 4096;
	buf = malloc(cap);
	while (buf) {
		if (n == cap) {
			if (cap > NSG_META_MAX_FILE)
				break;
			cap *= 2;
			p = realloc(buf, cap);
			if (!p)
				break;
			buf = p;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r < 0 || n > NSG_META_MAX_FILE)
				break;
			*len = n;
			return buf;
		}
		n += (size_t)r;
	}
	free(buf);
	return NULL;
}

static json_t *load_json_fd(int fd)
{
	size_t len;
	char *buf;
	json_t *j;

	if (fd < 0)
		return NULL;
	buf = read_capped(fd, &len);
	close(fd);
	if (!buf)
		return NULL;
	/*
	 * JSON_ALLOW_NUL: a pod's own annotation holding \u0000 must not hide
	 * the whole file; values are read up to the NUL.
	 */
	j = json_loadb(buf, len, JSON_ALLOW_NUL, NULL);
	free(buf);
	return j;
}

static json_t *load_beneath(const char *root, const char *const *comps)
{
	return load_json_fd(open_beneath(root, comps));
}

/*
 * dir/name where dir came from a runtime's state file (a bundle path): the
 * runtime wrote it, so symlinks on the way are followed, but not one in the
 * file's own place.
 */
static json_t *load_in_dir(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int n;

	if (!dir || dir[0] != '/')
		return NULL;
	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return NULL;
	return load_json_fd(open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
}

/* --- annotations -> fields ------------------------------------------------- */

/*
 * Key families. containerd's CRI writes io.kubernetes.cri.*; CRI-O, dockershim
 * and cri-dockerd carry the kubelet's labels (io.kubernetes.pod.*,
 * io.kubernetes.container.name). Each runtime is read only in its own family:
 * CRI-O copies a pod's annotations into the OCI annotations, so a pod could
 * otherwise claim another namespace with an io.kubernetes.cri.* annotation.
 */
enum { F_NAME, F_POD_NAME, F_POD_NS, F_POD_UID, F_IMAGE, F_N };

static const char *const cri_keys[F_N][3] = {
	[F_NAME] = { "io.kubernetes.cri.container-name" },
	[F_POD_NAME] = { "io.kubernetes.cri.sandbox-name" },
	[F_POD_NS] = { "io.kubernetes.cri.sandbox-namespace" },
	[F_POD_UID] = { "io.kubernetes.cri.sandbox-uid" },
	/* containerd 2.x names a sandbox's image with its own key. */
	[F_IMAGE] = { "io.kubernetes.cri.image-name", "io.kubernetes.cri.podsandbox.image-name" },
};

static const char *const kubelet_keys[F_N][3] = {
	[F_NAME] = { "io.kubernetes.container.name" },
	[F_POD_NAME] = { "io.kubernetes.pod.name" },
	[F_POD_NS] = { "io.kubernetes.pod.namespace" },
	[F_POD_UID] = { "io.kubernetes.pod.uid" },
	/* ImageName is the image as the pod asked for it, Image may be its ID. */
	[F_IMAGE] = { "io.kubernetes.cri-o.ImageName", "io.kubernetes.cri-o.Image" },
};

static const char *first_of(json_t *annot, const char *const keys[3])
{
	const char *v;
	int i;

	for (i = 0; i < 3 && keys[i]; i++) {
		v = jstr(annot, keys[i]);
		if (v && v[0])
			return v;
	}
	return NULL;
}

static bool annot_is(json_t *annot, const char *key, const char *val)
{
	const char *v = jstr(annot, key);

	return v && strcmp(v, val) == 0;
}

/*
 * The manager the annotations name, or NULL. podman 4 also writes
 * io.kubernetes.cri-o.Created/TTY, so io.container.manager decides first and
 * CRI-O is recognised by keys podman never writes.
 */
static const char *runtime_from_annotations(json_t *annot)
{
	const char *mgr = jstr(annot, "io.container.manager");

	if (mgr && strcmp(mgr, "libpod") == 0)
		return "podman";
	if ((mgr && strcmp(mgr, "cri-o") == 0) ||
	    json_object_get(annot, "io.kubernetes.cri-o.ContainerType") ||
	    json_object_get(annot, "io.kubernetes.cri-o.SandboxID"))
		return "cri-o";
	if (json_object_get(annot, "io.kubernetes.cri.container-type") ||
	    json_object_get(annot, "io.kubernetes.cri.sandbox-id"))
		return "containerd";
	return NULL;
}

/*
 * CRI-O's io.kubernetes.cri-o.Metadata is the CRI metadata as a JSON string:
 * {"name"} for a container, {"name","uid","namespace"} for a sandbox. Used
 * only where the kubelet labels are missing (crictl-made pods).
 */
static void meta_from_crio_metadata(struct nsg_container_meta *m, json_t *annot)
{
	const char *s = jstr(annot, "io.kubernetes.cri-o.Metadata");
	json_t *md;

	if (!s || !(md = json_loads(s, 0, NULL)))
		return;
	if (m->sandbox) {
		SET(m, pod_name, jstr(md, "name"));
		SET(m, pod_namespace, jstr(md, "namespace"));
		SET(m, pod_uid, jstr(md, "uid"));
	} else {
		SET(m, name, jstr(md, "name"));
	}
	json_decref(md);
}

static void meta_from_family(struct nsg_container_meta *m, json_t *annot,
			     const char *const keys[F_N][3])
{
	SET(m, name, first_of(annot, keys[F_NAME]));
	SET(m, pod_name, first_of(annot, keys[F_POD_NAME]));
	SET(m, pod_namespace, first_of(annot, keys[F_POD_NS]));
	SET(m, pod_uid, first_of(annot, keys[F_POD_UID]));
	SET(m, image, first_of(annot, keys[F_IMAGE]));
}

/*
 * CRI-O keeps the kubelet's labels verbatim, as a JSON string, in
 * io.kubernetes.cri-o.Labels: read them there before the top-level copies,
 * which share their keys with the pod's own annotations.
 */
static void meta_from_crio_labels(struct nsg_container_meta *m, json_t *annot)
{
	const char *s = jstr(annot, "io.kubernetes.cri-o.Labels");
	json_t *labels;

	if (!s || !(labels = json_loads(s, 0, NULL)))
		return;
	if (json_is_object(labels))
		meta_from_family(m, labels, kubelet_keys);
	json_decref(labels);
}

static void meta_from_annotations(struct nsg_container_meta *m, json_t *annot, const char *rt)
{
	if (!json_is_object(annot))
		return;
	if (annot_is(annot, "io.kubernetes.cri.container-type", "sandbox") ||
	    annot_is(annot, "io.kubernetes.cri-o.ContainerType", "sandbox") ||
	    annot_is(annot, "io.kubernetes.docker.type", "podsandbox"))
		m->sandbox = true;
	if (rt && strcmp(rt, "containerd") == 0) {
		meta_from_family(m, annot, cri_keys);
		return;
	}
	if (rt && strcmp(rt, "cri-o") == 0) {
		meta_from_crio_labels(m, annot);
		meta_from_family(m, annot, kubelet_keys);
		meta_from_crio_metadata(m, annot);
		return;
	}
	/* Docker labels, bare runc/crun, podman: whichever family is there. */
	meta_from_family(m, annot, cri_keys);
	meta_from_family(m, annot, kubelet_keys);
}

void nsg_meta_from_annotations(json_t *annotations, struct nsg_container_meta *m)
{
	const char *rt = json_is_object(annotations) ? runtime_from_annotations(annotations) : NULL;

	SET(m, runtime, rt);
	meta_from_annotations(m, annotations, rt);
}

/* Marks m found; the first source to find the ID names the runtime. */
static void found(struct nsg_container_meta *m, json_t *annot, const char *hint,
		  const char *bundle)
{
	const char *rt = json_is_object(annot) ? runtime_from_annotations(annot) : NULL;

	m->found = true;
	SET(m, runtime, rt ? rt : hint);
	meta_from_annotations(m, annot, rt);
	SET(m, bundle, bundle);
}

/* --- containers/storage (CRI-O, podman) ------------------------------------ */

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
	json_t *all = load_beneath(storage, comps), *c, *md = NULL;
	const char *s;
	size_t i;

	json_array_foreach(all, i, c) {
		if (!annot_is(c, "id", id))
			continue;
		s = jstr(c, "metadata");
		md = s ? json_loads(s, 0, NULL) : NULL;
		SET(m, name, jstr(md, "metadata-name"));
		SET(m, name, jstr(md, "name"));
		SET(m, name, json_string_value(json_array_get(json_object_get(c, "names"), 0)));
		SET(m, image, jstr(md, "image-name"));
		SET(m, pod_namespace, jstr(md, "namespace"));
		SET(m, pod_uid, jstr(md, "uid"));
		json_decref(md);
		break;
	}
	json_decref(all);
}

static bool try_storage(struct nsg_container_meta *m, const char *root, const char *sub,
			const char *id)
{
	const char *const comps[] = { "overlay-containers", id, "userdata", "config.json", NULL };
	json_t *cfg = load_beneath(root, comps);
	char bundle[PATH_MAX];

	(void)sub;
	if (!cfg)
		return false;
	snprintf(bundle, sizeof(bundle), "%s/overlay-containers/%s/userdata", root, id);
	found(m, json_object_get(cfg, "annotations"), "podman", bundle);
	json_decref(cfg);
	meta_from_containers_json(m, root, id);
	return true;
}

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

/*
 * A bundle that is a containers/storage userdata dir (podman, CRI-O, whatever
 * storage root they were given) leads to that store's containers.json,
 * the only file with podman's container name and image.
 */
static void bundle_storage(struct nsg_container_meta *m, const char *bundle, const char *id)
{
	char storage[PATH_MAX], tail[ID_LEN + 32];
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

/* --- runc, crun ------------------------------------------------------------ */

/* Adds the bundle's config.json annotations that annot does not have yet. */
static void merge_bundle_annotations(json_t *annot, const char *bundle)
{
	json_t *cfg = load_in_dir(bundle, "config.json");

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

/* comps[0] is the subdirectory of a wildcard root, or NULL for none. */
static json_t *load_state(const char *root, const char *sub, const char *id, const char *file)
{
	const char *const comps[] = { sub, id, file, NULL };

	return load_beneath(root, sub ? comps : comps + 1);
}

static bool try_runc(struct nsg_container_meta *m, const char *root, const char *sub,
		     const char *id)
{
	json_t *st = load_state(root, sub, id, "state.json"), *annot;
	const char *bundle, *sid, *hint;

	if (!st)
		return false;
	sid = jstr(st, "id");
	if (sid && strcmp(sid, id) != 0) {
		json_decref(st);
		return false;
	}
	annot = json_object();
	bundle = labels_to_annotations(json_object_get(json_object_get(st, "config"), "labels"),
				       annot);
	/* Older runc or a label list cut short: the bundle has them all. */
	merge_bundle_annotations(annot, bundle);
	hint = bundle_hint(bundle, root_hint(root, "runc"));
	found(m, annot, hint, bundle);
	bundle_storage(m, bundle, id);
	json_decref(annot);
	json_decref(st);
	return true;
}

static bool try_crun(struct nsg_container_meta *m, const char *root, const char *sub,
		     const char *id)
{
	json_t *st = load_state(root, sub, id, "status"), *cfg;
	const char *bundle, *hint;

	if (!st)
		return false;
	bundle = jstr(st, "bundle");
	/* crun keeps a copy of the bundle's config next to its status. */
	cfg = load_state(root, sub, id, "config.json");
	if (!cfg)
		cfg = load_in_dir(bundle, "config.json");
	hint = bundle_hint(bundle, root_hint(root, "crun"));
	found(m, json_object_get(cfg, "annotations"), hint, bundle);
	bundle_storage(m, bundle, id);
	json_decref(cfg);
	json_decref(st);
	return true;
}

/* --- containerd, docker ---------------------------------------------------- */

/* The v2 shim's bundle is the task dir; namespace "moby" is Docker's. */
static bool try_task(struct nsg_container_meta *m, const char *root, const char *ns,
		     const char *id)
{
	json_t *cfg = ns ? load_state(root, ns, id, "config.json") : NULL;
	char bundle[PATH_MAX];

	if (!cfg)
		return false;
	snprintf(bundle, sizeof(bundle), "%s/%s/%s", root, ns, id);
	found(m, json_object_get(cfg, "annotations"),
	      strcmp(ns, "moby") == 0 ? "docker" : "containerd", bundle);
	json_decref(cfg);
	return true;
}

/*
 * config.v2.json: "Name" is "/<name>", "Config.Image" the image as asked
 * for, "Config.Labels" carries io.kubernetes.* under dockershim, whose
 * container name label beats the k8s_... Docker name.
 */
static bool try_docker(struct nsg_container_meta *m, const char *root, const char *sub,
		       const char *id)
{
	const char *const comps[] = { "containers", id, "config.v2.json", NULL };
	json_t *c = load_beneath(root, comps), *config;
	const char *sid, *name;

	(void)sub;
	if (!c)
		return false;
	sid = jstr(c, "ID");
	if (sid && strcmp(sid, id) != 0) {
		json_decref(c);
		return false;
	}
	config = json_object_get(c, "Config");
	SET(m, runtime, "docker");
	found(m, json_object_get(config, "Labels"), "docker", NULL);
	name = jstr(c, "Name");
	SET(m, name, name && name[0] == '/' ? name + 1 : name);
	SET(m, image, jstr(config, "Image"));
	json_decref(c);
	return true;
}

/* --- lookup ---------------------------------------------------------------- */

typedef bool (*try_fn)(struct nsg_container_meta *m, const char *root, const char *sub,
		       const char *id);

/* Tries fn on each subdirectory of dir (by name, opened beneath dir). */
static bool each_subdir(const char *dir, try_fn fn, struct nsg_container_meta *m,
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
static void each_root(const char *const *roots, try_fn fn, bool all_subdirs,
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
	each_root(ROOTS(cfg, d, docker_roots), try_docker, false, out, id);
	each_root(ROOTS(cfg, d, containerd_task_roots), try_task, true, out, id);
	each_root(ROOTS(cfg, d, storage_roots), try_storage, false, out, id);
	each_root(ROOTS(cfg, d, runc_roots), try_runc, false, out, id);
	each_root(ROOTS(cfg, d, crun_roots), try_crun, false, out, id);
	return 0;
}

/* --- cache ----------------------------------------------------------------- */

#define NIL UINT32_MAX
#define CACHE_DEFAULT 1024
#define CACHE_MAX (1u << 20)

struct meta_entry {
	char id[ID_LEN + 1];
	bool positive;
	uint64_t checked_ms;       /* when a negative entry was last looked up */
	uint32_t prev, next;       /* LRU list, most recent at head */
	uint32_t chain;            /* hash bucket chain */
	struct nsg_container_meta meta;
	char *container;           /* meta as the feed's `container` object, built once */
	size_t container_len;
	bool forgotten;            /* out of the hash (nsg_meta_cache_forget): reuse without unhashing */
};

struct nsg_meta_cache {
	struct nsg_meta_config cfg;
	struct meta_entry *e;
	uint32_t cap, used;
	uint32_t *bucket;
	uint32_t nbucket;          /* power of two */
	uint32_t head, tail;
	uint64_t (*now_ms)(void *);
	void *now_arg;
	struct nsg_meta_cache_stats stats;
};

static uint64_t mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* FNV-1a: IDs are kernel cgroup names, chosen by whoever made the container. */
static uint32_t id_hash(const char *id)
{
	uint64_t h = NSG_FNV_OFFSET;
	int i;

	for (i = 0; i < ID_LEN; i++)
		h = NSG_FNV_STEP(h, id[i]);
	return (uint32_t)(h ^ (h >> 32));
}

struct nsg_meta_cache *nsg_meta_cache_new(const struct nsg_meta_config *cfg, size_t capacity)
{
	struct nsg_meta_cache *c = calloc(1, sizeof(*c));
	uint32_t i;

	if (!c)
		return NULL;
	if (capacity == 0)
		capacity = CACHE_DEFAULT;
	c->cap = capacity > CACHE_MAX ? CACHE_MAX : (uint32_t)capacity;
	for (c->nbucket = 16; c->nbucket < 2 * c->cap; c->nbucket *= 2)
		;
	c->e = calloc(c->cap, sizeof(*c->e));
	c->bucket = malloc(c->nbucket * sizeof(*c->bucket));
	if (!c->e || !c->bucket) {
		nsg_meta_cache_free(c);
		return NULL;
	}
	for (i = 0; i < c->nbucket; i++)
		c->bucket[i] = NIL;
	if (cfg)
		c->cfg = *cfg;
	else
		nsg_meta_config_defaults(&c->cfg);
	c->head = c->tail = NIL;
	c->now_ms = mono_ms;
	return c;
}

void nsg_meta_cache_free(struct nsg_meta_cache *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->used; i++)
		free(c->e[i].container);
	free(c->e);
	free(c->bucket);
	free(c);
}

void nsg_meta_cache_set_clock(struct nsg_meta_cache *c, uint64_t (*now_ms)(void *), void *arg)
{
	c->now_ms = now_ms ? now_ms : mono_ms;
	c->now_arg = arg;
}

void nsg_meta_cache_stats(const struct nsg_meta_cache *c, struct nsg_meta_cache_stats *out)
{
	*out = c->stats;
}

static void lru_unlink(struct nsg_meta_cache *c, uint32_t i)
{
	struct meta_entry *e = &c->e[i];

	if (e->prev != NIL)
		c->e[e->prev].next = e->next;
	else
		c->head = e->next;
	if (e->next != NIL)
		c->e[e->next].prev = e->prev;
	else
		c->tail = e->prev;
}

static void lru_push_head(struct nsg_meta_cache *c, uint32_t i)
{
	c->e[i].prev = NIL;
	c->e[i].next = c->head;
	if (c->head != NIL)
		c->e[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

static uint32_t *bucket_of(struct nsg_meta_cache *c, const char *id)
{
	return &c->bucket[id_hash(id) & (c->nbucket - 1)];
}

static uint32_t find(struct nsg_meta_cache *c, const char *id)
{
	uint32_t i;

	for (i = *bucket_of(c, id); i != NIL; i = c->e[i].chain)
		if (memcmp(c->e[i].id, id, ID_LEN) == 0)
			return i;
	return NIL;
}

static void hash_remove(struct nsg_meta_cache *c, uint32_t i)
{
	uint32_t *p = bucket_of(c, c->e[i].id);

	while (*p != i)
		p = &c->e[*p].chain;
	*p = c->e[i].chain;
}

/* A free slot, evicting the least recently used entry when full. */
static uint32_t take_slot(struct nsg_meta_cache *c)
{
	uint32_t i;

	if (c->used < c->cap)
		return c->used++;
	i = c->tail;
	lru_unlink(c, i);
	if (!c->e[i].forgotten) {
		hash_remove(c, i);
		c->stats.evictions++;
	}
	c->e[i].forgotten = false;
	return i;
}

static void refresh(struct nsg_meta_cache *c, struct meta_entry *e, uint64_t now)
{
	c->stats.lookups++;
	free(e->container);
	e->container = NULL;
	nsg_metadata_lookup(&c->cfg, e->id, &e->meta);
	e->positive = e->meta.found;
	e->checked_ms = now;
}

/* The entry for id, looked up or refreshed as needed; NULL when id is not one. */
static struct meta_entry *cache_entry(struct nsg_meta_cache *c, const char *id)
{
	uint64_t now = c->now_ms(c->now_arg);
	struct meta_entry *e;
	uint32_t i;

	if (!nsg_meta_id_valid(id))
		return NULL;
	i = find(c, id);
	if (i == NIL) {
		c->stats.misses++;
		i = take_slot(c);
		e = &c->e[i];
		memcpy(e->id, id, ID_LEN + 1);
		e->chain = *bucket_of(c, id);
		*bucket_of(c, id) = i;
		refresh(c, e, now);
	} else {
		e = &c->e[i];
		lru_unlink(c, i);
		if (!e->positive && now - e->checked_ms >= NSG_META_NEG_TTL_MS) {
			c->stats.misses++;
			refresh(c, e, now);
		} else {
			c->stats.hits++;
		}
	}
	lru_push_head(c, i);
	return e;
}

void nsg_meta_cache_forget(struct nsg_meta_cache *c, const char *id)
{
	uint32_t i;

	if (!c || !nsg_meta_id_valid(id) || (i = find(c, id)) == NIL)
		return;
	hash_remove(c, i);
	lru_unlink(c, i);
	free(c->e[i].container);
	memset(&c->e[i], 0, sizeof(c->e[i]));
	/* At the tail: take_slot() reuses it before any live entry. */
	c->e[i].chain = NIL;
	c->e[i].next = NIL;
	c->e[i].prev = c->tail;
	if (c->tail != NIL)
		c->e[c->tail].next = i;
	else
		c->head = i;
	c->tail = i;
	c->e[i].forgotten = true;
}

size_t nsg_meta_cache_count(const struct nsg_meta_cache *c)
{
	size_t n = 0;

	for (uint32_t i = 0; c && i < c->used; i++)
		n += c->e[i].positive;
	return n;
}

const struct nsg_container_meta *nsg_meta_cache_get(struct nsg_meta_cache *c, const char *id)
{
	struct meta_entry *e = cache_entry(c, id);

	return e && e->positive ? &e->meta : NULL;
}

/* A copy of the object, sized to fit: it lives as long as the entry. */
static char *render_container(const struct nsg_container_meta *m, size_t *len)
{
	struct nsg_jsonw w = { 0 };
	char *copy = NULL;

	nsg_feed_container(&w, m);
	if (!w.failed && (copy = malloc(w.len)))
		memcpy(copy, w.buf, w.len);
	*len = w.len;
	nsg_jsonw_free(&w);
	return copy;
}

const char *nsg_meta_cache_get_container(struct nsg_meta_cache *c, const char *id, size_t *len)
{
	struct meta_entry *e = cache_entry(c, id);

	if (!e || !e->positive)
		return NULL;
	if (!e->container)
		e->container = render_container(&e->meta, &e->container_len);
	*len = e->container_len;
	return e->container;
}
