// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include "container/container.h"
#include "container_id.h"

bool nsg_cgroup_name_is_container(const char *name, char id[NSG_CONTAINER_ID_LEN + 1])
{
	char buf[NSG_CGNAME_MAX] = {0};
	size_t len = strlen(name);
	int off;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, name, len);
	off = nsg_container_id_offset(buf, (unsigned int)len);
	if (off < 0)
		return false;
	nsg_copy_container_id(buf, (unsigned int)off, id);
	return true;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Runtime that names its cgroups like `leaf`, under parent path `path`. */
static const char *runtime_hint(const char *path, const char *leaf)
{
	if (has_prefix(leaf, "docker-") || strstr(path, "/docker/"))
		return "docker";
	if (has_prefix(leaf, "cri-containerd-"))
		return "containerd";
	if (has_prefix(leaf, "crio-"))
		return "cri-o";
	if (has_prefix(leaf, "libpod-"))
		return "podman";
	if (strstr(path, "kubepods"))
		return "kubernetes";
	return "unknown";
}

/* "pod<uid>" (cgroupfs) or "kubepods-<qos>-pod<uid_with_underscores>.slice". */
static void pod_uid_from_component(const char *comp, size_t len, char *uid, size_t uidlen)
{
	const char *p = NULL;
	size_t n, i;

	if (len > 3 && has_prefix(comp, "pod"))
		p = comp + 3;
	else if (len > 9 && has_prefix(comp, "kubepods-") && memmem(comp, len, "-pod", 4))
		p = (const char *)memmem(comp, len, "-pod", 4) + 4;
	if (!p)
		return;
	n = len - (size_t)(p - comp);
	if (n > 6 && memcmp(p + n - 6, ".slice", 6) == 0)
		n -= 6;
	if (n != 36 || n >= uidlen) /* a UUID, dashes or underscores */
		return;
	for (i = 0; i < n; i++)
		uid[i] = p[i] == '_' ? '-' : p[i];
	uid[n] = '\0';
}

bool nsg_cgroup_path_identity(const char *path, struct nsg_cgroup_identity *out)
{
	const char *comp = path;
	bool found = false;

	memset(out, 0, sizeof(*out));
	while (*comp) {
		const char *end = strchrnul(comp, '/');
		size_t len = (size_t)(end - comp);
		char name[NSG_CGNAME_MAX];

		if (len > 0 && len < sizeof(name)) {
			memcpy(name, comp, len);
			name[len] = '\0';
			pod_uid_from_component(name, len, out->pod_uid, sizeof(out->pod_uid));
			if (nsg_cgroup_name_is_container(name, out->id)) {
				out->runtime = runtime_hint(path, name);
				found = true;
			}
		}
		comp = *end ? end + 1 : end;
	}
	return found;
}
