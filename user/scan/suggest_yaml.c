// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The suggested policy's YAML text. Every value in it comes from a
 * container (names, images, annotations: whatever the runtime let
 * through), so nothing of a value reaches the document unescaped: values
 * are double-quoted scalars with YAML escapes; comments get only printable
 * text.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "feed/names.h"
#include "nsguard.h"
#include "scan/suggest_yaml.h"
#include "util/utf8.h"

struct utf8_char {
	size_t len;
	bool valid;
	uint32_t cp;
};

/* The character at s (left bytes remain); an invalid byte is one invalid character. */
static struct utf8_char next_char(const char *s, size_t left)
{
	static const unsigned char lead_bits[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	const unsigned char *u = (const unsigned char *)s;
	struct utf8_char c = { .len = nsg_utf8_seq_len(u, left) };

	if (!c.len) {
		c.len = 1;
		return c;
	}
	c.valid = true;
	c.cp = u[0] & lead_bits[c.len];
	for (size_t i = 1; i < c.len; i++)
		c.cp = c.cp << 6 | (u[i] & 0x3f);
	return c;
}

/*
 * Whether libyaml takes the character as it is: YAML's printable set, less
 * the line breaks. YAML 1.1 also breaks lines at NEL, LS and PS: raw in a
 * comment, one would end it and start a line of the document. A BOM is
 * escaped too, so no reader takes it for the start of a stream.
 */
static bool yaml_literal_char(uint32_t cp)
{
	if (cp < 0x80)
		return cp >= 0x20 && cp != 0x7f;
	if (cp == 0x2028 || cp == 0x2029 || cp == 0xfeff)
		return false;
	return (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || cp >= 0x10000;
}

void nsg_yaml_put_scalar(FILE *f, const char *s)
{
	size_t left = strlen(s);

	fputc('"', f);
	while (left) {
		struct utf8_char c = next_char(s, left);

		if (!c.valid)
			fputs("\\ufffd", f); /* not reached; the self-check would refuse it */
		else if (c.cp == '"' || c.cp == '\\')
			fprintf(f, "\\%c", (char)c.cp);
		else if (yaml_literal_char(c.cp))
			fwrite(s, 1, c.len, f);
		else if (c.cp < 0x100)
			fprintf(f, "\\x%02x", (unsigned)c.cp);
		else
			fprintf(f, "\\u%04x", (unsigned)c.cp);
		s += c.len;
		left -= c.len;
	}
	fputc('"', f);
}

void nsg_yaml_put_comment_text(FILE *f, const char *s, size_t max, const char *cut)
{
	size_t left = strlen(s);

	while (left) {
		struct utf8_char c = next_char(s, left);

		if (c.len > max) {
			fputs(cut, f);
			return;
		}
		max -= c.len;
		if (c.valid && yaml_literal_char(c.cp))
			fwrite(s, 1, c.len, f);
		else
			fputc('?', f);
		s += c.len;
		left -= c.len;
	}
}

void nsg_yaml_put_ns_list(FILE *f, uint32_t mask)
{
	const char *sep = "";

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t)) {
			fprintf(f, "%s%s", sep, nsg_ns_names[t]);
			sep = ", ";
		}
}
