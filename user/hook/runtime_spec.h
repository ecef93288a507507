/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * nsguard-runc, the OCI runtime wrapper for Docker Engine (which runs no OCI
 * hooks): its argv, split into the wrapper's own --nsguard-* options and
 * runc's command line, and the edit it makes to a bundle's config.json
 * (nsguard-oci-hook added to hooks.createRuntime). No I/O here.
 */
#ifndef NSGUARD_RUNTIME_SPEC_H
#define NSGUARD_RUNTIME_SPEC_H

#include <stddef.h>
#include <jansson.h>
#include "cli/cli.h"

/* Debian's runc; where that is missing, the one Docker's containerd.io ships. */
#define NSG_RUNC_DEFAULT_RUNTIME "/usr/sbin/runc"
#define NSG_RUNC_FALLBACK_RUNTIME "/usr/bin/runc"
#define NSG_RUNC_DEFAULT_HOOK "/usr/local/libexec/nsguard/nsguard-oci-hook"
#define NSG_RUNC_DEFAULT_POLICY "/etc/nsguard/policy.yaml"
#define NSG_RUNC_DEFAULT_TIMEOUT "5"
/* As in deploy/hooks/nsguard.json. */
#define NSG_RUNC_DEFAULT_HOOK_ARGS                                                                 \
	"nsguard-oci-hook", "--socket", NSG_DEFAULT_HOOK_SOCKET, "--policy",                       \
		NSG_RUNC_DEFAULT_POLICY, "--timeout", NSG_RUNC_DEFAULT_TIMEOUT

/* config.json larger than this is refused. */
#define NSG_RUNC_CONFIG_MAX (16 << 20)

struct nsg_runc_args {
	const char *runtime;     /* --nsguard-runtime, or NSG_RUNC_DEFAULT_RUNTIME */
	int runtime_given;       /* 0: the default (the wrapper may fall back) */
	const char *hook;        /* --nsguard-hook, or NSG_RUNC_DEFAULT_HOOK */
	/*
	 * --nsguard-policy, or NSG_RUNC_DEFAULT_POLICY; NULL after
	 * `--nsguard-policy=` (none: fail open, like the hook without --policy).
	 */
	const char *policy;
	/*
	 * The hook's args, NULL-terminated: the --nsguard-hook-arg values when
	 * any were given, else NSG_RUNC_DEFAULT_HOOK_ARGS with --policy set to
	 * `policy` (left out when there is none).
	 */
	const char **hook_args;
	/* runc's argv, NULL-terminated: argv[0] is `runtime`, then the rest. */
	char **argv;
	int argc;
	const char *command;     /* runc's subcommand (in argv), or NULL */
	int command_index;       /* its index in argv, or -1 */
	const char *log;         /* runc's --log value, or NULL */
	const char *log_format;  /* runc's --log-format value, or NULL */
	/* create, run and restore: --bundle/-b (last one wins), "." when none. */
	const char *bundle;
};

/*
 * Splits the wrapper's argv. --nsguard-* options (`--nsguard-x=VALUE` only)
 * are taken out wherever they are before a `--`; everything else goes to
 * runc in its order. Strings point into argv or are constants. Returns 0,
 * or -1 with a one-line reason in err (a bad --nsguard-* option, or no
 * memory). Free with nsg_runc_args_free, whatever it returned.
 */
int nsg_runc_parse(int argc, char *const *argv, struct nsg_runc_args *out, char *err,
		   size_t errlen);
void nsg_runc_args_free(struct nsg_runc_args *a);

/* Whether the subcommand creates a container from a bundle (hooks run). */
int nsg_runc_creates(const char *command);

/*
 * Appends {"path": hook_path, "args": args} to config's hooks.createRuntime
 * (args NULL-terminated; no "args" when NULL), creating hooks and the array
 * when absent or null. Returns 0 when appended, 1 when an entry with this
 * path is already there (config untouched), -1 with a one-line reason in
 * err when config is not an object or hooks / hooks.createRuntime has
 * another type.
 */
int nsg_spec_add_hook(json_t *config, const char *hook_path, const char *const *args, char *err,
		      size_t errlen);

#endif
