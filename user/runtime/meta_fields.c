// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Setting a container metadata field once, cut at a character (meta_fields.h). */
#include "runtime/meta_fields.h"

/*
 * Truncation backs off to a UTF-8 character boundary: src comes from
 * Jansson, so it is valid UTF-8, and a cut sequence would make the field
 * unencodable as JSON.
 */
void nsg_meta_set_if_empty(char *dst, size_t size, const char *src)
{
	size_t n;

	if (dst[0] || !src || !src[0])
		return;
	n = strnlen(src, size);
	if (n == size) {
		n = size - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(dst, src, n);
	dst[n] = '\0';
}
