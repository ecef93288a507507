// SPDX-License-Identifier: GPL-2.0
/*
 * setns_storm N [NSPATH]
 *
 * Calls setns(fd, 0) N times on one namespace fd (default: our own IPC ns).
 * Re-joining one's own namespace is benign, so this measures the per-call
 * overhead of nsguard's setns hooks and checks it never flags a no-op.
 * Prints "calls=N ok=K failed=F"; exit 0 only if every call succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	const char *path = argc > 2 ? argv[2] : "/proc/self/ns/ipc";
	long n, ok = 0, failed = 0;
	int fd, first_errno = 0;

	if (argc < 2 || argc > 3 || (n = atol(argv[1])) <= 0) {
		fprintf(stderr, "usage: setns_storm N [NSPATH]\n");
		return 2;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return 1;
	}
	for (long i = 0; i < n; i++) {
		if (setns(fd, 0) == 0) {
			ok++;
		} else {
			if (!first_errno)
				first_errno = errno;
			failed++;
		}
	}
	printf("calls=%ld ok=%ld failed=%ld\n", n, ok, failed);
	if (failed)
		fprintf(stderr, "first error: %s\n", strerror(first_errno));
	close(fd);
	return failed ? 1 : 0;
}
