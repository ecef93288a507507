// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Container metadata from runtime state files. The fixture trees under
 * tests/unit/fixtures/metadata reproduce each runtime's layout: runc, crun
 * and podman files were captured from runc 1.1.5, crun 1.8.1 and podman
 * 4.3.1 (IDs and paths rewritten), containerd-CRI, CRI-O and Docker ones
 * follow those projects' documented formats. Hostile cases that git cannot
 * hold (symlinks, FIFOs, huge files) are built in a temporary directory.
 * Tests run from the repository root (tests/unit/run.sh via make).
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
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <jansson.h>
#include "feed/feed_schema.h"
#include "runtime/meta_cache.h"
#include "runtime/metadata.h"

#define FIX "tests/unit/fixtures/metadata"

#define ID_DOCKER "f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5e1"
#define ID_DOCKERSHIM "8f8f3f3625020485ac7283d9838791218e1f42ab304c69c3bbfe3b0c0960d793"
#define ID_DOCKER_BADID "a4f1e2037a22ef0b2d52c64433f95c93f26775c1350fe6d32f34ebb26ec01449"
#define ID_CRI "283b7bd5b17af45da9f23908514b7e075afc40f029ef4663b28c0422123ae943"
#define ID_CRI_SANDBOX "efe16884ab3e3a174db64548f17f2e12531ebe781938b91f0275d1b56bbc08fc"
#define ID_MOBY "fbdf533e6dc091b81572be6e102349704c07cd28018b18dc5f0a8b6179f69491"
#define ID_CRIO "38dc52b3daedd0d3ef4c160891380f32da3933bfeb0df8314b414a39c49018fa"
#define ID_CRIO_SANDBOX "efbfa86b22df5e604d2b37fd7782402b097174cdb94ef1b301af3892ba60ca34"
#define ID_PODMAN "cb13681a4ba28f2ec70c93e26aa2b8c200acb6ccc866fb1ef1448ccc19c6a5d0"
#define ID_RUNC "507af4158bd999460f039f6dd4b6b792eedb80cd7d8946a2233ec145b1fd136c"
#define ID_RUNC_CRIO "38432e87bc5ce99d341d2c64c33b59a49201488ae3aa1f7d9c8d93636cd2a306"
#define ID_TRUNC "55c58dc0d13c4173a9d4f5d5a1c55a8787732eb9c85da386e71ea7cfc76a6c41"
#define ID_NOFILE "d598365ec8f6be6a33ed349e541ef42b6d3cb31732db1d08b137b7fcc8e0bc46"
#define ID_WRONGTYPE "b844cc7d652cd3a6a8d8efb31f52d7df27337d39e81bce5347070ab5f7bf78d0"
#define ID_CRUN "1ee11930235bac7ac8453b3f80a49232cdafcc706d9762a1416efaa9e8deaa31"
#define ID_UNKNOWN "544a31e3cee1926f5b6c3d43a11dabddea6a2f8b3e1f7fa77fd1d21eebc9ae71"

/* The feed's `container` object for m (feed_schema.c), parsed back. */
static json_t *container_json(const struct nsg_container_meta *m)
{
	struct nsg_jsonw w = { 0 };
	json_t *j;

	nsg_feed_container(&w, m);
	assert_false(w.failed);
	j = json_loadb(w.buf, w.len, 0, NULL);
	assert_non_null(j);
	nsg_jsonw_free(&w);
	return j;
}

#define POD_UID "a3c1e9b2-4d5f-4e6a-8b7c-9d0e1f2a3b4c"
#define CRIO_UID "0f1e2d3c-4b5a-4968-8776-655443322110"

static const char *const none[] = { NULL };
static const char *const fix_docker[] = { FIX "/docker", NULL };
static const char *const fix_task[] = { FIX "/containerd-task", NULL };
static const char *const fix_storage[] = { FIX "/storage", NULL };
static const char *const fix_runc[] = { FIX "/runc", NULL };
static const char *const fix_crd_runc[] = { FIX "/containerd-runc/*", NULL };
static const char *const fix_crun[] = { FIX "/crun", NULL };

/* Every source off: each test turns on the ones it is about. */
static struct nsg_meta_config cfg_none(void)
{
	struct nsg_meta_config c = {
		.runc_roots = none, .crun_roots = none, .containerd_task_roots = none,
		.storage_roots = none, .docker_roots = none,
	};

	return c;
}

static struct nsg_meta_config cfg_all_fixtures(void)
{
	struct nsg_meta_config c = {
		.runc_roots = fix_runc, .crun_roots = fix_crun,
		.containerd_task_roots = fix_task, .storage_roots = fix_storage,
		.docker_roots = fix_docker,
	};

	return c;
}

static struct nsg_container_meta lookup_ok(const struct nsg_meta_config *cfg, const char *id)
{
	struct nsg_container_meta m;

	assert_int_equal(nsg_metadata_lookup(cfg, id, &m), 0);
	return m;
}

static void assert_pod(const struct nsg_container_meta *m, const char *name, const char *ns,
		       const char *uid)
{
	assert_string_equal(m->pod_name, name);
	assert_string_equal(m->pod_namespace, ns);
	assert_string_equal(m->pod_uid, uid);
}

static int fixtures_present(void **state)
{
	struct stat st;

	(void)state;
	if (stat(FIX, &st) != 0) {
		fprintf(stderr, "test_metadata: run from the repository root (%s missing)\n", FIX);
		return -1;
	}
	return 0;
}

/* --- temporary trees ------------------------------------------------------ */

static char tmp[64];
/* tpath() results stay valid for the whole test: configs keep them. */
static char paths[128][512];
static unsigned int npaths;

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int tmp_setup(void **state)
{
	(void)state;
	npaths = 0;
	snprintf(tmp, sizeof(tmp), "/tmp/nsg-meta-test.XXXXXX");
	return mkdtemp(tmp) ? 0 : -1;
}

static int tmp_teardown(void **state)
{
	(void)state;
	return nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmp/rel, with its parent directories. */
static const char *tpath(const char *rel)
{
	char *p;

	assert_true(npaths < sizeof(paths) / sizeof(paths[0]));
	p = paths[npaths++];
	assert_true(strlen(tmp) + strlen(rel) + 2 <= sizeof(paths[0]));
	snprintf(p, sizeof(paths[0]), "%s/%s", tmp, rel);
	return p;
}

static void mkdirs_for(const char *path)
{
	char d[PATH_MAX], *s;

	snprintf(d, sizeof(d), "%s", path);
	for (s = d + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(d, 0755);
		*s = '/';
	}
}

static void put(const char *rel, const char *fmt, ...)
{
	const char *p = tpath(rel);
	va_list ap;
	FILE *f;

	mkdirs_for(p);
	f = fopen(p, "w");
	assert_non_null(f);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static const char cri_annotations[] =
	"{\"io.kubernetes.cri.container-type\":\"container\","
	"\"io.kubernetes.cri.container-name\":\"api\","
	"\"io.kubernetes.cri.image-name\":\"quay.io/x/api:1\","
	"\"io.kubernetes.cri.sandbox-name\":\"api-0\","
	"\"io.kubernetes.cri.sandbox-namespace\":\"team\","
	"\"io.kubernetes.cri.sandbox-uid\":\"" POD_UID "\"}";

/* --- IDs ------------------------------------------------------------------- */

static void test_id_validation(void **state)
{
	struct nsg_meta_config cfg = cfg_all_fixtures();
	static const char *const bad[] = {
		"",
		"F6B7360236E45C690395C94A432BDF1DAFAD89F990198669E6025135FC2FB5E1",
		"f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5e",
		"f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5e10",
		"../../../../../../../../etc/passwd/../../../../../../../../../x",
		"../f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2f",
		"f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5e/",
		"g6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5e1",
		"f6b7360236e45c690395c94a432bdf1dafad89f990198669e6025135fc2fb5\n1",
	};
	struct nsg_container_meta m;
	size_t i;

	(void)state;
	assert_true(nsg_meta_id_valid(ID_DOCKER));
	assert_false(nsg_meta_id_valid(NULL));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&m, 0xAA, sizeof(m));
		assert_false(nsg_meta_id_valid(bad[i]));
		assert_int_equal(nsg_metadata_lookup(&cfg, bad[i], &m), -EINVAL);
		assert_false(m.found);
		assert_string_equal(m.runtime, "");
	}
	assert_int_equal(nsg_metadata_lookup(&cfg, NULL, &m), -EINVAL);
}

/* --- Docker ---------------------------------------------------------------- */

static void test_docker(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.docker_roots = fix_docker;
	m = lookup_ok(&cfg, ID_DOCKER);
	assert_true(m.found);
	assert_string_equal(m.runtime, "docker");
	assert_string_equal(m.name, "web-1");
	assert_string_equal(m.image, "nginx:1.25");
	assert_pod(&m, "", "", "");
	assert_false(m.sandbox);
}

/* dockershim / cri-dockerd: the kubelet labels beat the k8s_... name. */
static void test_dockershim(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.docker_roots = fix_docker;
	m = lookup_ok(&cfg, ID_DOCKERSHIM);
	assert_true(m.found);
	assert_string_equal(m.runtime, "docker");
	assert_string_equal(m.name, "app");
	assert_pod(&m, "api-5f7b9c-xk2lp", "prod", POD_UID);
	assert_string_equal(m.image,
			    "sha256:c58069fa584e542f7f17ee51eea82a29fc5f420465599f4d2d58bbcfcff2914b");
}

/* A config.v2.json whose "ID" is another container's is not this one's. */
static void test_docker_id_mismatch(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.docker_roots = fix_docker;
	m = lookup_ok(&cfg, ID_DOCKER_BADID);
	assert_false(m.found);
	assert_string_equal(m.name, "");
}

/* --- containerd ------------------------------------------------------------ */

static void test_containerd_cri(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.containerd_task_roots = fix_task;
	m = lookup_ok(&cfg, ID_CRI);
	assert_true(m.found);
	assert_string_equal(m.runtime, "containerd");
	assert_string_equal(m.name, "web");
	assert_pod(&m, "web-7d9f8-abcde", "shop", POD_UID);
	assert_string_equal(m.image, "docker.io/library/nginx:1.25");
	assert_string_equal(m.bundle, FIX "/containerd-task/k8s.io/" ID_CRI);
	assert_false(m.sandbox);
}

static void test_containerd_sandbox(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.containerd_task_roots = fix_task;
	m = lookup_ok(&cfg, ID_CRI_SANDBOX);
	assert_true(m.found);
	assert_true(m.sandbox);
	assert_string_equal(m.runtime, "containerd");
	assert_string_equal(m.name, "");
	assert_pod(&m, "web-7d9f8-abcde", "shop", POD_UID);
	assert_string_equal(m.image, "registry.k8s.io/pause:3.9");
}

/* Docker 20+ keeps its containers in containerd namespace "moby". */
static void test_containerd_moby_is_docker(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.containerd_task_roots = fix_task;
	m = lookup_ok(&cfg, ID_MOBY);
	assert_true(m.found);
	assert_string_equal(m.runtime, "docker");
	assert_string_equal(m.name, "");
	assert_string_equal(m.bundle, FIX "/containerd-task/moby/" ID_MOBY);
}

/* containerd's runc shim root, one per namespace: a "*" root. */
static void test_containerd_runc_root(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.runc_roots = fix_crd_runc;
	m = lookup_ok(&cfg, ID_CRI);
	assert_true(m.found);
	assert_string_equal(m.runtime, "containerd");
	assert_string_equal(m.name, "web");
	assert_pod(&m, "web-7d9f8-abcde", "shop", POD_UID);
	assert_string_equal(m.image, "docker.io/library/nginx:1.25");
	assert_string_equal(m.bundle, "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID_CRI);
}

/* --- containers/storage: CRI-O and podman ---------------------------------- */

static void test_crio(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.storage_roots = fix_storage;
	m = lookup_ok(&cfg, ID_CRIO);
	assert_true(m.found);
	assert_string_equal(m.runtime, "cri-o");
	assert_string_equal(m.name, "app");
	assert_pod(&m, "api-5f7b9c-xk2lp", "prod", CRIO_UID);
	assert_string_equal(m.image, "quay.io/example/api:2.1");
	assert_string_equal(m.bundle, FIX "/storage/overlay-containers/" ID_CRIO "/userdata");
	assert_false(m.sandbox);
}

/* A crictl-made sandbox: no kubelet labels, only io.kubernetes.cri-o.Metadata. */
static void test_crio_sandbox_metadata(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.storage_roots = fix_storage;
	m = lookup_ok(&cfg, ID_CRIO_SANDBOX);
	assert_true(m.found);
	assert_true(m.sandbox);
	assert_string_equal(m.runtime, "cri-o");
	assert_string_equal(m.name, "POD");
	assert_pod(&m, "podsandbox1", "redhat.test.crio", "redhat-test-crio");
	assert_string_equal(m.image, "registry.k8s.io/pause:3.6");
}

/*
 * podman 4.3 writes io.kubernetes.cri-o.Created/TTY too: io.container.manager
 * must decide. Name and image come from containers.json.
 */
static void test_podman(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.storage_roots = fix_storage;
	m = lookup_ok(&cfg, ID_PODMAN);
	assert_true(m.found);
	assert_string_equal(m.runtime, "podman");
	assert_string_equal(m.name, "db-primary");
	assert_string_equal(m.image, "docker.io/library/postgres:16");
	assert_pod(&m, "", "", "");
}

/* --- runc, crun ------------------------------------------------------------ */

static void test_runc_bare(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.runc_roots = fix_runc;
	m = lookup_ok(&cfg, ID_RUNC);
	assert_true(m.found);
	assert_string_equal(m.runtime, "runc");
	assert_string_equal(m.bundle, "/srv/bundles/" ID_RUNC);
	assert_string_equal(m.name, "");
	assert_string_equal(m.image, "");
}

/* CRI-O drives runc under /run/runc: the state's labels carry its annotations. */
static void test_runc_crio_labels(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.runc_roots = fix_runc;
	m = lookup_ok(&cfg, ID_RUNC_CRIO);
	assert_true(m.found);
	assert_string_equal(m.runtime, "cri-o");
	assert_string_equal(m.name, "app");
	assert_pod(&m, "api-5f7b9c-xk2lp", "prod", CRIO_UID);
	assert_string_equal(m.image, "quay.io/example/api:2.1");
}

static void test_runc_broken_state(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.runc_roots = fix_runc;
	m = lookup_ok(&cfg, ID_TRUNC);
	assert_false(m.found);
	m = lookup_ok(&cfg, ID_NOFILE);
	assert_false(m.found);
	m = lookup_ok(&cfg, ID_UNKNOWN);
	assert_false(m.found);
}

/* Labels that are not strings or lack "key=": skipped; the last bundle= wins. */
static void test_runc_wrong_types(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.runc_roots = fix_runc;
	m = lookup_ok(&cfg, ID_WRONGTYPE);
	assert_true(m.found);
	assert_string_equal(m.runtime, "runc");
	assert_string_equal(m.name, "");
	assert_pod(&m, "ok-pod", "", "");
	assert_string_equal(m.bundle, "/srv/last");
}

static void test_crun(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	cfg.crun_roots = fix_crun;
	m = lookup_ok(&cfg, ID_CRUN);
	assert_true(m.found);
	assert_string_equal(m.runtime, "crun");
	assert_string_equal(m.bundle, "/srv/bundles/" ID_CRUN);
	assert_string_equal(m.name, "");
}

/* --- all sources together -------------------------------------------------- */

static void test_all_sources(void **state)
{
	struct nsg_meta_config cfg = cfg_all_fixtures();
	static const char *const runc_both[] = { FIX "/runc", FIX "/containerd-runc/*", NULL };
	struct nsg_container_meta m;

	(void)state;
	cfg.runc_roots = runc_both;
	/* Found by the task dir first: its bundle, not the runc state's copy. */
	m = lookup_ok(&cfg, ID_CRI);
	assert_string_equal(m.runtime, "containerd");
	assert_string_equal(m.bundle, FIX "/containerd-task/k8s.io/" ID_CRI);
	m = lookup_ok(&cfg, ID_PODMAN);
	assert_string_equal(m.runtime, "podman");
	m = lookup_ok(&cfg, ID_DOCKER);
	assert_string_equal(m.runtime, "docker");
	m = lookup_ok(&cfg, ID_RUNC);
	assert_string_equal(m.runtime, "runc");
	m = lookup_ok(&cfg, ID_CRUN);
	assert_string_equal(m.runtime, "crun");
	m = lookup_ok(&cfg, ID_UNKNOWN);
	assert_false(m.found);
	/* An empty list turns a source off. */
	cfg.docker_roots = none;
	m = lookup_ok(&cfg, ID_DOCKER);
	assert_false(m.found);
}

/* Pod fields come out the same from containerd-CRI and CRI-O annotations. */
static void test_k8s_styles_agree(void **state)
{
	static const char crio_annotations[] =
		"{\"io.container.manager\":\"cri-o\","
		"\"io.kubernetes.cri-o.ContainerType\":\"container\","
		"\"io.kubernetes.container.name\":\"api\","
		"\"io.kubernetes.cri-o.ImageName\":\"quay.io/x/api:1\","
		"\"io.kubernetes.cri-o.Image\":\"0123abcd\","
		"\"io.kubernetes.pod.name\":\"api-0\","
		"\"io.kubernetes.pod.namespace\":\"team\","
		"\"io.kubernetes.pod.uid\":\"" POD_UID "\"}";
	const char *const task[] = { tpath("task"), NULL };
	const char *const storage[] = { tpath("storage"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta a, b;
	json_t *ja, *jb;

	(void)state;
	put("task/k8s.io/" ID_CRI "/config.json", "{\"annotations\":%s}", cri_annotations);
	put("storage/overlay-containers/" ID_CRIO "/userdata/config.json", "{\"annotations\":%s}",
	    crio_annotations);
	cfg.containerd_task_roots = task;
	cfg.storage_roots = storage;
	a = lookup_ok(&cfg, ID_CRI);
	b = lookup_ok(&cfg, ID_CRIO);
	assert_string_equal(a.runtime, "containerd");
	assert_string_equal(b.runtime, "cri-o");
	ja = container_json(&a);
	jb = container_json(&b);
	json_object_del(ja, "runtime");
	json_object_del(jb, "runtime");
	assert_true(json_equal(ja, jb));
	assert_string_equal(json_string_value(json_object_get(json_object_get(ja, "pod"), "uid")),
			    POD_UID);
	json_decref(ja);
	json_decref(jb);
}

/* --- hostile trees ----------------------------------------------------------- */

static void test_symlinks_not_followed(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	const char *const wild[] = { tpath("crd/*"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	put("outside/" ID_RUNC "/state.json", "{\"id\":\"" ID_RUNC "\"}");
	put("outside/" ID_CRUN "/state.json", "{\"id\":\"" ID_CRUN "\"}");
	put("runc/" ID_CRUN "/.keep", "");
	/* The ID's directory is a link out of the root. */
	assert_int_equal(symlink(tpath("outside/" ID_RUNC), tpath("runc/" ID_RUNC)), 0);
	/* The state file is a link. */
	assert_int_equal(symlink(tpath("outside/" ID_CRUN "/state.json"),
				 tpath("runc/" ID_CRUN "/state.json")), 0);
	/* A namespace under a "*" root is a link. */
	mkdirs_for(tpath("crd/x"));
	assert_int_equal(symlink(tpath("outside"), tpath("crd/k8s.io")), 0);
	cfg.runc_roots = runc;
	assert_false(lookup_ok(&cfg, ID_RUNC).found);
	assert_false(lookup_ok(&cfg, ID_CRUN).found);
	cfg.runc_roots = wild;
	assert_false(lookup_ok(&cfg, ID_RUNC).found);
	/* Sanity: the same file through a real directory is found. */
	cfg.runc_roots = (const char *const[]){ tpath("outside"), NULL };
	m = lookup_ok(&cfg, ID_RUNC);
	assert_true(m.found);
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("lookup blocked on a FIFO");
}

/* A FIFO, a directory, an oversized file in a state file's place. */
static void test_not_regular_or_huge(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	int fd;

	(void)state;
	put("runc/" ID_RUNC "/.keep", "");
	assert_int_equal(mkfifo(tpath("runc/" ID_RUNC "/state.json"), 0600), 0);
	put("runc/" ID_CRUN "/state.json/.keep", "");
	put("runc/" ID_TRUNC "/state.json", "{\"id\":\"" ID_TRUNC "\"}");
	fd = open(tpath("runc/" ID_TRUNC "/state.json"), O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	/* Valid JSON followed by whitespace past the cap: refused on size. */
	assert_int_equal(ftruncate(fd, NSG_META_MAX_FILE + 1), 0);
	close(fd);
	cfg.runc_roots = runc;
	signal(SIGALRM, on_alarm);
	alarm(10);
	assert_false(lookup_ok(&cfg, ID_RUNC).found);
	alarm(0);
	assert_false(lookup_ok(&cfg, ID_CRUN).found);
	assert_false(lookup_ok(&cfg, ID_TRUNC).found);
}

/* runc state without annotation labels: they come from the bundle. */
static void test_runc_bundle_annotations(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	put("bundle/config.json", "{\"ociVersion\":\"1.0.2-dev\",\"annotations\":%s}",
	    cri_annotations);
	put("runc/" ID_RUNC "/state.json",
	    "{\"id\":\"" ID_RUNC "\",\"config\":{\"labels\":[\"bundle=%s\"]}}", tpath("bundle"));
	cfg.runc_roots = runc;
	m = lookup_ok(&cfg, ID_RUNC);
	assert_true(m.found);
	assert_string_equal(m.runtime, "containerd");
	assert_string_equal(m.name, "api");
	assert_pod(&m, "api-0", "team", POD_UID);
	assert_string_equal(m.bundle, tpath("bundle"));
}

/*
 * crun without its config copy reads the bundle; a podman bundle (a
 * storage userdata dir, any storage root) leads to containers.json.
 */
static void test_crun_podman_bundle(void **state)
{
	const char *const crun[] = { tpath("crun"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;
	const char *bundle = tpath("store/overlay-containers/" ID_PODMAN "/userdata");

	(void)state;
	put("store/overlay-containers/" ID_PODMAN "/userdata/config.json",
	    "{\"annotations\":{\"io.container.manager\":\"libpod\","
	    "\"io.kubernetes.cri-o.Created\":\"2026-01-01T00:00:00Z\"}}");
	put("store/overlay-containers/containers.json",
	    "[{\"id\":\"" ID_CRUN "\",\"names\":[\"other\"]},"
	    "{\"id\":\"" ID_PODMAN "\",\"names\":[\"cache\"],\"metadata\":"
	    "\"{\\\"image-name\\\":\\\"localhost/redis:7\\\",\\\"name\\\":\\\"cache\\\"}\"}]");
	put("crun/" ID_PODMAN "/status", "{\"pid\":1,\"bundle\":\"%s\"}", bundle);
	cfg.crun_roots = crun;
	m = lookup_ok(&cfg, ID_PODMAN);
	assert_true(m.found);
	assert_string_equal(m.runtime, "podman");
	assert_string_equal(m.name, "cache");
	assert_string_equal(m.image, "localhost/redis:7");
	assert_string_equal(m.bundle, bundle);
}

/* Junk where containers.json's entries and metadata should be. */
static void test_hostile_containers_json(void **state)
{
	const char *const storage[] = { tpath("s"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;

	(void)state;
	put("s/overlay-containers/" ID_PODMAN "/userdata/config.json",
	    "{\"annotations\":[1,2,3]}");
	put("s/overlay-containers/containers.json",
	    "[1,null,\"x\",{\"id\":7},{\"id\":\"" ID_PODMAN "\",\"names\":{},"
	    "\"metadata\":\"{not json\"}]");
	cfg.storage_roots = storage;
	m = lookup_ok(&cfg, ID_PODMAN);
	assert_true(m.found);
	assert_string_equal(m.runtime, "podman");
	assert_string_equal(m.name, "");
	put("s/overlay-containers/containers.json", "{\"id\":\"" ID_PODMAN "\"}");
	m = lookup_ok(&cfg, ID_PODMAN);
	assert_true(m.found);
	put("s/overlay-containers/" ID_PODMAN "/userdata/config.json", "[");
	assert_false(lookup_ok(&cfg, ID_PODMAN).found);
}

/* Over-long values are cut at a character boundary and stay encodable. */
static void test_long_utf8_values(void **state)
{
	const char *const task[] = { tpath("task"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;
	char name[1024] = "", *p = name;
	json_t *j;
	int i;

	(void)state;
	/* "a" then 3-byte characters: a 256-byte field cannot end on a boundary. */
	*p++ = 'a';
	for (i = 0; i < 200; i++)
		p += sprintf(p, "\xE2\x82\xAC");
	put("task/ns/" ID_CRI "/config.json",
	    "{\"annotations\":{\"io.kubernetes.cri.container-name\":\"%s\","
	    "\"io.kubernetes.cri.sandbox-name\":\"p\\u0000hidden\","
	    "\"io.kubernetes.cri.image-name\":\"i\\n\\\"x\\\"\"}}", name);
	cfg.containerd_task_roots = task;
	m = lookup_ok(&cfg, ID_CRI);
	assert_true(m.found);
	assert_int_equal(strlen(m.name), 1 + 3 * 84);
	assert_memory_equal(m.name, name, strlen(m.name));
	assert_string_equal(m.pod_name, "p");
	assert_string_equal(m.image, "i\n\"x\"");
	j = container_json(&m);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), m.name);
	json_decref(j);
}

/* --- JSON ------------------------------------------------------------------ */

static void test_to_json(void **state)
{
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_container_meta m;
	json_t *j, *pod;

	(void)state;
	cfg.containerd_task_roots = fix_task;
	m = lookup_ok(&cfg, ID_CRI);
	j = container_json(&m);
	assert_non_null(j);
	assert_int_equal(json_object_size(j), 4);
	assert_string_equal(json_string_value(json_object_get(j, "runtime")), "containerd");
	assert_string_equal(json_string_value(json_object_get(j, "name")), "web");
	assert_string_equal(json_string_value(json_object_get(j, "image")),
			    "docker.io/library/nginx:1.25");
	pod = json_object_get(j, "pod");
	assert_string_equal(json_string_value(json_object_get(pod, "name")), "web-7d9f8-abcde");
	assert_string_equal(json_string_value(json_object_get(pod, "namespace")), "shop");
	assert_string_equal(json_string_value(json_object_get(pod, "uid")), POD_UID);
	json_decref(j);
}

static void test_to_json_nulls(void **state)
{
	struct nsg_container_meta m;
	json_t *j;

	(void)state;
	/* Bare runc: no name, pod or image. */
	memset(&m, 0, sizeof(m));
	m.found = true;
	strcpy(m.runtime, "runc");
	j = container_json(&m);
	assert_string_equal(json_string_value(json_object_get(j, "runtime")), "runc");
	assert_true(json_is_null(json_object_get(j, "name")));
	assert_true(json_is_null(json_object_get(j, "pod")));
	assert_true(json_is_null(json_object_get(j, "image")));
	json_decref(j);
	/* A pod with only a namespace: the others null. */
	strcpy(m.pod_namespace, "ns");
	j = container_json(&m);
	assert_true(json_is_null(json_object_get(json_object_get(j, "pod"), "uid")));
	json_decref(j);
	/* Unknown container: every field null. */
	m.found = false;
	j = container_json(&m);
	assert_true(json_is_null(json_object_get(j, "runtime")));
	assert_true(json_is_null(json_object_get(j, "pod")));
	json_decref(j);
	j = container_json(NULL);
	assert_true(json_is_null(json_object_get(j, "runtime")));
	json_decref(j);
	/* Filled by someone else: unterminated, invalid UTF-8. */
	m.found = true;
	memset(m.name, 'x', sizeof(m.name));
	strcpy(m.image, "bad\xC3(");
	j = container_json(&m);
	assert_int_equal(strlen(json_string_value(json_object_get(j, "name"))), sizeof(m.name));
	assert_true(json_is_null(json_object_get(j, "image")));
	json_decref(j);
}

/* --- cache ----------------------------------------------------------------- */

static uint64_t fake_now;

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return fake_now;
}

static void put_runc_state(const char *id, const char *name)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "runc/%s/state.json", id);
	put(rel, "{\"id\":\"%s\",\"config\":{\"labels\":[\"io.kubernetes.cri.container-name=%s\","
	    "\"io.kubernetes.cri.sandbox-id=x\",\"bundle=/b\"]}}", id, name);
}

/* The `container` object is serialized once per entry, and is the schema's. */
static void expect_container_cached_once(struct nsg_meta_cache *c,
					 const struct nsg_container_meta *m)
{
	struct nsg_jsonw w = { 0 };
	const char *first, *again;
	size_t len, len2;

	first = nsg_meta_cache_get_container(c, ID_RUNC, &len);
	again = nsg_meta_cache_get_container(c, ID_RUNC, &len2);
	assert_non_null(first);
	assert_ptr_equal(first, again);
	assert_int_equal(len, len2);
	nsg_feed_container(&w, m);
	assert_int_equal(len, w.len);
	assert_memory_equal(first, w.buf, len);
	nsg_jsonw_free(&w);
	assert_null(nsg_meta_cache_get_container(c, ID_CRUN, &len));
}

static void test_cache_positive_kept(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	const struct nsg_container_meta *m;
	struct nsg_meta_cache_stats st;
	struct nsg_meta_cache *c;

	(void)state;
	cfg.runc_roots = runc;
	put_runc_state(ID_RUNC, "one");
	c = nsg_meta_cache_new(&cfg, 8);
	assert_non_null(c);
	m = nsg_meta_cache_get(c, ID_RUNC);
	assert_non_null(m);
	assert_string_equal(m->name, "one");
	assert_string_equal(m->runtime, "containerd");
	assert_int_equal(unlink(tpath("runc/" ID_RUNC "/state.json")), 0);
	m = nsg_meta_cache_get(c, ID_RUNC);
	assert_non_null(m);
	assert_string_equal(m->name, "one");
	assert_null(nsg_meta_cache_get(c, "not-an-id"));
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.lookups, 1);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.misses, 1);
	expect_container_cached_once(c, m);
	nsg_meta_cache_free(c);
}

static void test_cache_negative_retried(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_meta_cache_stats st;
	struct nsg_meta_cache *c;

	(void)state;
	cfg.runc_roots = runc;
	c = nsg_meta_cache_new(&cfg, 8);
	nsg_meta_cache_set_clock(c, fake_clock, NULL);
	fake_now = 1000;
	assert_null(nsg_meta_cache_get(c, ID_RUNC));
	/* The state appears after the first event... */
	put_runc_state(ID_RUNC, "late");
	fake_now += NSG_META_NEG_TTL_MS - 1;
	assert_null(nsg_meta_cache_get(c, ID_RUNC));
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.lookups, 1);
	/* ...and is seen once the negative entry is old enough. */
	fake_now += 1;
	assert_non_null(nsg_meta_cache_get(c, ID_RUNC));
	assert_string_equal(nsg_meta_cache_get(c, ID_RUNC)->name, "late");
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.lookups, 2);
	nsg_meta_cache_free(c);
}

static void test_cache_lru_eviction(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_meta_cache_stats st;
	struct nsg_meta_cache *c;

	(void)state;
	cfg.runc_roots = runc;
	put_runc_state(ID_RUNC, "a");
	put_runc_state(ID_CRUN, "b");
	put_runc_state(ID_CRI, "c");
	c = nsg_meta_cache_new(&cfg, 2);
	assert_string_equal(nsg_meta_cache_get(c, ID_RUNC)->name, "a");
	assert_string_equal(nsg_meta_cache_get(c, ID_CRUN)->name, "b");
	assert_string_equal(nsg_meta_cache_get(c, ID_RUNC)->name, "a"); /* b is now oldest */
	assert_string_equal(nsg_meta_cache_get(c, ID_CRI)->name, "c");   /* evicts b */
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.lookups, 3);
	assert_string_equal(nsg_meta_cache_get(c, ID_RUNC)->name, "a");
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.lookups, 3);
	assert_string_equal(nsg_meta_cache_get(c, ID_CRUN)->name, "b"); /* looked up again */
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.lookups, 4);
	assert_int_equal(st.evictions, 2);
	nsg_meta_cache_free(c);
}

/* Many IDs through a small cache: chains and the LRU list stay consistent. */
static void test_cache_churn(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	struct nsg_meta_cache_stats st;
	struct nsg_meta_cache *c;
	char id[65];
	int i, k;

	(void)state;
	cfg.runc_roots = runc;
	c = nsg_meta_cache_new(&cfg, 5);
	for (i = 0; i < 400; i++) {
		for (k = 0; k < 64; k++)
			id[k] = "0123456789abcdef"[(i * 7 + k * (i % 5 + 1)) % 16];
		id[64] = '\0';
		assert_null(nsg_meta_cache_get(c, id));
		assert_null(nsg_meta_cache_get(c, id));
	}
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.hits + st.misses, 800);
	assert_true(st.misses > 5);
	assert_int_equal(st.evictions, st.misses - 5);
	assert_int_equal(st.lookups, st.misses);
	nsg_meta_cache_free(c);
	/* Capacity 0: a default size; NULL cfg: the default roots. */
	c = nsg_meta_cache_new(NULL, 0);
	assert_non_null(c);
	assert_null(nsg_meta_cache_get(c, ID_UNKNOWN));
	nsg_meta_cache_free(c);
	nsg_meta_cache_free(NULL);
}

static void test_defaults(void **state)
{
	struct nsg_meta_config cfg;

	(void)state;
	nsg_meta_config_defaults(&cfg);
	assert_string_equal(cfg.runc_roots[0], "/run/runc");
	assert_string_equal(cfg.runc_roots[1], "/run/containerd/runc/*");
	assert_string_equal(cfg.runc_roots[2], "/run/docker/runtime-runc/moby");
	assert_string_equal(cfg.crun_roots[0], "/run/crun");
	assert_string_equal(cfg.containerd_task_roots[0],
			    "/run/containerd/io.containerd.runtime.v2.task");
	assert_string_equal(cfg.storage_roots[0], "/var/lib/containers/storage");
	assert_string_equal(cfg.storage_roots[1], "/run/containers/storage");
	assert_string_equal(cfg.docker_roots[0], "/var/lib/docker");
}

#define T(f) cmocka_unit_test(f)
#define TT(f) cmocka_unit_test_setup_teardown(f, tmp_setup, tmp_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_id_validation),
		T(test_defaults),
		T(test_docker),
		T(test_dockershim),
		T(test_docker_id_mismatch),
		T(test_containerd_cri),
		T(test_containerd_sandbox),
		T(test_containerd_moby_is_docker),
		T(test_containerd_runc_root),
		T(test_crio),
		T(test_crio_sandbox_metadata),
		T(test_podman),
		T(test_runc_bare),
		T(test_runc_crio_labels),
		T(test_runc_broken_state),
		T(test_runc_wrong_types),
		T(test_crun),
		T(test_all_sources),
		TT(test_k8s_styles_agree),
		TT(test_symlinks_not_followed),
		TT(test_not_regular_or_huge),
		TT(test_runc_bundle_annotations),
		TT(test_crun_podman_bundle),
		TT(test_hostile_containers_json),
		TT(test_long_utf8_values),
		T(test_to_json),
		T(test_to_json_nulls),
		TT(test_cache_positive_kept),
		TT(test_cache_negative_retried),
		TT(test_cache_lru_eviction),
		TT(test_cache_churn),
	};

	return cmocka_run_group_tests(tests, fixtures_present, NULL);
}
