// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Self-protection, registration: which BPF objects (maps, programs, links,
 * loaded now or adopted from pins) and which process are nsguard's, written
 * into self_objs and self_cfg for bpf/self_protect.bpf.c to guard.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "identity.h"
#include "kernel/self_protect.h"
#include "nsguard.skel.h"

/* ---- what is nsguard's ---- */

static int add_obj(struct nsg_self_guard *g, __u32 kind, __u32 id, const char *name)
{
	struct nsg_guarded_obj *o;

	if (g->nobjs == NSG_SELF_OBJS_MAX)
		return -1;
	o = realloc(g->objs, (g->nobjs + 1) * sizeof(*o));
	if (!o)
		return -1;
	g->objs = o;
	o = &g->objs[g->nobjs++];
	memset(o, 0, sizeof(*o));
	o->key.kind = kind;
	o->key.id = id;
	snprintf(o->obj.name, sizeof(o->obj.name), "%s", name);
	return 0;
}

static int add_map_fd(struct nsg_self_guard *g, int fd)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	return add_obj(g, NSG_OBJ_MAP, info.id, info.name);
}

static int add_prog_fd(struct nsg_self_guard *g, int fd)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	return add_obj(g, NSG_OBJ_PROG, info.id, info.name);
}

/* A link (and the program it runs): fd is libbpf's, or ours when `owned`. */
static int add_link_fd(struct nsg_self_guard *g, int fd, bool owned, const char *pin)
{
	struct bpf_link_info info = { 0 };
	struct nsg_guarded_link *l;
	__u32 len = sizeof(info);
	char name[NSG_OBJ_NAME_LEN] = "";
	int prog_fd;

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -1;
	prog_fd = bpf_prog_get_fd_by_id(info.prog_id);
	if (prog_fd >= 0) {
		struct bpf_prog_info pinfo = { 0 };
		__u32 plen = sizeof(pinfo);

		if (bpf_obj_get_info_by_fd(prog_fd, &pinfo, &plen) == 0)
			snprintf(name, sizeof(name), "%s", pinfo.name);
		if (owned && add_prog_fd(g, prog_fd)) {
			close(prog_fd);
			return -1;
		}
		close(prog_fd);
	}
	l = realloc(g->links, (g->nlinks + 1) * sizeof(*l));
	if (!l)
		return -1;
	g->links = l;
	l = &g->links[g->nlinks++];
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->owned = owned;
	l->prog_id = info.prog_id;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->pin, sizeof(l->pin), "%s", pin ? pin : "");
	return add_obj(g, NSG_OBJ_LINK, info.id, name);
}

static int collect_maps(struct nsg_self_guard *g, struct nsguard_bpf *skel)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, skel->obj)
		if (bpf_map__fd(map) >= 0 && add_map_fd(g, bpf_map__fd(map)))
			return -1;
	return 0;
}

/* Loaded here: the skeleton's programs and links. */
static int collect_loaded(struct nsg_self_guard *g, struct nsguard_bpf *skel, const char *pin_dir)
{
	const struct bpf_object_skeleton *s = skel->skeleton;
	char pin[256];

	for (int i = 0; i < s->prog_cnt; i++) {
		struct bpf_program *prog = *s->progs[i].prog;
		struct bpf_link *link = *s->progs[i].link;

		if (bpf_program__fd(prog) >= 0 && add_prog_fd(g, bpf_program__fd(prog)))
			return -1;
		if (!link)
			continue;
		if (pin_dir)
			snprintf(pin, sizeof(pin), "%s/current/links/%s", pin_dir, s->progs[i].name);
		if (add_link_fd(g, bpf_link__fd(link), false, pin_dir ? pin : NULL))
			return -1;
	}
	return 0;
}

/* Adopted from pins (--pin, same build): the links, and through them the programs. */
static int collect_pinned(struct nsg_self_guard *g, const char *pin_dir)
{
	char dir[256], path[512];
	struct dirent *d;
	DIR *dp;
	int rc = 0;

	snprintf(dir, sizeof(dir), "%s/current/links", pin_dir);
	dp = opendir(dir);
	if (!dp)
		return -1;
	while (rc == 0 && (d = readdir(dp))) {
		int fd;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		fd = bpf_obj_get(path);
		if (fd < 0 || add_link_fd(g, fd, true, path)) {
			if (fd >= 0)
				close(fd);
			rc = -1;
		}
	}
	closedir(dp);
	return rc;
}

/* Field 22 of /proc/self/stat: start time in clock ticks after boot. */
static int start_ticks(__u64 *ticks)
{
	char buf[1024], *p;
	ssize_t n;
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	if (!p)
		return -1;
	for (int field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	return p && sscanf(p + 1, "%llu", (unsigned long long *)ticks) == 1 ? 0 : -1;
}

/*
 * The kernel names tasks by their pid in the initial PID namespace: the
 * agent's process is guarded when it runs there (a host process, or a pod
 * with hostPID as deploy/ has it).
 */
static bool in_initial_pid_ns(void)
{
	struct stat st;

	return stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == NSG_INIT_PID_INO;
}

/* Its threads, by the ids ptrace() takes (all started before the hooks attach). */
static void agent_threads(struct nsg_self_cfg *cfg)
{
	DIR *dp = opendir("/proc/self/task");
	struct dirent *d;
	int n = 0;

	while (dp && n < NSG_AGENT_TIDS && (d = readdir(dp)))
		if (d->d_name[0] != '.')
			cfg->agent_tids[n++] = (__u32)strtoul(d->d_name, NULL, 10);
	if (dp)
		closedir(dp);
}

/* The agent's own container (DaemonSet): its identity, from task storage. */
static __u64 own_container(struct nsguard_bpf *skel)
{
	struct nsg_container c = { 0 };
	int pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	__u64 id = 0;

	if (pidfd < 0)
		return 0;
	if (bpf_map_lookup_elem(bpf_map__fd(skel->maps.identities), &pidfd, &c) == 0 &&
	    c.is_container)
		id = c.cgroup_id;
	close(pidfd);
	return id;
}

static int write_guard(struct nsg_self_guard *g, struct nsguard_bpf *skel)
{
	int objs = bpf_map__fd(skel->maps.self_objs);
	__u32 zero = 0;

	for (size_t i = 0; i < g->nobjs; i++)
		if (bpf_map_update_elem(objs, &g->objs[i].key, &g->objs[i].obj, BPF_ANY))
			return -1;
	return bpf_map_update_elem(bpf_map__fd(skel->maps.self_cfg), &zero, &g->cfg, BPF_ANY);
}

int nsg_self_register(struct nsg_self_guard *g, struct nsguard_bpf *skel, const char *pin_dir,
		      bool adopted, char *err, size_t errlen)
{
	int rc;

	rc = collect_maps(g, skel);
	if (!rc)
		rc = adopted ? collect_pinned(g, pin_dir) : collect_loaded(g, skel, pin_dir);
	if (rc) {
		snprintf(err, errlen, "self-protection: cannot list nsguard's BPF objects: %s",
			 strerror(errno ? errno : ENOMEM));
		return -1;
	}
	g->agent_known = in_initial_pid_ns() && start_ticks(&g->cfg.agent_start_ticks) == 0;
	if (g->agent_known) {
		g->cfg.agent_tgid = (__u32)getpid();
		agent_threads(&g->cfg);
	} else
		fprintf(stderr, "nsguard: self-protection: the agent runs outside the host PID "
				"namespace, so signals and ptrace aimed at it are not guarded (run it "
				"with hostPID)\n");
	g->cfg.agent_container = own_container(skel);
	if (write_guard(g, skel)) {
		snprintf(err, errlen, "self-protection: cannot write self_objs/self_cfg: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

void nsg_self_guard_free(struct nsg_self_guard *g)
{
	for (size_t i = 0; i < g->nlinks; i++)
		if (g->links[i].owned)
			close(g->links[i].fd);
	free(g->links);
	free(g->objs);
	memset(g, 0, sizeof(*g));
}

