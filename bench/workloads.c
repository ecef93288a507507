// SPDX-License-Identifier: GPL-2.0
/*
 * workloads [-c CPU] [-g CGROUP_DIR] [-x EXEC_PATH] [-n NSPATH] [-W] [-s USEC] [-r REPS] NAME:N...
 *
 * The micro-workloads of nsguard's benchmark. Each NAME:N runs N iterations
 * of one operation (after N/10 untimed warm-up iterations) and prints
 *
 *     NAME N WALL_NS_PER_OP CPU_NS_PER_OP
 *
 * on stdout, one line per workload, in the order given. CPU time is this
 * process's plus that of its reaped children (fork, exec, runc): unlike
 * wall time it does not grow when another task takes the CPU, which makes
 * it the steadier measure on a shared machine. Built static so the
 * same binary runs on the host, in a busybox container and in the VM.
 *
 *   getppid  syscall(SYS_getppid): a syscall no agent hooks (tracepoint
 *            slow path and audit contexts show here)
 *   fork     fork(); the child _exit(0)s; waitpid
 *   exec     fork(); the child execve()s EXEC_PATH (default /bin/true); waitpid
 *   setns    setns() into the caller's own IPC namespace (benign), or into
 *            the IPC namespace NSPATH names (-n; the storm uses the host's)
 *   unshare  unshare(CLONE_NEWIPC): a new IPC namespace every call
 *   runc     fork+exec `runc run --bundle $BENCH_RUNC_BUNDLE $BENCH_RUNC_ID`,
 *            a full foreground container run; waitpid (exit 0 required)
 *
 * -c CPU pins the process (and so its children) to one CPU; -g DIR moves
 * it into a cgroup first (writes its pid to DIR/cgroup.procs); -W skips the
 * warm-up, so exactly N operations run; -s USEC sleeps after every
 * operation (a slow, steady event source: the bench's attach probe).
 * -r REPS splits the N iterations into REPS timed runs and prints the
 * fastest run's figures (wall and CPU separately): an interruption by the
 * rest of the machine spoils one run, not the result.
 * Exit status 0 only if every iteration of every workload succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char *exec_path = "/bin/true";
static const char *ns_path = "/proc/self/ns/ipc";
static int warmup = 1;
static unsigned int pause_us;
static long reps = 1;

static void die(const char *what)
{
	fprintf(stderr, "workloads: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int wait_ok(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int op_getppid(void *arg)
{
	(void)arg;
	return syscall(SYS_getppid) >= 0 ? 0 : -1; /* 0 in a container: its parent is outside */
}

static int op_fork(void *arg)
{
	pid_t pid = fork();

	(void)arg;
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(0);
	return wait_ok(pid);
}

static int spawn(char *const argv[], int quiet)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (quiet) {
			int fd = open("/dev/null", O_RDWR);

			if (fd >= 0) {
				dup2(fd, 0);
				dup2(fd, 1);
			}
		}
		execve(argv[0], argv, environ);
		_exit(127);
	}
	return wait_ok(pid);
}

static int op_exec(void *arg)
{
	char *argv[] = { (char *)exec_path, NULL };

	(void)arg;
	return spawn(argv, 0);
}

static int op_setns(void *arg)
{
	return setns(*(int *)arg, CLONE_NEWIPC);
}

static int op_unshare(void *arg)
{
	(void)arg;
	return unshare(CLONE_NEWIPC);
}

static int op_runc(void *arg)
{
	return spawn((char **)arg, 1);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* CPU time of this process and of its reaped children, in ns. */
static long long cpu_ns(void)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	getrusage(RUSAGE_CHILDREN, &ru);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec +
	       (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000000LL +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1000LL;
}

/*
 * Runs N/10 untimed iterations, then N timed ones in `reps` runs; sets the
 * lowest wall and CPU ns/op of those runs. Returns -1 on failure.
 */
static int run(int (*op)(void *), void *arg, long n, double *wall, double *cpu)
{
	long per = n / reps > 0 ? n / reps : 1;
	long long t0, c0;
	long i, r;

	for (i = 0; warmup && i < n / 10; i++)
		if (op(arg))
			return -1;
	*wall = *cpu = -1;
	for (r = 0; r < reps; r++) {
		double w, c;

		c0 = cpu_ns();
		t0 = now_ns();
		for (i = 0; i < per; i++) {
			if (op(arg))
				return -1;
			if (pause_us)
				usleep(pause_us);
		}
		w = (double)(now_ns() - t0) / (double)per;
		c = (double)(cpu_ns() - c0) / (double)per;
		if (*wall < 0 || w < *wall)
			*wall = w;
		if (*cpu < 0 || c < *cpu)
			*cpu = c;
	}
	return 0;
}

static void join_cgroup(const char *dir)
{
	char path[4096], pid[32];
	int fd, len;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		die(path);
	len = snprintf(pid, sizeof(pid), "%d\n", getpid());
	if (write(fd, pid, (size_t)len) != len)
		die(path);
	close(fd);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static void usage(void)
{
	fprintf(stderr, "usage: workloads [-c CPU] [-g CGROUP_DIR] [-x EXEC_PATH] [-n NSPATH] [-W] [-s USEC] [-r REPS] "
			"{getppid|fork|exec|setns|unshare|runc}:N ...\n");
	exit(2);
}

int main(int argc, char **argv)
{
	int opt, status = 0, nsfd = -1;

	while ((opt = getopt(argc, argv, "c:g:x:n:Ws:r:")) != -1) {
		switch (opt) {
		case 'c': pin(atoi(optarg)); break;
		case 'g': join_cgroup(optarg); break;
		case 'x': exec_path = optarg; break;
		case 'n': ns_path = optarg; break;
		case 'W': warmup = 0; break;
		case 's': pause_us = (unsigned int)atoi(optarg); break;
		case 'r': reps = atol(optarg) > 0 ? atol(optarg) : 1; break;
		default: usage();
		}
	}
	if (optind >= argc)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = optind; i < argc; i++) {
		char name[32], *runc_argv[6];
		int (*op)(void *);
		void *arg = NULL;
		long n;
		double wall, cpu;

		if (sscanf(argv[i], "%31[a-z]:%ld", name, &n) != 2 || n <= 0)
			usage();
		if (!strcmp(name, "getppid")) {
			op = op_getppid;
		} else if (!strcmp(name, "fork")) {
			op = op_fork;
		} else if (!strcmp(name, "exec")) {
			op = op_exec;
		} else if (!strcmp(name, "setns")) {
			if (nsfd < 0 && (nsfd = open(ns_path, O_RDONLY | O_CLOEXEC)) < 0)
				die(ns_path);
			op = op_setns;
			arg = &nsfd;
		} else if (!strcmp(name, "unshare")) {
			op = op_unshare;
		} else if (!strcmp(name, "runc")) {
			runc_argv[0] = getenv("BENCH_RUNC") ? getenv("BENCH_RUNC") : "/usr/sbin/runc";
			runc_argv[1] = "run";
			runc_argv[2] = "--bundle";
			runc_argv[3] = getenv("BENCH_RUNC_BUNDLE");
			runc_argv[4] = getenv("BENCH_RUNC_ID");
			runc_argv[5] = NULL;
			if (!runc_argv[3] || !runc_argv[4]) {
				fprintf(stderr, "workloads: runc needs BENCH_RUNC_BUNDLE and BENCH_RUNC_ID\n");
				return 2;
			}
			op = op_runc;
			arg = runc_argv;
		} else {
			usage();
		}
		if (run(op, arg, n, &wall, &cpu)) {
			fprintf(stderr, "workloads: %s failed: %s\n", name, strerror(errno));
			status = 1;
			continue;
		}
		printf("%s %ld %.1f %.1f\n", name, n, wall, cpu);
	}
	return status;
}
