/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * FNV-1a (64-bit), the one hash nsguard uses, in the kernel (executable
 * paths, flow.h) and in userspace (the pinned build's identity, the
 * metadata cache's buckets). Not for anything an attacker could exploit by
 * collisions beyond sharing a bucket or a flow.
 */
#ifndef NSGUARD_FNV_H
#define NSGUARD_FNV_H

#define NSG_FNV_OFFSET 0xcbf29ce484222325ULL
#define NSG_FNV_PRIME 0x100000001b3ULL

/* One byte into the hash h. */
#define NSG_FNV_STEP(h, byte) (((h) ^ (unsigned char)(byte)) * NSG_FNV_PRIME)

#endif /* NSGUARD_FNV_H */
