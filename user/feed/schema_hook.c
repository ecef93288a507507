// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * hook_unreachable: a container started while the agent was away; the OCI
 * hook spooled a record of it (its hook failed open), and the agent, back,
 * writes each record's members again in its own envelope.
 */
#include <string.h>
#include <jansson.h>
#include "feed/schema_members.h"

/* A parsed value written back through the writer (the spool record's members). */
static void jansson_value(struct nsg_jsonw *w, const json_t *v)
{
	const char *key;
	json_t *item;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		nsg_jsonw_object_begin(w);
		json_object_foreach((json_t *)v, key, item) {
			nsg_jsonw_key(w, key);
			jansson_value(w, item);
		}
		nsg_jsonw_object_end(w);
		break;
	case JSON_ARRAY:
		nsg_jsonw_array_begin(w);
		json_array_foreach(v, i, item)
			jansson_value(w, item);
		nsg_jsonw_array_end(w);
		break;
	case JSON_STRING:
		nsg_jsonw_stringn(w, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		nsg_jsonw_int(w, json_integer_value(v));
		break;
	case JSON_REAL:
		nsg_jsonw_double(w, json_real_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		nsg_jsonw_bool(w, json_is_true(v));
		break;
	case JSON_NULL:
		nsg_jsonw_null(w);
		break;
	}
}

static bool envelope_key(const char *key)
{
	static const char *const ours[] = { "schema", "time", "event", "severity" };

	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		if (strcmp(key, ours[i]) == 0)
			return true;
	return false;
}

void nsg_feed_hook_unreachable(struct nsg_jsonw *w, const char *spool_line, size_t len)
{
	json_t *rec = json_loadb(spool_line, len, 0, NULL), *v;
	const char *key;

	nsg_schema_agent_violation_begin(w, "hook_unreachable");
	if (json_is_object(rec)) {
		json_object_foreach(rec, key, v) {
			if (envelope_key(key))
				continue;
			nsg_jsonw_key(w, key);
			jansson_value(w, v);
		}
	}
	json_decref(rec);
	nsg_jsonw_object_end(w);
}
