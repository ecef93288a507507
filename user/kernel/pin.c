// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * --pin (the layout is in pin.h): the directory's lock, pinning maps and
 * links, adopting what an earlier agent pinned, --cleanup.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fnv.h"
#include "kernel/pin.h"
#include "nsguard.skel.h"

#define BPF_FS_MAGIC 0xcafe4a11

static uint64_t fnv1a(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = NSG_FNV_STEP(h, p[i]);
	return h;
}

/*
 * Build and configuration in one number: the BPF object's bytes, the
 * tunables (.rodata), every map's size and every program's on/off. Equal
 * hashes mean the pinned hooks are exactly what this agent would attach.
 */
static uint64_t config_hash(struct nsguard_bpf *skel)
{
	uint64_t h = NSG_FNV_OFFSET;
	struct bpf_program *prog;
	struct bpf_map *map;
	const void *bytes;
	size_t sz = 0;

	bytes = nsguard_bpf__elf_bytes(&sz);
	h = fnv1a(h, bytes, sz);
	bytes = bpf_map__initial_value(skel->maps.rodata, &sz);
	if (bytes)
		h = fnv1a(h, bytes, sz);
	bpf_object__for_each_map(map, skel->obj) {
		uint32_t v[2] = { bpf_map__max_entries(map), bpf_map__autocreate(map) };

		h = fnv1a(h, v, sizeof(v));
	}
	bpf_object__for_each_program(prog, skel->obj) {
		bool on = bpf_program__autoload(prog);

		h = fnv1a(h, &on, sizeof(on));
	}
	return h;
}

/* DIR/SUB/KIND/NAME, with NAME made safe (".rodata" -> "_rodata"). */
static int object_path(char *buf, size_t len, const char *dir, const char *sub,
		       const char *kind, const char *name)
{
	int n = snprintf(buf, len, "%s/%s/%s/", dir, sub, kind);

	if (n < 0 || (size_t)n >= len)
		return -1;
	for (const char *c = name; *c && (size_t)n + 1 < len; c++)
		buf[n++] = (char)((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				  (*c >= '0' && *c <= '9') ? *c : '_');
	buf[n] = '\0';
	return 0;
}

static int mkdirs(const char *dir, const char *sub, const char *kind)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	if (mkdir(path, 0700) && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, kind);
	if (mkdir(path, 0700) && errno != EEXIST)
		return -1;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path) && errno != ENOENT ? -1 : 0;
}

/* rm -r: unpinning a link detaches its program once no fd holds it. */
static int remove_tree(const char *path)
{
	if (access(path, F_OK))
		return 0;
	return nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int sub_path(char *buf, size_t len, const char *dir, const char *sub)
{
	int n = snprintf(buf, len, "%s/%s", dir, sub);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The directory exists on bpffs and this process holds its lock. */
static int lock_dir(const char *dir, bool create, int *fd_out, char *err, size_t errlen)
{
	struct statfs st;
	int fd;

	if (create && mkdir(dir, 0700) && errno != EEXIST) {
		snprintf(err, errlen, "--pin-path %s: %s", dir, strerror(errno));
		return -1;
	}
	if (statfs(dir, &st)) {
		snprintf(err, errlen, "--pin-path %s: %s", dir, strerror(errno));
		return -1;
	}
	if (st.f_type != BPF_FS_MAGIC) {
		snprintf(err, errlen, "--pin-path %s is not on a bpf filesystem (mount -t bpf bpf /sys/fs/bpf)",
			 dir);
		return -1;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		snprintf(err, errlen, e == EWOULDBLOCK ? "%s is in use by a running nsguard agent (--pin)"
						       : "cannot lock %s: %s",
			 dir, strerror(e));
		return -1;
	}
	*fd_out = fd;
	return 0;
}

/* The hash the pinned objects were made with; 0 when there are none. */
static uint64_t pinned_hash(const char *dir)
{
	char path[PATH_MAX];
	uint64_t v = 0;
	uint32_t zero = 0;
	int fd;

	if (object_path(path, sizeof(path), dir, "current", "maps", "pin_meta"))
		return 0;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_map_lookup_elem(fd, &zero, &v))
		v = 0;
	close(fd);
	return v;
}

static int set_map_pins(struct nsguard_bpf *skel, const char *dir, const char *sub)
{
	char path[PATH_MAX];
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj) {
		if (!bpf_map__autocreate(map))
			continue;
		if (object_path(path, sizeof(path), dir, sub, "maps", bpf_map__name(map)) ||
		    bpf_map__set_pin_path(map, path))
			return -1;
	}
	return 0;
}

int nsg_pin_before_load(struct nsg_pin *p, struct nsguard_bpf *skel, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct bpf_program *prog;
	uint64_t old;

	p->lock_fd = -1;
	if (lock_dir(p->dir, true, &p->lock_fd, err, errlen))
		return -1;
	p->hash = config_hash(skel);
	old = pinned_hash(p->dir);
	if (old && old == p->hash) {
		/* Same build and configuration: the pinned hooks are ours. */
		bpf_object__for_each_program(prog, skel->obj)
			bpf_program__set_autoload(prog, false);
		p->adopted = true;
		return set_map_pins(skel, p->dir, "current");
	}
	p->replaced = old != 0;
	/* What a start that died half-way left behind is never adopted. */
	if (sub_path(path, sizeof(path), p->dir, "new") || remove_tree(path) ||
	    mkdirs(p->dir, "new", "maps") || set_map_pins(skel, p->dir, "new")) {
		snprintf(err, errlen, "cannot prepare %s/new: %s", p->dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int pin_links(struct nsguard_bpf *skel, const char *dir)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	char path[PATH_MAX];

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_link *link = *s->progs[i].link;

		if (!link)
			continue;
		if (object_path(path, sizeof(path), dir, "new", "links", s->progs[i].name) ||
		    bpf_link__pin(link, path))
			return -1;
	}
	return 0;
}

int nsg_pin_after_attach(struct nsg_pin *p, struct nsguard_bpf *skel, char *err, size_t errlen)
{
	char cur[PATH_MAX], next[PATH_MAX], old[PATH_MAX];
	uint32_t zero = 0;

	if (p->adopted)
		return 0;
	if (mkdirs(p->dir, "new", "links") || pin_links(skel, p->dir) ||
	    bpf_map_update_elem(bpf_map__fd(skel->maps.pin_meta), &zero, &p->hash, BPF_ANY)) {
		snprintf(err, errlen, "cannot pin the hooks under %s/new: %s", p->dir, strerror(errno));
		return -1;
	}
	if (sub_path(cur, sizeof(cur), p->dir, "current") || sub_path(next, sizeof(next), p->dir, "new") ||
	    sub_path(old, sizeof(old), p->dir, "old"))
		return -1;
	/* The new hooks are attached before the old ones go: no gap. */
	remove_tree(old);
	if ((access(cur, F_OK) == 0 && rename(cur, old)) || rename(next, cur)) {
		snprintf(err, errlen, "cannot replace %s: %s", cur, strerror(errno));
		return -1;
	}
	remove_tree(old);
	return 0;
}

void nsg_pin_abort(struct nsg_pin *p)
{
	char path[PATH_MAX];

	if (!p->adopted && sub_path(path, sizeof(path), p->dir, "new") == 0)
		remove_tree(path);
}

void nsg_pin_release(struct nsg_pin *p, struct nsguard_bpf *skel)
{
	const struct bpf_object_skeleton *s = skel ? skel->skeleton : NULL;

	for (int i = 0; s && i < s->prog_cnt; i++)
		if (*s->progs[i].link)
			bpf_link__disconnect(*s->progs[i].link);
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	p->lock_fd = -1;
}

int nsg_pin_cleanup(const char *dir, char *err, size_t errlen)
{
	int fd;

	if (access(dir, F_OK)) {
		fprintf(stderr, "nsguard: nothing pinned at %s\n", dir);
		return 0;
	}
	if (lock_dir(dir, false, &fd, err, errlen))
		return -1;
	if (remove_tree(dir)) {
		snprintf(err, errlen, "cannot remove %s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	fprintf(stderr, "nsguard: removed %s: pinned hooks detached\n", dir);
	return 0;
}
