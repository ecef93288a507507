// SPDX-License-Identifier: GPL-2.0
/*
 * pidfd_setns PID [TYPES] [--then CMD ARGS...]
 *
 * Joins namespaces of PID through a pidfd (setns(pidfd, flags)): the path
 * that needs no /proc/<pid>/ns file and that nsguard must still catch (S3/S4).
 * TYPES is a comma list of ipc,pid,net,mnt,uts,user,cgroup,time (default ipc).
 * Prints "setns=0" or "setns=-1 errno=NN (msg)"; exit 0 on success, 1 otherwise.
 * With --then, execs CMD so a test can act from inside the joined namespaces
 * (a joined PID ns applies only to CMD's children, not to CMD itself).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	const char *name;
	int flag;
} ns_types[] = {
	{ "ipc", CLONE_NEWIPC },   { "pid", CLONE_NEWPID },
	{ "net", CLONE_NEWNET },   { "mnt", CLONE_NEWNS },
	{ "uts", CLONE_NEWUTS },   { "user", CLONE_NEWUSER },
	{ "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME },
};

static int parse_types(char *list)
{
	int flags = 0;

	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		size_t i;

		for (i = 0; i < sizeof(ns_types) / sizeof(ns_types[0]); i++)
			if (!strcmp(tok, ns_types[i].name))
				break;
		if (i == sizeof(ns_types) / sizeof(ns_types[0])) {
			fprintf(stderr, "unknown namespace type: %s\n", tok);
			return -1;
		}
		flags |= ns_types[i].flag;
	}
	return flags;
}

static void usage(void)
{
	fprintf(stderr, "usage: pidfd_setns PID [ipc|pid|net|...,...] [--then CMD ARGS...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	char **then = NULL;
	int flags = CLONE_NEWIPC, pidfd, i;
	pid_t pid;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--then")) {
			then = &argv[i + 1];
			argc = i;
			break;
		}
	}
	if (argc < 2 || argc > 3 || (then && !*then))
		usage();
	pid = (pid_t)atoi(argv[1]);
	if (pid <= 0)
		usage();
	if (argc == 3 && (flags = parse_types(argv[2])) <= 0)
		usage();

	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd < 0) {
		printf("pidfd_open=-1 errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	if (setns(pidfd, flags) != 0) {
		printf("setns=-1 errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	printf("setns=0\n");
	fflush(stdout);
	close(pidfd);
	if (then) {
		execvp(then[0], then);
		fprintf(stderr, "exec %s: %s\n", then[0], strerror(errno));
		return 127;
	}
	return 0;
}
