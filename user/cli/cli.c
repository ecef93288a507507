// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nsguard's options, parsed with argp into struct nsg_config. argp prints
 * nothing itself: a bad value is one line in err, saying which and why.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "feed/names.h"

const char *argp_program_version = "nsguard " NSGUARD_VERSION;

static const char doc[] =
	"nsguard: detect container tasks that join or live in the host IPC or PID namespace.\n"
	"\n"
	"  nsguard [OPTION...]        run the agent: JSON lines on stdout; audit mode unless\n"
	"                             --mode or the policy says enforce\n"
	"  nsguard scan [OPTION...]   list running containers and the host namespaces they share;\n"
	"                             exit 1 if any shares the host IPC or PID namespace"
	"\vExit status: 0 ok, 1 scan found a violation or the agent failed at run time, "
	"2 bad usage or an unusable kernel/environment.";

enum {
	OPT_HOST_NS_PID = 0x100,
	OPT_STATS_INTERVAL,
	OPT_RING_SIZE,
	OPT_NO_STARTUP_SCAN,
	OPT_HELP,
	OPT_MODE,
	OPT_ENFORCER,
	OPT_BLOCK,
	OPT_OUTPUT_MAX_SIZE,
	OPT_OUTPUT_KEEP,
	OPT_OUTPUT_SOCKET,
	OPT_POLICY,
	OPT_CHECK_POLICY,
	OPT_HOOK_SOCKET,
	OPT_NO_HOOK,
	OPT_METRICS_ADDR,
	OPT_STORAGE_ROOT,
	OPT_INFO_RING_SIZE,
	OPT_PIN,
	OPT_PIN_PATH,
	OPT_CLEANUP,
	OPT_SUGGEST_POLICY,
	OPT_COALESCE_WINDOW,
	OPT_CONTAINER_RATE,
	OPT_CONTAINER_BURST,
	OPT_MAX_CONTAINERS,
};

static const struct argp_option options[] = {
	{ "format", 'f', "FMT", 0,
	  "Output format: json (default; scan: a table on a terminal, else json), jsonl "
	  "(scan: one container a line) or text (table)", 0 },
	{ "suggest-policy", OPT_SUGGEST_POLICY, NULL, 0,
	  "scan: print a policy that allowlists the host-namespace containers running now", 0 },
	{ "output", 'o', "FILE", 0, "Append events to FILE instead of stdout", 0 },
	{ "output-max-size", OPT_OUTPUT_MAX_SIZE, "BYTES", 0,
	  "Rotate --output FILE when it would grow past BYTES (K/M/G suffixes)", 0 },
	{ "output-keep", OPT_OUTPUT_KEEP, "N", 0, "Rotated files kept: FILE.1 .. FILE.N (default 5)", 0 },
	{ "output-socket", OPT_OUTPUT_SOCKET, "PATH", 0,
	  "Also stream events to local consumers on unix socket PATH (mode 0600)", 0 },
	{ "host-ns-pid", OPT_HOST_NS_PID, "PID", 0,
	  "Take the host namespaces from process PID (default: the initial namespaces)", 0 },
	{ "stats-interval", OPT_STATS_INTERVAL, "SEC", 0,
	  "Emit agent_stats every SEC seconds (default 60; 0: only at exit)", 0 },
	{ "ring-size", OPT_RING_SIZE, "BYTES", 0,
	  "Ring buffer for violations, a power of two >= 4096; K/M suffixes (default 4M)", 0 },
	{ "info-ring-size", OPT_INFO_RING_SIZE, "BYTES", 0,
	  "Ring buffer for informational events (ns_create, benign setns, allowed; default 1M)", 0 },
	{ "coalesce-window", OPT_COALESCE_WINDOW, "MS", 0,
	  "Identical violations of a container within MS are one event and a count (default 1000; 0: off)", 0 },
	{ "container-rate", OPT_CONTAINER_RATE, "N", 0,
	  "Events per second each container may queue, per class; the rest are counted (default 100; 0: no limit)", 0 },
	{ "container-burst", OPT_CONTAINER_BURST, "N", 0,
	  "Events a container may queue at once before --container-rate applies (default 200)", 0 },
	{ "max-containers", OPT_MAX_CONTAINERS, "N", 0,
	  "Containers tracked at once (exemptions, budgets, registry; default 16384)", 0 },
	{ "pin", OPT_PIN, NULL, 0,
	  "Pin hooks and maps in bpffs: enforcement outlives the agent, a restart adopts them", 0 },
	{ "pin-path", OPT_PIN_PATH, "DIR", 0, "bpffs directory for --pin (default " NSG_DEFAULT_PIN_PATH ")", 0 },
	{ "cleanup", OPT_CLEANUP, NULL, 0, "Remove what --pin left in bpffs (hooks detach) and exit", 0 },
	{ "no-startup-scan", OPT_NO_STARTUP_SCAN, NULL, 0,
	  "Do not report containers already running in host namespaces at start", 0 },
	{ "policy", OPT_POLICY, "FILE", 0, "Policy file (YAML); default: the embedded policy", 0 },
	{ "check-policy", OPT_CHECK_POLICY, "FILE", 0, "Validate a policy file and exit (0 valid, 2 not)", 0 },
	{ "hook-socket", OPT_HOOK_SOCKET, "PATH", 0,
	  "Unix socket for nsguard-oci-hook (default " NSG_DEFAULT_HOOK_SOCKET ")", 0 },
	{ "no-hook", OPT_NO_HOOK, NULL, 0, "Do not listen for the OCI hook", 0 },
	{ "metrics-addr", OPT_METRICS_ADDR, "ADDR", 0,
	  "Serve Prometheus metrics on ADDR (127.0.0.1:9500, :9500, [::1]:9500)", 0 },
	{ "storage-root", OPT_STORAGE_ROOT, "DIR", 0,
	  "Also read container metadata from this containers/storage root (podman --root)", 0 },
	{ "mode", OPT_MODE, "MODE", 0, "audit (default: report only) or enforce (block in the kernel)", 0 },
	{ "enforcer", OPT_ENFORCER, "TIER", 0,
	  "auto (default), lsm, signal or none; an unavailable explicit tier is an error", 0 },
	{ "block", OPT_BLOCK, "TYPES", 0,
	  "Namespace types blocked in enforce mode: a comma list of ipc, pid (default ipc,pid)", 0 },
	{ "verbose", 'v', NULL, 0, "Print libbpf debug output on stderr", 0 },
	{ "help", OPT_HELP, NULL, 0, "Give this help list", -1 },
	{ NULL, 'h', NULL, OPTION_HIDDEN, NULL, -1 },
	{},
};

struct parse_state {
	struct nsg_config *cfg;
	char *err;
	size_t errlen;
	bool reported;
};

static int fail(struct parse_state *ps, const char *fmt, const char *a, const char *b)
{
	snprintf(ps->err, ps->errlen, fmt, a, b);
	ps->reported = true;
	return EINVAL;
}

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* "100M" -> bytes: K, M, G suffixes (powers of 1024); 1 to max. */
static int parse_bytes(const char *s, unsigned long long max, unsigned long long *out)
{
	static const char units[] = "KMG";
	unsigned long long mult = 1;
	unsigned long v;
	char num[32];
	size_t len = strlen(s);
	const char *u;

	if (len == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len + 1);
	u = strchr(units, num[len - 1] & ~0x20);
	if (u && num[len - 1] != '\0') {
		mult = 1ULL << (10 * (u - units + 1));
		num[len - 1] = '\0';
	}
	if (parse_ulong(num, (unsigned long)(max / mult), &v) || v == 0)
		return -1;
	*out = v * mult;
	return 0;
}

static bool is_pow2(unsigned long v)
{
	return v && !(v & (v - 1));
}

/* "ipc,pid" -> mask; only types the kernel side can block are accepted. */
static int parse_block(const char *arg, unsigned int *mask, struct parse_state *ps)
{
	char copy[64], *tok, *save = NULL;

	if (strlen(arg) >= sizeof(copy))
		return fail(ps, "--block: '%s' is too long%s", arg, "");
	strcpy(copy, arg);
	*mask = 0;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int t = nsg_ns_type_from_name(tok);

		if (t < 0)
			return fail(ps, "--block: '%s' is not a namespace type%s", tok, "");
		if (!(NSG_BIT(t) & NSG_VIOLATION_MASK))
			return fail(ps, "--block: '%s' cannot be blocked (supported: ipc, pid)%s", tok, "");
		*mask |= NSG_BIT(t);
	}
	if (!*mask)
		return fail(ps, "--block: '%s' names no namespace type%s", arg, "");
	return 0;
}

static int parse_enum(const char *arg, const char *const *names, int n, int *out)
{
	for (int i = 0; i < n; i++)
		if (strcmp(arg, names[i]) == 0) {
			*out = i;
			return 0;
		}
	return -1;
}

/* A BPF ring buffer's size: a power of two, at least a page. */
static error_t parse_ring_size(struct parse_state *ps, const char *opt, const char *arg,
			       unsigned long *out)
{
	unsigned long long v;

	if (parse_bytes(arg, 1ULL << 30, &v) || !is_pow2(v) || v < 4096)
		return fail(ps, "%s: '%s' is not a power of two between 4K and 1G", opt, arg);
	*out = (unsigned long)v;
	return 0;
}

/* A count option of min..max; bad_fmt names the option and the range (fail()'s two %s). */
static error_t parse_count(struct parse_state *ps, const char *arg, unsigned long min,
			   unsigned long max, const char *bad_fmt, unsigned int *out)
{
	unsigned long v;

	if (parse_ulong(arg, max, &v) || v < min)
		return fail(ps, bad_fmt, arg, "");
	*out = (unsigned int)v;
	return 0;
}

static error_t parse_value(int key, char *arg, struct parse_state *ps)
{
	struct nsg_config *cfg = ps->cfg;
	unsigned long v;

	switch (key) {
	case 'f':
		if (strcmp(arg, "json") == 0)
			cfg->format = NSG_FMT_JSON;
		else if (strcmp(arg, "jsonl") == 0)
			cfg->format = NSG_FMT_JSONL;
		else if (strcmp(arg, "text") == 0 || strcmp(arg, "table") == 0)
			cfg->format = NSG_FMT_TEXT;
		else
			return fail(ps, "--format: '%s' is not json, jsonl, text or table%s", arg, "");
		cfg->format_set = true;
		return 0;
	case OPT_MODE: {
		int v;

		if (parse_enum(arg, nsg_mode_names, NSG_MODES, &v))
			return fail(ps, "--mode: '%s' is not audit or enforce%s", arg, "");
		cfg->mode = (enum nsg_mode)v;
		cfg->mode_set = true;
		return 0;
	}
	case OPT_ENFORCER: {
		int v;

		if (parse_enum(arg, nsg_enforcer_names, NSG_ENFORCERS, &v))
			return fail(ps, "--enforcer: '%s' is not auto, lsm, signal or none%s", arg, "");
		cfg->enforcer = (enum nsg_enforcer)v;
		cfg->enforcer_set = true;
		return 0;
	}
	case OPT_BLOCK:
		cfg->block_set = true;
		return parse_block(arg, &cfg->block_mask, ps) ? EINVAL : 0;
	case OPT_POLICY:
		cfg->policy_path = arg;
		return 0;
	case OPT_CHECK_POLICY:
		cfg->policy_path = arg;
		cfg->command = NSG_CMD_CHECK_POLICY;
		return 0;
	case OPT_HOOK_SOCKET:
		cfg->hook_socket = arg;
		return 0;
	case OPT_NO_HOOK:
		cfg->hook_socket = NULL;
		return 0;
	case OPT_METRICS_ADDR:
		cfg->metrics_addr = arg;
		return 0;
	case OPT_STORAGE_ROOT:
		cfg->storage_root = arg;
		return 0;
	case OPT_OUTPUT_MAX_SIZE:
		if (parse_bytes(arg, 1ULL << 40, &cfg->output_max_bytes))
			return fail(ps, "--output-max-size: '%s' is not a size (e.g. 100M)%s", arg, "");
		return 0;
	case OPT_OUTPUT_KEEP:
		return parse_count(ps, arg, 1, 999, "--output-keep: '%s' is not a number from 1 to 999%s",
				   &cfg->output_keep);
	case OPT_OUTPUT_SOCKET:
		cfg->output_socket = arg;
		return 0;
	case OPT_HOST_NS_PID:
		if (parse_ulong(arg, INT_MAX, &v) || v == 0)
			return fail(ps, "--host-ns-pid: '%s' is not a process ID%s", arg, "");
		cfg->host_ns_pid = (int)v;
		return 0;
	case OPT_STATS_INTERVAL:
		return parse_count(ps, arg, 0, 86400,
				   "--stats-interval: '%s' is not a number of seconds (0..86400)%s",
				   &cfg->stats_interval);
	case OPT_RING_SIZE:
		return parse_ring_size(ps, "--ring-size", arg, &cfg->ring_size);
	case OPT_INFO_RING_SIZE:
		return parse_ring_size(ps, "--info-ring-size", arg, &cfg->info_ring_size);
	case OPT_COALESCE_WINDOW:
		return parse_count(ps, arg, 0, 60000,
				   "--coalesce-window: '%s' is not a number of milliseconds (0..60000)%s",
				   &cfg->coalesce_window_ms);
	case OPT_CONTAINER_RATE:
		return parse_count(ps, arg, 0, 1000000,
				   "--container-rate: '%s' is not a number of events per second (0..1000000)%s",
				   &cfg->container_rate);
	case OPT_CONTAINER_BURST:
		return parse_count(ps, arg, 1, 1000000,
				   "--container-burst: '%s' is not a number of events (1..1000000)%s",
				   &cfg->container_burst);
	case OPT_MAX_CONTAINERS:
		return parse_count(ps, arg, NSG_MIN_MAX_CONTAINERS, NSG_MAX_MAX_CONTAINERS,
				   "--max-containers: '%s' is not a number between 4 and 1048576%s",
				   &cfg->max_containers);
	case OPT_PIN_PATH:
		if (arg[0] != '/')
			return fail(ps, "--pin-path: '%s' is not an absolute path%s", arg, "");
		cfg->pin_path = arg;
		return 0;
	}
	return ARGP_ERR_UNKNOWN;
}

/* argp was told not to print: name the argument it choked on ourselves. */
static error_t report_bad_arg(struct argp_state *state, struct parse_state *ps)
{
	const char *bad = state->next > 0 && state->next <= state->argc
				  ? state->argv[state->next - 1]
				  : "?";

	if (ps->reported)
		return 0;
	for (const struct argp_option *o = options; o->name || o->key; o++) {
		size_t n = o->name ? strlen(o->name) : 0;

		if (o->arg && n && strncmp(bad, "--", 2) == 0 && strncmp(bad + 2, o->name, n) == 0 &&
		    bad[2 + n] == '\0')
			return fail(ps, "option '%s' needs a value%s", bad, "");
	}
	return fail(ps, "unknown option or argument '%s'%s", bad, "");
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct parse_state *ps = state->input;
	struct nsg_config *cfg = ps->cfg;

	switch (key) {
	case 'o':
		cfg->output_path = arg;
		return 0;
	case 'v':
		cfg->verbose = true;
		return 0;
	case 'h':
	case OPT_HELP:
		cfg->help = true;
		return 0;
	case OPT_NO_STARTUP_SCAN:
		cfg->startup_scan = false;
		return 0;
	case OPT_PIN:
		cfg->pin = true;
		return 0;
	case OPT_CLEANUP:
		cfg->command = NSG_CMD_CLEANUP;
		return 0;
	case OPT_SUGGEST_POLICY:
		cfg->suggest_policy = true;
		return 0;
	case ARGP_KEY_ARG:
		if (state->arg_num == 0 && strcmp(arg, "scan") == 0) {
			cfg->command = NSG_CMD_SCAN;
			return 0;
		}
		return fail(ps, "unexpected argument '%s'%s", arg, "");
	case ARGP_KEY_ERROR:
		return report_bad_arg(state, ps);
	}
	return parse_value(key, arg, ps);
}

static const struct argp argp = { options, parse_opt, "[scan]", doc, NULL, NULL, NULL };

void nsg_config_defaults(struct nsg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->format = NSG_FMT_JSON;
	cfg->stats_interval = NSG_DEFAULT_STATS_INTERVAL;
	cfg->ring_size = NSG_DEFAULT_RING_SIZE;
	cfg->info_ring_size = NSG_DEFAULT_INFO_RING_SIZE;
	cfg->coalesce_window_ms = NSG_DEFAULT_COALESCE_WINDOW_MS;
	cfg->container_rate = NSG_DEFAULT_CONTAINER_RATE;
	cfg->container_burst = NSG_DEFAULT_CONTAINER_BURST;
	cfg->max_containers = NSG_DEFAULT_MAX_CONTAINERS;
	cfg->pin_path = NSG_DEFAULT_PIN_PATH;
	cfg->startup_scan = true;
	cfg->mode = NSG_MODE_AUDIT;
	cfg->enforcer = NSG_ENFORCER_AUTO;
	cfg->block_mask = NSG_VIOLATION_MASK;
	cfg->output_keep = 5;
	cfg->hook_socket = NSG_DEFAULT_HOOK_SOCKET;
}

int nsg_parse_args(int argc, char **argv, struct nsg_config *cfg, char *err, size_t errlen)
{
	struct parse_state ps = { .cfg = cfg, .err = err, .errlen = errlen };
	error_t rc;

	nsg_config_defaults(cfg);
	err[0] = '\0';
	rc = argp_parse(&argp, argc, argv, ARGP_NO_ERRS | ARGP_NO_EXIT | ARGP_NO_HELP, NULL, &ps);
	if (rc == 0 && !ps.reported && cfg->output_max_bytes && !cfg->output_path) {
		fail(&ps, "--output-max-size needs --output FILE%s%s", "", "");
		return NSG_EXIT_USAGE;
	}
	if (rc == 0 && !ps.reported && cfg->suggest_policy && cfg->command != NSG_CMD_SCAN) {
		fail(&ps, "--suggest-policy is an option of `nsguard scan`%s%s", "", "");
		return NSG_EXIT_USAGE;
	}
	if (rc == 0 && !ps.reported && cfg->format == NSG_FMT_JSONL && cfg->command != NSG_CMD_SCAN)
		cfg->format = NSG_FMT_JSON; /* the feed is JSON lines already */
	if (rc == 0 && !ps.reported)
		return 0;
	if (!ps.reported)
		snprintf(err, errlen, "invalid command line (%s)", strerror(rc));
	return NSG_EXIT_USAGE;
}

void nsg_print_help(FILE *f)
{
	argp_help(&argp, f, ARGP_HELP_STD_HELP, (char *)"nsguard");
}
