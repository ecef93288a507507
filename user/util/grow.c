// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Growable arrays, for the tables the agent fills as it finds things. */
#include <stdint.h>
#include <stdlib.h>
#include "util/grow.h"

void *nsg_grow(void *items, size_t *cap, size_t need, size_t elem, size_t first)
{
	size_t n = *cap ? *cap : first;
	void *p;

	if (need <= *cap && items)
		return items;
	while (n < need) {
		if (n > SIZE_MAX / 2)
			return NULL;
		n *= 2;
	}
	if (!elem || n > SIZE_MAX / elem)
		return NULL;
	p = realloc(items, n * elem);
	if (p)
		*cap = n;
	return p;
}
