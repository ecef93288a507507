// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The one bounded JSON file reader (user/util/json_file.c): what it accepts,
 * where it says it failed, and the reasons word for word, since
 * nsguard-runc prints them (tests/docker/wrapper_cases.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "util/json_file.h"

static char dir[64], path[128], err[256];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/nsg-json-file.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

static const char *file(const char *name, const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (text) {
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	return path;
}

/* Loads path as nsguard-runc does, with a cap of max bytes. */
static json_t *load(const char *p, size_t max, struct nsg_json_file *f)
{
	*f = (struct nsg_json_file){ .max = max, .json_flags = JSON_ALLOW_NUL };
	err[0] = '\0';
	return nsg_json_file_load(p, O_NOFOLLOW | O_NONBLOCK, f, err, sizeof(err));
}

static void test_reads_within_cap(void **state)
{
	struct nsg_json_file f;
	json_t *j;

	(void)state;
	/* Exactly at the cap, and a \u0000 allowed by the caller's flags. */
	j = load(file("ok.json", "{\"a\":\"x\\u0000y\"}"), 16, &f);
	assert_non_null(j);
	assert_int_equal(f.fault, NSG_JSON_FILE_OK);
	assert_int_equal(f.st.st_size, 16);
	assert_int_equal(json_string_length(json_object_get(j, "a")), 3);
	assert_string_equal(err, "");
	json_decref(j);
	/* Without an err buffer, and from an fd. */
	f = (struct nsg_json_file){ .max = 1 << 20, .json_flags = JSON_ALLOW_NUL };
	j = nsg_json_file_load_fd(open(file("ok.json", NULL), O_RDONLY), &f, NULL, 0);
	assert_non_null(j);
	json_decref(j);
	/* The same \u0000 without JSON_ALLOW_NUL is not JSON. */
	f = (struct nsg_json_file){ .max = 1 << 20 };
	assert_null(nsg_json_file_load(file("ok.json", NULL), 0, &f, NULL, 0));
	assert_int_equal(f.fault, NSG_JSON_FILE_PARSE);
}

static void test_reasons(void **state)
{
	struct nsg_json_file f;

	(void)state;
	assert_null(load(file("missing.json", NULL), 16, &f));
	assert_int_equal(f.fault, NSG_JSON_FILE_OPEN);
	assert_int_equal(f.errnum, ENOENT);
	assert_string_equal(err, "cannot open: No such file or directory");
	file("target.json", "{}");
	assert_int_equal(symlink(path, file("link.json", NULL)), 0);
	assert_null(load(path, 16, &f));
	assert_int_equal(f.fault, NSG_JSON_FILE_OPEN);
	assert_string_equal(err, "is a symbolic link, refused");
	assert_null(load(dir, 16, &f));
	assert_int_equal(f.fault, NSG_JSON_FILE_UNFIT);
	assert_string_equal(err, "not a regular file");
	assert_int_equal(mkfifo(file("fifo.json", NULL), 0600), 0);
	assert_null(load(path, 16, &f));
	assert_string_equal(err, "not a regular file");
	assert_null(load(file("big.json", "{\"a\":\"0123456789\"}"), 16, &f));
	assert_int_equal(f.fault, NSG_JSON_FILE_UNFIT);
	assert_string_equal(err, "18 bytes, over the 16-byte limit");
	assert_null(load(file("bad.json", "{\"a\":\n}"), 16, &f));
	assert_int_equal(f.fault, NSG_JSON_FILE_PARSE);
	assert_string_equal(err, "not JSON: unexpected token near '}' (line 2, column 1)");
	/* An open that failed, handed over as fd -1. */
	errno = EACCES;
	assert_null(nsg_json_file_load_fd(-1, &f, err, sizeof(err)));
	assert_int_equal(f.fault, NSG_JSON_FILE_OPEN);
	assert_string_equal(err, "cannot open: Permission denied");
}

/* fstat says 0 bytes, the read finds more: the cap holds while reading. */
static void test_grows_past_cap(void **state)
{
	struct nsg_json_file f;

	(void)state;
	assert_null(load("/proc/self/status", 16, &f));
	assert_int_equal(f.fault, NSG_JSON_FILE_UNREAD);
	assert_int_equal(f.errnum, EFBIG);
	assert_string_equal(err, "over the 16-byte limit");
	/* With room, the same file is read whole (and is not JSON). */
	assert_null(load("/proc/self/status", 1 << 20, &f));
	assert_int_equal(f.fault, NSG_JSON_FILE_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_within_cap),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_grows_past_cap),
	};

	return cmocka_run_group_tests_name("json_file", tests, setup, teardown);
}
