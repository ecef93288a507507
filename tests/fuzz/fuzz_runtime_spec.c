// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: nsguard-runc's logic (user/runtime_spec.c). The input is
 * an argv (arguments split at 0xFF) and, after a second 0xFF 0xFF, a
 * config.json. The argv must parse or be refused with a one-line reason;
 * what goes to runc is the input less the --nsguard-* options before a
 * "--", in order, the same strings. A document
 * the hook is added to holds it exactly once afterwards, and adding it again
 * changes nothing.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>
#include "fuzz_common.h"
#include "hook/runtime_spec.h"

#define MAX_ARGS 32

static size_t hooks_with_path(json_t *config, const char *path)
{
	json_t *list = json_object_get(json_object_get(config, "hooks"), "createRuntime"), *h;
	size_t i, n = 0;

	json_array_foreach(list, i, h)
		n += json_is_string(json_object_get(h, "path")) &&
		     strcmp(json_string_value(json_object_get(h, "path")), path) == 0;
	return n;
}

static void check_argv(const uint8_t *data, size_t size)
{
	static char bufs[MAX_ARGS][256];
	struct fuzz_part parts[MAX_ARGS];
	char *argv[MAX_ARGS + 2];
	struct nsg_runc_args a;
	char err[256];
	size_t n = fuzz_split(data, size, parts, MAX_ARGS), kept = 0;
	int argc = 1;

	argv[0] = (char *)"nsguard-runc";
	for (size_t i = 0; i < n; i++) {
		size_t len = parts[i].n < 255 ? parts[i].n : 255;

		memcpy(bufs[i], parts[i].p ? (const char *)parts[i].p : "", len);
		bufs[i][len] = '\0';
		argv[argc++] = bufs[i];
	}
	argv[argc] = NULL;
	if (nsg_runc_parse(argc, argv, &a, err, sizeof(err)) == 0) {
		FUZZ_CHECK(a.argv && a.argv[a.argc] == NULL && a.runtime && a.hook, "parsed, incomplete");
		FUZZ_CHECK(!nsg_runc_creates(a.command) || a.bundle, "create without a bundle");
		/* Own options are taken out up to a "--"; everything else, in order, to runc. */
		for (int i = 1, own = 1; i < argc; i++) {
			if (own && strcmp(argv[i], "--") == 0)
				own = 0;
			if (own && strncmp(argv[i], "--nsguard-", 10) == 0)
				continue;
			FUZZ_CHECK(kept + 1 < (size_t)a.argc && a.argv[kept + 1] == argv[i],
				   "argument %d ('%s') not passed on in place", i, argv[i]);
			kept++;
		}
		FUZZ_CHECK((size_t)a.argc - 1 == kept, "runc gets %d args, %zu kept", a.argc - 1, kept);
	} else {
		FUZZ_CHECK(err[0] && !strchr(err, '\n'), "refused without a one-line reason");
	}
	nsg_runc_args_free(&a);
}

static void check_config(const uint8_t *data, size_t size)
{
	static const char *const args[] = { "nsguard-oci-hook", "--socket", "/s", NULL };
	json_t *config = json_loadb((const char *)data, size, 0, NULL);
	char err[256], *before;
	int rc;

	if (!config)
		return;
	rc = nsg_spec_add_hook(config, "/usr/libexec/nsguard-oci-hook", args, err, sizeof(err));
	FUZZ_CHECK(rc >= -1 && rc <= 1, "rc %d", rc);
	if (rc >= 0) {
		FUZZ_CHECK(hooks_with_path(config, "/usr/libexec/nsguard-oci-hook") >= 1, "no hook");
		before = json_dumps(config, JSON_COMPACT | JSON_PRESERVE_ORDER);
		FUZZ_CHECK(nsg_spec_add_hook(config, "/usr/libexec/nsguard-oci-hook", args, err,
					     sizeof(err)) == 1, "not idempotent");
		{
			char *after = json_dumps(config, JSON_COMPACT | JSON_PRESERVE_ORDER);

			FUZZ_CHECK(before && after && strcmp(before, after) == 0,
				   "a second add changed the document");
			free(after);
		}
		free(before);
	} else {
		FUZZ_CHECK(err[0] && !strchr(err, '\n'), "refused without a one-line reason");
	}
	json_decref(config);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *split = NULL;

	for (size_t i = 0; i + 1 < size; i++)
		if (data[i] == FUZZ_SEP && data[i + 1] == FUZZ_SEP) {
			split = data + i;
			break;
		}
	check_argv(data, split ? (size_t)(split - data) : size);
	if (split)
		check_config(split + 2, size - (size_t)(split - data) - 2);
	return 0;
}
