// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * OCI annotations -> container metadata (annotations.h). What a container's
 * creator controls (annotations, labels) only ever fills fields; which key
 * family is read is decided by the runtime that wrote them.
 */
#include <string.h>
#include "runtime/annotations.h"
#include "runtime/meta_fields.h"

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
		v = nsg_jstr(annot, keys[i]);
		if (v && v[0])
			return v;
	}
	return NULL;
}

/*
 * The manager the annotations name, or NULL. podman 4 also writes
 * io.kubernetes.cri-o.Created/TTY, so io.container.manager decides first and
 * CRI-O is recognised by keys podman never writes.
 */
static const char *runtime_from_annotations(json_t *annot)
{
	const char *mgr = nsg_jstr(annot, "io.container.manager");

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
	const char *s = nsg_jstr(annot, "io.kubernetes.cri-o.Metadata");
	json_t *md;

	if (!s || !(md = json_loads(s, 0, NULL)))
		return;
	if (m->sandbox) {
		META_SET(m, pod_name, nsg_jstr(md, "name"));
		META_SET(m, pod_namespace, nsg_jstr(md, "namespace"));
		META_SET(m, pod_uid, nsg_jstr(md, "uid"));
	} else {
		META_SET(m, name, nsg_jstr(md, "name"));
	}
	json_decref(md);
}

static void meta_from_family(struct nsg_container_meta *m, json_t *annot,
			     const char *const keys[F_N][3])
{
	META_SET(m, name, first_of(annot, keys[F_NAME]));
	META_SET(m, pod_name, first_of(annot, keys[F_POD_NAME]));
	META_SET(m, pod_namespace, first_of(annot, keys[F_POD_NS]));
	META_SET(m, pod_uid, first_of(annot, keys[F_POD_UID]));
	META_SET(m, image, first_of(annot, keys[F_IMAGE]));
}

/*
 * CRI-O keeps the kubelet's labels verbatim, as a JSON string, in
 * io.kubernetes.cri-o.Labels: read them there before the top-level copies,
 * which share their keys with the pod's own annotations.
 */
static void meta_from_crio_labels(struct nsg_container_meta *m, json_t *annot)
{
	const char *s = nsg_jstr(annot, "io.kubernetes.cri-o.Labels");
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
	if (nsg_jstr_is(annot, "io.kubernetes.cri.container-type", "sandbox") ||
	    nsg_jstr_is(annot, "io.kubernetes.cri-o.ContainerType", "sandbox") ||
	    nsg_jstr_is(annot, "io.kubernetes.docker.type", "podsandbox"))
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

	META_SET(m, runtime, rt);
	meta_from_annotations(m, annotations, rt);
}

void nsg_meta_found(struct nsg_container_meta *m, json_t *annotations, const char *hint,
		    const char *bundle)
{
	const char *rt = json_is_object(annotations) ? runtime_from_annotations(annotations) : NULL;

	m->found = true;
	META_SET(m, runtime, rt ? rt : hint);
	meta_from_annotations(m, annotations, rt);
	META_SET(m, bundle, bundle);
}
