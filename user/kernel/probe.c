// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The feature probe (probe.h): capabilities, BTF, ring buffer and task
 * storage, the pseudo filesystems (mounted where missing), the active LSMs,
 * trial loads of an LSM and a trampoline program, the `bpf` hook's arity.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "kernel/probe.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define TRACEFS_MAGIC 0x74726163
#define SECURITYFS_MAGIC 0x73636673
#define BPF_FS_MAGIC 0xcafe4a11

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (1U << (cap % 32));
}

int nsg_probe_privileges(char *err, size_t errlen)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};

	if (syscall(SYS_capget, &h, d) != 0) {
		snprintf(err, errlen, "cannot read own capabilities: %s", strerror(errno));
		return -1;
	}
	if (has_cap(d, CAP_SYS_ADMIN) ||
	    (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON) && has_cap(d, CAP_SYS_PTRACE)))
		return 0;
	snprintf(err, errlen,
		 "needs root (CAP_SYS_ADMIN, or CAP_BPF + CAP_PERFMON + CAP_SYS_PTRACE)");
	return -1;
}

static bool fs_is(const char *path, long magic)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == magic;
}

/* Mounts `type` on `dir` when something else (or nothing) is there. */
static void ensure_mounted(struct nsg_probe *p, const char *type, const char *dir, long magic)
{
	if (fs_is(dir, magic))
		return;
	if (mount(type, dir, type, 0, NULL) == 0) {
		p->mounted[p->nmounted++] = dir;
		fprintf(stderr, "nsguard: mounted %s on %s\n", type, dir);
	}
}

static void read_lsm_list(struct nsg_probe *p)
{
	FILE *f = fopen("/sys/kernel/security/lsm", "r");
	char *tok, *save = NULL, copy[sizeof(p->lsm_list)];

	if (!f)
		return;
	if (fgets(p->lsm_list, sizeof(p->lsm_list), f))
		p->lsm_list[strcspn(p->lsm_list, "\n")] = '\0';
	fclose(f);
	memcpy(copy, p->lsm_list, sizeof(copy));
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (strcmp(tok, "bpf") == 0)
			p->lsm_bpf_active = true;
}

/*
 * Loads `return 0` as a program of `type` on kernel function `func` and
 * attaches it for a moment: loading alone proves too little. On arm64 before
 * Linux 6.4 (no ftrace direct calls) both load and only the attach fails,
 * with ENOTSUPP (524), so a load-only probe picked a tier that then could
 * not start. Returns 0 or the errno of the failure.
 */
static int trial_attach(const struct btf *vmlinux, enum bpf_prog_type type,
			enum bpf_attach_type attach, const char *func)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id, fd, link, rc = 0;

	if (!vmlinux)
		return ENOENT;
	id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
	if (id < 0)
		return ENOENT;
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = attach,
		    .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(type, "nsg_probe", "GPL", insns, 2, &opts);
	if (fd < 0)
		return errno ? errno : EINVAL;
	/* A program that allows everything, attached for microseconds. */
	link = bpf_link_create(fd, 0, attach, NULL);
	if (link < 0)
		rc = errno ? errno : EINVAL;
	else
		close(link);
	close(fd);
	return rc;
}

/* Arguments of a kernel function per its BTF; -1 when it has none. */
static int func_args(const struct btf *vmlinux, const char *func)
{
	const struct btf_type *t;
	int id;

	if (!vmlinux)
		return -1;
	id = btf__find_by_name_kind(vmlinux, func, BTF_KIND_FUNC);
	if (id <= 0 || !(t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type)))
		return -1;
	return btf_vlen(t);
}

int nsg_probe_run(struct nsg_probe *p, char *err, size_t errlen)
{
	struct btf *vmlinux;
	struct utsname u;

	memset(p, 0, sizeof(*p));
	if (uname(&u) == 0)
		snprintf(p->kernel_release, sizeof(p->kernel_release), "%s", u.release);
	if (nsg_probe_privileges(err, errlen))
		return -1;
	p->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
	if (!p->btf) {
		snprintf(err, errlen, "kernel %s has no BTF (/sys/kernel/btf/vmlinux missing; "
			 "needs CONFIG_DEBUG_INFO_BTF=y)", p->kernel_release);
		return -1;
	}
	p->ringbuf = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) == 1;
	if (!p->ringbuf) {
		snprintf(err, errlen, "kernel %s has no BPF ring buffer (needs Linux 5.8 or later)",
			 p->kernel_release);
		return -1;
	}
	/* Container identity is kept per task (bpf/identity.bpf.h): no fallback that a move escapes. */
	if (libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) != 1) {
		snprintf(err, errlen, "kernel %s has no BPF task storage, which keeps each task's "
			 "container identity (needs Linux 5.11 or later)", p->kernel_release);
		return -1;
	}
	ensure_mounted(p, "tracefs", "/sys/kernel/tracing", TRACEFS_MAGIC);
	ensure_mounted(p, "securityfs", "/sys/kernel/security", SECURITYFS_MAGIC);
	ensure_mounted(p, "bpf", "/sys/fs/bpf", BPF_FS_MAGIC);
	read_lsm_list(p);
	/* Parsed once for both trials: it is most of the probe's time (~45 ms). */
	vmlinux = btf__load_vmlinux_btf();
	p->lsm_load_errno = trial_attach(vmlinux, BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_capable");
	p->fentry_load_errno =
		trial_attach(vmlinux, BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY, "ipcns_install");
	p->lsm_bpf_args = func_args(vmlinux, "bpf_lsm_bpf");
	btf__free(vmlinux);
	p->lsm_prog_loads = p->lsm_load_errno == 0;
	p->trampolines = p->fentry_load_errno == 0;
	return 0;
}
