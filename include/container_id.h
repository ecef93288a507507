/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Container identity from one cgroup's kernfs name. This one implementation
 * is compiled into the BPF object (decision at the hook) and into userspace
 * (the /proc scan and unit tests), so both always agree.
 *
 * Accepted names, where ID is exactly 64 lowercase hex characters:
 *   ID                                   cgroupfs drivers: /docker/ID, /kubepods/.../ID
 *   docker-ID[.scope]                    Docker, systemd driver
 *   cri-containerd-ID[.scope]            containerd CRI, systemd driver
 *   crio-ID[.scope]                      CRI-O
 *   libpod-ID[.scope]                    podman
 * `crio-conmon-ID.scope`, `libpod-conmon-ID.scope` and the like fail the hex
 * check after the prefix, so runtime monitor processes are never containers.
 *
 * Loops have constant bounds and every index is masked so the verifier can
 * prove each access inside the caller's NSG_CGNAME_MAX buffer.
 */
#ifndef NSGUARD_CONTAINER_ID_H
#define NSGUARD_CONTAINER_ID_H

#include "nsguard.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Caller buffers hold at least this many bytes (a power of two). */
#define NSG_CGNAME_MAX 128
#define NSG_CGNAME_MASK (NSG_CGNAME_MAX - 1)

#define NSG_SCOPE_SUFFIX ".scope"
#define NSG_SCOPE_SUFFIX_LEN 6

static __always_inline int nsg_is_lower_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static __always_inline int nsg_has_prefix(const char *name, unsigned int len,
					  const char *prefix, unsigned int plen)
{
	unsigned int i;

	if (len < plen)
		return 0;
	for (i = 0; i < 16 && i < plen; i++)
		if (name[i & NSG_CGNAME_MASK] != prefix[i])
			return 0;
	return 1;
}

/* Length of the runtime prefix before the ID; 0 for a bare ID. */
static __always_inline unsigned int nsg_runtime_prefix_len(const char *name,
							    unsigned int len)
{
	if (nsg_has_prefix(name, len, "docker-", 7))
		return 7;
	if (nsg_has_prefix(name, len, "cri-containerd-", 15))
		return 15;
	if (nsg_has_prefix(name, len, "crio-", 5))
		return 5;
	if (nsg_has_prefix(name, len, "libpod-", 7))
		return 7;
	return 0;
}

static __always_inline int nsg_hex_id_at(const char *name, unsigned int off)
{
	unsigned int i;

	for (i = 0; i < NSG_CONTAINER_ID_LEN; i++)
		if (!nsg_is_lower_hex(name[(off + i) & NSG_CGNAME_MASK]))
			return 0;
	return 1;
}

static __always_inline int nsg_scope_suffix_at(const char *name,
					       unsigned int off)
{
	const char *suffix = NSG_SCOPE_SUFFIX;
	unsigned int i;

	for (i = 0; i < NSG_SCOPE_SUFFIX_LEN; i++)
		if (name[(off + i) & NSG_CGNAME_MASK] != suffix[i])
			return 0;
	return 1;
}

/*
 * Offset of the container ID inside `name` (length `len`, no NUL counted),
 * or -1 when the name does not carry one.
 */
static __always_inline int nsg_container_id_offset(const char *name,
						   unsigned int len)
{
	unsigned int prefix, rest;

	if (len >= NSG_CGNAME_MAX)
		return -1;
	if (len == NSG_CONTAINER_ID_LEN)
		return nsg_hex_id_at(name, 0) ? 0 : -1;
	prefix = nsg_runtime_prefix_len(name, len);
	if (!prefix || len < prefix + NSG_CONTAINER_ID_LEN)
		return -1;
	rest = len - prefix - NSG_CONTAINER_ID_LEN;
	if (rest != 0 && rest != NSG_SCOPE_SUFFIX_LEN)
		return -1;
	if (!nsg_hex_id_at(name, prefix))
		return -1;
	if (rest && !nsg_scope_suffix_at(name, prefix + NSG_CONTAINER_ID_LEN))
		return -1;
	return (int)prefix;
}

/* Copies the ID found at `off` into `out` (NSG_CONTAINER_ID_LEN + 1 bytes). */
static __always_inline void nsg_copy_container_id(const char *name,
						  unsigned int off, char *out)
{
	unsigned int i;

	for (i = 0; i < NSG_CONTAINER_ID_LEN; i++)
		out[i] = name[(off + i) & NSG_CGNAME_MASK];
	out[NSG_CONTAINER_ID_LEN] = '\0';
}

#endif /* NSGUARD_CONTAINER_ID_H */
