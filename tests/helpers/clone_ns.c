// SPDX-License-Identifier: GPL-2.0
/*
 * clone_ns [--clone3]
 *
 * Creates a child in new IPC and PID namespaces with the raw clone (or clone3)
 * syscall, so nsguard's namespace-creation events (S5) can be checked against
 * a known pid and known flags without libc wrappers in the way.
 * Prints "child=<pid>" (pid as seen by the parent); exit 0 on success.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif

#define NS_FLAGS (CLONE_NEWIPC | CLONE_NEWPID)

static long do_clone(void)
{
	/* x86-64 order: flags, stack, parent_tid, child_tid, tls.
	 * A NULL stack makes the child run on a copy of ours, fork-like. */
	return syscall(SYS_clone, NS_FLAGS | SIGCHLD, NULL, NULL, NULL, 0);
}

static long do_clone3(void)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = NS_FLAGS;
	args.exit_signal = SIGCHLD;
	return syscall(SYS_clone3, &args, sizeof(args));
}

int main(int argc, char **argv)
{
	int use_clone3 = argc > 1 && !strcmp(argv[1], "--clone3");
	int status;
	long pid;

	if (argc > 2 || (argc == 2 && !use_clone3)) {
		fprintf(stderr, "usage: clone_ns [--clone3]\n");
		return 2;
	}
	pid = use_clone3 ? do_clone3() : do_clone();
	if (pid < 0) {
		fprintf(stderr, "%s: %s\n", use_clone3 ? "clone3" : "clone",
			strerror(errno));
		return 1;
	}
	if (pid == 0)
		_exit(0); /* raw syscall child: skip atexit/stdio flushing */
	if (waitpid((pid_t)pid, &status, 0) != pid) {
		fprintf(stderr, "waitpid: %s\n", strerror(errno));
		return 1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "child status 0x%x\n", status);
		return 1;
	}
	printf("child=%ld\n", pid);
	return 0;
}
