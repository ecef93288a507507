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

/* The feed's `container` object for m (feed/schema_container.c), parsed back. */
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

#define CRI_ANNOTATIONS                                                   \
	"{\"io.kubernetes.cri.container-type\":\"container\","            \
	"\"io.kubernetes.cri.container-name\":\"api\","                   \
	"\"io.kubernetes.cri.image-name\":\"quay.io/x/api:1\","           \
	"\"io.kubernetes.cri.sandbox-name\":\"api-0\","                   \
	"\"io.kubernetes.cri.sandbox-namespace\":\"team\","               \
	"\"io.kubernetes.cri.sandbox-uid\":\"" POD_UID "\"}"

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

/* --- lookups: one table ---------------------------------------------------- */

/*
 * A case names the roots each source gets (unset: that source is off), the
 * files it writes first in a temporary tree (NULL: the fixtures alone), the
 * ID looked up and what must come out: a NULL string is not checked, ""
 * must be empty. "$T" in a root, a file or an expected string is the
 * temporary tree.
 */
enum { S_DOCKER, S_TASK, S_STORAGE, S_RUNC, S_CRUN, NSRC };
enum tri { ANY, NO, YES };
enum kind { REG, LINK, FIFO, HUGE };

struct tree_file {
	enum kind kind;
	const char *path;
	const char *text; /* REG, HUGE: the contents (HUGE: then padded past the cap); LINK: the target */
};

struct lookup_case {
	const char *name;
	const char *const *roots[NSRC];
	const struct tree_file *tree;
	const char *id;
	bool found;
	enum tri sandbox;
	const char *runtime, *cname, *image, *bundle;
	const char *pod[3]; /* name, namespace, uid */
};

#define NO_POD { "", "", "" }
#define CRI_POD { "web-7d9f8-abcde", "shop", POD_UID }
#define KUBELET_POD { "api-5f7b9c-xk2lp", "prod", CRIO_UID }
#define PODMAN_USERDATA "store/overlay-containers/" ID_PODMAN "/userdata"

static const char *const runc_both[] = { FIX "/runc", FIX "/containerd-runc/*", NULL };
static const char *const t_runc[] = { "$T/runc", NULL };
static const char *const t_crun[] = { "$T/crun", NULL };
static const char *const t_crd_wild[] = { "$T/crd/*", NULL };
static const char *const t_outside[] = { "$T/outside", NULL };
static const char *const t_storage[] = { "$T/s", NULL };

#define ALL_BUT_DOCKER                                                             \
	[S_TASK] = fix_task, [S_STORAGE] = fix_storage, [S_RUNC] = runc_both, \
	[S_CRUN] = fix_crun
#define ALL_FIXTURES [S_DOCKER] = fix_docker, ALL_BUT_DOCKER

/* runc state without annotation labels: they come from the bundle. */
static const struct tree_file runc_bundle_tree[] = {
	{ REG, "bundle/config.json", "{\"ociVersion\":\"1.0.2-dev\",\"annotations\":" CRI_ANNOTATIONS "}" },
	{ REG, "runc/" ID_RUNC "/state.json",
	  "{\"id\":\"" ID_RUNC "\",\"config\":{\"labels\":[\"bundle=$T/bundle\"]}}" },
	{ 0 },
};

/*
 * crun without its config copy reads the bundle; a podman bundle (a
 * storage userdata dir, any storage root) leads to containers.json.
 */
static const struct tree_file crun_podman_tree[] = {
	{ REG, PODMAN_USERDATA "/config.json",
	  "{\"annotations\":{\"io.container.manager\":\"libpod\","
	  "\"io.kubernetes.cri-o.Created\":\"2026-01-01T00:00:00Z\"}}" },
	{ REG, "store/overlay-containers/containers.json",
	  "[{\"id\":\"" ID_CRUN "\",\"names\":[\"other\"]},"
	  "{\"id\":\"" ID_PODMAN "\",\"names\":[\"cache\"],\"metadata\":"
	  "\"{\\\"image-name\\\":\\\"localhost/redis:7\\\",\\\"name\\\":\\\"cache\\\"}\"}]" },
	{ REG, "crun/" ID_PODMAN "/status", "{\"pid\":1,\"bundle\":\"$T/" PODMAN_USERDATA "\"}" },
	{ 0 },
};

/* Junk where containers.json's entries and metadata should be. */
#define JUNK_ANNOTATIONS { REG, "s/overlay-containers/" ID_PODMAN "/userdata/config.json", \
			   "{\"annotations\":[1,2,3]}" }
#define CONTAINERS_JSON_OBJECT { REG, "s/overlay-containers/containers.json", \
				 "{\"id\":\"" ID_PODMAN "\"}" }
static const struct tree_file junk_containers_json[] = {
	JUNK_ANNOTATIONS,
	{ REG, "s/overlay-containers/containers.json",
	  "[1,null,\"x\",{\"id\":7},{\"id\":\"" ID_PODMAN "\",\"names\":{},"
	  "\"metadata\":\"{not json\"}]" },
	{ 0 },
};
static const struct tree_file object_containers_json[] = {
	JUNK_ANNOTATIONS,
	CONTAINERS_JSON_OBJECT,
	{ 0 },
};
static const struct tree_file unparsable_config[] = {
	{ REG, "s/overlay-containers/" ID_PODMAN "/userdata/config.json", "[" },
	CONTAINERS_JSON_OBJECT,
	{ 0 },
};

/*
 * Links out of the root: the ID's directory, the state file, a namespace
 * under a "*" root. outside/ holds the same files in real directories.
 */
static const struct tree_file symlink_tree[] = {
	{ REG, "outside/" ID_RUNC "/state.json", "{\"id\":\"" ID_RUNC "\"}" },
	{ REG, "outside/" ID_CRUN "/state.json", "{\"id\":\"" ID_CRUN "\"}" },
	{ REG, "runc/" ID_CRUN "/.keep", "" },
	{ LINK, "runc/" ID_RUNC, "$T/outside/" ID_RUNC },
	{ LINK, "runc/" ID_CRUN "/state.json", "$T/outside/" ID_CRUN "/state.json" },
	{ LINK, "crd/k8s.io", "$T/outside" },
	{ 0 },
};

/* A FIFO, a directory, an oversized file in a state file's place. */
static const struct tree_file not_regular_tree[] = {
	{ REG, "runc/" ID_RUNC "/.keep", "" },
	{ FIFO, "runc/" ID_RUNC "/state.json", NULL },
	{ REG, "runc/" ID_CRUN "/state.json/.keep", "" },
	/* Valid JSON followed by whitespace past the cap: refused on size. */
	{ HUGE, "runc/" ID_TRUNC "/state.json", "{\"id\":\"" ID_TRUNC "\"}" },
	{ 0 },
};

#define DOCKER_ONLY .roots = { [S_DOCKER] = fix_docker }
#define TASK_ONLY .roots = { [S_TASK] = fix_task }
#define STORAGE_ONLY .roots = { [S_STORAGE] = fix_storage }
#define RUNC_ONLY .roots = { [S_RUNC] = fix_runc }

static const struct lookup_case lookups[] = {
	/* Docker */
	{ .name = "docker", DOCKER_ONLY, .id = ID_DOCKER, .found = true, .sandbox = NO,
	  .runtime = "docker", .cname = "web-1", .image = "nginx:1.25", .pod = NO_POD },
	/* dockershim / cri-dockerd: the kubelet labels beat the k8s_... name. */
	{ .name = "dockershim", DOCKER_ONLY, .id = ID_DOCKERSHIM, .found = true,
	  .runtime = "docker", .cname = "app",
	  .image = "sha256:c58069fa584e542f7f17ee51eea82a29fc5f420465599f4d2d58bbcfcff2914b",
	  .pod = { "api-5f7b9c-xk2lp", "prod", POD_UID } },
	/* A config.v2.json whose "ID" is another container's is not this one's. */
	{ .name = "docker ID mismatch", DOCKER_ONLY, .id = ID_DOCKER_BADID, .cname = "" },
	/* containerd */
	{ .name = "containerd CRI", TASK_ONLY, .id = ID_CRI, .found = true, .sandbox = NO,
	  .runtime = "containerd", .cname = "web", .image = "docker.io/library/nginx:1.25",
	  .bundle = FIX "/containerd-task/k8s.io/" ID_CRI, .pod = CRI_POD },
	{ .name = "containerd sandbox", TASK_ONLY, .id = ID_CRI_SANDBOX, .found = true,
	  .sandbox = YES, .runtime = "containerd", .cname = "",
	  .image = "registry.k8s.io/pause:3.9", .pod = CRI_POD },
	/* Docker 20+ keeps its containers in containerd namespace "moby". */
	{ .name = "containerd moby is docker", TASK_ONLY, .id = ID_MOBY, .found = true,
	  .runtime = "docker", .cname = "", .bundle = FIX "/containerd-task/moby/" ID_MOBY },
	/* containerd's runc shim root, one per namespace: a "*" root. */
	{ .name = "containerd runc root", .roots = { [S_RUNC] = fix_crd_runc }, .id = ID_CRI,
	  .found = true, .runtime = "containerd", .cname = "web",
	  .image = "docker.io/library/nginx:1.25",
	  .bundle = "/run/containerd/io.containerd.runtime.v2.task/k8s.io/" ID_CRI,
	  .pod = CRI_POD },
	/* containers/storage: CRI-O and podman */
	{ .name = "cri-o", STORAGE_ONLY, .id = ID_CRIO, .found = true, .sandbox = NO,
	  .runtime = "cri-o", .cname = "app", .image = "quay.io/example/api:2.1",
	  .bundle = FIX "/storage/overlay-containers/" ID_CRIO "/userdata", .pod = KUBELET_POD },
	/* A crictl-made sandbox: no kubelet labels, only io.kubernetes.cri-o.Metadata. */
	{ .name = "cri-o sandbox metadata", STORAGE_ONLY, .id = ID_CRIO_SANDBOX, .found = true,
	  .sandbox = YES, .runtime = "cri-o", .cname = "POD",
	  .image = "registry.k8s.io/pause:3.6",
	  .pod = { "podsandbox1", "redhat.test.crio", "redhat-test-crio" } },
	/*
	 * podman 4.3 writes io.kubernetes.cri-o.Created/TTY too: io.container.manager
	 * must decide. Name and image come from containers.json.
	 */
	{ .name = "podman", STORAGE_ONLY, .id = ID_PODMAN, .found = true, .runtime = "podman",
	  .cname = "db-primary", .image = "docker.io/library/postgres:16", .pod = NO_POD },
	/* runc, crun */
	{ .name = "runc bare", RUNC_ONLY, .id = ID_RUNC, .found = true, .runtime = "runc",
	  .cname = "", .image = "", .bundle = "/srv/bundles/" ID_RUNC },
	/* CRI-O drives runc under /run/runc: the state's labels carry its annotations. */
	{ .name = "runc cri-o labels", RUNC_ONLY, .id = ID_RUNC_CRIO, .found = true,
	  .runtime = "cri-o", .cname = "app", .image = "quay.io/example/api:2.1",
	  .pod = KUBELET_POD },
	{ .name = "runc truncated state", RUNC_ONLY, .id = ID_TRUNC },
	{ .name = "runc without a state file", RUNC_ONLY, .id = ID_NOFILE },
	{ .name = "runc unknown ID", RUNC_ONLY, .id = ID_UNKNOWN },
	/* Labels that are not strings or lack "key=": skipped; the last bundle= wins. */
	{ .name = "runc wrong types", RUNC_ONLY, .id = ID_WRONGTYPE, .found = true,
	  .runtime = "runc", .cname = "", .bundle = "/srv/last", .pod = { "ok-pod", "", "" } },
	{ .name = "crun", .roots = { [S_CRUN] = fix_crun }, .id = ID_CRUN, .found = true,
	  .runtime = "crun", .cname = "", .bundle = "/srv/bundles/" ID_CRUN },
	/* All sources together. Found by the task dir first: its bundle, not runc's copy. */
	{ .name = "all: containerd", .roots = { ALL_FIXTURES }, .id = ID_CRI, .found = true,
	  .runtime = "containerd", .bundle = FIX "/containerd-task/k8s.io/" ID_CRI },
	{ .name = "all: podman", .roots = { ALL_FIXTURES }, .id = ID_PODMAN, .found = true,
	  .runtime = "podman" },
	{ .name = "all: docker", .roots = { ALL_FIXTURES }, .id = ID_DOCKER, .found = true,
	  .runtime = "docker" },
	{ .name = "all: runc", .roots = { ALL_FIXTURES }, .id = ID_RUNC, .found = true,
	  .runtime = "runc" },
	{ .name = "all: crun", .roots = { ALL_FIXTURES }, .id = ID_CRUN, .found = true,
	  .runtime = "crun" },
	{ .name = "all: unknown", .roots = { ALL_FIXTURES }, .id = ID_UNKNOWN },
	/* An empty list turns a source off. */
	{ .name = "all but docker", .roots = { ALL_BUT_DOCKER }, .id = ID_DOCKER },
	/* Temporary trees */
	{ .name = "runc bundle annotations", .roots = { [S_RUNC] = t_runc },
	  .tree = runc_bundle_tree, .id = ID_RUNC, .found = true, .runtime = "containerd",
	  .cname = "api", .bundle = "$T/bundle", .pod = { "api-0", "team", POD_UID } },
	{ .name = "crun podman bundle", .roots = { [S_CRUN] = t_crun }, .tree = crun_podman_tree,
	  .id = ID_PODMAN, .found = true, .runtime = "podman", .cname = "cache",
	  .image = "localhost/redis:7", .bundle = "$T/" PODMAN_USERDATA },
	{ .name = "junk containers.json", .roots = { [S_STORAGE] = t_storage },
	  .tree = junk_containers_json, .id = ID_PODMAN, .found = true, .runtime = "podman",
	  .cname = "" },
	{ .name = "containers.json an object", .roots = { [S_STORAGE] = t_storage },
	  .tree = object_containers_json, .id = ID_PODMAN, .found = true },
	{ .name = "config.json not JSON", .roots = { [S_STORAGE] = t_storage },
	  .tree = unparsable_config, .id = ID_PODMAN },
	{ .name = "symlinked ID dir", .roots = { [S_RUNC] = t_runc }, .tree = symlink_tree,
	  .id = ID_RUNC },
	{ .name = "symlinked state file", .roots = { [S_RUNC] = t_runc }, .tree = symlink_tree,
	  .id = ID_CRUN },
	{ .name = "symlinked namespace", .roots = { [S_RUNC] = t_crd_wild },
	  .tree = symlink_tree, .id = ID_RUNC },
	/* Sanity: the same file through a real directory is found. */
	{ .name = "real directory", .roots = { [S_RUNC] = t_outside }, .tree = symlink_tree,
	  .id = ID_RUNC, .found = true },
	{ .name = "FIFO state file", .roots = { [S_RUNC] = t_runc }, .tree = not_regular_tree,
	  .id = ID_RUNC },
	{ .name = "directory state file", .roots = { [S_RUNC] = t_runc },
	  .tree = not_regular_tree, .id = ID_CRUN },
	{ .name = "state file over the cap", .roots = { [S_RUNC] = t_runc },
	  .tree = not_regular_tree, .id = ID_TRUNC },
};

/* s with each "$T" replaced by the temporary tree, in out. */
static const char *expand(const char *s, char *out, size_t size)
{
	size_t n = 0;

	for (; *s; s++) {
		if (s[0] == '$' && s[1] == 'T') {
			n += (size_t)snprintf(out + n, size - n, "%s", tmp);
			s++;
		} else if (n + 1 < size) {
			out[n++] = *s;
		}
		assert_true(n + 1 < size);
	}
	out[n] = '\0';
	return out;
}

static void write_tree(const struct tree_file *f)
{
	char text[1024];
	int fd;

	for (; f->path; f++) {
		const char *p = tpath(f->path);

		mkdirs_for(p);
		if (f->kind == LINK) {
			assert_int_equal(symlink(expand(f->text, text, sizeof(text)), p), 0);
		} else if (f->kind == FIFO) {
			assert_int_equal(mkfifo(p, 0600), 0);
		} else {
			put(f->path, "%s", expand(f->text, text, sizeof(text)));
			if (f->kind == HUGE) {
				fd = open(p, O_WRONLY | O_APPEND);
				assert_true(fd >= 0);
				assert_int_equal(ftruncate(fd, NSG_META_MAX_FILE + 1), 0);
				close(fd);
			}
		}
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("lookup blocked on a FIFO");
}

static void expect_str(const struct lookup_case *c, const char *field, const char *got,
		       const char *want)
{
	char buf[512];

	if (want && strcmp(got, expand(want, buf, sizeof(buf))) != 0)
		fail_msg("%s: %s is \"%s\", want \"%s\"", c->name, field, got, buf);
}

static void run_lookup_case(const struct lookup_case *c)
{
	static const char *const field[3] = { "pod name", "pod namespace", "pod uid" };
	const char *const *roots[NSRC];
	const char *expanded[NSRC][4];
	struct nsg_container_meta m;
	struct nsg_meta_config cfg;
	char buf[NSRC][4][512];
	int s, i;

	for (s = 0; s < NSRC; s++) {
		for (i = 0; c->roots[s] && c->roots[s][i]; i++)
			expanded[s][i] = expand(c->roots[s][i], buf[s][i], sizeof(buf[s][i]));
		expanded[s][i] = NULL;
		roots[s] = expanded[s];
	}
	cfg = (struct nsg_meta_config){
		.docker_roots = roots[S_DOCKER], .containerd_task_roots = roots[S_TASK],
		.storage_roots = roots[S_STORAGE], .runc_roots = roots[S_RUNC],
		.crun_roots = roots[S_CRUN],
	};
	if (c->tree)
		write_tree(c->tree);
	alarm(10);
	m = lookup_ok(&cfg, c->id);
	alarm(0);
	if (m.found != c->found)
		fail_msg("%s: found is %d, want %d", c->name, m.found, c->found);
	if (c->sandbox != ANY && m.sandbox != (c->sandbox == YES))
		fail_msg("%s: sandbox is %d", c->name, m.sandbox);
	expect_str(c, "runtime", m.runtime, c->runtime);
	expect_str(c, "name", m.name, c->cname);
	expect_str(c, "image", m.image, c->image);
	expect_str(c, "bundle", m.bundle, c->bundle);
	expect_str(c, field[0], m.pod_name, c->pod[0]);
	expect_str(c, field[1], m.pod_namespace, c->pod[1]);
	expect_str(c, field[2], m.pod_uid, c->pod[2]);
}

/* Each case in a temporary tree of its own, whether it writes one or not. */
static void test_lookup_table(void **state)
{
	size_t i;

	(void)state;
	signal(SIGALRM, on_alarm);
	for (i = 0; i < sizeof(lookups) / sizeof(lookups[0]); i++) {
		assert_int_equal(tmp_setup(NULL), 0);
		run_lookup_case(&lookups[i]);
		assert_int_equal(tmp_teardown(NULL), 0);
	}
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
	put("task/k8s.io/" ID_CRI "/config.json", "{\"annotations\":%s}", CRI_ANNOTATIONS);
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

/*
 * A lookup afresh on demand (an OCI hook, once the runtime wrote its state):
 * it sees past a negative entry still young, reads a positive one again,
 * and what it finds is kept for the next get.
 */
static void test_cache_refresh(void **state)
{
	const char *const runc[] = { tpath("runc"), NULL };
	struct nsg_meta_config cfg = cfg_none();
	const struct nsg_container_meta *m;
	struct nsg_meta_cache_stats st;
	struct nsg_meta_cache *c;
	const char *json;
	size_t len;

	(void)state;
	cfg.runc_roots = runc;
	c = nsg_meta_cache_new(&cfg, 8);
	nsg_meta_cache_set_clock(c, fake_clock, NULL);
	fake_now = 1000;
	assert_null(nsg_meta_cache_get(c, ID_RUNC));
	put_runc_state(ID_RUNC, "late");
	assert_null(nsg_meta_cache_get(c, ID_RUNC));
	m = nsg_meta_cache_refresh(c, ID_RUNC);
	assert_non_null(m);
	assert_string_equal(m->name, "late");
	assert_string_equal(nsg_meta_cache_get(c, ID_RUNC)->name, "late");
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.lookups, 2);
	assert_int_equal(st.misses, 2);
	/* The `container` bytes follow what the refresh found. */
	assert_non_null(json = nsg_meta_cache_get_container(c, ID_RUNC, &len));
	assert_non_null(memmem(json, len, "\"late\"", 6));
	put_runc_state(ID_RUNC, "renamed");
	assert_string_equal(nsg_meta_cache_get(c, ID_RUNC)->name, "late");
	assert_string_equal(nsg_meta_cache_refresh(c, ID_RUNC)->name, "renamed");
	assert_non_null(json = nsg_meta_cache_get_container(c, ID_RUNC, &len));
	assert_non_null(memmem(json, len, "\"renamed\"", 9));
	/* Gone from the node: the refresh says so, and so does the next get. */
	assert_int_equal(unlink(tpath("runc/" ID_RUNC "/state.json")), 0);
	assert_null(nsg_meta_cache_refresh(c, ID_RUNC));
	assert_null(nsg_meta_cache_get(c, ID_RUNC));
	assert_int_equal(nsg_meta_cache_count(c), 0);
	assert_null(nsg_meta_cache_refresh(c, "not-an-id"));
	nsg_meta_cache_stats(c, &st);
	assert_int_equal(st.lookups, 4);
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
		T(test_lookup_table),
		TT(test_k8s_styles_agree),
		TT(test_long_utf8_values),
		T(test_to_json),
		T(test_to_json_nulls),
		TT(test_cache_positive_kept),
		TT(test_cache_negative_retried),
		TT(test_cache_lru_eviction),
		TT(test_cache_refresh),
		TT(test_cache_churn),
	};

	return cmocka_run_group_tests(tests, fixtures_present, NULL);
}
