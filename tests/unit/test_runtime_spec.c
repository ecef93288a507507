// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * nsguard-runc's logic: its own --nsguard-* options are taken out of the
 * argv and the rest reaches runc unchanged; runc's subcommand and bundle are
 * found through every spelling runc accepts; the hook is added to
 * hooks.createRuntime once, next to what is there, and a config.json of the
 * wrong shape is refused with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "hook/runtime_spec.h"

#define ARGV(...) ((char *const[]){ "nsguard-runc", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *const[]){ "nsguard-runc", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(a, ...) nsg_runc_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (a), err, sizeof(err))

static char err[512];

/* runc's argv after argv[0], space-joined. */
static const char *joined(const struct nsg_runc_args *a)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 1; i < a->argc; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i > 1 ? " " : "", a->argv[i]);
	return buf;
}

static const char *hook_args_joined(const struct nsg_runc_args *a)
{
	static char buf[1024];
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; a->hook_args[i]; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? " " : "", a->hook_args[i]);
	return buf;
}

static void test_containerd_create(void **state)
{
	struct nsg_runc_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "--root", "/run/docker/runtime-nsguard/moby", "--log",
			       "/b/log.json", "--log-format", "json", "create", "--bundle", "/b",
			       "--pid-file", "/b/init.pid", "--console-socket", "/tmp/c.sock",
			       "--no-pivot", "abc123"),
			 0);
	assert_string_equal(a.runtime, NSG_RUNC_DEFAULT_RUNTIME);
	assert_false(a.runtime_given);
	assert_string_equal(a.argv[0], NSG_RUNC_DEFAULT_RUNTIME);
	assert_null(a.argv[a.argc]);
	assert_int_equal(a.argc, 16);
	assert_string_equal(joined(&a), "--root /run/docker/runtime-nsguard/moby --log /b/log.json "
					"--log-format json create --bundle /b --pid-file "
					"/b/init.pid --console-socket /tmp/c.sock --no-pivot abc123");
	assert_string_equal(a.command, "create");
	assert_int_equal(a.command_index, 7);
	assert_string_equal(a.bundle, "/b");
	assert_string_equal(a.log, "/b/log.json");
	assert_string_equal(a.log_format, "json");
	assert_string_equal(a.hook, NSG_RUNC_DEFAULT_HOOK);
	assert_string_equal(a.policy, NSG_RUNC_DEFAULT_POLICY);
	assert_string_equal(hook_args_joined(&a),
			    "nsguard-oci-hook --socket /run/nsguard/hook.sock --policy "
			    "/etc/nsguard/policy.yaml --timeout 5");
	nsg_runc_args_free(&a);
}

static void test_global_options_both_forms(void **state)
{
	struct nsg_runc_args a;

	(void)state;
	/* Value options as `--x=V`, `-x V`, `-x=V`; booleans in between. */
	assert_int_equal(PARSE(&a, "--debug", "--root=/r", "-log", "/l", "-log-format=json",
			       "--systemd-cgroup", "-criu", "/usr/sbin/criu", "--rootless", "auto",
			       "create", "x"),
			 0);
	assert_string_equal(a.command, "create");
	assert_string_equal(a.log, "/l");
	assert_string_equal(a.log_format, "json");
	assert_string_equal(a.bundle, ".");
	nsg_runc_args_free(&a);

	/* A value that looks like a subcommand is still a value. */
	assert_int_equal(PARSE(&a, "--root", "create", "-rootless=true", "--log", "run", "state",
			       "x"),
			 0);
	assert_string_equal(a.command, "state");
	assert_int_equal(a.command_index, 6);
	assert_null(a.bundle);
	nsg_runc_args_free(&a);

	assert_int_equal(PARSE(&a, "-root", "/r", "--log-format", "text", "run", "x"), 0);
	assert_string_equal(a.command, "run");
	assert_string_equal(a.log_format, "text");
	assert_null(a.log);
	nsg_runc_args_free(&a);
}

static void test_bundle_forms(void **state)
{
	struct nsg_runc_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "create", "--bundle", "/b1", "x"), 0);
	assert_string_equal(a.bundle, "/b1");
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "create", "--bundle=/b2", "x"), 0);
	assert_string_equal(a.bundle, "/b2");
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "create", "-b", "/b3", "x"), 0);
	assert_string_equal(a.bundle, "/b3");
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "create", "-b=/b4", "x"), 0);
	assert_string_equal(a.bundle, "/b4");
	nsg_runc_args_free(&a);
	/* Single-dash long and double-dash short, as Go's flag package takes them. */
	assert_int_equal(PARSE(&a, "create", "-bundle", "/b5", "x"), 0);
	assert_string_equal(a.bundle, "/b5");
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "create", "--b", "/b6", "x"), 0);
	assert_string_equal(a.bundle, "/b6");
	nsg_runc_args_free(&a);
	/* After the ID (urfave/cli moves it before), the last one winning. */
	assert_int_equal(PARSE(&a, "create", "-b", "/first", "x", "--bundle", "/last"), 0);
	assert_string_equal(a.bundle, "/last");
	nsg_runc_args_free(&a);
	/* Relative: as runc, from the current directory. */
	assert_int_equal(PARSE(&a, "create", "-b", "rel/dir", "x"), 0);
	assert_string_equal(a.bundle, "rel/dir");
	nsg_runc_args_free(&a);
}

static void test_bundle_default_and_edge_cases(void **state)
{
	struct nsg_runc_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "create", "x"), 0);
	assert_string_equal(a.bundle, ".");
	nsg_runc_args_free(&a);
	/* Empty: runc stays where it is. */
	assert_int_equal(PARSE(&a, "create", "--bundle=", "x"), 0);
	assert_string_equal(a.bundle, ".");
	nsg_runc_args_free(&a);
	/* Missing value at the end. */
	assert_int_equal(PARSE(&a, "create", "x", "--bundle"), 0);
	assert_string_equal(a.bundle, ".");
	nsg_runc_args_free(&a);
	/* Another option's value is not the bundle option. */
	assert_int_equal(PARSE(&a, "create", "--pid-file", "-b", "--console-socket", "--bundle",
			       "x"),
			 0);
	assert_string_equal(a.bundle, ".");
	nsg_runc_args_free(&a);
	/* Nothing after `--` is an option. */
	assert_int_equal(PARSE(&a, "run", "x", "--", "-b", "/not"), 0);
	assert_string_equal(a.command, "run");
	assert_string_equal(a.bundle, ".");
	nsg_runc_args_free(&a);
	/* --bundle before the subcommand is not create's. */
	assert_int_equal(PARSE(&a, "--bundle", "create", "x"), 0);
	assert_string_equal(a.command, "create");
	assert_string_equal(a.bundle, ".");
	nsg_runc_args_free(&a);
}

static void test_run_and_restore(void **state)
{
	struct nsg_runc_args a;

	(void)state;
	assert_int_equal(PARSE(&a, "run", "-d", "--bundle", "/r", "--pid-file", "/p", "x"), 0);
	assert_string_equal(a.command, "run");
	assert_true(nsg_runc_creates(a.command));
	assert_string_equal(a.bundle, "/r");
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "restore", "--image-path", "/img", "--work-path", "/w",
			       "--bundle", "/r2", "x"),
			 0);
	assert_true(nsg_runc_creates(a.command));
	assert_string_equal(a.bundle, "/r2");
	nsg_runc_args_free(&a);
}

static void test_other_commands(void **state)
{
	static char *const cmds[] = { "start", "state", "kill", "delete", "exec",
					    "ps",    "features", "pause", "update", "events",
					    "checkpoint", "list", "help", "spec" };
	struct nsg_runc_args a;

	(void)state;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		assert_int_equal(PARSE(&a, "--root", "/r", cmds[i], "--bundle", "/b", "x"), 0);
		assert_string_equal(a.command, cmds[i]);
		assert_false(nsg_runc_creates(a.command));
		assert_null(a.bundle);
		nsg_runc_args_free(&a);
	}
	/* exec's process args reach runc as they are. */
	assert_int_equal(PARSE(&a, "exec", "x", "--", "sh", "-c", "--nsguard-hook=/x"), 0);
	assert_string_equal(joined(&a), "exec x -- sh -c --nsguard-hook=/x");
	nsg_runc_args_free(&a);
}

static void test_no_subcommand(void **state)
{
	struct nsg_runc_args a;

	(void)state;
	assert_int_equal(nsg_runc_parse(1, (char *const[]){ "nsguard-runc", NULL }, &a, err,
					sizeof(err)),
			 0);
	assert_null(a.command);
	assert_int_equal(a.command_index, -1);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], NSG_RUNC_DEFAULT_RUNTIME);
	assert_null(a.argv[1]);
	assert_null(a.bundle);
	nsg_runc_args_free(&a);

	assert_int_equal(PARSE(&a, "--version"), 0);
	assert_null(a.command);
	assert_string_equal(joined(&a), "--version");
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "-v"), 0);
	assert_null(a.command);
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "--debug", "-h"), 0);
	assert_null(a.command);
	nsg_runc_args_free(&a);
	/* A value option missing its value. */
	assert_int_equal(PARSE(&a, "--root"), 0);
	assert_null(a.command);
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "--", "create"), 0);
	assert_null(a.command);
	nsg_runc_args_free(&a);
}

static void test_own_options_stripped(void **state)
{
	struct nsg_runc_args a;

	(void)state;
	/* As daemon.json's runtimeArgs put them: first. */
	assert_int_equal(PARSE(&a, "--nsguard-runtime=/opt/runc", "--nsguard-hook=/opt/hook",
			       "--nsguard-policy=/etc/p.yaml", "--root", "/r", "create", "-b", "/b",
			       "x"),
			 0);
	assert_string_equal(a.runtime, "/opt/runc");
	assert_true(a.runtime_given);
	assert_string_equal(a.argv[0], "/opt/runc");
	assert_string_equal(a.hook, "/opt/hook");
	assert_string_equal(a.policy, "/etc/p.yaml");
	assert_string_equal(joined(&a), "--root /r create -b /b x");
	assert_string_equal(a.command, "create");
	assert_int_equal(a.command_index, 3);
	assert_string_equal(a.bundle, "/b");
	/* The default hook args follow the policy. */
	assert_string_equal(hook_args_joined(&a), "nsguard-oci-hook --socket /run/nsguard/hook.sock "
						  "--policy /etc/p.yaml --timeout 5");
	nsg_runc_args_free(&a);

	/* Anywhere; --nsguard-hook-arg replaces the default args, in order. */
	assert_int_equal(PARSE(&a, "--root", "/r", "--nsguard-hook-arg=hook", "create",
			       "--nsguard-hook-arg=--socket", "--bundle", "/b",
			       "--nsguard-hook-arg=/s.sock", "x", "--nsguard-hook-arg="),
			 0);
	assert_string_equal(joined(&a), "--root /r create --bundle /b x");
	assert_string_equal(a.bundle, "/b");
	assert_string_equal(a.hook_args[0], "hook");
	assert_string_equal(a.hook_args[1], "--socket");
	assert_string_equal(a.hook_args[2], "/s.sock");
	assert_string_equal(a.hook_args[3], "");
	assert_null(a.hook_args[4]);
	nsg_runc_args_free(&a);

	/* An empty policy: none, and no --policy for the hook. */
	assert_int_equal(PARSE(&a, "--nsguard-policy=", "create", "x"), 0);
	assert_null(a.policy);
	assert_string_equal(hook_args_joined(&a),
			    "nsguard-oci-hook --socket /run/nsguard/hook.sock --timeout 5");
	nsg_runc_args_free(&a);

	/* The last one wins. */
	assert_int_equal(PARSE(&a, "--nsguard-runtime=/a", "--nsguard-runtime=/b", "state", "x"),
			 0);
	assert_string_equal(a.runtime, "/b");
	assert_string_equal(joined(&a), "state x");
	nsg_runc_args_free(&a);

	/* Only options are stripped: a value that merely contains the prefix stays. */
	assert_int_equal(PARSE(&a, "--root", "/x--nsguard-hook=y", "state", "x"), 0);
	assert_string_equal(joined(&a), "--root /x--nsguard-hook=y state x");
	nsg_runc_args_free(&a);
}

static void test_own_options_refused(void **state)
{
	static char *const bad[] = {
		"--nsguard-x=1",     "--nsguard-",          "--nsguard-runtime",
		"--nsguard-hook",    "--nsguard-runtime=runc", "--nsguard-hook=rel/hook",
		"--nsguard-runtime=", "--nsguard-policyfile=/x", "--nsguard-hook-args=a",
	};
	struct nsg_runc_args a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(PARSE(&a, bad[i], "create", "x"), -1);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
		nsg_runc_args_free(&a);
	}
	assert_int_equal(PARSE(&a, "create", "x", "--nsguard-x=secret"), -1);
	assert_non_null(strstr(err, "unknown option '--nsguard-x'"));
	assert_null(strstr(err, "secret"));
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "--nsguard-hook", "create", "x"), -1);
	assert_non_null(strstr(err, "needs a value"));
	nsg_runc_args_free(&a);
	assert_int_equal(PARSE(&a, "--nsguard-runtime=runc", "create", "x"), -1);
	assert_non_null(strstr(err, "absolute path"));
	nsg_runc_args_free(&a);
	/* Single dash: not ours, runc's to refuse. */
	assert_int_equal(PARSE(&a, "-nsguard-x=1", "create", "x"), 0);
	assert_string_equal(joined(&a), "-nsguard-x=1 create x");
	nsg_runc_args_free(&a);
}

/* --- nsg_spec_add_hook --- */

static const char *const hook_args[] = { "nsguard-oci-hook", "--socket", "/s", NULL };
#define HOOK "/usr/local/libexec/nsguard/nsguard-oci-hook"

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	assert_non_null(j);
	return j;
}

static void assert_json(json_t *j, const char *expected)
{
	char *got = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	assert_non_null(got);
	assert_string_equal(got, expected);
	free(got);
}

static void test_add_hook_no_hooks(void **state)
{
	json_t *c = load("{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]}}");

	(void)state;
	assert_int_equal(nsg_spec_add_hook(c, HOOK, hook_args, err, sizeof(err)), 0);
	assert_json(c, "{\"ociVersion\":\"1.0.2\",\"process\":{\"args\":[\"sh\"]},\"hooks\":{"
		       "\"createRuntime\":[{\"path\":\"" HOOK "\",\"args\":[\"nsguard-oci-hook\","
		       "\"--socket\",\"/s\"]}]}}");
	json_decref(c);

	/* No args: no "args". */
	c = load("{}");
	assert_int_equal(nsg_spec_add_hook(c, "/h", NULL, err, sizeof(err)), 0);
	assert_json(c, "{\"hooks\":{\"createRuntime\":[{\"path\":\"/h\"}]}}");
	json_decref(c);

	/* null, as Go reads it, is absent. */
	c = load("{\"hooks\":null}");
	assert_int_equal(nsg_spec_add_hook(c, "/h", NULL, err, sizeof(err)), 0);
	assert_json(c, "{\"hooks\":{\"createRuntime\":[{\"path\":\"/h\"}]}}");
	json_decref(c);
	c = load("{\"hooks\":{\"createRuntime\":null}}");
	assert_int_equal(nsg_spec_add_hook(c, "/h", NULL, err, sizeof(err)), 0);
	assert_json(c, "{\"hooks\":{\"createRuntime\":[{\"path\":\"/h\"}]}}");
	json_decref(c);
}

static void test_add_hook_keeps_other_stages(void **state)
{
	json_t *c = load("{\"hooks\":{\"prestart\":[{\"path\":\"/p\"}],\"poststop\":[{\"path\":"
			 "\"/q\",\"args\":[\"q\"],\"timeout\":3}]},\"root\":{\"path\":\"rootfs\"}}");

	(void)state;
	assert_int_equal(nsg_spec_add_hook(c, "/h", hook_args, err, sizeof(err)), 0);
	assert_json(c, "{\"hooks\":{\"prestart\":[{\"path\":\"/p\"}],\"poststop\":[{\"path\":"
		       "\"/q\",\"args\":[\"q\"],\"timeout\":3}],\"createRuntime\":[{\"path\":\"/h\","
		       "\"args\":[\"nsguard-oci-hook\",\"--socket\",\"/s\"]}]},\"root\":{\"path\":"
		       "\"rootfs\"}}");
	json_decref(c);
}

static void test_add_hook_appends_to_create_runtime(void **state)
{
	json_t *c = load("{\"hooks\":{\"createRuntime\":[{\"path\":\"/other\",\"env\":[\"A=1\"]},"
			 "{\"path\":\"/third\"}]}}");

	(void)state;
	assert_int_equal(nsg_spec_add_hook(c, "/h", NULL, err, sizeof(err)), 0);
	assert_json(c, "{\"hooks\":{\"createRuntime\":[{\"path\":\"/other\",\"env\":[\"A=1\"]},"
		       "{\"path\":\"/third\"},{\"path\":\"/h\"}]}}");
	json_decref(c);
}

static void test_add_hook_idempotent(void **state)
{
	json_t *c = load("{\"hooks\":{\"createRuntime\":[]}}");
	char *once;

	(void)state;
	assert_int_equal(nsg_spec_add_hook(c, HOOK, hook_args, err, sizeof(err)), 0);
	once = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_int_equal(nsg_spec_add_hook(c, HOOK, hook_args, err, sizeof(err)), 1);
	/* Same path, other args (another policy): still ours, left alone. */
	assert_int_equal(nsg_spec_add_hook(c, HOOK, NULL, err, sizeof(err)), 1);
	assert_json(c, once);
	free(once);
	json_decref(c);

	/* Already there, among others and put there by someone else. */
	c = load("{\"hooks\":{\"createRuntime\":[{\"path\":\"/a\"},{\"path\":\"" HOOK "\"}]}}");
	assert_int_equal(nsg_spec_add_hook(c, HOOK, hook_args, err, sizeof(err)), 1);
	assert_json(c, "{\"hooks\":{\"createRuntime\":[{\"path\":\"/a\"},{\"path\":\"" HOOK "\"}]}}");
	json_decref(c);

	/* The same path in another stage is not this one. */
	c = load("{\"hooks\":{\"prestart\":[{\"path\":\"/h\"}]}}");
	assert_int_equal(nsg_spec_add_hook(c, "/h", NULL, err, sizeof(err)), 0);
	assert_json(c, "{\"hooks\":{\"prestart\":[{\"path\":\"/h\"}],\"createRuntime\":[{\"path\":"
		       "\"/h\"}]}}");
	json_decref(c);
}

static void assert_refused(const char *text, const char *reason)
{
	json_t *c = load(text);
	char *before = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);

	err[0] = '\0';
	assert_int_equal(nsg_spec_add_hook(c, "/h", hook_args, err, sizeof(err)), -1);
	assert_non_null(strstr(err, reason));
	assert_null(strchr(err, '\n'));
	/* Refused means untouched. */
	assert_json(c, before);
	free(before);
	json_decref(c);
}

static void test_add_hook_wrong_types(void **state)
{
	(void)state;
	assert_refused("{\"hooks\":[]}", "\"hooks\" is an array, not an object");
	assert_refused("{\"hooks\":\"x\"}", "\"hooks\" is a string, not an object");
	assert_refused("{\"hooks\":1}", "\"hooks\" is a number");
	assert_refused("{\"hooks\":true}", "\"hooks\" is a boolean");
	assert_refused("{\"hooks\":{\"createRuntime\":{}}}",
		       "\"hooks.createRuntime\" is an object, not an array");
	assert_refused("{\"hooks\":{\"createRuntime\":\"/h\"}}",
		       "\"hooks.createRuntime\" is a string, not an array");
}

static void test_add_hook_hostile_documents(void **state)
{
	json_t *c;

	(void)state;
	/* config.json holding an array, a string, null: not a spec. */
	c = json_loads("[{\"hooks\":{}}]", 0, NULL);
	assert_int_equal(nsg_spec_add_hook(c, "/h", hook_args, err, sizeof(err)), -1);
	assert_string_equal(err, "the document is an array, not an object");
	assert_int_equal(json_array_size(c), 1);
	json_decref(c);
	c = json_loads("\"x\"", JSON_DECODE_ANY, NULL);
	assert_int_equal(nsg_spec_add_hook(c, "/h", hook_args, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "a string, not an object"));
	json_decref(c);
	c = json_loads("null", JSON_DECODE_ANY, NULL);
	assert_int_equal(nsg_spec_add_hook(c, "/h", hook_args, err, sizeof(err)), -1);
	json_decref(c);
	assert_int_equal(nsg_spec_add_hook(NULL, "/h", hook_args, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing"));

	/* Entries of any shape in createRuntime: skipped when looking, kept. */
	c = load("{\"hooks\":{\"createRuntime\":[1,null,\"/h\",{\"path\":7},{\"args\":[]}]}}");
	assert_int_equal(nsg_spec_add_hook(c, "/h", NULL, err, sizeof(err)), 0);
	assert_json(c, "{\"hooks\":{\"createRuntime\":[1,null,\"/h\",{\"path\":7},{\"args\":[]},"
		       "{\"path\":\"/h\"}]}}");
	json_decref(c);

	/* No hook path; a hook argument that is not UTF-8. */
	c = load("{}");
	assert_int_equal(nsg_spec_add_hook(c, "", NULL, err, sizeof(err)), -1);
	assert_int_equal(nsg_spec_add_hook(c, NULL, NULL, err, sizeof(err)), -1);
	assert_int_equal(nsg_spec_add_hook(c, "/h", (const char *const[]){ "ok", "\xff", NULL },
					   err, sizeof(err)),
			 -1);
	assert_string_equal(err, "hook argument 1 is not UTF-8");
	assert_json(c, "{}");
	json_decref(c);

	/* A large spec: other keys untouched, in their order. */
	c = json_object();
	for (int i = 0; i < 2000; i++) {
		char key[16];

		snprintf(key, sizeof(key), "k%d", i);
		json_object_set_new(c, key, json_integer(i));
	}
	assert_int_equal(nsg_spec_add_hook(c, "/h", hook_args, err, sizeof(err)), 0);
	assert_int_equal(json_object_size(c), 2001);
	{
		const char *key;
		json_t *v;
		int i = 0;

		json_object_foreach(c, key, v) {
			if (i < 2000)
				assert_int_equal(json_integer_value(v), i);
			else
				assert_string_equal(key, "hooks");
			i++;
		}
	}
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_containerd_create),
		cmocka_unit_test(test_global_options_both_forms),
		cmocka_unit_test(test_bundle_forms),
		cmocka_unit_test(test_bundle_default_and_edge_cases),
		cmocka_unit_test(test_run_and_restore),
		cmocka_unit_test(test_other_commands),
		cmocka_unit_test(test_no_subcommand),
		cmocka_unit_test(test_own_options_stripped),
		cmocka_unit_test(test_own_options_refused),
		cmocka_unit_test(test_add_hook_no_hooks),
		cmocka_unit_test(test_add_hook_keeps_other_stages),
		cmocka_unit_test(test_add_hook_appends_to_create_runtime),
		cmocka_unit_test(test_add_hook_idempotent),
		cmocka_unit_test(test_add_hook_wrong_types),
		cmocka_unit_test(test_add_hook_hostile_documents),
	};

	return cmocka_run_group_tests_name("runtime_spec", tests, NULL, NULL);
}
