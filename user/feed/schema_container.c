// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Containers in the feed: the `container` object events carry (from the
 * runtime's state, or from the hook's registration once the state is
 * gone), and the hook's registration events, container_registered and
 * exemption_failed.
 */
#include <string.h>
#include "feed/schema_members.h"
#include "util/utf8.h"

/*
 * Strings from the runtime (annotations, the cgroup path) are bytes: like
 * comm/exe, invalid UTF-8 is repaired with the exact bytes in `<key>_raw`,
 * never a silently missing field.
 */
static void registered_pod(struct nsg_jsonw *w, const struct nsg_known_container *k, bool uid)
{
	nsg_jsonw_key(w, "pod");
	if (!k->pod && !k->kubernetes_namespace) {
		nsg_jsonw_null(w);
		return;
	}
	nsg_jsonw_object_begin(w);
	nsg_jsonw_member_bytes_or_null(w, "name", k->pod);
	nsg_jsonw_member_bytes_or_null(w, "namespace", k->kubernetes_namespace);
	if (uid) /* the hook is not told it */
		nsg_jsonw_kv_null(w, "uid");
	nsg_jsonw_object_end(w);
}

/* What the hook told of a container; `pod` only where the event has it. */
static void registration_members(struct nsg_jsonw *w, const struct nsg_known_container *k,
				 bool with_pod)
{
	nsg_jsonw_member_bytes_or_null(w, "container_id", k->id[0] ? k->id : NULL);
	nsg_jsonw_member_bytes_or_null(w, "cgroup", k->cgroup);
	nsg_jsonw_kv_uint(w, "cgroup_id", k->cgroup_id);
	if (with_pod)
		registered_pod(w, k, false);
	nsg_jsonw_member_bytes_or_null(w, "container_name", k->container_name);
	nsg_jsonw_member_bytes_or_null(w, "image", k->image);
	nsg_jsonw_key(w, "allowed_ns");
	nsg_schema_ns_list(w, k->allowed);
}

void nsg_feed_container_registered(struct nsg_jsonw *w, const struct nsg_known_container *k)
{
	nsg_schema_agent_event_begin(w, "container_registered");
	registration_members(w, k, true);
	nsg_jsonw_object_end(w);
}

void nsg_feed_exemption_failed(struct nsg_jsonw *w, const struct nsg_known_container *k,
			       const char *why)
{
	nsg_schema_agent_violation_begin(w, "exemption_failed");
	registration_members(w, k, false);
	nsg_jsonw_kv_string(w, "reason", why);
	nsg_jsonw_object_end(w);
}

void nsg_feed_container_from_registration(struct nsg_jsonw *w,
					  const struct nsg_known_container *k)
{
	nsg_jsonw_object_begin(w);
	nsg_jsonw_member_bytes_or_null(w, "runtime", k->runtime);
	nsg_jsonw_member_bytes_or_null(w, "name", k->container_name);
	registered_pod(w, k, true);
	nsg_jsonw_member_bytes_or_null(w, "image", k->image);
	nsg_jsonw_object_end(w);
}

/* A state-file field: null when empty or not valid UTF-8 (it may be unterminated). */
static void meta_field(struct nsg_jsonw *w, const char *key, const char *s, size_t size)
{
	size_t n = strnlen(s, size);

	nsg_jsonw_key(w, key);
	if (n && nsg_utf8_valid(s, n))
		nsg_jsonw_stringn(w, s, n);
	else
		nsg_jsonw_null(w);
}

#define META_FIELD(w, key, m, f) meta_field(w, key, (m)->f, sizeof((m)->f))

void nsg_feed_container(struct nsg_jsonw *w, const struct nsg_container_meta *m)
{
	static const struct nsg_container_meta none;

	if (!m || !m->found)
		m = &none;
	nsg_jsonw_object_begin(w);
	META_FIELD(w, "runtime", m, runtime);
	META_FIELD(w, "name", m, name);
	nsg_jsonw_key(w, "pod");
	if (m->pod_name[0] || m->pod_namespace[0] || m->pod_uid[0]) {
		nsg_jsonw_object_begin(w);
		META_FIELD(w, "name", m, pod_name);
		META_FIELD(w, "namespace", m, pod_namespace);
		META_FIELD(w, "uid", m, pod_uid);
		nsg_jsonw_object_end(w);
	} else {
		nsg_jsonw_null(w);
	}
	META_FIELD(w, "image", m, image);
	nsg_jsonw_object_end(w);
}
