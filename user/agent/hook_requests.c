// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The agent's answers to nsguard-oci-hook: a container about to start is
 * named, judged by the policy and registered with its exemptions before the
 * answer, so that its first exec already meets them. And the hook calls
 * that found no agent, spooled by the hook, reported at start.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "agent/agent_state.h"
#include "agent/containers.h"
#include "agent/hook_requests.h"
#include "feed/names.h"
#include "hook/spool.h"
#include "runtime/oci_state.h"

/*
 * Docker writes no annotations into the bundle: its container's name and
 * image are in its own state (config.v2.json under the data root), written
 * before the runtime is called. A dockerd started since the last look is
 * looked for again, so the first container it starts is named too.
 */
static void fill_from_runtime_state(struct agent *a, struct nsg_known_container *k,
				    struct nsg_container_meta *meta)
{
	struct agent_containers *c = &a->ctr;
	const struct nsg_container_meta *state;

	if (k->container_name && k->image)
		return;
	state = nsg_meta_cache_refresh(c->meta, k->id);
	if (!state && !c->node.docker.n && nsg_node_meta_refresh(&c->node, true))
		state = nsg_meta_cache_refresh(c->meta, k->id);
	if (!state)
		return;
	/* Copied at once: the cache's entry lasts only until its next call. */
	if (!k->container_name && state->name[0]) {
		memcpy(meta->name, state->name, sizeof(meta->name));
		k->container_name = meta->name;
	}
	if (!k->image && state->image[0]) {
		memcpy(meta->image, state->image, sizeof(meta->image));
		k->image = meta->image;
	}
	if (!k->runtime && state->runtime[0]) {
		memcpy(meta->runtime, state->runtime, sizeof(meta->runtime));
		k->runtime = meta->runtime;
	}
}

/* The hook protocol's ["ipc","pid"] (the protocol is Jansson's; the feed is not). */
static json_t *ns_list_json(uint32_t mask)
{
	json_t *list = json_array();

	for (int t = 0; t < NSG_NS_TYPES; t++)
		if (mask & NSG_BIT(t))
			json_array_append_new(list, json_string(nsg_ns_names[t]));
	return list;
}

static json_t *answer_request(void *arg, json_t *state)
{
	struct agent *a = arg;
	struct nsg_known_container k;
	struct nsg_container_meta meta;
	struct nsg_match_input in;
	char cgroup[512], err[256];
	json_t *config;
	int rc;

	if (nsg_oci_state_container(state, &a->kern.cgroups, &k, &meta, cgroup, sizeof(cgroup),
				    &config, err, sizeof(err)))
		return json_pack("{s:b, s:s}", "ok", 0, "error", err);
	fill_from_runtime_state(a, &k, &meta);
	in = nsg_known_match_input(&k);
	k.allowed = nsg_policy_container_allows(&a->set.policy, &in);
	/* In the kernel before the answer: the runtime waits for it. */
	rc = nsg_containers_register(a, &k, true);
	json_decref(config);
	if (rc)
		return json_pack("{s:b, s:s}", "ok", 0, "error", "exemption map full");
	return json_pack("{s:b, s:o}", "ok", 1, "allowed_ns", ns_list_json(k.allowed));
}

int nsg_hook_requests_open(struct agent *a, char *err, size_t errlen)
{
	a->hook.fd = -1;
	if (!a->set.cfg->hook_socket)
		return 0;
	return nsg_hook_server_open(&a->hook, a->set.cfg->hook_socket, err, errlen);
}

void nsg_hook_requests_service(struct agent *a)
{
	nsg_hook_server_service(&a->hook, answer_request, a);
}

void nsg_hook_requests_close(struct agent *a)
{
	nsg_hook_server_close(&a->hook);
}

static void report_missed(void *arg, const char *line, size_t len)
{
	struct nsg_sink *sink = arg;

	nsg_feed_hook_unreachable(nsg_sink_line(sink), line, len);
	nsg_sink_commit(sink);
}

void nsg_hook_requests_report_missed(struct agent *a)
{
	if (!a->set.cfg->hook_socket)
		return;
	nsg_spool_drain(a->set.cfg->hook_socket, report_missed, &a->out.sink);
	nsg_sink_flush(&a->out.sink);
}
