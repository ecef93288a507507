/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): splitting
 * an input into parts, an independent UTF-8 check, and a per-process
 * scratch directory on tmpfs for targets that need files.
 */
#ifndef NSGUARD_FUZZ_COMMON_H
#define NSGUARD_FUZZ_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

/* Parts of a multi-file input are separated by this byte (never valid UTF-8). */
#define FUZZ_SEP 0xFF

struct fuzz_part {
	const uint8_t *p;
	size_t n;
};

/* Splits data at FUZZ_SEP into at most max parts (the last one takes the rest). */
static inline size_t fuzz_split(const uint8_t *data, size_t size, struct fuzz_part *parts,
				size_t max)
{
	size_t count = 0, start = 0;

	for (size_t i = 0; i < size && count + 1 < max; i++) {
		if (data[i] != FUZZ_SEP)
			continue;
		parts[count++] = (struct fuzz_part){ data + start, i - start };
		start = i + 1;
	}
	parts[count++] = (struct fuzz_part){ data + start, size - start };
	for (size_t i = count; i < max; i++)
		parts[i] = (struct fuzz_part){ NULL, 0 };
	return count;
}

/* Strict UTF-8 (RFC 3629), written apart from user/utf8.c on purpose. */
static inline bool fuzz_utf8_ok(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n;

		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xE0) == 0xC0) {
			n = 2;
			cp = p[i] & 0x1F;
		} else if ((p[i] & 0xF0) == 0xE0) {
			n = 3;
			cp = p[i] & 0x0F;
		} else if ((p[i] & 0xF8) == 0xF0) {
			n = 4;
			cp = p[i] & 0x07;
		} else {
			return false;
		}
		if (len - i < n)
			return false;
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				return false;
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += n;
	}
	return true;
}

#define FUZZ_CHECK(cond, ...)                                                                \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "fuzz check failed at %s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                                      \
			fprintf(stderr, "  " __VA_ARGS__);                                   \
			fputc('\n', stderr);                                                 \
			abort();                                                             \
		}                                                                            \
	} while (0)

/*
 * A scratch directory made once per process and removed at exit: under
 * $FUZZ_TMPDIR when set (tests/fuzz/run.sh points it at a tmpfs dir of its
 * own and removes that, so a crash leaves nothing behind), else /dev/shm
 * (tmpfs: fast), else $TMPDIR or /tmp.
 */
static char fuzz_tmp_dir[256];

static inline void fuzz_tmp_cleanup(void)
{
	char cmd[300];

	if (!strstr(fuzz_tmp_dir, "/nsguard-fuzz.") || strchr(fuzz_tmp_dir, '\''))
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf -- '%s'", fuzz_tmp_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz: could not remove %s\n", fuzz_tmp_dir);
}

static inline const char *fuzz_tmp(void)
{
	const char *parents[] = { getenv("FUZZ_TMPDIR"), "/dev/shm", getenv("TMPDIR"), "/tmp" };

	if (fuzz_tmp_dir[0])
		return fuzz_tmp_dir;
	for (size_t i = 0; !fuzz_tmp_dir[0] && i < sizeof(parents) / sizeof(parents[0]); i++) {
		if (!parents[i] || !parents[i][0] || strlen(parents[i]) > 150)
			continue;
		snprintf(fuzz_tmp_dir, sizeof(fuzz_tmp_dir), "%s/nsguard-fuzz.XXXXXX", parents[i]);
		if (!mkdtemp(fuzz_tmp_dir))
			fuzz_tmp_dir[0] = '\0';
	}
	if (!fuzz_tmp_dir[0]) {
		perror("fuzz: mkdtemp");
		abort();
	}
	atexit(fuzz_tmp_cleanup);
	return fuzz_tmp_dir;
}

/* mkdir -p for a path under the scratch dir. */
static inline void fuzz_mkdirs(const char *path)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0700) && errno != EEXIST) {
			perror(buf);
			abort();
		}
		*s = '/';
	}
	if (mkdir(buf, 0700) && errno != EEXIST) {
		perror(buf);
		abort();
	}
}

/* Writes len bytes to path (replacing it), or removes path when p is NULL. */
static inline void fuzz_put_file(const char *path, const void *p, size_t len)
{
	int fd;

	unlink(path);
	if (!p)
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		perror(path);
		abort();
	}
	while (len) {
		ssize_t w = write(fd, p, len);

		if (w <= 0) {
			perror(path);
			abort();
		}
		p = (const char *)p + w;
		len -= (size_t)w;
	}
	close(fd);
}

#endif
