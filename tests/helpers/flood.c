// SPDX-License-Identifier: GPL-2.0
/*
 * flood — an attacker inside a container trying to blind the feed.
 *
 *   flood setns CALLS NSPATH [WORKERS [rename]]
 *       WORKERS processes (default 1) share CALLS setns(fd, 0) calls on
 *       NSPATH (a host namespace file: each call is a violation). With
 *       `rename`, every process renames itself (prctl PR_SET_NAME) before
 *       every call, so no two consecutive events carry the same comm.
 *       Prints "calls=N ok=K failed=F".
 *   flood exec COUNT
 *       COUNT fork+exec of this binary under COUNT distinct paths ("/usr/
 *       local/bin/./././flood", "//usr/local/...": the same file, another
 *       string), each a distinct-looking violation in a host-namespace
 *       container. Prints "execs=N ok=K failed=F" (ok: the child ran).
 *   flood noop
 *       Exits 0 (what the exec shape runs).
 *
 * CALLS or COUNT 0: until the file /flood-stop exists (looked for every
 * 1,024 calls), so a test, not the machine's speed, decides how long the
 * flood lasts. Counts are exact: the tests add up what the agent reports
 * against them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_WORKERS 64

struct tally {
	long ok, failed;
};

static int usage(void)
{
	fprintf(stderr, "usage: flood setns CALLS NSPATH [WORKERS [rename]] | flood exec COUNT | flood noop\n");
	return 2;
}

#define STOP_FILE "/flood-stop"
#define STOP_CHECK_EVERY 1024

/* Another call? A count, or 0: until the stop file appears. */
static int go_on(long i, long calls)
{
	if (calls)
		return i < calls;
	return i % STOP_CHECK_EVERY || access(STOP_FILE, F_OK) != 0;
}

static void setns_worker(int fd, long calls, int worker, int rename, struct tally *t)
{
	char name[16];

	for (long i = 0; go_on(i, calls); i++) {
		if (rename) {
			snprintf(name, sizeof(name), "fl%d-%ld", worker, i % 100000);
			prctl(PR_SET_NAME, name, 0, 0, 0);
		}
		if (setns(fd, 0) == 0)
			t->ok++;
		else
			t->failed++;
	}
}

static int flood_setns(long calls, const char *path, int workers, int rename)
{
	struct tally *t = mmap(NULL, sizeof(*t) * MAX_WORKERS, PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long ok = 0, failed = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), w;

	if (fd < 0 || t == MAP_FAILED) {
		fprintf(stderr, "flood: %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (w = 0; w < workers; w++) {
		long share = calls ? calls / workers + (w < calls % workers) : 0;
		pid_t pid = fork();

		if (pid < 0)
			return 1;
		if (pid == 0) {
			setns_worker(fd, share, w, rename, &t[w]);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	for (w = 0; w < workers; w++) {
		ok += t[w].ok;
		failed += t[w].failed;
	}
	printf("calls=%ld ok=%ld failed=%ld\n", ok + failed, ok, failed);
	return 0;
}

/*
 * The i-th spelling of /usr/local/bin/flood: 1..64 leading slashes, then
 * 0..79 "./" before the name (5,120 spellings, all under NSG_EXE_LEN).
 */
static void distinct_path(long i, char *buf, size_t len)
{
	int slashes = 1 + (int)(i % 64), dots = (int)(i / 64 % 80), n = 0;

	for (int s = 0; s < slashes; s++)
		n += snprintf(buf + n, len - (size_t)n, "/");
	n += snprintf(buf + n, len - (size_t)n, "usr/local/bin/");
	for (int d = 0; d < dots; d++)
		n += snprintf(buf + n, len - (size_t)n, "./");
	snprintf(buf + n, len - (size_t)n, "flood");
}

static int flood_exec(long count)
{
	long ok = 0, failed = 0;
	char path[512];

	for (long i = 0; go_on(i, count); i++) {
		int status;
		pid_t pid;

		distinct_path(i, path, sizeof(path));
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			execl(path, "flood", "noop", (char *)NULL);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
			ok++;
		else
			failed++;
	}
	printf("execs=%ld ok=%ld failed=%ld\n", ok + failed, ok, failed);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "noop") == 0)
		return 0;
	if (argc >= 4 && argc <= 6 && strcmp(argv[1], "setns") == 0) {
		long calls = atol(argv[2]);
		int workers = argc > 4 ? atoi(argv[4]) : 1;
		int rename = argc > 5 && strcmp(argv[5], "rename") == 0;

		if (calls < 0 || workers < 1 || workers > MAX_WORKERS || (argc > 5 && !rename))
			return usage();
		return flood_setns(calls, argv[3], workers, rename);
	}
	if (argc == 3 && strcmp(argv[1], "exec") == 0 && atol(argv[2]) >= 0)
		return flood_exec(atol(argv[2]));
	return usage();
}
