// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "util/utf8.h"

static bool is_cont(unsigned char c)
{
	return (c & 0xC0) == 0x80;
}

/* RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF. */
size_t nsg_utf8_seq_len(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return len >= 2 && is_cont(s[1]) ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
		unsigned char hi = c == 0xED ? 0x9F : 0xBF;

		return len >= 3 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) ? 3 : 0;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
		unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;

		return len >= 4 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) &&
				       is_cont(s[3])
			       ? 4
			       : 0;
	}
	return 0;
}

bool nsg_utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		size_t n = nsg_utf8_seq_len(p + i, len - i);

		if (!n)
			return false;
		i += n;
	}
	return true;
}
