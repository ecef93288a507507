// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The container classifier (include/container_id.h, shared with the BPF
 * side) over real cgroup names of each runtime and lookalikes that must
 * not match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "container/container.h"

#define ID "4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a"
#define ID2 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define UID "8f6d2f2a-3c1b-4e5f-9a7b-1c2d3e4f5a6b"
#define UID_ "8f6d2f2a_3c1b_4e5f_9a7b_1c2d3e4f5a6b"

static void expect_name(const char *name, const char *want_id)
{
	char id[NSG_CONTAINER_ID_LEN + 1] = "";
	bool got = nsg_cgroup_name_is_container(name, id);

	if (!want_id) {
		if (got)
			fail_msg("'%s' must not be a container", name);
		return;
	}
	if (!got)
		fail_msg("'%s' must be a container", name);
	assert_string_equal(id, want_id);
}

static void test_runtime_name_forms(void **state)
{
	(void)state;
	expect_name(ID, ID);                               /* docker/containerd cgroupfs */
	expect_name("docker-" ID ".scope", ID);            /* docker, systemd driver */
	expect_name("cri-containerd-" ID ".scope", ID);    /* containerd CRI, systemd */
	expect_name("crio-" ID ".scope", ID);              /* CRI-O, systemd */
	expect_name("crio-" ID, ID);                       /* CRI-O, cgroupfs */
	expect_name("libpod-" ID, ID);                     /* podman, cgroupfs */
	expect_name("libpod-" ID ".scope", ID);            /* podman, systemd */
}

static void test_lookalikes_rejected(void **state)
{
	(void)state;
	expect_name("crio-conmon-" ID ".scope", NULL);     /* runtime monitor */
	expect_name("libpod-conmon-" ID ".scope", NULL);
	expect_name("conmon", NULL);
	expect_name(ID "0", NULL);                         /* 65 hex */
	expect_name(ID + 1, NULL);                         /* 63 hex */
	expect_name("4F1C1B2A9D8E7F6A5B4C3D2E1F0A9B8C7D6E5F4A3B2C1D0E9F8A7B6C5D4E3F2A", NULL);
	expect_name("4f1c1b2a9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2g", NULL);
	expect_name(ID ".scope", NULL);                    /* bare id with suffix */
	expect_name("docker-" ID ".mount", NULL);
	expect_name("docker-" ID ".scopex", NULL);
	expect_name("docker-" ID ".scop", NULL);
	expect_name("foo-" ID ".scope", NULL);             /* unknown runtime */
	expect_name("docker" ID, NULL);
	expect_name("docker-", NULL);
	expect_name("", NULL);
	expect_name("system.slice", NULL);
	expect_name("kubepods-besteffort-pod" UID_ ".slice", NULL);
	expect_name("pod" UID, NULL);
}

static void expect_path(const char *path, const char *want_id, const char *runtime,
			const char *pod_uid)
{
	struct nsg_cgroup_identity ident;
	bool got = nsg_cgroup_path_identity(path, &ident);

	if (!want_id) {
		if (got)
			fail_msg("'%s' must not be a container", path);
		return;
	}
	if (!got)
		fail_msg("'%s' must be a container", path);
	assert_string_equal(ident.id, want_id);
	assert_string_equal(ident.runtime, runtime);
	assert_string_equal(ident.pod_uid, pod_uid);
}

static void test_paths(void **state)
{
	(void)state;
	expect_path("/docker/" ID, ID, "docker", "");
	expect_path("/system.slice/docker-" ID ".scope", ID, "docker", "");
	expect_path("/kubepods/besteffort/pod" UID "/" ID, ID, "kubernetes", UID);
	expect_path("/kubepods/pod" UID "/" ID, ID, "kubernetes", UID);
	expect_path("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		    ".slice/cri-containerd-" ID ".scope",
		    ID, "containerd", UID);
	expect_path("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		    ".slice/crio-" ID ".scope",
		    ID, "cri-o", UID);
	expect_path("/machine.slice/libpod-" ID ".scope/container", ID, "podman", "");
	expect_path("/libpod_parent/libpod-" ID, ID, "podman", "");
	/* A container's own sub-cgroup still belongs to it. */
	expect_path("/docker/" ID "/nested/deeper", ID, "docker", "");
	/* Docker in Docker: the innermost container is the task's. */
	expect_path("/docker/" ID "/docker/" ID2, ID2, "docker", "");
}

static void test_paths_not_containers(void **state)
{
	(void)state;
	expect_path("/", NULL, NULL, NULL);
	expect_path("/user.slice/user-0.slice/session-1.scope", NULL, NULL, NULL);
	expect_path("/libpod_parent/conmon", NULL, NULL, NULL);
	expect_path("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		    ".slice/crio-conmon-" ID ".scope",
		    NULL, NULL, NULL);
	expect_path("/kubepods/besteffort/pod" UID, NULL, NULL, NULL);
	expect_path("/docker", NULL, NULL, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runtime_name_forms),
		cmocka_unit_test(test_lookalikes_rejected),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_paths_not_containers),
	};

	return cmocka_run_group_tests_name("classifier", tests, NULL, NULL);
}
