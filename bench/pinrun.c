// SPDX-License-Identifier: GPL-2.0
/*
 * pinrun CPU MARK CMD [ARGS...]
 *
 * The storm's wrapper inside a container (bench/run.sh, bench/vm-job.sh):
 * pins itself, and so CMD and every process CMD forks, to CPU (-1: no
 * pinning), creates the file MARK (the bench, outside, sees the storm
 * begin there: its CPU sample starts then, not at `runc run`), runs CMD and
 * waits for it. Then, after CMD's own output, one line on stdout:
 *
 *     pinrun start_ns=N end_ns=N wall_ns=N status=S cpu=CPU
 *
 * with CLOCK_REALTIME (shared with the host: no time namespace here) around
 * CMD alone, so the generator's rate is CMD's, not the runtime's. status is
 * CMD's exit status (128+signal when killed). Built static: it runs in a
 * busybox rootfs and in the VM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long t0, t1;
	int cpu, status, fd;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: pinrun CPU MARK CMD [ARGS...]\n");
		return 2;
	}
	cpu = atoi(argv[1]);
	if (cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "pinrun: CPU %d: %s\n", cpu, strerror(errno));
			return 1;
		}
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "pinrun: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	close(fd);
	fflush(stdout);
	t0 = realtime_ns();
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		execv(argv[3], argv + 3);
		fprintf(stderr, "pinrun: %s: %s\n", argv[3], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	t1 = realtime_ns();
	printf("pinrun start_ns=%lld end_ns=%lld wall_ns=%lld status=%d cpu=%d\n", t0, t1, t1 - t0,
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), cpu);
	return 0;
}
