// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jsonstr.h"
#include "utf8.h"

static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */

/* Copy of s with each invalid byte replaced by U+FFFD (3 bytes). */
static char *utf8_repair(const char *s, size_t len, size_t *outlen)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc(len * 3 + 1);
	size_t i = 0, o = 0;

	if (!out)
		return NULL;
	while (i < len) {
		size_t n = nsg_utf8_seq_len(p + i, len - i);

		if (n) {
			memcpy(out + o, p + i, n);
			o += n;
			i += n;
		} else {
			memcpy(out + o, replacement, 3);
			o += 3;
			i++;
		}
	}
	*outlen = o;
	return out;
}

static json_t *hex_string(const char *s, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *hex = malloc(len * 2 + 1);
	json_t *j;

	if (!hex)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		hex[2 * i] = digits[(unsigned char)s[i] >> 4];
		hex[2 * i + 1] = digits[(unsigned char)s[i] & 0xF];
	}
	j = json_stringn(hex, len * 2);
	free(hex);
	return j;
}

static int set_raw(json_t *obj, const char *key, const char *buf, size_t len)
{
	char rawkey[64];

	snprintf(rawkey, sizeof(rawkey), "%s_raw", key);
	return json_object_set_new(obj, rawkey, hex_string(buf, len));
}

int nsg_json_set_str_or_null(json_t *obj, const char *key, const char *s)
{
	if (!s)
		return json_object_set_new(obj, key, json_null());
	return nsg_json_set_bytes(obj, key, s, strlen(s));
}

int nsg_json_set_bytes(json_t *obj, const char *key, const char *buf, size_t maxlen)
{
	size_t len = strnlen(buf, maxlen), fixed_len;
	char *fixed;
	int err;

	if (nsg_utf8_valid(buf, len))
		return json_object_set_new(obj, key, json_stringn(buf, len));
	fixed = utf8_repair(buf, len, &fixed_len);
	if (!fixed)
		return -1;
	err = json_object_set_new(obj, key, json_stringn(fixed, fixed_len));
	free(fixed);
	return err ? err : set_raw(obj, key, buf, len);
}
