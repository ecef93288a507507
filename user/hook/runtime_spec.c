// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nsguard-runc's pure logic: which of its arguments are its own, what runc
 * is asked to do and where the bundle is, and the createRuntime hook added
 * to the bundle's config.json. runc's command line is read the way runc
 * (urfave/cli over Go's flag package) reads it: `-x` and `--x` alike, a
 * value as `--x V` or `--x=V`, global options before the subcommand, the
 * subcommand's options anywhere before a `--` (urfave/cli moves them before
 * the container ID), the last of a repeated option winning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hook/runtime_spec.h"

#define NSG_OPT_PREFIX "--nsguard-"

/* runc's global options that take a value; the others are booleans. */
static const char *const global_value_opts[] = { "log", "log-format", "root", "criu", "rootless",
						 NULL };
/* Options of create, run and restore that take a value, other than the bundle. */
static const char *const create_value_opts[] = {
	"console-socket", "pid-file", "pidfd-socket", "preserve-fds", "image-path", "work-path",
	"manage-cgroups-mode", "empty-ns", "lsm-profile", "lsm-mount-context", NULL,
};

static int in_list(const char *const *list, const char *name, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && !strncmp(*list, name, len))
			return 1;
	return 0;
}

/*
 * An option as Go's flag package sees it: "-x", "--x", "-x=V", "--x=V".
 * Sets name/len (without dashes or value) and *value (after '=', or NULL).
 * Returns 0 for a non-option ("-", "--" and anything not starting with '-').
 */
static int split_opt(const char *arg, const char **name, size_t *len, const char **value)
{
	const char *eq;

	if (arg[0] != '-' || !arg[1] || !strcmp(arg, "--"))
		return 0;
	arg += arg[1] == '-' ? 2 : 1;
	eq = strchr(arg, '=');
	*name = arg;
	*len = eq ? (size_t)(eq - arg) : strlen(arg);
	*value = eq ? eq + 1 : NULL;
	return 1;
}

int nsg_runc_creates(const char *command)
{
	return command && (!strcmp(command, "create") || !strcmp(command, "run") ||
			   !strcmp(command, "restore"));
}

/* A reason quotes the argument it refuses: one line, whatever that held. */
static void one_line(char *err)
{
	for (; *err; err++)
		if ((unsigned char)*err < 0x20 || *err == 0x7f)
			*err = '?';
}

/* One --nsguard-NAME=VALUE option. Returns 0, or -1 with err set. */
static int take_own_opt(struct nsg_runc_args *a, const char *arg, size_t *nhook_args, char *err,
			size_t errlen)
{
	const char *name = arg + strlen(NSG_OPT_PREFIX), *eq = strchr(name, '=');
	size_t len = eq ? (size_t)(eq - name) : strlen(name);
	const char *value = eq ? eq + 1 : NULL;

#define IS(opt) (len == strlen(opt) && !strncmp(name, opt, len))
	if (!IS("runtime") && !IS("hook") && !IS("hook-arg") && !IS("policy")) {
		snprintf(err, errlen, "unknown option '%.*s' (known: --nsguard-runtime=PATH, "
			 "--nsguard-hook=PATH, --nsguard-hook-arg=ARG, --nsguard-policy=FILE)",
			 (int)(len + strlen(NSG_OPT_PREFIX)), arg);
		return -1;
	}
	if (!value) {
		snprintf(err, errlen, "option '%s' needs a value: %s=VALUE", arg, arg);
		return -1;
	}
	if (IS("hook-arg")) {
		a->hook_args[(*nhook_args)++] = value;
		a->hook_args[*nhook_args] = NULL;
		return 0;
	}
	if (IS("policy")) {
		a->policy = *value ? value : NULL;
		return 0;
	}
	/* The OCI spec wants a hook's path absolute; the runtime's likewise. */
	if (value[0] != '/') {
		snprintf(err, errlen, "option '%.*s' needs an absolute path, not '%s'",
			 (int)(len + strlen(NSG_OPT_PREFIX)), arg, value);
		return -1;
	}
	if (IS("runtime")) {
		a->runtime = value;
		a->runtime_given = 1;
	} else {
		a->hook = value;
	}
	return 0;
#undef IS
}

/* The default hook args, with --policy set to a->policy or left out. */
static void default_hook_args(struct nsg_runc_args *a)
{
	static const char *const defaults[] = { NSG_RUNC_DEFAULT_HOOK_ARGS, NULL };
	size_t n = 0;

	for (size_t i = 0; defaults[i]; i++) {
		if (!strcmp(defaults[i], "--policy") && defaults[i + 1]) {
			if (a->policy) {
				a->hook_args[n++] = defaults[i];
				a->hook_args[n++] = a->policy;
			}
			i++;
			continue;
		}
		a->hook_args[n++] = defaults[i];
	}
	a->hook_args[n] = NULL;
}

/* Finds the subcommand after runc's global options, and their log settings. */
static void find_command(struct nsg_runc_args *a)
{
	for (int i = 1; i < a->argc; i++) {
		const char *arg = a->argv[i], *name, *value;
		size_t len;

		if (!strcmp(arg, "--"))
			return;
		if (!split_opt(arg, &name, &len, &value)) {
			a->command = arg;
			a->command_index = i;
			return;
		}
		if (!in_list(global_value_opts, name, len))
			continue;
		if (!value) {
			if (i + 1 >= a->argc)
				return;
			value = a->argv[++i];
		}
		if (len == 3 && !strncmp(name, "log", 3))
			a->log = value;
		else if (len == 10 && !strncmp(name, "log-format", 10))
			a->log_format = value;
	}
}

/* The bundle of create/run/restore: the last --bundle/-b before a `--`. */
static void find_bundle(struct nsg_runc_args *a)
{
	a->bundle = ".";
	for (int i = a->command_index + 1; i < a->argc; i++) {
		const char *arg = a->argv[i], *name, *value;
		size_t len;

		if (!strcmp(arg, "--"))
			break;
		if (!split_opt(arg, &name, &len, &value))
			continue;
		if ((len == 6 && !strncmp(name, "bundle", 6)) || (len == 1 && name[0] == 'b')) {
			if (!value) {
				if (i + 1 >= a->argc)
					break;
				value = a->argv[++i];
			}
			/* runc chdirs into a non-empty bundle only. */
			a->bundle = *value ? value : ".";
		} else if (!value && in_list(create_value_opts, name, len)) {
			i++;
		}
	}
}

int nsg_runc_parse(int argc, char *const *argv, struct nsg_runc_args *out, char *err,
		   size_t errlen)
{
	size_t nhook_args = 0, nalloc = (size_t)(argc > 8 ? argc : 8) + 1;
	int own = 1;

	memset(out, 0, sizeof(*out));
	out->runtime = NSG_RUNC_DEFAULT_RUNTIME;
	out->hook = NSG_RUNC_DEFAULT_HOOK;
	out->policy = NSG_RUNC_DEFAULT_POLICY;
	out->command_index = -1;
	if (argc < 0)
		argc = 0;
	out->argv = calloc((size_t)argc + 1, sizeof(*out->argv));
	out->hook_args = calloc(nalloc, sizeof(*out->hook_args));
	if (!out->argv || !out->hook_args) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	out->argv[out->argc++] = NULL; /* argv[0]: the runtime, set below */
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];

		if (own && !strcmp(arg, "--"))
			own = 0;
		if (own && !strncmp(arg, NSG_OPT_PREFIX, strlen(NSG_OPT_PREFIX))) {
			if (take_own_opt(out, arg, &nhook_args, err, errlen))
				return one_line(err), -1;
			continue;
		}
		out->argv[out->argc++] = argv[i];
	}
	out->argv[0] = (char *)out->runtime;
	out->argv[out->argc] = NULL;
	if (!nhook_args)
		default_hook_args(out);
	find_command(out);
	if (nsg_runc_creates(out->command))
		find_bundle(out);
	return 0;
}

void nsg_runc_args_free(struct nsg_runc_args *a)
{
	free(a->argv);
	free(a->hook_args);
	a->argv = NULL;
	a->hook_args = NULL;
}

static const char *json_type_name(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

int nsg_spec_add_hook(json_t *config, const char *hook_path, const char *const *args, char *err,
		      size_t errlen)
{
	json_t *hooks, *stage, *entry, *jargs = NULL;
	size_t i;

	if (!hook_path || !*hook_path) {
		snprintf(err, errlen, "no hook path");
		return -1;
	}
	if (!json_is_object(config)) {
		snprintf(err, errlen, "the document is %s, not an object",
			 config ? json_type_name(config) : "missing");
		return -1;
	}
	hooks = json_object_get(config, "hooks");
	if (hooks && !json_is_object(hooks) && !json_is_null(hooks)) {
		snprintf(err, errlen, "\"hooks\" is %s, not an object", json_type_name(hooks));
		return -1;
	}
	stage = json_is_object(hooks) ? json_object_get(hooks, "createRuntime") : NULL;
	if (stage && !json_is_array(stage) && !json_is_null(stage)) {
		snprintf(err, errlen, "\"hooks.createRuntime\" is %s, not an array",
			 json_type_name(stage));
		return -1;
	}
	json_array_foreach(stage, i, entry) {
		const char *path = json_string_value(json_object_get(entry, "path"));

		if (path && !strcmp(path, hook_path))
			return 1;
	}

	/* The entry is built whole before anything is attached: no half-made edit. */
	entry = json_object();
	if (!entry)
		goto nomem;
	if (json_object_set_new(entry, "path", json_string(hook_path))) {
		snprintf(err, errlen, "the hook path is not UTF-8");
		json_decref(entry);
		return -1;
	}
	if (args) {
		jargs = json_array();
		if (json_object_set_new(entry, "args", jargs)) {
			json_decref(entry);
			goto nomem;
		}
		for (i = 0; args[i]; i++)
			if (json_array_append_new(jargs, json_string(args[i]))) {
				snprintf(err, errlen, "hook argument %zu is not UTF-8", i);
				json_decref(entry);
				return -1;
			}
	}
	if (!json_is_object(hooks)) {
		hooks = json_object();
		if (!hooks || json_object_set_new(config, "hooks", hooks)) {
			json_decref(entry);
			goto nomem;
		}
	}
	if (!json_is_array(stage)) {
		stage = json_array();
		if (!stage || json_object_set_new(hooks, "createRuntime", stage)) {
			json_decref(entry);
			goto nomem;
		}
	}
	if (json_array_append_new(stage, entry))
		goto nomem;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}
