// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: runtime metadata (user/runtime/). The input fills the
 * state files of one container ID in a scratch tree on tmpfs, laid out like
 * each runtime's own, and nsg_metadata_lookup() reads them back:
 *
 *   byte 0: flags (bit 0: containerd namespace "moby" instead of "k8s.io";
 *           bits 1-2: where runc's state.json goes: /run/runc,
 *           /run/containerd/runc/<ns>, /run/docker/runtime-runc/moby)
 *   then up to 8 parts separated by 0xFF, each one file (empty: absent):
 *     0 docker      containers/ID/config.v2.json
 *     1 containerd  io.containerd.runtime.v2.task/<ns>/ID/config.json
 *     2 storage     overlay-containers/ID/userdata/config.json
 *     3 storage     overlay-containers/containers.json
 *     4 runc        <root>/ID/state.json
 *     5 crun        crun/ID/status
 *     6 crun        crun/ID/config.json
 *     7 a bundle    bundle/config.json
 *
 * "@ROOT@" in a file stands for the scratch tree, so bundle paths in state
 * files can lead into it. The result must hold NUL-terminated, valid UTF-8
 * fields (truncation backs off to a character boundary) and must come out of
 * the feed's `container` object (nsg_feed_container(), parsed back with
 * Jansson) field for field.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <jansson.h>
#include "fuzz_common.h"
#include "feed/feed_schema.h"
#include "runtime/metadata.h"

#define ID "283b7bd5b17af45da9f23908514b7e075afc40f029ef4663b28c0422123ae943"
#define NPARTS 8
#define NRUNC 3

static char root[256];
static char path_docker[512], path_task[2][512], path_storage_cfg[512], path_storage_all[512];
static char path_runc[NRUNC][512], path_crun_status[512], path_crun_cfg[512], path_bundle[512];
static char r_docker[300], r_task[300], r_storage[300], r_runc[NRUNC][300], r_crun[300];
static const char *docker_roots[2], *task_roots[2], *storage_roots[2], *runc_roots[NRUNC + 1];
static const char *crun_roots[2];
static struct nsg_meta_config cfg;
static bool debug; /* FUZZ_DEBUG=1: print each result */

static void dir_of(const char *file)
{
	char d[512];

	snprintf(d, sizeof(d), "%s", file);
	*strrchr(d, '/') = '\0';
	fuzz_mkdirs(d);
}

static void setup(void)
{
	snprintf(root, sizeof(root), "%s", fuzz_tmp());
	snprintf(r_docker, sizeof(r_docker), "%s/docker", root);
	snprintf(r_task, sizeof(r_task), "%s/io.containerd.runtime.v2.task", root);
	snprintf(r_storage, sizeof(r_storage), "%s/storage", root);
	snprintf(r_runc[0], sizeof(r_runc[0]), "%s/runc", root);
	snprintf(r_runc[1], sizeof(r_runc[1]), "%s/containerd/runc/*", root);
	snprintf(r_runc[2], sizeof(r_runc[2]), "%s/docker/runtime-runc/moby", root);
	snprintf(r_crun, sizeof(r_crun), "%s/crun", root);

	snprintf(path_docker, sizeof(path_docker), "%s/containers/" ID "/config.v2.json", r_docker);
	snprintf(path_task[0], sizeof(path_task[0]), "%s/k8s.io/" ID "/config.json", r_task);
	snprintf(path_task[1], sizeof(path_task[1]), "%s/moby/" ID "/config.json", r_task);
	snprintf(path_storage_cfg, sizeof(path_storage_cfg),
		 "%s/overlay-containers/" ID "/userdata/config.json", r_storage);
	snprintf(path_storage_all, sizeof(path_storage_all), "%s/overlay-containers/containers.json",
		 r_storage);
	snprintf(path_runc[0], sizeof(path_runc[0]), "%s/" ID "/state.json", r_runc[0]);
	snprintf(path_runc[1], sizeof(path_runc[1]), "%s/containerd/runc/k8s.io/" ID "/state.json",
		 root);
	snprintf(path_runc[2], sizeof(path_runc[2]), "%s/" ID "/state.json", r_runc[2]);
	snprintf(path_crun_status, sizeof(path_crun_status), "%s/" ID "/status", r_crun);
	snprintf(path_crun_cfg, sizeof(path_crun_cfg), "%s/" ID "/config.json", r_crun);
	snprintf(path_bundle, sizeof(path_bundle), "%s/bundle/config.json", root);

	dir_of(path_docker);
	dir_of(path_task[0]);
	dir_of(path_task[1]);
	dir_of(path_storage_cfg);
	for (int i = 0; i < NRUNC; i++)
		dir_of(path_runc[i]);
	dir_of(path_crun_status);
	dir_of(path_bundle);

	docker_roots[0] = r_docker;
	task_roots[0] = r_task;
	storage_roots[0] = r_storage;
	for (int i = 0; i < NRUNC; i++)
		runc_roots[i] = r_runc[i];
	crun_roots[0] = r_crun;
	cfg = (struct nsg_meta_config){
		.runc_roots = runc_roots,
		.crun_roots = crun_roots,
		.containerd_task_roots = task_roots,
		.storage_roots = storage_roots,
		.docker_roots = docker_roots,
	};
}

/* Writes part (with @ROOT@ replaced by the scratch tree) to path; removes it when empty. */
static void put(const char *path, const struct fuzz_part *part)
{
	static const char mark[] = "@ROOT@";
	size_t rootlen = strlen(root), cap, o = 0;
	char *buf;

	if (!part->p || !part->n) {
		fuzz_put_file(path, NULL, 0);
		return;
	}
	cap = part->n / (sizeof(mark) - 1) * rootlen + part->n + 1;
	buf = malloc(cap);
	if (!buf)
		abort();
	for (size_t i = 0; i < part->n;) {
		if (part->n - i >= sizeof(mark) - 1 &&
		    memcmp(part->p + i, mark, sizeof(mark) - 1) == 0) {
			memcpy(buf + o, root, rootlen);
			o += rootlen;
			i += sizeof(mark) - 1;
		} else {
			buf[o++] = (char)part->p[i++];
		}
	}
	fuzz_put_file(path, buf, o);
	free(buf);
}

static const struct fuzz_part none;

static void check_field(const char *what, const char *s, size_t size, json_t *j)
{
	size_t n;

	FUZZ_CHECK(memchr(s, '\0', size) != NULL, "%s not NUL-terminated", what);
	n = strlen(s);
	FUZZ_CHECK(fuzz_utf8_ok(s, n), "%s is not valid UTF-8: '%s'", what, s);
	if (!j)
		return;
	if (n)
		FUZZ_CHECK(json_is_string(j) && strcmp(json_string_value(j), s) == 0,
			   "%s '%s' not carried into the JSON", what, s);
	else
		FUZZ_CHECK(json_is_null(j), "empty %s is not null in the JSON", what);
}

static bool known_runtime(const char *rt)
{
	static const char *const names[] = { "docker", "containerd", "cri-o", "podman",
					     "runc", "crun" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(rt, names[i]) == 0)
			return true;
	return false;
}

/* The feed's `container` object for m, as one line parsed back. */
static json_t *container_json(const struct nsg_container_meta *m)
{
	static struct nsg_jsonw w;
	json_t *j;

	nsg_jsonw_rewind(&w, 0);
	nsg_feed_container(&w, m);
	FUZZ_CHECK(!w.failed, "container object not written");
	FUZZ_CHECK(fuzz_utf8_ok(w.buf, w.len), "container object is not valid UTF-8");
	j = json_loadb(w.buf, w.len, JSON_REJECT_DUPLICATES, NULL);
	FUZZ_CHECK(json_is_object(j), "container object does not parse: '%.*s'", (int)w.len, w.buf);
	return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_part parts[NPARTS];
	struct nsg_container_meta m;
	json_t *j, *pod;
	unsigned flags;
	char *dump;
	int rc, runc_at, ns;

	if (!root[0]) {
		setup();
		debug = getenv("FUZZ_DEBUG") != NULL;
	}
	if (size < 1)
		return 0;
	flags = data[0];
	fuzz_split(data + 1, size - 1, parts, NPARTS);
	ns = flags & 1;
	runc_at = (int)((flags >> 1) & 3) % NRUNC;

	put(path_docker, &parts[0]);
	put(path_task[ns], &parts[1]);
	put(path_task[!ns], &none);
	put(path_storage_cfg, &parts[2]);
	put(path_storage_all, &parts[3]);
	for (int i = 0; i < NRUNC; i++)
		put(path_runc[i], i == runc_at ? &parts[4] : &none);
	put(path_crun_status, &parts[5]);
	put(path_crun_cfg, &parts[6]);
	put(path_bundle, &parts[7]);

	rc = nsg_metadata_lookup(&cfg, ID, &m);
	FUZZ_CHECK(rc == 0, "lookup of a valid ID returned %d", rc);

	j = container_json(&m);
	if (!m.found) {
		static const struct nsg_container_meta zero;

		FUZZ_CHECK(memcmp(&m, &zero, sizeof(m)) == 0, "not found, but fields set");
	} else {
		FUZZ_CHECK(known_runtime(m.runtime), "runtime '%s'", m.runtime);
	}
	pod = json_object_get(j, "pod");
	check_field("runtime", m.runtime, sizeof(m.runtime), json_object_get(j, "runtime"));
	check_field("name", m.name, sizeof(m.name), json_object_get(j, "name"));
	check_field("image", m.image, sizeof(m.image), json_object_get(j, "image"));
	check_field("bundle", m.bundle, sizeof(m.bundle), NULL);
	if (m.pod_name[0] || m.pod_namespace[0] || m.pod_uid[0]) {
		FUZZ_CHECK(json_is_object(pod), "pod fields known but pod is not an object");
		check_field("pod.name", m.pod_name, sizeof(m.pod_name), json_object_get(pod, "name"));
		check_field("pod.namespace", m.pod_namespace, sizeof(m.pod_namespace),
			    json_object_get(pod, "namespace"));
		check_field("pod.uid", m.pod_uid, sizeof(m.pod_uid), json_object_get(pod, "uid"));
	} else {
		FUZZ_CHECK(json_is_null(pod), "no pod field known but pod is not null");
	}
	dump = json_dumps(j, JSON_COMPACT);
	FUZZ_CHECK(dump != NULL, "metadata JSON cannot be encoded");
	if (debug)
		fprintf(stderr, "found %d bundle '%s' sandbox %d: %s\n", m.found, m.bundle, m.sandbox,
			dump);
	free(dump);
	json_decref(j);

	/* An invalid ID is refused and zeroes the result. */
	FUZZ_CHECK(nsg_metadata_lookup(&cfg, ID "0", &m) == -EINVAL && !m.found, "ID+1 accepted");
	return 0;
}
