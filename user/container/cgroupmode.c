// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "container/cgroupmode.h"

static bool list_has(const char *list, size_t len, const char *name);

/*
 * First mount of `type` (with `option` among its options, when given);
 * its directory goes to dir. Returns whether one was found.
 */
static bool find_mount(const char *type, const char *option, char *dir, size_t len)
{
	FILE *f = fopen("/proc/self/mounts", "r");
	char line[1024];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		char dev[128], mdir[256], mtype[64], opts[512];

		if (sscanf(line, "%127s %255s %63s %511s", dev, mdir, mtype, opts) != 4 ||
		    strcmp(mtype, type) != 0)
			continue;
		if (option && !list_has(opts, strlen(opts), option))
			continue;
		snprintf(dir, len, "%s", mdir);
		found = true;
	}
	fclose(f);
	return found;
}

/*
 * /proc/cgroups lists controllers in subsystem-id order, each with the id
 * of the hierarchy it is bound to (*hierarchy).
 */
static int v1_subsys_id(const char *controller, int *hierarchy)
{
	FILE *f = fopen("/proc/cgroups", "r");
	char line[256];
	int ssid = 0, found = -1;

	if (!f)
		return -1;
	while (found < 0 && fgets(line, sizeof(line), f)) {
		char name[64];
		int h = 0;

		if (line[0] == '#' || sscanf(line, "%63s %d", name, &h) < 1)
			continue;
		if (strcmp(name, controller) == 0) {
			found = ssid;
			*hierarchy = h;
		}
		ssid++;
	}
	fclose(f);
	return found;
}

int nsg_cgroup_mode_detect(struct nsg_cgroup_mode *m, char *err, size_t errlen)
{
	static const char *const preferred[] = { "pids", "memory", "cpu" };

	memset(m, 0, sizeof(*m));
	m->v1_ssid = -1;
	if (find_mount("cgroup2", NULL, m->mount, sizeof(m->mount))) {
		m->v2 = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(preferred) / sizeof(preferred[0]); i++) {
		m->v1_ssid = v1_subsys_id(preferred[i], &m->hierarchy_id);
		if (m->v1_ssid >= 0) {
			snprintf(m->v1_controller, sizeof(m->v1_controller), "%s", preferred[i]);
			find_mount("cgroup", preferred[i], m->mount, sizeof(m->mount));
			return 0;
		}
	}
	snprintf(err, errlen, "no cgroup v2 mount and no pids/memory/cpu v1 controller");
	return -1;
}

/* Does the controller list "a,b,c" of a v1 line contain `name`? */
static bool list_has(const char *list, size_t len, const char *name)
{
	size_t nlen = strlen(name);
	const char *p = list, *end = list + len;

	while (p < end) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		size_t n = comma ? (size_t)(comma - p) : (size_t)(end - p);

		if (n == nlen && memcmp(p, name, n) == 0)
			return true;
		p += n + 1;
	}
	return false;
}

int nsg_proc_cgroup_path(const struct nsg_cgroup_mode *m, int pid, char *path, size_t len)
{
	char file[64], line[4096];
	int rc = -1;
	FILE *f;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", pid);
	f = fopen(file, "r");
	if (!f)
		return -1;
	while (rc && fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		bool match;

		if (!c2)
			continue;
		line[strcspn(line, "\n")] = '\0';
		match = m->v2 ? (c2 == c1 + 1 && strncmp(line, "0:", 2) == 0)
			      : list_has(c1 + 1, (size_t)(c2 - c1 - 1), m->v1_controller);
		if (match) {
			snprintf(path, len, "%s", c2 + 1);
			rc = 0;
		}
	}
	fclose(f);
	return rc;
}

/* cgroupfs (kernfs) file handles carry the 64-bit node id, which is the cgroup id. */
#define NSG_FILEID_KERNFS 0xfe

int nsg_cgroup_path_of_id(const struct nsg_cgroup_mode *m, unsigned long long id, char *path,
			  size_t len)
{
	struct {
		struct file_handle fh;
		unsigned long long id;
	} h = { .fh = { .handle_bytes = sizeof(id), .handle_type = NSG_FILEID_KERNFS }, .id = id };
	char link[64], target[1024];
	size_t mlen = strlen(m->mount);
	int mfd, fd;
	ssize_t n;

	mfd = open(m->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (mfd < 0)
		return -1;
	fd = open_by_handle_at(mfd, &h.fh, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(mfd);
	if (fd < 0)
		return -1;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	close(fd);
	if (n < 0 || (size_t)n < mlen || strncmp(target, m->mount, mlen) != 0)
		return -1;
	target[n] = '\0';
	snprintf(path, len, "%s", target[mlen] ? target + mlen : "/");
	return 0;
}

unsigned long long nsg_cgroup_id_of_path(const struct nsg_cgroup_mode *m, const char *path)
{
	char dir[1024];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s%s", m->mount, path);
	return stat(dir, &st) == 0 ? (unsigned long long)st.st_ino : 0;
}
