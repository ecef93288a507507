/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Growable arrays: room for one more, doubling (grow.c). */
#ifndef NSGUARD_GROW_H
#define NSGUARD_GROW_H

#include <stddef.h>

/*
 * Returns `items` with room for at least `need` elements of `elem` bytes
 * (reallocated, *cap updated: doubling, `first` at the start), or NULL with
 * `items` and *cap untouched when memory or the size runs out.
 */
void *nsg_grow(void *items, size_t *cap, size_t need, size_t elem, size_t first);

#endif
