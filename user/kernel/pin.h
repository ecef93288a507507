/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * --pin: hooks and maps pinned in bpffs, so enforcement continues while the
 * agent is down; a restarted agent adopts them; --cleanup removes them.
 *
 *   DIR/            flock()ed by the agent that owns the pins
 *   DIR/current/    maps/<map> (pin_meta: build+config hash), links/<program>
 *   DIR/new/        a fresh load being pinned; renamed to current once attached
 */
#ifndef NSGUARD_PIN_H
#define NSGUARD_PIN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nsguard_bpf;

struct nsg_pin {
	const char *dir;
	int lock_fd;
	bool adopted;    /* hooks were already attached: reuse, do not load */
	bool replaced;   /* older pins of another build/config were replaced */
	uint64_t hash;
};

/*
 * After the skeleton is configured, before it is loaded: locks DIR and
 * either adopts the pinned objects (same hash: maps reused, no program
 * loaded) or prepares a fresh load whose maps are pinned under DIR/new.
 */
int nsg_pin_before_load(struct nsg_pin *p, struct nsguard_bpf *skel, char *err, size_t errlen);
/* After a fresh attach: pins the links and the hash, then swaps DIR/new in. */
int nsg_pin_after_attach(struct nsg_pin *p, struct nsguard_bpf *skel, char *err, size_t errlen);
/* A fresh load that failed: removes DIR/new. */
void nsg_pin_abort(struct nsg_pin *p);
/* At exit: the hooks stay attached (links are let go, not detached). */
void nsg_pin_release(struct nsg_pin *p, struct nsguard_bpf *skel);
/* `nsguard --cleanup`: 0 removed or nothing there, -1 with err. */
int nsg_pin_cleanup(const char *dir, char *err, size_t errlen);

#endif
