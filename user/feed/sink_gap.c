// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The sink's feed_gap lines: what the file could not hold is told in the
 * file itself, in the sink's format, before its next line.
 */
#include "feed/sink_int.h"
#include "feed/textline.h"

void nsg_sink_note_gap(struct nsg_sink *s, const struct nsg_feed_gap *g)
{
	size_t start = s->gap_line.len;

	nsg_feed_gap(&s->gap_line, g);
	if (!s->gap_line.failed && s->format == NSG_FMT_TEXT) {
		nsg_jsonw_rewind(&s->text, 0);
		if (nsg_text_from_json(&s->text, s->gap_line.buf + start, s->gap_line.len - start) == 0) {
			s->gap_line.len = start;
			nsg_jsonw_verbatim(&s->gap_line, s->text.buf, s->text.len);
		}
	}
	nsg_jsonw_verbatim(&s->gap_line, "\n", 1);
	if (s->gap_line.failed)
		nsg_jsonw_rewind(&s->gap_line, start);
}

