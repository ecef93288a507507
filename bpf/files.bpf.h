/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What is behind a task's file descriptor: nsfs, pidfds (setns.bpf.c), BPF objects. */
#ifndef NSGUARD_FILES_BPF_H
#define NSGUARD_FILES_BPF_H

#include "maps.bpf.h"
#include <bpf/bpf_core_read.h>

#define NSFS_MAGIC 0x6e736673
#define PIDFS_MAGIC 0x50494446          /* 6.9+: pidfds live on pidfs */
#define ANON_INODE_FS_MAGIC 0x09041934  /* before 6.9: anon inode "[pidfd]" */

static __always_inline struct file *nsg_fd_file(struct task_struct *task, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *file = NULL;

	if (fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	bpf_core_read(&file, sizeof(file), &fds[fd]);
	return file;
}

static __always_inline int nsg_is_anon_pidfd(struct file *file)
{
	const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	char buf[8] = {};

	bpf_probe_read_kernel(buf, sizeof(buf), name);
	return buf[0] == '[' && buf[1] == 'p' && buf[2] == 'i' && buf[3] == 'd' &&
	       buf[4] == 'f' && buf[5] == 'd' && buf[6] == ']' && buf[7] == '\0';
}

/* First task attached to a struct pid (pid_task(pid, PIDTYPE_PID)). */
static __always_inline struct task_struct *nsg_pid_task(struct pid *pid)
{
	struct hlist_node *first = BPF_CORE_READ(pid, tasks[PIDTYPE_PID].first);

	if (!first)
		return NULL;
	return (void *)first - bpf_core_field_offset(struct task_struct, pid_links);
}

/* pidfs keeps the struct pid in the inode; the older anon-inode pidfd in the file. */
static __always_inline struct pid *nsg_pidfd_pid(struct file *file, unsigned long magic)
{
	if (magic == PIDFS_MAGIC)
		return BPF_CORE_READ(file, f_inode, i_private);
	return BPF_CORE_READ(file, private_data);
}

/* The task a pidfd names, or NULL when fd is not a pidfd. */
static __always_inline struct task_struct *nsg_pidfd_task(struct task_struct *task, int fd)
{
	struct file *file = nsg_fd_file(task, fd);
	unsigned long magic;

	if (!file)
		return NULL;
	magic = BPF_CORE_READ(file, f_inode, i_sb, s_magic);
	if (magic != PIDFS_MAGIC && !(magic == ANON_INODE_FS_MAGIC && nsg_is_anon_pidfd(file)))
		return NULL;
	return nsg_pid_task(nsg_pidfd_pid(file, magic));
}

/*
 * The BPF object behind fd (kernel/bpf/syscall.c names their anon inodes
 * "bpf-map", "bpf-prog", "bpf_link"): its kind (enum nsg_obj_kind) and ID;
 * 0 when fd is none of them. The superblock check first: a file of any
 * other filesystem may carry those names.
 */
static __always_inline __u32 nsg_bpf_obj_of_fd(struct task_struct *task, int fd, __u32 *id)
{
	struct file *file = nsg_fd_file(task, fd);
	const unsigned char *name;
	char n[9] = {};
	void *obj;

	if (!file || BPF_CORE_READ(file, f_inode, i_sb, s_magic) != ANON_INODE_FS_MAGIC)
		return 0;
	name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
	bpf_probe_read_kernel(n, sizeof(n), name);
	if (n[0] != 'b' || n[1] != 'p' || n[2] != 'f')
		return 0;
	obj = BPF_CORE_READ(file, private_data);
	if (n[3] == '-' && n[4] == 'm' && n[5] == 'a' && n[6] == 'p' && !n[7]) {
		*id = BPF_CORE_READ((struct bpf_map *)obj, id);
		return NSG_OBJ_MAP;
	}
	if (n[3] == '-' && n[4] == 'p' && n[5] == 'r' && n[6] == 'o' && n[7] == 'g' && !n[8]) {
		*id = BPF_CORE_READ((struct bpf_prog *)obj, aux, id);
		return NSG_OBJ_PROG;
	}
	if (n[3] == '_' && n[4] == 'l' && n[5] == 'i' && n[6] == 'n' && n[7] == 'k' && !n[8]) {
		*id = BPF_CORE_READ((struct bpf_link *)obj, id);
		return NSG_OBJ_LINK;
	}
	return 0;
}

#endif /* NSGUARD_FILES_BPF_H */
