// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Command-line parsing: good input fills the config, bad input names the problem. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "cli/cli.h"
#include "nsguard.h"

#define ARGV(...) ((char *[]){ "nsguard", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ "nsguard", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cfg, err, ...) \
	nsg_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, err, sizeof(err))

static void expect_error(int rc, const char *err, const char *needle)
{
	assert_int_equal(rc, NSG_EXIT_USAGE);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	assert_null(strchr(err, '\n'));
}

static void test_defaults(void **state)
{
	struct nsg_config cfg;
	char err[256];
	char *argv[] = { "nsguard", NULL };

	(void)state;
	assert_int_equal(nsg_parse_args(1, argv, &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.command, NSG_CMD_AGENT);
	assert_int_equal(cfg.format, NSG_FMT_JSON);
	assert_null(cfg.output_path);
	assert_int_equal(cfg.host_ns_pid, 0);
	assert_int_equal(cfg.stats_interval, NSG_DEFAULT_STATS_INTERVAL);
	assert_int_equal(cfg.ring_size, NSG_DEFAULT_RING_SIZE);
	assert_true(cfg.startup_scan);
	assert_int_equal(cfg.mode, NSG_MODE_AUDIT);
	assert_int_equal(cfg.enforcer, NSG_ENFORCER_AUTO);
	assert_int_equal(cfg.block_mask, NSG_VIOLATION_MASK);
}

static void test_enforcement_options(void **state)
{
	struct nsg_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cfg, err, "--mode", "enforce", "--enforcer", "signal", "--block", "pid"), 0);
	assert_int_equal(cfg.mode, NSG_MODE_ENFORCE);
	assert_int_equal(cfg.enforcer, NSG_ENFORCER_SIGNAL);
	assert_int_equal(cfg.block_mask, NSG_BIT(NSG_NS_PID));
	assert_int_equal(PARSE(&cfg, err, "--block", "ipc,pid", "--enforcer", "lsm"), 0);
	assert_int_equal(cfg.block_mask, NSG_VIOLATION_MASK);
	assert_int_equal(cfg.enforcer, NSG_ENFORCER_LSM);
	expect_error(PARSE(&cfg, err, "--mode", "block"), err, "'block'");
	expect_error(PARSE(&cfg, err, "--enforcer", "ebpf"), err, "'ebpf'");
	expect_error(PARSE(&cfg, err, "--block", "net"), err, "'net' cannot be blocked");
	expect_error(PARSE(&cfg, err, "--block", "ipc,foo"), err, "'foo' is not a namespace type");
	expect_error(PARSE(&cfg, err, "--block", ","), err, "names no namespace type");
}

static void test_good_values(void **state)
{
	struct nsg_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cfg, err, "scan", "--format", "text", "--host-ns-pid", "42",
			       "--stats-interval=5", "--ring-size", "256K", "-o", "/tmp/x"),
			 0);
	assert_int_equal(cfg.command, NSG_CMD_SCAN);
	assert_int_equal(cfg.format, NSG_FMT_TEXT);
	assert_int_equal(cfg.host_ns_pid, 42);
	assert_int_equal(cfg.stats_interval, 5);
	assert_int_equal(cfg.ring_size, 256 * 1024);
	assert_string_equal(cfg.output_path, "/tmp/x");
	assert_true(cfg.format_set);
	assert_int_equal(PARSE(&cfg, err, "--ring-size", "1G", "--output-max-size", "1024G", "-o", "/x"), 0);
	assert_int_equal(cfg.ring_size, 1UL << 30);
	assert_int_equal(cfg.output_max_bytes, 1ULL << 40);
	/* scan: no --format means "a table on a terminal"; jsonl and table are its own. */
	assert_int_equal(PARSE(&cfg, err, "scan"), 0);
	assert_false(cfg.format_set);
	assert_int_equal(PARSE(&cfg, err, "scan", "--format", "jsonl", "--suggest-policy"), 0);
	assert_int_equal(cfg.format, NSG_FMT_JSONL);
	assert_true(cfg.suggest_policy);
	assert_int_equal(PARSE(&cfg, err, "scan", "--format", "table"), 0);
	assert_int_equal(cfg.format, NSG_FMT_TEXT);
	/* The agent's feed is JSON lines already. */
	assert_int_equal(PARSE(&cfg, err, "--format", "jsonl"), 0);
	assert_int_equal(cfg.format, NSG_FMT_JSON);
}

static void test_bad_values(void **state)
{
	struct nsg_config cfg;
	char err[256];

	(void)state;
	expect_error(PARSE(&cfg, err, "--bogus"), err, "'--bogus'");
	expect_error(PARSE(&cfg, err, "-z"), err, "'-z'");
	expect_error(PARSE(&cfg, err, "--format", "xml"), err, "'xml' is not json, jsonl, text or table");
	expect_error(PARSE(&cfg, err, "--suggest-policy"), err, "--suggest-policy is an option of `nsguard scan`");
	expect_error(PARSE(&cfg, err, "--format"), err, "'--format' needs a value");
	expect_error(PARSE(&cfg, err, "--host-ns-pid", "abc"), err, "--host-ns-pid");
	expect_error(PARSE(&cfg, err, "--host-ns-pid", "0"), err, "--host-ns-pid");
	expect_error(PARSE(&cfg, err, "--host-ns-pid", "-5"), err, "--host-ns-pid");
	expect_error(PARSE(&cfg, err, "--stats-interval", "1h"), err, "--stats-interval");
	expect_error(PARSE(&cfg, err, "--ring-size", "3000"), err, "--ring-size");
	expect_error(PARSE(&cfg, err, "--ring-size", "1000K"), err, "--ring-size");
	expect_error(PARSE(&cfg, err, "--ring-size", "2048"), err, "--ring-size");
	/* One size parser for every size: G is a suffix here too, the bound 1G. */
	expect_error(PARSE(&cfg, err, "--ring-size", "2G"), err, "between 4K and 1G");
	expect_error(PARSE(&cfg, err, "--output-max-size", "0", "-o", "/tmp/x"), err,
		     "--output-max-size");
	expect_error(PARSE(&cfg, err, "--info-ring-size", "5K"), err, "--info-ring-size");
	expect_error(PARSE(&cfg, err, "--pin-path", "relative/dir"), err, "--pin-path");
	expect_error(PARSE(&cfg, err, "frobnicate"), err, "'frobnicate'");
	expect_error(PARSE(&cfg, err, "scan", "extra"), err, "'extra'");
}

static void test_pin_options(void **state)
{
	struct nsg_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cfg, err, "-o", "/tmp/x"), 0);
	assert_false(cfg.pin);
	assert_string_equal(cfg.pin_path, NSG_DEFAULT_PIN_PATH);
	assert_int_equal(cfg.info_ring_size, NSG_DEFAULT_INFO_RING_SIZE);
	assert_int_equal(PARSE(&cfg, err, "--pin", "--pin-path", "/sys/fs/bpf/x", "--info-ring-size",
			       "64K"),
			 0);
	assert_true(cfg.pin);
	assert_string_equal(cfg.pin_path, "/sys/fs/bpf/x");
	assert_int_equal(cfg.info_ring_size, 64 * 1024);
	assert_int_equal(cfg.command, NSG_CMD_AGENT);
	assert_int_equal(PARSE(&cfg, err, "--cleanup"), 0);
	assert_int_equal(cfg.command, NSG_CMD_CLEANUP);
}

static void test_flow_options(void **state)
{
	struct nsg_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&cfg, err, "-o", "/tmp/x"), 0);
	assert_int_equal(cfg.coalesce_window_ms, NSG_DEFAULT_COALESCE_WINDOW_MS);
	assert_int_equal(cfg.container_rate, NSG_DEFAULT_CONTAINER_RATE);
	assert_int_equal(cfg.container_burst, NSG_DEFAULT_CONTAINER_BURST);
	assert_int_equal(PARSE(&cfg, err, "--coalesce-window", "0", "--container-rate", "0",
			       "--container-burst", "7"),
			 0);
	assert_int_equal(cfg.coalesce_window_ms, 0);
	assert_int_equal(cfg.container_rate, 0);
	assert_int_equal(cfg.container_burst, 7);
	expect_error(PARSE(&cfg, err, "--coalesce-window", "1s"), err, "--coalesce-window: '1s'");
	expect_error(PARSE(&cfg, err, "--coalesce-window", "60001"), err, "--coalesce-window");
	expect_error(PARSE(&cfg, err, "--container-rate", "-1"), err, "--container-rate: '-1'");
	expect_error(PARSE(&cfg, err, "--container-burst", "0"), err, "--container-burst: '0'");
	expect_error(PARSE(&cfg, err, "--container-burst"), err, "'--container-burst' needs a value");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good_values),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_enforcement_options),
		cmocka_unit_test(test_pin_options),
		cmocka_unit_test(test_flow_options),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
