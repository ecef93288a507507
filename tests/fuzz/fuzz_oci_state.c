// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the OCI hook's state document (user/oci_state.c), as the
 * agent's hook socket receives it, turned into a container and matched
 * against a policy like the agent's hook requests (user/agent/hook_requests.c) do. Parts separated by
 * 0xFF:
 *
 *   0  the state document (parsed like hook_server.c: json_loads, objects only)
 *   1  the container's cgroup path as /proc/<pid>/cgroup would give it
 *      (empty: the process is gone)
 *   2  the bundle's config.json (empty: absent)
 *
 * nsg_proc_cgroup_path() and nsg_cgroup_id_of_path() (user/cgroupmode.c,
 * which reads /proc and the cgroupfs) are replaced by the stubs below, so no
 * live process is needed. A string "bundle" in the state is pointed at a
 * scratch directory on tmpfs holding part 2, so nothing outside it is read.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "fuzz_common.h"
#include "container/container.h"
#include "runtime/oci_state.h"
#include "policy/policy.h"

static struct fuzz_part cgroup_part;

/* Stub: the chosen hierarchy's line of /proc/PID/cgroup is part 1. */
int nsg_proc_cgroup_path(const struct nsg_cgroup_mode *m, int pid, char *path, size_t len)
{
	(void)m;
	(void)pid;
	if (!cgroup_part.n)
		return -1;
	/* As the real one: the text up to the line's end, cut to the buffer. */
	size_t n = 0;

	while (n < cgroup_part.n && cgroup_part.p[n] != '\n' && cgroup_part.p[n] != '\0')
		n++;
	snprintf(path, len, "%.*s", (int)n, (const char *)cgroup_part.p);
	return 0;
}

/* Stub: a path "exists" when it is absolute. */
unsigned long long nsg_cgroup_id_of_path(const struct nsg_cgroup_mode *m, const char *path)
{
	(void)m;
	return path[0] == '/' ? 1000 + strlen(path) : 0;
}

static const char policy_yaml[] =
	"mode: enforce\n"
	"allow:\n"
	"  - kubernetes_namespace: monitoring\n"
	"    pod: \"node-exporter-*\"\n"
	"    namespaces: [pid]\n"
	"  - container_name: istio-proxy\n"
	"  - image: \"registry.example.com/debug/*\"\n"
	"  - container_id: \"[0-9a-f]*\"\n"
	"    namespaces: [ipc]\n"
	"  - cgroup: \"/system.slice/docker-*.scope\"\n"
	"  - executable: /usr/bin/crictl\n";

static struct nsg_policy policy;
static char bundle_dir[300], bundle_cfg[320];

static void setup(void)
{
	char err[256];

	if (nsg_policy_parse("fuzz", policy_yaml, sizeof(policy_yaml) - 1, &policy, err,
			     sizeof(err))) {
		fprintf(stderr, "fuzz: built-in policy refused: %s\n", err);
		abort();
	}
	snprintf(bundle_dir, sizeof(bundle_dir), "%s/bundle", fuzz_tmp());
	snprintf(bundle_cfg, sizeof(bundle_cfg), "%s/config.json", bundle_dir);
	fuzz_mkdirs(bundle_dir);
}

static void check_str(const char *what, const char *s)
{
	if (s)
		FUZZ_CHECK(strlen(s) < (1u << 24), "%s unterminated", what);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keysets[][4] = {
		{ "io.kubernetes.pod.namespace", "io.kubernetes.cri.sandbox-namespace", NULL },
		{ "", NULL },
		{ "bundle", "id", "pid", NULL },
	};
	struct nsg_cgroup_mode mode = { .v2 = true, .v1_ssid = -1, .mount = "/sys/fs/cgroup" };
	struct fuzz_part parts[3];
	struct nsg_known_container k;
	struct nsg_cgroup_identity ident;
	struct nsg_match_input in;
	char cgroup[512], err[256], *text;
	json_t *state, *config = NULL;
	struct nsg_container_meta meta;
	uint32_t allowed;
	int rc;

	if (!bundle_dir[0])
		setup();
	fuzz_split(data, size, parts, 3);
	cgroup_part = parts[1];
	fuzz_put_file(bundle_cfg, parts[2].n ? parts[2].p : NULL, parts[2].n);

	text = strndup((const char *)parts[0].p, parts[0].n);
	if (!text)
		return 0;
	state = json_loads(text, 0, NULL);
	free(text);
	if (!json_is_object(state)) { /* hook_server.c answers these itself */
		json_decref(state);
		return 0;
	}
	if (json_is_string(json_object_get(state, "bundle")))
		json_object_set_new(state, "bundle", json_string(bundle_dir));

	for (size_t i = 0; i < sizeof(keysets) / sizeof(keysets[0]); i++) {
		const char *v = nsg_annotation(json_object_get(state, "annotations"), keysets[i]);

		FUZZ_CHECK(!v || v[0], "nsg_annotation returned an empty value");
		check_str("annotation", v);
	}

	err[0] = '\0';
	rc = nsg_oci_state_container(state, &mode, &k, &meta, cgroup, sizeof(cgroup), &config,
				     err, sizeof(err));
	if (rc) {
		FUZZ_CHECK(rc == -1 && err[0], "failure without a message (rc %d)", rc);
		FUZZ_CHECK(config == NULL, "failure left a config behind");
		json_decref(state);
		return 0;
	}
	FUZZ_CHECK(k.cgroup == cgroup && k.cgroup_id, "cgroup not set");
	FUZZ_CHECK(memchr(k.id, '\0', sizeof(k.id)) != NULL, "id not NUL-terminated");
	/* The kernel knows the container by its cgroup: that ID wins. */
	if (nsg_cgroup_path_identity(cgroup, &ident))
		FUZZ_CHECK(strcmp(k.id, ident.id) == 0, "id '%s' is not the cgroup's '%s'", k.id,
			   ident.id);
	check_str("kubernetes_namespace", k.kubernetes_namespace);
	check_str("pod", k.pod);
	check_str("container_name", k.container_name);
	check_str("image", k.image);
	FUZZ_CHECK(!k.runtime || strcmp(k.runtime, "containerd") == 0 ||
			   strcmp(k.runtime, "cri-o") == 0 || strcmp(k.runtime, "podman") == 0,
		   "runtime '%s'", k.runtime);

	/* As nsg_known_match_input() (user/registry.c) and the hook request do. */
	in = (struct nsg_match_input){
		.container_id = k.id[0] ? k.id : NULL,
		.cgroup = k.cgroup,
		.kubernetes_namespace = k.kubernetes_namespace,
		.pod = k.pod,
		.container_name = k.container_name,
		.image = k.image,
	};
	allowed = nsg_policy_container_allows(&policy, &in);
	FUZZ_CHECK(!(allowed & ~NSG_NS_ALL), "allowed %#x", allowed);
	json_decref(config);
	json_decref(state);
	return 0;
}
