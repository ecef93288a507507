// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * tamper — what a container with CAP_SYS_ADMIN (and, with host PID, CAP_KILL
 * or CAP_SYS_PTRACE) would do to switch nsguard off. Static, raw syscalls
 * (no libbpf in a container's rootfs). Prints one line saying how far it got:
 *
 *   tamper map NAME        walk the map IDs (BPF_MAP_GET_NEXT_ID), open each
 *                          (BPF_MAP_GET_FD_BY_ID) and write 0 at key 0 of the
 *                          one named NAME: "written" (exit 0) or the step
 *                          that failed and why (exit 1)
 *   tamper link ID         open link ID (BPF_LINK_GET_FD_BY_ID), detach it
 *   tamper kill PID SIG    kill(PID, SIG)
 *   tamper ptrace PID      PTRACE_ATTACH to PID (then detach)
 *   tamper getfd PID FD    pidfd_getfd(): a copy of PID's file descriptor FD
 *
 * A map that cannot be opened is skipped, as an attacker would: the walk
 * stops at the first map whose name is NAME, read from its info; when none
 * is found, the last refusal is the answer.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static int fail(const char *step)
{
	printf("%s: %s\n", step, strerror(errno));
	fflush(stdout);
	return 1;
}

/*
 * The map's name without opening it would need its fd anyway: so, like an
 * attacker, open each ID in turn. Names come from BPF_OBJ_GET_INFO_BY_FD.
 */
static int map_named(const char *name, int *fd_out)
{
	union bpf_attr attr;
	int refused = 0;
	__u32 id = 0;

	for (;;) {
		struct bpf_map_info info;
		int fd;

		memset(&attr, 0, sizeof(attr));
		attr.start_id = id;
		if (sys_bpf(BPF_MAP_GET_NEXT_ID, &attr)) {
			if (errno == ENOENT && refused)
				errno = refused; /* not found: say why some could not be read */
			return -1;
		}
		id = attr.next_id;
		memset(&attr, 0, sizeof(attr));
		attr.map_id = id;
		fd = (int)sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr);
		if (fd < 0) {
			refused = errno; /* an attacker tries the next one */
			continue;
		}
		memset(&info, 0, sizeof(info));
		memset(&attr, 0, sizeof(attr));
		attr.info.bpf_fd = (__u32)fd;
		attr.info.info_len = sizeof(info);
		attr.info.info = (__u64)(unsigned long)&info;
		if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) == 0 && strcmp(info.name, name) == 0) {
			*fd_out = fd;
			return 0;
		}
		close(fd);
	}
}

static int tamper_map(const char *name)
{
	union bpf_attr attr;
	__u64 value = 0;
	__u32 key = 0;
	int fd;

	if (map_named(name, &fd))
		return fail("open");
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = (__u32)fd;
	attr.key = (__u64)(unsigned long)&key;
	attr.value = (__u64)(unsigned long)&value;
	if (sys_bpf(BPF_MAP_UPDATE_ELEM, &attr))
		return fail("write");
	printf("written\n");
	return 0;
}

static int tamper_link(__u32 id)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_id = id;
	fd = (int)sys_bpf(BPF_LINK_GET_FD_BY_ID, &attr);
	if (fd < 0)
		return fail("open");
	memset(&attr, 0, sizeof(attr));
	attr.link_detach.link_fd = (__u32)fd;
	if (sys_bpf(BPF_LINK_DETACH, &attr))
		return fail("detach");
	printf("detached\n");
	return 0;
}

static int tamper_kill(pid_t pid, int sig)
{
	if (kill(pid, sig))
		return fail("kill");
	printf("sent\n");
	return 0;
}

static int tamper_ptrace(pid_t pid)
{
	if (ptrace(PTRACE_ATTACH, pid, NULL, NULL))
		return fail("attach");
	waitpid(pid, NULL, __WALL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	printf("attached\n");
	return 0;
}

static int tamper_getfd(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), copy;

	if (pidfd < 0)
		return fail("pidfd_open");
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (copy < 0)
		return fail("getfd");
	printf("copied\n");
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && strcmp(argv[1], "map") == 0)
		return tamper_map(argv[2]);
	if (argc == 3 && strcmp(argv[1], "link") == 0)
		return tamper_link((__u32)strtoul(argv[2], NULL, 10));
	if (argc == 4 && strcmp(argv[1], "kill") == 0)
		return tamper_kill((pid_t)atoi(argv[2]), atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "ptrace") == 0)
		return tamper_ptrace((pid_t)atoi(argv[2]));
	if (argc == 4 && strcmp(argv[1], "getfd") == 0)
		return tamper_getfd((pid_t)atoi(argv[2]), atoi(argv[3]));
	fprintf(stderr, "usage: tamper map NAME | link ID | kill PID SIG | ptrace PID | getfd PID FD\n");
	return 2;
}
