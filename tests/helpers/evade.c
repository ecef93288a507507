// SPDX-License-Identifier: GPL-2.0
/*
 * evade SUBCOMMAND ARGS... — ways a task in a container may try to get into
 * a host namespace past nsguard (tests/evasion/). Static, so it runs in a
 * busybox rootfs.
 *
 *   thread-setns NSFILE           setns(fd, 0) from a second thread
 *   scm-send SOCK NSFILE [SECS]   (host) open NSFILE, listen on SOCK (0777),
 *                                 print "listening", send the fd over
 *                                 SCM_RIGHTS to one client; exit 1 when none
 *                                 comes within SECS (default 30)
 *   scm-recv SOCK                 (container) receive that fd, setns(fd, 0)
 *   setns-path PATH [TYPES]       open PATH (a symlink, a bind mount), setns();
 *                                 TYPES: comma list of ipc,pid,net,mnt,uts,
 *                                 user,cgroup,time (default 0: any type)
 *   execveat PATH [ARGS...]       execveat(dirfd of dirname, basename)
 *   execveat-empty PATH [ARGS...] execveat(O_PATH fd, "", AT_EMPTY_PATH)
 *   fexecve PATH [ARGS...]        open(O_RDONLY) + fexecve
 *   memfd PATH [ARGS...]          copy PATH (symlinks followed) into a memfd,
 *                                 fexecve that
 *   clone3-exec PATH [ARGS...]    a clone3() child execs PATH, parent waits
 *   vfork-exec PATH [ARGS...]     a vfork() child execs PATH, parent waits
 *   clone3-setns NSFILE           a clone3() child does setns(fd, 0)
 *   nested-pidns NSFILE           open NSFILE, unshare(CLONE_NEWPID), fork:
 *                                 the child (PID 1 there, prints "pid=1")
 *                                 does setns(fd, 0)
 *   nested-cgroup CGDIR NSFILE    open NSFILE, move into CGDIR/evade (made if
 *                                 missing; CGDIR must be a writable cgroup
 *                                 dir), print "cgroup=moved", setns(fd, 0)
 *   exec-after-move CGROOT PATH [ARGS...]
 *                                 write our pid into CGROOT/cgroup.procs (a
 *                                 cgroup hierarchy's root, bound read-write
 *                                 into the container), print "cgroup=moved",
 *                                 execve PATH
 *   comm-setns HEXNAME NSFILE     comm := HEXNAME's bytes (1..15, via
 *                                 PR_SET_NAME; 00 ends it), setns(fd, 0)
 *
 * Output (stdout, unbuffered, so a SIGKILL loses nothing): every setns()
 * "setns=0" or "setns=-1 errno=N (msg)"; a waited-for child "child=exit:N"
 * or "child=signal:N"; a failed exec "exec=-1 errno=N (msg)"; other failed
 * steps "open=", "recv=", "unshare=", "cgroup=", "comm=" the same way.
 * Exit 0 when the operation succeeded, 1 when it failed, 2 on bad usage (one
 * line on stderr). A successful exec exits as the new program does; a parent
 * exits 0 only when its child exited 0. SIGKILL (signal tier) shows as exit
 * 137 or child=signal:9, EPERM (lsm tier) as errno=1 and exit 1.
 *
 * Exec subcommands: argv[0] is PATH's basename, ARGS are argv[1..], so a
 * busybox link picks its applet by name ("memfd /bin/true"), and busybox
 * itself takes the applet from ARGS ("memfd /bin/busybox true"). PATH may be
 * written hex:HEXBYTES, for names that no config.json can carry.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
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

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_execveat
#define SYS_execveat 322
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

extern char **environ;

static const char *subcommands =
	"thread-setns|scm-send|scm-recv|setns-path|execveat|execveat-empty|fexecve|memfd|"
	"clone3-exec|vfork-exec|clone3-setns|nested-pidns|nested-cgroup|exec-after-move|comm-setns";

/* "WHAT=-1 errno=N (msg)" for the errno of the step that failed; returns 1. */
static int fail(const char *what, int e)
{
	printf("%s=-1 errno=%d (%s)\n", what, e, strerror(e));
	return 1;
}

static int parse_types(const char *list)
{
	static const struct {
		const char *name;
		int flag;
	} t[] = { { "ipc", CLONE_NEWIPC }, { "pid", CLONE_NEWPID },	  { "net", CLONE_NEWNET },
		  { "mnt", CLONE_NEWNS },   { "uts", CLONE_NEWUTS },	  { "user", CLONE_NEWUSER },
		  { "cgroup", CLONE_NEWCGROUP }, { "time", CLONE_NEWTIME } };
	char copy[128], *tok, *save = NULL;
	int flags = 0;

	if (snprintf(copy, sizeof(copy), "%s", list) >= (int)sizeof(copy))
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;

		for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
			if (strcmp(tok, t[i].name) == 0)
				break;
		if (i == sizeof(t) / sizeof(t[0]))
			return -1;
		flags |= t[i].flag;
	}
	return flags ? flags : -1;
}

/* HEX -> at most max bytes in out, NUL-terminated; the length, or -1. */
static int hex_decode(const char *hex, char *out, size_t max)
{
	size_t len = strlen(hex) / 2;

	if (strlen(hex) % 2 || len == 0 || len > max)
		return -1;
	for (size_t i = 0; i < len; i++) {
		char pair[3] = { hex[2 * i], hex[2 * i + 1], 0 };

		if (!isxdigit((unsigned char)pair[0]) || !isxdigit((unsigned char)pair[1]))
			return -1;
		out[i] = (char)strtoul(pair, NULL, 16);
	}
	out[len] = '\0';
	return (int)len;
}

/* setns(fd, flags) and its result line; 0 on success. */
static int report_setns(int fd, int flags)
{
	if (setns(fd, flags) != 0)
		return fail("setns", errno);
	printf("setns=0\n");
	return 0;
}

static int open_or_fail(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC);

	if (fd < 0)
		fail("open", errno);
	return fd;
}

static int setns_file(const char *path, int flags)
{
	int fd = open_or_fail(path, O_RDONLY);

	return fd < 0 ? 1 : report_setns(fd, flags);
}

/* --- setns from elsewhere than the main thread of a plain process --- */

static void *thread_main(void *arg)
{
	return (void *)(long)setns_file(arg, 0);
}

static int cmd_thread_setns(char **argv)
{
	pthread_t t;
	void *ret;
	int e = pthread_create(&t, NULL, thread_main, argv[0]);

	if (e)
		return fail("pthread_create", e);
	if ((e = pthread_join(t, &ret)))
		return fail("pthread_join", e);
	return (int)(long)ret;
}

static int unix_addr(const char *path, struct sockaddr_un *a)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		fprintf(stderr, "evade: socket path too long: %s\n", path);
		return -1;
	}
	strcpy(a->sun_path, path);
	return 0;
}

static int listen_at(const char *path)
{
	struct sockaddr_un a;
	int s;

	if (unix_addr(path, &a))
		return -1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || chmod(path, 0777) ||
	    listen(s, 1)) {
		fail("listen", errno);
		return -1;
	}
	return s;
}

static int send_fd(int s, int fd)
{
	char byte = 'x', ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(s, &m, MSG_NOSIGNAL) == 1 ? 0 : fail("send", errno);
}

static int cmd_scm_send(char **argv)
{
	int secs = argv[2] ? atoi(argv[2]) : 30, nsfd, ls, cs, rc;
	struct pollfd p;

	if (secs <= 0) {
		fprintf(stderr, "usage: evade scm-send SOCK NSFILE [SECS>0]\n");
		return 2;
	}
	if ((nsfd = open_or_fail(argv[1], O_RDONLY)) < 0 || (ls = listen_at(argv[0])) < 0)
		return 1;
	printf("listening\n");
	p = (struct pollfd){ .fd = ls, .events = POLLIN };
	rc = poll(&p, 1, secs * 1000);
	if (rc <= 0) {
		if (rc == 0)
			fprintf(stderr, "evade scm-send: no client within %d s\n", secs);
		else
			fail("poll", errno);
		unlink(argv[0]);
		return 1;
	}
	cs = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	unlink(argv[0]);
	if (cs < 0)
		return fail("accept", errno);
	rc = send_fd(cs, nsfd);
	close(cs);
	return rc;
}

static int cmd_scm_recv(char **argv)
{
	struct sockaddr_un a;
	char byte, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c;
	int s, fd;

	if (unix_addr(argv[0], &a))
		return 1;
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) ||
	    recvmsg(s, &m, MSG_CMSG_CLOEXEC) != 1)
		return fail("recv", errno);
	c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
		printf("recv=-1 no fd\n");
		return 1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return report_setns(fd, 0);
}

static int cmd_setns_path(char **argv)
{
	int flags = argv[1] ? parse_types(argv[1]) : 0;

	if (flags < 0) {
		fprintf(stderr, "usage: evade setns-path PATH [ipc|pid|net|mnt|uts|user|cgroup|time,...]\n");
		return 2;
	}
	return setns_file(argv[0], flags);
}

/* --- exec variants --- */

static char exec_path[PATH_MAX];	/* PATH, hex: decoded */
static char *exec_name;		/* its basename (in exec_path): argv[0] */

/* PATH -> exec_path, argv[0] := basename; argv is then the new program's. */
static int exec_prepare(char **argv)
{
	char *slash;

	if (strncmp(argv[0], "hex:", 4) == 0) {
		if (hex_decode(argv[0] + 4, exec_path, sizeof(exec_path) - 1) < 0)
			return -1;
	} else if (snprintf(exec_path, sizeof(exec_path), "%s", argv[0]) >= (int)sizeof(exec_path)) {
		return -1;
	}
	slash = strrchr(exec_path, '/');
	exec_name = slash ? slash + 1 : exec_path;
	if (!exec_name[0])
		return -1;
	argv[0] = exec_name;
	return 0;
}

static int cmd_execveat(char **argv)
{
	char dir[PATH_MAX];
	int dfd;

	snprintf(dir, sizeof(dir), "%.*s", (int)(strlen(exec_path) - strlen(exec_name)),
		 exec_path);
	if ((dfd = open_or_fail(dir[0] ? dir : ".", O_PATH | O_DIRECTORY)) < 0)
		return 1;
	syscall(SYS_execveat, dfd, exec_name, argv, environ, 0);
	return fail("exec", errno);
}

static int cmd_execveat_empty(char **argv)
{
	int fd = open_or_fail(exec_path, O_PATH);

	if (fd < 0)
		return 1;
	syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
	return fail("exec", errno);
}

static int cmd_fexecve(char **argv)
{
	int fd = open_or_fail(exec_path, O_RDONLY);

	if (fd < 0)
		return 1;
	fexecve(fd, argv, environ);
	return fail("exec", errno);
}

/* Flags 0, not MFD_CLOEXEC: a close-on-exec fd cannot be fexecve'd as a script. */
static int cmd_memfd(char **argv)
{
	int in = open_or_fail(exec_path, O_RDONLY), mfd;
	char buf[65536];
	ssize_t got;

	if (in < 0)
		return 1;
	if ((mfd = (int)memfd_create("evade", 0)) < 0)
		return fail("memfd", errno);
	while ((got = read(in, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0, w; off < got; off += w)
			if ((w = write(mfd, buf + off, (size_t)(got - off))) <= 0)
				return fail("memfd", errno);
	if (got < 0)
		return fail("read", errno);
	close(in);
	fexecve(mfd, argv, environ);
	return fail("exec", errno);
}

/* --- children --- */

static int report_child(pid_t pid)
{
	int st;

	if (pid < 0)
		return fail("child", errno);
	while (waitpid(pid, &st, 0) != pid)
		if (errno != EINTR)
			return fail("child", errno);
	if (WIFSIGNALED(st)) {
		printf("child=signal:%d\n", WTERMSIG(st));
		return 1;
	}
	printf("child=exit:%d\n", WEXITSTATUS(st));
	return WEXITSTATUS(st) ? 1 : 0;
}

/* fork() through the raw clone3 syscall: no namespace flags, SIGCHLD. */
static pid_t clone3_fork(void)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.exit_signal = SIGCHLD;
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

static int cmd_clone3_exec(char **argv)
{
	pid_t pid = clone3_fork();

	if (pid == 0) {
		execve(exec_path, argv, environ);
		_exit(fail("exec", errno) + 126); /* 127, as a shell's */
	}
	return report_child(pid);
}

static int cmd_vfork_exec(char **argv)
{
	/* The child shares our memory until it execs or exits: it leaves its
	 * errno here and the parent, resumed, reports it (no stdio in the child). */
	static volatile int exec_errno;
	pid_t pid;

	exec_errno = 0;
	pid = vfork();
	if (pid == 0) {
		execve(exec_path, argv, environ);
		exec_errno = errno;
		_exit(127);
	}
	if (pid > 0 && exec_errno)
		fail("exec", exec_errno);
	return report_child(pid);
}

static int cmd_clone3_setns(char **argv)
{
	pid_t pid = clone3_fork();

	if (pid == 0)
		_exit(setns_file(argv[0], 0));
	return report_child(pid);
}

static int cmd_nested_pidns(char **argv)
{
	int fd = open_or_fail(argv[0], O_RDONLY);
	pid_t pid;

	if (fd < 0)
		return 1;
	if (unshare(CLONE_NEWPID))
		return fail("unshare", errno);
	pid = fork();
	if (pid == 0) {
		printf("pid=%d\n", (int)getpid());
		_exit(report_setns(fd, 0));
	}
	return report_child(pid);
}

/* --- who is calling: cgroup, comm --- */

/* Our pid into DIR/cgroup.procs: the move a container with a writable cgroupfs makes. */
static int move_to_cgroup(const char *dir)
{
	char procs[PATH_MAX + 16], pid[16];
	int cg, len;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	len = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if ((cg = open(procs, O_WRONLY | O_CLOEXEC)) < 0 || write(cg, pid, (size_t)len) != len)
		return fail("cgroup", errno);
	close(cg);
	printf("cgroup=moved\n");
	return 0;
}

static int cmd_nested_cgroup(char **argv)
{
	char dir[PATH_MAX];
	int fd = open_or_fail(argv[1], O_RDONLY);

	if (fd < 0)
		return 1;
	snprintf(dir, sizeof(dir), "%s/evade", argv[0]);
	if (mkdir(dir, 0755) && errno != EEXIST)
		return fail("cgroup", errno);
	if (move_to_cgroup(dir))
		return 1;
	return report_setns(fd, 0);
}

/* argv: CGROOT PATH ARGS...; exec_prepare() made argv[1..] the new program's. */
static int cmd_exec_after_move(char **argv)
{
	if (move_to_cgroup(argv[0]))
		return 1;
	execv(exec_path, argv + 1);
	return fail("exec", errno);
}

static int cmd_comm_setns(char **argv)
{
	char name[16];

	if (hex_decode(argv[0], name, 15) < 0) {
		fprintf(stderr, "usage: evade comm-setns HEXNAME(1..15 bytes) NSFILE\n");
		return 2;
	}
	if (prctl(PR_SET_NAME, name, 0, 0, 0))
		return fail("comm", errno);
	return setns_file(argv[1], 0);
}

static const struct command {
	const char *name, *args;
	int min_args, max_args; /* max -1: any number (exec ARGS) */
	int exec;		/* PATH's position (1: first): exec_prepare() it; 0: none */
	int (*run)(char **argv);
} commands[] = {
	{ "thread-setns", "NSFILE", 1, 1, 0, cmd_thread_setns },
	{ "scm-send", "SOCK NSFILE [SECS]", 2, 3, 0, cmd_scm_send },
	{ "scm-recv", "SOCK", 1, 1, 0, cmd_scm_recv },
	{ "setns-path", "PATH [TYPES]", 1, 2, 0, cmd_setns_path },
	{ "execveat", "PATH [ARGS...]", 1, -1, 1, cmd_execveat },
	{ "execveat-empty", "PATH [ARGS...]", 1, -1, 1, cmd_execveat_empty },
	{ "fexecve", "PATH [ARGS...]", 1, -1, 1, cmd_fexecve },
	{ "memfd", "PATH [ARGS...]", 1, -1, 1, cmd_memfd },
	{ "clone3-exec", "PATH [ARGS...]", 1, -1, 1, cmd_clone3_exec },
	{ "vfork-exec", "PATH [ARGS...]", 1, -1, 1, cmd_vfork_exec },
	{ "clone3-setns", "NSFILE", 1, 1, 0, cmd_clone3_setns },
	{ "nested-pidns", "NSFILE", 1, 1, 0, cmd_nested_pidns },
	{ "nested-cgroup", "CGDIR NSFILE", 2, 2, 0, cmd_nested_cgroup },
	{ "exec-after-move", "CGROOT PATH [ARGS...]", 2, -1, 2, cmd_exec_after_move },
	{ "comm-setns", "HEXNAME NSFILE", 2, 2, 0, cmd_comm_setns },
};

static int run(const struct command *c, int n, char **argv)
{
	/* exec: 1 when PATH is the first argument, 2 when the second. */
	if (n < c->min_args || (c->max_args >= 0 && n > c->max_args) ||
	    (c->exec && exec_prepare(argv + c->exec - 1))) {
		fprintf(stderr, "usage: evade %s %s\n", c->name, c->args);
		return 2;
	}
	return c->run(argv);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return run(&commands[i], argc - 2, argv + 2);
	fprintf(stderr, "usage: evade %s ARGS...\n", subcommands);
	return 2;
}
