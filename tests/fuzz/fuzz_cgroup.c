// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the cgroup-name classifier (include/container_id.h,
 * shared with the BPF side) and the path walk of user/container.c, checked
 * against a small independent reference written from the README's table:
 *
 *   ID | docker-ID[.scope] | cri-containerd-ID[.scope] | crio-ID[.scope] |
 *   libpod-ID[.scope], ID = exactly 64 lowercase hex characters.
 *
 * Input: byte 0 selects the mode. Even: the rest is the name/path as is (up
 * to its first NUL). Odd: a name is built from the rest — a prefix and a
 * suffix picked from lists of real and near-miss ones around a body whose
 * bytes map onto a hex-heavy alphabet — so that names of length 64..90,
 * where every accepted name lies, are reached all the time.
 * Any disagreement with the reference aborts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include "fuzz_common.h"
#include "container/container.h"
#include "container_id.h"

/* --- reference ------------------------------------------------------------- */

static bool ref_hex64(const char *s)
{
	static const char digits[] = "0123456789abcdef";

	for (int i = 0; i < 64; i++)
		if (!s[i] || !memchr(digits, s[i], 16))
			return false;
	return true;
}

/* The ID's offset in name, or -1. */
static int ref_id_offset(const char *name)
{
	static const char *const prefixes[] = { "", "docker-", "cri-containerd-", "crio-",
						"libpod-" };
	size_t len = strlen(name);

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t plen = strlen(prefixes[i]);
		const char *rest = name + plen;

		if (len < plen || strncmp(name, prefixes[i], plen) != 0)
			continue;
		if (!ref_hex64(rest))
			continue;
		if (strcmp(rest + 64, "") == 0)
			return (int)plen;
		/* A bare ID has no ".scope" form. */
		if (plen && strcmp(rest + 64, ".scope") == 0)
			return (int)plen;
	}
	return -1;
}

/* Deepest component carrying an ID; components of 128+ bytes are not names. */
static bool ref_path(const char *path, char id[65])
{
	bool found = false;
	const char *c = path;

	while (*c) {
		size_t n = strcspn(c, "/");
		char comp[256];
		int off;

		if (n > 0 && n < NSG_CGNAME_MAX) {
			memcpy(comp, c, n);
			comp[n] = '\0';
			off = ref_id_offset(comp);
			if (off >= 0) {
				memcpy(id, comp + off, 64);
				id[64] = '\0';
				found = true;
			}
		}
		c += n;
		if (*c == '/')
			c++;
	}
	return found;
}

/* --- structured names ------------------------------------------------------ */

static const char *const prefixes[] = {
	"", "docker-", "cri-containerd-", "crio-", "libpod-", "crio-conmon-", "libpod-conmon-",
	"docker", "Docker-", "cri-containerd", "cri-o-", "containerd-", "-", "docker--",
	"kubepods-besteffort-pod", "pod",
};
static const char *const suffixes[] = {
	"", ".scope", ".scop", ".scope.", ".slice", ".Scope", "scope", ".scope\n", "/", "x",
};
/* Mostly lowercase hex, with the near misses around it. */
static const char alphabet[] = "0123456789abcdef0123456789abcdefABCDEFgG-._/ \xc3\xa9";

static size_t build_name(const uint8_t *d, size_t n, char *out, size_t cap)
{
	const char *pre, *suf;
	size_t o = 0;

	out[0] = '\0';
	if (n < 2)
		return 0;
	pre = prefixes[d[0] % (sizeof(prefixes) / sizeof(prefixes[0]))];
	suf = suffixes[d[1] % (sizeof(suffixes) / sizeof(suffixes[0]))];
	d += 2;
	n -= 2;
	o = (size_t)snprintf(out, cap, "%s", pre);
	for (size_t i = 0; i < n && o + 1 < cap; i++)
		out[o++] = alphabet[d[i] % (sizeof(alphabet) - 1)];
	out[o] = '\0';
	o += (size_t)snprintf(out + o, cap - o, "%s", suf);
	return o < cap ? o : cap - 1;
}

/* --- target ---------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[512], id[NSG_CONTAINER_ID_LEN + 1], ref[65];
	struct nsg_cgroup_identity ident;
	bool got, want;
	size_t len;
	int off;

	if (size < 1 || size > 4096)
		return 0;
	if (data[0] & 1) {
		len = build_name(data + 1, size - 1, name, sizeof(name));
	} else {
		len = strnlen((const char *)data + 1, size - 1);
		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, data + 1, len);
		name[len] = '\0';
	}
	len = strlen(name);

	/* One name. */
	memset(id, 'Z', sizeof(id));
	got = nsg_cgroup_name_is_container(name, id);
	off = ref_id_offset(name);
	want = off >= 0;
	/* A name of 128+ bytes cannot be a kernfs name the BPF side reads whole. */
	if (len >= NSG_CGNAME_MAX)
		want = false;
	FUZZ_CHECK(got == want, "'%s' (len %zu): classifier %d, reference %d", name, len, got,
		   want);
	if (got) {
		FUZZ_CHECK(len >= 64 && len <= 90, "accepted a name of length %zu", len);
		FUZZ_CHECK(memcmp(id, name + off, 64) == 0 && id[64] == '\0',
			   "'%s': id '%.65s' is not the reference's", name, id);
	}

	/* The shared header directly, on a buffer of exactly NSG_CGNAME_MAX bytes. */
	if (len < NSG_CGNAME_MAX) {
		char buf[NSG_CGNAME_MAX] = { 0 };

		memcpy(buf, name, len);
		FUZZ_CHECK(nsg_container_id_offset(buf, (unsigned int)len) == (want ? off : -1),
			   "'%s': nsg_container_id_offset %d, reference %d", name,
			   nsg_container_id_offset(buf, (unsigned int)len), want ? off : -1);
	}

	/* The same bytes as a path: the deepest component wins. */
	got = nsg_cgroup_path_identity(name, &ident);
	want = ref_path(name, ref);
	FUZZ_CHECK(got == want, "path '%s': %d, reference %d", name, got, want);
	FUZZ_CHECK(memchr(ident.id, '\0', sizeof(ident.id)) && memchr(ident.pod_uid, '\0',
								       sizeof(ident.pod_uid)),
		   "identity strings unterminated");
	FUZZ_CHECK(ident.pod_uid[0] == '\0' || strlen(ident.pod_uid) == 36,
		   "pod uid '%s' is not 36 characters", ident.pod_uid);
	if (got) {
		FUZZ_CHECK(strcmp(ident.id, ref) == 0, "path '%s': id %s, reference %s", name,
			   ident.id, ref);
		FUZZ_CHECK(ident.runtime != NULL, "path '%s': no runtime", name);
	} else {
		FUZZ_CHECK(ident.id[0] == '\0' && ident.runtime == NULL, "no match but id set");
	}
	return 0;
}
