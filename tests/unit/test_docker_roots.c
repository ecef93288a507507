// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Where a dockerd keeps its state, from its command line and the config
 * file it names: every spelling of the option, daemon.json below a given
 * file system root, Docker's default, and config files that are not what
 * they should be (refused with a reason, never half-believed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include "runtime/docker_roots.h"
#include "runtime/node_meta.h"

static char fsroot[64];
static char out[PATH_MAX], err[256];

/* A command line as /proc/PID/cmdline holds it: NUL after each argument. */
#define CMDLINE(s) (s), sizeof(s) - 1

static int data_root(const char *cmdline, size_t len)
{
	out[0] = err[0] = '\0';
	return nsg_dockerd_data_root(cmdline, len, fsroot, out, sizeof(out), err, sizeof(err));
}

static void write_file(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s%s", fsroot, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	char dir[128];

	(void)state;
	snprintf(fsroot, sizeof(fsroot), "/tmp/nsg-dockerroots.XXXXXX");
	assert_non_null(mkdtemp(fsroot));
	snprintf(dir, sizeof(dir), "%s/etc", fsroot);
	mkdir(dir, 0755);
	snprintf(dir, sizeof(dir), "%s/etc/docker", fsroot);
	mkdir(dir, 0755);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fsroot);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_option_spellings(void **state)
{
	(void)state;
	assert_int_equal(data_root(CMDLINE("dockerd\0--data-root\0/srv/docker\0")), 0);
	assert_string_equal(out, "/srv/docker");
	assert_int_equal(data_root(CMDLINE("dockerd\0-H\0unix:///x\0--data-root=/a/b\0")), 0);
	assert_string_equal(out, "/a/b");
	assert_int_equal(data_root(CMDLINE("/usr/sbin/dockerd\0-g\0/old/graph\0")), 0);
	assert_string_equal(out, "/old/graph");
	assert_int_equal(data_root(CMDLINE("dockerd\0--graph=/older\0")), 0);
	assert_string_equal(out, "/older");
}

static void test_default_without_config(void **state)
{
	(void)state;
	assert_int_equal(data_root(CMDLINE("dockerd\0-H\0fd://\0")), 0);
	assert_string_equal(out, NSG_DOCKER_DEFAULT_ROOT);
}

static void test_daemon_json(void **state)
{
	(void)state;
	write_file("/etc/docker/daemon.json", "{\"log-driver\":\"json-file\",\"data-root\":\"/mnt/d\"}");
	assert_int_equal(data_root(CMDLINE("dockerd\0")), 0);
	assert_string_equal(out, "/mnt/d");
	/* The command line wins over the file, as in dockerd (which refuses both). */
	assert_int_equal(data_root(CMDLINE("dockerd\0--data-root\0/cli\0")), 0);
	assert_string_equal(out, "/cli");
	write_file("/etc/docker/daemon.json", "{\"graph\":\"/mnt/g\"}");
	assert_int_equal(data_root(CMDLINE("dockerd\0")), 0);
	assert_string_equal(out, "/mnt/g");
	write_file("/etc/docker/daemon.json", "{\"debug\":true}");
	assert_int_equal(data_root(CMDLINE("dockerd\0")), 0);
	assert_string_equal(out, NSG_DOCKER_DEFAULT_ROOT);
	unlink(strcat(strcpy(out, fsroot), "/etc/docker/daemon.json"));
}

static void test_config_file_option(void **state)
{
	(void)state;
	write_file("/elsewhere.json", "{\"data-root\":\"/from/elsewhere\"}");
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file\0/elsewhere.json\0")), 0);
	assert_string_equal(out, "/from/elsewhere");
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file=/elsewhere.json\0")), 0);
	assert_string_equal(out, "/from/elsewhere");
	/* A named config file that is not there: Docker's default. */
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file=/missing.json\0")), 0);
	assert_string_equal(out, NSG_DOCKER_DEFAULT_ROOT);
}

static void test_bad_config_refused(void **state)
{
	(void)state;
	write_file("/bad.json", "{\"data-root\": ");
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file=/bad.json\0")), -1);
	assert_non_null(strstr(err, "/bad.json: not a JSON object"));
	assert_string_equal(err, "/bad.json: not a JSON object (unexpected token near end of file)");
	write_file("/bad.json", "[\"/a\"]");
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file=/bad.json\0")), -1);
	assert_string_equal(err, "/bad.json: not a JSON object ()");
	write_file("/bad.json", "{\"data-root\": 7}");
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file=/bad.json\0")), -1);
	assert_non_null(strstr(err, "data-root is not a string"));
	write_file("/bad.json", "{\"data-root\": \"relative/dir\"}");
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file=/bad.json\0")), -1);
	assert_non_null(strstr(err, "not an absolute path"));
	assert_int_equal(data_root(CMDLINE("dockerd\0--config-file=/\0")), -1);
	assert_non_null(strstr(err, "not a regular file"));
	assert_string_equal(err, "/: not a regular file of at most 1 MiB");
}

static void test_hostile_command_lines(void **state)
{
	(void)state;
	/* Cut short: the last argument has no NUL and is not believed. */
	assert_int_equal(data_root("dockerd\0--data-root\0/trunc", 26), 0);
	assert_string_equal(out, NSG_DOCKER_DEFAULT_ROOT);
	/* An option with no value at the end. */
	assert_int_equal(data_root(CMDLINE("dockerd\0--data-root\0")), 0);
	assert_string_equal(out, NSG_DOCKER_DEFAULT_ROOT);
	assert_int_equal(data_root(CMDLINE("dockerd\0--data-root=relative\0")), -1);
	assert_int_equal(data_root("", 0), 0);
	assert_string_equal(out, NSG_DOCKER_DEFAULT_ROOT);
	/* A longer option sharing the prefix is not it. */
	assert_int_equal(data_root(CMDLINE("dockerd\0--data-root-extra=/x\0")), 0);
	assert_string_equal(out, NSG_DOCKER_DEFAULT_ROOT);
}

static void test_long_value_refused(void **state)
{
	static char cmd[8192];
	size_t n;

	(void)state;
	n = (size_t)snprintf(cmd, sizeof(cmd), "dockerd%c--data-root=/", 0);
	memset(cmd + n, 'a', 6000);
	cmd[n + 6000] = '\0';
	/* Never a path cut short: that would be some other directory. */
	assert_int_equal(nsg_dockerd_data_root(cmd, n + 6001, fsroot, out, 64, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "too long"));
}

static void test_refresh_without_dockerd(void **state)
{
	struct nsg_docker_roots r;

	(void)state;
	nsg_docker_roots_init(&r);
	assert_string_equal(r.list[0], NSG_DOCKER_DEFAULT_ROOT);
	/* No dockerd on the unit test's host: the default stays, unchanged. */
	if (access("/proc/self/ns/mnt", R_OK) == 0 && system("pgrep -x dockerd >/dev/null") != 0) {
		assert_false(nsg_docker_roots_refresh(&r, 10000, true));
		assert_int_equal(r.n, 0);
		assert_string_equal(r.list[0], NSG_DOCKER_DEFAULT_ROOT);
		assert_null(r.list[1]);
	}
	/* Not forced and within the rescan interval: nothing is walked, whatever runs here. */
	nsg_docker_roots_refresh(&r, 20000, true);
	assert_false(nsg_docker_roots_refresh(&r, 20001, false));
}

/* The node's roots as the agent and the scan set them up. */
static void test_node_meta(void **state)
{
	struct nsg_node_meta n;

	(void)state;
	nsg_node_meta_init(&n, NULL);
	assert_string_equal(n.cfg.storage_roots[0], "/var/lib/containers/storage");
	assert_ptr_equal(n.cfg.docker_roots, n.docker.list);
	assert_non_null(n.cfg.docker_roots[0]);
	assert_string_equal(n.cfg.runc_roots[0], "/run/runc");
	nsg_node_meta_init(&n, "/srv/store");
	assert_ptr_equal(n.cfg.storage_roots, n.storage_roots);
	assert_string_equal(n.cfg.storage_roots[0], "/srv/store");
	assert_string_equal(n.cfg.storage_roots[1], "/var/lib/containers/storage");
	assert_string_equal(n.cfg.storage_roots[2], "/run/containers/storage");
	assert_null(n.cfg.storage_roots[3]);
	assert_ptr_equal(n.cfg.docker_roots, n.docker.list);
	/* Just looked: nothing to look for again unless forced. */
	assert_false(nsg_node_meta_refresh(&n, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_option_spellings),
		cmocka_unit_test(test_default_without_config),
		cmocka_unit_test(test_daemon_json),
		cmocka_unit_test(test_config_file_option),
		cmocka_unit_test(test_bad_config_refused),
		cmocka_unit_test(test_hostile_command_lines),
		cmocka_unit_test(test_long_value_refused),
		cmocka_unit_test(test_refresh_without_dockerd),
		cmocka_unit_test(test_node_meta),
	};

	return cmocka_run_group_tests_name("docker_roots", tests, setup, teardown);
}
