// SPDX-License-Identifier: GPL-2.0
/*
 * evade SUBCOMMAND ARGS... — ways a task in a container may try to get into
 * a host namespace past nsguard (tests/evasion/). Static, so it runs in a
 * busybox rootfs.
 *
 *   thread-setns NSFILE          setns() from a second thread
 *   scm-send SOCK NSFILE         (host) serve NSFILE's fd over SCM_RIGHTS, once
 *   scm-recv SOCK                (container) receive that fd and setns() it
 *   setns-path PATH [TYPES]      open PATH (a symlink, a bind mount) and setns()
 *   execveat PATH [ARGS]         execveat(dirfd, name)
 *   execveat-empty PATH [ARGS]   execveat(O_PATH fd, "", AT_EMPTY_PATH)
 *   fexecve PATH [ARGS]          open + fexecve
 *   memfd PATH [ARGS]            copy PATH into a memfd and fexecve that
 *   clone3-exec PATH [ARGS]      a clone3() child execs PATH
 *   vfork-exec PATH [ARGS]       a vfork() child execs PATH
 *   clone3-setns NSFILE          a clone3() child calls setns()
 *   nested-pidns NSFILE          PID 1 of a new PID namespace calls setns()
 *   nested-cgroup CGDIR NSFILE   move into CGDIR/evade (created), then setns()
 *   comm-setns HEXNAME NSFILE    set comm to HEXNAME's bytes, then setns()
 *
 * Output: every setns() prints "setns=0" or "setns=-1 errno=N (msg)"; a
 * waited-for child "child=exit:N" or "child=signal:N"; a failed exec
 * "exec=-1 errno=N (msg)". stdout is unbuffered: a SIGKILL loses nothing.
 * Exit 0 when the operation succeeded, 1 when it failed, 2 on bad usage.
 * For exec subcommands argv[0] is PATH's basename (busybox picks its applet);
 * PATH may be given as hex:HEXBYTES, for names no config.json can carry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

extern char **environ;

static int usage(void)
{
	fprintf(stderr, "usage: evade thread-setns|scm-send|scm-recv|setns-path|execveat|"
			"execveat-empty|fexecve|memfd|clone3-exec|vfork-exec|clone3-setns|"
			"nested-pidns|nested-cgroup|comm-setns ARGS...\n");
	return 2;
}

static int parse_types(const char *list)
{
	static const struct {
		const char *name;
		int flag;
	} t[] = { { "ipc", CLONE_NEWIPC }, { "pid", CLONE_NEWPID },	  { "net", CLONE_NEWNET },
		  { "mnt", CLONE_NEWNS },   { "uts", CLONE_NEWUTS },	  { "user", CLONE_NEWUSER },
		  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME } };
	char *copy = strdup(list), *tok, *save = NULL;
	int flags = 0;

	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			if (strcmp(tok, t[i].name) == 0)
				flags |= t[i].flag;
	free(copy);
	return flags;
}

/* setns(fd, flags) and its result line; 0 on success. */
static int report_setns(int fd, int flags)
{
	int rc = setns(fd, flags);
	int e = errno;

	if (rc == 0)
		printf("setns=0\n");
	else
		printf("setns=-1 errno=%d (%s)\n", e, strerror(e));
	return rc == 0 ? 0 : 1;
}

static int open_or_fail(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		printf("open=-1 errno=%d (%s) %s\n", errno, strerror(errno), path);
	return fd;
}

static int setns_file(const char *path, int flags)
{
	int fd = open_or_fail(path, O_RDONLY);

	return fd < 0 ? 1 : report_setns(fd, flags);
}

static void *thread_main(void *arg)
{
	return (void *)(long)setns_file(arg, 0);
}

static int cmd_thread_setns(int n, char **argv)
{
	pthread_t t;
	void *ret;

	(void)n;
	if (pthread_create(&t, NULL, thread_main, argv[0]) || pthread_join(t, &ret))
		return 1;
	return (int)(long)ret;
}

static int unix_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path))
		return -1;
	strcpy(a->sun_path, path);
	return 0;
}

static int cmd_scm_send(int n, char **argv)
{
	(void)n;
	struct sockaddr_un a;
	char byte = 'x', ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	int nsfd = open_or_fail(argv[1], O_RDONLY), ls, cs;

	if (nsfd < 0 || unix_addr(argv[0], &a))
		return 1;
	ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(argv[0]);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof(a)) || chmod(argv[0], 0777) ||
	    listen(ls, 1)) {
		perror("evade scm-send");
		return 1;
	}
	printf("listening\n");
	alarm(30); /* no client: give up instead of hanging a test */
	cs = accept(ls, NULL, NULL);
	if (cs < 0)
		return 1;
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &nsfd, sizeof(int));
	if (sendmsg(cs, &m, 0) != 1)
		return 1;
	close(cs);
	unlink(argv[0]);
	return 0;
}

static int cmd_scm_recv(int n, char **argv)
{
	(void)n;
	struct sockaddr_un a;
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), fd;

	if (s < 0 || unix_addr(argv[0], &a) || connect(s, (struct sockaddr *)&a, sizeof(a)) ||
	    recvmsg(s, &m, 0) != 1) {
		printf("recv=-1 errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS) {
		printf("recv=-1 no fd\n");
		return 1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return report_setns(fd, 0);
}

static int cmd_setns_path(int n, char **argv)
{
	return setns_file(argv[0], n > 1 ? parse_types(argv[1]) : 0);
}

/* "hex:2f62..." -> the bytes, in place (the result is never longer). */
static void decode_hex_path(char *arg)
{
	size_t n = 0;
	unsigned int b;

	if (strncmp(arg, "hex:", 4))
		return;
	for (const char *h = arg + 4; h[0] && h[1] && sscanf(h, "%2x", &b) == 1; h += 2)
		arg[n++] = (char)b;
	arg[n] = '\0';
}

/* argv for an exec of PATH: basename(PATH), then ARGS. */
static char **exec_argv(char **argv)
{
	static char name[256];

	snprintf(name, sizeof(name), "%s", argv[0]);
	argv[0] = basename(name);
	return argv;
}

static int exec_failed(void)
{
	printf("exec=-1 errno=%d (%s)\n", errno, strerror(errno));
	return 1;
}

static int cmd_execveat(int n, char **argv)
{
	char dir[4096], file[256];
	int dfd;

	(void)n;
	snprintf(dir, sizeof(dir), "%s", argv[0]);
	snprintf(file, sizeof(file), "%s", argv[0]);
	dfd = open_or_fail(dirname(dir), O_PATH | O_DIRECTORY);
	if (dfd < 0)
		return 1;
	syscall(SYS_execveat, dfd, basename(file), exec_argv(argv), environ, 0);
	return exec_failed();
}

static int cmd_execveat_empty(int n, char **argv)
{
	int fd = open_or_fail(argv[0], O_PATH);

	(void)n;
	if (fd < 0)
		return 1;
	syscall(SYS_execveat, fd, "", exec_argv(argv), environ, AT_EMPTY_PATH);
	return exec_failed();
}

static int cmd_fexecve(int n, char **argv)
{
	int fd = open_or_fail(argv[0], O_RDONLY);

	(void)n;
	if (fd < 0)
		return 1;
	fexecve(fd, exec_argv(argv), environ);
	return exec_failed();
}

static int cmd_memfd(int n, char **argv)
{
	int in = open_or_fail(argv[0], O_RDONLY), mfd = memfd_create("evade", 0);
	char buf[65536];
	ssize_t got;

	(void)n;
	if (in < 0 || mfd < 0)
		return exec_failed();
	while ((got = read(in, buf, sizeof(buf))) > 0)
		if (write(mfd, buf, (size_t)got) != got)
			return exec_failed();
	close(in);
	fexecve(mfd, exec_argv(argv), environ);
	return exec_failed();
}

static int report_child(pid_t pid)
{
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		printf("child=-1 errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	if (WIFSIGNALED(st)) {
		printf("child=signal:%d\n", WTERMSIG(st));
		return 1;
	}
	printf("child=exit:%d\n", WEXITSTATUS(st));
	return WEXITSTATUS(st) ? 1 : 0;
}

static pid_t clone3_fork(void)
{
	struct clone_args args = { .exit_signal = SIGCHLD };

	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int cmd_clone3_exec(int n, char **argv)
{
	static char target[4096];
	char **child_argv;
	pid_t pid;

	(void)n;
	decode_hex_path(argv[0]);
	snprintf(target, sizeof(target), "%s", argv[0]);
	child_argv = exec_argv(argv);
	pid = clone3_fork();
	if (pid == 0) {
		execve(target, child_argv, environ);
		_exit(exec_failed() + 126);
	}
	return report_child(pid);
}

static int cmd_vfork_exec(int n, char **argv)
{
	static char target[4096];
	char **child_argv;
	pid_t pid;

	(void)n;
	/* Copied first: exec_argv() replaces argv[0] with the basename. */
	snprintf(target, sizeof(target), "%s", argv[0]);
	child_argv = exec_argv(argv);
	pid = vfork();
	if (pid == 0) {
		static const char eperm[] = "exec=-1 errno=1 (Operation not permitted)\n";

		execve(target, child_argv, environ);
		/* Only async-signal-safe calls here: the parent's memory is shared. */
		if (errno == EPERM && write(1, eperm, sizeof(eperm) - 1) < 0)
			_exit(126);
		_exit(127);
	}
	return report_child(pid);
}

static int cmd_clone3_setns(int n, char **argv)
{
	pid_t pid = clone3_fork();

	(void)n;
	if (pid == 0)
		_exit(setns_file(argv[0], 0));
	return report_child(pid);
}

static int cmd_nested_pidns(int n, char **argv)
{
	int fd = open_or_fail(argv[0], O_RDONLY);
	pid_t pid;

	(void)n;
	if (fd < 0)
		return 1;
	if (unshare(CLONE_NEWPID)) {
		printf("unshare=-1 errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	pid = fork();
	if (pid == 0) {
		printf("pid=%d\n", getpid());
		_exit(report_setns(fd, 0));
	}
	return report_child(pid);
}

static int cmd_nested_cgroup(int n, char **argv)
{
	char dir[4096], procs[4200];
	int fd = open_or_fail(argv[1], O_RDONLY), cg;

	(void)n;
	if (fd < 0)
		return 1;
	snprintf(dir, sizeof(dir), "%s/evade", argv[0]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if ((mkdir(dir, 0755) && errno != EEXIST) || (cg = open(procs, O_WRONLY)) < 0 ||
	    dprintf(cg, "%d\n", getpid()) < 0) {
		printf("cgroup=-1 errno=%d (%s)\n", errno, strerror(errno));
		return 1;
	}
	close(cg);
	printf("cgroup=moved\n");
	return report_setns(fd, 0);
}

static int cmd_comm_setns(int n, char **argv)
{
	char name[16] = { 0 };
	size_t len = strlen(argv[0]) / 2;

	(void)n;
	if (len > 15 || strlen(argv[0]) % 2)
		return usage();
	for (size_t i = 0; i < len; i++) {
		unsigned int b;

		if (sscanf(argv[0] + 2 * i, "%2x", &b) != 1)
			return usage();
		name[i] = (char)b;
	}
	prctl(PR_SET_NAME, name);
	return setns_file(argv[1], 0);
}

static const struct command {
	const char *name;
	int min_args;
	int (*run)(int n, char **argv);
} commands[] = {
	{ "thread-setns", 1, cmd_thread_setns },   { "scm-send", 2, cmd_scm_send },
	{ "scm-recv", 1, cmd_scm_recv },	   { "setns-path", 1, cmd_setns_path },
	{ "execveat", 1, cmd_execveat },	   { "execveat-empty", 1, cmd_execveat_empty },
	{ "fexecve", 1, cmd_fexecve },		   { "memfd", 1, cmd_memfd },
	{ "clone3-exec", 1, cmd_clone3_exec },	   { "vfork-exec", 1, cmd_vfork_exec },
	{ "clone3-setns", 1, cmd_clone3_setns },   { "nested-pidns", 1, cmd_nested_pidns },
	{ "nested-cgroup", 2, cmd_nested_cgroup }, { "comm-setns", 2, cmd_comm_setns },
};

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2)
		return usage();
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return argc - 2 < commands[i].min_args ? usage()
							       : commands[i].run(argc - 2, argv + 2);
	return usage();
}
